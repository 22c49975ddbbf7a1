"""The two error channels: problems in a user's input, and problems in a rulebook.

Both carry a location (file, line, column, or a spreadsheet cell) so that a message always says
where to look. Neither is ever shown as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import total_ordering
from pathlib import Path
from typing import Any


def column_letters(column: int) -> str:
    """The spreadsheet name of a 1-based column number: 1 is ``A``, 27 is ``AA``."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_reference(file: str, line: int, column: int, sheet: str | None) -> str:
    """``file:line:col`` in a text file; ``file!sheet!D17`` for a cell of a workbook's sheet,
    ``file!D17`` for a cell of a CSV file (which has no sheet names)."""
    if sheet is None:
        return f"{file}:{line}:{column}"
    return f"{file}!{sheet + '!' if sheet else ''}{column_letters(column)}{line}"


@total_ordering
@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a source file, or the row and column of a spreadsheet cell.

    A cell names its sheet (``""`` for a CSV file). ``file`` is set when the cell is in another
    file than the source's own, as in a ledger that is a folder of CSV files.
    """

    line: int
    column: int
    sheet: str | None = None
    file: str | None = None

    def _key(self) -> tuple[str, str, int, int]:
        return (self.file or "", self.sheet or "", self.line, self.column)

    def __lt__(self, other: Any) -> bool:
        if not isinstance(other, Position):
            return NotImplemented
        return self._key() < other._key()

    def where(self, file: str) -> str:
        """Where this is, written in full: ``plan.yaml:3:7`` or ``units.xlsx!机构表!D17``."""
        return cell_reference(self.file or file, self.line, self.column, self.sheet)

    def describe(self) -> str:
        """Where this is within its file: ``line 3``, or ``机构表!D17``."""
        if self.sheet is None:
            return f"line {self.line}"
        return cell_reference(self.file or "", self.line, self.column, self.sheet).lstrip("!")


@dataclass(frozen=True)
class Problem:
    """One located problem: where, what was found, and what was expected."""

    file: str
    position: Position | None
    message: str
    path: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.position is not None:
            where = self.position.where(self.file)
        at = f" at {self.path}" if self.path else ""
        return f"{where}:{at} {self.message}".replace(":  ", ": ")


@dataclass
class LocatedError(Exception):
    """Base class for errors that carry one or more located problems."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    @classmethod
    def single(
        cls, file: str | Path, position: Position | None, message: str, path: str = ""
    ) -> LocatedError:
        return cls([Problem(str(file), position, message, path)])


class InputError(LocatedError):
    """The plan (or another user file) cannot be read as the format requires. Exit code 2."""


class RulebookError(LocatedError):
    """A rule file or rulebook is broken. Fatal for the run. Exit code 2."""
