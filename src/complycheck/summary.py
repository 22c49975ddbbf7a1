"""A summary of one run over many plans: findings by rule, by severity and by jurisdiction
(province → city → county), the plans and units with the most findings, and the quotas and
grids the findings touch. Built from the run's :class:`~complycheck.report.Report`; the
reporters in :mod:`complycheck.reporters` only render it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .findings import Finding, Severity
from .history.compare import Comparison
from .history.linkage import is_linkage
from .i18n import Text, fold
from .profile import QuotaCounts
from .report import PlanReport, Report
from .rulebook.load import Rulebook


@dataclass(frozen=True)
class Tally:
    """Findings counted by severity."""

    error: int = 0
    warning: int = 0
    info: int = 0

    @property
    def total(self) -> int:
        return self.error + self.warning + self.info

    def get(self, severity: Severity) -> int:
        return int(getattr(self, severity.value))

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.error + other.error, self.warning + other.warning, self.info + other.info)

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Tally:
        counts = dict.fromkeys(("error", "warning", "info"), 0)
        for f in findings:
            counts[f.severity.value] += 1
        return cls(**counts)

    def worst_first(self) -> tuple[int, int, int, int]:
        """A sort key: more errors first, then more warnings, then more info."""
        return (-self.error, -self.warning, -self.info, -self.total)


@dataclass(frozen=True)
class RuleLine:
    rule_id: str
    title: Text
    tally: Tally
    plans: int  # plans with at least one finding of the rule
    places: tuple[tuple[str, int], ...]  # findings by jurisdiction, most first


@dataclass
class PlaceNode:
    """A province, city or jurisdiction, with everything below it rolled up."""

    level: str
    name: str
    plans: int = 0
    plans_with_findings: int = 0
    tally: Tally = Tally()
    own_plans: int = 0  # plans of this jurisdiction itself (a city's own plan, say)
    own_tally: Tally = Tally()
    children: list[PlaceNode] = field(default_factory=list)

    def walk(self, depth: int = 0) -> Iterable[tuple[int, PlaceNode]]:
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class PlanLine:
    plan_id: str
    title: str
    file: str
    place: str
    tally: Tally


@dataclass(frozen=True)
class UnitLine:
    plan_id: str
    unit_id: str
    name: str
    location: str
    place: str
    tally: Tally
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """The quotas and grids of the plans summarised, and those with findings."""

    quotas_before: QuotaCounts = field(default_factory=QuotaCounts)
    quotas_after: QuotaCounts = field(default_factory=QuotaCounts)
    units: int = 0
    units_with_findings: int = 0
    quotas_with_findings: int = 0  # approved quotas, after the plan, of units with findings
    grids: int = 0
    grids_with_findings: int = 0
    households: int = 0
    households_with_findings: int = 0
    population: int = 0
    population_with_findings: int = 0


@dataclass(frozen=True)
class Summary:
    report: Report
    tally: Tally
    rules: tuple[RuleLine, ...]
    places: tuple[PlaceNode, ...]
    worst_plans: tuple[PlanLine, ...]
    worst_units: tuple[UnitLine, ...]
    coverage: Coverage
    titles: dict[str, Text]
    plans_with_findings: int
    comparison: Comparison | None = None
    run_id: int | None = None

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    @property
    def linkage(self) -> list[Finding]:
        return [f for f in self.report.findings if is_linkage(f)]

    @property
    def unreadable_files(self) -> int:
        """Files that could not be checked (each may have several input errors)."""
        return len({p.file for p in self.report.input_errors})

    def overview(self) -> list[tuple[str, int]]:
        """The overview's counts, each under its label key (severities under their code)."""
        report = self.report
        return [
            ("plans_checked", len(report.plans)),
            ("plans_with_findings", self.plans_with_findings),
            *((s.value, self.tally.get(s)) for s in Severity),
            ("total", self.tally.total),
            ("comparisons", sum(len(p.comparisons) for p in report.plans)),
            ("linkage_count", len(self.linkage)),
            ("unreadable_files", self.unreadable_files),
            ("input_errors", len(report.input_errors)),
            ("rule_failures", sum(len(p.failures) for p in report.plans)),
        ]

    def place_of(self, plan: PlanReport) -> str:
        return place_name(plan)


def place_name(plan: PlanReport) -> str:
    if plan.profile is None:
        return plan.jurisdiction
    return " / ".join(name for _, name in plan.profile.place.chain())


def _titles(report: Report, rulebook: Rulebook) -> dict[str, Text]:
    titles: dict[str, Text] = {}
    for f in report.findings:
        if f.rule_id not in titles:
            rule = rulebook.get(f.rule_id)
            titles[f.rule_id] = rule.spec.title if rule else Text(zh=f.rule_id, en=f.rule_id)
    return titles


def _rules(report: Report, titles: dict[str, Text]) -> tuple[RuleLine, ...]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    plans: dict[str, set[int]] = defaultdict(set)
    places: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for index, plan in enumerate(report.plans):
        where = place_name(plan)
        for f in plan.findings:
            by_rule[f.rule_id].append(f)
            plans[f.rule_id].add(index)
            places[f.rule_id][where] += 1
    lines = [
        RuleLine(
            rule_id,
            titles[rule_id],
            Tally.of(items),
            len(plans[rule_id]),
            tuple(sorted(places[rule_id].items(), key=lambda kv: (-kv[1], kv[0]))),
        )
        for rule_id, items in by_rule.items()
    ]
    return tuple(sorted(lines, key=lambda r: (*r.tally.worst_first(), r.rule_id)))


def _places(report: Report) -> tuple[PlaceNode, ...]:
    top = PlaceNode("all", "")
    nodes: dict[tuple[str, ...], PlaceNode] = {}
    for plan in report.plans:
        chain = (
            plan.profile.place.chain() if plan.profile else (("jurisdiction", plan.jurisdiction),)
        )
        tally = Tally.of(plan.findings)
        parent = top
        key: tuple[str, ...] = ()
        for level, name in chain:
            key = (*key, fold(name))
            node = nodes.get(key)
            if node is None:
                node = nodes[key] = PlaceNode(level, name)
                parent.children.append(node)
            node.plans += 1
            node.plans_with_findings += bool(plan.findings)
            node.tally += tally
            parent = node
        parent.own_plans += 1
        parent.own_tally += tally
    for node in (top, *nodes.values()):
        node.children.sort(key=lambda n: (*n.tally.worst_first(), n.name))
    return tuple(top.children)


def _worst_plans(report: Report, top: int) -> tuple[PlanLine, ...]:
    lines = [
        PlanLine(p.plan_id, p.title, p.file, place_name(p), Tally.of(p.findings))
        for p in report.plans
        if p.findings
    ]
    lines.sort(key=lambda p: (*p.tally.worst_first(), p.plan_id, p.file))
    return tuple(lines[:top])


def _worst_units(report: Report, top: int) -> tuple[UnitLine, ...]:
    lines: list[UnitLine] = []
    for plan in report.plans:
        by_unit: dict[str, list[Finding]] = defaultdict(list)
        for f in plan.findings:
            if f.entity == "unit":
                by_unit[f.entity_key].append(f)
        for unit_id, items in by_unit.items():
            first = min(items, key=lambda f: f.location)
            lines.append(
                UnitLine(
                    plan.plan_id,
                    unit_id,
                    first.entity_name,
                    str(first.location),
                    place_name(plan),
                    Tally.of(items),
                    tuple(sorted({f.rule_id for f in items})),
                )
            )
    lines.sort(key=lambda u: (*u.tally.worst_first(), u.plan_id, u.unit_id))
    return tuple(lines[:top])


def _coverage(report: Report) -> Coverage:
    totals: dict[str, int] = defaultdict(int)
    before, after = QuotaCounts(), QuotaCounts()
    for plan in report.plans:
        profile = plan.profile
        if profile is None:
            continue
        before += profile.quotas_before
        after += profile.quotas_after
        totals["units"] += profile.units
        totals["units_with_findings"] += len(profile.units_with_findings)
        totals["quotas_with_findings"] += sum(q for _, q in profile.units_with_findings)
        totals["grids"] += profile.grids
        totals["grids_with_findings"] += len(profile.grids_with_findings)
        totals["households"] += profile.households
        totals["households_with_findings"] += sum(h for _, h, _ in profile.grids_with_findings)
        totals["population"] += profile.population
        totals["population_with_findings"] += sum(p for _, _, p in profile.grids_with_findings)
    return Coverage(quotas_before=before, quotas_after=after, **totals)


def summarise(
    report: Report,
    rulebook: Rulebook,
    *,
    top: int = 10,
    comparison: Comparison | None = None,
    run_id: int | None = None,
) -> Summary:
    """Summarise ``report``; ``top`` plans and units are listed as the worst."""
    titles = _titles(report, rulebook)
    return Summary(
        report=report,
        tally=Tally.of(report.findings),
        rules=_rules(report, titles),
        places=_places(report),
        worst_plans=_worst_plans(report, top),
        worst_units=_worst_units(report, top),
        coverage=_coverage(report),
        titles=titles,
        plans_with_findings=sum(1 for p in report.plans if p.findings),
        comparison=comparison,
        run_id=run_id,
    )
