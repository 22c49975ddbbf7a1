"""The rule file format.

A rule is data: who it applies to (``entity`` and ``when``), what a compliant entity satisfies
(``require``) or, for a pairing rule, what each subject must be paired with (``partner``), its
parameters, bilingual texts, and the policy text it comes from. Conditions are written in a
small closed language (:data:`Condition`); nothing in a rule file is ever executed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    model_validator,
)

from ..i18n import Text

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
RULE_ID = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"
NAME = r"^[a-z][a-z0-9_]*$"
COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte")
LIST_OPS = ("has", "lacks", "has_all")
OPERATORS = (*COMPARISONS, "in_", "not_in", *LIST_OPS, "exists")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class Spec(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=True, defer_build=True
    )


class ParamRef(Spec):
    """``{param: name}``: the value of a rule parameter."""

    param: Annotated[str, Field(pattern=NAME)]


Operand = Scalar | ParamRef


class Compare(Spec):
    """``{field: F, OP: VALUE}`` or ``{param: P, OP: VALUE}`` with exactly one operator."""

    field: Annotated[str, Field(pattern=NAME)] | None = None
    param: Annotated[str, Field(pattern=NAME)] | None = None
    eq: Operand | None = None
    ne: Operand | None = None
    lt: Operand | None = None
    lte: Operand | None = None
    gt: Operand | None = None
    gte: Operand | None = None
    in_: list[Scalar] | ParamRef | None = Field(default=None, alias="in")
    not_in: list[Scalar] | ParamRef | None = None
    has: Operand | None = None
    lacks: Operand | None = None
    has_all: list[Scalar] | ParamRef | None = None
    exists: StrictBool | None = None

    @model_validator(mode="after")
    def _one_subject_one_operator(self) -> Compare:
        if (self.field is None) == (self.param is None):
            raise ValueError("a comparison names exactly one of 'field' or 'param'")
        ops = [op for op in OPERATORS if getattr(self, op) is not None]
        if len(ops) != 1:
            names = ", ".join(o.rstrip("_") for o in OPERATORS)
            raise ValueError(f"a comparison has exactly one operator ({names})")
        if self.field is None and ops[0] in (*LIST_OPS, "exists"):
            raise ValueError(f"'{ops[0]}' applies to a field")
        return self

    @property
    def operator(self) -> str:
        for op in OPERATORS:
            if getattr(self, op) is not None:
                return op.rstrip("_")
        raise AssertionError("validated to have one operator")  # pragma: no cover

    @property
    def operand(self) -> Any:
        return getattr(self, self.operator if self.operator != "in" else "in_")


class All(Spec):
    all: Annotated[list[Condition], Field(min_length=1)]


class AnyOf(Spec):
    any: Annotated[list[Condition], Field(min_length=1)]


class Not(Spec):
    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        return "compare"
    if isinstance(value, BaseModel):
        return {All: "all", AnyOf: "any", Not: "not"}.get(type(value), "compare")
    return None


Condition = Annotated[
    Annotated[All, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")]
    | Annotated[Compare, Tag("compare")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="expected a condition: a mapping with all, any, not, or field/param "
        "and one operator",
    ),
]


class Table(Spec):
    """A parameter value that depends on a fact field: ``{by: area, values: {dense: 500}}``."""

    by: Annotated[str, Field(pattern=NAME)]
    values: Annotated[dict[str, Scalar], Field(min_length=1)]


class Dated(Spec):
    """One value of a parameter, in force from ``from`` (inclusive) until ``until``
    (exclusive); either end may be open."""

    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    value: Scalar | list[Scalar] | Table | None


Value = Scalar | list[Scalar] | Table | None


class Param(Spec):
    """A rule parameter. ``default: null`` means the value must come from configuration (a
    policy pack); until it does, the rule is skipped and the report says why."""

    default: Value | list[Dated]
    description: Text


# --- computed values for messages and remediation ---------------------------------------------

ARITHMETIC = ("add", "sub", "mul", "div", "ceil_div", "max", "min")
UNARY = ("ceil", "floor", "round", "percent", "count")
LISTS = ("difference", "join", "nonzero")


class Calc(Spec):
    """``{OP: [operand, ...]}``: a closed arithmetic and list vocabulary. Operands are numbers,
    texts, ``{field: F}``, ``{param: P}``, ``{value: NAME}`` (another computed value), or
    nested calculations. Used only to write messages and remediation, never to decide."""

    add: list[CalcArg] | None = None
    sub: list[CalcArg] | None = None
    mul: list[CalcArg] | None = None
    div: list[CalcArg] | None = None
    ceil_div: list[CalcArg] | None = None
    max: list[CalcArg] | None = None
    min: list[CalcArg] | None = None
    ceil: CalcArg | None = None
    floor: CalcArg | None = None
    round: CalcArg | None = None
    percent: CalcArg | None = None
    count: CalcArg | None = None
    difference: list[CalcArg] | None = None
    join: CalcArg | None = None
    nonzero: Phrases | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Calc:
        ops = [op for op in (*ARITHMETIC, *UNARY, *LISTS) if getattr(self, op) is not None]
        if len(ops) != 1:
            names = ", ".join((*ARITHMETIC, *UNARY, *LISTS))
            raise ValueError(f"a calculation has exactly one operator ({names})")
        args = getattr(self, ops[0])
        if ops[0] in ARITHMETIC and len(args) < 2:
            raise ValueError(f"'{ops[0]}' takes a list of at least two operands")
        if ops[0] == "difference" and len(args) != 2:
            raise ValueError("'difference' takes two lists: [from, remove]")
        return self

    @property
    def operator(self) -> str:
        return next(op for op in (*ARITHMETIC, *UNARY, *LISTS) if getattr(self, op) is not None)


class Phrase(Spec):
    """One item of a ``nonzero`` list: a number and how to say it, ``{n}`` standing for it."""

    of: CalcArg
    zh: str
    en: str


class Phrases(Spec):
    """``nonzero``: the phrases of the items whose number is not zero, joined; ``otherwise``
    when every number is zero (or not given)."""

    items: Annotated[list[Phrase], Field(min_length=1)]
    otherwise: Text


class FieldRef(Spec):
    field: Annotated[str, Field(pattern=NAME)]


class ValueRef(Spec):
    value: Annotated[str, Field(pattern=NAME)]


CalcArg = StrictInt | StrictFloat | StrictStr | FieldRef | ParamRef | ValueRef | Calc


class Source(Spec):
    """Where the rule comes from: the seed article, its item id, the quote and its translation."""

    seed: Annotated[str, Field(min_length=1)]
    item: Annotated[str, Field(pattern=r"^S\d-\d{2}$")]
    jurisdiction: Text
    quote: Annotated[str, Field(min_length=4)]
    translation: Annotated[str, Field(min_length=4)]
    also: list[Annotated[str, Field(pattern=r"^S\d-\d{2}$")]] = Field(default_factory=list)


class Scope(Spec):
    """Where the policy applies: plans whose jurisdiction (or its city or province) is one of
    ``regions``; an empty list means everywhere."""

    regions: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)


class Example(Spec):
    compliant: Text
    violating: Text


class Effective(Spec):
    """When the rule is in force: from ``from`` (inclusive) until ``until`` (exclusive)."""

    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None


class RuleSpec(Spec):
    id: Annotated[str, Field(pattern=RULE_ID)]
    title: Text
    severity: Literal["error", "warning", "info"]
    entity: Annotated[str, Field(pattern=NAME)]
    kind: Literal["check", "pairing", "benchmark"] = "check"
    scope: Scope = Scope()
    effective: Effective = Effective()
    in_principle: StrictBool = False
    rationale: Text
    params: dict[Annotated[str, Field(pattern=NAME)], Param] = Field(default_factory=dict)
    when: Condition | None = None
    require: Condition | None = None
    partner: Condition | None = None
    match_on: list[Annotated[str, Field(pattern=NAME)]] = Field(default_factory=list)
    compute: dict[Annotated[str, Field(pattern=NAME)], Calc | FieldRef | ParamRef] = Field(
        default_factory=dict
    )
    message: Text
    remediation: Text
    source: Source
    example: Example

    @model_validator(mode="after")
    def _kind_fits(self) -> RuleSpec:
        if self.kind == "benchmark":
            if self.require is not None or self.partner is not None:
                raise ValueError("a benchmark rule only compares: no 'require' or 'partner'")
            if self.severity != "info":
                raise ValueError("a benchmark rule has severity info")
            return self
        if self.kind == "check":
            if self.require is None:
                raise ValueError("a check rule needs 'require' (what a compliant entity satisfies)")
            if self.partner is not None or self.match_on:
                raise ValueError("'partner' and 'match_on' belong to pairing rules")
        else:
            if self.partner is None:
                raise ValueError("a pairing rule needs 'partner' (what each subject pairs with)")
            if self.require is not None:
                raise ValueError("a pairing rule has no 'require'")
        return self
