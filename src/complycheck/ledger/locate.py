"""Where each value of a ledger's plan came from: the cells behind a plan's paths, made into
positions only when a problem or a finding needs one."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Position
from ..source import PathKey, SourceMap
from .read import Sheet
from .table import FieldPath


@dataclass(frozen=True)
class Row:
    """The row an entity came from, and the column of each of its fields."""

    sheet: Sheet
    row: int
    where: int
    columns: dict[FieldPath, tuple[int, str]]


@dataclass
class LedgerSource(SourceMap):
    """Where each value of a ledger's plan came from: each entity's row and the columns of its
    sheet; a position is made only when one is asked for. ``values`` holds the plan sheet's
    cells and values given on another entity's row; ``headers`` their headers."""

    rows: dict[PathKey, Row] = field(default_factory=dict)
    headers: dict[PathKey, str] = field(default_factory=dict)

    def position(self, path: PathKey, *, key: bool = False) -> Position | None:
        """The cell of ``path``: its own, or its nearest ancestor's (an entity's row)."""
        probe = path
        while True:
            if probe in self.values:
                return self.values[probe]
            row = self.rows.get(probe)
            if row is not None:
                found = _column(row, path[len(probe) :])
                return row.sheet.position(row.row, found[0] if found else row.where)
            if not probe:
                return None
            probe = probe[:-1]

    def cell(self, path: PathKey) -> tuple[Position, str] | None:
        """The cell of a field (blank or not) and its column's header; None for an entity, or
        a field no column of the ledger gives."""
        if path in self.values and path in self.headers:
            return self.values[path], self.headers[path]
        for depth in range(len(path) - 1, 0, -1):
            row = self.rows.get(path[:depth])
            if row is not None:
                found = _column(row, path[depth:], exact=True)
                if found is None:
                    return None
                return row.sheet.position(row.row, found[0]), found[1]
        return None


def _column(row: Row, rest: PathKey, *, exact: bool = False) -> tuple[int, str] | None:
    """The column of a field of a row: the field's own (an item of a list is in its field's
    cell), or, for a mapping, its first field's."""
    names = tuple(p for p in rest if isinstance(p, str))
    if not names:
        return None
    if names in row.columns:
        return row.columns[names]
    if exact:
        return None
    inside = [c for p, c in row.columns.items() if p[: len(names)] == names]
    return min(inside) if inside else None


def sheet_key(position: Position) -> str:
    """Which sheet (of which file) a position is in."""
    return f"{position.file or ''}!{position.sheet or ''}"
