"""The summary as Markdown (for a report or a merge request) and as CSV (one row per finding,
for a spreadsheet). Text from plans is escaped for each: Markdown's active characters, and
spreadsheet formulas in CSV cells."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from ..findings import Finding, Severity
from ..history.compare import Comparison, PlanStatus
from ..history.linkage import is_linkage
from ..i18n import Lang
from ..summary import Summary, Tally
from .summary_labels import label

_SEVERITIES = tuple(Severity)
_MD_ACTIVE = re.compile(r"([\\`*_\[\]<>|~&])")


def md(value: object) -> str:
    """``value`` as inert Markdown table-cell text: active characters escaped, one line."""
    text = " ".join(str(value).split())
    return _MD_ACTIVE.sub(r"\\\1", text)


def _md_table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = [
        "| " + " | ".join(md(c) for c in columns) + " |",
        "|" + "|".join("---:" if c.startswith(" ") else "---" for c in columns) + "|",
    ]
    lines.extend("| " + " | ".join(md(cell) for cell in row) + " |" for row in rows)
    return lines


def _tally_columns(lang: Lang) -> list[str]:
    return [" " + label(s.value, lang) for s in _SEVERITIES] + [" " + label("total", lang)]


def _tally(tally: Tally) -> list[int]:
    return [tally.error, tally.warning, tally.info, tally.total]


def _section(title: str, body: list[str]) -> list[str]:
    return [f"## {md(title)}", "", *body, ""]


def _finding_items(findings: Iterable[Finding], lang: Lang) -> list[str]:
    lines = []
    for f in findings:
        src = f.citation
        lines.append(
            f"- {md(f.location)} **{md(f.rule_id)}** {md(label(f.severity.value, lang))}: "
            f"{md(f.message.get(lang))}"
        )
        lines.append(f"  - {md(label('remediation', lang))}: {md(f.remediation.get(lang))}")
        if src is not None:  # waiver findings cite no policy
            lines.append(
                f"  - {md(label('source', lang))}: {md(src.jurisdiction.get(lang))} "
                f"{md(src.item)} 「{md(src.quote)}」"
            )
    return lines


def _changes(c: Comparison, lang: Lang) -> list[str]:
    names = {
        PlanStatus.CHECKED: "plan_checked",
        PlanStatus.NEW: "plan_new",
        PlanStatus.NOT_CHECKED: "plan_not_checked",
    }
    body = [f"{label('since_run', lang)} #{c.run.id} ({md(c.run.recorded)})", ""]
    body += _md_table(
        [label("plan", lang), label("status", lang)]
        + [" " + label(k, lang) for k in ("new", "fixed", "persisting")],
        (
            [p.plan_id, label(names[p.status], lang), len(p.new), len(p.fixed), len(p.persisting)]
            for p in c.plans
        ),
    )
    new = [f for p in c.plans for f in p.new]
    if new:
        body += ["", f"**{md(label('new', lang))}**", "", *_finding_items(new, lang)]
    fixed = [r for p in c.plans for r in p.fixed]
    if fixed:
        body += ["", f"**{md(label('fixed', lang))}**", ""]
        body += [
            f"- {md(f'{r.file}:{r.line}:{r.column}')} **{md(r.rule_id)}** {md(r.message.get(lang))}"
            for r in fixed
        ]
    return _section(label("changes", lang), body)


def summary_markdown(summary: Summary, lang: Lang) -> str:
    report = summary.report
    c = summary.coverage
    out = [f"# {md(label('title', lang))}", ""]
    overview = [(label(key, lang), n) for key, n in summary.overview()]
    out += _section(label("overview", lang), _md_table(["", " "], overview))
    out += _section(
        label("by_rule", lang),
        _md_table(
            [
                label("rule", lang),
                label("rule_title", lang),
                *_tally_columns(lang),
                " " + label("plans", lang),
            ],
            ([r.rule_id, r.title.get(lang), *_tally(r.tally), r.plans] for r in summary.rules),
        ),
    )
    places = [
        [
            "\u3000" * depth + node.name,
            label(node.level, lang),
            node.plans,
            node.plans_with_findings,
            *_tally(node.tally),
        ]
        for root in summary.places
        for depth, node in root.walk()
    ]
    out += _section(
        label("by_place", lang),
        _md_table(
            [
                label("place", lang),
                label("level", lang),
                " " + label("plans", lang),
                " " + label("with_findings", lang),
                *_tally_columns(lang),
            ],
            places,
        ),
    )
    out += _section(
        label("worst_plans", lang),
        _md_table(
            [
                label("plan", lang),
                label("plan_title", lang),
                label("place", lang),
                label("file", lang),
                *_tally_columns(lang),
            ],
            ([p.plan_id, p.title, p.place, p.file, *_tally(p.tally)] for p in summary.worst_plans),
        ),
    )
    out += _section(
        label("worst_units", lang),
        _md_table(
            [
                label("plan", lang),
                label("unit", lang),
                label("name", lang),
                label("location", lang),
                *_tally_columns(lang),
                label("rules", lang),
            ],
            (
                [u.plan_id, u.unit_id, u.name, u.location, *_tally(u.tally), ", ".join(u.rules)]
                for u in summary.worst_units
            ),
        ),
    )
    coverage = [
        [label(k, lang), getattr(c.quotas_before, k), getattr(c.quotas_after, k)]
        for k in ("administrative", "public_institution", "support")
    ]
    coverage.append([label("quotas", lang), c.quotas_before.total, c.quotas_after.total])
    involved = [
        [label("units", lang), c.units, c.units_with_findings],
        [label("quotas_with_findings", lang), "", c.quotas_with_findings],
        [label("grids", lang), c.grids, c.grids_with_findings],
        [label("households", lang), c.households, c.households_with_findings],
        [label("population", lang), c.population, c.population_with_findings],
    ]
    out += _section(
        label("coverage", lang),
        [
            *_md_table(["", " " + label("before", lang), " " + label("after", lang)], coverage),
            "",
            *_md_table(
                ["", " " + label("all", lang), " " + label("with_findings", lang)], involved
            ),
        ],
    )
    if summary.linkage:
        out += _section(label("linkage", lang), _finding_items(summary.linkage, lang))
    if summary.comparison is not None:
        out += _changes(summary.comparison, lang)
    failures = [
        f"- {md(p.file)} {md(f.rule_id)}: {md(f.message)}" for p in report.plans for f in p.failures
    ]
    if failures:
        out += _section(label("rule_failures", lang), failures)
    if report.input_errors:
        out += _section(label("input_errors", lang), [f"- {md(p)}" for p in report.input_errors])
    if summary.run_id is not None:
        out += [md(label("recorded_as", lang).format(run=summary.run_id)), ""]
    return "\n".join(out).rstrip("\n") + "\n"


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "kind",
    "status",
    "plan_id",
    "file",
    "line",
    "column",
    "province",
    "city",
    "jurisdiction",
    "rule",
    "severity",
    "entity",
    "entity_key",
    "entity_name",
    "message",
    "remediation",
    "citation",
    "fingerprint",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def summary_csv(summary: Summary, lang: Lang) -> str:
    """One row per finding (kind ``finding`` or ``linkage``), per fixed finding when comparing
    (status ``fixed``), per rule that could not be evaluated and per input error."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def write(**values: object) -> None:
        unknown = set(values) - set(CSV_COLUMNS)
        assert not unknown, unknown
        writer.writerow([cell(values.get(column, "")) for column in CSV_COLUMNS])

    comparison = summary.comparison
    report = summary.report
    for plan in report.plans:
        place = plan.profile.place if plan.profile else None
        where = {
            "province": place.province if place else "",
            "city": place.city if place else "",
            "jurisdiction": place.name if place else plan.jurisdiction,
        }
        for f in plan.findings:
            write(
                kind="linkage" if is_linkage(f) else "finding",
                status=comparison.status(f).value if comparison else "",
                plan_id=f.plan_id,
                file=f.location.file,
                line=f.location.line,
                column=f.location.column,
                **where,
                rule=f.rule_id,
                severity=f.severity.value,
                entity=f.entity,
                entity_key=f.entity_key,
                entity_name=f.entity_name,
                message=f.message.get(lang),
                remediation=f.remediation.get(lang),
                citation=(
                    f"{f.citation.jurisdiction.get(lang)} {f.citation.item}" if f.citation else ""
                ),
                fingerprint=f.fingerprint,
            )
        for failure in plan.failures:
            write(
                kind="rule_failure",
                plan_id=plan.plan_id,
                file=plan.file,
                **where,
                rule=failure.rule_id,
                severity="error",
                message=failure.message,
            )
    for change in comparison.plans if comparison else ():
        for r in change.fixed:
            write(
                kind=r.kind,
                status="fixed",
                plan_id=r.plan_id,
                file=r.file,
                line=r.line,
                column=r.column,
                rule=r.rule_id,
                severity=r.severity.value,
                entity=r.entity,
                entity_key=r.entity_key,
                entity_name=r.entity_name,
                message=r.message.get(lang),
                remediation=r.remediation.get(lang),
                fingerprint=r.fingerprint,
            )
    for p in report.input_errors:
        write(
            kind="input_error",
            file=p.file,
            line=p.position.line if p.position else "",
            column=p.position.column if p.position else "",
            severity="error",
            message=f"at {p.path}: {p.message}" if p.path else p.message,
        )
    return buffer.getvalue()
