"""What an engine takes and gives: compiled rules and facts in, hits and rule errors out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..facts import Fact
from ..rulebook.compiler import CompiledRule


@dataclass(frozen=True, order=True)
class Hit:
    """Rule ``rule_id`` found entity ``key`` in violation."""

    rule_id: str
    key: str


@dataclass
class EngineResult:
    hits: set[Hit] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)  # rule id -> what went wrong


class Engine(Protocol):
    name: str

    def evaluate(self, rules: Sequence[CompiledRule], facts: Sequence[Fact]) -> EngineResult:
        """Evaluate every rule against the facts of its entity. A rule that fails is
        reported in ``errors``, and the other rules still run."""
        ...


def by_entity(facts: Sequence[Fact]) -> dict[str, list[Fact]]:
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        grouped[fact.entity].append(fact)
    return grouped
