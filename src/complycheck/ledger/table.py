"""One sheet of a ledger read against its part of the mapping: find the header row (below any
title rows, one row or two when merged cells group columns), learn what each column means, and
read every data row into a record of converted values, each with the cell it came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from .cells import Cell, CellError, clean_text, convert, describe
from .read import Sheet
from .spec import (
    Column,
    SheetId,
    SheetSpec,
    describe_headers,
    first_header,
    ledger_spec,
    lookup,
    normalise,
)

HEADER_SEARCH_ROWS = 20  # title rows above the header: at most this many rows are searched


FieldPath = tuple[str, ...]


@dataclass(frozen=True)
class Header:
    rows: tuple[int, ...]  # the sheet rows that make the header (one, or two)
    columns: dict[int, tuple[Column, str]]  # column number: its meaning and its header as written
    headed: frozenset[int]  # every column with a header (those marked # included)
    read: tuple[tuple[int, Column, str, FieldPath], ...] = ()  # the columns read, in order
    fields: dict[FieldPath, tuple[int, str]] = field(default_factory=dict)  # field: column
    where: int = 1  # the column that stands for a row: its first field's

    @classmethod
    def of(
        cls, rows: tuple[int, ...], columns: dict[int, tuple[Column, str]], headed: frozenset[int]
    ) -> Header:
        read = tuple(
            (c, m, w, tuple(m.field.split(".")) if m.field else ())
            for c, (m, w) in sorted(columns.items())
            if m.role != "unused"
        )
        fields: dict[FieldPath, tuple[int, str]] = {}
        for column, meaning, written, path in read:
            if meaning.role in ("field", "part"):
                fields.setdefault(path, (column, written))
        where = next((c for c, m, _, _ in read if m.role == "field"), min(columns, default=1))
        return cls(rows, columns, headed, read, fields, where)


@dataclass
class Record:
    """One data row: its values by field path, and the column of each field (shared by the
    rows of a sheet: where each value, or each blank cell, is)."""

    row: int
    where: int
    columns: dict[FieldPath, tuple[int, str]]
    values: dict[FieldPath, Any] = field(default_factory=dict)
    parent: tuple[str, int] | None = None  # the parent's code or name, and its column
    parent_values: dict[FieldPath, tuple[Any, int, str]] = field(default_factory=dict)


def _text(cell: Cell | None) -> str | None:
    if cell is None or not isinstance(cell.value, str):
        return None if cell is None or cell.value is None else str(cell.value)
    return clean_text(cell.value)


def _header_texts(
    upper: dict[int, Cell], lower: dict[int, Cell] | None
) -> dict[int, tuple[str | None, str]]:
    """Each column's header: (parent, text) from two rows, or (None, text) from one. In two
    rows, a column whose upper cell is blank sits under the merged cell to its left."""
    if lower is None:
        return {c: (None, t) for c, cell in upper.items() if (t := _text(cell))}
    out: dict[int, tuple[str | None, str]] = {}
    parent: str | None = None
    for column in sorted(set(upper) | set(lower)):
        above, below = _text(upper.get(column)), _text(lower.get(column))
        if above is not None:
            parent = above
        if below is None or below == above:
            if above is not None:
                out[column] = (None, above)  # one cell over both rows
        else:
            out[column] = (parent, below)
    return out


def _score(sheet_id: SheetId, texts: dict[int, tuple[str | None, str]]) -> int:
    return sum(lookup(sheet_id, p, t) is not None for p, t in texts.values())


def find_header(sheet: Sheet, sheet_id: SheetId) -> tuple[Header | None, list[Problem]]:
    rows = sheet.rows[:HEADER_SEARCH_ROWS]
    best: tuple[int, int, tuple[int, ...], dict[int, tuple[str | None, str]]] | None = None
    for i, (number, cells) in enumerate(rows):
        options: list[tuple[tuple[int, ...], dict[int, tuple[str | None, str]]]] = [
            ((number,), _header_texts(cells, None))
        ]
        if i + 1 < len(rows) and rows[i + 1][0] == number + 1:
            options.append(((number, number + 1), _header_texts(cells, rows[i + 1][1])))
        for span, texts in options:
            score = _score(sheet_id, texts)
            if score and (best is None or score > best[0]):
                best = (score, number, span, texts)
    if best is None:
        where = sheet.position(sheet.rows[0][0] if sheet.rows else 1, 1)
        return None, [
            Problem(
                sheet.file,
                where,
                f"no header row found in the first {HEADER_SEARCH_ROWS} rows of the sheet; "
                f"expected headers such as {describe_headers(sheet_id)}",
            )
        ]
    _, _, span, texts = best
    return _columns(sheet, sheet_id, span, texts)


def _columns(
    sheet: Sheet,
    sheet_id: SheetId,
    span: tuple[int, ...],
    texts: dict[int, tuple[str | None, str]],
) -> tuple[Header | None, list[Problem]]:
    spec = ledger_spec().sheets[sheet_id]
    problems: list[Problem] = []
    columns: dict[int, tuple[Column, str]] = {}
    taken: dict[tuple[str, str, int], tuple[int, str]] = {}
    header_row = span[-1]
    rows_of: dict[int, int] = {}

    def problem(column: int, message: str, row: int = span[0]) -> None:
        problems.append(Problem(sheet.file, sheet.position(row, column), message))

    for column, (parent, text) in sorted(texts.items()):
        written = f"{parent}/{text}" if parent else text
        # a header in one cell over both rows of a two-row header is in the upper one
        cell_row = span[0] if parent is None else header_row
        if normalise(text).startswith("#"):
            continue  # a column marked as not to be read
        meaning = lookup(sheet_id, parent, text)
        if meaning is None:
            problem(
                column,
                f"unknown column {written!r}; expected one of: {describe_headers(sheet_id)} "
                "(docs/ledger-format.md lists every accepted header; a header beginning with # "
                "is not read)",
                cell_row,
            )
            continue
        if meaning.role == "unsupported":
            problem(column, f"column {written!r} cannot be read: {meaning.hint}", cell_row)
            continue
        slot = (meaning.role, meaning.field, meaning.part)
        if meaning.role != "unused" and slot in taken:
            _, other_text = taken[slot]
            problem(column, f"columns {other_text!r} and {written!r} give the same value", cell_row)
            continue
        taken[slot] = (column, written)
        columns[column] = (meaning, written)
        rows_of[column] = cell_row
    fields = {m.field for m, _ in columns.values() if m.role == "field"}
    for column, (meaning, written) in columns.items():
        if meaning.role == "part" and meaning.field in fields:
            problem(
                column,
                f"column {written!r} is a part of a total the sheet also gives",
                rows_of[column],
            )
    for name, field_spec in spec.fields.items():
        if field_spec.required and name not in fields:
            problem(
                1 if not texts else min(texts),
                f"the sheet has no column for {name} (expected a header such as "
                f"{first_header(field_spec)!r})",
            )
    if spec.parent is not None and not any(m.role == "parent" for m, _ in columns.values()):
        words = ledger_spec().sheets[spec.parent.sheet].title
        problem(
            1 if not texts else min(texts),
            f"the sheet has no column naming the {words.en} each row belongs to "
            f"(expected a header such as {spec.parent.headers[0]!r})",
        )
    return Header.of(span, columns, frozenset(texts)), problems


def records(sheet: Sheet, sheet_id: SheetId, header: Header) -> Iterator[Record | Problem]:
    """Every data row below the header, as a record or as problems with its cells. Blank rows,
    rows with nothing in the columns read, and total rows (合计) are skipped."""
    spec = ledger_spec().sheets[sheet_id]
    totals = {normalise(w) for w in ledger_spec().total_rows}
    last_header = header.rows[-1]
    for number, cells in sheet.rows:
        if number <= last_header:
            continue
        read = {c: cell for c, cell in cells.items() if c in header.columns and not cell.blank}
        used = {c: x for c, x in read.items() if header.columns[c][0].role != "unused"}
        if not any(_text(x) is not None or x.error for x in used.values()):
            yield from _stray(sheet, header, cells)
            continue
        first = cells[min(cells)]
        if (
            isinstance(first.value, str)
            and len(first.value) <= 8
            and normalise(first.value) in totals
        ):
            continue
        yield from _stray(sheet, header, cells)
        yield from _record(sheet, spec, header, number, used)


def _stray(sheet: Sheet, header: Header, cells: dict[int, Cell]) -> Iterator[Problem]:
    """Values in a column without a header would be silently lost: each is an error."""
    for column, cell in sorted(cells.items()):
        if column not in header.headed and _text(cell) is not None:
            yield Problem(
                sheet.file,
                sheet.position(cell.row, column),
                f"the cell holds {describe(cell.value)} but its column has no header",
            )


def _record(
    sheet: Sheet, spec: SheetSpec, header: Header, number: int, used: dict[int, Cell]
) -> Iterator[Record | Problem]:
    record = Record(number, header.where, header.fields)
    parts: dict[FieldPath, list[int]] = {}
    problems: list[Problem] = []
    for column, meaning, written, path in header.read:
        cell = used.get(column)
        if cell is None:
            continue
        if cell.error:
            problems.append(
                Problem(sheet.file, sheet.position(number, column), cell.error, written)
            )
            continue
        if meaning.role == "parent":
            text = _text(cell)
            if text is not None:
                record.parent = (text, column)
            continue
        assert meaning.spec is not None
        try:
            value = convert(cell.value, meaning.spec, percent=cell.percent)
        except CellError as exc:
            problems.append(Problem(sheet.file, sheet.position(number, column), str(exc), written))
            continue
        if value is None:
            continue
        if meaning.role == "part":
            parts.setdefault(path, []).append(value)
        elif meaning.role == "parent_field":
            record.parent_values[path] = (value, column, written)
        else:
            record.values[path] = value
    for path, values in parts.items():
        record.values[path] = sum(values)
    if spec.key is not None:
        _key_from_name(record, spec.key)
    yield from problems
    yield record


def _key_from_name(record: Record, key: str) -> None:
    """A blank code takes the name: a ledger without codes names its entities by name."""
    if (key,) not in record.values and ("name",) in record.values:
        record.values[(key,)] = str(record.values[("name",)])
        record.columns = {**record.columns, (key,): record.columns[("name",)]}
