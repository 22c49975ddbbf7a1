"""Turn a validated plan into facts: flat records, one per entity, with derived values.

Totals, counts and ratios are computed here, once, so that rules compare plain values.
Every fact field is declared in :data:`SCHEMA` with its type; the rule compiler checks each
rule against it, so a rule cannot name a field or an enumeration value that does not exist.
A fact never has a field called ``id`` or ``sid`` (durable-rules reserves both).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import Position
from .model.enums import Change, Coded, GridType, UnitKind
from .model.plan import Plan, Quotas
from .source import PathKey, SourceMap


@dataclass(frozen=True)
class FieldType:
    """The type of a fact field: ``int``, ``float``, ``bool``, ``str``, or an enumeration."""

    kind: str
    choices: tuple[str, ...] = ()
    enum: type[Coded] | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")

    def accepts(self, value: Any) -> bool:
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.numeric:
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.choices:
            return value in self.choices
        return isinstance(value, str)

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return {"int": "a whole number", "float": "a number", "bool": "true or false"}.get(
            self.kind, "a text"
        )


INT, FLOAT, BOOL, STR = FieldType("int"), FieldType("float"), FieldType("bool"), FieldType("str")


def _enum(cls: type[Coded]) -> FieldType:
    return FieldType("str", tuple(m.value for m in cls), cls)


_QUOTA_TYPES = ("administrative", "public_institution", "support")

SCHEMA: dict[str, dict[str, FieldType]] = {
    "unit": {
        "name": STR,
        "kind": _enum(UnitKind),
        "change": _enum(Change),
        "locally_specific": BOOL,
        "predecessor_count": INT,
        "quota_before_total": INT,
        "quota_after_total": INT,
        **{f"quota_before_{t}": INT for t in _QUOTA_TYPES},
        **{f"quota_after_{t}": INT for t in _QUOTA_TYPES},
        "planned_hires": INT,
        "has_justification": BOOL,
    },
    "grid": {
        "name": STR,
        "township": STR,
        "households": INT,
        "population": INT,
        "area": FieldType("str", ("ordinary", "dense")),
        "type": _enum(GridType),
        "has_justification": BOOL,
    },
}


@dataclass(frozen=True)
class Fact:
    """One entity as the engines see it, plus what a report needs to point at it."""

    entity: str
    key: str
    values: dict[str, Any]
    path: PathKey
    position: Position | None
    justification: str | None = None

    @property
    def label(self) -> str:
        return str(self.values.get("name") or self.key)


def _quota_fields(prefix: str, quotas: Quotas | None) -> dict[str, int]:
    q = quotas or Quotas()
    out = {f"{prefix}_{t}": getattr(q, t) for t in _QUOTA_TYPES}
    out[f"{prefix}_total"] = q.total
    return out


def build_facts(plan: Plan, source: SourceMap) -> list[Fact]:
    """Every fact of ``plan``, in document order."""
    return list(_units(plan, source)) + list(_grids(plan, source))


def _units(plan: Plan, source: SourceMap) -> Iterator[Fact]:
    for i, unit in enumerate(plan.units):
        path: PathKey = ("units", i)
        values: dict[str, Any] = {
            "name": unit.name,
            "kind": unit.kind.value,
            "change": unit.change.value,
            "locally_specific": unit.locally_specific,
            "predecessor_count": len(unit.predecessors),
            **_quota_fields("quota_before", unit.quotas_before),
            **_quota_fields("quota_after", unit.quotas_after),
            "planned_hires": unit.planned_hires,
            "has_justification": unit.justification is not None,
        }
        yield Fact("unit", unit.id, values, path, source.position(path), unit.justification)


def _grids(plan: Plan, source: SourceMap) -> Iterator[Fact]:
    for i, grid in enumerate(plan.grids):
        path: PathKey = ("grids", i)
        values: dict[str, Any] = {
            "name": grid.name or grid.code,
            "township": grid.township or "",
            "households": grid.households,
            "population": grid.population,
            "area": "dense" if grid.dense_area else "ordinary",
            "type": grid.type.value,
            "has_justification": grid.justification is not None,
        }
        yield Fact("grid", grid.code, values, path, source.position(path), grid.justification)
