"""The two error channels: problems in a user's input, and problems in a rulebook.

Both carry a location (file, line, column) so that a message always says where to look.
Neither is ever shown as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a source file."""

    line: int
    column: int


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
            where = f"{self.file}:{self.position.line}:{self.position.column}"
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
