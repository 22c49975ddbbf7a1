"""Waivers applied to a report: a finding covered by a waiver is shown as waived, counted, and
does not fail the run; an expired waiver is a finding of its own, and so is a waiver that covers
nothing.

Waivers come from the plans themselves (``waivers:``) and from waiver files. A waiver file's
waivers apply only to the plans checked in the run, so that checking a few changed plans does
not report every other plan's waivers as unused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from .errors import InputError, Position, Problem
from .findings import Finding, Location, Severity, Waived
from .i18n import Text, fold
from .model.waiver import WaiverFile
from .report import LocatedWaiver, PlanReport, Report
from .source import SourceMap, load_file
from .validate import LoadedPlan, dotted, pydantic_problems

WAIVER_EXPIRED = "WAIVER-EXPIRED"
WAIVER_UNUSED = "WAIVER-UNUSED"


@dataclasses.dataclass(frozen=True)
class ReservedRule:
    """A rule complycheck itself reports on (not a policy rule): its title and help."""

    id: str
    severity: Severity
    title: Text
    help: Text


RESERVED_RULES = {
    r.id: r
    for r in (
        ReservedRule(
            WAIVER_EXPIRED,
            Severity.ERROR,
            Text(zh="豁免已过期", en="A waiver has expired"),
            Text(
                zh="豁免的到期日期已过：它不再豁免任何问题，被豁免的问题重新计入。"
                "须整改方案，或重新报批豁免并更新到期日期。",
                en="The waiver's expiry date has passed: it no longer waives anything, and the "
                "finding it covered counts again. Fix the plan, or have the waiver approved "
                "again and give its new expiry date.",
            ),
        ),
        ReservedRule(
            WAIVER_UNUSED,
            Severity.WARNING,
            Text(zh="豁免未被使用", en="A waiver covers no finding"),
            Text(
                zh="该豁免所指的规则在所指对象上没有发现问题（问题已整改，或规则编号、对象写错）。"
                "删除该豁免，或更正其规则编号和对象。",
                en="The rule the waiver names finds nothing on the entity it names: the problem "
                "was fixed, or the rule or entity is mistyped. Remove the waiver, or correct "
                "its rule and entity.",
            ),
        ),
    )
}


def _location(source: SourceMap, path: tuple[str | int, ...]) -> Location:
    position = source.position(path)
    return Location(
        source.file, position.line if position else 1, position.column if position else 1
    )


def plan_waivers(loaded: LoadedPlan) -> tuple[LocatedWaiver, ...]:
    """The waivers written in a plan, each with its location."""
    plan_id = loaded.plan.plan.id
    return tuple(
        LocatedWaiver(plan_id, waiver, _location(loaded.source, ("waivers", i)), f"waivers[{i}]")
        for i, waiver in enumerate(loaded.plan.waivers)
    )


def load_waiver_file(path: Path, *, display: str | None = None) -> tuple[LocatedWaiver, ...]:
    """Read a waiver file (YAML or JSON); raise :class:`InputError` naming every problem."""
    doc = load_file(path, display=display)
    if not isinstance(doc.data, dict):
        raise InputError.single(
            doc.source.file,
            doc.source.position(()),
            "expected a waiver file: a mapping with 'waivers:', a list of waivers",
        )
    try:
        waivers = WaiverFile.model_validate(doc.data).waivers
    except ValidationError as exc:
        problems = pydantic_problems(exc, doc.source, WaiverFile)
        raise InputError(sorted(problems, key=_order)) from None
    return tuple(
        LocatedWaiver(w.plan, w, _location(doc.source, ("waivers", i)), dotted(("waivers", i)))
        for i, w in enumerate(waivers)
    )


def _order(p: Problem) -> tuple[int, int, str]:
    pos = p.position
    return (pos.line if pos else 0, pos.column if pos else 0, p.message)


def unknown_rules(waivers: Iterable[LocatedWaiver], known: Collection[str]) -> list[Problem]:
    """A waiver naming a rule that is not in the rulebook: a located input error."""
    return [
        Problem(
            w.location.file,
            Position(w.location.line, w.location.column),
            f"the waiver names rule {w.waiver.rule!r}, which is not in the rulebook",
            f"{w.path}.rule" if w.path else "rule",
        )
        for w in waivers
        if w.waiver.rule not in known
    ]


def apply_waivers(
    report: Report,
    file_waivers: Sequence[LocatedWaiver],
    today: dt.date,
    known_rules: Collection[str],
) -> Report:
    """Mark the findings that waivers cover; add a finding for each expired or unused waiver.
    A waiver naming an unknown rule is an input error."""
    problems = list(report.input_errors)
    plans: list[PlanReport] = []
    for plan in report.plans:
        waivers = [*plan.waivers, *(w for w in file_waivers if w.plan_id == plan.plan_id)]
        problems.extend(unknown_rules(waivers, known_rules))
        valid = [w for w in waivers if w.waiver.rule in known_rules]
        plans.append(_waive_plan(plan, valid, today))
    return dataclasses.replace(report, plans=tuple(plans), input_errors=tuple(problems))


def _covers(w: LocatedWaiver, finding: Finding) -> bool:
    return w.waiver.rule == finding.rule_id and fold(w.waiver.entity) == fold(finding.entity_key)


def _waive_plan(plan: PlanReport, waivers: list[LocatedWaiver], today: dt.date) -> PlanReport:
    if not waivers:  # most plans: nothing to mark or add, and the findings are in order
        return plan
    current = [w for w in waivers if w.waiver.expires >= today]
    used: set[int] = set()
    findings: list[Finding] = []
    for finding in plan.findings:
        match = next((i for i, w in enumerate(current) if _covers(w, finding)), None)
        if match is None:
            findings.append(finding)
            continue
        used.add(match)
        waiver = current[match]
        findings.append(dataclasses.replace(finding, waiver=Waived(waiver.waiver, waiver.location)))
    for w in waivers:
        if w.waiver.expires < today:
            findings.append(_expired(w))
    findings.extend(_unused(w) for i, w in enumerate(current) if i not in used)
    findings.sort(key=lambda f: f.sort_key())
    return dataclasses.replace(plan, findings=tuple(findings))


def _waiver_finding(
    rule: ReservedRule, w: LocatedWaiver, message: Text, remediation: Text
) -> Finding:
    waiver = w.waiver
    expires = waiver.expires.isoformat()
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,
        plan_id=w.plan_id,
        entity="waiver",
        entity_key=f"{waiver.rule}/{waiver.entity}",
        entity_name=waiver.document,
        location=w.location,
        message=message,
        remediation=remediation,
        values=(
            ("rule", waiver.rule),
            ("entity", waiver.entity),
            ("approver", waiver.approver),
            ("document", waiver.document),
            ("expires", expires),
        ),
        citation=None,
        params=(("document", waiver.document), ("expires", expires)),
    )


def _expired(w: LocatedWaiver) -> Finding:
    v = w.waiver
    return _waiver_finding(
        RESERVED_RULES[WAIVER_EXPIRED],
        w,
        Text(
            zh=f"{v.rule} 对「{v.entity}」的豁免（{v.document}，批准人：{v.approver}）"
            f"已于 {v.expires} 到期，不再豁免",
            en=f"The waiver of {v.rule} for {v.entity} ({v.document}, approved by {v.approver}) "
            f"expired on {v.expires}; it no longer waives anything",
        ),
        Text(
            zh=f"整改「{v.entity}」使其符合 {v.rule}，或重新报批豁免并更新到期日期",
            en=f"Bring {v.entity} into line with {v.rule}, or have the waiver approved again "
            "and give its new expiry date",
        ),
    )


def _unused(w: LocatedWaiver) -> Finding:
    v = w.waiver
    return _waiver_finding(
        RESERVED_RULES[WAIVER_UNUSED],
        w,
        Text(
            zh=f"{v.rule} 对「{v.entity}」的豁免未被使用：本方案中 {v.rule} 在「{v.entity}」上"
            "没有发现问题",
            en=f"The waiver of {v.rule} for {v.entity} is not used: {v.rule} finds nothing on "
            f"{v.entity} in this plan",
        ),
        Text(
            zh="删除该豁免，或更正其规则编号和对象",
            en="Remove the waiver, or correct its rule and entity",
        ),
    )
