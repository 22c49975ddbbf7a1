"""The plain-Python evaluator of compiled rules: the reference the durable-rules engine is
checked against, and the fast path for bulk work.

It works a column at a time: a predicate takes a table of facts and the positions of the
facts still in question, and gives the positions of those it holds for, in order. A
comparison is one pass over a column; ``all`` narrows the positions part by part, and ``any``
tries each part on the positions no earlier part matched. Each fact is therefore tested by
exactly the parts a fact-by-fact evaluation would test, in the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import compress, repeat
from typing import Any

from ..facts import Fact, FactSet, FactTable
from ..rulebook.compiler import OPERATORS, And, Cmp, CompiledRule, Const, Pred
from .base import EngineResult, Hit

Positions = Sequence[int]  # a range (every fact of the table) or increasing positions
Select = Callable[[FactTable, Positions], list[int]]


@lru_cache(maxsize=4096)
def selector(pred: Pred) -> Select:
    """``pred`` as a function of a table and positions, built once per predicate."""
    if isinstance(pred, Cmp):
        if pred.op == "exists":
            return _exists(pred.field, bool(pred.value))
        return _compare(pred.field, OPERATORS[pred.op], pred.value)
    if isinstance(pred, Const):
        result = pred.value
        return lambda table, at: list(at) if result else []
    parts = tuple(selector(p) for p in pred.items)
    return _all(parts) if isinstance(pred, And) else _any(parts)


def _exists(field: str, want: bool) -> Select:
    def select(table: FactTable, at: Positions) -> list[int]:
        col = table.column(field)
        if col is None:
            return [] if want else list(at)
        return [i for i in at if (col[i] is not None) is want]

    return select


def _compare(field: str, compare: Callable[[Any, Any], bool], value: Any) -> Select:
    """A comparison on a missing value is false."""

    def select(table: FactTable, at: Positions) -> list[int]:
        col = table.column(field)
        if col is None or not at:
            return []
        values = col if len(at) == len(col) else [col[i] for i in at]
        if table.has_gaps(field) and None in values:
            return [
                i for i, x in zip(at, values, strict=True) if x is not None and compare(x, value)
            ]
        return list(compress(at, map(compare, values, repeat(value))))

    return select


def _all(parts: tuple[Select, ...]) -> Select:
    def select(table: FactTable, at: Positions) -> list[int]:
        left = list(at)
        for part in parts:
            if not left:
                break
            left = part(table, left)
        return left

    return select


def _any(parts: tuple[Select, ...]) -> Select:
    def select(table: FactTable, at: Positions) -> list[int]:
        found: list[int] = []
        left = list(at)
        for part in parts:
            if not left:
                break
            hits = part(table, left)
            if hits:
                found.extend(hits)
                taken = set(hits)
                left = [i for i in left if i not in taken]
        return sorted(found)

    return select


def unpaired(rule: CompiledRule, table: FactTable) -> list[int]:
    """Subjects left without a partner of the same ``match_on`` values.

    Partners are interchangeable within a class of equal ``match_on`` values, so the subjects
    paired are the first ones in document order, as many as there are partners.
    """
    assert rule.partner is not None
    every = range(len(table))
    columns = [table.column(k) or [None] * len(table) for k in rule.match_on]

    def cls(i: int) -> tuple[Any, ...]:
        values = tuple(col[i] for col in columns)
        if None in values:  # as a fact-by-fact evaluation would fail on the missing value
            raise KeyError(rule.match_on[values.index(None)])
        return values

    available = Counter(cls(i) for i in selector(rule.partner)(table, every))
    left: list[int] = []
    for i in selector(rule.violation)(table, every):
        c = cls(i)
        if available[c] > 0:
            available[c] -= 1
        else:
            left.append(i)
    return left


class PythonEngine:
    name = "python"

    def evaluate(self, rules: Sequence[CompiledRule], facts: Sequence[Fact]) -> EngineResult:
        result = EngineResult()
        tables = FactSet.of(facts).tables
        for rule in rules:
            table = tables.get(rule.entity)
            if table is None or not len(table):
                continue
            try:
                if rule.kind == "pairing":
                    found = unpaired(rule, table)
                else:
                    found = selector(rule.violation)(table, range(len(table)))
            except Exception as exc:  # a failing rule is an error result, never a pass
                result.errors[rule.id] = f"{type(exc).__name__}: {exc}"
                continue
            keys = table.keys
            result.hits.update(Hit(rule.id, keys[i]) for i in found)
        return result
