"""Every case under cases/ reports exactly its expected findings, with both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from complycheck.check import check_paths
from complycheck.engine.base import Engine
from complycheck.rulebook.load import Rulebook, load_rulebook

from .conftest import CASES

KINDS = ("violating", "compliant", "boundary")
REALISTIC = "realistic"
KEYS = {"rule", "kind", "description", "findings"}
OPTIONAL_KEYS = {"skipped", "comparisons", "packs"}


INVALID = "invalid"  # cases/invalid/: bad inputs, run by test_invalid_cases.py


def case_dirs() -> list[Path]:
    return sorted(
        p.parent for p in CASES.glob("*/*/expected.yaml") if p.parent.parent.name != INVALID
    )


def load_expected(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def plan_file(case: Path) -> Path:
    plans = [p for p in case.iterdir() if p.name.startswith("plan.")]
    assert len(plans) == 1, f"{case}: expected exactly one plan file, found {plans}"
    return plans[0]


def case_rulebook(case: Path, rulebook: Rulebook) -> Rulebook:
    """The built-in rulebook, plus the case's own packs in ``config/packs/`` if it has any."""
    config = case / "config"
    return load_rulebook([config]) if config.is_dir() else rulebook


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_reports_exactly_the_expected_findings(
    case: Path, rulebook: Rulebook, engine: Engine
) -> None:
    expected = load_expected(case)
    report = check_paths([plan_file(case)], case_rulebook(case, rulebook), engine)
    assert report.input_errors == ()
    (plan,) = report.plans
    assert plan.failures == ()
    got = sorted(
        (f.rule_id, f.entity_key, f.location.line, f.severity.value) for f in plan.findings
    )
    want = sorted((f["rule"], f["entity"], f["line"], f["severity"]) for f in expected["findings"])
    assert got == want
    if "skipped" in expected:  # rules that must not apply to this plan (others may be skipped too)
        assert set(expected["skipped"]) <= {s.rule_id for s in plan.skipped}
    if "packs" in expected:
        assert list(plan.packs) == expected["packs"]
    if "comparisons" in expected:
        got_c = sorted((c.rule_id, c.entity_key) for c in plan.comparisons)
        assert got_c == sorted((c["rule"], c["entity"]) for c in expected["comparisons"])


def test_cases_exist() -> None:
    assert len(case_dirs()) >= 9


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_metadata_is_consistent(case: Path, rulebook: Rulebook) -> None:
    expected = load_expected(case)
    assert KEYS <= set(expected) <= KEYS | OPTIONAL_KEYS
    assert expected["rule"] == case.parent.name
    if expected["rule"] == REALISTIC:
        assert expected["kind"] == REALISTIC and len(expected["findings"]) >= 3
        return
    assert expected["kind"] in KINDS
    assert case.name.startswith(expected["kind"])
    assert rulebook.get(expected["rule"]) is not None
    relevant = [f for f in expected["findings"] if f["rule"] == expected["rule"]]
    if expected["kind"] == "violating":
        assert relevant, "a violating case must expect a finding of its rule"
    if expected["kind"] == "compliant":
        assert not relevant, "a compliant case must expect no finding of its rule"


def test_every_rule_has_a_violating_a_compliant_and_a_boundary_case(rulebook: Rulebook) -> None:
    """Benchmarks compare rather than judge: each needs one case that shows its comparison."""
    kinds: dict[str, set[str]] = {}
    for case in case_dirs():
        expected = load_expected(case)
        kinds.setdefault(expected["rule"], set()).add(expected["kind"])
    missing = {}
    for rule in rulebook.rules:
        have = kinds.get(rule.spec.id, set())
        need = {"compliant"} if rule.spec.kind == "benchmark" else set(KINDS)
        if rule.spec.kind == "benchmark" and have:
            continue
        if need - have:
            missing[rule.spec.id] = sorted(need - have)
    assert missing == {}


def test_realistic_plans_exist() -> None:
    realistic = [c for c in case_dirs() if c.parent.name == REALISTIC]
    assert len(realistic) >= 3
