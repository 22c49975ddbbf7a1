"""Every case under cases/ reports exactly its expected findings, with both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from complycheck.check import check_paths
from complycheck.engine.base import Engine
from complycheck.rulebook.load import Rulebook

from .conftest import CASES

KINDS = ("violating", "compliant", "boundary")


def case_dirs() -> list[Path]:
    return sorted(p.parent for p in CASES.glob("*/*/expected.yaml"))


def load_expected(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def plan_file(case: Path) -> Path:
    plans = [p for p in case.iterdir() if p.name.startswith("plan.")]
    assert len(plans) == 1, f"{case}: expected exactly one plan file, found {plans}"
    return plans[0]


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_reports_exactly_the_expected_findings(
    case: Path, rulebook: Rulebook, engine: Engine
) -> None:
    expected = load_expected(case)
    report = check_paths([plan_file(case)], rulebook, engine)
    assert report.input_errors == ()
    (plan,) = report.plans
    assert plan.failures == ()
    got = sorted(
        (f.rule_id, f.entity_key, f.location.line, f.severity.value) for f in plan.findings
    )
    want = sorted((f["rule"], f["entity"], f["line"], f["severity"]) for f in expected["findings"])
    assert got == want


def test_cases_exist() -> None:
    assert len(case_dirs()) >= 9


@pytest.mark.parametrize("case", case_dirs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_metadata_is_consistent(case: Path, rulebook: Rulebook) -> None:
    expected = load_expected(case)
    assert set(expected) == {"rule", "kind", "description", "findings"}
    assert expected["rule"] == case.parent.name
    assert expected["kind"] in KINDS
    assert case.name.startswith(expected["kind"])
    assert rulebook.get(expected["rule"]) is not None
    relevant = [f for f in expected["findings"] if f["rule"] == expected["rule"]]
    if expected["kind"] == "violating":
        assert relevant, "a violating case must expect a finding of its rule"
    if expected["kind"] == "compliant":
        assert not relevant, "a compliant case must expect no finding of its rule"


def test_every_rule_has_a_violating_a_compliant_and_a_boundary_case(rulebook: Rulebook) -> None:
    kinds: dict[str, set[str]] = {}
    for case in case_dirs():
        expected = load_expected(case)
        kinds.setdefault(expected["rule"], set()).add(expected["kind"])
    missing = {
        rule.spec.id: sorted(set(KINDS) - kinds.get(rule.spec.id, set()))
        for rule in rulebook.rules
        if set(KINDS) - kinds.get(rule.spec.id, set())
    }
    assert missing == {}
