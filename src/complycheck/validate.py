"""Load a plan file and validate it: the format (pydantic) and the references between entities.

Every problem is reported with file:line:col, the field path and what was expected.
"""

from __future__ import annotations

import collections.abc
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem
from .model.enums import Change, Coded
from .model.grids import GridColumns
from .model.plan import Division, Plan
from .model.units import UnitColumns
from .source import (
    Document,
    JsonSourceMap,
    PathKey,
    SourceMap,
    load_file,
    max_file_size,
    parse_json_located,
)


@dataclass(frozen=True)
class LoadedPlan:
    """A validated plan with the map of where each of its values came from."""

    plan: Plan
    source: SourceMap

    @property
    def file(self) -> str:
        return self.source.file


def load_plan(path: Path, *, display: str | None = None) -> LoadedPlan:
    """Read and validate one plan file; raise :class:`InputError` naming every problem found.

    A JSON plan takes a fast path (C parsing, positions found only when a finding needs one);
    if anything is wrong with it, it is read again the slow way, which locates every problem.
    """
    if path.suffix.lower() == ".json":
        fast = _load_json_fast(path, display or str(path))
        if fast is not None:
            return fast
    doc = load_file(path, display=display)
    return validate_document(doc)


def _load_json_fast(path: Path, name: str) -> LoadedPlan | None:
    try:
        if path.stat().st_size > max_file_size():
            return None
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        data, spans = parse_json_located(text)
        if not isinstance(data, dict):
            return None
        plan = Plan.model_validate(data)
    # ValidationError is a ValueError; RecursionError: nested too deep for the C decoder.
    # Either way the slow path says what is wrong and where.
    except (OSError, ValueError, RecursionError):
        return None
    source = JsonSourceMap(name, text, spans, data)
    problems = sorted(check_references(plan, source), key=_order)
    if problems:
        raise InputError(problems)
    return LoadedPlan(plan, source)


def validate_document(doc: Document) -> LoadedPlan:
    file = doc.source.file
    if not isinstance(doc.data, dict):
        got = _describe(doc.data)
        raise InputError.single(
            file, doc.source.position(()), f"expected a plan (a mapping with 'plan:'), got {got}"
        )
    try:
        plan = Plan.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(sorted(pydantic_problems(exc, doc.source, Plan), key=_order)) from None
    problems = sorted(check_references(plan, doc.source), key=_order)
    if problems:
        raise InputError(problems)
    return LoadedPlan(plan, doc.source)


def _order(p: Problem) -> tuple[int, int, str]:
    pos = p.position
    return (pos.line if pos else 0, pos.column if pos else 0, p.message)


def dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- pydantic errors in plain words -------------------------------------------------------

_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    kind = {str: "text", int: "whole number", float: "number"}.get(
        type(value), type(value).__name__
    )
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({kind})"


def pydantic_problems(
    exc: ValidationError,
    source: SourceMap,
    root: type[BaseModel],
    tags: dict[str, type[BaseModel]] | None = None,
) -> Iterator[Problem]:
    """Each error of ``exc`` (raised validating ``root``) as a located, plain-words problem.

    ``tags`` names the classes of a tagged union, whose tags pydantic puts in error paths.
    """
    # Errors inside a union come once per alternative; group them at the union's place.
    groups: dict[PathKey, list[tuple[str, int, Any, PathKey, list[list[Any]]]]] = {}
    for err in exc.errors(include_url=False):
        walk = _walk(tuple(err["loc"]), root, tags or {})
        if walk.member is None:
            yield _problem(err, walk.path, walk.steps, source)
        else:
            groups.setdefault(walk.union_path, []).append(
                (walk.member, len(walk.path) - len(walk.union_path), err, walk.path, walk.steps)
            )
    for union_path, items in groups.items():
        if any(
            len(other) > len(union_path) and other[: len(union_path)] == union_path
            for other in groups
        ):
            continue  # a union nested inside this one failed more precisely
        deepest = max(depth for _, depth, *_ in items)
        best = {member for member, depth, *_ in items if depth == deepest}
        if deepest > 0 and len(best) == 1:  # one alternative fits the shape: its errors
            for _, depth, err, path, steps in items:
                if depth == deepest or (_ in best):
                    yield _problem(err, path, steps, source)
            continue
        names = dict.fromkeys(_MEMBER_WORDS.get(m.split("[")[0], m) for m, *_ in items)
        at_union = [err for _, depth, err, *_ in items if depth == 0]
        if at_union:
            got = _describe(at_union[0].get("input"))
        else:  # every error is inside the value: it is a mapping or a list
            inside = items[0][3][len(union_path)]
            got = "a list" if isinstance(inside, int) else "a mapping"
        message = f"expected one of these forms: {', '.join(names)}; got {got}"
        yield Problem(source.file, source.position(union_path), message, dotted(union_path))


# The patterns of the rule format's names, in words (the plan's identifiers are the default).
_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": "a name of lowercase letters, digits and _, starting with a letter",
    r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$": "a rule id of capital letters, digits and -, such as R16",
    r"^[a-z][a-z0-9-]*$": "a pack id of lowercase letters, digits and -, such as taiyuan",
    r"^S\d-\d{2}$": "a source item such as S2-10",
    r"\S": "a text that is not blank",
}
_VALIDATED = re.compile(r"^function-(?:after|before|wrap|plain)\[.*, (\w+)\]$")

_MEMBER_WORDS = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "str": "a text",
    "list": "a list",
    "ParamRef": "{param: NAME}",
    "FieldRef": "{field: NAME}",
    "ValueRef": "{value: NAME}",
    "Calc": "a calculation such as {add: [...]}",
    "Table": "{by: FIELD, values: {...}}",
}


def _problem(err: Any, loc: PathKey, models: list[list[Any]], source: SourceMap) -> Problem:
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = next((m for m in models[-2] if _is_model(m)), None) if len(models) > 1 else None
        allowed = ", ".join(_field_names(parent)) if parent else ""
        message = f"unknown field {loc[-1]!r}" + (
            f"; expected one of: {allowed}" if allowed else ""
        )
        return Problem(source.file, source.position(loc, key=True), message, dotted(loc))
    if kind == "missing":
        message = f"missing required field {loc[-1]!r}"
        return Problem(source.file, source.position(loc[:-1]), message, dotted(loc))
    if loc and loc[-1] == "[key]":  # a mapping key of the wrong form: point at the key
        problem = _problem(err, loc[:-1], models[:-1], source)
        position = source.position(loc[:-1], key=True)
        return Problem(source.file, position, f"key {problem.message}", problem.path)
    got = _describe(err.get("input"))
    enum_cls = next((m for m in models[-1] if _is_enum(m)), None)
    if kind == "enum" and enum_cls is not None:
        message = f"expected one of: {enum_cls.choices()}; got {got}"
    elif kind in _TYPE_WORDS:
        message = f"expected {_TYPE_WORDS[kind]}, got {got}"
    elif kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        message = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {got}"
    elif kind == "string_pattern_mismatch":
        pattern = str(err.get("ctx", {}).get("pattern", ""))
        words = _PATTERN_WORDS.get(pattern, "an identifier without spaces at either end")
        message = f"expected {words}, got {got}"
    elif kind == "string_too_short":
        message = f"expected a non-empty text, got {got}"
    elif kind == "finite_number":
        message = f"expected a finite number, got {got}"
    elif kind == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
    else:
        message = f"{err['msg'][0].lower()}{err['msg'][1:]}; got {got}"
    return Problem(source.file, source.position(loc), message, dotted(loc))


def _is_model(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, BaseModel)


def _is_enum(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, Coded)


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete classes inside Optional/list/dict/Annotated wrappers."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [c for arg in typing.get_args(annotation) for c in _unwrap(arg)]
    if origin in (list, collections.abc.Sequence):
        return [("list", _unwrap(typing.get_args(annotation)[0]))]
    if origin is dict:
        return [("dict", _unwrap(typing.get_args(annotation)[1]))]
    return [annotation]


@dataclass(frozen=True)
class _Walk:
    path: PathKey  # the path as it is in the file
    steps: list[list[Any]]  # the classes that may stand at each step
    member: str | None = None  # the union alternative the error belongs to, if any
    union_path: PathKey = ()  # where that union stands


def _walk(loc: PathKey, root: type[BaseModel], tags: dict[str, type[BaseModel]]) -> _Walk:
    """Follow a pydantic error path through the models, dropping union tags and members."""
    current: list[Any] = [root]
    path: list[str | int] = []
    steps: list[list[Any]] = [[root]]
    tagged = False
    member: str | None = None
    union_path: PathKey = ()
    for part in loc:
        if isinstance(part, str):  # a model with a validator: its class name, as a member
            part = _VALIDATED.sub(r"\1", part)
        if not tagged and isinstance(part, str) and part in tags and tags[part] in current:
            current, tagged = [tags[part]], True  # a union tag: the next part is a field
            steps[-1] = current
            continue
        tagged = False
        if isinstance(part, int):
            current = [e for c in current if isinstance(c, tuple) for e in c[1]]
            path.append(part)
            steps.append(current)
            continue
        nxt: list[Any] = []
        for cls in current:
            if isinstance(cls, tuple) and cls[0] == "dict":  # any key leads to the value type
                nxt.extend(cls[1])
            elif _is_model(cls):
                if not cls.__pydantic_complete__:  # built lazily (defer_build): resolve now
                    cls.model_rebuild()
                for name, info in cls.model_fields.items():
                    if part in (name, info.alias):
                        nxt.extend(_unwrap(info.annotation))
        base = part.split("[")[0]
        if (
            not nxt
            and len(current) > 1
            and (
                base in _MEMBER_WORDS or any(getattr(c, "__name__", None) == base for c in current)
            )
        ):
            member, union_path = part, tuple(path)
            current = [
                c
                for c in current
                if getattr(c, "__name__", None) == base or (isinstance(c, tuple) and c[0] == base)
            ]
            steps[-1] = current
            continue
        path.append(part)
        current = nxt
        steps.append(current)
    return _Walk(tuple(path), steps, member, union_path)


def _field_names(cls: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in cls.model_fields.items()]


# --- references between entities ---------------------------------------------------------


def check_references(plan: Plan, source: SourceMap) -> Iterator[Problem]:
    """Ids are unique, and every reference names an entity that exists and fits."""
    file = source.file

    def at(path: PathKey, message: str) -> Problem:
        return Problem(file, source.position(path), message, dotted(path))

    def unique(items: Iterable[tuple[str, PathKey]], what: str) -> Iterator[Problem]:
        seen: dict[str, PathKey] = {}
        for ident, path in items:
            if ident in seen:
                first = source.position(seen[ident])
                where = f" (first at {first.describe()})" if first else ""
                yield at(path, f"duplicate {what} {ident!r}{where}")
            else:
                seen.setdefault(ident, path)

    u = UnitColumns.of(plan.units)
    units: dict[str, int] = {}  # the first unit of each id
    for i, ident in enumerate(u.id):
        units.setdefault(ident, i)
    if len(units) != len(u.id):
        yield from unique(((ident, ("units", i, "id")) for i, ident in enumerate(u.id)), "unit id")
    yield from unique(
        ((t.id, ("townships", i, "id")) for i, t in enumerate(plan.townships)), "township id"
    )
    grids = GridColumns.of(plan.grids)
    if len(set(grids.code)) != len(grids.code):
        yield from unique(
            ((code, ("grids", i, "code")) for i, code in enumerate(grids.code)), "grid code"
        )
    yield from unique(
        ((t.id, ("enforcement_teams", i, "id")) for i, t in enumerate(plan.enforcement_teams)),
        "enforcement team id",
    )
    yield from unique(
        (
            (a.id, ("townships", i, "stationed_agencies", j, "id"))
            for i, t in enumerate(plan.townships)
            for j, a in enumerate(t.stationed_agencies)
        ),
        "stationed agency id",
    )
    yield from unique(
        (
            (d.id, ("units", i, "divisions", j, "id"))
            for i, divisions in enumerate(u.divisions)
            for j, d in enumerate(divisions)
        ),
        "division id",
    )
    division_unit = {d.id: u.id[i] for i, ds in enumerate(u.divisions) for d in ds}
    claimed: dict[str, str] = {}
    for i, (unit_id, predecessors) in enumerate(zip(u.id, u.predecessors, strict=True)):
        for j, division in enumerate(u.divisions[i]):
            for k, pred in enumerate(division.predecessors):
                path: PathKey = ("units", i, "divisions", j, "predecessors", k)
                owner = division_unit.get(pred)
                if pred == division.id:
                    yield at(path, "a division cannot be its own predecessor")
                elif owner is None:
                    yield at(path, f"predecessor division {pred!r} is not in this plan")
                elif owner not in predecessors and owner != unit_id:
                    yield at(
                        path,
                        f"division {pred!r} belongs to unit {owner!r}, which is neither this "
                        "unit nor one of its predecessors",
                    )
        for j, pred in enumerate(predecessors):
            path = ("units", i, "predecessors", j)
            other = units.get(pred)
            if other is None:
                yield at(path, f"predecessor {pred!r} is not a unit of this plan")
            elif pred == unit_id:
                yield at(path, "a unit cannot be its own predecessor")
            elif u.change[other] != Change.ABOLISHED:
                yield at(
                    path,
                    f"predecessor {pred!r} must be abolished by the plan "
                    f"(its change is '{u.change[other]}')",
                )
            elif pred in claimed:
                yield at(path, f"unit {pred!r} is already the predecessor of {claimed[pred]!r}")
            else:
                claimed[pred] = unit_id
    yield from _division_cycles(u.divisions, at)
    townships = {t.id for t in plan.townships}
    if not set(grids.township) <= {None, *townships}:
        for i, township in enumerate(grids.township):
            if township is not None and township not in townships:
                yield at(("grids", i, "township"), f"township {township!r} is not in this plan")
    for i, problem in enumerate(plan.problems):
        if problem.unit not in units:
            yield at(("problems", i, "unit"), f"unit {problem.unit!r} is not in this plan")


def _division_cycles(
    units: list[list[Division]], at: Callable[[PathKey, str], Problem]
) -> Iterator[Problem]:
    """A unit's divisions (``units``: the divisions of each unit) that are, through their
    predecessors, their own predecessors. (Units cannot form a cycle: a predecessor is
    abolished, and an abolished unit has none.)"""
    for i, divisions in enumerate(units):
        if not any(d.predecessors for d in divisions):
            continue  # most units: no division continues another
        order = {d.id: j for j, d in enumerate(divisions)}
        preds = {d.id: {p for p in d.predecessors if p in order and p != d.id} for d in divisions}
        # Take away divisions whose predecessors are all taken away: those left are on a
        # cycle or descend from one, and each has a predecessor left.
        left = dict(preds)
        ready = [d for d, ps in left.items() if not ps]
        users: dict[str, list[str]] = {}
        for d, ps in preds.items():
            for pred in ps:
                users.setdefault(pred, []).append(d)
        waiting = {d: len(ps) for d, ps in preds.items()}
        while ready:
            done = ready.pop()
            del left[done]
            for user in users.get(done, ()):
                waiting[user] -= 1
                if waiting[user] == 0:
                    ready.append(user)
        if not left:
            continue
        trail = [min(left, key=order.__getitem__)]
        while True:
            step = min((p for p in left[trail[-1]] if p in left), key=order.__getitem__)
            if step in trail:
                cycle = [*trail[trail.index(step) :], step]
                break
            trail.append(step)
        first = min(cycle[:-1], key=order.__getitem__)
        j = order[first]
        nxt = cycle[cycle.index(first) + 1]
        k = divisions[j].predecessors.index(nxt)
        path: PathKey = ("units", i, "divisions", j, "predecessors", k)
        start = cycle.index(first)
        shown = " → ".join([*cycle[start:-1], *cycle[:start], first])
        yield at(path, f"the predecessors of these divisions form a cycle: {shown}")
