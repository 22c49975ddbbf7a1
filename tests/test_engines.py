"""The engines: durable-rules loses no finding, plans stay isolated, and both engines agree."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import durable.engine as dengine
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complycheck.check import check_plan
from complycheck.engine.base import Engine, Hit
from complycheck.engine.durable import DurableEngine, _Ids, _SyncHost, fnv1_32
from complycheck.engine.python import PythonEngine
from complycheck.facts import Fact, build_facts
from complycheck.model.plan import Plan
from complycheck.rulebook.load import Rulebook, load_rulebook
from complycheck.source import SourceMap
from complycheck.validate import load_plan

from .conftest import TAIYUAN_HEADER


def grid_plan(households: list[int]) -> Plan:
    return Plan.model_validate(
        {
            "plan": {
                "id": "p",
                "title": "t",
                "date": "2024-01-01",
                "jurisdiction": {"name": "清徐县", "level": "county", "province": "山西省"},
            },
            "grids": [
                {"code": f"G{i:05d}", "households": h, "population": 100}
                for i, h in enumerate(households)
            ],
        }
    )


def test_fnv_matches_the_engine_hash() -> None:
    # Two ids found by search to collide in durable-rules' 32-bit FNV-1 hash.
    assert fnv1_32("f6059") == fnv1_32("f264602") == 3806442189


def test_colliding_ids_lose_a_pending_message_in_raw_durable_rules() -> None:
    """The hazard exists: the engine rejects a distinct message whose id hash collides."""
    host = _SyncHost()
    host.set_rulesets(
        {
            "complycheck_test_collision": {
                "r": {"all": [{"a": {"t": "a"}}, {"b": {"t": "b"}}], "run": lambda c: None}
            }
        }
    )
    host.post("complycheck_test_collision", {"sid": "1", "id": "f6059", "t": "a"})
    with pytest.raises(dengine.MessageObservedException):
        host.post("complycheck_test_collision", {"sid": "1", "id": "f264602", "t": "a"})


def test_message_ids_never_collide_within_a_session() -> None:
    ids = _Ids("1")
    hashes = [fnv1_32(ids.next()) for _ in range(200_000)]
    assert len(set(hashes)) == len(hashes)


def test_thousands_of_grids_report_every_oversized_one(rulebook: Rulebook) -> None:
    households = [250 + (i * 37) % 120 for i in range(6000)]  # 250..369, about 40% over 300
    plan = grid_plan(households)
    facts = build_facts(plan, SourceMap("p.yaml"))
    rules = [rulebook.rules[0].compiled]
    assert rules[0].id == "R09"
    expected = {Hit("R09", f"G{i:05d}") for i, h in enumerate(households) if h > 300}
    assert len(expected) > 2000
    result = DurableEngine().evaluate(rules, facts)
    assert result.errors == {}
    assert result.hits == expected


def test_pairing_with_many_pending_messages_loses_nothing(rulebook: Rulebook) -> None:
    rule = rulebook.get("R17")
    assert rule is not None
    units = [
        {
            "id": f"n{i}",
            "name": "新",
            "kind": "public_institution",
            "change": "new",
            "quotas_after": {"public_institution": 12},
        }
        for i in range(3000)
    ]
    units += [
        {"id": f"a{i}", "name": "撤", "kind": "public_institution", "change": "abolished"}
        for i in range(2500)
    ]
    plan = Plan.model_validate(
        {
            "plan": {
                "id": "p",
                "title": "t",
                "date": "2024-01-01",
                "jurisdiction": {"name": "太原市", "level": "city"},
            },
            "units": units,
        }
    )
    facts = build_facts(plan, SourceMap("p.yaml"))
    result = DurableEngine().evaluate([rule.compiled], facts)
    assert result.errors == {}
    assert result.hits == {Hit("R17", f"n{i}") for i in range(2500, 3000)}


def test_no_background_threads_and_results_complete_on_return(rulebook: Rulebook) -> None:
    before = {t.ident for t in threading.enumerate()}
    engine = DurableEngine()
    facts = build_facts(grid_plan([400] * 300), SourceMap("p.yaml"))
    result = engine.evaluate([r.compiled for r in rulebook.rules], facts)
    assert len(result.hits) == 300
    started = [t for t in threading.enumerate() if t.ident not in before]
    assert started == []


def test_an_action_that_raises_is_an_error_not_a_pass(
    rulebook: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = DurableEngine()

    def failing(alias: str) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            raise RuntimeError("boom")  # durable-rules swallows this into the session state

        return action

    monkeypatch.setattr(engine, "_record", failing)
    facts = build_facts(grid_plan([400, 100]), SourceMap("p.yaml"))
    result = engine.evaluate([r.compiled for r in rulebook.rules], facts)
    assert "R09" in result.errors and "boom" in result.errors["R09"]
    assert result.hits == set()


def test_a_rule_that_crashes_is_reported_and_the_others_still_run(
    rulebook: Rulebook, engine: Engine
) -> None:
    facts = build_facts(grid_plan([400]), SourceMap("p.yaml"))
    grid = next(f for f in facts if f.entity == "grid")
    broken = Fact("grid", "BAD", {**grid.values, "households": object()}, ("grids", 9), None)
    rules = [r.compiled for r in rulebook.rules]
    result = engine.evaluate(rules, [*facts, broken])
    assert "TypeError" in result.errors["R09"]
    assert {h.rule_id for h in result.hits} <= {"R16", "R17"}


def test_pairing_never_crosses_kinds(rulebook: Rulebook) -> None:
    """durable-rules ignores a join beside a nested $and; this plan would lose its finding."""
    rule = rulebook.get("R17")
    assert rule is not None
    plan = Plan.model_validate(
        {
            "plan": {
                "id": "p",
                "title": "t",
                "date": "2024-01-01",
                "jurisdiction": {"name": "太原市", "level": "city"},
            },
            "units": [
                {
                    "id": "u4",
                    "name": "新",
                    "kind": "organ",
                    "change": "new",
                    "quotas_after": {"administrative": 5},
                },
                {"id": "u5", "name": "撤", "kind": "public_institution", "change": "abolished"},
            ],
        }
    )
    result = DurableEngine().evaluate([rule.compiled], build_facts(plan, SourceMap("p.yaml")))
    assert result.hits == {Hit("R17", "u4")}


def test_plans_are_isolated_in_one_engine(
    rulebook: Rulebook, durable_engine: Engine, write: Callable[..., Path]
) -> None:
    abolished_only = write(
        TAIYUAN_HEADER
        + """\
units:
  - {id: a1, name: 甲, kind: public_institution, change: abolished}
  - {id: a2, name: 乙, kind: public_institution, change: abolished}
""",
        "a.yaml",
    )
    new_only = write(
        TAIYUAN_HEADER
        + """\
units:
  - {id: n1, name: 丙, kind: public_institution, change: new, pi_category: public_welfare_1,
     quotas_after: {public_institution: 20}}
""",
        "b.yaml",
    )
    for _ in range(2):
        first = check_plan(load_plan(abolished_only), rulebook, durable_engine)
        second = check_plan(load_plan(new_only), rulebook, durable_engine)
        assert first.findings == ()
        assert [(f.rule_id, f.entity_key) for f in second.findings] == [("R17", "n1")]


# --- differential: both engines give identical hits on random plans -------------------------

KINDS = ["organ", "public_institution"]
CHANGES = ["kept", "new", "abolished", "renamed"]


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    n_units = draw(st.integers(0, 12))
    units = []
    for i in range(n_units):
        kind = draw(st.sampled_from(KINDS))
        change = draw(st.sampled_from(CHANGES))
        unit: dict[str, Any] = {"id": f"u{i}", "name": f"单位{i}", "kind": kind, "change": change}
        if change != "abolished":
            unit["quotas_after"] = {"public_institution": draw(st.integers(0, 30))}
        units.append(unit)
    grids = [
        {
            "code": f"G{i}",
            "households": draw(st.integers(0, 700)),
            "population": draw(st.integers(0, 2000)),
            "dense_area": draw(st.booleans()),
        }
        for i in range(draw(st.integers(0, 12)))
    ]
    region = draw(
        st.sampled_from([("太原市", "山西省"), ("晋中市", "山西省"), ("沈阳市", "辽宁省")])
    )
    return {
        "plan": {
            "id": "p",
            "title": "t",
            "date": "2024-01-01",
            "jurisdiction": {"name": region[0], "level": "city", "province": region[1]},
        },
        "units": units,
        "grids": grids,
    }


_DURABLE = DurableEngine()
_RULES = [r.compiled for r in load_rulebook().rules]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_durable_and_python_engines_agree(data: dict[str, Any]) -> None:
    plan = Plan.model_validate(data)
    facts = build_facts(plan, SourceMap("p.yaml"))
    rules = _RULES
    durable_result = _DURABLE.evaluate(rules, facts)
    python_result = PythonEngine().evaluate(rules, facts)
    assert durable_result.errors == python_result.errors == {}
    assert durable_result.hits == python_result.hits
