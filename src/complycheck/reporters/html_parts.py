"""The building blocks of the HTML summary: escaping, bilingual text, sections and tables.
Every value is escaped here, once, on its way into the page."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from html import escape

from ..findings import Severity
from ..i18n import Text
from ..summary import Tally
from .summary_labels import LABELS

SEVERITIES = tuple(Severity)


def e(value: object) -> str:
    return escape(str(value), quote=True)


def sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def bi(text: Text) -> str:
    """Both languages of ``text``; the stylesheet shows one."""
    if text.zh == text.en:
        return e(text.zh)
    return (
        f'<span class="t-zh" lang="zh">{e(text.zh)}</span>'
        f'<span class="t-en" lang="en">{e(text.en)}</span>'
    )


def lab(key: str, **values: object) -> str:
    zh, en = LABELS[key]
    return bi(Text.model_construct(zh=zh.format(**values), en=en.format(**values)))


def label_text(key: str) -> Text:
    zh, en = LABELS[key]
    return Text.model_construct(zh=zh, en=en)


def section(anchor: str, title: str, body: Iterable[str]) -> str:
    return f'<section id="{anchor}"><h2>{title}</h2>{"".join(body)}</section>'


def table(
    columns: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]], *, attrs: str = ""
) -> str:
    """A table; a column flagged True holds numbers. Cells are given as HTML."""
    head = "".join(f"<th{' class=n' if num else ''}>{name}</th>" for name, num in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if num else ''}>{cell}</td>"
            for (_, num), cell in zip(columns, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def tally_columns() -> list[tuple[str, bool]]:
    return [(lab(s.value), True) for s in SEVERITIES] + [(lab("total"), True)]


def tally_cells(tally: Tally) -> list[str]:
    return [str(tally.get(s)) for s in SEVERITIES] + [f"<b>{tally.total}</b>"]


def tally_tip(name: str, tally: Tally) -> Text:
    return Text.model_construct(
        zh=f"{name}：错误{tally.error}，警告{tally.warning}，提示{tally.info}",
        en=f"{name}: {tally.error} error(s), {tally.warning} warning(s), {tally.info} info",
    )


def severity_parts(tally: Tally) -> tuple[tuple[int, str], ...]:
    return tuple((tally.get(s), f"s-{s.value}") for s in SEVERITIES)


def legend() -> str:
    items = "".join(f'<span><i class="{s.value}"></i>{lab(s.value)}</span>' for s in SEVERITIES)
    return f'<p class="legend">{items}</p>'
