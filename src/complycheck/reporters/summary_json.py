"""The summary as data: one JSON document with every table of the summary and every finding,
texts in both languages. Sorted and free of timestamps (a recorded run carries its own), so
the same run gives the same bytes."""

from __future__ import annotations

import json
from typing import Any

from ..errors import Problem
from ..findings import Finding
from ..history.compare import Comparison
from ..history.linkage import is_linkage
from ..history.records import RecordedFinding
from ..i18n import Text
from ..profile import QUOTA_TYPES, QuotaCounts
from ..summary import PlaceNode, Summary, Tally

FORMAT = "complycheck-summary"
VERSION = 1


def _text(text: Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def _tally(tally: Tally) -> dict[str, int]:
    return {
        "error": tally.error,
        "warning": tally.warning,
        "info": tally.info,
        "total": tally.total,
    }


def _quotas(q: QuotaCounts) -> dict[str, int]:
    return {**{t: getattr(q, t) for t in QUOTA_TYPES}, "total": q.total}


def _place(node: PlaceNode) -> dict[str, Any]:
    return {
        "name": node.name,
        "level": node.level,
        "plans": node.plans,
        "plans_with_findings": node.plans_with_findings,
        "findings": _tally(node.tally),
        "children": [_place(c) for c in node.children],
    }


def finding_data(f: Finding, place: str, status: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "fingerprint": f.fingerprint,
        "kind": "linkage" if is_linkage(f) else "finding",
        "rule": f.rule_id,
        "severity": f.severity.value,
        "plan_id": f.plan_id,
        "jurisdiction": place,
        "entity": f.entity,
        "entity_key": f.entity_key,
        "entity_name": f.entity_name,
        "file": f.location.file,
        "line": f.location.line,
        "column": f.location.column,
        "message": _text(f.message),
        "remediation": _text(f.remediation),
        "values": {k: v for k, v in f.values},
        "citation": None
        if f.citation is None  # waiver findings cite no policy
        else {
            "jurisdiction": _text(f.citation.jurisdiction),
            "item": f.citation.item,
            "also": list(f.citation.also),
            "seed": f.citation.seed,
            "quote": f.citation.quote,
            "translation": f.citation.translation,
        },
    }
    if f.justification:
        data["justification"] = f.justification
    if status is not None:
        data["status"] = status
    return data


def _recorded(r: RecordedFinding) -> dict[str, Any]:
    return {
        "fingerprint": r.fingerprint,
        "kind": r.kind,
        "rule": r.rule_id,
        "severity": r.severity.value,
        "plan_id": r.plan_id,
        "entity": r.entity,
        "entity_key": r.entity_key,
        "entity_name": r.entity_name,
        "file": r.file,
        "line": r.line,
        "column": r.column,
        "message": _text(r.message),
        "remediation": _text(r.remediation),
    }


def problem_data(p: Problem) -> dict[str, Any]:
    return {
        "file": p.file,
        "line": p.position.line if p.position else None,
        "column": p.position.column if p.position else None,
        "path": p.path,
        "message": p.message,
    }


def _comparison(c: Comparison) -> dict[str, Any]:
    return {
        "run": {"id": c.run.id, "recorded": c.run.recorded, "command": c.run.command},
        "new": sum(len(p.new) for p in c.plans),
        "fixed": sum(len(p.fixed) for p in c.plans),
        "persisting": sum(len(p.persisting) for p in c.plans),
        "plans": [
            {
                "plan_id": p.plan_id,
                "status": p.status.value,
                "new": [f.fingerprint for f in p.new],
                "persisting": [f.fingerprint for f in p.persisting],
                "fixed": [_recorded(r) for r in p.fixed],
                "earlier": p.earlier,
            }
            for p in c.plans
        ],
    }


def summary_data(summary: Summary) -> dict[str, Any]:
    report = summary.report
    c = summary.coverage
    comparison = summary.comparison
    findings = [
        finding_data(f, summary.place_of(plan), comparison.status(f).value if comparison else None)
        for plan in report.plans
        for f in plan.findings
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "engine": report.engine,
        "run": summary.run_id,
        "totals": {
            "plans": len(report.plans),
            "plans_with_findings": summary.plans_with_findings,
            "findings": summary.tally.total,
            "by_severity": _tally(summary.tally),
            "comparisons": sum(len(p.comparisons) for p in report.plans),
            "linkage": len(summary.linkage),
            "unreadable_files": summary.unreadable_files,
            "input_errors": len(report.input_errors),
            "rule_failures": sum(len(p.failures) for p in report.plans),
        },
        "by_rule": [
            {
                "rule": r.rule_id,
                "title": _text(r.title),
                "findings": _tally(r.tally),
                "plans": r.plans,
                "by_jurisdiction": [{"jurisdiction": k, "findings": n} for k, n in r.places],
            }
            for r in summary.rules
        ],
        "by_jurisdiction": [_place(n) for n in summary.places],
        "worst_plans": [
            {
                "plan_id": p.plan_id,
                "title": p.title,
                "file": p.file,
                "jurisdiction": p.place,
                "findings": _tally(p.tally),
            }
            for p in summary.worst_plans
        ],
        "worst_units": [
            {
                "plan_id": u.plan_id,
                "unit": u.unit_id,
                "name": u.name,
                "location": u.location,
                "jurisdiction": u.place,
                "findings": _tally(u.tally),
                "rules": list(u.rules),
            }
            for u in summary.worst_units
        ],
        "coverage": {
            "quotas_before": _quotas(c.quotas_before),
            "quotas_after": _quotas(c.quotas_after),
            "units": c.units,
            "units_with_findings": c.units_with_findings,
            "quotas_with_findings": c.quotas_with_findings,
            "grids": c.grids,
            "grids_with_findings": c.grids_with_findings,
            "households": c.households,
            "households_with_findings": c.households_with_findings,
            "population": c.population,
            "population_with_findings": c.population_with_findings,
        },
        "plans": [
            {
                "plan_id": p.plan_id,
                "title": p.title,
                "file": p.file,
                "jurisdiction": summary.place_of(p),
                "packs": list(p.packs),
                "as_of": p.as_of.isoformat(),
                "findings": _tally(Tally.of(p.findings)),
            }
            for p in report.plans
        ],
        "findings": findings,
        "comparisons": [
            finding_data(f, summary.place_of(plan))
            for plan in report.plans
            for f in plan.comparisons
        ],
        "rule_failures": [
            {"plan_id": p.plan_id, "file": p.file, "rule": f.rule_id, "message": f.message}
            for p in report.plans
            for f in p.failures
        ],
        "input_errors": [problem_data(p) for p in report.input_errors],
        "changes": _comparison(comparison) if comparison else None,
    }


def summary_json(summary: Summary) -> str:
    return json.dumps(summary_data(summary), ensure_ascii=False, indent=2, default=str) + "\n"
