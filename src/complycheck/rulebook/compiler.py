"""Compile a rule file into an engine-neutral rule.

Compilation substitutes parameters, folds constants, pushes negation down to the comparisons
(negation normal form) and checks every field and value against the fact schema. The result,
:class:`CompiledRule`, is plain data that both engines evaluate: durable-rules (the engine of
record) and the plain-Python evaluator.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, RulebookError
from ..facts import NONE, SCHEMA, FieldType
from ..i18n import fold
from ..source import PathKey, SourceMap
from .spec import (
    PLACEHOLDER,
    All,
    AnyOf,
    Calc,
    Compare,
    Condition,
    Dated,
    FieldRef,
    Not,
    ParamRef,
    RuleSpec,
    Table,
    ValueRef,
)


@dataclass(frozen=True)
class Cmp:
    field: str
    op: str  # eq ne lt lte gt gte in not_in exists
    value: Any


@dataclass(frozen=True)
class And:
    items: tuple[Pred, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Pred, ...]


@dataclass(frozen=True)
class Const:
    value: bool


Pred = Cmp | And | Or | Const
TRUE, FALSE = Const(True), Const(False)
BRACES = re.compile(r"\{[^{}]*\}")

NEGATE = {
    "eq": "ne",
    "ne": "eq",
    "lt": "gte",
    "gte": "lt",
    "gt": "lte",
    "lte": "gt",
    "in": "not_in",
    "not_in": "in",
}
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "has": lambda a, b: b in a,
    "lacks": lambda a, b: b not in a,
}


class Unconfigured(Exception):
    """A parameter the rule needs has no value (``null``): it must come from a policy pack."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready for evaluation: predicates over one entity's fact fields."""

    id: str
    entity: str
    kind: str  # "check", "pairing" or "benchmark"
    severity: str
    in_principle: bool
    violation: Pred  # check: what a violating entity satisfies; pairing: the subjects
    partner: Pred | None
    match_on: tuple[str, ...]
    fields: tuple[str, ...]
    params: Mapping[str, Any]
    spec: RuleSpec
    unconfigured: tuple[str, ...] = ()

    def param_for(self, name: str, values: Mapping[str, Any]) -> Any:
        """The value of parameter ``name`` for a fact (a table parameter looks up its key)."""
        value = self.params[name]
        if isinstance(value, Table):
            return value.values.get(str(values.get(value.by)))
        return value


def _fold_texts(value: Any) -> Any:
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, list | tuple):
        return [fold(v) if isinstance(v, str) else v for v in value]
    return value


def conj(items: list[Pred]) -> Pred:
    flat: list[Pred] = []
    for item in items:
        if item == FALSE:
            return FALSE
        if item == TRUE:
            continue
        flat.extend(item.items if isinstance(item, And) else (item,))
    if not flat:
        return TRUE
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def disj(items: list[Pred]) -> Pred:
    flat: list[Pred] = []
    for item in items:
        if item == TRUE:
            return TRUE
        if item == FALSE:
            continue
        flat.extend(item.items if isinstance(item, Or) else (item,))
    if not flat:
        return FALSE
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


class _Compiler:
    def __init__(self, spec: RuleSpec, source: SourceMap, params: Mapping[str, Any]) -> None:
        self.spec = spec
        self.source = source
        self.params = params
        self.schema = SCHEMA[spec.entity]
        self.used: set[str] = set()

    def fail(self, path: PathKey, message: str) -> RulebookError:
        return RulebookError([Problem(self.source.file, self.source.position(path), message)])

    def field_type(self, name: str, path: PathKey) -> FieldType:
        if name not in self.schema:
            known = ", ".join(sorted(self.schema))
            raise self.fail(path, f"unknown field {name!r} of a {self.spec.entity}; known: {known}")
        self.used.add(name)
        return self.schema[name]

    def param(self, ref: ParamRef, path: PathKey) -> Any:
        if ref.param not in self.params:
            raise self.fail(path, f"unknown parameter {ref.param!r}")
        value = self.params[ref.param]
        if value is None:
            raise Unconfigured(ref.param)
        return value

    def condition(self, cond: Condition, path: PathKey, negate: bool) -> Pred:
        if isinstance(cond, All):
            parts = [self.condition(c, (*path, "all", i), negate) for i, c in enumerate(cond.all)]
            return disj(parts) if negate else conj(parts)
        if isinstance(cond, AnyOf):
            parts = [self.condition(c, (*path, "any", i), negate) for i, c in enumerate(cond.any)]
            return conj(parts) if negate else disj(parts)
        if isinstance(cond, Not):
            return self.condition(cond.not_, (*path, "not"), not negate)
        return self.compare(cond, path, negate)

    def compare(self, cmp: Compare, path: PathKey, negate: bool) -> Pred:
        pred = self._compare(cmp, path, negate)
        if cmp.field is not None and cmp.operator != "exists" and self.schema[cmp.field].optional:
            # A comparison on a value the plan does not give is false, in either polarity,
            # in both engines: the missing value never produces a finding by itself.
            return conj([Cmp(cmp.field, "exists", True), pred])
        return pred

    def _compare(self, cmp: Compare, path: PathKey, negate: bool) -> Pred:
        op, operand = cmp.operator, cmp.operand
        if isinstance(operand, ParamRef):
            operand = self.param(operand, (*path, op))
        if cmp.param is not None:  # a parameter on the left: decided now
            left = self.param(ParamRef(param=cmp.param), (*path, "param"))
            if isinstance(left, Table) or isinstance(operand, Table):
                raise self.fail(path, "a table parameter can only be compared with a field")
            try:
                result = OPERATORS[op](left, operand)
            except TypeError:
                raise self.fail(path, f"cannot compare {left!r} with {operand!r}") from None
            return Const(result != negate)
        assert cmp.field is not None
        ftype = self.field_type(cmp.field, (*path, "field"))
        if op == "exists":
            return Cmp(cmp.field, "exists", operand != negate)
        if (ftype.kind == "list") != (op in ("has", "lacks", "has_all")):
            raise self.fail(
                (*path, cmp.operator),
                "lists take has, lacks or has_all"
                if ftype.kind == "list"
                else f"'{op}' applies to list fields",
            )
        if ftype.folded:  # the fact holds folded texts: compare the rule's texts folded too
            operand = _fold_texts(operand)
        if op == "has_all":
            if not isinstance(operand, list | tuple):
                raise self.fail((*path, op), "'has_all' takes a list")
            for item in operand:
                self.check_value(ftype, "has", item, (*path, op))
            parts: list[Pred] = [Cmp(cmp.field, "lacks" if negate else "has", v) for v in operand]
            return disj(parts) if negate else conj(parts)
        if negate:
            op = NEGATE[op]
        if isinstance(operand, Table):
            return self.table(cmp.field, ftype, op, operand, path)
        self.check_value(ftype, op, operand, (*path, cmp.operator))
        if op in ("in", "not_in"):
            operand = tuple(operand)
        return Cmp(cmp.field, op, operand)

    def table(self, field: str, ftype: FieldType, op: str, table: Table, path: PathKey) -> Pred:
        by_type = self.field_type(table.by, path)
        needed = set(by_type.choices) - {NONE}  # an unstated value matches no row
        if needed and not needed <= set(table.values) <= set(by_type.choices):
            raise self.fail(
                path,
                f"a table by {table.by!r} needs a value for each of: " + ", ".join(by_type.choices),
            )
        cases: list[Pred] = []
        for key, value in table.values.items():
            if by_type.choices and key not in by_type.choices:
                raise self.fail(path, f"table key {key!r} is not {by_type.describe()}")
            self.check_value(ftype, op, value, path)
            cases.append(conj([Cmp(table.by, "eq", key), Cmp(field, op, value)]))
        return disj(cases)

    def check_value(self, ftype: FieldType, op: str, value: Any, path: PathKey) -> None:
        if op in ("has", "lacks"):
            if not isinstance(value, str) or not value:
                raise self.fail(path, f"{value!r} is not a non-empty text")
            return
        values = value if op in ("in", "not_in") else [value]
        if op in ("in", "not_in") and not isinstance(value, list | tuple):
            raise self.fail(path, f"'{op}' takes a list")
        if op in ("lt", "lte", "gt", "gte") and not ftype.numeric:
            raise self.fail(path, f"'{op}' compares numbers; this field is {ftype.describe()}")
        for item in values:
            if not ftype.accepts(item):
                raise self.fail(path, f"{item!r} is not {ftype.describe()}")

    def calc(self, arg: Any, path: PathKey, defined: set[str]) -> None:
        """Check a computed value's operands: fields, parameters and earlier values exist."""
        if isinstance(arg, FieldRef):
            self.field_type(arg.field, path)
        elif isinstance(arg, ParamRef):
            if arg.param not in self.params:
                raise self.fail(path, f"unknown parameter {arg.param!r}")
        elif isinstance(arg, ValueRef):
            if arg.value not in defined:
                raise self.fail(path, f"{arg.value!r} is not a computed value defined above")
        elif isinstance(arg, Calc):
            op = arg.operator
            args = getattr(arg, op)
            if op == "nonzero":
                for i, item in enumerate(args.items):
                    self.calc(item.of, (*path, op, "items", i, "of"), defined)
                return
            for i, item in enumerate(args if isinstance(args, list) else [args]):
                self.calc(item, (*path, op, i) if isinstance(args, list) else (*path, op), defined)

    def computed(self) -> None:
        defined: set[str] = set()
        for name, expr in self.spec.compute.items():
            self.calc(expr, ("compute", name), defined)
            defined.add(name)

    def messages(self) -> None:
        allowed = set(self.schema) | set(self.params) | set(self.spec.compute)
        allowed |= {"key", "justification"}
        texts = {"message": self.spec.message, "remediation": self.spec.remediation}
        for name, text in texts.items():
            for lang in ("zh", "en"):
                for braces in BRACES.findall(getattr(text, lang)):
                    if not PLACEHOLDER.fullmatch(braces):  # {x.attr}, {0}, {x!r}, {x:>9}...
                        raise self.fail(
                            (name, lang),
                            f"{braces} in {name}.{lang} is not a placeholder: a placeholder is "
                            "{name}, naming a field, parameter or computed value",
                        )
                for placeholder in PLACEHOLDER.findall(getattr(text, lang)):
                    if placeholder not in allowed:
                        raise self.fail(
                            (name, lang), f"unknown placeholder {{{placeholder}}} in {name}.{lang}"
                        )
                    if placeholder in self.schema:
                        self.used.add(placeholder)


def resolve(value: Any, as_of: dt.date | None) -> Any:
    """The value of a parameter on ``as_of``: a dated list gives the value then in force (no
    date: the value still in force, the one without an end)."""
    if isinstance(value, list) and value and all(isinstance(v, Dated) for v in value):
        for item in value:
            if as_of is None:
                if item.until is None:
                    return item.value
            elif (item.from_ is None or item.from_ <= as_of) and (
                item.until is None or as_of < item.until
            ):
                return item.value
        return None
    return value


def compile_rule(
    spec: RuleSpec,
    source: SourceMap,
    overrides: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> CompiledRule:
    """Compile ``spec`` with its default parameters, replaced by any ``overrides`` (from policy
    packs), as in force on ``as_of``. A rule whose parameter has no value compiles to a rule
    that finds nothing and names the parameter in ``unconfigured``."""
    if spec.entity not in SCHEMA:
        known = ", ".join(sorted(SCHEMA))
        raise RulebookError(
            [
                Problem(
                    source.file,
                    source.position(("entity",)),
                    f"unknown entity {spec.entity!r}; known: {known}",
                )
            ]
        )
    params = {name: p.default for name, p in spec.params.items()}
    params.update(overrides or {})
    params = {name: resolve(value, as_of) for name, value in params.items()}
    c = _Compiler(spec, source, params)
    partner: Pred | None = None
    unconfigured: tuple[str, ...] = ()
    try:
        when = c.condition(spec.when, ("when",), False) if spec.when is not None else TRUE
        if spec.kind == "check":
            assert spec.require is not None
            violation = conj([when, c.condition(spec.require, ("require",), True)])
        elif spec.kind == "pairing":
            assert spec.partner is not None
            violation = when
            partner = c.condition(spec.partner, ("partner",), False)
        else:
            violation = when
    except Unconfigured as missing:  # the rule finds nothing until a pack sets the value
        violation, partner, unconfigured = FALSE, None, (missing.name,)
    else:
        for i, name in enumerate(spec.match_on):
            c.field_type(name, ("match_on", i))
        for name, value in params.items():
            if isinstance(value, Table):
                c.field_type(value.by, ("params", name, "default", "by"))
        c.computed()
        c.messages()
    return CompiledRule(
        id=spec.id,
        entity=spec.entity,
        kind=spec.kind,
        severity=spec.severity,
        in_principle=spec.in_principle,
        violation=violation,
        partner=partner,
        match_on=tuple(spec.match_on),
        fields=tuple(sorted(c.used)) if not unconfigured else (),
        params=params,
        spec=spec,
        unconfigured=unconfigured,
    )
