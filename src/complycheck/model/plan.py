"""Models of a submitted plan (机构编制方案).

The format can express every Tier-1 rule of the rulebook: units with their change and quotas
before and after, internal divisions, functions, townships with their institutions and stationed
agencies, grids, enforcement teams and open rectification problems. Models are strict: unknown
keys are rejected, numbers are not read from strings, and enumerations accept an English code
or a Chinese label in either script. ``docs/plan-format.md`` documents the format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_validator,
)

from .enums import (
    Change,
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


def _share(value: Any) -> Any:
    """Read ``0.6``, ``60%`` or ``"0.6"`` as a share; leave anything else to be rejected."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("％", "%")
        try:
            return float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            return value
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: Any) -> Any:
    """Read ``"2024-03-01"`` as a date; any other text is left for pydantic to reject."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


# No count in a plan (quotas, households, people) comes near a billion; a larger number is a
# typing or export error, and would reach the engines' numeric limits.
MAX_COUNT = 1_000_000_000
Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
NOT_BLANK = r"\S"  # a text with something in it besides spaces
Name = Annotated[StrictStr, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
Ident = Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]
Share = Annotated[
    float,
    BeforeValidator(_share),
    Strict(),
    Field(ge=0, le=1, allow_inf_nan=False),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[%％]\s*$"},
            ],
            "description": "A share: a number from 0 to 1, or a percentage such as 60%",
        }
    ),
]
Date = Annotated[dt.date, BeforeValidator(_date), Strict()]
Reason = Annotated[StrictStr, Field(min_length=1, max_length=2000, pattern=NOT_BLANK)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Jurisdiction(Model):
    name: Name
    level: Level
    class_: JurisdictionClass | None = Field(default=None, alias="class")
    province: Name | None = None
    city: Name | None = None


class PlanMeta(Model):
    id: Ident
    title: Name
    date: Date
    jurisdiction: Jurisdiction
    packs: list[Ident] | None = None


class Quotas(Model):
    """Approved headcount (编制) by type."""

    administrative: Count = 0
    public_institution: Count = 0
    support: Count = 0

    @property
    def total(self) -> int:
        return self.administrative + self.public_institution + self.support


class LeadershipPosts(Model):
    """Leadership posts (领导职数): approved before the plan, approved by it, and filled."""

    approved_before: Count | None = None
    approved: Count
    actual: Count


class FunctionAssignment(Model):
    """A matter or function (事项/职责) the unit carries, as lead (牵头) or assisting (配合)."""

    name: Name
    role: FunctionRole = FunctionRole.LEAD
    justification: Reason | None = None


class Division(Model):
    """An internal division (内设机构) of a unit. Division ids are unique in the plan, so that a
    merged unit's division can name the divisions of its predecessors it continues."""

    id: Ident
    name: Name
    type: DivisionType
    change: Change = Change.KEPT
    predecessors: list[Ident] = Field(default_factory=list)
    quotas_before: Count | None = None
    quotas_after: Count | None = None


class Unit(Model):
    """A party/government organ or a public institution affected by the plan."""

    id: Ident
    name: Name
    former_name: Name | None = None
    kind: UnitKind
    change: Change
    predecessors: list[Ident] = Field(default_factory=list)
    pi_category: PICategory | None = None
    sector: Sector = Sector.OTHER
    locally_specific: StrictBool = False
    established: Date | None = None
    abolished: Date | None = None
    quotas_before: Quotas | None = None
    quotas_after: Quotas | None = None
    actual_staff: Quotas | None = None
    planned_hires: Count = 0
    leadership_posts: LeadershipPosts | None = None
    functions: list[FunctionAssignment] = Field(default_factory=list)
    divisions: list[Division] = Field(default_factory=list)
    justification: Reason | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Unit:
        if self.kind is UnitKind.ORGAN and self.pi_category is not None:
            raise ValueError("pi_category applies to public institutions only")
        if self.change is not Change.ABOLISHED and self.quotas_after is None:
            raise ValueError(
                f"a unit whose change is '{self.change.value}' needs quotas_after "
                "(its approved quotas once the plan takes effect)"
            )
        if self.change is Change.MERGED and len(self.predecessors) < 2:
            raise ValueError(
                "a merged unit needs at least two predecessors (the units merged into it); "
                "a unit formed from one unit is renamed"
            )
        if self.change is Change.ABOLISHED and self.quotas_after and self.quotas_after.total:
            raise ValueError("an abolished unit has no quotas after the plan")
        if self.established and self.abolished and self.established > self.abolished:
            raise ValueError("established is later than abolished")
        if self.change in (Change.NEW, Change.ABOLISHED) and self.predecessors:
            raise ValueError(f"a unit whose change is '{self.change.value}' has no predecessors")
        if (
            self.change is Change.NEW
            and self.quotas_before is not None
            and self.quotas_before.total
        ):
            raise ValueError("a new unit has no quotas before the plan")
        return self


def _units(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Units read column by column when the reader is sure of them, else one by one."""
    from .units import read_units  # it needs the model above

    table = read_units(value, Unit.model_validate, _FUNCTIONS, _DIVISIONS)
    return handler(value) if table is None else table


_FUNCTIONS = TypeAdapter(list[FunctionAssignment])
_DIVISIONS = TypeAdapter(list[Division])


class TownshipInstitution(Model):
    """An institution a township sets up (the 办/站/中心 of the standard set)."""

    name: Name
    type: InstitutionType
    nature: UnitKind = UnitKind.ORGAN
    quotas: Quotas | None = None


class StationedAgency(Model):
    """An office a county department stations in the township (派驻机构)."""

    id: Ident
    name: Name
    department: Name | None = None
    category: StationedCategory
    disposition: Disposition
    party_relation: PartyRelation | None = None
    evaluation_share: Share | None = None


class Township(Model):
    id: Ident
    name: Name
    type: TownshipType = TownshipType.ORDINARY
    institutions: list[TownshipInstitution] = Field(default_factory=list)
    stationed_agencies: list[StationedAgency] = Field(default_factory=list)


class Grid(Model):
    """A grid (网格), the smallest unit of grassroots management."""

    code: Ident
    name: Name | None = None
    township: Ident | None = None
    households: Count
    population: Count
    dense_area: StrictBool = False
    type: GridType = GridType.COMPREHENSIVE
    justification: Reason | None = None


def _grids(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Grids read column by column when the reader is sure of them, else one by one."""
    from .grids import read_grids  # it needs the model above

    table = read_grids(value, Grid.model_validate)
    return handler(value) if table is None else table


class EnforcementTeam(Model):
    id: Ident
    name: Name
    field: Name
    level: TeamLevel
    quotas: Count | None = None
    front_line_quotas: Count | None = None

    @model_validator(mode="after")
    def _front_line_within(self) -> EnforcementTeam:
        if (
            self.quotas is not None
            and self.front_line_quotas is not None
            and self.front_line_quotas > self.quotas
        ):
            raise ValueError("front_line_quotas is larger than quotas")
        return self


class Problem(Model):
    """An open or rectified staffing-discipline problem of a unit (问题整改台账)."""

    unit: Ident
    description: Reason
    status: ProblemStatus = ProblemStatus.OPEN
    found: Date | None = None


class ControlQuotas(Model):
    """Quota control numbers by type; a type left out has no control number."""

    administrative: Count | None = None
    public_institution: Count | None = None
    support: Count | None = None


class ControlNumbers(Model):
    """Control numbers (控制数) set by the upper level, where given."""

    institutions: Count | None = None
    quotas: ControlQuotas | None = None


class Waiver(Model):
    """An accepted exception (豁免): ``rule`` is not reported as a violation for ``entity``
    until ``expires`` (inclusive). It states why, who approved it and the approval document
    (批准文件文号)."""

    rule: Ident
    entity: Ident
    reason: Reason
    approver: Name
    document: Name
    expires: Date


class Plan(Model):
    """A whole submitted plan."""

    plan: PlanMeta
    units: Annotated[Sequence[Unit], WrapValidator(_units)] = Field(default_factory=list)
    townships: list[Township] = Field(default_factory=list)
    grids: Annotated[Sequence[Grid], WrapValidator(_grids)] = Field(default_factory=list)
    enforcement_teams: list[EnforcementTeam] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    control_numbers: ControlNumbers | None = None
    waivers: list[Waiver] = Field(default_factory=list)

    @field_validator(
        "units", "townships", "grids", "enforcement_teams", "problems", "waivers", mode="before"
    )
    @classmethod
    def _list_or_none(cls, value: Any) -> Any:
        return [] if value is None else value
