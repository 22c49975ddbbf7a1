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


# One operand or calculation, compiled: its value from (fields, params, computed values).
Evaluator = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], Any]


def compile_calc(arg: Any) -> Evaluator:
    """``arg`` as a function of the fact's fields, the parameters and the values computed so
    far: the tree is walked once, not for every finding."""
    if isinstance(arg, FieldRef):
        name = arg.field
        return lambda fields, params, values: fields.get(name)
    if isinstance(arg, ParamRef):
        name = arg.param
        return lambda fields, params, values: params[name]
    if isinstance(arg, ValueRef):
        name = arg.value
        return lambda fields, params, values: values[name]
    if not isinstance(arg, Calc):
        return lambda fields, params, values: arg
    op = arg.operator
    raw = getattr(arg, op)
    if op in _BINARY:
        return _binary(_BINARY[op], [compile_calc(a) for a in raw])
    if op == "nonzero":
        return _phrases(raw)
    if op == "difference":
        whole, remove = (compile_calc(a) for a in raw)

        def difference(fields: Mapping[str, Any], params: Mapping[str, Any], values: Any) -> Any:
            gone = {fold(str(x)) for x in remove(fields, params, values) or []}
            return [x for x in whole(fields, params, values) or [] if fold(str(x)) not in gone]

        return difference
    inner = compile_calc(raw)
    then = _UNARY[op]

    def unary(fields: Mapping[str, Any], params: Mapping[str, Any], values: Any) -> Any:
        value = inner(fields, params, values)
        return None if value is None else then(value)

    return unary


_UNARY: dict[str, Callable[[Any], Any]] = {
    "ceil": lambda x: math.ceil(_number(x)),
    "floor": lambda x: math.floor(_number(x)),
    "round": lambda x: round(_number(x), 2),
    "percent": lambda x: f"{_number(x) * 100:.1f}%",
    "count": len,
    "join": lambda x: "、".join(str(item) for item in x),
}


def _binary(combine: Callable[[Any, Any], Any], parts: list[Evaluator]) -> Evaluator:
    if len(parts) == 2:  # the usual case, without the lists
        first, second = parts

        def pair(fields: Mapping[str, Any], params: Mapping[str, Any], values: Any) -> Any:
            a, b = first(fields, params, values), second(fields, params, values)
            if a is None or b is None:
                return None
            a, b = _number(a), _number(b)
            return combine(a, b)

        return pair

    def binary(fields: Mapping[str, Any], params: Mapping[str, Any], values: Any) -> Any:
        operands = [part(fields, params, values) for part in parts]
        if any(x is None for x in operands):
            return None  # a value the plan does not give: shown as "—"
        numbers = [_number(x) for x in operands]
        result = numbers[0]
        for n in numbers[1:]:
            result = combine(result, n)
        return result

    return binary


def _phrases(raw: Phrases) -> Evaluator:
    items = [(compile_calc(item.of), item.zh, item.en) for item in raw.items]

    def phrases(fields: Mapping[str, Any], params: Mapping[str, Any], values: Any) -> Text:
        said: list[tuple[str, str]] = []
        for number, zh, en in items:
            n = number(fields, params, values)
            if n:
                shown = f"{n:g}" if isinstance(n, float) else str(n)
                said.append((zh.replace("{n}", shown), en.replace("{n}", shown)))
        if not said:
            return raw.otherwise
        return Text(zh="、".join(z for z, _ in said), en=", ".join(e for _, e in said))

    return phrases


# Each rule's computed values, compiled, by the id of its ``compute`` mapping (kept alongside,
# so that an id reused by a later mapping is not mistaken for it).
_COMPILED: dict[int, tuple[Mapping[str, Any], tuple[tuple[str, Evaluator], ...]]] = {}


def computed(
    calcs: Mapping[str, Any], fields: Mapping[str, Any], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Every computed value of a rule, in the order the rule defines them."""
    known = _COMPILED.get(id(calcs))
    if known is None or known[0] is not calcs:
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
        known = _COMPILED[id(calcs)] = (
            calcs,
            tuple((n, compile_calc(e)) for n, e in calcs.items()),
        )
    values: dict[str, Any] = {}
    for name, evaluator in known[1]:
        values[name] = evaluator(fields, params, values)
    return values
