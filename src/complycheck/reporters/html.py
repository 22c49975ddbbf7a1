"""The summary as one self-contained HTML page: overview, charts by rule and by jurisdiction
(inline SVG), the worst plans and units, the quotas and grids involved, changes since a
recorded run, and a sortable, filterable table of every finding with its citation and fix.

The page works offline: its stylesheet and script are inline, it loads nothing, and its
Content Security Policy forbids loading or running anything else. Both languages are in the
page and a button switches between them. Everything taken from plans is escaped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from html import escape

from .. import __version__
from ..findings import Finding, Severity
from ..history.compare import Comparison, PlanStatus
from ..history.linkage import is_linkage
from ..i18n import Lang, Text
from ..summary import PlaceNode, Summary, Tally
from .html_assets import CSS, JS
from .summary_labels import LABELS
from .svg import Bar, bar_chart

_SEVERITIES = tuple(Severity)
MAX_PLACE_BARS = 40
MAX_RULE_PLACE_BARS = 8
PAGE = 200  # findings rows listed at first
MORE = 500  # rows added by each "show more"


def e(value: object) -> str:
    return escape(str(value), quote=True)


def _sha256(text: str) -> str:
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


def _text(key: str) -> Text:
    zh, en = LABELS[key]
    return Text.model_construct(zh=zh, en=en)


def _section(anchor: str, title: str, body: Iterable[str]) -> str:
    return f'<section id="{anchor}"><h2>{title}</h2>{"".join(body)}</section>'


def _table(
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


def _tally_columns() -> list[tuple[str, bool]]:
    return [(lab(s.value), True) for s in _SEVERITIES] + [(lab("total"), True)]


def _tally_cells(tally: Tally) -> list[str]:
    return [str(tally.get(s)) for s in _SEVERITIES] + [f"<b>{tally.total}</b>"]


def _tally_tip(name: str, tally: Tally) -> Text:
    return Text.model_construct(
        zh=f"{name}：错误{tally.error}，警告{tally.warning}，提示{tally.info}",
        en=f"{name}: {tally.error} error(s), {tally.warning} warning(s), {tally.info} info",
    )


def _parts(tally: Tally) -> tuple[tuple[int, str], ...]:
    return tuple((tally.get(s), f"s-{s.value}") for s in _SEVERITIES)


def _legend() -> str:
    items = "".join(f'<span><i class="{s.value}"></i>{lab(s.value)}</span>' for s in _SEVERITIES)
    return f'<p class="legend">{items}</p>'


# --- sections -------------------------------------------------------------------------------


def _overview(summary: Summary) -> str:
    report = summary.report
    cards = [
        ("", "plans_checked", len(report.plans)),
        ("", "plans_with_findings", summary.plans_with_findings),
        *(
            (s.value, "errors" if s is Severity.ERROR else s.value + "s", summary.tally.get(s))
            for s in _SEVERITIES
        ),
        ("", "linkage_count", len(summary.linkage)),
        ("error" if report.input_errors else "", "unreadable_files", summary.unreadable_files),
        ("error" if report.input_errors else "", "input_errors", len(report.input_errors)),
    ]
    failures = sum(len(p.failures) for p in report.plans)
    if failures:
        cards.append(("error", "rule_failures", failures))
    html = "".join(
        f'<div class="card {css}"><span class="n" id="card-{key}">{n}</span>{lab(key)}</div>'
        for css, key, n in cards
    )
    total = f'<p>{lab("findings")}: <strong id="findings-count">{summary.tally.total}</strong></p>'
    return _section("overview", lab("overview"), [f'<div class="cards">{html}</div>', total])


def _by_rule(summary: Summary) -> str:
    bars = [
        Bar(
            Text.model_construct(zh=r.rule_id, en=r.rule_id),
            _parts(r.tally),
            _tally_tip(f"{r.rule_id} {r.title.zh}", r.tally),
        )
        for r in summary.rules
    ]
    chart = bar_chart(bars, title=_text("chart_rule"), chart_id="chart-rules") if bars else ""
    table = _table(
        [(lab("rule"), False), (lab("rule_title"), False), *_tally_columns(), (lab("plans"), True)],
        (
            [f"<b>{e(r.rule_id)}</b>", bi(r.title), *_tally_cells(r.tally), str(r.plans)]
            for r in summary.rules
        ),
    )
    cards = []
    for r in summary.rules:
        places = r.places[:MAX_RULE_PLACE_BARS]
        place_bars = [
            Bar(
                Text.model_construct(zh=name, en=name),
                ((n, "s-total"),),
                Text.model_construct(zh=f"{name}：{n}", en=f"{name}: {n}"),
            )
            for name, n in places
        ]
        more = len(r.places) - len(places)
        note = f'<p class="muted">{lab("more", n=more)}</p>' if more > 0 else ""
        cards.append(
            f'<div class="rule-card" id="rule-{e(r.rule_id)}"><h3>{e(r.rule_id)} {bi(r.title)}</h3>'
            f"<p>{lab('findings')}: <b>{r.tally.total}</b> · {lab('plans')}: {r.plans}</p>"
            + bar_chart(
                place_bars,
                title=Text.model_construct(
                    zh=f"{r.rule_id} {LABELS['rule_places'][0]}",
                    en=f"{r.rule_id} {LABELS['rule_places'][1]}",
                ),
                width=520,
                chart_id=f"chart-rule-{r.rule_id}",
            )
            + note
            + "</div>"
        )
    grid = f'<div class="rules-grid">{"".join(cards)}</div>'
    return _section("by-rule", lab("by_rule"), [_legend(), chart, table, grid])


def _leaves(nodes: Sequence[PlaceNode]) -> list[tuple[str, PlaceNode]]:
    """The jurisdictions plans belong to, each named with its chain, with their own plans'
    findings (a city's own plan apart from its counties' plans)."""
    out: list[tuple[str, PlaceNode]] = []

    def walk(node: PlaceNode, chain: tuple[str, ...]) -> None:
        names = (*chain, node.name)
        if node.own_plans:
            out.append((" / ".join(names), node))
        for child in node.children:
            walk(child, names)

    for node in nodes:
        walk(node, ())
    return sorted(out, key=lambda item: (*item[1].own_tally.worst_first(), item[0]))


def _by_place(summary: Summary) -> str:
    leaves = _leaves(summary.places)
    shown = leaves[:MAX_PLACE_BARS]
    bars = [
        Bar(
            Text.model_construct(zh=name, en=name),
            _parts(node.own_tally),
            _tally_tip(name, node.own_tally),
        )
        for name, node in shown
    ]
    chart = bar_chart(bars, title=_text("chart_place"), chart_id="chart-places") if bars else ""
    more = len(leaves) - len(shown)
    note = f'<p class="muted">{lab("more", n=more)}</p>' if more > 0 else ""
    rows = []
    for root in summary.places:
        for depth, node in root.walk():
            name = f'<span class="indent-{min(depth, 3)}">{e(node.name)}</span>'
            rows.append(
                [
                    name,
                    lab(node.level) if node.level in LABELS else e(node.level),
                    str(node.plans),
                    str(node.plans_with_findings),
                    *_tally_cells(node.tally),
                ]
            )
    table = _table(
        [
            (lab("place"), False),
            (lab("level"), False),
            (lab("plans"), True),
            (lab("with_findings"), True),
            *_tally_columns(),
        ],
        rows,
    )
    return _section("by-place", lab("by_place"), [_legend(), chart, note, table])


def _worst(summary: Summary) -> str:
    plans = _table(
        [
            (lab("plan"), False),
            (lab("plan_title"), False),
            (lab("place"), False),
            (lab("file"), False),
            *_tally_columns(),
        ],
        (
            [
                f"<b>{e(p.plan_id)}</b>",
                e(p.title),
                e(p.place),
                f'<span class="loc">{e(p.file)}</span>',
                *_tally_cells(p.tally),
            ]
            for p in summary.worst_plans
        ),
    )
    units = _table(
        [
            (lab("plan"), False),
            (lab("unit"), False),
            (lab("name"), False),
            (lab("location"), False),
            *_tally_columns(),
            (lab("rules"), False),
        ],
        (
            [
                e(u.plan_id),
                f"<b>{e(u.unit_id)}</b>",
                e(u.name),
                f'<span class="loc">{e(u.location)}</span>',
                *_tally_cells(u.tally),
                e(", ".join(u.rules)),
            ]
            for u in summary.worst_units
        ),
    )
    return _section(
        "worst",
        f"{lab('worst_plans')} · {lab('worst_units')}",
        [f"<h3>{lab('worst_plans')}</h3>", plans, f"<h3>{lab('worst_units')}</h3>", units],
    )


def _coverage(summary: Summary) -> str:
    c = summary.coverage
    quotas = _table(
        [("", False), (lab("before"), True), (lab("after"), True)],
        [
            *(
                [lab(k), str(getattr(c.quotas_before, k)), str(getattr(c.quotas_after, k))]
                for k in ("administrative", "public_institution", "support")
            ),
            [
                f"<b>{lab('quotas')}</b>",
                f"<b>{c.quotas_before.total}</b>",
                f"<b>{c.quotas_after.total}</b>",
            ],
        ],
    )
    involved = _table(
        [("", False), (lab("all"), True), (lab("with_findings"), True)],
        [
            [lab("units"), str(c.units), str(c.units_with_findings)],
            [lab("quotas_with_findings"), "", str(c.quotas_with_findings)],
            [lab("grids"), str(c.grids), str(c.grids_with_findings)],
            [lab("households"), str(c.households), str(c.households_with_findings)],
            [lab("population"), str(c.population), str(c.population_with_findings)],
        ],
    )
    return _section("coverage", lab("coverage"), [quotas, involved])


def _citation(f: Finding) -> str:
    src = f.citation
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
        + _select("severity", "all_severities", ((s.value, _plain(s.value)) for s in _SEVERITIES))
        + _select("rule", "all_rules", ((r, e(r)) for r in rules))
        + statuses
        + f'<span>{lab("shown")}: <b id="findings-shown">{count}</b> / '
        f'<b id="findings-total">{count}</b></span></div>'
    )


def _findings(summary: Summary) -> str:
    comparison = summary.comparison
    rows = [
        _finding_row(f, summary.place_of(plan), comparison.status(f).value if comparison else None)
        for plan in summary.report.plans
        for f in plan.findings
    ]
    # Laying out thousands of rows takes a browser many seconds: the rows after the first page
    # start hidden, and the page's script lists more on request.
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
    return _section("findings", lab("findings_table"), [_filters(summary, len(rows)), table, more])


def _changes(c: Comparison) -> str:
    names = {
        PlanStatus.CHECKED: "plan_checked",
        PlanStatus.NEW: "plan_new",
        PlanStatus.NOT_CHECKED: "plan_not_checked",
    }
    table = _table(
        [(lab("plan"), False), (lab("status"), False)]
        + [(lab(k), True) for k in ("new", "fixed", "persisting")],
        (
            [
                e(p.plan_id),
                lab(names[p.status]),
                str(len(p.new)),
                str(len(p.fixed)),
                str(len(p.persisting)),
            ]
            for p in c.plans
        ),
    )
    fixed = _table(
        [
            (lab("severity"), False),
            (lab("rule"), False),
            (lab("plan"), False),
            (lab("location"), False),
            (lab("entity"), False),
            (lab("message"), False),
        ],
        (
            [
                f'<span class="sev {r.severity.value}">{lab(r.severity.value)}</span>',
                f"<b>{e(r.rule_id)}</b>",
                e(r.plan_id),
                f'<span class="loc">{e(f"{r.file}:{r.line}:{r.column}")}</span>',
                f"<b>{e(r.entity_key)}</b> {e(r.entity_name)}",
                bi(r.message),
            ]
            for p in c.plans
            for r in p.fixed
        ),
        attrs=' id="fixed-table"',
    )
    head = f"<p>{lab('since_run')} <b>#{c.run.id}</b> ({e(c.run.recorded)}, {e(c.run.command)})</p>"
    return _section(
        "changes", lab("changes"), [head, table, f"<h3>{lab('fixed_table')}</h3>", fixed]
    )


def _errors(summary: Summary) -> str:
    report = summary.report
    items = [f'<li class="loc">{e(p)}</li>' for p in report.input_errors]
    items += [
        f'<li class="loc">{e(p.file)}: {e(f.rule_id)}: {e(f.message)}</li>'
        for p in report.plans
        for f in p.failures
    ]
    return _section(
        "input-errors",
        f"{lab('input_errors')} · {lab('rule_failures')}",
        [f"<ul>{''.join(items)}</ul>"],
    )


def summary_html(summary: Summary, lang: Lang) -> str:
    sections = [
        _overview(summary),
        _by_rule(summary),
        _by_place(summary),
        _worst(summary),
        _coverage(summary),
    ]
    nav = [("overview", "overview"), ("by-rule", "by_rule"), ("by-place", "by_place")]
    nav += [("worst", "worst_plans"), ("coverage", "coverage")]
    if summary.comparison is not None:
        sections.append(_changes(summary.comparison))
        nav.append(("changes", "changes"))
    sections.append(_findings(summary))
    nav.append(("findings", "findings_table"))
    report = summary.report
    if report.input_errors or any(p.failures for p in report.plans):
        sections.append(_errors(summary))
        nav.append(("input-errors", "input_errors"))
    policy = (
        "default-src 'none'; "
        f"style-src '{_sha256(CSS)}'; script-src '{_sha256(JS)}'; "
        "img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    show = "en" if lang is Lang.EN else "zh"
    run = f" · run #{summary.run_id}" if summary.run_id is not None else ""
    title = f"{LABELS['title'][0]} / {LABELS['title'][1]}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{show}" data-show="{show}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><div><h1>{lab('title')}</h1><div class=meta>complycheck {e(__version__)} · "
        f"{lab('engine')} {e(report.engine)}{e(run)}</div></div>"
        f'<button type="button" id="lang-toggle">{lab("language")}</button></header>'
        "<nav>" + "".join(f'<a href="#{a}">{lab(k)}</a>' for a, k in nav) + "</nav>"
        f"<main>{''.join(sections)}</main><script>{JS}</script></body></html>\n"
    )
