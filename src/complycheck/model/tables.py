"""What the column readers of grids and units share: a list of items kept as columns, each
item made a model only when asked for, and the checks of a column the models' fields make."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar, overload

# The models' limits (plan.py), repeated here for the columns; tests check they agree.
MAX_COUNT = 1_000_000_000
IDENT_MAX, NAME_MAX, REASON_MAX = 100, 200, 2000
_TEXT, _OPTIONAL_TEXT = {str}, {str, type(None)}

M = TypeVar("M")  # the model of an item
C = TypeVar("C")  # the columns


class ModelTable(Sequence[M], Generic[M, C]):
    """Items read by a column reader: the columns, and each item as a model on demand
    (validated then from the item's own mapping, which is known to be valid)."""

    __slots__ = ("_model", "_raw", "columns")
    noun: ClassVar[str] = "items"

    def __init__(self, raw: list[dict[str, Any]], columns: C, model: Callable[[Any], M]) -> None:
        self._raw = raw
        self._model = model
        self.columns = columns

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def __getitem__(self, index: int) -> M: ...

    @overload
    def __getitem__(self, index: slice) -> list[M]: ...

    def __getitem__(self, index: int | slice) -> M | list[M]:
        if isinstance(index, slice):
            return [self._model(raw) for raw in self._raw[index]]
        return self._model(self._raw[index])

    def __iter__(self) -> Iterator[M]:
        return map(self._model, self._raw)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ModelTable):
            return type(self) is type(other) and self.columns == other.columns
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} {self.noun})"


class Items:
    """A list as a column reader takes it: items that are all mappings, with no key but the
    model's fields (every key of every item found in one pass)."""

    __slots__ = ("items", "keys")

    def __init__(self, items: list[dict[str, Any]], keys: set[Any]) -> None:
        self.items = items
        self.keys = keys

    @classmethod
    def of(cls, value: Any, fields: frozenset[str]) -> Items | None:
        """``value`` when it is a non-empty list of mappings whose keys are all ``fields``."""
        if type(value) is not list or not value or set(map(type, value)) != {dict}:
            return None
        keys = set().union(*value)
        return cls(value, keys) if keys <= fields else None

    def required(self, *fields: str) -> list[list[Any]] | None:
        """The values of fields every item must give; None when one leaves one out."""
        try:
            return [[item[field] for item in self.items] for field in fields]
        except KeyError:
            return None

    def column(self, field: str, default: Any = None) -> list[Any]:
        """A field's values; its default all along when no item gives it."""
        if field in self.keys:
            return [item.get(field, default) for item in self.items]
        return [default] * len(self.items)


def codes_of(column: list[Any], enum: type[StrEnum]) -> list[str] | None:
    """The English codes of an enumeration's values as the model reads them: a code as it is,
    and anything else (a label, in either script) the way the model does, by the enumeration
    itself; None when one is not a text or names no member."""
    if not set(map(type, column)) <= {str}:  # (a list or mapping cannot go in a set)
        return None
    distinct = set(column)
    if distinct <= {m.value for m in enum}:
        return column
    found: dict[str, str] = {}
    for value in distinct:
        try:
            found[value] = enum(value).value
        except ValueError:
            return None
    return [found[value] for value in column]


def counts_accepted(column: list[Any]) -> bool:
    """Whole numbers (not true/false) from 0 to :data:`MAX_COUNT`."""
    return not column or (
        set(map(type, column)) == {int} and min(column) >= 0 and max(column) <= MAX_COUNT
    )


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
