"""The terminal report: a summary by severity, then findings grouped by rule, each with the
entity, its file:line, the actual value against the limit and a short citation."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.text import Text as RichText
from rich.theme import Theme

from ..errors import Problem
from ..findings import Finding, Severity
from ..i18n import Lang, pick
from ..report import PlanReport, Report

THEME = Theme(
    {
        "sev.error": "bold red",
        "sev.warning": "bold yellow",
        "sev.info": "bold cyan",
        "loc": "bold",
        "rule": "bold magenta",
        "muted": "dim",
        "ok": "bold green",
        "quote": "italic",
        "status.waived": "bold blue",
        "status.known": "dim",
        "status.new": "bold",
        "status.fixed": "green",
    }
)

WORDS = {
    "error": {"zh": "错误", "en": "error"},
    "warning": {"zh": "警告", "en": "warning"},
    "info": {"zh": "提示", "en": "info"},
    "findings": {"zh": "项问题", "en": "finding(s)"},
    "plan": {"zh": "方案", "en": "Plan"},
    "no_findings": {"zh": "未发现问题", "en": "No findings"},
    "applied": {"zh": "已适用规则", "en": "Rules applied"},
    "skipped": {"zh": "未适用", "en": "Not applied"},
    "fix": {"zh": "整改", "en": "Fix"},
    "source": {"zh": "依据", "en": "Source"},
    "justification": {"zh": "说明理由", "en": "Justification"},
    "input_errors": {"zh": "输入错误", "en": "Input errors"},
    "rule_failed": {"zh": "规则执行失败", "en": "Rule failed"},
    "rules_failed": {"zh": "条规则执行失败", "en": "rule(s) failed"},
    "summary": {"zh": "汇总", "en": "Summary"},
    "plans": {"zh": "个方案", "en": "plan(s)"},
    "engine": {"zh": "引擎", "en": "engine"},
    "packs": {"zh": "适用政策包", "en": "Policy packs"},
    "as_of": {"zh": "依据日期", "en": "as of"},
    "compares": {"zh": "对照参考（非违规）", "en": "How this plan compares (not violations)"},
    "comparisons": {"zh": "项对照参考", "en": "comparison(s)"},
    "waived": {"zh": "已豁免", "en": "waived"},
    "known": {"zh": "基线已有", "en": "known"},
    "new": {"zh": "新增", "en": "new"},
    "fixed": {"zh": "已整改", "en": "fixed"},
    "waiver": {"zh": "豁免", "en": "Waived"},
    "approved_by": {"zh": "批准人", "en": "approved by"},
    "until": {"zh": "有效期至", "en": "until"},
    "fixed_since": {"zh": "基线中已整改的问题", "en": "Fixed since the baseline"},
}


def w(key: str, lang: Lang) -> str:
    return pick(WORDS[key]["zh"], WORDS[key]["en"], lang)


def colon(lang: Lang) -> str:
    """A label's colon: full-width in Chinese, so that the text after it wraps with it."""
    return "：" if lang.chinese else ": "


def make_console(
    file: object = None, *, width: int | None = None, color: bool | None = None
) -> Console:
    return Console(
        file=file,  # type: ignore[arg-type]
        theme=THEME,
        width=width,
        force_terminal=color,
        no_color=color is False,
        highlight=False,
        soft_wrap=False,
    )


class Whole:
    """A line printed as one piece, never wrapped or cropped: locations must stay whole."""

    def __init__(self, text: RichText) -> None:
        self.text = text


Line = RichText | Whole


def severity_label(sev: Severity, lang: Lang) -> RichText:
    return RichText(w(sev.value, lang), style=f"sev.{sev.value}")


def _status(f: Finding) -> str | None:
    """``waived`` or, with a baseline, ``known`` or ``new``."""
    if f.waiver is not None:
        return "waived"
    return f.baseline


def _finding(f: Finding, lang: Lang) -> list[Line]:
    status = _status(f)
    head = RichText.assemble(
        (f"{f.location}", "loc"),
        "  ",
        severity_label(f.severity, lang),
        ("  " + w(status, lang), f"status.{status}") if status else "",
        "  ",
        (f.entity_key, "bold"),
        "  ",
        f.entity_name if f.entity_name != f.entity_key else "",
    )
    lines: list[Line] = [Whole(head), RichText("  " + f.message.get(lang))]
    if f.waiver is not None:
        v = f.waiver.waiver
        sep = "，" if lang is Lang.ZH else ", "
        lines.append(
            RichText.assemble(
                ("  " + w("waiver", lang) + colon(lang), "status.waived"),
                v.reason,
                (
                    f"  ({v.document}{sep}{w('approved_by', lang)} {v.approver}{sep}"
                    f"{w('until', lang)} {v.expires}; {f.waiver.location})",
                    "muted",
                ),
            )
        )
    if f.justification:
        lines.append(
            RichText.assemble(
                ("  " + w("justification", lang) + colon(lang), "muted"), f.justification
            )
        )
    lines.append(
        RichText.assemble(("  " + w("fix", lang) + colon(lang), "muted"), f.remediation.get(lang))
    )
    return lines


def _citation(f: Finding, lang: Lang) -> RichText | None:
    src = f.citation
    if src is None:  # a finding about a waiver: no policy text decides it
        return None
    quote = src.quote if len(src.quote) <= 60 else src.quote[:58] + "……"
    quote = pick(quote, quote, lang)  # the policy text in the script the reader reads
    return RichText.assemble(
        ("  " + w("source", lang) + colon(lang), "muted"),
        f"{src.jurisdiction.get(lang)} {src.item} ({src.seed}) ",
        ("「" + quote + "」", "quote"),
    )


def _plan(plan: PlanReport, lang: Lang) -> list[Line]:
    parts: list[Line] = []
    title = RichText.assemble(
        (w("plan", lang) + " ", "bold"),
        (plan.plan_id, "bold"),
        f"  {plan.title}  ",
        (plan.jurisdiction, "muted"),
        "  ",
        (plan.file, "loc"),
    )
    parts.append(Whole(title))
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in plan.findings:
        by_rule[f.rule_id].append(f)
    for rule_id in sorted(by_rule, key=lambda r: min(x.sort_key() for x in by_rule[r])):
        items = by_rule[rule_id]
        first = items[0]
        parts.append(RichText(""))
        parts.append(
            RichText.assemble(
                (rule_id, "rule"), "  ", (f"{len(items)} {w('findings', lang)}", "muted")
            )
        )
        citation = _citation(first, lang)
        if citation is not None:
            parts.append(citation)
        for f in items:
            parts.extend(_finding(f, lang))
    parts.extend(_failures(plan, lang))
    if not plan.findings and not plan.failures:
        parts.append(RichText(w("no_findings", lang), style="ok"))
    if plan.comparisons:
        parts.append(RichText(""))
        parts.append(RichText(w("compares", lang), style="sev.info"))
        for item in plan.comparisons:
            line = RichText.assemble(("  " + item.rule_id + "  ", "rule"), item.message.get(lang))
            parts.append(line)
    parts.append(RichText(""))
    packs = ", ".join(plan.packs) or "-"
    as_of = f"  ({w('as_of', lang)} {plan.as_of})"
    parts.append(
        RichText.assemble((w("packs", lang) + colon(lang), "muted"), packs, (as_of, "muted"))
    )
    parts.append(
        RichText.assemble(
            (w("applied", lang) + colon(lang), "muted"), ", ".join(plan.applied) or "-"
        )
    )
    by_reason: dict[str, list[str]] = defaultdict(list)  # rules skipped for the same reason
    for skip in plan.skipped:
        by_reason[skip.reason.get(lang)].append(skip.rule_id)
    for reason, rule_ids in by_reason.items():
        parts.append(
            RichText.assemble(
                (w("skipped", lang) + colon(lang), "muted"), f"{', '.join(rule_ids)} ({reason})"
            )
        )
    return parts


def _fixed(report: Report, lang: Lang) -> list[Line]:
    """The baseline's findings no longer found."""
    if not report.fixed:
        return []
    lines: list[Line] = [RichText(w("fixed_since", lang) + ":", style="status.fixed")]
    for f in report.fixed:
        name = f"  {f.entity_name}" if f.entity_name != f.entity_key else ""
        lines.append(
            Whole(
                RichText.assemble(
                    ("  " + f.rule_id, "rule"), "  ", (f.file, "loc"), "  ", f.entity_key, name
                )
            )
        )
        lines.append(RichText("    " + f.message.get(lang), style="muted"))
    return lines


def _errors(problems: tuple[Problem, ...], lang: Lang) -> list[Line]:
    lines = [Whole(RichText(str(p), style="sev.error")) for p in problems]
    return [RichText(w("input_errors", lang) + ":", style="sev.error"), *lines]


def _failures(plan: PlanReport, lang: Lang) -> list[RichText]:
    return [
        RichText.assemble(
            (f"{w('rule_failed', lang)} {failure.rule_id}: ", "sev.error"), failure.message
        )
        for failure in plan.failures
    ]


def _summary(report: Report, lang: Lang) -> RichText:
    counts = report.counts()
    text = RichText.assemble(
        (w("summary", lang) + colon(lang), "bold"),
        f"{len(report.plans)} {w('plans', lang)}, ",
    )
    for i, sev in enumerate(Severity):
        if i:
            text.append(", ")
        text.append(f"{counts.get(sev, 0)} ")
        text.append_text(severity_label(sev, lang))
    waived = sum(1 for f in report.findings if f.waiver is not None)
    if waived or any(p.waivers for p in report.plans):
        text.append(f", {waived} ")
        text.append(w("waived", lang), style="status.waived")
    if report.fixed is not None:
        for state in ("known", "new"):
            text.append(f", {sum(1 for f in report.findings if f.baseline == state)} ")
            text.append(w(state, lang), style=f"status.{state}")
        text.append(f", {len(report.fixed)} ")
        text.append(w("fixed", lang), style="status.fixed")
    comparisons = sum(len(p.comparisons) for p in report.plans)
    if comparisons:
        text.append(f", {comparisons} {w('comparisons', lang)}")
    failed = sum(len(p.failures) for p in report.plans)
    if failed:
        text.append(f", {failed} {w('rules_failed', lang)}", style="sev.error")
    if report.input_errors:
        text.append(f", {len(report.input_errors)} {w('input_errors', lang)}", style="sev.error")
    text.append(f"  ({w('engine', lang)}: {report.engine})", style="muted")
    return text


def render_rich(report: Report, console: Console, lang: Lang, *, quiet: bool = False) -> None:
    """Print ``report`` to ``console``; ``quiet``: only errors (rules that failed, input
    errors) and the summary. All user text goes in as Text, never as markup."""
    lines: list[Line] = []
    for plan in [] if quiet else report.plans:
        lines.extend(_plan(plan, lang))
    if not quiet:
        lines.extend(_fixed(report, lang))
    for plan in report.plans if quiet else []:
        lines.extend(RichText.assemble(f"{plan.file}: ", line) for line in _failures(plan, lang))
    if report.input_errors:
        lines.extend(_errors(report.input_errors, lang))
    lines.append(_summary(report, lang))
    if not console.is_terminal:  # a file or a pipe: nothing wraps, so print it in one piece
        text = RichText("\n").join(line.text if isinstance(line, Whole) else line for line in lines)
        console.print(text, soft_wrap=True)
        return
    for line in lines:
        if isinstance(line, Whole):
            console.print(line.text, soft_wrap=True)
        else:
            console.print(line)
