"""Writing a ledger workbook: every sheet with its headers (the first each column accepts), and
the rows of a plan's data when one is given. ``complycheck init ledger.xlsx`` writes the empty
template; a plan written here reads back as the same plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import IO, Any

from .build import TARGETS
from .spec import SheetId, expand, first_header, ledger_spec

TEMPLATE_NOTES = [
    "填表说明 (How to fill in this ledger)",
    "每个工作表一类内容，第一行为表头；表头可用简体或繁体，可在表头上方加标题行。",
    "Each sheet holds one kind of entity; its first row is the header (simplified or "
    "traditional characters; a title row above it is fine).",
    "方案信息表每行一项：第一列为项目，第二列为内容。",
    "The plan sheet has one field per row: its name, then its value.",
    "数字可填全角、千分位或中文数字；占比可填 60%、0.6 或 60；"
    "日期可填 2024-03-01 或 2024年3月1日。",
    "Numbers may be full-width, with thousands separators or in Chinese numerals; a share may "
    "be 60%, 0.6 or 60; a date 2024-03-01 or 2024年3月1日.",
    "检查：complycheck check 本文件；转换为 YAML：complycheck import 本文件 -o plan.yaml",
    "Check it: complycheck check THIS_FILE; convert it: complycheck import THIS_FILE -o plan.yaml",
    "本表（填表说明）不被读取。docs/ledger-format.md 列出全部表名和表头。",
    "This sheet is not read. docs/ledger-format.md lists every sheet name and header.",
]


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "list":
        return "、".join(str(v) for v in value)
    if kind == "bool":
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dict):  # a mapping given with nothing in it: all zero
        return 0
    return value


def _form_rows(data: dict[str, Any] | None) -> Iterator[list[Any]]:
    spec = ledger_spec().sheets["plan"]
    yield ["项目", "内容"]
    for name, field in spec.fields.items():
        value = _get(data, tuple(name.split("."))) if data is not None else None
        yield [first_header(field), _cell(value, field.type)]


def _table_rows(sheet_id: SheetId, data: dict[str, Any] | None) -> Iterator[list[Any]]:
    spec = ledger_spec().sheets[sheet_id]
    fields = list(spec.fields.items())
    parent = spec.parent
    head = [first_header(f) for _, f in fields]
    yield ([expand(parent.headers[0])[0]] if parent else []) + head
    if data is None:
        return
    target = [str(key) for key in TARGETS[sheet_id]]
    groups: list[tuple[dict[str, Any] | None, list[Any]]]
    if len(target) == 1:
        groups = [(None, data.get(target[0]) or [])]
    else:  # a child sheet: the rows of each parent, named by its code
        groups = [(owner, owner.get(target[1]) or []) for owner in data.get(target[0]) or []]
    for owner, items in groups:
        for item in items:
            row = [owner["id"]] if owner is not None else []
            for name, field in fields:
                path = tuple(name.split("."))
                value = _get(item, path)
                if value is None and len(path) > 1 and _get(item, path[:1]) == {}:
                    first = next(n for n, _ in fields if n.startswith(path[0] + "."))
                    value = {} if name == first else None  # an empty mapping: write one 0
                row.append(_cell(value, field.type))
            yield row


def sheets(data: dict[str, Any] | None = None) -> Iterator[tuple[str, list[list[Any]]]]:
    """Every sheet of a ledger: its name and rows (``data``: a plan's data, or None)."""
    yield ledger_spec().sheets["plan"].names[0], list(_form_rows(data))
    for sheet_id in TARGETS:
        yield ledger_spec().sheets[sheet_id].names[0], list(_table_rows(sheet_id, data))


def write_workbook(out: IO[bytes], data: dict[str, Any] | None = None) -> None:
    """Write a ledger workbook to ``out``: the template, or the plan ``data``."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets(data):
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for cell in ws["A" if name == ledger_spec().sheets["plan"].names[0] else 1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, _ in enumerate(rows[0], start=1):
            ws.column_dimensions[get_column_letter(i)].width = 16
    notes = book.create_sheet("填表说明")
    for line in TEMPLATE_NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    book.save(out)
