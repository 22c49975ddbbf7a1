"""One run, start to finish: find plan files, load and validate each, build facts, evaluate
the rules in scope, and collect findings into the canonical report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .engine import Engine
from .errors import InputError, Problem
from .facts import build_facts
from .findings import make_finding
from .i18n import Text, fold
from .model.plan import Plan
from .report import PlanReport, Report, RuleFailure, SkippedRule
from .rulebook.load import LoadedRule, Rulebook
from .validate import LoadedPlan, load_plan

PLAN_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class PlanFile:
    path: Path
    display: str


def discover(paths: Sequence[Path]) -> tuple[list[PlanFile], list[Problem]]:
    """Plan files named directly, and every plan file below the named folders, sorted."""
    found: list[PlanFile] = []
    missing: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in PLAN_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            found.extend(PlanFile(p, str(p)) for p in files)
        elif path.is_file():
            found.append(PlanFile(path, str(path)))
        else:
            missing.append(Problem(str(path), None, "no such file or folder"))
    return found, missing


def _place(plan: Plan) -> str:
    """``山西省 / 太原市 / 清徐县``: the jurisdiction with the city and province it belongs to."""
    j = plan.plan.jurisdiction
    return " / ".join(dict.fromkeys(x for x in (j.province, j.city, j.name) if x))


def in_scope(rule: LoadedRule, plan: Plan) -> SkippedRule | None:
    """Why ``rule`` does not apply to ``plan``, or None when it does."""
    regions = rule.spec.scope.regions
    if not regions:
        return None
    j = plan.plan.jurisdiction
    mine = {fold(x) for x in (j.name, j.city, j.province) if x}
    if mine & {fold(r) for r in regions}:
        return None
    policy = "、".join(regions)
    place = _place(plan)
    return SkippedRule(
        rule.spec.id,
        Text(
            zh=f"该规则为{policy}的政策，本方案所属辖区为{place}",
            en=f"the rule is the policy of {policy}; this plan's jurisdiction is {place}",
        ),
    )


def check_plan(loaded: LoadedPlan, rulebook: Rulebook, engine: Engine) -> PlanReport:
    plan = loaded.plan
    applied: list[LoadedRule] = []
    skipped: list[SkippedRule] = []
    for rule in rulebook.rules:
        reason = in_scope(rule, plan)
        if reason is None:
            applied.append(rule)
        else:
            skipped.append(reason)
    facts = build_facts(plan, loaded.source)
    result = engine.evaluate([r.compiled for r in applied], facts)
    by_key = {(f.entity, f.key): f for f in facts}
    compiled = {r.spec.id: r.compiled for r in applied}
    findings = [
        make_finding(
            compiled[hit.rule_id],
            by_key[(compiled[hit.rule_id].entity, hit.key)],
            plan.plan.id,
            loaded.file,
        )
        for hit in result.hits
    ]
    findings.sort(key=lambda f: f.sort_key())
    return PlanReport(
        file=loaded.file,
        plan_id=plan.plan.id,
        title=plan.plan.title,
        jurisdiction=_place(plan),
        findings=tuple(findings),
        applied=tuple(r.spec.id for r in applied),
        skipped=tuple(skipped),
        failures=tuple(RuleFailure(k, v) for k, v in sorted(result.errors.items())),
    )


def check_paths(paths: Iterable[Path], rulebook: Rulebook, engine: Engine) -> Report:
    paths = list(paths)
    files, problems = discover(paths)
    reports: list[PlanReport] = []
    for plan_file in files:
        try:
            loaded = load_plan(plan_file.path, display=plan_file.display)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        reports.append(check_plan(loaded, rulebook, engine))
    if not files and not problems:
        problems.append(
            Problem(
                ", ".join(map(str, paths)),
                None,
                f"no plan files found (looked for {', '.join(PLAN_SUFFIXES)})",
            )
        )
    return Report(tuple(reports), tuple(problems), engine.name, len(rulebook))
