"""Which rules a run reports, and at what severity: ``select``/``ignore`` by rule id or id
prefix, and per-rule severity overrides, applied to a finished report.

A rule left out by the selection is listed among the rules not applied, with the reason; its
findings and evaluation errors are dropped. Waivers are applied before the selection, so a
waiver for a rule that is ignored is not reported as unused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from .findings import Finding, Severity
from .i18n import Text
from .report import PlanReport, Report, SkippedRule


def normalise(selector: str) -> str:
    return selector.strip().upper()


@dataclass(frozen=True)
class RuleFilter:
    """``select`` and ``ignore``: rule ids or id prefixes (``R1`` stands for R10 to R19).

    A rule is reported when the longest selector that matches it is in ``select``; with no
    ``select``, every rule is selected unless ``ignore`` matches it. At equal length,
    ``ignore`` wins. So ``select = ["R"]`` with ``ignore = ["R1"]`` reports R01 but not R16,
    and ``ignore = ["R"]`` with ``select = ["R16"]`` reports R16 alone of the R rules.
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def selects(self, rule_id: str) -> bool:
        matches = [(len(p), False) for p in self.ignore if rule_id.startswith(p)]
        matches += [(len(p), True) for p in self.select if rule_id.startswith(p)]
        if not self.select:
            matches.append((0, True))
        if not matches:
            return False
        longest = max(length for length, _ in matches)
        return all(chosen for length, chosen in matches if length == longest)

    @property
    def everything(self) -> bool:
        return not self.select and not self.ignore


def unmatched(selectors: Iterable[str], known: Collection[str]) -> list[str]:
    """The selectors that are no rule id and the prefix of none."""
    return [s for s in selectors if not any(rule_id.startswith(s) for rule_id in known)]


EXCLUDED = Text(zh="按配置不检查（select/ignore）", en="left out by the selection (select/ignore)")


def apply_selection(
    report: Report, rules: RuleFilter, severities: Mapping[str, Severity]
) -> Report:
    """``report`` with only the selected rules, at their configured severities."""
    if rules.everything and not severities:
        return report
    plans = tuple(_select_plan(p, rules, severities) for p in report.plans)
    return dataclasses.replace(report, plans=plans)


def _select_plan(
    plan: PlanReport, rules: RuleFilter, severities: Mapping[str, Severity]
) -> PlanReport:
    applied = tuple(r for r in plan.applied if rules.selects(r))
    left_out = tuple(SkippedRule(r, EXCLUDED) for r in plan.applied if not rules.selects(r))
    findings = tuple(_relevel(f, severities) for f in plan.findings if rules.selects(f.rule_id))
    return dataclasses.replace(
        plan,
        applied=applied,
        skipped=plan.skipped + left_out,
        findings=findings,
        comparisons=tuple(f for f in plan.comparisons if rules.selects(f.rule_id)),
        failures=tuple(x for x in plan.failures if rules.selects(x.rule_id)),
    )


def _relevel(finding: Finding, severities: Mapping[str, Severity]) -> Finding:
    """The finding at its rule's configured severity. As with the rule's own severity, a
    stated justification (原则上) lowers an error to a warning."""
    severity = severities.get(finding.rule_id)
    if severity is None:
        return finding
    if finding.justification and severity is Severity.ERROR:
        severity = Severity.WARNING
    return dataclasses.replace(finding, severity=severity)
