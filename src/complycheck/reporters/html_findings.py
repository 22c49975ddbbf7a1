"""The findings table of the HTML summary: one row per finding with its citation and fix,
filters by text, severity, rule and status, and sorting by any column (the page's script).
Long tables are listed a page at a time: a browser takes many seconds to lay out thousands of
rows."""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Finding
from ..history.linkage import is_linkage
from ..summary import Summary
from .html_parts import SEVERITIES, bi, e, lab, section
from .summary_labels import LABELS

PAGE = 200  # findings rows listed at first
MORE = 500  # rows added by each "show more"


def _citation(f: Finding) -> str:
    src = f.citation
    if src is None:  # waiver findings cite no policy
        return ""
    also = f" ({e(', '.join(src.also))})" if src.also else ""
    return (
        f'<details class="cite"><summary>{bi(src.jurisdiction)} {e(src.item)}{also}</summary>'
        f'<blockquote lang="zh">{e(src.quote)}</blockquote>'
        f'<blockquote lang="en" class="muted">{e(src.translation)}</blockquote>'
        f'<span class="muted">{e(src.seed)}</span></details>'
    )


def _status_cell(status: str) -> str:
    return f'<span class="status-{status}">{lab(status)}</span>' if status else ""


def _plain(key: str) -> str:
    """A label in both languages as plain text (for attributes and options, which cannot hold
    markup)."""
    return e(" / ".join(dict.fromkeys(LABELS[key])))


def _finding_row(f: Finding, place: str, status: str | None) -> str:
    linkage = f"<div class=muted>{lab('kind_linkage')}</div>" if is_linkage(f) else ""
    justification = f'<div class="muted">{e(f.justification)}</div>' if f.justification else ""
    name = f.entity_name if f.entity_name != f.entity_key else ""
    loc = f.location
    cells = [
        f'<td data-v="{f.severity.rank}">'
        f'<span class="sev {f.severity.value}">{lab(f.severity.value)}</span></td>',
        f"<td><b>{e(f.rule_id)}</b>{linkage}</td>",
        f"<td>{e(f.plan_id)}</td>",
        f"<td>{e(place)}</td>",
        f'<td data-v="{e(loc.file)}:{loc.line:09d}:{loc.column:06d}">'
        f'<span class="loc">{e(loc)}</span></td>',
        f"<td><b>{e(f.entity_key)}</b> {e(name)}</td>",
        f"<td>{bi(f.message)}{justification}<div class=fix>{bi(f.remediation)}</div></td>",
        f"<td>{_citation(f)}</td>",
    ]
    if status is not None:
        cells.append(f"<td>{_status_cell(status)}</td>")
    return (
        f'<tr data-severity="{f.severity.value}" data-rule="{e(f.rule_id)}" '
        f'data-status="{status or ""}" data-fingerprint="{f.fingerprint}">{"".join(cells)}</tr>'
    )


def _select(control: str, everything: str, options: Iterable[tuple[str, str]]) -> str:
    items = "".join(f'<option value="{e(v)}">{text}</option>' for v, text in options)
    return (
        f'<select id="filter-{control}" aria-label="{control}">'
        f'<option value="">{_plain(everything)}</option>{items}</select>'
    )


def _filters(summary: Summary, count: int) -> str:
    rules = sorted({f.rule_id for f in summary.findings})
    statuses = ""
    if summary.comparison is not None:
        statuses = _select(
            "status", "all_statuses", ((s, _plain(s)) for s in ("new", "persisting"))
        )
    return (
        '<div class="filters">'
        f'<label for="filter-text">{lab("filter")}</label>'
        f'<input id="filter-text" type="search" placeholder="{_plain("filter_hint")}">'
        + _select("severity", "all_severities", ((s.value, _plain(s.value)) for s in SEVERITIES))
        + _select("rule", "all_rules", ((r, e(r)) for r in rules))
        + statuses
        + f'<span>{lab("shown")}: <b id="findings-shown">{count}</b> / '
        f'<b id="findings-total">{count}</b></span></div>'
    )


def findings_section(summary: Summary) -> str:
    comparison = summary.comparison
    rows = [
        _finding_row(f, summary.place_of(plan), comparison.status(f).value if comparison else None)
        for plan in summary.report.plans
        for f in plan.findings
    ]
    # The rows after the first page start hidden; the page's script lists more on request.
    rows[PAGE:] = [row.replace("<tr ", "<tr hidden ", 1) for row in rows[PAGE:]]
    listed = min(PAGE, len(rows))
    more = (
        f'<p id="findings-more-row"{"" if len(rows) > PAGE else " hidden"}>'
        f'{lab("listed")}: <b id="findings-listed">{listed}</b> '
        f'<button type="button" id="findings-more">{lab("show_more", n=MORE)}</button></p>'
    )
    columns = ["severity", "rule", "plan", "place", "location", "entity", "message", "source"]
    if comparison is not None:
        columns.append("status")
    head = "".join(
        f'<th data-type="{"num" if key == "severity" else ""}">'
        f'<button type="button">{lab(key)}</button></th>'
        for key in columns
    )
    table = (
        f'<table id="findings-table" data-page="{PAGE}" data-more="{MORE}">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return section("findings", lab("findings_table"), [_filters(summary, len(rows)), table, more])
