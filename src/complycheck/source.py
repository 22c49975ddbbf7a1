"""Read YAML and JSON into plain Python values while keeping every value's source position.

The composer of PyYAML's safe loader builds a node tree; we turn nodes into values ourselves,
so that no YAML tag can construct a Python object, aliases cannot expand without bound,
duplicate keys are rejected naming both lines, and each value's line and column is kept in a
:class:`SourceMap` keyed by its path (a tuple of keys and list indexes).

Hostile files are refused before they cost much: a file larger than the size limit (64 MiB;
for plans, ``$COMPLYCHECK_MAX_FILE_SIZE``) is not read, a document that may nest deeper
than libyaml's recursive composer can take is checked level by level first (libyaml would
exhaust the C stack and crash the process), and alias expansion, depth and the number of
values all have budgets.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from itertools import accumulate
from json.decoder import scanstring  # type: ignore[attr-defined]
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
MAX_BYTES_ENV = "COMPLYCHECK_MAX_FILE_SIZE"
MAX_NODES = 5_000_000
MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 64
# libyaml composes recursively in C: tens of thousands of levels exhaust the stack and kill
# the process. A document that cannot nest deeper than this is composed without a scan.
SCAN_DEPTH_ABOVE = 1_000
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}

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


def _offset_position(text: str, offset: int) -> Position:
    """The line and column of character ``offset`` of ``text``."""
    breaks = list(_NEWLINE.finditer(text, 0, offset))
    start = breaks[-1].end() if breaks else 0
    return Position(len(breaks) + 1, offset - start + 1)


def max_file_size(environ: dict[str, str] | None = None) -> int:
    """The size limit of a plan file in bytes: ``$COMPLYCHECK_MAX_FILE_SIZE`` (a number of
    bytes, or with a K, M or G suffix: ``512K``, ``200M``), else :data:`MAX_BYTES`.

    Raises ValueError, naming the variable, when its value is not a size.
    """
    env = os.environ if environ is None else environ
    raw = env.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return MAX_BYTES
    match = re.fullmatch(r"(\d+)\s*([kmg]?)i?b?", raw.lower())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(
            f"{MAX_BYTES_ENV}={raw!r} is not a size; expected a positive number of bytes, "
            "optionally with K, M or G (for example 200M)"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


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


def load_text(text: str, file: str, fmt: str) -> Document:
    """Parse ``text`` (YAML or JSON) into a :class:`Document`."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if fmt == "json":
        _check_json_syntax(text, file)
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
        where = _offset_position(text, offset)
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


def _check_json_syntax(text: str, file: str) -> None:
    """Refuse what is YAML but not JSON (a trailing comma, a comment, single quotes): the
    YAML reader that locates each value would accept it."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        where = _offset_position(text, exc.pos)
        message = exc.msg.removesuffix(" at")  # "Invalid control character at"
        raise InputError.single(file, where, f"JSON syntax error: {message}") from None
    except (ValueError, RecursionError):
        return  # a number too long, or nesting too deep: the YAML reader says where


def load_file(path: Path, *, display: str | None = None, max_bytes: int | None = None) -> Document:
    """Read a YAML (``.yaml``/``.yml``) or JSON (``.json``) file of at most ``max_bytes``
    (default: :func:`max_file_size`, the limit of a plan file)."""
    name = display or str(path)
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    try:
        limit = max_file_size() if max_bytes is None else max_bytes
    except ValueError as exc:
        raise InputError.single(name, None, str(exc)) from None
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError.single(
                name,
                None,
                f"the file is {size:,} bytes; the limit is {limit:,} bytes "
                f"(set {MAX_BYTES_ENV} to change it)",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(name, None, f"cannot read the file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        before = raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start]  # valid UTF-8: counted
        column = len(before.decode("utf-8")) + 1  # in characters, as an editor shows it
        message = "the file is not valid UTF-8 text" + _encoding_hint(raw)
        raise InputError.single(name, Position(line, column), message) from None
    return load_text(text, name, fmt)


def _encoding_hint(raw: bytes) -> str:
    """What the text of a file that is not UTF-8 may be, to say how to fix it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "; it is UTF-16 text: save it as UTF-8"
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return "; it reads as GBK (GB18030) text: save it as UTF-8"


# --- JSON: fast parsing that notes where each entity starts ------------------------------

_SPACE = re.compile(r"[ \t\r\n]*")
# Containers whose items hold entities of their own (a unit's functions and divisions, a
# township's stationed agencies) are entered; any other value is skipped whole, in C.
_ENTER = {"units", "townships"}


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise DuplicateKey("duplicate key")
    return out


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)
_decode = _DECODER.raw_decode
_decode_unchecked = json.JSONDecoder().raw_decode  # keys are not checked for duplicates


def _skip_space(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def parse_json(text: str) -> Any:
    """Parse JSON quickly; raise ValueError on a syntax error or a duplicate key (the caller
    then reads the file again with :func:`load_text` to say where)."""
    return json.loads(text, object_pairs_hook=_no_duplicates)


@dataclass(frozen=True, slots=True)
class Span:
    """Where a value of the top-level object starts and ends; for an array of entities, also
    where each item starts."""

    start: int
    end: int
    items: list[int] | None = None
    flat: bool = False  # an array of flat objects: each item holds exactly one ``{``, its own


Spans = dict[str, Span]
# Arrays whose items are decoded one at a time while parsing, noting where each starts: their
# entities nest objects, so finding them later would mean decoding them again. (Grids are
# flat: they are found later, if needed, from their braces.)
_ITEMISED = {"units", "townships", "enforcement_teams", "problems", "waivers"}
_scan = _DECODER.scan_once  # type: ignore[attr-defined]


def parse_json_located(text: str) -> tuple[Any, Spans]:
    """Parse JSON as :func:`parse_json` does, also noting where each value of the top-level
    object starts and ends (each value is decoded by the C decoder, so this costs no more than
    :func:`parse_json`). Raises ValueError exactly where :func:`parse_json` would: anything
    the loop here does not expect is handed to it, to decide.
    """
    try:
        return _parse_located(text)
    except (ValueError, IndexError):
        return parse_json(text), {}


def _parse_located(text: str) -> tuple[Any, Spans]:
    skip = _skip_space
    pos = skip(text, 0)
    if text[pos] != "{":
        raise ValueError("not an object")
    spans: Spans = {}
    data: dict[str, Any] = {}
    pos = skip(text, pos + 1)
    while text[pos] != "}":
        if text[pos] != '"':
            raise ValueError("expected a key")
        key, pos = scanstring(text, pos + 1)
        pos = skip(text, pos)
        if text[pos] != ":":
            raise ValueError("expected a colon")
        pos = skip(text, pos + 1)
        start = pos
        items, flat = None, False
        if key in _ITEMISED and text[pos] == "[":
            value, pos, items = _decode_items(text, pos)
        elif text[pos] == "[":
            value, end = _decode_unchecked(text, pos)  # no key checks: see _flat_objects
            flat = _flat_objects(text, pos, end, value)
            if not flat:
                value, end = _decode(text, pos)
            pos = end
        else:
            value, pos = _decode(text, pos)
        spans[key] = Span(start, pos, items, flat)
        if key in data:
            raise DuplicateKey("duplicate key")
        data[key] = value
        pos = skip(text, pos)
        if text[pos] == "}":
            break
        if text[pos] != ",":
            raise ValueError("expected a comma")
        pos = skip(text, pos + 1)
        if text[pos] == "}":
            raise ValueError("a comma before the end of an object")
    if skip(text, pos + 1) != len(text):
        raise ValueError("extra data")
    return data, spans


def _flat_objects(text: str, start: int, end: int, value: Any) -> bool:
    """Whether the array written at ``start:end`` is of flat objects with no duplicate key.

    With as many ``{`` as items, all objects, and one ``[``, each item is one object holding
    no object or array, and no string holds a brace. Each key is written with a colon after
    it, and a duplicate key, which parsing drops, leaves one fewer key than colons: as many
    keys as colons means none was dropped (a colon inside a string only makes the count
    differ, and the array is then decoded again, checking each key). All counted in C.
    """
    return (
        isinstance(value, list)
        and text.count("{", start, end) == len(value)
        and text.count("[", start, end) == 1
        and set(map(type, value)) <= {dict}
        and sum(map(len, value)) == text.count(":", start, end)
    )


def _decode_items(text: str, pos: int) -> tuple[list[Any], int, list[int]]:
    """Decode the array at ``pos`` an item at a time: the items, the end, and where each item
    starts. Anything unexpected raises ValueError (the caller then lets the plain parser
    decide)."""
    items: list[Any] = []
    starts: list[int] = []
    pos = _skip_space(text, pos + 1)
    if text[pos] == "]":
        return items, pos + 1, starts
    while True:
        starts.append(pos)
        try:
            value, pos = _scan(text, pos)
        except StopIteration:
            raise ValueError("expected a value") from None
        items.append(value)
        pos = _skip_space(text, pos)
        if text[pos] == "]":
            return items, pos + 1, starts
        if text[pos] != ",":
            raise ValueError("expected a comma")
        pos = _skip_space(text, pos + 1)


class _ItemStarts:
    """Where the items of the array at ``span`` begin.

    Noted while parsing for the entity arrays. For an array of flat objects (see
    :func:`_flat_objects`), the items start at the braces, all found at once, in C. Otherwise
    each item is skipped by the C decoder in turn, as far as the items are asked for.
    """

    def __init__(self, text: str, span: Span, items: list[Any]) -> None:
        self._text = text
        self._count = len(items)
        self._pos = _skip_space(text, span.start + 1)
        self.starts: list[int] = span.items or []
        if span.flat:
            self.starts = _braces(text, span.start, span.end)

    def upto(self, index: int) -> None:
        """Find the starts of the items up to ``index`` (as far as there are items)."""
        text, starts, pos = self._text, self.starts, self._pos
        last = min(index, self._count - 1)
        while len(starts) <= last:
            starts.append(pos)
            pos = _skip_space(text, _decode_unchecked(text, pos)[1])
            pos = _skip_space(text, pos + 1)  # past the comma
        self._pos = pos


_BRACE = re.compile(r"\{")


def _braces(text: str, start: int, end: int) -> list[int]:
    """Where each ``{`` between ``start`` and ``end`` is."""
    return [m.start() for m in _BRACE.finditer(text, start, end)]


def _walk_json(text: str, pos: int, path: PathKey, offsets: dict[PathKey, int]) -> int:
    """Record where the value at ``pos`` (and the entities inside it) start; return its end."""
    offsets[path] = pos
    char = text[pos] if pos < len(text) else ""
    depth = len(path)
    enter = char == "{" and (depth == 0 or (depth == 2 and path[0] in _ENTER))
    enter = enter or (char == "[" and (depth == 1 or depth == 3))
    if not enter:
        return int(_decode(text, pos)[1])
    closing = "}" if char == "{" else "]"
    pos = _skip_space(text, pos + 1)
    index = 0
    while text[pos] != closing:
        if char == "{":
            key, pos = scanstring(text, pos + 1)
            pos = _skip_space(text, _skip_space(text, pos) + 1)  # past the colon
            pos = _walk_json(text, pos, (*path, key), offsets)
        else:
            pos = _walk_json(text, pos, (*path, index), offsets)
            index += 1
        pos = _skip_space(text, pos)
        if text[pos] == ",":
            pos = _skip_space(text, pos + 1)
    return pos + 1


_NEWLINE = re.compile("\r\n?|\n")  # line ends as YAML counts them: LF, CRLF, CR


def _line_starts(text: str) -> list[int]:
    """Where each line after the first starts. Without CR, from the lengths of the lines,
    in C: ``L + 1`` past each line of length ``L``."""
    if "\r" in text:
        return [m.end() for m in _NEWLINE.finditer(text)]
    return list(accumulate(map((1).__add__, map(len, text.split("\n")))))[:-1]


class _Lines:
    """The line and column of offsets in a text. A plan's findings need a few dozen: the lines
    before the start of each block of :data:`_BLOCK` characters are counted once, in C, and an
    offset's line is then counted within its block. (A text holding a CR has the start of
    every line found instead, as YAML counts line ends.)"""

    __slots__ = ("_blocks", "_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = _line_starts(text) if "\r" in text else None
        # For each block: the lines before it, and where the line it begins in starts.
        self._blocks: list[tuple[int, int]] = []
        if self._starts is None:
            line, start = 0, 0
            for block in range(0, len(text) + 1, _BLOCK):
                self._blocks.append((line, start))
                end = block + _BLOCK
                breaks = text.count("\n", block, end)
                if breaks:
                    line += breaks
                    start = text.rfind("\n", block, end) + 1

    def position(self, offset: int) -> Position:
        if self._starts is not None:
            line = bisect.bisect_right(self._starts, offset)
            start = self._starts[line - 1] if line else 0
            return Position(line + 1, offset - start + 1)
        block = offset // _BLOCK
        line, start = self._blocks[block]
        base = block * _BLOCK
        breaks = self._text.count("\n", base, offset)
        if breaks:
            line += breaks
            start = self._text.rfind("\n", base, offset) + 1
        return Position(line + 1, offset - start + 1)


_BLOCK = 4096


class JsonSourceMap(SourceMap):
    """Positions in a JSON text, found on first use from the starts of the top-level values
    noted while parsing: the items of a top-level array (the entities of a plan) by one scan
    of that array, and the values inside an entity by walking that entity alone.

    A value deeper than an entity's own fields is located by its entity. Errors are never
    located with this map: a file with an error is read again with :func:`load_text`, which
    locates every value.
    """

    def __init__(self, file: str, text: str, spans: Spans | None = None, data: Any = None) -> None:
        super().__init__(file)
        self._text = text
        self._data = data
        self._spans = spans or {}
        self._offsets: dict[PathKey, int] = {(k,): span.start for k, span in self._spans.items()}
        self._walked: set[PathKey] = set()
        self._arrays: dict[str, _ItemStarts] = {}
        self._lines: _Lines | None = None
        if not spans or not isinstance(data, dict):
            self._walked.add(())
            _walk_json(text, _skip_space(text, 0), (), self._offsets)
        else:
            self._offsets[()] = _skip_space(text, 0)

    def _find(self, path: PathKey) -> None:
        """Note the starts of the values on the way to ``path``."""
        if () in self._walked or not path:
            return
        top = path[0]
        if len(path) > 1 and isinstance(path[1], int) and path[:2] not in self._offsets:
            array = self._arrays.get(str(top))
            items = self._data.get(top)
            if array is None and isinstance(items, list) and top in self._spans:
                array = self._arrays[str(top)] = _ItemStarts(self._text, self._spans[top], items)
            if array is not None:
                array.upto(path[1])
                if 0 <= path[1] < len(array.starts):
                    self._offsets[path[:2]] = array.starts[path[1]]
        entity = path[:2]
        if len(path) > 2 and entity not in self._walked and entity in self._offsets:
            self._walked.add(entity)
            _walk_json(self._text, self._offsets[entity], entity, self._offsets)

    def position(self, path: PathKey, *, key: bool = False) -> Position | None:
        self._find(path)
        probe = path
        while probe not in self._offsets:
            if not probe:
                return None
            probe = probe[:-1]
        offset = self._offsets[probe]
        if self._lines is None:
            self._lines = _Lines(self._text)
        return self._lines.position(offset)


# --- YAML: fast parsing for well-formed files, exact positions built only when needed -------


class _StrictFastLoader(_Loader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader, refusing duplicate keys and merge keys (which it would accept)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        if len(keys) != len(set(keys)) or any(
            k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value
        ):
            raise ValueError("duplicate or merge key")
        return dict(super().construct_mapping(node, deep=deep))


class LazySourceMap(SourceMap):
    """The positions of a file read the fast way, built (by reading it the exact way) only
    when a position is asked for: that is, only when something in the file must be located."""

    def __init__(self, file: str, text: str, fmt: str) -> None:
        super().__init__(file)
        self._text = text
        self._fmt = fmt
        self._full: SourceMap | None = None

    def position(self, path: PathKey, *, key: bool = False) -> Position | None:
        if self._full is None:
            self._full = load_text(self._text, self.file, self._fmt).source
        return self._full.position(path, key=key)


def load_yaml_fast(path: Path) -> Document | None:
    """A small, well-formed YAML file read with the C loader, or None when anything is unusual
    (the caller then uses :func:`load_file`, which says exactly what and where)."""
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
