"""A plan's grids, read column by column.

Grids are most of a plan: a county has thousands. Validating each as a pydantic model costs
about 3 µs, and turning it into a fact as much again. :func:`read_grids` instead checks the
whole list a column at a time, with C-level passes over plain lists, and keeps the columns for
the facts. It is deliberately narrower than the :class:`~complycheck.model.plan.Grid` model:
it accepts a list only when every value is one the model certainly accepts unchanged (an
enumeration written as its English code, a text with nothing doubtful in it). Anything else,
including every invalid list, goes to the model, which stays the authority for what a grid
may be and for the messages that say what is wrong. A test checks on random lists that what
this reader accepts the model accepts, with the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from .enums import GridType

if TYPE_CHECKING:
    from .plan import Grid

# The model's limits (plan.py), repeated here for the columns; a test checks they agree.
MAX_COUNT = 1_000_000_000
IDENT_MAX, NAME_MAX, REASON_MAX = 100, 200, 2000
FIELDS = frozenset(
    ("code", "name", "township", "households", "population", "dense_area", "type", "justification")
)
TYPE_CODES = frozenset(m.value for m in GridType)
DEFAULT_TYPE = GridType.COMPREHENSIVE.value
_TEXT, _OPTIONAL_TEXT = {str}, {str, type(None)}


@dataclass(frozen=True, slots=True)
class GridColumns:
    """The grids of a plan as one list per field, in document order (``None`` where a grid
    leaves an optional field out; a grid's type is its English code)."""

    code: list[str]
    name: list[str | None]
    township: list[str | None]
    households: list[int]
    population: list[int]
    dense_area: list[bool]
    type: list[str]
    justification: list[str | None]

    @classmethod
    def of(cls, grids: Sequence[Grid]) -> GridColumns:
        """The columns of grids validated one by one, as models."""
        if isinstance(grids, GridTable):
            return grids.columns
        return cls(
            code=[g.code for g in grids],
            name=[g.name for g in grids],
            township=[g.township for g in grids],
            households=[g.households for g in grids],
            population=[g.population for g in grids],
            dense_area=[g.dense_area for g in grids],
            type=[str.__str__(g.type) for g in grids],
            justification=[g.justification for g in grids],
        )


class GridTable(Sequence["Grid"]):
    """Grids read by :func:`read_grids`: the columns, and each grid as a model on demand
    (validated then from the grid's own mapping, which is known to be valid)."""

    __slots__ = ("_model", "_raw", "columns")

    def __init__(
        self, raw: list[dict[str, Any]], columns: GridColumns, model: Callable[[Any], Grid]
    ) -> None:
        self._raw = raw
        self._model = model
        self.columns = columns

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def __getitem__(self, index: int) -> Grid: ...

    @overload
    def __getitem__(self, index: slice) -> list[Grid]: ...

    def __getitem__(self, index: int | slice) -> Grid | list[Grid]:
        if isinstance(index, slice):
            return [self._model(raw) for raw in self._raw[index]]
        return self._model(self._raw[index])

    def __iter__(self) -> Iterator[Grid]:
        return map(self._model, self._raw)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, GridTable):
            return self.columns == other.columns
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"GridTable({len(self)} grids)"


def read_grids(value: Any, model: Callable[[Any], Grid]) -> GridTable | None:
    """``value`` as a :class:`GridTable` when it is a non-empty list of grids that the model
    certainly accepts unchanged; otherwise None (the model then validates it)."""
    if type(value) is not list or not value or set(map(type, value)) != {dict}:
        return None
    keys = set().union(*value)  # the keys of every grid, in one pass
    if not keys <= FIELDS:
        return None
    try:
        code = [g["code"] for g in value]
        households = [g["households"] for g in value]
        population = [g["population"] for g in value]
    except KeyError:
        return None

    def column(field: str, default: Any = None) -> list[Any]:
        """A field's values; its default all along when no grid gives it."""
        if field in keys:
            return [g.get(field, default) for g in value]
        return [default] * len(value)

    columns = GridColumns(
        code=code,
        name=column("name"),
        township=column("township"),
        households=households,
        population=population,
        dense_area=column("dense_area", False),
        type=column("type", DEFAULT_TYPE),
        justification=column("justification"),
    )
    if not (
        _counts(households)
        and _counts(population)
        and set(map(type, columns.dense_area)) == {bool}
        and set(map(type, columns.type)) == {str}  # (a list or mapping cannot go in a set)
        and set(columns.type) <= TYPE_CODES
        and texts_accepted(code, IDENT_MAX, ident=True, optional=False)
        and texts_accepted(columns.township, IDENT_MAX, ident=True, optional=True)
        and texts_accepted(columns.name, NAME_MAX, ident=False, optional=True)
        and texts_accepted(columns.justification, REASON_MAX, ident=False, optional=True)
    ):
        return None
    return GridTable(value, columns, model)


def _counts(column: list[Any]) -> bool:
    """Whole numbers (not true/false) from 0 to :data:`MAX_COUNT`."""
    return set(map(type, column)) == {int} and min(column) >= 0 and max(column) <= MAX_COUNT


def texts_accepted(
    column: list[Any], longest: int, *, ident: bool = False, optional: bool = False
) -> bool:
    """Texts the model's patterns certainly accept: an identifier with no space at either end
    and no line break, or a name with something besides spaces in it. Python counts more
    characters as spaces than the model's patterns do, so "no space" here means no space
    there; a text that is not valid Unicode (a lone surrogate) is left to the model too."""
    kinds = set(map(type, column))
    if not kinds <= (_OPTIONAL_TEXT if optional else _TEXT):
        return False
    texts: list[str] = [t for t in column if t is not None] if type(None) in kinds else column
    if not texts:
        return True
    lengths = set(map(len, texts))
    if min(lengths) < 1 or max(lengths) > longest:
        return False
    joined = "\x00".join(texts)
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            return False
    if ident:
        return "\n" not in joined and list(map(str.strip, texts)) == texts
    return all(map(str.strip, texts))
