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

The YAML reading is in :mod:`.source_yaml`, imported only when a file is read that way; a JSON
plan is parsed here by the C decoder (:func:`parse_json_located`), and read the YAML way only
when something in it is wrong and must be located.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from dataclasses import dataclass, field
from itertools import accumulate
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from .errors import InputError, Position

PathKey = tuple[str | int, ...]

MAX_BYTES = 64 * 1024 * 1024
MAX_BYTES_ENV = "COMPLYCHECK_MAX_FILE_SIZE"
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


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


def offset_position(text: str, offset: int) -> Position:
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


def load_text(text: str, file: str, fmt: str) -> Document:
    """Parse ``text`` (YAML or JSON) into a :class:`Document` that locates every value."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if fmt == "json":
        _check_json_syntax(text, file)
    from .source_yaml import compose  # PyYAML, loaded only for a file read this way

    return compose(text, file, fmt)


def _check_json_syntax(text: str, file: str) -> None:
    """Refuse what is YAML but not JSON (a trailing comma, a comment, single quotes): the
    YAML reader that locates each value would accept it."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        where = offset_position(text, exc.pos)
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
