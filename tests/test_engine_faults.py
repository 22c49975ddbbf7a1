"""Faults inside the engines: a rule that fails is an error result for that rule, never a
pass; the other rules still report; the exit code says an error occurred."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from complycheck.check import check_plan
from complycheck.cli import cli
from complycheck.engine import python
from complycheck.engine.base import Engine, Hit
from complycheck.engine.durable import DurableEngine, _Ids, _SyncHost
from complycheck.facts import build_facts
from complycheck.model.plan import Plan
from complycheck.report import ExitCode, Report
from complycheck.rulebook.load import Rulebook
from complycheck.validate import load_plan

from .conftest import CASES, REPO

VIOLATING = CASES / "R16" / "violating-small-pi" / "plan.yaml"  # R16 and R13 findings
COUNTY = CASES / "realistic" / "shanxi-county-townships" / "plan.yaml"  # R01-R10 findings


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


def one_line(result: Result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def dividing_by_zero(tmp_path: Path) -> Path:
    """A rule folder with X16: R16 with a computed value that divides by zero."""
    rule = (REPO / "rules" / "R16.yaml").read_text(encoding="utf-8").replace("id: R16", "id: X16")
    rule = rule.replace(
        "message:\n",
        "compute:\n"
        "  share: {div: [{field: quota_after_total}, {sub: [{param: min_quota}, 10]}]}\n"
        "message:\n",
        1,
    )
    rule = rule.replace("{quota_after_total} quotas,", "{quota_after_total} quotas ({share}),")
    (tmp_path / "X16.yaml").write_text(rule, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("engine", ["durable", "python"])
def test_a_rule_that_fails_is_an_error_and_the_others_still_report(
    dividing_by_zero: Path, engine: str
) -> None:
    result = run(
        "check", VIOLATING, "--rules", dividing_by_zero, "--lang", "en", "--engine", engine
    )
    assert result.exit_code == ExitCode.ERROR, result.output
    text = one_line(result)
    assert "Rule failed X16: cannot write the finding: ZeroDivisionError: division by zero" in text
    assert "has 8 quotas, short of the 10-quota floor" in text  # R16 still reports
    assert "R13 1 finding(s)" in text
    assert "Summary: 1 plan(s), 2 error, 0 warning, 0 info, 1 rule(s) failed" in text
    assert "Traceback" not in result.output


def test_quiet_output_still_names_the_rule_that_failed(dividing_by_zero: Path) -> None:
    result = run("check", VIOLATING, "--rules", dividing_by_zero, "--lang", "en", "--quiet")
    assert result.exit_code == ExitCode.ERROR
    assert one_line(result).startswith(
        f"{VIOLATING}: Rule failed X16: cannot write the finding: ZeroDivisionError"
    )


def test_a_failure_under_fail_on_never_is_still_an_error(dividing_by_zero: Path) -> None:
    result = run("check", VIOLATING, "--rules", dividing_by_zero, "--fail-on", "never")
    assert result.exit_code == ExitCode.ERROR


@pytest.fixture
def r09_crashes_in_python(monkeypatch: pytest.MonkeyPatch, rulebook: Rulebook) -> None:
    """The Python evaluator raises while testing R09's condition, as a bug would."""
    r09 = rulebook.get("R09")
    assert r09 is not None
    real = python.selector

    def predicate(pred: Any) -> Any:
        if pred == r09.compiled.violation:
            raise RuntimeError("evaluator bug")
        return real(pred)

    monkeypatch.setattr(python, "selector", predicate)


@pytest.fixture
def r09_crashes_in_durable(monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules' C code fails on R09's ruleset, as it does on a message it cannot take."""
    real = _SyncHost.post

    def post(self: _SyncHost, name: str, message: dict[str, Any]) -> Any:
        if "_R09_" in name and message.get("_role") == "s":
            raise Exception("Could not assert event, error code: 302")
        return real(self, name, message)

    monkeypatch.setattr(_SyncHost, "post", post)


@pytest.mark.parametrize("engine", ["python", "durable"])
def test_an_engine_that_raises_on_one_rule(
    request: pytest.FixtureRequest, engine: str, rulebook: Rulebook
) -> None:
    request.getfixturevalue(f"r09_crashes_in_{engine}")
    result = run("check", COUNTY, "--lang", "en", "--engine", engine)
    assert result.exit_code == ExitCode.ERROR, result.output
    text = one_line(result)
    assert "Rule failed R09:" in text
    assert ("evaluator bug" if engine == "python" else "error code: 302") in text
    for other in ("R01", "R02", "R03", "R04", "R05", "R06", "R08", "R10"):  # still report
        assert f"{other} 1 finding(s)" in text
    assert "R09 " not in text.replace("Rule failed R09", "")  # no partial R09 findings
    assert "Summary: 1 plan(s), 8 error, 0 warning, 0 info, 1 rule(s) failed" in text


# --- durable-rules: what would lose a finding is an error, never a silent pass ---------------


def pairing_plan(new: int, abolished: int) -> Plan:
    units: list[dict[str, Any]] = [
        {
            "id": f"n{i}",
            "name": "新",
            "kind": "public_institution",
            "change": "new",
            "quotas_after": {"public_institution": 12},
        }
        for i in range(new)
    ]
    units += [
        {"id": f"a{i}", "name": "撤", "kind": "public_institution", "change": "abolished"}
        for i in range(abolished)
    ]
    jurisdiction = {"name": "太原市", "level": "city"}
    meta = {"id": "p", "title": "t", "date": "2024-01-01", "jurisdiction": jurisdiction}
    return Plan.model_validate({"plan": meta, "units": units})


def ids_from(values: list[str]) -> Any:
    """A replacement of ``_Ids.next`` handing out ``values``, then fresh ids."""
    stream: Iterator[str] = itertools.chain(values, (f"fresh{i}" for i in itertools.count()))
    return lambda self: next(stream)


@pytest.mark.parametrize(
    "ids",
    [
        # the opening message, three new units (posted as partners, which they are not:
        # not kept), then the two abolished ones, kept as partners: with equal ids, or
        # ids whose 32-bit hashes collide in durable-rules
        ["m0", "x1", "x2", "x3", "same", "same"],
        ["m0", "x1", "x2", "x3", "f6059", "f264602"],
    ],
    ids=["equal ids", "colliding hashes"],
)
def test_a_fact_rejected_as_a_duplicate_is_an_error(
    monkeypatch: pytest.MonkeyPatch, rulebook: Rulebook, ids: list[str]
) -> None:
    r17 = rulebook.get("R17")
    assert r17 is not None
    facts = build_facts(pairing_plan(3, 2))
    monkeypatch.setattr(_Ids, "next", ids_from(ids))
    result = DurableEngine().evaluate([r17.compiled], facts)
    assert result.errors == {"R17": f"EngineFailure: message {ids[5]} was rejected as a duplicate"}
    assert result.hits == set()


def test_the_same_plan_without_the_duplicate_reports_its_finding(rulebook: Rulebook) -> None:
    """The control of the test above: R17 does find the unpaired new institution."""
    r17 = rulebook.get("R17")
    assert r17 is not None
    result = DurableEngine().evaluate([r17.compiled], build_facts(pairing_plan(3, 2)))
    assert (result.errors, result.hits) == ({}, {Hit("R17", "n2")})


def test_a_duplicate_makes_the_run_exit_2(
    monkeypatch: pytest.MonkeyPatch, rulebook: Rulebook
) -> None:
    monkeypatch.setattr(_Ids, "next", lambda self: "same")  # every message: one id
    plan = load_plan(CASES / "R17" / "violating-unpaired-new" / "plan.yaml")
    report = check_plan(plan, rulebook, DurableEngine())
    assert "R17" in {f.rule_id for f in report.failures}
    assert "R17" not in {f.rule_id for f in report.findings}
    assert Report((report,)).exit_code(None) is ExitCode.ERROR


def test_actions_that_did_not_run_are_an_error(
    monkeypatch: pytest.MonkeyPatch, rulebook: Rulebook
) -> None:
    """If durable-rules deferred actions (its background dispatch), the session's opening
    action would not have run when the call returns: every rule is then an error."""
    monkeypatch.setattr(DurableEngine, "_opened", lambda self, c: None)
    facts = build_facts(pairing_plan(3, 2))
    rules = [r.compiled for r in rulebook.rules if r.spec.id in ("R16", "R17", "R13")]
    result = DurableEngine().evaluate(rules, facts)
    assert result.hits == set()
    assert result.errors == {r.id: "EngineFailure: the session did not open" for r in rules}


def test_an_action_that_records_a_stranger_is_an_error(
    monkeypatch: pytest.MonkeyPatch, rulebook: Rulebook
) -> None:
    def record(self: DurableEngine, alias: str) -> Any:
        return lambda c: self._sink.append("not-a-fact-of-this-plan")

    monkeypatch.setattr(DurableEngine, "_record", record)
    r17 = rulebook.get("R17")
    assert r17 is not None
    result = DurableEngine().evaluate([r17.compiled], build_facts(pairing_plan(3, 2)))
    assert result.errors["R17"].startswith("EngineFailure: inconsistent results for R17")


def test_engines_keep_no_state_from_a_failed_rule(
    monkeypatch: pytest.MonkeyPatch, rulebook: Rulebook, engine: Engine
) -> None:
    """After a rule failed, the same engine checks the next plan correctly."""
    r17 = rulebook.get("R17")
    assert r17 is not None
    if isinstance(engine, DurableEngine) or engine.name == "auto":
        with monkeypatch.context() as patch:
            patch.setattr(_Ids, "next", lambda self: "same")
            failed = engine.evaluate([r17.compiled], build_facts(pairing_plan(3, 2)))
            assert "R17" in failed.errors
    result = engine.evaluate([r17.compiled], build_facts(pairing_plan(4, 1)))
    assert (result.errors, result.hits) == ({}, {Hit("R17", f"n{i}") for i in (1, 2, 3)})


def test_a_plan_that_kills_its_worker_process_costs_only_its_own_report(
    rulebook: Rulebook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies (a crash, or the kernel's out-of-memory killer) breaks the process
    pool; the plans left are checked one process each, and the plan that kills its process is
    an input error, while every other plan is reported."""
    import os

    from complycheck import check
    from complycheck.engine import EngineName, make_engine

    source = (CASES / "R16" / "violating-small-pi" / "plan.yaml").read_text(encoding="utf-8")
    for i in range(6):
        (tmp_path / f"plan-{i}.yaml").write_text(source, encoding="utf-8")
    checked = check._check_file

    def dies_on_plan_3(plan_file: Any, *args: Any) -> Any:
        if plan_file.path.name == "plan-3.yaml":
            os._exit(9)  # as abrupt as a crash: no exception, no clean-up
        return checked(plan_file, *args)

    monkeypatch.setattr(check, "_check_file", dies_on_plan_3)
    report = check.check_paths([tmp_path], rulebook, make_engine(EngineName.PYTHON), jobs=2)
    assert sorted(Path(p.file).name for p in report.plans) == [
        f"plan-{i}.yaml" for i in (0, 1, 2, 4, 5)
    ]
    assert [Path(e.file).name for e in report.input_errors] == ["plan-3.yaml"]
    assert "ended its worker process abruptly" in report.input_errors[0].message
    assert report.exit_code(None) is ExitCode.ERROR


def test_checking_a_plan_with_the_python_engine_leaves_no_reference_cycles(
    rulebook: Rulebook,
) -> None:
    """What lets a worker collect cycles only every so many plans: a plan's objects go by
    reference counting alone (durable-rules, which leaves some, is collected all the same)."""
    import gc

    from complycheck.check import Options
    from complycheck.engine import EngineName, make_engine

    engine = make_engine(EngineName.PYTHON)
    plans = [load_plan(p) for p in sorted(CASES.glob("R*/violating*/plan.yaml"))[:12]]
    check_plan(plans[0], rulebook, engine, Options())  # caches filled before counting
    gc.collect()
    gc.disable()
    try:
        for loaded in plans:
            check_plan(loaded, rulebook, engine, Options())
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_worker_collects_cycles_every_so_many_plans(
    rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from complycheck import check
    from complycheck.engine import EngineName, make_engine

    collected: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1) or 0)
    monkeypatch.setattr(check, "_CHECKED", 0)
    monkeypatch.setattr(
        check, "_WORKER", (rulebook, make_engine(EngineName.PYTHON), check.Options())
    )
    path = CASES / "R16" / "violating-small-pi" / "plan.yaml"
    for _ in range(2 * check.COLLECT_EVERY + 1):
        report = check._check_in_worker(check.PlanFile(path, str(path)))
        assert not isinstance(report, list) and report.findings
    assert len(collected) == 2


@pytest.mark.parametrize(("plans", "jobs"), [(1, 2), (7, 2), (100, 2), (3000, 2), (500, 8)])
def test_workers_take_plans_in_order_in_chunks_that_shrink_to_one(plans: int, jobs: int) -> None:
    """Chunks of at most 16 plans while there is much to do, down to single plans at the
    end, so that no worker is left alone with a long chunk while the others wait."""
    from complycheck import check

    files = [check.PlanFile(Path(f"p{i}.json"), f"p{i}.json") for i in range(plans)]
    chunks = list(check._chunks(files, jobs))
    sizes = [len(c) for c in chunks]
    assert [f for c in chunks for f in c] == files
    assert all(1 <= s <= 16 for s in sizes) and sizes == sorted(sizes, reverse=True)
    assert sizes[-jobs:] == [1] * min(jobs, plans)
    assert max(sizes) == min(16, max(1, plans // (jobs * 4)))
