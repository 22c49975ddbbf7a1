"""The engines: durable-rules loses no finding, plans stay isolated, and both engines agree."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import durable.engine as dengine
import pytest
from hypothesis import HealthCheck, given, settings

from complycheck.check import check_plan
from complycheck.engine.base import Engine, Hit
from complycheck.engine.durable import DurableEngine, _Ids, _SyncHost, fnv1_32
from complycheck.engine.python import PythonEngine
from complycheck.facts import Fact, build_facts
from complycheck.model.plan import Plan
from complycheck.rulebook.load import Rulebook, load_rulebook
from complycheck.rulebook.spec import Table
from complycheck.validate import load_plan

from .conftest import TAIYUAN_HEADER
from .strategies import plans


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
    facts = build_facts(plan)
    r09 = rulebook.get("R09")
    assert r09 is not None
    rules = [r09.compiled]
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
    facts = build_facts(plan)
    result = DurableEngine().evaluate([rule.compiled], facts)
    assert result.errors == {}
    assert result.hits == {Hit("R17", f"n{i}") for i in range(2500, 3000)}


def test_no_background_threads_and_results_complete_on_return(rulebook: Rulebook) -> None:
    before = {t.ident for t in threading.enumerate()}
    engine = DurableEngine()
    facts = build_facts(grid_plan([400] * 300))
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
    facts = build_facts(grid_plan([400, 100]))
    result = engine.evaluate([r.compiled for r in rulebook.rules], facts)
    assert "R09" in result.errors and "boom" in result.errors["R09"]
    assert result.hits == set()


def test_a_rule_that_crashes_is_reported_and_the_others_still_run(
    rulebook: Rulebook, engine: Engine
) -> None:
    facts = build_facts(grid_plan([400]))
    grid = next(f for f in facts if f.entity == "grid")
    broken = Fact("grid", "BAD", {**grid.values, "households": object()}, ("grids", 9))
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
    result = DurableEngine().evaluate([rule.compiled], build_facts(plan))
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
        r17 = [(f.rule_id, f.entity_key) for f in second.findings if f.rule_id == "R17"]
        assert r17 == [("R17", "n1")]


# --- differential: both engines give identical hits on random plans -------------------------

_DURABLE = DurableEngine()
# Rules whose parameters only configuration sets are compiled with an example configuration,
# so that the engines are compared on them too.
_EXAMPLE_CONFIG: dict[str, dict[str, Any]] = {
    "R22": {"fields": ["市场监管", "生态环境保护"]},
    "R23": {
        "institution_limit": Table(
            by="jurisdiction_class", values={"large": 3, "medium": 2, "small": 1}
        ),
        "levels": ["city", "county"],
    },
}
_RULEBOOK = load_rulebook()
_RULES = [_RULEBOOK.compiled(r, _EXAMPLE_CONFIG.get(r.spec.id, {}), None) for r in _RULEBOOK.rules]


def test_every_rule_takes_part_in_the_differential_test() -> None:
    assert [r.id for r in _RULES if r.unconfigured] == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_durable_and_python_engines_agree(data: dict[str, Any]) -> None:
    """Every rule, on random plans of every entity type. (That each rule fires at all on both
    engines is shown by its violating case in cases/, which runs on both.)"""
    plan = Plan.model_validate(data)
    facts = build_facts(plan)
    rules = _RULES
    durable_result = _DURABLE.evaluate(rules, facts)
    python_result = PythonEngine().evaluate(rules, facts)
    assert durable_result.errors == python_result.errors == {}
    assert durable_result.hits == python_result.hits


def test_the_shortcut_for_units_without_divisions_gives_the_computed_values() -> None:
    from complycheck.facts import _NO_DIVISIONS, _divisions
    from complycheck.model.plan import Unit

    unit = Unit.model_validate(
        {
            "id": "u",
            "name": "甲",
            "kind": "organ",
            "change": "kept",
            "quotas_after": {"administrative": 1},
        }
    )
    merged = Unit.model_validate(
        {
            "id": "m",
            "name": "乙",
            "kind": "organ",
            "change": "kept",
            "quotas_after": {"administrative": 1},
            "divisions": [{"id": "d", "name": "科", "type": "general", "change": "abolished"}],
        }
    )
    # Computed the long way, a unit with no divisions (or only abolished ones) and no
    # predecessors has the values the shortcut gives it.
    assert _divisions(merged.divisions, []) == _NO_DIVISIONS
    assert _divisions(unit.divisions, []) == _NO_DIVISIONS


def test_auto_uses_durable_for_typical_plans_and_python_for_large_ones(rulebook: Rulebook) -> None:
    from complycheck.engine import AUTO_DURABLE_LIMIT, AutoEngine

    engine = AutoEngine()
    rules = [r.compiled for r in rulebook.rules]
    small = build_facts(grid_plan([400] * 10))
    large = build_facts(grid_plan([400] * (AUTO_DURABLE_LIMIT + 1)))
    assert len(engine.evaluate(rules, small).hits) == 10
    assert engine._durable is not None and engine._python is None
    assert len(engine.evaluate(rules, large).hits) == AUTO_DURABLE_LIMIT + 1
    assert engine._python is not None
