"""The summary in the terminal: tables by severity, rule and jurisdiction, the worst plans and
units, the quotas and grids involved, rectification linkage, changes since a recorded run, and
every input error. Text from plans goes into tables as rich Text, never as markup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text as RichText

from ..findings import Finding, Severity
from ..history.compare import Comparison, PlanStatus
from ..i18n import Lang
from ..summary import Summary, Tally
from .summary_labels import label

_SEVERITIES = tuple(Severity)


def _t(value: object, style: str = "") -> RichText:
    return RichText(str(value), style=style)


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[RichText]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=False)
    for column in columns:  # a column named with a leading space holds numbers
        table.add_column(  # folded, never cut: a location stays whole
            column.strip(), justify="right" if column.startswith(" ") else "left", overflow="fold"
        )
    for row in rows:
        table.add_row(*row)
    return table


def _tally_cells(tally: Tally) -> list[RichText]:
    cells = [_t(tally.get(s), f"sev.{s.value}" if tally.get(s) else "muted") for s in _SEVERITIES]
    return [*cells, _t(tally.total, "bold")]


def _tally_columns(lang: Lang) -> list[str]:
    return [" " + label(s.value, lang) for s in _SEVERITIES] + [" " + label("total", lang)]


def _overview(summary: Summary, lang: Lang) -> Table:
    rows = [(label(key, lang), n) for key, n in summary.overview()]
    table = _table(label("overview", lang), ["", " "], [])
    for name, value in rows:
        table.add_row(_t(name), _t(value, "bold"))
    return table


def _by_rule(summary: Summary, lang: Lang) -> Table:
    rows = (
        [_t(r.rule_id, "rule"), _t(r.title.get(lang)), *_tally_cells(r.tally), _t(r.plans)]
        for r in summary.rules
    )
    columns = [label("rule", lang), label("rule_title", lang), *_tally_columns(lang)]
    return _table(label("by_rule", lang), [*columns, " " + label("plans", lang)], rows)


def _by_place(summary: Summary, lang: Lang) -> Table:
    rows = []
    for root in summary.places:
        for depth, node in root.walk():
            name = _t("  " * depth + node.name, "bold" if depth == 0 else "")
            level = _t(label(node.level, lang) if node.level != "all" else "", "muted")
            rows.append([name, level, _t(node.plans), _t(node.plans_with_findings)])
            rows[-1].extend(_tally_cells(node.tally))
    columns = [
        label("place", lang),
        label("level", lang),
        " " + label("plans", lang),
        " " + label("with_findings", lang),
        *_tally_columns(lang),
    ]
    return _table(label("by_place", lang), columns, rows)


def _worst(summary: Summary, lang: Lang) -> list[Table]:
    plans = _table(
        label("worst_plans", lang),
        [
            label("plan", lang),
            label("plan_title", lang),
            label("place", lang),
            *_tally_columns(lang),
        ],
        (
            [_t(p.plan_id, "bold"), _t(p.title), _t(p.place), *_tally_cells(p.tally)]
            for p in summary.worst_plans
        ),
    )
    units = _table(
        label("worst_units", lang),
        [
            label("unit", lang),
            label("name", lang),
            label("location", lang),
            *_tally_columns(lang),
            label("rules", lang),
        ],
        (
            [
                _t(u.unit_id, "bold"),
                _t(u.name),
                _t(u.location, "loc"),
                *_tally_cells(u.tally),
                _t(", ".join(u.rules), "rule"),
            ]
            for u in summary.worst_units
        ),
    )
    return [plans, units]


def _coverage(summary: Summary, lang: Lang) -> list[Table]:
    c = summary.coverage
    quotas = _table(
        label("coverage", lang),
        ["", " " + label("before", lang), " " + label("after", lang)],
        [
            *(
                [
                    _t(label(k, lang)),
                    _t(getattr(c.quotas_before, k)),
                    _t(getattr(c.quotas_after, k)),
                ]
                for k in ("administrative", "public_institution", "support")
            ),
            [
                _t(label("quotas", lang), "bold"),
                _t(c.quotas_before.total, "bold"),
                _t(c.quotas_after.total, "bold"),
            ],
        ],
    )
    involved = _table(
        "",
        ["", " " + label("all", lang), " " + label("with_findings", lang)],
        (
            [_t(label(name, lang)), _t(total), _t(part, "bold")]
            for name, total, part in [
                ("units", c.units, c.units_with_findings),
                ("quotas_with_findings", "", c.quotas_with_findings),
                ("grids", c.grids, c.grids_with_findings),
                ("households", c.households, c.households_with_findings),
                ("population", c.population, c.population_with_findings),
            ]
        ),
    )
    return [quotas, involved]


def _finding_lines(findings: Iterable[Finding], lang: Lang) -> list[RichText]:
    lines: list[RichText] = []
    for f in findings:
        lines.append(
            RichText.assemble(
                (str(f.location), "loc"),
                "  ",
                (label(f.severity.value, lang), f"sev.{f.severity.value}"),
                "  ",
                (f.rule_id, "rule"),
                "  ",
                f.message.get(lang),
            )
        )
        lines.append(
            RichText.assemble(
                ("  " + label("remediation", lang) + ": ", "muted"), f.remediation.get(lang)
            )
        )
        src = f.citation
        if src is not None:  # waiver findings cite no policy
            lines.append(
                RichText.assemble(
                    ("  " + label("source", lang) + ": ", "muted"),
                    f"{src.jurisdiction.get(lang)} {src.item} ",
                    ("「" + src.quote + "」", "quote"),
                )
            )
    return lines


def _changes(comparison: Comparison, lang: Lang) -> list[RenderableType]:
    run = comparison.run
    status_label = {
        PlanStatus.CHECKED: "plan_checked",
        PlanStatus.NEW: "plan_new",
        PlanStatus.NOT_CHECKED: "plan_not_checked",
    }
    table = _table(
        f"{label('changes', lang)}: {label('since_run', lang)} #{run.id} ({run.recorded})",
        [
            label("plan", lang),
            label("status", lang),
            " " + label("new", lang),
            " " + label("fixed", lang),
            " " + label("persisting", lang),
        ],
        (
            [
                _t(p.plan_id, "bold"),
                _t(label(status_label[p.status], lang), "muted"),
                _t(len(p.new), "sev.error" if p.new else "muted"),
                _t(len(p.fixed), "ok" if p.fixed else "muted"),
                _t(len(p.persisting)),
            ]
            for p in comparison.plans
        ),
    )
    parts: list[RenderableType] = [table]
    new = [f for p in comparison.plans for f in p.new]
    if new:
        parts.append(_t(f"{label('new', lang)} ({len(new)})", "bold"))
        parts.extend(_finding_lines(new, lang))
    fixed = [f for p in comparison.plans for f in p.fixed]
    if fixed:
        parts.append(_t(f"{label('fixed', lang)} ({len(fixed)})", "bold"))
        for r in fixed:
            parts.append(
                RichText.assemble(
                    (f"{r.file}:{r.line}:{r.column}", "loc"),
                    "  ",
                    (r.rule_id, "rule"),
                    "  ",
                    r.message.get(lang),
                )
            )
    return parts


def summary_renderables(summary: Summary, lang: Lang) -> list[RenderableType]:
    report = summary.report
    parts: list[RenderableType] = [
        _t(label("title", lang), "bold"),
        _overview(summary, lang),
        _by_rule(summary, lang),
        _by_place(summary, lang),
        *_worst(summary, lang),
        *_coverage(summary, lang),
    ]
    if summary.linkage:
        parts.append(_t(label("linkage", lang), "sev.error"))
        parts.extend(_finding_lines(summary.linkage, lang))
    if summary.comparison is not None:
        parts.extend(_changes(summary.comparison, lang))
    failures = [(p, f) for p in report.plans for f in p.failures]
    if failures:
        parts.append(_t(label("rule_failures", lang), "sev.error"))
        parts.extend(_t(f"{p.file}: {f.rule_id}: {f.message}") for p, f in failures)
    if report.input_errors:
        parts.append(_t(label("input_errors", lang) + ":", "sev.error"))
        parts.extend(_t(str(p), "sev.error") for p in report.input_errors)
    if summary.run_id is not None:
        parts.append(_t(label("recorded_as", lang).format(run=summary.run_id), "muted"))
    return parts


def render_summary_rich(summary: Summary, console: Console, lang: Lang) -> None:
    """Print ``summary``: tables fit the console; a line (a finding, an input error) is
    printed whole, so that its location is never split."""
    for part in summary_renderables(summary, lang):
        if isinstance(part, RichText):
            console.print(part, soft_wrap=True)
        else:
            console.print(part)
