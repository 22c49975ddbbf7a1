"""Staffing ledgers (机构编制台账) as plans: an ``.xlsx`` workbook, or a folder of CSV files,
with Chinese column headers in either script.

A ledger is read into the same plan data a YAML plan holds, then validated by the same models
and reference checks, so that it gives the same findings. Every value keeps its cell, and every
problem and finding names ``file!sheet!cell``. Which sheet and header maps to which field is data
(``headers.yaml``), documented in ``docs/ledger-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, Problem
from ..source import Document, PathKey
from ..validate import LoadedPlan, validate_document

if TYPE_CHECKING:  # the readers are imported when a ledger is read, not by every check
    from .build import Builder
    from .locate import LedgerSource
    from .read import Sheet

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_NOT_READ = {
    ".xls": "an Excel 97-2003 workbook (.xls)",
    ".et": "a WPS spreadsheet (.et)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".numbers": "a Numbers spreadsheet",
}

__all__ = ["WORKBOOK_SUFFIXES", "is_csv_ledger", "is_ledger", "load_ledger"]


def is_csv_ledger(folder: Path) -> bool:
    """A folder is a ledger when it holds a CSV file named after a ledger sheet (方案信息.csv,
    机构表.csv, units.csv, …)."""
    try:
        stems = [
            p.stem
            for p in folder.iterdir()
            if p.suffix.lower() == ".csv" and not p.name.startswith(".")
        ]
    except OSError:
        return False
    if not stems:  # no CSV file: no need to read the sheet names
        return False
    from .spec import normalise, sheet_names

    known = sheet_names()
    return any(known.get(normalise(stem)) is not None for stem in stems)


def is_ledger(path: Path) -> bool:
    """Whether ``path`` is read as a ledger: a workbook (or a spreadsheet file complycheck
    explains it cannot read), or a folder of CSV files that is a ledger."""
    if path.is_dir():
        return is_csv_ledger(path)
    return path.suffix.lower() in (*WORKBOOK_SUFFIXES, *_NOT_READ, ".csv")


def load_ledger(path: Path, *, display: str | None = None) -> LoadedPlan:
    """Read and validate a ledger; raise :class:`InputError` naming every problem found."""
    builder = read_ledger(path, display=display)
    return validate_ledger(builder)


def read_ledger(path: Path, *, display: str | None = None) -> Builder:
    """A ledger's plan data, where each value came from, and the problems found reading it."""
    from .build import build
    from .read import read_workbook

    name = display or str(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        sheets = _csv_sheets(path, name)
    elif suffix in WORKBOOK_SUFFIXES:
        sheets = read_workbook(path, name)
    elif suffix == ".csv":
        raise InputError.single(
            name,
            None,
            "a CSV file is one sheet of a ledger: name the folder that holds the ledger's CSV "
            "files (docs/ledger-format.md)",
        )
    elif suffix in _NOT_READ:
        raise InputError.single(
            name, None, f"{_NOT_READ[suffix]} cannot be read: save it as an .xlsx workbook"
        )
    else:
        raise InputError.single(name, None, "not a ledger: expected an .xlsx workbook or a folder")
    return build(name, sheets)


def _csv_sheets(folder: Path, display: str) -> list[Sheet]:
    from .read import read_csv

    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() == ".csv" and not p.name.startswith(".")
    )
    return [read_csv(p, str(Path(display) / p.name)) for p in files if p.is_file()]


def validate_ledger(builder: Builder) -> LoadedPlan:
    """The ledger's plan through the same validation as a YAML plan, its problems located at
    cells. A ledger whose sheets or columns cannot be read is not validated further: what could
    not be read would only show up again as confusing consequences."""
    from .locate import sheet_key

    problems = list(builder.problems)
    order = _sheet_order(builder)
    if builder.structural or "plan" not in builder.data:
        if not problems:  # pragma: no cover - every way to get here records a problem
            problems.append(Problem(builder.file, None, "the ledger gives no plan"))
        raise InputError(sorted(problems, key=order))
    try:
        loaded = validate_document(Document(builder.data, builder.source, "ledger"))
    except InputError as exc:
        # A cell that could not be read is left out of the plan: what validation then says
        # about that cell, or about its row as a whole, follows from it and is not repeated.
        taken = {p.position for p in problems if p.position is not None}
        rows = {(sheet_key(pos), pos.line) for pos in taken}
        for problem in exc.problems:
            found = _at_cell(problem, builder.source)
            pos = found.position
            if pos is not None and (
                pos in taken or (not found.path and (sheet_key(pos), pos.line) in rows)
            ):
                continue
            problems.append(found)
        raise InputError(sorted(problems, key=order)) from None
    if problems:
        raise InputError(sorted(problems, key=order))
    return loaded


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _path(dotted: str) -> PathKey:
    return tuple(int(index) if index else name for name, index in _PATH_PART.findall(dotted))


def _at_cell(problem: Problem, source: LedgerSource) -> Problem:
    """A validation problem said in a ledger's terms: at the column's header, at the cell."""
    path = _path(problem.path)
    position = problem.position
    cell = source.cell(path)
    if problem.message.startswith("missing required field") and cell is not None:
        position, header = cell
        return Problem(
            position.file or problem.file,
            position,
            "a value is required (the cell is blank)",
            header,
        )
    header = cell[1] if cell is not None else ""
    file = position.file if position is not None and position.file else problem.file
    return Problem(file, position, problem.message, header)


def _sheet_order(builder: Builder) -> Callable[[Problem], tuple[int, str, int, int, int, str]]:
    """Problems in the order of the sheets, then by row and column."""
    from .locate import sheet_key

    def key(p: Problem) -> tuple[int, str, int, int, int, str]:
        pos = p.position
        if pos is None:
            return (0, p.file, 0, 0, 0, p.message)
        index = builder.sheet_order.get(sheet_key(pos), len(builder.sheet_order))
        return (1, pos.file or p.file, index, pos.line, pos.column, p.message)

    return key
