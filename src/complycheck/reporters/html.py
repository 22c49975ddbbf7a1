"""The summary as one self-contained HTML page: overview, charts by rule and by jurisdiction
(inline SVG), the worst plans and units, the quotas and grids involved, changes since a
recorded run, and a sortable, filterable table of every finding with its citation and fix.

The page works offline: its stylesheet and script are inline, it loads nothing, and its
Content Security Policy forbids loading or running anything else. Both languages are in the
page and a button switches between them. Everything taken from plans is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import __version__
from ..findings import Severity
from ..history.compare import Comparison, PlanStatus
from ..i18n import Lang, Text
from ..summary import PlaceNode, Summary
from .html_assets import CSS, JS
from .html_findings import findings_section
from .html_parts import (
    SEVERITIES,
    bi,
    e,
    lab,
    label_text,
    legend,
    section,
    severity_parts,
    sha256,
    table,
    tally_cells,
    tally_columns,
    tally_tip,
)
from .summary_labels import LABELS
from .svg import Bar, bar_chart

MAX_PLACE_BARS = 40
MAX_RULE_PLACE_BARS = 8


def _overview(summary: Summary) -> str:
    report = summary.report
    cards = [
        ("", "plans_checked", len(report.plans)),
        ("", "plans_with_findings", summary.plans_with_findings),
        *(
            (s.value, "errors" if s is Severity.ERROR else s.value + "s", summary.tally.get(s))
            for s in SEVERITIES
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
    return section("overview", lab("overview"), [f'<div class="cards">{html}</div>', total])


def _by_rule(summary: Summary) -> str:
    bars = [
        Bar(
            Text.model_construct(zh=r.rule_id, en=r.rule_id),
            severity_parts(r.tally),
            tally_tip(f"{r.rule_id} {r.title.zh}", r.tally),
        )
        for r in summary.rules
    ]
    chart = bar_chart(bars, title=label_text("chart_rule"), chart_id="chart-rules") if bars else ""
    rows_table = table(
        [(lab("rule"), False), (lab("rule_title"), False), *tally_columns(), (lab("plans"), True)],
        (
            [f"<b>{e(r.rule_id)}</b>", bi(r.title), *tally_cells(r.tally), str(r.plans)]
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
    cards_grid = f'<div class="rules-grid">{"".join(cards)}</div>'
    return section("by-rule", lab("by_rule"), [legend(), chart, rows_table, cards_grid])


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
            severity_parts(node.own_tally),
            tally_tip(name, node.own_tally),
        )
        for name, node in shown
    ]
    chart = (
        bar_chart(bars, title=label_text("chart_place"), chart_id="chart-places") if bars else ""
    )
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
                    *tally_cells(node.tally),
                ]
            )
    rows_table = table(
        [
            (lab("place"), False),
            (lab("level"), False),
            (lab("plans"), True),
            (lab("with_findings"), True),
            *tally_columns(),
        ],
        rows,
    )
    return section("by-place", lab("by_place"), [legend(), chart, note, rows_table])


def _worst(summary: Summary) -> str:
    plans = table(
        [
            (lab("plan"), False),
            (lab("plan_title"), False),
            (lab("place"), False),
            (lab("file"), False),
            *tally_columns(),
        ],
        (
            [
                f"<b>{e(p.plan_id)}</b>",
                e(p.title),
                e(p.place),
                f'<span class="loc">{e(p.file)}</span>',
                *tally_cells(p.tally),
            ]
            for p in summary.worst_plans
        ),
    )
    units = table(
        [
            (lab("plan"), False),
            (lab("unit"), False),
            (lab("name"), False),
            (lab("location"), False),
            *tally_columns(),
            (lab("rules"), False),
        ],
        (
            [
                e(u.plan_id),
                f"<b>{e(u.unit_id)}</b>",
                e(u.name),
                f'<span class="loc">{e(u.location)}</span>',
                *tally_cells(u.tally),
                e(", ".join(u.rules)),
            ]
            for u in summary.worst_units
        ),
    )
    return section(
        "worst",
        f"{lab('worst_plans')} · {lab('worst_units')}",
        [f"<h3>{lab('worst_plans')}</h3>", plans, f"<h3>{lab('worst_units')}</h3>", units],
    )


def _coverage(summary: Summary) -> str:
    c = summary.coverage
    quotas = table(
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
    involved = table(
        [("", False), (lab("all"), True), (lab("with_findings"), True)],
        [
            [lab("units"), str(c.units), str(c.units_with_findings)],
            [lab("quotas_with_findings"), "", str(c.quotas_with_findings)],
            [lab("grids"), str(c.grids), str(c.grids_with_findings)],
            [lab("households"), str(c.households), str(c.households_with_findings)],
            [lab("population"), str(c.population), str(c.population_with_findings)],
        ],
    )
    return section("coverage", lab("coverage"), [quotas, involved])


def _changes(c: Comparison) -> str:
    names = {
        PlanStatus.CHECKED: "plan_checked",
        PlanStatus.NEW: "plan_new",
        PlanStatus.NOT_CHECKED: "plan_not_checked",
    }
    rows_table = table(
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
    fixed = table(
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
    return section(
        "changes", lab("changes"), [head, rows_table, f"<h3>{lab('fixed_table')}</h3>", fixed]
    )


def _errors(summary: Summary) -> str:
    report = summary.report
    items = [f'<li class="loc">{e(p)}</li>' for p in report.input_errors]
    items += [
        f'<li class="loc">{e(p.file)}: {e(f.rule_id)}: {e(f.message)}</li>'
        for p in report.plans
        for f in p.failures
    ]
    return section(
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
    sections.append(findings_section(summary))
    nav.append(("findings", "findings_table"))
    report = summary.report
    if report.input_errors or any(p.failures for p in report.plans):
        sections.append(_errors(summary))
        nav.append(("input-errors", "input_errors"))
    policy = (
        "default-src 'none'; "
        f"style-src '{sha256(CSS)}'; script-src '{sha256(JS)}'; "
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
