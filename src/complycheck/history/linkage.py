"""Rectification linkage from the review history (R19, 问题整改和审批联动).

R19 reads a plan's own rectification ledger: a unit with an open problem may not be asked
staffing for. The history database knows more: the findings of earlier reviews. A finding on a
unit is still open when the latest recorded check of its plan reported it, and, where this run
checks that plan again, this run reports it too. When another plan of the same jurisdiction
asks staffing for such a unit (it creates the unit, raises its quotas or plans hires, R19's
reading of a request), or creates a unit from a predecessor with open findings, the unit gets
an R19 finding of its own, citing R19's policy text and naming the open findings. (A plan's own
earlier findings are not weighed against it: comparing runs shows them as persisting.)

A unit is the same unit across plans of the same jurisdiction (province, city and name) when
its id is the same. Linkage applies where R19 applies: to plans whose policy packs include it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..findings import Finding, Location, Severity
from ..i18n import Text
from ..profile import StaffingRequest
from ..report import PlanReport, Report
from ..rulebook.load import LoadedRule

if TYPE_CHECKING:
    from .records import RecordedFinding

RULE_ID = "R19"
BASIS = ("basis", "review history")


def is_linkage(finding: Finding) -> bool:
    """Whether ``finding`` was made by the rectification linkage (not by the rule itself)."""
    return finding.rule_id == RULE_ID and finding.values[:1] == (BASIS,)


def still_open(report: Report, earlier: Sequence[RecordedFinding]) -> list[RecordedFinding]:
    """The findings of ``earlier`` not fixed since: a plan this run checks again must report
    them again."""
    now: dict[str, set[str]] = defaultdict(set)
    for plan in report.plans:
        now[plan.plan_id].update(f.fingerprint for f in plan.findings)
    return [r for r in earlier if r.plan_id not in now or r.fingerprint in now[r.plan_id]]


def link(
    report: Report, open_findings: Sequence[RecordedFinding], rule: LoadedRule | None
) -> Report:
    """``report`` with a linkage finding on every unit asked staffing for while findings on it
    (or on a predecessor it is created from) are still open."""
    if rule is None:
        return report
    by_unit: dict[tuple[str, str], list[RecordedFinding]] = defaultdict(list)
    for item in open_findings:
        by_unit[(item.place_key, item.entity_key)].append(item)
    plans = tuple(_link_plan(plan, by_unit, rule) for plan in report.plans)
    return dataclasses.replace(report, plans=plans)


def _link_plan(
    plan: PlanReport,
    by_unit: dict[tuple[str, str], list[RecordedFinding]],
    rule: LoadedRule,
) -> PlanReport:
    profile = plan.profile
    if profile is None or RULE_ID not in plan.applied:
        return plan
    place = profile.place.key
    added: list[Finding] = []

    def open_on(unit_id: str) -> list[RecordedFinding]:
        # Findings of this same plan are its own earlier review: `--compare` shows them as
        # persisting or fixed; linkage weighs the findings of the jurisdiction's other plans.
        return [i for i in by_unit.get((place, unit_id), []) if i.plan_id != plan.plan_id]

    for request in profile.requests:
        own = open_on(request.unit_id)
        preds = request.predecessors if request.creates else ()
        via = [(pred, items) for pred in preds if (items := open_on(pred))]
        if own or via:
            added.append(_finding(plan, request, own, via, rule))
    if not added:
        return plan
    involved = dict(profile.units_with_findings)
    involved.update((f.entity_key, _quotas_after(profile.requests, f.entity_key)) for f in added)
    return dataclasses.replace(
        plan,
        findings=tuple(sorted((*plan.findings, *added), key=lambda f: f.sort_key())),
        profile=dataclasses.replace(profile, units_with_findings=tuple(sorted(involved.items()))),
    )


def _quotas_after(requests: tuple[StaffingRequest, ...], unit_id: str) -> int:
    return next(r.quotas_after for r in requests if r.unit_id == unit_id)


def _request_text(request: StaffingRequest) -> Text:
    zh: list[str] = []
    en: list[str] = []
    if request.change == "new":
        zh.append("新设")
        en.append("a new unit")
    elif request.change == "merged":
        zh.append("合并组建")
        en.append("a merged unit")
    if request.quotas_after > request.quotas_before:
        zh.append(f"编制{request.quotas_before}→{request.quotas_after}名")
        en.append(f"quotas {request.quotas_before} → {request.quotas_after}")
    if request.planned_hires:
        zh.append(f"计划进人{request.planned_hires}名")
        en.append(f"{request.planned_hires} planned hire(s)")
    return Text.model_construct(zh="，".join(zh), en=", ".join(en))


def _open_text(items: Sequence[RecordedFinding]) -> Text:
    rules = sorted({i.rule_id for i in items})
    runs = sorted({i.run_id for i in items})
    runs_zh = "、".join(f"第{r}次" for r in runs)
    runs_en = ", ".join(f"#{r}" for r in runs)
    return Text.model_construct(
        zh=f"{len(items)}项问题仍未整改（{'、'.join(rules)}；见{runs_zh}记录）",
        en=f"{len(items)} finding(s) still open ({', '.join(rules)}; recorded in run {runs_en})",
    )


def _finding(
    plan: PlanReport,
    request: StaffingRequest,
    own: Sequence[RecordedFinding],
    via: Sequence[tuple[str, Sequence[RecordedFinding]]],
    rule: LoadedRule,
) -> Finding:
    name = request.name
    clauses_zh: list[str] = []
    clauses_en: list[str] = []
    if own:
        text = _open_text(own)
        clauses_zh.append(f"「{name}」在以往审查中有{text.zh}")
        clauses_en.append(f'"{name}" has {text.en} from earlier reviews')
    for pred, items in via:
        text = _open_text(items)
        pred_name = items[0].entity_name or pred
        clauses_zh.append(f"其前身单位「{pred_name}」在以往审查中有{text.zh}")
        clauses_en.append(f'its predecessor "{pred_name}" has {text.en} from earlier reviews')
    request_text = _request_text(request)
    message = Text.model_construct(
        zh="；".join(clauses_zh) + f"，本方案仍为「{name}」提出机构编制申请（{request_text.zh}）",
        en="; ".join(clauses_en)
        + f', yet the plan makes a staffing request for "{name}" ({request_text.en})',
    )
    remediation = Text.model_construct(
        zh="先将上述问题整改到位，并经复查确认（再次检查不再报告），"
        f"再为「{name}」提出申请；或从本方案中撤回对「{name}」的新设、增编或进人要求",
        en="Rectify these findings and have them confirmed by a new check (which no longer "
        f'reports them) before applying for "{name}", or withdraw the request for it '
        "(its creation, more quotas or hires) from this plan",
    )
    position = request.position
    return Finding(
        rule_id=RULE_ID,
        severity=Severity(rule.spec.severity),
        plan_id=plan.plan_id,
        entity="unit",
        entity_key=request.unit_id,
        entity_name=name,
        location=Location(
            plan.file, position.line if position else 1, position.column if position else 1
        ),
        message=message,
        remediation=remediation,
        values=(
            BASIS,
            ("change", request.change),
            ("quota_before_total", request.quotas_before),
            ("quota_after_total", request.quotas_after),
            ("planned_hires", request.planned_hires),
        ),
        citation=rule.spec.source,
    )
