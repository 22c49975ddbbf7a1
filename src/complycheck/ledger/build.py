"""A ledger's sheets turned into plan data: the same nested data a YAML plan holds, with the
cell each value came from, so that validation and findings can name ``sheet!cell``.

Rows of child sheets (internal divisions, functions, township institutions, stationed
agencies) are attached to their parent by the parent's code or name. A township named only in
the institutions or stationed-agency sheet, when the ledger has no township sheet, is created
from that name. Values that name a unit or township by its name (a grid's township, a problem's
unit, predecessors) become its code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import Position, Problem
from ..i18n import fold
from ..source import PathKey
from .cells import half_width
from .form import read_form
from .locate import LedgerSource, Row, sheet_key
from .read import Sheet
from .spec import SheetId, ledger_spec, normalise, sheet_names
from .table import FieldPath, Record, find_header, records

# Where each table sheet's entities go in a plan, and the order the sheets are read in
# (parents before their children).
TARGETS: dict[SheetId, PathKey] = {
    "units": ("units",),
    "townships": ("townships",),
    "divisions": ("units", "divisions"),
    "functions": ("units", "functions"),
    "institutions": ("townships", "institutions"),
    "stationed_agencies": ("townships", "stationed_agencies"),
    "grids": ("grids",),
    "enforcement_teams": ("enforcement_teams",),
    "problems": ("problems",),
    "waivers": ("waivers",),
}


@dataclass
class _Entity:
    data: dict[str, Any]
    path: PathKey
    name: str


@dataclass
class Builder:
    """A ledger's plan data as it is built from its sheets, where each value came from, the
    entities read so far (by code and by name), and the problems found."""

    file: str
    source: LedgerSource = field(init=False)
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    entities: dict[str, list[_Entity]] = field(default_factory=dict)
    by_code: dict[str, dict[str, _Entity]] = field(default_factory=dict)
    by_name: dict[str, dict[str, list[_Entity]]] = field(default_factory=dict)
    structural: bool = False  # a sheet, column or row could not be read as a whole
    sheet_order: dict[str, int] = field(default_factory=dict)  # to list problems sheet by sheet
    broken: set[SheetId] = field(default_factory=set)  # sheets whose columns could not be read

    def __post_init__(self) -> None:
        self.source = LedgerSource(self.file)

    def put(self, path: PathKey, value: Any, position: Position) -> None:
        """Set ``value`` at ``path``, making the mappings above it, and keep its position."""
        node: Any = self.data
        for depth, key in enumerate(path[:-1]):
            self.source.values.setdefault(path[: depth + 1], position)
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[path[-1]] = value
        self.source.values.setdefault(path, position)
        if isinstance(value, list):
            for i in range(len(value)):
                self.source.values.setdefault((*path, i), position)

    def problem(
        self, file: str, position: Position | None, message: str, at: str = "", *, whole: bool
    ) -> None:
        """Record a problem; ``whole``: a sheet, column or row that cannot be read at all."""
        self.problems.append(Problem(file, position, message, at))
        self.structural = self.structural or whole


def build(file: str, sheets: Iterable[Sheet]) -> Builder:
    """The plan data of a ledger, where each value came from, and the problems found."""
    builder = Builder(file)
    chosen = _choose_sheets(builder, sheets)
    if "plan" not in chosen:
        names = ", ".join(ledger_spec().sheets["plan"].names)
        builder.problem(
            file,
            None,
            f"the ledger has no sheet for the plan itself; expected one named {names}",
            whole=True,
        )
    else:
        read_form(builder, chosen["plan"])
    for sheet_id in TARGETS:
        if sheet_id in chosen:
            _table(builder, sheet_id, chosen[sheet_id], has_townships="townships" in chosen)
    _resolve_references(builder)
    return builder


def _choose_sheets(builder: Builder, sheets: Iterable[Sheet]) -> dict[SheetId, Sheet]:
    known = sheet_names()
    chosen: dict[SheetId, Sheet] = {}
    for sheet in sheets:
        builder.sheet_order[sheet_key(sheet.position(1, 1))] = len(builder.sheet_order)
        key = normalise(sheet.name)
        if key.startswith("#"):
            continue
        if key not in known:
            if not sheet.hidden:
                builder.problem(
                    sheet.file,
                    sheet.position(1, 1),
                    f"{sheet.name!r} is not a ledger sheet; expected one of: "
                    + ", ".join(s.names[0] for s in ledger_spec().sheets.values())
                    + " (docs/ledger-format.md lists every accepted name; a sheet named 说明 or "
                    "beginning with # is not read)",
                    whole=True,
                )
            continue
        sheet_id = known[key]
        if sheet_id is None:
            continue
        if sheet_id in chosen:
            builder.problem(
                sheet.file,
                sheet.position(1, 1),
                f"sheets {chosen[sheet_id].name!r} and {sheet.name!r} are both the "
                f"{ledger_spec().sheets[sheet_id].title.en} sheet; keep one",
                whole=True,
            )
            continue
        chosen[sheet_id] = sheet
    return chosen


# --- the table sheets ---------------------------------------------------------------------


def _table(builder: Builder, sheet_id: SheetId, sheet: Sheet, *, has_townships: bool) -> None:
    spec = ledger_spec().sheets[sheet_id]
    target = TARGETS[sheet_id]
    if not sheet.rows:
        return
    header, problems = find_header(sheet, sheet_id)
    builder.problems.extend(problems)
    if problems:
        builder.structural = True
        builder.broken.add(sheet_id)
    if header is None:
        return
    for item in records(sheet, sheet_id, header):
        if isinstance(item, Problem):
            builder.problems.append(item)
            continue
        if spec.parent is None:
            parent_path: PathKey = ()
        else:
            found = _parent(
                builder,
                sheet,
                spec.parent.sheet,
                item,
                create=spec.parent.create and not has_townships,
            )
            if found is None:
                continue
            _parent_values(builder, sheet, found, item)
            parent_path = found.path
        _place(builder, sheet_id, sheet, (*parent_path, target[-1]), item)


def _place(
    builder: Builder, sheet_id: SheetId, sheet: Sheet, list_path: PathKey, record: Record
) -> _Entity:
    node: Any = builder.data
    for key in list_path:
        node = (
            node.setdefault(key, [] if key == list_path[-1] else {})
            if isinstance(key, str)
            else node[key]
        )
    path = (*list_path, len(node))
    entity: dict[str, Any] = {}
    for field_path, value in record.values.items():
        target = entity
        for key in field_path[:-1]:
            target = target.setdefault(key, {})
        target[field_path[-1]] = value
    node.append(entity)
    builder.source.rows[path] = Row(sheet, record.row, record.where, record.columns)
    name = str(entity.get("name", entity.get("code", "")))
    found = _Entity(entity, path, name)
    builder.entities.setdefault(sheet_id, []).append(found)
    code = entity.get("code" if sheet_id == "grids" else "id")
    if isinstance(code, str):
        builder.by_code.setdefault(sheet_id, {}).setdefault(code, found)
    builder.by_name.setdefault(sheet_id, {}).setdefault(fold(name), []).append(found)
    return found


def _parent(
    builder: Builder, sheet: Sheet, parent_id: SheetId, record: Record, *, create: bool
) -> _Entity | None:
    words = ledger_spec().sheets[parent_id].title.en
    if record.parent is None:
        builder.problem(
            sheet.file,
            sheet.position(record.row, record.where),
            f"the row does not name its {words[:-1]}",
            whole=True,
        )
        return None
    text, column = record.parent
    position = sheet.position(record.row, column)
    found = _find(builder, parent_id, text)
    if isinstance(found, _Entity):
        return found
    if found == "ambiguous":
        builder.problem(
            sheet.file, position, f"{text!r} names several {words}; use the code", whole=True
        )
        return None
    if parent_id in builder.broken:
        return None  # its sheet is already reported: no guesses about what it would hold
    if create:  # no township sheet: the township is known by its name
        given: dict[FieldPath, tuple[int, str]] = {("id",): (column, ""), ("name",): (column, "")}
        parent = Record(record.row, column, given, {("id",): text, ("name",): text})
        return _place(builder, parent_id, sheet, TARGETS[parent_id], parent)
    names = ", ".join(ledger_spec().sheets[parent_id].names[:1])
    builder.problem(
        sheet.file, position, f"{text!r} is not a code or name in the {names} sheet", whole=True
    )
    return None


def _find(builder: Builder, sheet_id: SheetId, text: str) -> _Entity | str | None:
    """The entity ``text`` names by its code, else by its name; "ambiguous" when several
    have that name."""
    text = half_width(text).strip()
    found = builder.by_code.get(sheet_id, {}).get(text)
    if found is not None:
        return found
    named = builder.by_name.get(sheet_id, {}).get(fold(text), [])
    if len(named) > 1:
        return "ambiguous"
    return named[0] if named else None


def _parent_values(builder: Builder, sheet: Sheet, parent: _Entity, record: Record) -> None:
    """Values of the parent given on a child's row (乡镇类型 on each institution's row): they
    must agree with each other and with the parent's own sheet."""
    for field_path, (value, column, header) in record.parent_values.items():
        path = (*parent.path, *field_path)
        position = sheet.position(record.row, column)
        current = parent.data.get(field_path[0]) if len(field_path) == 1 else None
        if current is None:
            builder.put(path, value, position)
            builder.source.headers[path] = header
        elif fold(str(current)) != fold(str(value)):
            first = builder.source.position(path)
            where = f" (at {first.describe()})" if first else ""
            builder.problem(
                sheet.file,
                position,
                f"{header} of {parent.name!r} is {value!r} here but {current!r} before{where}",
                header,
                whole=False,
            )


# --- references by name -------------------------------------------------------------------

_REFS: list[tuple[SheetId, str, SheetId]] = [
    ("units", "predecessors", "units"),
    ("divisions", "predecessors", "divisions"),
    ("grids", "township", "townships"),
    ("problems", "unit", "units"),
]


def _resolve_references(builder: Builder) -> None:
    """A value naming a unit, division or township by name becomes its code; a value that names
    nothing is left as written, for validation to report where it is."""
    for sheet_id, field_name, target in _REFS:
        for entity in builder.entities.get(sheet_id, []):
            value = entity.data.get(field_name)
            if isinstance(value, list):
                entity.data[field_name] = [_code(builder, target, v) for v in value]
            elif isinstance(value, str):
                entity.data[field_name] = _code(builder, target, value)


def _code(builder: Builder, sheet_id: SheetId, text: str) -> str:
    found = _find(builder, sheet_id, text)
    if isinstance(found, _Entity):
        return str(found.data.get("id", text))
    return text
