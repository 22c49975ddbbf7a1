"""A repository's policy applied to a finished report: waivers, then the rule selection and
severity overrides, then the baseline. The checking itself is untouched; this only decides how
each finding counts.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .baseline import Baseline, compare, load_baseline, updated, write_baseline
from .config import Settings
from .errors import InputError, Problem
from .findings import Severity
from .report import LocatedWaiver, Report
from .selection import RuleFilter, apply_selection
from .waivers import apply_waivers, load_waiver_file


@dataclass(frozen=True)
class Policy:
    rules: RuleFilter = field(default_factory=RuleFilter)
    severities: Mapping[str, Severity] = field(default_factory=dict)
    waivers: tuple[LocatedWaiver, ...] = ()  # from waiver files; a plan's own travel with it
    baseline: Baseline | None = None
    today: dt.date = field(default_factory=dt.date.today)  # waivers expire against it


def load_policy(settings: Settings, today: dt.date, *, update_baseline: bool = False) -> Policy:
    """The policy the settings describe, with its waiver files and baseline read. A missing
    baseline file is an error unless the run is to create it."""
    problems: list[Problem] = []
    waivers: list[LocatedWaiver] = []
    for path in settings.waivers.value:
        try:
            waivers.extend(load_waiver_file(path))
        except InputError as exc:
            problems.extend(exc.problems)
    baseline: Baseline | None = None
    baseline_path = settings.baseline.value
    if baseline_path is not None:
        display = str(baseline_path)
        if not baseline_path.exists():
            baseline = Baseline()
            if not update_baseline:
                problems.append(
                    Problem(display, None, "no such baseline file; --update-baseline creates it")
                )
        else:
            try:
                baseline = load_baseline(baseline_path, display=display)
            except InputError as exc:
                problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return Policy(
        rules=RuleFilter(settings.select.value, settings.ignore.value),
        severities={rule_id: s.value for rule_id, s in settings.severity.items()},
        waivers=tuple(waivers),
        baseline=baseline,
        today=today,
    )


def apply_policy(report: Report, policy: Policy, rule_ids: set[str]) -> Report:
    """``report`` with waivers applied, only the selected rules at their configured
    severities, and each finding compared with the baseline, if any. ``rule_ids``: the
    rulebook's rules, which waivers may name."""
    report = apply_waivers(report, policy.waivers, policy.today, rule_ids)
    report = apply_selection(report, policy.rules, policy.severities)
    if policy.baseline is not None:
        report = compare(report, policy.baseline)
    return report


def update_baseline(report: Report, policy: Policy, path: Path) -> Report:
    """Write the baseline of this run to ``path`` (atomically) and compare the report with
    it. A run with input errors or rules that could not be evaluated does not say what the
    plans' findings are, so it leaves the baseline alone: :class:`InputError`."""
    if report.input_errors or any(p.failures for p in report.plans):
        raise InputError.single(
            str(path),
            None,
            "the baseline was not updated: the run has input errors or rules that could not "
            "be evaluated; fix them first",
        )
    baseline = updated(report, policy.baseline or Baseline(), Path.cwd())
    write_baseline(path, baseline)
    return compare(report, baseline)


def source_date_epoch(environ: Mapping[str, str] | None = None) -> dt.datetime | None:
    """The time ``SOURCE_DATE_EPOCH`` sets for reproducible output (UTC), if it is set."""
    env = os.environ if environ is None else environ
    value = env.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise InputError.single(
            "SOURCE_DATE_EPOCH",
            None,
            f"expected a whole number of seconds since 1970-01-01 UTC, got {value!r}",
        ) from None


def run_date(environ: Mapping[str, str] | None = None) -> dt.date:
    """The date of the run, which waivers expire against: today, or the date (UTC) of
    ``SOURCE_DATE_EPOCH`` when it is set."""
    fixed = source_date_epoch(environ)
    return fixed.date() if fixed is not None else dt.date.today()
