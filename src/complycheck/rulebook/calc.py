"""Evaluate a rule's computed values (``compute:``) for its messages and remediation.

A calculation with an operand the plan does not give has no value (None, shown as "—").

The vocabulary is closed (see :class:`~complycheck.rulebook.spec.Calc`); operands are numbers,
texts, fact fields, parameters and earlier computed values. Nothing is executed as code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import Text, fold
from .spec import Calc, FieldRef, ParamRef, Phrases, ValueRef


def _number(x: Any) -> float | int:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"{x!r} is not a number")
    return x


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "ceil_div": lambda a, b: math.ceil(a / b),
    "max": max,
    "min": min,
}


def evaluate(
    arg: Any, fields: Mapping[str, Any], params: Mapping[str, Any], values: Mapping[str, Any]
) -> Any:
    """The value of one operand or calculation."""
    if isinstance(arg, FieldRef):
        return fields.get(arg.field)
    if isinstance(arg, ParamRef):
        return params[arg.param]
    if isinstance(arg, ValueRef):
        return values[arg.value]
    if not isinstance(arg, Calc):
        return arg
    op = arg.operator
    raw = getattr(arg, op)
    if op in _BINARY:
        operands = [evaluate(a, fields, params, values) for a in raw]
        if any(x is None for x in operands):
            return None  # a value the plan does not give: shown as "—"
        numbers = [_number(x) for x in operands]
        result = numbers[0]
        for n in numbers[1:]:
            result = _BINARY[op](result, n)
        return result
    if op == "nonzero":
        return _phrases(raw, fields, params, values)
    if op == "difference":
        whole, remove = (evaluate(a, fields, params, values) or [] for a in raw)
        gone = {fold(str(x)) for x in remove}
        return [x for x in whole if fold(str(x)) not in gone]
    value = evaluate(raw, fields, params, values)
    if value is None:
        return None
    if op == "ceil":
        return math.ceil(_number(value))
    if op == "floor":
        return math.floor(_number(value))
    if op == "round":
        return round(_number(value), 2)
    if op == "percent":
        return f"{_number(value) * 100:.1f}%"
    if op == "count":
        return len(value)
    return "、".join(str(x) for x in value)  # join


def _phrases(
    raw: Phrases, fields: Mapping[str, Any], params: Mapping[str, Any], values: Mapping[str, Any]
) -> Text:
    said: list[tuple[str, str]] = []
    for item in raw.items:
        n = evaluate(item.of, fields, params, values)
        if n:
            shown = f"{n:g}" if isinstance(n, float) else str(n)
            said.append((item.zh.replace("{n}", shown), item.en.replace("{n}", shown)))
    if not said:
        return raw.otherwise
    return Text(zh="、".join(z for z, _ in said), en=", ".join(e for _, e in said))


def computed(
    calcs: Mapping[str, Any], fields: Mapping[str, Any], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Every computed value of a rule, in the order the rule defines them."""
    values: dict[str, Any] = {}
    for name, expr in calcs.items():
        values[name] = evaluate(expr, fields, params, values)
    return values
