"""The canonical serialisation of a report: plain data, every list sorted, paths relative to
the folder of the run, no timestamps. JSON output is this document as it is; SARIF, JUnit,
GitHub annotations, Markdown and text are built from it and from nothing else, so that every
format says the same thing.

Each finding has a ``status``: ``open`` (it counts), ``waived`` (an accepted exception: shown
and counted, never failing) or ``known`` (in the baseline); with a baseline, ``baseline`` says
``new`` or ``known``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypedDict

from .. import __version__
from ..errors import Problem
from ..findings import Finding, Location, Severity
from ..i18n import Text
from ..paths import portable
from ..report import PlanReport, Report
from ..rulebook.load import Rulebook
from ..rulebook.spec import Source
from ..waivers import RESERVED_RULES

FORMAT = "complycheck-report"
VERSION = 1

Status = Literal["open", "waived", "known"]


class TextDoc(TypedDict):
    zh: str
    en: str


class WaiverDoc(TypedDict):
    rule: str
    entity: str
    reason: str
    approver: str
    document: str
    expires: str
    location: dict[str, Any]
    display: str


class FindingDoc(TypedDict):
    rule_id: str
    severity: str
    status: Status
    baseline: str | None
    plan_id: str
    plan_file: str
    entity: str
    entity_key: str
    entity_name: str
    location: dict[str, Any]  # file, line, column (and any finer part of a location)
    display: str  # the location as text: file:line:col
    message: TextDoc
    remediation: TextDoc
    values: dict[str, Any]
    justification: str | None
    waiver: WaiverDoc | None
    fingerprint: str


class SkippedDoc(TypedDict):
    rule_id: str
    reason: TextDoc


class FailureDoc(TypedDict):
    rule_id: str
    message: str


class PlanDoc(TypedDict):
    file: str
    plan_id: str
    title: str
    jurisdiction: str
    as_of: str
    packs: list[str]
    applied: list[str]
    skipped: list[SkippedDoc]
    failures: list[FailureDoc]


class ProblemDoc(TypedDict):
    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    display: str  # file:line:col when the position is known, else file


class FixedDoc(TypedDict):
    fingerprint: str
    plan_id: str
    rule_id: str
    entity: str
    entity_key: str
    entity_name: str
    file: str
    message: TextDoc


class RuleDoc(TypedDict):
    id: str
    title: TextDoc
    severity: str  # as configured for the run
    rationale: TextDoc
    source: dict[str, Any] | None  # the policy text; None for complycheck's own rules


class SummaryDoc(TypedDict):
    plans: int
    findings: dict[str, int]  # by severity, waived and known ones included
    open: int
    waived: int
    known: int
    new: int | None  # None: no baseline was compared
    fixed: int | None
    comparisons: int
    input_errors: int
    rule_failures: int
    fail_on: str
    exit_code: int


class CanonicalReport(TypedDict):
    format: str
    version: int
    tool: dict[str, str]
    engine: str
    summary: SummaryDoc
    plans: list[PlanDoc]
    findings: list[FindingDoc]
    comparisons: list[FindingDoc]
    fixed: list[FixedDoc] | None
    input_errors: list[ProblemDoc]
    rules: list[RuleDoc]


def text(value: Text) -> TextDoc:
    return {"zh": value.zh, "en": value.en}


def _location(location: Location, root: Path) -> tuple[dict[str, Any], str]:
    """The location with its file relative to ``root``, as data and as text. Any finer part a
    location may have (a spreadsheet's sheet, say) is kept when it is given."""
    moved = dataclasses.replace(location, file=portable(location.file, root))
    data = {k: v for k, v in dataclasses.asdict(moved).items() if v is not None}
    return data, str(moved)


def _status(finding: Finding) -> Status:
    if finding.waiver is not None:
        return "waived"
    return "known" if finding.baseline == "known" else "open"


def finding_doc(finding: Finding, plan_file: str, root: Path) -> FindingDoc:
    location, display = _location(finding.location, root)
    waiver: WaiverDoc | None = None
    if finding.waiver is not None:
        w = finding.waiver.waiver
        where, shown = _location(finding.waiver.location, root)
        waiver = {
            "rule": w.rule,
            "entity": w.entity,
            "reason": w.reason,
            "approver": w.approver,
            "document": w.document,
            "expires": w.expires.isoformat(),
            "location": where,
            "display": shown,
        }
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "status": _status(finding),
        "baseline": finding.baseline,
        "plan_id": finding.plan_id,
        "plan_file": plan_file,
        "entity": finding.entity,
        "entity_key": finding.entity_key,
        "entity_name": finding.entity_name,
        "location": location,
        "display": display,
        "message": text(finding.message),
        "remediation": text(finding.remediation),
        "values": {k: list(v) if isinstance(v, tuple) else v for k, v in finding.values},
        "justification": finding.justification,
        "waiver": waiver,
        "fingerprint": finding.fingerprint,
    }


def _order(doc: FindingDoc) -> tuple[Any, ...]:
    loc = doc["location"]
    return (
        loc["file"],
        loc["line"],
        loc["column"],
        doc["rule_id"],
        doc["entity_key"],
        doc["plan_file"],
    )


def _plan_doc(plan: PlanReport, root: Path) -> PlanDoc:
    return {
        "file": portable(plan.file, root),
        "plan_id": plan.plan_id,
        "title": plan.title,
        "jurisdiction": plan.jurisdiction,
        "as_of": plan.as_of.isoformat(),
        "packs": list(plan.packs),
        "applied": sorted(plan.applied),
        "skipped": [
            {"rule_id": s.rule_id, "reason": text(s.reason)}
            for s in sorted(plan.skipped, key=lambda s: s.rule_id)
        ],
        "failures": [
            {"rule_id": f.rule_id, "message": f.message}
            for f in sorted(plan.failures, key=lambda f: f.rule_id)
        ],
    }


def problem_doc(problem: Problem, root: Path) -> ProblemDoc:
    file = portable(problem.file, root)
    pos = problem.position
    display = str(Location(file, pos.line, pos.column)) if pos else file
    return {
        "file": file,
        "line": pos.line if pos else None,
        "column": pos.column if pos else None,
        "path": problem.path,
        "message": problem.message,
        "display": display,
    }


def _source(source: Source | None) -> dict[str, Any] | None:
    return None if source is None else source.model_dump(mode="json", by_alias=True)


def _rules(
    rulebook: Rulebook, ids: Iterable[str], severities: Mapping[str, Severity]
) -> list[RuleDoc]:
    docs: list[RuleDoc] = []
    for rule_id in sorted(set(ids)):
        rule = rulebook.get(rule_id)
        reserved = RESERVED_RULES.get(rule_id)
        if rule is not None:
            spec = rule.spec
            title, severity, rationale = spec.title, spec.severity, spec.rationale
            source = _source(spec.source)
        elif reserved is not None:
            title, severity, rationale = reserved.title, reserved.severity.value, reserved.help
            source = None
        else:  # pragma: no cover - every finding's rule is in the rulebook or reserved
            continue
        configured = severities.get(rule_id)
        docs.append(
            {
                "id": rule_id,
                "title": text(title),
                "severity": configured.value if configured else severity,
                "rationale": text(rationale),
                "source": source,
            }
        )
    return docs


def build(
    report: Report,
    rulebook: Rulebook,
    *,
    fail_on: Severity | None,
    severities: Mapping[str, Severity] | None = None,
    root: Path | None = None,
) -> CanonicalReport:
    """The canonical document of ``report``; paths relative to ``root`` (default: the
    current folder)."""
    base = Path.cwd() if root is None else root
    findings: list[FindingDoc] = []
    comparisons: list[FindingDoc] = []
    for plan in report.plans:
        file = portable(plan.file, base)
        findings.extend(finding_doc(f, file, base) for f in plan.findings)
        comparisons.extend(finding_doc(f, file, base) for f in plan.comparisons)
    findings.sort(key=_order)
    comparisons.sort(key=_order)
    plans = sorted(
        (_plan_doc(p, base) for p in report.plans), key=lambda p: (p["file"], p["plan_id"])
    )
    problems = sorted(
        (problem_doc(p, base) for p in report.input_errors),
        key=lambda p: (p["file"], p["line"] or 0, p["column"] or 0, p["path"], p["message"]),
    )
    fixed: list[FixedDoc] | None = None
    if report.fixed is not None:
        fixed = [
            {
                "fingerprint": f.fingerprint,
                "plan_id": f.plan_id,
                "rule_id": f.rule_id,
                "entity": f.entity,
                "entity_key": f.entity_key,
                "entity_name": f.entity_name,
                "file": f.file,
                "message": text(f.message),
            }
            for f in report.fixed
        ]
    rule_ids = {r for p in report.plans for r in p.applied}
    rule_ids |= {d["rule_id"] for d in (*findings, *comparisons)}
    rule_ids |= {f["rule_id"] for p in plans for f in p["failures"]}
    counts = report.counts()
    with_baseline = report.fixed is not None
    summary: SummaryDoc = {
        "plans": len(report.plans),
        "findings": {s.value: counts.get(s, 0) for s in Severity},
        "open": sum(1 for d in findings if d["status"] == "open"),
        "waived": sum(1 for d in findings if d["status"] == "waived"),
        "known": sum(1 for d in findings if d["status"] == "known"),
        "new": sum(1 for d in findings if d["baseline"] == "new") if with_baseline else None,
        "fixed": len(fixed) if fixed is not None else None,
        "comparisons": len(comparisons),
        "input_errors": len(problems),
        "rule_failures": sum(len(p["failures"]) for p in plans),
        "fail_on": fail_on.value if fail_on else "never",
        "exit_code": int(report.exit_code(fail_on)),
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "tool": {"name": "complycheck", "version": __version__},
        "engine": report.engine,
        "summary": summary,
        "plans": plans,
        "findings": findings,
        "comparisons": comparisons,
        "fixed": fixed,
        "input_errors": problems,
        "rules": _rules(rulebook, rule_ids, severities or {}),
    }
