"""The plain-Python evaluator of compiled rules: the reference the durable-rules engine is
checked against, and the fast path for bulk work."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from ..facts import Fact
from ..rulebook.compiler import OPERATORS, And, Cmp, CompiledRule, Const, Pred
from .base import EngineResult, Hit, by_entity


def holds(pred: Pred, values: Mapping[str, Any]) -> bool:
    """Whether ``pred`` holds for a fact's values. A comparison on a missing field is false."""
    return predicate(pred)(values)


Test = Callable[[Mapping[str, Any]], bool]


@lru_cache(maxsize=4096)
def predicate(pred: Pred) -> Test:
    """``pred`` as a function of a fact's values, built once (closures, not a tree walk)."""
    if isinstance(pred, Cmp):
        field, value = pred.field, pred.value
        if pred.op == "exists":
            want = bool(value)
            return lambda v: (field in v) is want
        compare = OPERATORS[pred.op]
        return lambda v: field in v and bool(compare(v[field], value))
    if isinstance(pred, Const):
        result = pred.value
        return lambda v: result
    parts = [predicate(p) for p in pred.items]
    test = parts[-1]
    for part in reversed(parts[:-1]):  # a chain of two-way tests: no generator per fact
        test = _both(part, test) if isinstance(pred, And) else _either(part, test)
    return test


def _both(first: Test, second: Test) -> Test:
    return lambda v: first(v) and second(v)


def _either(first: Test, second: Test) -> Test:
    return lambda v: first(v) or second(v)


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
                    test = predicate(rule.violation)
                    found = [f for f in subjects if test(f.values)]
            except Exception as exc:  # a failing rule is an error result, never a pass
                result.errors[rule.id] = f"{type(exc).__name__}: {exc}"
                continue
            result.hits.update(Hit(rule.id, f.key) for f in found)
        return result
