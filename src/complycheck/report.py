"""The canonical report of one run: every plan checked, its findings, the rules applied and
skipped, and every input error. Reporters render it; nothing else decides what it says."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from enum import IntEnum

from .errors import Problem
from .findings import Finding, Location, Severity
from .i18n import Text
from .model.plan import Waiver
from .profile import PlanProfile


class ExitCode(IntEnum):
    """0: nothing at or above the fail level; 1: findings at or above it;
    2: usage, input, rulebook or rule-evaluation error."""

    OK = 0
    FINDINGS = 1
    ERROR = 2


@dataclass(frozen=True)
class SkippedRule:
    rule_id: str
    reason: Text


@dataclass(frozen=True)
class RuleFailure:
    """A rule that could not be evaluated for a plan: an error result, never a pass."""

    rule_id: str
    message: str


@dataclass(frozen=True)
class LocatedWaiver:
    """A waiver written in a plan or a waiver file, and where."""

    plan_id: str
    waiver: Waiver
    location: Location
    path: str = ""  # where in its file, as a field path: waivers[2]


@dataclass(frozen=True)
class FixedFinding:
    """A finding of the baseline that this run no longer finds."""

    fingerprint: str
    plan_id: str
    rule_id: str
    entity: str
    entity_key: str
    entity_name: str
    file: str
    message: Text


@dataclass(frozen=True)
class PlanReport:
    file: str
    plan_id: str
    title: str
    jurisdiction: str
    as_of: dt.date
    packs: tuple[str, ...]
    findings: tuple[Finding, ...]
    applied: tuple[str, ...]
    comparisons: tuple[Finding, ...] = ()  # advisory benchmarks: never violations
    skipped: tuple[SkippedRule, ...] = ()
    failures: tuple[RuleFailure, ...] = ()
    waivers: tuple[LocatedWaiver, ...] = ()  # the plan's own waivers
    profile: PlanProfile | None = None  # where the plan belongs and what it covers, for summaries


@dataclass(frozen=True)
class Report:
    plans: tuple[PlanReport, ...]
    input_errors: tuple[Problem, ...] = ()
    engine: str = "durable"
    fixed: tuple[FixedFinding, ...] | None = None  # None: no baseline was compared

    @property
    def findings(self) -> list[Finding]:
        return [f for p in self.plans for f in p.findings]

    def counts(self) -> Counter[Severity]:
        """Findings by severity, waived and known ones included: they are shown, not hidden."""
        return Counter(f.severity for f in self.findings)

    def exit_code(self, fail_on: Severity | None) -> ExitCode:
        """Waived findings and findings known from the baseline never fail a run."""
        if self.input_errors or any(p.failures for p in self.plans):
            return ExitCode.ERROR
        if fail_on is not None and any(
            f.is_open and f.severity.rank >= fail_on.rank for f in self.findings
        ):
            return ExitCode.FINDINGS
        return ExitCode.OK
