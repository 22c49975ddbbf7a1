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
from complycheck.rulebook.spec import Table
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

KINDS = ["organ", "public_institution"]
CHANGES = ["kept", "new", "abolished", "renamed"]
CATEGORIES = [None, "public_welfare_1", "public_welfare_2", "business", "administrative"]
STANDARD = [
    "党政综合办",
    "经济发展办",
    "社会事务办",
    "规划建设办",
    "综合行政执法办",
    "退役军人服务保障工作站",
    "党群服务中心",
    "综合便民服务中心",
    "其他办",
]
FIELDS = ["市场监管", "生态环境保护", "应急管理", "文化市场"]
FUNCTIONS = ["农田建设", "安全生产", "食品安全"]

small = st.integers(0, 30)


@st.composite
def quotas(draw: st.DrawFn) -> dict[str, int]:
    return {
        "administrative": draw(small),
        "public_institution": draw(small),
        "support": draw(st.integers(0, 3)),
    }


@st.composite
def units(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(KINDS))
        change = draw(st.sampled_from(CHANGES))
        unit: dict[str, Any] = {"id": f"u{i}", "name": f"单位{i}", "kind": kind, "change": change}
        if change != "new":
            unit["quotas_before"] = draw(quotas())
        if change != "abolished":
            unit["quotas_after"] = draw(quotas())
        if kind == "public_institution":
            category = draw(st.sampled_from(CATEGORIES))
            if category:
                unit["pi_category"] = category
            unit["sector"] = draw(st.sampled_from(["school", "hospital", "other"]))
        if draw(st.booleans()):
            unit["actual_staff"] = draw(quotas())
        unit["planned_hires"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            unit["leadership_posts"] = {
                "approved_before": draw(st.integers(0, 6)),
                "approved": draw(st.integers(0, 6)),
                "actual": draw(st.integers(0, 7)),
            }
        unit["functions"] = [
            {"name": name, "role": draw(st.sampled_from(["lead", "assisting"]))}
            for name in draw(st.lists(st.sampled_from(FUNCTIONS), unique=True, max_size=2))
        ]
        unit["divisions"] = [
            {
                "id": f"d{i}-{j}",
                "name": f"科{j}",
                "type": draw(st.sampled_from(["general", "business"])),
                "quotas_before": draw(small),
                "quotas_after": draw(small),
            }
            for j in range(draw(st.integers(0, 3)))
        ]
        out.append(unit)
    abolished = [u["id"] for u in out if u["change"] == "abolished"]
    if len(abolished) >= 2 and draw(st.booleans()):
        out.append(
            {
                "id": "m",
                "name": "合并单位",
                "kind": "organ",
                "change": "merged",
                "predecessors": abolished[:2],
                "quotas_after": draw(quotas()),
                "divisions": [
                    {"id": "dm", "name": "综合科", "type": "general", "quotas_after": draw(small)}
                ],
            }
        )
    return out


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    unit_list = draw(units())
    townships = [
        {
            "id": f"t{i}",
            "name": f"镇{i}",
            "type": draw(st.sampled_from(["ordinary", "developed_town", "subdistrict"])),
            "institutions": [
                {
                    "name": name,
                    "type": draw(st.sampled_from(["office", "station", "centre"])),
                    "quotas": draw(quotas()),
                }
                for name in draw(st.lists(st.sampled_from(STANDARD), unique=True, max_size=9))
            ],
            "stationed_agencies": [
                {
                    "id": f"s{i}-{j}",
                    "name": f"站{j}",
                    "category": draw(
                        st.sampled_from(["agriculture", "service", "enforcement", "other"])
                    ),
                    "disposition": draw(st.sampled_from(["devolved", "stationed"])),
                    **(
                        {"party_relation": draw(st.sampled_from(["township", "department"]))}
                        if draw(st.booleans())
                        else {}
                    ),
                    **(
                        {"evaluation_share": draw(st.sampled_from([0.5, 0.6, 0.61, 0.8]))}
                        if draw(st.booleans())
                        else {}
                    ),
                }
                for j in range(draw(st.integers(0, 2)))
            ],
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    grids = [
        {
            "code": f"G{i}",
            "households": draw(st.integers(0, 700)),
            "population": draw(st.integers(0, 2000)),
            "dense_area": draw(st.booleans()),
            "type": draw(st.sampled_from(["comprehensive", "party_building", "emergency"])),
        }
        for i in range(draw(st.integers(0, 6)))
    ]
    teams = [
        {
            "id": f"e{i}",
            "name": f"队{i}",
            "field": draw(st.sampled_from(FIELDS)),
            "level": draw(st.sampled_from(["city", "district", "township"])),
            "quotas": 20,
            "front_line_quotas": draw(st.integers(0, 20)),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    problems = [
        {
            "unit": u["id"],
            "description": "超编",
            "status": draw(st.sampled_from(["open", "rectified"])),
        }
        for u in unit_list
        if draw(st.integers(0, 4)) == 0
    ]
    region = draw(
        st.sampled_from(
            [
                ("太原市", "太原市", "山西省"),
                ("石楼县", "吕梁市", "山西省"),
                ("沈阳市", "沈阳市", "辽宁省"),
                ("湛江市", "湛江市", "广东省"),
                ("南京市", "南京市", "江苏省"),
            ]
        )
    )
    plan: dict[str, Any] = {
        "plan": {
            "id": "p",
            "title": "t",
            "date": "2024-01-01",
            "jurisdiction": {
                "name": region[0],
                "level": "city",
                "city": region[1],
                "province": region[2],
                "class": draw(st.sampled_from(["large", "medium", "small"])),
            },
        },
        "units": unit_list,
        "townships": townships,
        "grids": grids,
        "enforcement_teams": teams,
        "problems": problems,
    }
    if draw(st.booleans()):
        plan["control_numbers"] = {
            "institutions": draw(st.integers(0, 10)),
            "quotas": {"administrative": draw(st.integers(0, 100))},
        }
    return plan


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
    assert _divisions(merged, []) == _NO_DIVISIONS  # computed the long way: the same values
    assert _divisions(unit, []) is _NO_DIVISIONS


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
