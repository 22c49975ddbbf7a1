"""The plan sheet of a ledger (方案信息): one field per row, its name and then its value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import Position
from ..source import PathKey
from .cells import CellError, clean_text, convert
from .read import Sheet
from .spec import first_header, ledger_spec, lookup

if TYPE_CHECKING:
    from .build import Builder


def read_form(builder: Builder, sheet: Sheet) -> None:
    """The plan sheet: in each row, a field's name and, in the next filled cell, its value."""
    spec = ledger_spec().sheets["plan"]
    seen: dict[str, Position] = {}
    for number, cells in sheet.rows:
        filled = [c for c in sorted(cells.values(), key=lambda c: c.column) if not c.blank]
        texts = [c for c in filled if isinstance(c.value, str) and clean_text(c.value)]
        if not texts:
            continue
        name_cell = texts[0]
        name = str(clean_text(name_cell.value))
        # a merged title repeats its text in every cell it covers: one cell
        rest = [c for c in filled if c.column > name_cell.column and c.value != name_cell.value]
        meaning = lookup("plan", None, name)
        where = sheet.position(number, name_cell.column)
        if meaning is None or meaning.role != "field":
            if rest and (meaning is None or meaning.role == "unsupported"):
                builder.problem(
                    sheet.file,
                    where,
                    f"unknown field {name!r}; expected one of: "
                    + ", ".join(first_header(f) for f in spec.fields.values()),
                    whole=True,
                )
            continue  # a title or a heading: a name without a value
        if meaning.field in seen:
            builder.problem(sheet.file, where, f"{name!r} is given twice", whole=True)
            continue
        seen[meaning.field] = where
        path = tuple(meaning.field.split("."))
        if not rest:
            builder.source.values[path] = sheet.position(number, name_cell.column + 1)
            builder.source.headers[path] = name
            continue
        value_cell = rest[0]
        position = sheet.position(number, value_cell.column)
        builder.source.values[path] = position
        builder.source.headers[path] = name
        for extra in rest[1:]:
            builder.problem(
                sheet.file,
                sheet.position(number, extra.column),
                f"one value per row: {name!r} already has its value in the cell to the left",
                whole=True,
            )
        assert meaning.spec is not None
        if value_cell.error:
            builder.problem(sheet.file, position, value_cell.error, name, whole=False)
            continue
        try:
            value = convert(value_cell.value, meaning.spec, percent=value_cell.percent)
        except CellError as exc:
            builder.problem(sheet.file, position, str(exc), name, whole=False)
            continue
        if value is not None:
            builder.put(path, value, position)
    for name, field_spec in spec.fields.items():
        path = tuple(name.split("."))
        if field_spec.required and name in seen and _absent(builder.data, path):
            position, header = builder.source.values[path], builder.source.headers[path]
            builder.problem(
                sheet.file, position, "a value is required (the cell is blank)", header, whole=False
            )
        if field_spec.required and name not in seen:
            builder.problem(
                sheet.file,
                sheet.position(sheet.rows[0][0] if sheet.rows else 1, 1),
                f"the sheet has no row for {name} (expected a row named "
                f"{first_header(field_spec)!r})",
                whole=True,
            )
    builder.source.values.setdefault(("plan",), sheet.position(1, 1))


def _absent(data: dict[str, Any], path: PathKey) -> bool:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return True
        node = node[key]
    return False
