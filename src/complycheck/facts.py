"""Turn a validated plan into facts: flat records, one per entity, with derived values.

Totals, counts, ratios and cross-entity relations (a merged unit's predecessors, the units that
lead a matter, a township's institutions) are computed here, once, so that rules compare plain
values. Every fact field is declared in :data:`SCHEMA` with its type; the rule compiler checks
each rule against it, so a rule cannot name a field or an enumeration value that does not exist.
A field marked optional is left out of a fact when the plan does not give it (a ratio with
nothing to divide by, a date not stated); a comparison on a missing field is false.
A fact never has a field called ``id`` or ``sid`` (durable-rules reserves both).

The facts of a plan are held as a :class:`FactSet`, one :class:`FactTable` per entity. Grids
(thousands a plan) and units are computed a column at a time; a fact of theirs is made as a
record only when durable-rules or a finding needs it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from .i18n import fold
from .model.enums import (
    Change,
    Coded,
    Disposition,
    DivisionType,
    FunctionRole,
    GridType,
    InstitutionType,
    JurisdictionClass,
    Level,
    PartyRelation,
    PICategory,
    ProblemStatus,
    Sector,
    StationedCategory,
    TeamLevel,
    TownshipType,
    UnitKind,
)
from .model.grids import GridColumns
from .model.plan import Division, Plan, Township
from .model.units import Posts, Quota, UnitColumns
from .source import PathKey


@dataclass(frozen=True)
class FieldType:
    """The type of a fact field: ``int``, ``float``, ``bool``, ``str`` or ``list`` (of texts),
    with its allowed values when it is an enumeration."""

    kind: str
    choices: tuple[str, ...] = ()
    enum: type[Coded] | None = None
    optional: bool = False
    folded: bool = False  # texts compared in folded form (simplified, case-folded)

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` may be compared with this field (for a list: may be an item)."""
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
        words = {"int": "a whole number", "float": "a number", "bool": "true or false"}
        return words.get(self.kind, "a text")


INT, BOOL, STR, LIST = (FieldType(k) for k in ("int", "bool", "str", "list"))
OPT_INT, OPT_FLOAT, OPT_BOOL, OPT_STR = (
    FieldType(k, optional=True) for k in ("int", "float", "bool", "str")
)
NONE = "none"  # the value of an optional enumeration the plan leaves out


def _enum(cls: type[Coded], *, optional: bool = False) -> FieldType:
    values = tuple(m.value for m in cls) + ((NONE,) if optional else ())
    return FieldType("str", values, cls)


QUOTA_TYPES = ("administrative", "public_institution", "support")


def _quota_schema(prefix: str, *, optional: bool = False) -> dict[str, FieldType]:
    ftype = OPT_INT if optional else INT
    return {f"{prefix}_{t}": ftype for t in (*QUOTA_TYPES, "total")}


SCHEMA: dict[str, dict[str, FieldType]] = {
    "plan": {
        "name": STR,
        "level": _enum(Level),
        "jurisdiction_class": _enum(JurisdictionClass, optional=True),
        "organs_before": INT,
        "organs_after": INT,
        "pis_before": INT,
        "pis_after": INT,
        "institutions_before": INT,
        "institutions_after": INT,
        "locally_specific_organs": INT,
        **_quota_schema("quota_before"),
        **_quota_schema("quota_after"),
        "control_institutions": OPT_INT,
        **_quota_schema("control_quota", optional=True),
        "institution_excess": OPT_INT,
        **_quota_schema("control_quota_excess", optional=True),
        **{f"quota_growth_{t}": INT for t in (*QUOTA_TYPES, "total")},
        "institution_growth": INT,
        "organ_change_ratio": OPT_FLOAT,
        "pi_change_ratio": OPT_FLOAT,
        "quota_change_ratio": OPT_FLOAT,
        "posts_before": INT,
        "posts_after": INT,
        "posts_change_ratio": OPT_FLOAT,
        "enforcement_quotas": INT,
        "front_line_quotas": INT,
        "front_line_share": OPT_FLOAT,
        "township_count": INT,
        "township_pi_quota_avg": OPT_FLOAT,
    },
    "unit": {
        "name": STR,
        "kind": _enum(UnitKind),
        "change": _enum(Change),
        "pi_category": _enum(PICategory, optional=True),
        "sector": _enum(Sector),
        "locally_specific": BOOL,
        "predecessor_count": INT,
        **_quota_schema("quota_before"),
        **_quota_schema("quota_after"),
        **_quota_schema("actual", optional=True),
        **_quota_schema("excess", optional=True),
        **_quota_schema("vacant", optional=True),
        "planned_hires": INT,
        "posts_approved": OPT_INT,
        "posts_actual": OPT_INT,
        "posts_approved_before": OPT_INT,
        "posts_excess": OPT_INT,
        "posts_increase": OPT_INT,
        "open_problems": INT,
        "requests_staffing": BOOL,
        "division_count": INT,
        "general_division_count": INT,
        "business_division_count": INT,
        "general_quota_after": INT,
        "business_quota_after": INT,
        "pred_general_division_count": INT,
        "pred_business_division_count": INT,
        "pred_max_general_divisions": INT,
        "pred_general_quota": INT,
        "pred_business_quota": INT,
        "general_division_excess": INT,
        "business_division_ratio": OPT_FLOAT,
        "general_quota_ratio": OPT_FLOAT,
        "business_quota_ratio": OPT_FLOAT,
        "established": OPT_STR,
        "abolished": OPT_STR,
        "successor": OPT_STR,
        "orphan_function_count": INT,
        "orphan_functions": LIST,
        "successor_late": OPT_BOOL,
        "has_justification": BOOL,
    },
    "function": {
        "name": STR,
        "lead_count": INT,
        "lead_units": LIST,
        "assisting_units": LIST,
        "assisting_count": INT,
        "has_justification": BOOL,
    },
    "township": {
        "name": STR,
        "type": _enum(TownshipType),
        "institution_count": INT,
        "office_count": INT,
        "station_count": INT,
        "centre_count": INT,
        "institution_names": FieldType("list", folded=True),
        "pi_quotas": INT,
    },
    "stationed_agency": {
        "name": STR,
        "township": STR,
        "category": _enum(StationedCategory),
        "disposition": _enum(Disposition),
        "party_relation": _enum(PartyRelation, optional=True),
        "evaluation_share": OPT_FLOAT,
    },
    "grid": {
        "name": STR,
        "township": STR,
        "township_name": STR,
        "households": INT,
        "population": INT,
        "area": FieldType("str", ("ordinary", "dense")),
        "type": _enum(GridType),
        "has_justification": BOOL,
    },
    "enforcement_team": {
        "name": STR,
        "field": FieldType("str", folded=True),
        "level": _enum(TeamLevel),
        "same_field_city_teams": INT,
    },
}


@dataclass(slots=True)
class Fact:
    """One entity as the engines see it, plus what a report needs to point at it. Built once
    and never changed (not frozen only because a frozen record costs more to build, and a plan
    has thousands of facts)."""

    entity: str
    key: str
    values: dict[str, Any]
    path: PathKey  # where the entity is in the plan; its position is looked up when needed
    justification: str | None = None

    @property
    def label(self) -> str:
        return str(self.values.get("name") or self.key)


class FactTable:
    """The facts of one entity as columns: one list per field, ``None`` where a fact lacks an
    optional value (a fact never holds ``None``). A table is built either from facts, whose
    columns are then made on first use, or from columns, whose facts are then made on demand.
    The Python evaluator reads columns; durable-rules and the findings read facts."""

    __slots__ = (
        "_columns",
        "_gaps",
        "_index",
        "_justifications",
        "_path",
        "_rows",
        "entity",
        "keys",
    )

    def __init__(
        self,
        entity: str,
        keys: list[str],
        *,
        rows: list[Fact] | None = None,
        columns: dict[str, list[Any]] | None = None,
        path: Callable[[int], PathKey] | None = None,
        justifications: list[str | None] | None = None,
    ) -> None:
        self.entity = entity
        self.keys = keys
        self._rows = rows
        self._columns = columns if columns is not None else {}
        self._path = path
        self._justifications = justifications
        self._index: dict[str, int] | None = None
        self._gaps: dict[str, bool] = {}

    @classmethod
    def of_rows(cls, entity: str, rows: list[Fact]) -> FactTable:
        return cls(entity, [f.key for f in rows], rows=rows)

    def __len__(self) -> int:
        return len(self.keys)

    def column(self, name: str) -> list[Any] | None:
        """The values of field ``name``, or None when no fact of this table has the field."""
        col = self._columns.get(name)
        if col is None and self._rows is not None:
            col = self._columns[name] = [f.values.get(name) for f in self._rows]
        return col

    def has_gaps(self, name: str) -> bool:
        """Whether some fact lacks field ``name`` (its column holds None)."""
        gaps = self._gaps.get(name)
        if gaps is None:
            col = self.column(name)
            gaps = self._gaps[name] = col is None or None in col
        return gaps

    def row(self, i: int) -> Fact:
        if self._rows is not None:
            return self._rows[i]
        assert self._path is not None
        values = {name: col[i] for name, col in self._columns.items() if col[i] is not None}
        just = self._justifications[i] if self._justifications is not None else None
        return Fact(self.entity, self.keys[i], values, self._path(i), just)

    def rows(self) -> list[Fact]:
        if self._rows is None:
            self._rows = [self.row(i) for i in range(len(self.keys))]
        return self._rows

    def find(self, key: str) -> Fact:
        """The fact whose key is ``key`` (the first, should two share one)."""
        if self._index is None:  # built from the end, so that the first of a key stays
            count = len(self.keys)
            self._index = dict(zip(reversed(self.keys), range(count - 1, -1, -1), strict=True))
        return self.row(self._index[key])


class FactSet(Sequence[Fact]):
    """All facts of a plan, one table per entity. As a sequence, the facts in order."""

    __slots__ = ("_flat", "tables")

    def __init__(self, tables: Iterable[FactTable]) -> None:
        self.tables: dict[str, FactTable] = {}
        for table in tables:
            if table.entity in self.tables:
                raise ValueError(f"two tables of {table.entity}")
            self.tables[table.entity] = table
        self._flat: list[Fact] | None = None

    @classmethod
    def of(cls, facts: Iterable[Fact]) -> FactSet:
        """The facts of any sequence, grouped into tables by entity (in order within each)."""
        if isinstance(facts, FactSet):
            return facts
        grouped: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts:
            grouped[fact.entity].append(fact)
        return cls(FactTable.of_rows(entity, rows) for entity, rows in grouped.items())

    def _facts(self) -> list[Fact]:
        if self._flat is None:
            self._flat = [f for t in self.tables.values() for f in t.rows()]
        return self._flat

    def __len__(self) -> int:
        return sum(len(t) for t in self.tables.values())

    @overload
    def __getitem__(self, index: int) -> Fact: ...

    @overload
    def __getitem__(self, index: slice) -> list[Fact]: ...

    def __getitem__(self, index: int | slice) -> Fact | list[Fact]:
        return self._facts()[index]

    def __iter__(self) -> Iterator[Fact]:
        return iter(self._facts())

    def find(self, entity: str, key: str) -> Fact:
        return self.tables[entity].find(key)


def _ratio(after: int, before: int) -> float | None:
    return round(after / before, 6) if before else None


def _change(before: int, after: int) -> float | None:
    """The relative change from ``before`` to ``after`` (−0.371 for a 37.1% cut)."""
    return round((after - before) / before, 6) if before else None


def _township_pi_quotas(township: Township) -> int:
    return sum(i.quotas.public_institution for i in township.institutions if i.quotas)


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out optional values the plan does not give."""
    return {k: v for k, v in values.items() if v is not None}


def build_facts(plan: Plan) -> FactSet:
    """Every fact of ``plan``: the plan itself, then its entities in document order."""
    townships = list(_townships(plan))
    units = _units(plan)
    return FactSet(
        [
            FactTable.of_rows("plan", [_plan(plan, units)]),
            units,
            FactTable.of_rows("function", list(_functions(plan))),
            FactTable.of_rows("township", [f for f in townships if f.entity == "township"]),
            FactTable.of_rows(
                "stationed_agency", [f for f in townships if f.entity == "stationed_agency"]
            ),
            _grids(plan),
            FactTable.of_rows("enforcement_team", list(_teams(plan))),
        ]
    )


EXISTED_BEFORE = (Change.KEPT, Change.ABOLISHED, Change.RENAMED)
EXISTS_AFTER = (Change.KEPT, Change.NEW, Change.MERGED, Change.RENAMED)


def _plan(plan: Plan, units: FactTable) -> Fact:
    """The plan as a whole: its totals are those of its units' facts."""
    j = plan.plan.jurisdiction

    def col(name: str) -> list[Any]:
        return units.column(name) or []

    kinds_changes = list(zip(col("kind"), col("change"), strict=True))

    def count(kind: UnitKind, changes: tuple[Change, ...]) -> int:
        return sum(1 for k, c in kinds_changes if k == kind and c in changes)

    before = {t: sum(col(f"quota_before_{t}")) for t in (*QUOTA_TYPES, "total")}
    after = {t: sum(col(f"quota_after_{t}")) for t in (*QUOTA_TYPES, "total")}
    organs = (count(UnitKind.ORGAN, EXISTED_BEFORE), count(UnitKind.ORGAN, EXISTS_AFTER))
    pis = (
        count(UnitKind.PUBLIC_INSTITUTION, EXISTED_BEFORE),
        count(UnitKind.PUBLIC_INSTITUTION, EXISTS_AFTER),
    )
    control = plan.control_numbers
    cq = control.quotas if control else None
    control_quota: dict[str, int | None] = {t: getattr(cq, t) if cq else None for t in QUOTA_TYPES}
    given = [v for v in control_quota.values() if v is not None]
    control_quota["total"] = sum(given) if cq and len(given) == len(QUOTA_TYPES) else None
    approved_before = col("posts_approved_before")
    posts_before = sum(b for b in approved_before if b is not None)
    posts_after = sum(
        a for a, b in zip(col("posts_approved"), approved_before, strict=True) if b is not None
    )
    teams = plan.enforcement_teams
    team_quotas = sum(t.quotas or 0 for t in teams if t.front_line_quotas is not None)
    front_line = sum(t.front_line_quotas or 0 for t in teams if t.quotas is not None)
    township_pi = [_township_pi_quotas(t) for t in plan.townships]
    values = {
        "name": j.name,
        "level": j.level.value,
        "organ_change_ratio": _change(organs[0], organs[1]),
        "pi_change_ratio": _change(pis[0], pis[1]),
        "quota_change_ratio": _change(before["total"], after["total"]),
        "posts_before": posts_before,
        "posts_after": posts_after,
        "posts_change_ratio": _change(posts_before, posts_after),
        "enforcement_quotas": team_quotas,
        "front_line_quotas": front_line,
        "front_line_share": _ratio(front_line, team_quotas),
        "township_count": len(plan.townships),
        "township_pi_quota_avg": (
            round(sum(township_pi) / len(township_pi), 6) if township_pi else None
        ),
        "jurisdiction_class": j.class_.value if j.class_ else NONE,
        "organs_before": organs[0],
        "organs_after": organs[1],
        "pis_before": pis[0],
        "pis_after": pis[1],
        "institutions_before": organs[0] + pis[0],
        "institutions_after": organs[1] + pis[1],
        "institution_growth": organs[1] + pis[1] - organs[0] - pis[0],
        "locally_specific_organs": sum(
            1
            for (k, c), local in zip(kinds_changes, col("locally_specific"), strict=True)
            if k == UnitKind.ORGAN and local and c in EXISTS_AFTER
        ),
        **{f"quota_before_{t}": v for t, v in before.items()},
        **{f"quota_after_{t}": v for t, v in after.items()},
        **{f"quota_growth_{t}": after[t] - before[t] for t in after},
        "control_institutions": control.institutions if control else None,
        "institution_excess": (
            organs[1] + pis[1] - control.institutions
            if control and control.institutions is not None
            else None
        ),
        **{f"control_quota_{t}": v for t, v in control_quota.items()},
        **{
            f"control_quota_excess_{t}": after[t] - v if v is not None else None
            for t, v in control_quota.items()
        },
    }
    path: PathKey = ("plan",)
    return Fact("plan", plan.plan.id, _present(values), path)


def _units(plan: Plan) -> FactTable:
    """The units' facts, computed a column at a time."""
    u = UnitColumns.of(plan.units)
    count = len(u.id)
    at = {ident: i for i, ident in enumerate(u.id)}
    successor = {p: i for i, preds in enumerate(u.predecessors) for p in preds}
    open_problems = Counter(p.unit for p in plan.problems if p.status is ProblemStatus.OPEN)
    led_after = {
        fold(f.name)
        for change, functions in zip(u.change, u.functions, strict=True)
        if change != "abolished"
        for f in functions
        if f.role is FunctionRole.LEAD
    }
    cols: dict[str, list[Any]] = {
        "name": u.name,
        "kind": u.kind,
        "change": u.change,
        "pi_category": [p or NONE for p in u.pi_category],
        "sector": u.sector,
        "locally_specific": u.locally_specific,
        "predecessor_count": list(map(len, u.predecessors)),
        **_quota_columns("quota_before", u.quotas_before),
        **_quota_columns("quota_after", u.quotas_after),
        "planned_hires": u.planned_hires,
        "open_problems": [open_problems[ident] for ident in u.id],
        "has_justification": [j is not None for j in u.justification],
        "established": [d.isoformat() if d else None for d in u.established],
        "abolished": [d.isoformat() if d else None for d in u.abolished],
    }
    cols["requests_staffing"] = [
        c == "new" or c == "merged" or a > b or h > 0
        for c, a, b, h in zip(
            u.change,
            cols["quota_after_total"],
            cols["quota_before_total"],
            u.planned_hires,
            strict=True,
        )
    ]
    cols |= _staffing(u.actual_staff, cols)
    cols |= _posts(u.leadership_posts)
    # Most units have no divisions and no predecessors: their values are those of
    # _NO_DIVISIONS, and only the others are worked out.
    divided = [
        (i, _divisions(u.divisions[i], [u.divisions[at[p]] for p in preds if p in at]))
        for i, preds in enumerate(u.predecessors)
        if u.divisions[i] or preds
    ]
    for name in _DIVISION_FIELDS:
        col = cols[name] = [_NO_DIVISIONS.get(name)] * count
        for i, values in divided:
            col[i] = values.get(name)
    follows = [successor.get(ident) for ident in u.id]
    cols["successor"] = [u.name[s] if s is not None else None for s in follows]
    orphan_count = [0] * count
    orphans: list[list[str]] = [[] for _ in range(count)]
    late: list[bool | None] = [None] * count
    for i, change in enumerate(u.change):
        if change == "abolished":
            s = follows[i]
            orphans[i] = [f.name for f in u.functions[i] if fold(f.name) not in led_after]
            orphan_count[i] = len(orphans[i])
            late[i] = _late(u.established[s] if s is not None else None, u.abolished[i])
    cols |= {
        "orphan_function_count": orphan_count,
        "orphan_functions": orphans,
        "successor_late": late,
    }
    return FactTable(
        "unit", u.id, columns=cols, path=_item_path("units"), justifications=u.justification
    )


def _item_path(top: str) -> Callable[[int], PathKey]:
    """Where the ``i``-th entity of the top-level list ``top`` is: ``(top, i)``."""
    return lambda i: (top, i)


def _quota_columns(prefix: str, quotas: list[Quota | None]) -> dict[str, list[int]]:
    """One column per quota type (0 where a unit gives no quotas), and their total."""
    by_type = [list(col) for col in zip(*(q or (0, 0, 0) for q in quotas), strict=True)]
    if not by_type:
        by_type = [[] for _ in QUOTA_TYPES]
    cols = {f"{prefix}_{t}": col for t, col in zip(QUOTA_TYPES, by_type, strict=True)}
    cols[f"{prefix}_total"] = list(map(sum, zip(*by_type, strict=True)))
    return cols


def _staffing(actual: list[Quota | None], cols: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Actual staff against the approved quotas after the plan (where the plan states it)."""
    out: dict[str, list[Any]] = {}
    for k, t in enumerate((*QUOTA_TYPES, "total")):
        if k < len(QUOTA_TYPES):
            have = [a[k] if a is not None else None for a in actual]
        else:
            have = [sum(a) if a is not None else None for a in actual]
        quota = cols[f"quota_after_{t}"]
        out[f"actual_{t}"] = have
        out[f"excess_{t}"] = [
            None if h is None else (h - q if h > q else 0) for h, q in zip(have, quota, strict=True)
        ]
        out[f"vacant_{t}"] = [
            None if h is None else (q - h if q > h else 0) for h, q in zip(have, quota, strict=True)
        ]
    return out


def _posts(posts: list[Posts | None]) -> dict[str, list[Any]]:
    """Leadership posts: approved, filled, and approved before the plan where stated."""
    before = [p[0] if p else None for p in posts]
    approved = [p[1] if p else None for p in posts]
    filled = [p[2] if p else None for p in posts]
    return {
        "posts_approved": approved,
        "posts_actual": filled,
        "posts_approved_before": before,
        "posts_excess": [None if p is None else max(0, p[2] - p[1]) for p in posts],
        "posts_increase": [None if p is None or p[0] is None else p[1] - p[0] for p in posts],
    }


_NO_DIVISIONS: dict[str, Any] = {
    "division_count": 0,
    "general_division_count": 0,
    "business_division_count": 0,
    "general_quota_after": 0,
    "business_quota_after": 0,
    "pred_general_division_count": 0,
    "pred_business_division_count": 0,
    "pred_max_general_divisions": 0,
    "pred_general_quota": 0,
    "pred_business_quota": 0,
    "general_division_excess": 0,
}
_DIVISION_FIELDS = (
    *_NO_DIVISIONS,
    "business_division_ratio",
    "general_quota_ratio",
    "business_quota_ratio",
)


def _divisions(divisions: list[Division], preds: list[list[Division]]) -> dict[str, Any]:
    """Internal divisions after the plan, against those of the unit's predecessors (``preds``:
    the divisions of each). Most units have neither: they take :data:`_NO_DIVISIONS`, the
    same values computed once."""
    kept = [d for d in divisions if d.change is not Change.ABOLISHED]
    general = [d for d in kept if d.type is DivisionType.GENERAL]
    business = [d for d in kept if d.type is DivisionType.BUSINESS]
    pred_divs = [d for p in preds for d in p]
    pred_general = [d for d in pred_divs if d.type is DivisionType.GENERAL]
    pred_business = [d for d in pred_divs if d.type is DivisionType.BUSINESS]
    per_pred_general = [sum(1 for d in p if d.type is DivisionType.GENERAL) for p in preds]
    general_quota = sum(d.quotas_after or 0 for d in general)
    business_quota = sum(d.quotas_after or 0 for d in business)
    pred_general_quota = sum(d.quotas_before or 0 for d in pred_general)
    pred_business_quota = sum(d.quotas_before or 0 for d in pred_business)
    most_general = max(per_pred_general, default=0)
    return _present(
        {
            "division_count": len(kept),
            "general_division_count": len(general),
            "business_division_count": len(business),
            "general_quota_after": general_quota,
            "business_quota_after": business_quota,
            "pred_general_division_count": len(pred_general),
            "pred_business_division_count": len(pred_business),
            "pred_max_general_divisions": most_general,
            "pred_general_quota": pred_general_quota,
            "pred_business_quota": pred_business_quota,
            "general_division_excess": len(general) - most_general if preds else 0,
            "business_division_ratio": _ratio(len(business), len(pred_business)),
            "general_quota_ratio": _ratio(general_quota, pred_general_quota),
            "business_quota_ratio": _ratio(business_quota, pred_business_quota),
        }
    )


def _late(established: dt.date | None, abolished: dt.date | None) -> bool | None:
    """先立后破: whether a unit's successor starts after the unit ends (None when either date
    is missing)."""
    if established and abolished:
        return established > abolished
    return None


def _functions(plan: Plan) -> Iterator[Fact]:
    """One fact per matter (事项), across the units that carry it after the plan."""
    matters: dict[str, dict[str, Any]] = {}
    u = UnitColumns.of(plan.units)
    for i, (name, change, functions) in enumerate(zip(u.name, u.change, u.functions, strict=True)):
        if change == "abolished":
            continue
        for j, function in enumerate(functions):
            entry = matters.setdefault(
                fold(function.name),
                {
                    "name": function.name,
                    "leads": [],
                    "assisting": [],
                    "path": ("units", i, "functions", j),
                    "justification": None,
                },
            )
            if function.role is FunctionRole.LEAD:
                entry["leads"].append(name)
                entry["justification"] = entry["justification"] or function.justification
            else:
                entry["assisting"].append(name)
    for key, entry in matters.items():
        values = {
            "name": entry["name"],
            "lead_count": len(entry["leads"]),
            "lead_units": entry["leads"],
            "assisting_units": entry["assisting"],
            "assisting_count": len(entry["assisting"]),
            "has_justification": entry["justification"] is not None,
        }
        yield Fact(
            "function",
            key,
            values,
            entry["path"],
            entry["justification"],
        )


def _townships(plan: Plan) -> Iterator[Fact]:
    for i, township in enumerate(plan.townships):
        path: PathKey = ("townships", i)
        types = [inst.type for inst in township.institutions]
        values: dict[str, Any] = {
            "name": township.name,
            "type": township.type.value,
            "institution_count": len(township.institutions),
            "office_count": types.count(InstitutionType.OFFICE),
            "station_count": types.count(InstitutionType.STATION),
            "centre_count": types.count(InstitutionType.CENTRE),
            "institution_names": [fold(inst.name) for inst in township.institutions],
            "pi_quotas": _township_pi_quotas(township),
        }
        yield Fact("township", township.id, values, path)
        for j, agency in enumerate(township.stationed_agencies):
            apath: PathKey = ("townships", i, "stationed_agencies", j)
            avalues: dict[str, Any] = {
                "name": agency.name,
                "township": township.name,
                "category": agency.category.value,
                "disposition": agency.disposition.value,
                "party_relation": agency.party_relation.value if agency.party_relation else NONE,
                "evaluation_share": agency.evaluation_share,
            }
            yield Fact("stationed_agency", agency.id, _present(avalues), apath)


def _grids(plan: Plan) -> FactTable:
    """The grids' facts, computed a column at a time (a plan has thousands of grids)."""
    g = GridColumns.of(plan.grids)
    township_names = {t.id: t.name for t in plan.townships}
    township = [t or "" for t in g.township]
    columns: dict[str, list[Any]] = {
        "name": [name or code for name, code in zip(g.name, g.code, strict=True)],
        "township": township,
        "township_name": [township_names.get(t, "") for t in township],
        "households": g.households,
        "population": g.population,
        "area": ["dense" if dense else "ordinary" for dense in g.dense_area],
        "type": g.type,
        "has_justification": [j is not None for j in g.justification],
    }
    return FactTable(
        "grid", g.code, columns=columns, path=_item_path("grids"), justifications=g.justification
    )


def _teams(plan: Plan) -> Iterator[Fact]:
    city_teams: dict[str, int] = defaultdict(int)
    for team in plan.enforcement_teams:
        if team.level is TeamLevel.CITY:
            city_teams[fold(team.field)] += 1
    for i, team in enumerate(plan.enforcement_teams):
        path: PathKey = ("enforcement_teams", i)
        values: dict[str, Any] = {
            "name": team.name,
            "field": fold(team.field),
            "level": team.level.value,
            "same_field_city_teams": city_teams[fold(team.field)],
        }
        yield Fact("enforcement_team", team.id, values, path)


assert all(not f.startswith("_") and f not in ("id", "sid") for s in SCHEMA.values() for f in s)
