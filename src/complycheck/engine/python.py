"""The plain-Python evaluator of compiled rules: the reference the durable-rules engine is
checked against, and the fast path for bulk work."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ..facts import Fact
from ..rulebook.compiler import OPERATORS, And, Cmp, CompiledRule, Const, Or, Pred
from .base import EngineResult, Hit, by_entity


def holds(pred: Pred, values: Mapping[str, Any]) -> bool:
    """Whether ``pred`` holds for a fact's values. A comparison on a missing field is false."""
    if isinstance(pred, Cmp):
        if pred.op == "exists":
            return (pred.field in values) is bool(pred.value)
        if pred.field not in values:
            return False
        return bool(OPERATORS[pred.op](values[pred.field], pred.value))
    if isinstance(pred, And):
        return all(holds(p, values) for p in pred.items)
    if isinstance(pred, Or):
        return any(holds(p, values) for p in pred.items)
    assert isinstance(pred, Const)
    return pred.value


def unpaired(rule: CompiledRule, facts: Sequence[Fact]) -> list[Fact]:
    """Subjects left without a partner of the same ``match_on`` values.

    Partners are interchangeable within a class of equal ``match_on`` values, so the subjects
    paired are the first ones in document order, as many as there are partners.
    """
    assert rule.partner is not None
    available = Counter(
        tuple(f.values[k] for k in rule.match_on) for f in facts if holds(rule.partner, f.values)
    )
    left: list[Fact] = []
    for fact in facts:
        if not holds(rule.violation, fact.values):
            continue
        cls = tuple(fact.values[k] for k in rule.match_on)
        if available[cls] > 0:
            available[cls] -= 1
        else:
            left.append(fact)
    return left


class PythonEngine:
    name = "python"

    def evaluate(self, rules: Sequence[CompiledRule], facts: Sequence[Fact]) -> EngineResult:
        result = EngineResult()
        grouped = by_entity(facts)
        for rule in rules:
            subjects = grouped.get(rule.entity, [])
            try:
                if rule.kind == "pairing":
                    found = unpaired(rule, subjects)
                else:
                    found = [f for f in subjects if holds(rule.violation, f.values)]
            except Exception as exc:  # a failing rule is an error result, never a pass
                result.errors[rule.id] = f"{type(exc).__name__}: {exc}"
                continue
            result.hits.update(Hit(rule.id, f.key) for f in found)
        return result
