"""The tables of docs/ledger-format.md, generated from headers.yaml (a test checks that the doc
shows them as they are). ``python -m complycheck.ledger.docs [PATH]`` rewrites them in place.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..fileio import write_atomic
from .spec import FieldSpec, SheetSpec, first_header, ledger_spec

GENERATED_BEGIN = "<!-- generated from src/complycheck/ledger/headers.yaml: begin -->"
GENERATED_END = "<!-- generated: end -->"

_TYPES = {
    "id": "code",
    "name": "name",
    "text": "text",
    "count": "whole number",
    "share": "share",
    "date": "date",
    "bool": "yes/no",
    "enum": "enumeration",
    "list": "codes",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _patterns(patterns: list[str]) -> str:
    return "; ".join(f"`{_cell(p)}`" for p in patterns)


def _field_row(name: str, field: FieldSpec, sheet: SheetSpec) -> str:
    kind = _TYPES[field.type]
    notes = []
    if name == sheet.key:
        notes.append("blank: the name")
    if field.ref:
        notes.append(f"or the name of one of the {field.ref}")
    if field.words:
        yes, no = (", ".join(field.words.get(k, [])) for k in ("true", "false"))
        notes.append(f"yes: 是 or {yes}; no: 否 or {no}")
    if field.parts:
        parts = " + ".join(first_header(FieldSpec(headers=p, type="count")) for p in field.parts)
        notes.append(f"or the sum of {parts}")
    kind += f" ({'; '.join(notes)})" if notes else ""
    return (
        f"| `{name}` | {first_header(field)} | {_patterns(field.headers)} | {kind} | "
        f"{'yes' if field.required else ''} |"
    )


def _sheet(sheet_id: str, sheet: SheetSpec) -> list[str]:
    spec = ledger_spec()
    out = [
        f"### {sheet.names[0]}: {sheet.title.en} ({sheet.title.zh})",
        "",
        f"Sheet (or CSV file) names: {', '.join(sheet.names)}.",
        "",
    ]
    if sheet.layout == "form":
        out += ["One field per row: its name, then its value in the next cell.", ""]
    if sheet.parent is not None:
        parent = spec.sheets[sheet.parent.sheet]
        line = (
            f"Each row belongs to one of the {parent.title.en} of the {parent.names[0]} sheet, "
            f"named by its code or name in a column {_patterns(sheet.parent.headers)}"
        )
        if sheet.parent.create:
            line += (
                f". Without a {parent.names[0]} sheet, each name given here makes one (its code "
                "is its name)"
            )
            for name, field in sheet.parent.fields.items():
                line += f", whose `{name}` a column {_patterns(field.headers)} may give"
        out += [line + ".", ""]
    head = "row" if sheet.layout == "form" else "column"
    out += [
        f"| field | {head} | accepted | value | required |",
        "|---|---|---|---|---|",
    ]
    out += [_field_row(n, f, sheet) for n, f in sheet.fields.items()]
    out.append("")
    if sheet.unused:
        out += [f"Read and ignored: {_patterns(sheet.unused)}.", ""]
    for pattern, hint in sheet.unsupported.items():
        out += [f"Not accepted: {_patterns([pattern])}: {' '.join(hint.split())}.", ""]
    return out


def mapping_markdown() -> str:
    spec = ledger_spec()
    out = [
        "## 4. Sheets and columns",
        "",
        "Placeholders read as a blank cell: "
        + ", ".join(f"`{_cell(v)}`" for v in spec.blank_values)
        + ". A row whose first cell is "
        + ", ".join(spec.total_rows)
        + " is a total row and is skipped.",
        "",
        "Sheets that are not read: " + ", ".join(spec.ignored_sheets) + ".",
        "",
        "Columns that are not read, in every sheet: " + ", ".join(spec.ignored_columns) + ".",
        "",
    ]
    for sheet_id, sheet in spec.sheets.items():
        out += _sheet(sheet_id, sheet)
    return "\n".join(out).rstrip() + "\n"


def rewrite(path: Path) -> bool:
    """Put the generated tables into the doc at ``path``; whether it changed."""
    text = path.read_text("utf-8")
    begin, end = text.index(GENERATED_BEGIN), text.index(GENERATED_END)
    new = f"{text[: begin + len(GENERATED_BEGIN)]}\n\n{mapping_markdown()}\n{text[end:]}"
    if new != text:
        write_atomic(path, new)
    return new != text


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/ledger-format.md")
    print(f"{target}: {'rewritten' if rewrite(target) else 'up to date'}")
