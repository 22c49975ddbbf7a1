"""Read YAML and JSON into plain Python values while keeping every value's source position.

The composer of PyYAML's safe loader builds a node tree; we turn nodes into values ourselves,
so that no YAML tag can construct a Python object, aliases cannot expand without bound,
duplicate keys are rejected naming both lines, and each value's line and column is kept in a
:class:`SourceMap` keyed by its path (a tuple of keys and list indexes).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Position

try:  # libyaml is much faster; the pure-Python composer behaves the same.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

PathKey = tuple[str | int, ...]

MAX_BYTES = 64 * 1024 * 1024
MAX_NODES = 5_000_000
MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 64

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


@dataclass
class SourceMap:
    """Positions of values (and of mapping keys) in one source file."""

    file: str
    values: dict[PathKey, Position] = field(default_factory=dict)
    keys: dict[PathKey, Position] = field(default_factory=dict)

    def position(self, path: PathKey, *, key: bool = False) -> Position | None:
        """The position of ``path``, or of its nearest ancestor that has one."""
        if key and path in self.keys:
            return self.keys[path]
        probe = path
        while True:
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return None
            probe = probe[:-1]


@dataclass
class Document:
    """A loaded file: its data, where each value came from, and the file's format."""

    data: Any
    source: SourceMap
    fmt: str


def _pos(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


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
        value = yaml.SafeLoader.yaml_constructors[node.tag](self.constructor, node)
        if isinstance(value, dt.datetime):
            raise self.fail(node, "expected a date (YYYY-MM-DD), not a date and time")
        return value


def load_text(text: str, file: str, fmt: str) -> Document:
    """Parse ``text`` (YAML or JSON) into a :class:`Document`."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(mark) if mark is not None else None
        what = exc.problem or exc.context or "invalid syntax"
        raise InputError.single(file, where, f"{fmt.upper()} syntax error: {what}") from None
    except yaml.YAMLError as exc:  # pragma: no cover - reader errors without marks
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


def load_file(path: Path, *, display: str | None = None, max_bytes: int = MAX_BYTES) -> Document:
    """Read a YAML (``.yaml``/``.yml``) or JSON (``.json``) file."""
    name = display or str(path)
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError.single(
                name, None, f"the file is {size:,} bytes; the limit is {max_bytes:,} bytes"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(name, None, f"cannot read the file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError.single(
            name, Position(line, column), "the file is not valid UTF-8 text"
        ) from None
    return load_text(text, name, fmt)
