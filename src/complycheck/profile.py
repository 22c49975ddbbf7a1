"""What a summary of many plans needs to know about each plan beyond its findings: where it
belongs (province, city, jurisdiction), the quotas and grids it covers and how many of them
have findings, and which units it asks staffing for (the requests that the rectification
linkage weighs against earlier reviews).

A profile is built once, where the plan is checked, and travels with its report; the plan
itself is not kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import Position
from .findings import Finding
from .i18n import fold
from .model.enums import Change
from .model.grids import GridColumns
from .model.plan import Plan, Quotas
from .source import SourceMap

QUOTA_TYPES = ("administrative", "public_institution", "support")


@dataclass(frozen=True)
class Place:
    """A plan's jurisdiction and the city and province it belongs to."""

    name: str
    level: str  # province, city, county or township
    province: str | None = None
    city: str | None = None

    def chain(self) -> tuple[tuple[str, str], ...]:
        """``((province, 山西省), (city, 太原市), (county, 小店区))``: the way down from the
        province to the jurisdiction, each part once; a part the plan leaves out is left out."""
        parts: list[tuple[str, str]] = []
        if self.province:
            parts.append(("province", self.province))
        if self.city and self.level != "province" and fold(self.city) != fold(self.province or ""):
            parts.append(("city", self.city))
        if fold(self.name) not in {fold(name) for _, name in parts}:
            parts.append((self.level, self.name))
        return tuple(parts)

    @property
    def key(self) -> str:
        """The jurisdiction's identity across plans: its chain of names, compared folded."""
        return "/".join(fold(name) for _, name in self.chain())


@dataclass(frozen=True)
class QuotaCounts:
    administrative: int = 0
    public_institution: int = 0
    support: int = 0

    @property
    def total(self) -> int:
        return self.administrative + self.public_institution + self.support

    def __add__(self, other: QuotaCounts) -> QuotaCounts:
        return QuotaCounts(*(getattr(self, t) + getattr(other, t) for t in QUOTA_TYPES))

    @classmethod
    def of(cls, quotas: Iterable[Quotas | None]) -> QuotaCounts:
        total = cls()
        for q in quotas:
            if q is not None:
                total += cls(q.administrative, q.public_institution, q.support)
        return total


@dataclass(frozen=True)
class StaffingRequest:
    """A unit the plan asks staffing for, in R19's reading: it is created (new or merged), its
    approved quotas rise, or it plans hires."""

    unit_id: str
    name: str
    change: str
    quotas_before: int
    quotas_after: int
    planned_hires: int
    predecessors: tuple[str, ...]
    position: Position | None = None  # where the unit is in the plan, when asked for

    @property
    def creates(self) -> bool:
        return self.change in (Change.NEW.value, Change.MERGED.value)


@dataclass(frozen=True)
class PlanProfile:
    place: Place
    quotas_before: QuotaCounts
    quotas_after: QuotaCounts
    units: int
    grids: int
    households: int
    population: int
    requests: tuple[StaffingRequest, ...]
    # Units and grids with at least one finding: (id, approved quotas after the plan) and
    # (code, households, population).
    units_with_findings: tuple[tuple[str, int], ...] = ()
    grids_with_findings: tuple[tuple[str, int, int], ...] = ()


def _total(quotas: Quotas | None) -> int:
    return quotas.total if quotas else 0


def build_profile(
    plan: Plan, findings: Iterable[Finding], source: SourceMap | None = None
) -> PlanProfile:
    """The profile of ``plan``; with ``source``, staffing requests carry their positions
    (looking them up can mean reading the file again the exact way, so only when needed)."""
    j = plan.plan.jurisdiction
    flagged = {(f.entity, f.entity_key) for f in findings}
    requests = tuple(
        StaffingRequest(
            u.id,
            u.name,
            u.change.value,
            _total(u.quotas_before),
            _total(u.quotas_after),
            u.planned_hires,
            tuple(u.predecessors),
            source.position(("units", i)) if source is not None else None,
        )
        for i, u in enumerate(plan.units)
        if u.change in (Change.NEW, Change.MERGED)
        or _total(u.quotas_after) > _total(u.quotas_before)
        or u.planned_hires > 0
    )
    grids = GridColumns.of(plan.grids)  # the columns: no grid is made a model for this
    return PlanProfile(
        place=Place(j.name, j.level.value, j.province, j.city),
        quotas_before=QuotaCounts.of(u.quotas_before for u in plan.units),
        quotas_after=QuotaCounts.of(u.quotas_after for u in plan.units),
        units=len(plan.units),
        grids=len(grids.code),
        households=sum(grids.households),
        population=sum(grids.population),
        requests=requests,
        units_with_findings=tuple(
            (u.id, _total(u.quotas_after)) for u in plan.units if ("unit", u.id) in flagged
        ),
        grids_with_findings=tuple(
            (code, households, population)
            for code, households, population in zip(
                grids.code, grids.households, grids.population, strict=True
            )
            if ("grid", code) in flagged
        ),
    )
