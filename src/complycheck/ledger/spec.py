"""The ledger mapping (``headers.yaml``): which sheet holds which entities of a plan, and which
column header holds which field. The mapping is data; this module reads it and matches the
sheet names and headers a ledger actually has against it.
"""

from __future__ import annotations

import itertools
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ..i18n import Text, fold

FieldType = Literal["id", "name", "text", "count", "share", "date", "bool", "enum", "list"]
SheetId = Literal[
    "plan",
    "units",
    "divisions",
    "functions",
    "townships",
    "institutions",
    "stationed_agencies",
    "grids",
    "enforcement_teams",
    "problems",
    "waivers",
]
CHILD_SEPARATOR = " > "  # in a pattern: "parent > child", a two-row header


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Model):
    headers: list[str] = Field(min_length=1)
    type: FieldType
    required: bool = False
    ref: Literal["units", "townships", "divisions"] | None = None
    parts: list[list[str]] = Field(default_factory=list)
    words: dict[Literal["true", "false"], list[str]] = Field(default_factory=dict)


class ParentSpec(_Model):
    sheet: SheetId
    field: str
    headers: list[str] = Field(min_length=1)
    create: bool = False  # parents missing from their own sheet are created from this column
    fields: dict[str, FieldSpec] = Field(default_factory=dict)


class SheetSpec(_Model):
    names: list[str] = Field(min_length=1)
    layout: Literal["form", "table"]
    title: Text
    key: str | None = None
    parent: ParentSpec | None = None
    fields: dict[str, FieldSpec]
    unused: list[str] = Field(default_factory=list)
    unsupported: dict[str, str] = Field(default_factory=dict)


class LedgerSpec(_Model):
    blank_values: list[str]
    total_rows: list[str]
    ignored_sheets: list[str]
    ignored_columns: list[str]
    sheets: dict[SheetId, SheetSpec]


# --- normalising names and headers --------------------------------------------------------

_UNITS = "个|名|人|户|家|条|项|%|‰|㎡|平方米|平方公里|元|万元"
_TRAILING_UNIT = re.compile(rf"\((?:{_UNITS})\)$")
_DROPPED = re.compile(r"[\s_*\u200b\ufeff]+")


def normalise(text: str) -> str:
    """The form in which sheet names and headers are compared."""
    text = _DROPPED.sub("", fold(text))
    text = text.rstrip(":")
    return _TRAILING_UNIT.sub("", text)


def header_key(parent: str | None, child: str) -> str:
    """The key of a header: its own text, or for a two-row header its parent and its text."""
    return f"{normalise(parent)}>{normalise(child)}" if parent else normalise(child)


_ALTERNATIVES = re.compile(r"\{([^{}]*)\}")


def expand(pattern: str) -> list[str]:
    """Every header a pattern stands for: ``{a|b}`` is ``a`` or ``b``, ``{a|}`` is ``a`` or
    nothing, and ``parent > child`` keeps its separator."""
    pieces = _ALTERNATIVES.split(pattern)
    choices = [[p] if i % 2 == 0 else p.split("|") for i, p in enumerate(pieces)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def pattern_keys(pattern: str) -> list[str]:
    keys = []
    for text in expand(pattern):
        parent, _, child = text.rpartition(CHILD_SEPARATOR)
        keys.append(header_key(parent or None, child))
    return keys


# --- what a header means ------------------------------------------------------------------

Role = Literal["field", "part", "parent", "parent_field", "unused", "unsupported"]


class Column(_Model):
    """What one header of a sheet stands for."""

    role: Role
    field: str = ""  # the field (a dotted path inside the entity), for field, part, parent_field
    part: int = 0
    spec: FieldSpec | None = None
    hint: str = ""  # for an unsupported column: why, and what to do instead


@lru_cache(maxsize=1)
def ledger_spec() -> LedgerSpec:
    text = resources.files(__package__).joinpath("headers.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where it is available
    return LedgerSpec.model_validate(yaml.load(text, Loader=loader))


@lru_cache(maxsize=1)
def sheet_names() -> dict[str, SheetId | None]:
    """Normalised sheet (and CSV file) names: the sheet they are, or None for ignored ones."""
    spec = ledger_spec()
    table: dict[str, SheetId | None] = {normalise(n): None for n in spec.ignored_sheets}
    for sheet_id, sheet in spec.sheets.items():
        for name in sheet.names:
            key = normalise(name)
            if key in table:  # pragma: no cover - a mistake in headers.yaml, caught by tests
                raise AssertionError(f"sheet name {name!r} is used twice")
            table[key] = sheet_id
    return table


@cache
def columns(sheet_id: SheetId) -> dict[str, Column]:
    """Every header key the sheet accepts, and what it means."""
    spec = ledger_spec()
    sheet = spec.sheets[sheet_id]
    table: dict[str, Column] = {}

    def add(patterns: list[str], column: Column) -> None:
        for pattern in patterns:
            for key in pattern_keys(pattern):
                if key in table and table[key] != column:  # pragma: no cover - caught by tests
                    raise AssertionError(f"{sheet_id}: header {key!r} means two things")
                table[key] = column

    for name, field in sheet.fields.items():
        add(field.headers, Column(role="field", field=name, spec=field))
        for i, part in enumerate(field.parts):
            add(part, Column(role="part", field=name, part=i, spec=field))
    if sheet.parent is not None:
        add(sheet.parent.headers, Column(role="parent"))
        for name, field in sheet.parent.fields.items():
            add(field.headers, Column(role="parent_field", field=name, spec=field))
    add(sheet.unused, Column(role="unused"))
    for pattern, hint in sheet.unsupported.items():
        add([pattern], Column(role="unsupported", hint=" ".join(hint.split())))
    for name in spec.ignored_columns:
        table.setdefault(normalise(name), Column(role="unused"))
    return table


def lookup(sheet_id: SheetId, parent: str | None, child: str) -> Column | None:
    """What a header means in a sheet, or None when the sheet has no such column. A two-row
    header whose own text is an ignored column (合计 under a merged 核定编制) is ignored too."""
    table = columns(sheet_id)
    found = table.get(header_key(parent, child))
    if found is None and parent and normalise(child) in _ignored_columns():
        return Column(role="unused")
    return found


@lru_cache(maxsize=1)
def _ignored_columns() -> frozenset[str]:
    return frozenset(normalise(n) for n in ledger_spec().ignored_columns)


def first_header(field: FieldSpec) -> str:
    """The header shown in messages for a field: the first its first pattern stands for."""
    return expand(field.headers[0])[0].replace(CHILD_SEPARATOR, "/")


def describe_headers(sheet_id: SheetId) -> str:
    sheet = ledger_spec().sheets[sheet_id]
    names = [first_header(f) for f in sheet.fields.values()]
    if sheet.parent is not None:
        names.insert(0, expand(sheet.parent.headers[0])[0])
    return ", ".join(names)
