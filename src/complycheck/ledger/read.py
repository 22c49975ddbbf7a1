"""Reading the sheets of a ledger: the worksheets of an ``.xlsx`` workbook, or the CSV files of
a folder. Each becomes a :class:`Sheet` of located cells; nothing here knows what they mean.

Workbooks are read with openpyxl in read-only mode, taking the values Excel saved for formulas.
A second, light pass over the sheet's XML finds merged cells (a merged cell's value stands in
every cell it covers) and formulas that were never calculated (a cell that would otherwise read
as blank). CSV files may be UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
mark, or GB18030 (which includes GBK and GB2312, what Chinese Excel writes).
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError, iterparse

from ..errors import InputError, Position
from .cells import Cell

MAX_BYTES = 64 * 1024 * 1024  # a workbook or CSV file
MAX_UNPACKED = 512 * 1024 * 1024  # a workbook's parts, unpacked
MAX_MERGED_CELLS = 1_000_000

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


@dataclass
class Sheet:
    """One sheet of a ledger: its name, how positions in it are written, and its rows (only the
    rows that hold something, each a mapping of column number to cell)."""

    name: str
    label: str  # Position.sheet: the sheet's name in a workbook, "" in a CSV file
    file: str  # the workbook, or the CSV file
    separate: bool = False  # a file of its own (a CSV file of a folder), named in positions
    hidden: bool = False
    rows: list[tuple[int, dict[int, Cell]]] = field(default_factory=list)

    def position(self, row: int, column: int) -> Position:
        return Position(row, column, self.label, self.file if self.separate else None)


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - ord("A") + 1
    return number


def _ref(ref: str) -> tuple[int, int]:
    match = _CELL_REF.fullmatch(ref.replace("$", ""))
    if match is None:
        raise ValueError(f"bad cell reference {ref!r}")
    return int(match.group(2)), _column_number(match.group(1))


# --- workbooks ----------------------------------------------------------------------------


def read_workbook(path: Path, display: str) -> list[Sheet]:
    """Every worksheet of an ``.xlsx`` workbook, in order."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError.single(
                display, None, f"the workbook is {size:,} bytes; the limit is {MAX_BYTES:,} bytes"
            )
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED:
                raise InputError.single(
                    display, None, f"the workbook unpacks to more than {MAX_UNPACKED:,} bytes"
                )
            extras = _sheet_extras(archive)
    except zipfile.BadZipFile:
        raise InputError.single(
            display,
            None,
            "not an .xlsx workbook (an .xlsx file is a zip archive; an encrypted workbook, or an "
            "older .xls or WPS .et file saved under this name, is not one: save it as .xlsx)",
        ) from None
    except OSError as exc:
        raise InputError.single(display, None, f"cannot read the file: {exc.strerror}") from None
    except (KeyError, ValueError, ParseError) as exc:
        raise InputError.single(display, None, f"the workbook is damaged: {exc}") from None
    return list(_worksheets(path, display, extras))


def _worksheets(path: Path, display: str, extras: dict[str, _Extras]) -> Iterator[Sheet]:
    import openpyxl

    # openpyxl warns about workbook features it does not read (data validation, styles):
    # none of them matter here. Any failure inside it means the workbook cannot be read.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # a damaged workbook can fail in many ways inside openpyxl
            raise InputError.single(
                display, None, f"cannot read the workbook: {type(exc).__name__}: {exc}"
            ) from None
        try:
            for ws in book.worksheets:
                sheet = Sheet(ws.title, ws.title, display, hidden=ws.sheet_state != "visible")
                extra = extras.get(ws.title, _Extras())
                try:
                    sheet.rows = _rows(ws, extra)
                except Exception as exc:  # as above: a damaged sheet
                    raise InputError.single(
                        display,
                        Position(1, 1, ws.title),
                        f"cannot read the sheet: {type(exc).__name__}: {exc}",
                    ) from None
                yield sheet
        finally:
            book.close()


_UNCALCULATED = (
    "the cell holds a formula whose value was never calculated (the workbook was written by a "
    "program that does not calculate): open it in Excel or WPS and save it, or type the value"
)


def _rows(ws: Any, extra: _Extras) -> list[tuple[int, dict[int, Cell]]]:
    ws.reset_dimensions()  # trust the cells, not the size the file claims
    grid: dict[int, dict[int, Cell]] = {}
    for cells in ws.iter_rows():
        for c in cells:
            value = getattr(c, "value", None)  # a gap in a row is an EmptyCell
            if value is None:
                continue
            error = f"the cell holds the spreadsheet error {value}" if c.data_type == "e" else ""
            percent = isinstance(value, int | float) and "%" in (c.number_format or "")
            grid.setdefault(c.row, {})[c.column] = Cell(value, c.row, c.column, percent, error)
    for row, column in extra.uncalculated:  # read as blank: say why instead
        grid.setdefault(row, {}).setdefault(column, Cell(None, row, column, error=_UNCALCULATED))
    _fill_merged(grid, extra.merged)
    return sorted(grid.items())


def _fill_merged(grid: dict[int, dict[int, Cell]], merged: list[tuple[int, int, int, int]]) -> None:
    """A merged cell's value stands in every cell it covers (the sheet shows it so)."""
    last_row = max(grid, default=0)
    budget = MAX_MERGED_CELLS
    for top, left, bottom, right in merged:
        first = grid.get(top, {}).get(left)
        if first is None:
            continue
        bottom = min(bottom, last_row)
        right = min(right, left + 1000)
        budget -= (bottom - top + 1) * (right - left + 1)
        if budget < 0:
            raise ValueError("the sheet merges more cells than can be read")
        for row in range(top, bottom + 1):
            for column in range(left, right + 1):
                if (row, column) != (top, left):
                    grid.setdefault(row, {})[column] = Cell(
                        first.value, row, column, first.percent, first.error
                    )


@dataclass
class _Extras:
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    uncalculated: set[tuple[int, int]] = field(default_factory=set)


def _sheet_extras(archive: zipfile.ZipFile) -> dict[str, _Extras]:
    """Merged ranges and never-calculated formulas of each worksheet, by sheet name."""
    targets: dict[str, str] = {}
    with archive.open("xl/_rels/workbook.xml.rels") as rels:
        for _, element in iterparse(rels):
            if element.tag == f"{_PKG_REL}Relationship":
                target = element.get("Target", "")
                targets[element.get("Id", "")] = (
                    target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                )
    out: dict[str, _Extras] = {}
    with archive.open("xl/workbook.xml") as book:
        sheets = [
            (e.get("name", ""), e.get(f"{_REL}id", ""))
            for _, e in iterparse(book)
            if e.tag == f"{_MAIN}sheet"
        ]
    for name, rel in sheets:
        part = posixpath.normpath(targets.get(rel, ""))
        if part in archive.namelist():
            out[name] = _extras(archive, part)
    return out


def _extras(archive: zipfile.ZipFile, part: str) -> _Extras:
    extras = _Extras()
    with archive.open(part) as source:
        for _, element in iterparse(source):
            tag = element.tag
            if tag == f"{_MAIN}c":
                if (
                    element.find(f"{_MAIN}f") is not None
                    and not element.findtext(f"{_MAIN}v")
                    and element.get("t") != "inlineStr"
                    and element.get("r")
                ):
                    extras.uncalculated.add(_ref(element.get("r", "")))
                element.clear()
            elif tag == f"{_MAIN}row":
                element.clear()
            elif tag == f"{_MAIN}mergeCell":
                first, _, last = element.get("ref", "").partition(":")
                top, left = _ref(first)
                bottom, right = _ref(last or first)
                extras.merged.append((top, left, bottom, right))
    return extras


# --- CSV files ----------------------------------------------------------------------------


def decode(raw: bytes, display: str) -> str:
    """The text of a CSV file: UTF-8 (a byte-order mark is dropped), UTF-16 with a byte-order
    mark, or GB18030 (GBK); anything else is an error naming the first byte that is not UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError.single(display, None, "the file is not valid UTF-16 text") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        line = raw[:first_bad].count(b"\n") + 1
        column = first_bad - (raw.rfind(b"\n", 0, first_bad) + 1) + 1
        raise InputError.single(
            display,
            Position(line, column),
            'the file is neither UTF-8 nor GB18030 (GBK) text; save it from Excel as "CSV UTF-8"',
        ) from None


def read_csv(path: Path, display: str) -> Sheet:
    """One CSV file as a sheet named after the file (its name without ``.csv``). Rows are
    numbered as a spreadsheet shows them: a quoted cell with a line break is one row."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError.single(
                display, None, f"the file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(display, None, f"cannot read the file: {exc.strerror}") from None
    text = decode(raw, display)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    sheet = Sheet(path.stem, "", display, separate=True)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row, values in enumerate(reader, start=1):
            cells = {
                column: Cell(value, row, column)
                for column, value in enumerate(values, start=1)
                if value.strip()
            }
            if cells:
                sheet.rows.append((row, cells))
    except csv.Error as exc:
        raise InputError.single(
            display, Position(reader.line_num, 1), f"CSV syntax error: {exc}"
        ) from None
    return sheet
