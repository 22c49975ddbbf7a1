"""The YAML reader of :mod:`.source`: PyYAML's composer, whose nodes we turn into values
ourselves (the exact reader, which locates every value), and libyaml's loader for small,
well-formed rule files (the fast one, whose positions are found only when asked for).

The exact reader reads JSON too (a JSON text is YAML), to locate what is wrong in a JSON file.
This module is imported only when a file is read one of these ways, so that a run on JSON
plans does not load PyYAML.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Position
from .source import MAX_BYTES, Document, LazySourceMap, PathKey, SourceMap, offset_position

try:  # libyaml is much faster; the pure-Python composer behaves the same.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

MAX_NODES = 5_000_000
MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 64
# libyaml composes recursively in C: tens of thousands of levels exhaust the stack and kill
# the process. A document that cannot nest deeper than this is composed without a scan.
SCAN_DEPTH_ABOVE = 1_000

_SCALAR = yaml.SafeLoader  # constructor methods for scalar tags only
_STR = "tag:yaml.org,2002:str"
_ALLOWED_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    _STR,
    "tag:yaml.org,2002:timestamp",
}


def _pos(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _nesting_bound(text: str) -> int:
    """An upper bound of how deep ``text`` nests, found by C-speed passes over it.

    A level in flow style needs an opening bracket of its own. A level in block style starts
    on a later line at a greater column than its parent, on the same line after an indicator
    (``- ``, ``? ``), or (a sequence under a mapping key) at the key's column, whose items are
    then indented further: so at most two levels per column.
    """
    longest = max(map(len, text.split("\n")), default=0)
    return text.count("[") + text.count("{") + 2 * longest + 2


_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _too_deep(text: str) -> Position | None:
    """Where ``text`` nests deeper than :data:`MAX_DEPTH`, found before libyaml composes it;
    None when it does not.

    Only a document whose :func:`_nesting_bound` is large is scanned, event by event (the
    parser, unlike the composer, does not recurse).
    """
    if len(text) <= SCAN_DEPTH_ABOVE or _nesting_bound(text) <= SCAN_DEPTH_ABOVE:
        return None
    try:
        return _deeper_than_max(text, _Loader)
    except yaml.MarkedYAMLError as exc:
        # libyaml 0.2.6 (in PyYAML 6.0.4's wheels) scans ahead and stops at its own limit of
        # 1,000 levels before its events reach ours: the Python parser finds where ours is.
        if not (exc.problem and "nesting depth" in exc.problem):
            raise
        return _deeper_than_max(text, yaml.SafeLoader)


def _deeper_than_max(text: str, loader: Any) -> Position | None:
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _OPENING):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                return Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        elif isinstance(event, _CLOSING):
            depth -= 1
    return None


class _Builder:
    def __init__(self, file: str, json_mode: bool) -> None:
        self.file = file
        self.json_mode = json_mode
        self.map = SourceMap(file)
        self.nodes = 0
        self.alias_nodes = 0
        self.aliased = 0
        self.seen: set[int] = set()
        self.constructor = _SCALAR("")

    def fail(self, node: yaml.Node, message: str) -> InputError:
        return InputError.single(self.file, _pos(node.start_mark), message)  # type: ignore[return-value]

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        """Build ``node``; an alias builds its anchor's subtree again, within a budget."""
        repeat = id(node) in self.seen
        self.seen.add(id(node))
        self.aliased += repeat
        try:
            self.nodes += 1
            self.alias_nodes += self.aliased > 0
            if self.nodes > MAX_NODES or self.alias_nodes > MAX_ALIAS_NODES:
                raise self.fail(
                    node,
                    f"the document expands to more than {MAX_ALIAS_NODES:,} values through aliases"
                    if self.alias_nodes > MAX_ALIAS_NODES
                    else f"the document has more than {MAX_NODES:,} values",
                )
            if depth > MAX_DEPTH:
                raise self.fail(node, f"nesting is deeper than {MAX_DEPTH} levels")
            self.map.values[path] = _pos(node.start_mark)
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth)
            if isinstance(node, yaml.SequenceNode):
                if node.tag != "tag:yaml.org,2002:seq":
                    raise self.fail(node, f"unsupported tag {node.tag!r}; plain lists only")
                return [self.build(x, (*path, i), depth + 1) for i, x in enumerate(node.value)]
            return self._scalar(node)
        finally:
            self.aliased -= repeat

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            raise self.fail(node, f"unsupported tag {node.tag!r}; plain mappings only")
        out: dict[str, Any] = {}
        first_seen: dict[str, Position] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "merge keys ('<<') are not supported; write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be a plain string")
            key = self._scalar(key_node)
            if not isinstance(key, str):
                key = str(key_node.value)
            key_pos = _pos(key_node.start_mark)
            if key in first_seen:
                before = first_seen[key]
                raise self.fail(
                    key_node,
                    f"duplicate key {key!r} (first defined at line {before.line}, "
                    f"column {before.column})",
                )
            first_seen[key] = key_pos
            self.map.keys[(*path, key)] = key_pos
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out

    def _scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):  # pragma: no cover - guarded by callers
            raise self.fail(node, "expected a scalar value")
        if self.json_mode:
            if node.style in ('"', "'"):
                return node.value
            try:
                return json.loads(node.value)
            except ValueError:
                raise self.fail(node, f"{node.value!r} is not a JSON value") from None
        if node.tag not in _ALLOWED_SCALAR_TAGS:
            raise self.fail(
                node,
                f"unsupported tag {node.tag!r}; only plain strings, numbers, "
                "booleans, dates and null are allowed",
            )
        try:
            value = yaml.SafeLoader.yaml_constructors[node.tag](self.constructor, node)
        except (ValueError, OverflowError) as exc:  # 2024-02-30, or a number out of range
            raise self.fail(node, f"{node.value!r} is not a valid value: {exc}") from None
        if isinstance(value, dt.datetime):
            raise self.fail(node, "expected a date (YYYY-MM-DD), not a date and time")
        return value


def compose(text: str, file: str, fmt: str) -> Document:
    """``text`` (YAML, or JSON already checked to be JSON) as a :class:`Document` that locates
    every value; raises :class:`InputError` saying what is wrong and where."""
    try:
        deep = _too_deep(text)
        if deep is not None:
            raise InputError.single(file, deep, f"nesting is deeper than {MAX_DEPTH} levels")
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(mark) if mark is not None else None
        what = exc.problem or exc.context or "invalid syntax"
        raise InputError.single(file, where, f"{fmt.upper()} syntax error: {what}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as NUL
        offset = exc.position  # libyaml counts UTF-8 bytes, the Python reader characters
        if issubclass(_Loader, yaml.CSafeLoader):
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
        where = offset_position(text, offset)
        what = f"character U+{exc.character:04X} is not allowed ({exc.reason})"
        raise InputError.single(file, where, f"{fmt.upper()} syntax error: {what}") from None
    except yaml.YAMLError as exc:  # pragma: no cover - no other error lacks a mark
        raise InputError.single(file, None, f"{fmt.upper()} syntax error: {exc}") from None
    if not nodes:
        raise InputError.single(file, Position(1, 1), "the file is empty; expected a plan")
    if len(nodes) > 1:
        raise InputError.single(
            file, _pos(nodes[1].start_mark), "the file holds several documents; expected one"
        )
    builder = _Builder(file, json_mode=fmt == "json")
    data = builder.build(nodes[0], (), 0)
    return Document(data, builder.map, fmt)


class _StrictFastLoader(_Loader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader, refusing duplicate keys and merge keys (which it would accept)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        if len(keys) != len(set(keys)) or any(
            k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value
        ):
            raise ValueError("duplicate or merge key")
        return dict(super().construct_mapping(node, deep=deep))


def load_yaml_fast(path: Path) -> Document | None:
    """A small, well-formed YAML file read with the C loader, or None when anything is unusual
    (the caller then uses :func:`.source.load_file`, which says exactly what and where)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        if _too_deep(text) is not None:
            return None
        data = yaml.load(text, Loader=_StrictFastLoader)
        if _has_unsupported(data, set()):
            return None
    except (OSError, ValueError, RecursionError, yaml.YAMLError):
        return None
    return Document(data, LazySourceMap(str(path), text, "yaml"), "yaml")


def _has_unsupported(value: Any, seen: set[int]) -> bool:
    """Values the exact reader refuses (sets, bytes, date-times), so that both agree; and any
    container met twice, which an alias made: only the exact reader expands aliases, within
    its budget (walking an alias bomb here would never end)."""
    if isinstance(value, dict | list):
        if id(value) in seen:
            return True
        seen.add(id(value))
        items = value.values() if isinstance(value, dict) else value
        return any(_has_unsupported(v, seen) for v in items)
    return isinstance(value, set | bytes | dt.datetime)
