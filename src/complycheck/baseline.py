"""Baselines: the findings a repository already knows about, so that only new ones fail a run.

A baseline file lists findings by their fingerprint: the plan, the rule, the entity and the
rule's parameters, never the line. Moving or reordering a plan's entries therefore changes
nothing. Compared with a baseline, each finding of a plan in the run is *new* or *known*, and
each baseline finding of a plan in the run that is no longer found is *fixed*. Findings of
plans not checked in the run are left alone, in the comparison and when the file is updated.

Waived findings and the findings about waivers are never written to a baseline: a waiver
that expires must make the run fail again.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .errors import InputError, Problem
from .fileio import write_atomic
from .findings import Finding
from .i18n import Text
from .paths import portable
from .report import FixedFinding, PlanReport, Report
from .source import load_file
from .validate import pydantic_problems
from .waivers import RESERVED_RULES

VERSION = 1
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")


class Entry(BaseModel):
    """One known finding."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    fingerprint: str
    plan: str
    rule: str
    entity: str
    key: str
    name: str
    file: str
    message: Text

    @field_validator("fingerprint")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _FINGERPRINT.fullmatch(value):
            raise ValueError(f"expected a fingerprint of 16 hexadecimal digits, got {value!r}")
        return value

    def order(self) -> tuple[str, str, str, str]:
        return (self.plan, self.rule, self.key, self.fingerprint)


class BaselineFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    complycheck_baseline: Literal[1]
    findings: list[Entry]


@dataclasses.dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...] = ()


def load_baseline(path: Path, *, display: str | None = None) -> Baseline:
    """Read a baseline file; raise :class:`InputError` naming every problem."""
    doc = load_file(path, display=display)
    if not isinstance(doc.data, dict):
        raise InputError.single(
            doc.source.file,
            doc.source.position(()),
            "expected a baseline file: a mapping with 'complycheck_baseline' and 'findings'",
        )
    try:
        parsed = BaselineFile.model_validate(doc.data)
    except ValidationError as exc:
        problems = pydantic_problems(exc, doc.source, BaselineFile)
        raise InputError(sorted(problems, key=_order)) from None
    return Baseline(tuple(parsed.findings))


def _order(p: Problem) -> tuple[int, int, str]:
    pos = p.position
    return (pos.line if pos else 0, pos.column if pos else 0, p.message)


def tracked(finding: Finding) -> bool:
    """Whether a baseline may hold the finding: not waived, not about a waiver."""
    return finding.waiver is None and finding.rule_id not in RESERVED_RULES


def compare(report: Report, baseline: Baseline) -> Report:
    """Mark each finding new or known; list the baseline's findings no longer found."""
    checked = {p.plan_id for p in report.plans}
    relevant = sorted((e for e in baseline.entries if e.plan in checked), key=Entry.order)
    unmatched = Counter(e.fingerprint for e in relevant)
    plans: list[PlanReport] = []
    for plan in report.plans:
        findings: list[Finding] = []
        for finding in plan.findings:
            if tracked(finding):
                state: Literal["new", "known"] = "new"
                if unmatched[finding.fingerprint] > 0:
                    unmatched[finding.fingerprint] -= 1
                    state = "known"
                finding = dataclasses.replace(finding, baseline=state)
            findings.append(finding)
        plans.append(dataclasses.replace(plan, findings=tuple(findings)))
    fixed: list[FixedFinding] = []
    for entry in reversed(relevant):  # the last of equal entries are the ones left over
        if unmatched[entry.fingerprint] > 0:
            unmatched[entry.fingerprint] -= 1
            fixed.append(_fixed(entry))
    fixed.sort(key=lambda f: (f.plan_id, f.rule_id, f.entity_key, f.fingerprint))
    return dataclasses.replace(report, plans=tuple(plans), fixed=tuple(fixed))


def _fixed(entry: Entry) -> FixedFinding:
    return FixedFinding(
        fingerprint=entry.fingerprint,
        plan_id=entry.plan,
        rule_id=entry.rule,
        entity=entry.entity,
        entity_key=entry.key,
        entity_name=entry.name,
        file=entry.file,
        message=entry.message,
    )


def updated(report: Report, previous: Baseline, root: Path) -> Baseline:
    """The baseline after this run: the findings of the plans checked, and the previous
    entries of every plan not checked."""
    checked = {p.plan_id for p in report.plans}
    kept = [e for e in previous.entries if e.plan not in checked]
    current = [_entry(f, root) for f in report.findings if tracked(f)]
    return Baseline(tuple(sorted([*kept, *current], key=Entry.order)))


def _entry(finding: Finding, root: Path) -> Entry:
    return Entry(
        fingerprint=finding.fingerprint,
        plan=finding.plan_id,
        rule=finding.rule_id,
        entity=finding.entity,
        key=finding.entity_key,
        name=finding.entity_name,
        file=portable(finding.location.file, root),
        message=finding.message,
    )


def dumps(baseline: Baseline) -> str:
    """The baseline file's text: sorted, without dates or line numbers, so that it changes
    only when the findings do."""
    data = {
        "complycheck_baseline": VERSION,
        "findings": [e.model_dump() for e in sorted(baseline.entries, key=Entry.order)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_baseline(path: Path, baseline: Baseline) -> None:
    write_atomic(path, dumps(baseline))
