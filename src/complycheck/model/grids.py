"""A plan's grids, read column by column.

Grids are most of a plan: a county has thousands. Validating each as a pydantic model costs
about 3 µs, and turning it into a fact as much again. :func:`read_grids` instead checks the
whole list a column at a time, with C-level passes over plain lists, and keeps the columns for
the facts. It is deliberately narrower than the :class:`~complycheck.model.plan.Grid` model:
it accepts a list only when every value is one the model certainly accepts, read as the model
reads it (a text with nothing doubtful in it; a grid's type, code or label, by the enumeration
itself). Anything else, including every invalid list, goes to the model, which stays the
authority for what a grid may be and for the messages that say what is wrong. A test checks on
random lists that what this reader accepts the model accepts, with the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .enums import GridType
from .tables import (
    IDENT_MAX,
    NAME_MAX,
    REASON_MAX,
    Items,
    ModelTable,
    codes_of,
    counts_accepted,
    texts_accepted,
)

if TYPE_CHECKING:
    from .plan import Grid

FIELDS = frozenset(
    ("code", "name", "township", "households", "population", "dense_area", "type", "justification")
)
TYPE_CODES = frozenset(m.value for m in GridType)
DEFAULT_TYPE = GridType.COMPREHENSIVE.value


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


class GridTable(ModelTable["Grid", GridColumns]):
    """Grids read by :func:`read_grids`, as columns, each a model on demand."""

    __slots__ = ()
    noun = "grids"


def read_grids(value: Any, model: Callable[[Any], Grid]) -> GridTable | None:
    """``value`` as a :class:`GridTable` when it is a non-empty list of grids that the model
    certainly accepts, read as the model reads them; otherwise None (the model then validates
    it)."""
    raw = Items.of(value, FIELDS)
    required = raw.required("code", "households", "population") if raw else None
    if raw is None or required is None:
        return None
    code, households, population = required
    column = raw.column
    types = codes_of(column("type", DEFAULT_TYPE), GridType)
    if types is None:
        return None
    columns = GridColumns(
        code=code,
        name=column("name"),
        township=column("township"),
        households=households,
        population=population,
        dense_area=column("dense_area", False),
        type=types,
        justification=column("justification"),
    )
    if not (
        counts_accepted(households)
        and counts_accepted(population)
        and set(map(type, columns.dense_area)) == {bool}
        and texts_accepted(code, IDENT_MAX, ident=True, optional=False)
        and texts_accepted(columns.township, IDENT_MAX, ident=True, optional=True)
        and texts_accepted(columns.name, NAME_MAX, ident=False, optional=True)
        and texts_accepted(columns.justification, REASON_MAX, ident=False, optional=True)
    ):
        return None
    return GridTable(value, columns, model)
