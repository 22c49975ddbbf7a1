"""Compile a rule file into an engine-neutral rule.

Compilation substitutes parameters, folds constants, pushes negation down to the comparisons
(negation normal form) and checks every field and value against the fact schema. The result,
:class:`CompiledRule`, is plain data that both engines evaluate: durable-rules (the engine of
record) and the plain-Python evaluator.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, RulebookError
from ..facts import SCHEMA, FieldType
from ..source import PathKey, SourceMap
from .spec import PLACEHOLDER, All, AnyOf, Compare, Condition, Not, ParamRef, RuleSpec, Table


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
}


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready for evaluation: predicates over one entity's fact fields."""

    id: str
    entity: str
    kind: str  # "check" or "pairing"
    severity: str
    in_principle: bool
    violation: Pred  # check: what a violating entity satisfies; pairing: the subjects
    partner: Pred | None
    match_on: tuple[str, ...]
    fields: tuple[str, ...]
    params: Mapping[str, Any]
    spec: RuleSpec

    def param_for(self, name: str, values: Mapping[str, Any]) -> Any:
        """The value of parameter ``name`` for a fact (a table parameter looks up its key)."""
        value = self.params[name]
        if isinstance(value, Table):
            return value.values.get(str(values.get(value.by)))
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
        return self.params[ref.param]

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
        if by_type.choices and set(table.values) != set(by_type.choices):
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
        values = value if op in ("in", "not_in") else [value]
        if op in ("in", "not_in") and not isinstance(value, list | tuple):
            raise self.fail(path, f"'{op}' takes a list")
        if op in ("lt", "lte", "gt", "gte") and not ftype.numeric:
            raise self.fail(path, f"'{op}' compares numbers; this field is {ftype.describe()}")
        for item in values:
            if not ftype.accepts(item):
                raise self.fail(path, f"{item!r} is not {ftype.describe()}")

    def messages(self) -> None:
        allowed = set(self.schema) | set(self.params) | {"key", "justification"}
        texts = {"message": self.spec.message, "remediation": self.spec.remediation}
        for name, text in texts.items():
            for lang in ("zh", "en"):
                for placeholder in PLACEHOLDER.findall(getattr(text, lang)):
                    if placeholder not in allowed:
                        raise self.fail(
                            (name, lang), f"unknown placeholder {{{placeholder}}} in {name}.{lang}"
                        )
                    if placeholder in self.schema:
                        self.used.add(placeholder)


def compile_rule(
    spec: RuleSpec, source: SourceMap, overrides: Mapping[str, Any] | None = None
) -> CompiledRule:
    """Compile ``spec`` with its default parameters, replaced by any ``overrides``."""
    if spec.entity not in SCHEMA:
        raise RulebookError(
            [
                Problem(
                    source.file,
                    source.position(("entity",)),
                    f"unknown entity {spec.entity!r}; known: {', '.join(sorted(SCHEMA))}",
                )
            ]
        )
    params = {name: p.default for name, p in spec.params.items()}
    params.update(overrides or {})
    c = _Compiler(spec, source, params)
    when = c.condition(spec.when, ("when",), False) if spec.when is not None else TRUE
    partner: Pred | None = None
    if spec.kind == "check":
        assert spec.require is not None
        violation = conj([when, c.condition(spec.require, ("require",), True)])
    else:
        assert spec.partner is not None
        violation = when
        partner = c.condition(spec.partner, ("partner",), False)
        for i, name in enumerate(spec.match_on):
            c.field_type(name, ("match_on", i))
    for name, value in params.items():
        if isinstance(value, Table):
            c.field_type(value.by, ("params", name, "default", "by"))
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
        fields=tuple(sorted(c.used)),
        params=params,
        spec=spec,
    )
