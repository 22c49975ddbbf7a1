"""A plan's units, read column by column.

A county plan has hundreds of units, and validating each as a pydantic model (with its quotas
and leadership posts, four models more) costs about 5 µs, and as much again to free. Like
:mod:`~complycheck.model.grids`, :func:`read_units` checks the whole list a column at a time
and keeps the columns for the facts and the reference checks. It is narrower than the
:class:`~complycheck.model.plan.Unit` model: it accepts a list only when every value is one the
model certainly accepts, read as the model reads it (an enumeration's label by the enumeration
itself, a date as the model parses it), and every unit passes the model's own consistency
checks. A unit's functions and divisions, when it has any, are validated by their models.
Anything else (a doubtful text, a value of the wrong kind, any invalid list) goes to the model,
which stays the authority for what a unit may be and for every message about a wrong one. A
test checks on random lists that what this reader accepts the model accepts, with the same
values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from .enums import Change, PICategory, Sector, UnitKind
from .plan import ISO_DATE
from .tables import (
    IDENT_MAX,
    NAME_MAX,
    REASON_MAX,
    Items,
    ModelTable,
    codes_of,
    counts_accepted,
    texts_accepted,
)

if TYPE_CHECKING:
    from .plan import Division, FunctionAssignment, Unit

FIELDS = frozenset(
    (
        "id",
        "name",
        "former_name",
        "kind",
        "change",
        "predecessors",
        "pi_category",
        "sector",
        "locally_specific",
        "established",
        "abolished",
        "quotas_before",
        "quotas_after",
        "actual_staff",
        "planned_hires",
        "leadership_posts",
        "functions",
        "divisions",
        "justification",
    )
)
QUOTA_TYPES = ("administrative", "public_institution", "support")
POST_FIELDS = ("approved_before", "approved", "actual")
KIND_CODES = frozenset(m.value for m in UnitKind)
CHANGE_CODES = frozenset(m.value for m in Change)
PI_CODES = frozenset(m.value for m in PICategory)
SECTOR_CODES = frozenset(m.value for m in Sector)
DEFAULT_SECTOR = Sector.OTHER.value

Quota = tuple[int, int, int]  # administrative, public institution, support
Posts = tuple[int | None, int, int]  # approved before the plan, approved, filled

_QUOTAS = attrgetter(*QUOTA_TYPES)
_POSTS = attrgetter(*POST_FIELDS)


@dataclass(frozen=True, slots=True)
class UnitColumns:
    """The units of a plan as one list per field, in document order: ``None`` where a unit
    leaves an optional field out, an enumeration as its English code, quotas and leadership
    posts as tuples (see :data:`Quota` and :data:`Posts`)."""

    id: list[str]
    name: list[str]
    former_name: list[str | None]
    kind: list[str]
    change: list[str]
    predecessors: list[list[str]]
    pi_category: list[str | None]
    sector: list[str]
    locally_specific: list[bool]
    established: list[dt.date | None]
    abolished: list[dt.date | None]
    quotas_before: list[Quota | None]
    quotas_after: list[Quota | None]
    actual_staff: list[Quota | None]
    planned_hires: list[int]
    leadership_posts: list[Posts | None]
    functions: list[list[FunctionAssignment]]
    divisions: list[list[Division]]
    justification: list[str | None]

    @classmethod
    def of(cls, units: Sequence[Unit]) -> UnitColumns:
        """The columns of units validated one by one, as models."""
        if isinstance(units, UnitTable):
            return units.columns
        code = str.__str__
        return cls(
            id=[u.id for u in units],
            name=[u.name for u in units],
            former_name=[u.former_name for u in units],
            kind=[code(u.kind) for u in units],
            change=[code(u.change) for u in units],
            predecessors=[u.predecessors for u in units],
            pi_category=[code(u.pi_category) if u.pi_category else None for u in units],
            sector=[code(u.sector) for u in units],
            locally_specific=[u.locally_specific for u in units],
            established=[u.established for u in units],
            abolished=[u.abolished for u in units],
            quotas_before=[_QUOTAS(u.quotas_before) if u.quotas_before else None for u in units],
            quotas_after=[_QUOTAS(u.quotas_after) if u.quotas_after else None for u in units],
            actual_staff=[_QUOTAS(u.actual_staff) if u.actual_staff else None for u in units],
            planned_hires=[u.planned_hires for u in units],
            leadership_posts=[
                _POSTS(u.leadership_posts) if u.leadership_posts else None for u in units
            ],
            functions=[u.functions for u in units],
            divisions=[u.divisions for u in units],
            justification=[u.justification for u in units],
        )


class UnitTable(ModelTable["Unit", UnitColumns]):
    """Units read by :func:`read_units`, as columns, each a model on demand."""

    __slots__ = ()
    noun = "units"


def read_units(
    value: Any,
    model: Callable[[Any], Unit],
    functions: TypeAdapter[list[FunctionAssignment]],
    divisions: TypeAdapter[list[Division]],
) -> UnitTable | None:
    """``value`` as a :class:`UnitTable` when it is a non-empty list of units that the model
    certainly accepts, read as the model reads them; otherwise None (the model then validates
    it). ``functions`` and ``divisions`` validate the lists of those a unit has."""
    raw = Items.of(value, FIELDS)
    required = raw.required("id", "name", "kind", "change") if raw else None
    if raw is None or required is None:
        return None
    ident, name, kind, change = required
    column = raw.column
    established = _dates(column("established"))
    abolished = _dates(column("abolished"))
    if established is None or abolished is None:
        return None
    pi_category = column("pi_category")
    sector = column("sector", DEFAULT_SECTOR)
    predecessors = _lists(raw, "predecessors")
    hires = column("planned_hires", 0)
    local = column("locally_specific", False)
    former_name = column("former_name")
    justification = column("justification")
    kind_codes, change_codes = codes_of(kind, UnitKind), codes_of(change, Change)
    sector_codes = codes_of(sector, Sector)
    given_pi = codes_of([p for p in pi_category if p is not None], PICategory)
    if kind_codes is None or change_codes is None or sector_codes is None or given_pi is None:
        return None
    kind, change, sector = kind_codes, change_codes, sector_codes
    if given_pi:
        codes = iter(given_pi)
        pi_category = [None if p is None else next(codes) for p in pi_category]
    if not (
        set(map(type, local)) == {bool}
        and counts_accepted(hires)
        and set(map(type, predecessors)) == {list}
        and texts_accepted(ident, IDENT_MAX, ident=True, optional=False)
        and texts_accepted(name, NAME_MAX, ident=False, optional=False)
        and texts_accepted(former_name, NAME_MAX, optional=True)
        and texts_accepted(justification, REASON_MAX, optional=True)
        and texts_accepted([p for ps in predecessors for p in ps], IDENT_MAX, ident=True)
    ):
        return None
    before = _quotas(column("quotas_before"))
    after = _quotas(column("quotas_after"))
    actual = _quotas(column("actual_staff"))
    posts = _posts(column("leadership_posts"))
    if before is None or after is None or actual is None or posts is None:
        return None
    try:
        function_lists = _lists(raw, "functions", functions.validate_python)
        division_lists = _lists(raw, "divisions", divisions.validate_python)
    except ValidationError:
        return None
    columns = UnitColumns(
        id=ident,
        name=name,
        former_name=former_name,
        kind=kind,
        change=change,
        predecessors=predecessors,
        pi_category=pi_category,
        sector=sector,
        locally_specific=local,
        established=established,
        abolished=abolished,
        quotas_before=before,
        quotas_after=after,
        actual_staff=actual,
        planned_hires=hires,
        leadership_posts=posts,
        functions=function_lists,
        divisions=division_lists,
        justification=justification,
    )
    if not all(map(_consistent, *(getattr(columns, f) for f in _CONSISTENCY))) or any(
        s and e and s > e for s, e in zip(established, abolished, strict=True)
    ):
        return None  # the model says what is wrong
    return UnitTable(value, columns, model)


def _lists(raw: Items, field: str, validate: Callable[[Any], Any] = lambda x: x) -> list[Any]:
    """Each unit's list of ``field`` (an empty one of its own where a unit gives none), read by
    ``validate`` (functions and divisions by their models: raises ValidationError as they do)."""
    if field not in raw.keys:
        return [[] for _ in raw.items]
    return [validate(item[field]) if field in item else [] for item in raw.items]


def _dates(column: list[Any]) -> list[dt.date | None] | None:
    """Dates as the model reads them (a date, or a text of one as YYYY-MM-DD), None where a
    unit gives none; None for the whole column when one is anything else."""
    out: list[dt.date | None] = []
    for value in column:
        if value is None or type(value) is dt.date:
            out.append(value)
        elif isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
            try:
                out.append(dt.date.fromisoformat(value.strip()))
            except ValueError:
                return None
        else:
            return None
    return out


def _quotas(column: list[Any]) -> list[Quota | None] | None:
    """Quotas as tuples of the three types (0 where a type is left out), None where a unit
    gives none; None for the whole column when one is not certainly valid."""
    given = [q for q in column if q is not None]
    if not given:
        return column
    if set(map(type, given)) != {dict} or not set().union(*given) <= set(QUOTA_TYPES):
        return None
    out: list[Quota | None] = [
        (q.get("administrative", 0), q.get("public_institution", 0), q.get("support", 0))
        if q is not None
        else None
        for q in column
    ]
    return out if counts_accepted([n for q in out if q is not None for n in q]) else None


def _posts(column: list[Any]) -> list[Posts | None] | None:
    """Leadership posts as tuples, None where a unit gives none; None for the whole column
    when one is not certainly valid (both ``approved`` and ``actual`` are required)."""
    given = [p for p in column if p is not None]
    if not given:
        return column
    if set(map(type, given)) != {dict} or not set().union(*given) <= set(POST_FIELDS):
        return None
    try:
        out: list[Posts | None] = [
            (p.get("approved_before"), p["approved"], p["actual"]) if p is not None else None
            for p in column
        ]
    except KeyError:
        return None
    # approved and actual always, approved_before where given: whole numbers (None is not)
    numbers = [n for p in out if p is not None for n in (p if p[0] is not None else p[1:])]
    return out if counts_accepted(numbers) else None


_CONSISTENCY = ("kind", "change", "pi_category", "predecessors", "quotas_before", "quotas_after")


def _consistent(
    kind: str,
    change: str,
    pi_category: str | None,
    predecessors: list[str],
    before: Quota | None,
    after: Quota | None,
) -> bool:
    """The checks of the model's ``_consistent`` but the order of the dates (checked beside
    it), each true when the model would let the unit pass."""
    return not (
        (kind == "organ" and pi_category is not None)
        or (change != "abolished" and after is None)
        or (change == "merged" and len(predecessors) < 2)
        or (change == "abolished" and after is not None and sum(after) > 0)
        or (change in ("new", "abolished") and predecessors)
        or (change == "new" and before is not None and sum(before) > 0)
    )
