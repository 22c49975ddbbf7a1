"""The benchmark generator at a tiny scale: it plants violations at known rates, and the
checker finds exactly those, with one process or several."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from complycheck.check import check_paths
from complycheck.cli import cli
from complycheck.engine import EngineName, make_engine
from complycheck.rulebook.load import Rulebook

from .conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

from generate import Shape, write

SMALL = Shape(units=60, townships=4, grids=300)


def test_generated_plans_report_exactly_the_planted_violations(
    tmp_path: Path, rulebook: Rulebook
) -> None:
    manifest = write(tmp_path, plans=3, seed=7, shape=SMALL)
    assert manifest["expected_findings"] > 10  # the test would prove nothing without any
    for name in EngineName:
        report = check_paths([tmp_path], rulebook, make_engine(name))
        assert report.input_errors == ()
        assert len(report.findings) == manifest["expected_findings"], name
        by_rule: dict[str, int] = {}
        for finding in report.findings:
            by_rule[finding.rule_id] = by_rule.get(finding.rule_id, 0) + 1
        assert by_rule == manifest["by_rule"]


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    write(tmp_path / "a", plans=2, seed=3, shape=SMALL)
    write(tmp_path / "b", plans=2, seed=3, shape=SMALL)
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()


def test_workers_give_the_same_report(tmp_path: Path) -> None:
    write(tmp_path, plans=5, seed=11, shape=SMALL)
    runner = CliRunner()
    one = runner.invoke(cli, ["check", str(tmp_path), "--lang", "en", "--jobs", "1"])
    two = runner.invoke(cli, ["check", str(tmp_path), "--lang", "en", "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1
    assert one.output == two.output
    quiet = runner.invoke(cli, ["check", str(tmp_path), "--lang", "en", "-q"])
    assert quiet.output.count("\n") == 1 and quiet.output.startswith("Summary: 5 plan(s)")


def test_the_step_timings_run_over_generated_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import steps

    write(tmp_path, plans=2, seed=5, shape=SMALL)
    steps.main(["--folder", str(tmp_path), "--rounds", "1"])
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("| step (2 plans, 1 rounds)")
    assert len(table) == 2 + len(steps.STEPS) + 1
    assert all(row.count("|") == 3 for row in table)


def test_the_fixed_cost_fit_recovers_a_line() -> None:
    import fixed

    intercept, slope = fixed.fit({2: 0.21, 10: 0.25, 100: 0.70})
    assert intercept == pytest.approx(0.2)
    assert slope == pytest.approx(0.005)
    with pytest.raises(ValueError):
        fixed.fit({100: 0.7})


def test_the_province_targets_bounds_on_the_cost_per_plan() -> None:
    import fixed

    # A floor of 2 ms a plan allows 0.6 s for 100 plans; with 0.1 s fixed, 5 ms a plan at
    # most. Flatness: 0.1/3000 + p >= 0.7 (0.1/100 + p) gives p >= 2.22 ms.
    roomy = fixed.limits(0.1, 0.002)
    assert roomy["per_plan_ms_at_most_for_wall_over_floor"] == 5.0
    assert roomy["per_plan_ms_at_least_for_flat_per_fact"] == 2.22
    assert roomy["both_possible"] is True
    # The largest fixed cost that leaves any room: there the two bounds meet.
    largest = roomy["fixed_s_at_most_for_both"]
    assert largest == pytest.approx(0.186, abs=1e-3)
    edge = fixed.limits(0.6 / (1 + 100 * (0.7 / 100 - 1 / 3000) / 0.3), 0.002)
    assert edge["per_plan_ms_at_most_for_wall_over_floor"] == pytest.approx(
        edge["per_plan_ms_at_least_for_flat_per_fact"], abs=0.01
    )
    assert fixed.limits(largest + 0.01, 0.002)["both_possible"] is False
