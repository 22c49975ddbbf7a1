"""New, fixed and persisting findings of each plan since a recorded run.

A finding is the same finding in two runs when its fingerprint is: the same plan id, rule,
entity, entity key and deciding values. A finding whose values changed (a unit's quotas went
from 8 to 9, still under the floor) is therefore one fixed finding and one new one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from ..findings import Finding
from ..report import Report
from .records import RecordedFinding, RunInfo


class PlanStatus(StrEnum):
    CHECKED = "checked"  # in both runs
    NEW = "new"  # not in the earlier run
    NOT_CHECKED = "not_checked"  # in the earlier run only: its findings are neither fixed nor not


class Status(StrEnum):
    NEW = "new"
    FIXED = "fixed"
    PERSISTING = "persisting"


@dataclass(frozen=True)
class PlanChange:
    plan_id: str
    status: PlanStatus
    new: tuple[Finding, ...] = ()
    persisting: tuple[Finding, ...] = ()
    fixed: tuple[RecordedFinding, ...] = ()
    earlier: int = 0  # findings the earlier run recorded for the plan


@dataclass(frozen=True)
class Comparison:
    run: RunInfo
    plans: tuple[PlanChange, ...]
    _persisting: frozenset[tuple[str, str]] = frozenset()

    def total(self, status: Status) -> int:
        return sum(len(getattr(p, status.value)) for p in self.plans)

    def status(self, finding: Finding) -> Status:
        """New or persisting, for a finding of this run."""
        if (finding.plan_id, finding.fingerprint) in self._persisting:
            return Status.PERSISTING
        return Status.NEW


def compare(
    report: Report, run: RunInfo, recorded: list[RecordedFinding], plan_ids: set[str]
) -> Comparison:
    """Compare ``report`` with ``run``, which recorded ``recorded`` for the plans ``plan_ids``."""
    now: dict[str, list[Finding]] = defaultdict(list)
    for plan in report.plans:
        now[plan.plan_id].extend(plan.findings)
    before: dict[str, list[RecordedFinding]] = defaultdict(list)
    for item in recorded:
        before[item.plan_id].append(item)
    changes: list[PlanChange] = []
    for plan_id in sorted(set(now) | plan_ids):
        if plan_id not in now:
            changes.append(
                PlanChange(plan_id, PlanStatus.NOT_CHECKED, earlier=len(before[plan_id]))
            )
            continue
        old = {r.fingerprint for r in before[plan_id]}
        current = now[plan_id]
        seen = {f.fingerprint for f in current}
        changes.append(
            PlanChange(
                plan_id,
                PlanStatus.CHECKED if plan_id in plan_ids else PlanStatus.NEW,
                new=tuple(f for f in current if f.fingerprint not in old),
                persisting=tuple(f for f in current if f.fingerprint in old),
                fixed=tuple(r for r in before[plan_id] if r.fingerprint not in seen),
                earlier=len(before[plan_id]),
            )
        )
    persisting = frozenset((f.plan_id, f.fingerprint) for c in changes for f in c.persisting)
    return Comparison(run, tuple(changes), persisting)
