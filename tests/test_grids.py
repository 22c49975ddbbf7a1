"""The column-wise grid reader: narrower than the Grid model, never at odds with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from complycheck.facts import build_facts
from complycheck.model import grids as columns
from complycheck.model import plan as model
from complycheck.model import tables
from complycheck.model.enums import GridType
from complycheck.model.grids import GridColumns, GridTable, read_grids
from complycheck.model.plan import Grid, Plan
from complycheck.validate import load_plan

from .strategies import plans

CASES = Path(__file__).resolve().parent.parent / "cases"
GRIDS = TypeAdapter(list[Grid])


def test_the_reader_uses_the_models_limits() -> None:
    schema = Grid.model_json_schema()["properties"]

    def longest(field: str) -> int:
        options = schema[field].get("anyOf", [schema[field]])
        return int(next(o["maxLength"] for o in options if o.get("type") == "string"))

    assert tables.MAX_COUNT == model.MAX_COUNT
    assert set(Grid.model_fields) == columns.FIELDS
    assert {m.value for m in GridType} == columns.TYPE_CODES
    assert Grid.model_fields["type"].default == columns.DEFAULT_TYPE
    assert (longest("code"), longest("name")) == (tables.IDENT_MAX, tables.NAME_MAX)
    assert longest("justification") == tables.REASON_MAX


# Values chosen to sit on every edge the reader must not cross: spaces Python and the model's
# patterns count differently, line breaks, a lone surrogate, empty and over-long texts,
# numbers at and past the limits, true/false for numbers, labels for codes.
TEXTS = st.sampled_from(
    [
        "G1",
        "网格一",
        "a b",
        " a",
        "a ",
        "\u3000甲",
        "甲\u3000",
        "\x1c甲",
        "甲\x1c",
        "\x85",
        "a\nb",
        "a\rb",
        "\ud800",
        "",
        " ",
        "x" * 100,
        "x" * 101,
        "x" * 200,
        "x" * 201,
        "\u180e",
        "a\x00b",
        "\x00",
        "a\tb",
    ]
)
NUMBERS = st.sampled_from(
    [0, 1, 300, -1, 1_000_000_000, 1_000_000_001, True, 2.0, "3", None, [1], {"n": 1}]
)
OPTIONAL = st.one_of(st.none(), TEXTS, st.integers(0, 3), st.just(["G1"]), st.just({}))
GRID_TYPES = st.sampled_from(
    ["comprehensive", "party_building", "党建网格", "nonsense", None, 1, ["comprehensive"], {}]
)


def mostly(good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a good value, now and then an odd one: lists then fail on one grid, or pass."""
    return st.integers(0, 24).flatmap(lambda n: odd if n == 0 else good)


GOOD_TEXTS = st.sampled_from(["G1", "网格一", "a b", "x" * 100, "\u180e"])
GOOD_NUMBERS = st.integers(0, 2000) | st.just(1_000_000_000)


@st.composite
def raw_grid(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 60)) == 0:
        return draw(st.sampled_from([None, [], "G1", 3]))
    grid: dict[Any, Any] = {}
    if draw(st.integers(0, 40)):
        grid["code"] = draw(mostly(GOOD_TEXTS, TEXTS))
    for field in ("households", "population"):
        if draw(st.integers(0, 40)):
            grid[field] = draw(mostly(GOOD_NUMBERS, NUMBERS))
    for field in ("name", "township", "justification"):
        if draw(st.booleans()):
            grid[field] = draw(mostly(st.none() | GOOD_TEXTS, OPTIONAL))
    if draw(st.booleans()):
        grid["dense_area"] = draw(mostly(st.booleans(), st.sampled_from([None, 0, "true", []])))
    if draw(st.booleans()):
        grid["type"] = draw(mostly(st.sampled_from(sorted(columns.TYPE_CODES)), GRID_TYPES))
    if draw(st.integers(0, 40)) == 0:
        grid[draw(st.sampled_from(["extra", 1, "Code"]))] = 1
    return grid


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_grid(), max_size=6))
def test_what_the_reader_accepts_the_model_accepts_with_the_same_values(value: Any) -> None:
    table = read_grids(value, Grid.model_validate)
    if table is None:
        return
    validated = GRIDS.validate_python(value)  # raises if the reader accepted too much
    assert list(table) == validated
    assert table.columns == GridColumns.of(validated)


def test_plain_grids_take_the_column_path() -> None:
    """The grids a generator or a ledger writes (codes, counts, a type code) are read column by
    column: without this the bulk path would quietly fall back to the model."""
    value = [
        {"code": f"G{i}", "township": "t1", "households": 250, "population": 800} for i in range(50)
    ]
    value[3]["type"] = "party_building"
    value[4]["name"] = "城关一网格"
    value[5]["justification"] = "人口稀少的山区"
    value[6]["dense_area"] = True
    plan = Plan.model_validate(
        {
            "plan": {
                "id": "p",
                "title": "t",
                "date": "2024-01-01",
                "jurisdiction": {"name": "清徐县", "level": "county"},
            },
            "townships": [{"id": "t1", "name": "清源镇"}],
            "grids": value,
        }
    )
    assert isinstance(plan.grids, GridTable)
    assert plan.grids[3].type is GridType.PARTY_BUILDING


def test_a_type_is_read_as_the_model_reads_it_code_or_label() -> None:
    grid = {"code": "G1", "households": 1, "population": 2}
    for written in ("party_building", "党建网格", "黨建網格", " 党建网格 "):
        table = read_grids([{**grid, "type": written}], Grid.model_validate)
        assert table is not None and table.columns.type == ["party_building"]
        assert list(table) == GRIDS.validate_python([{**grid, "type": written}])
        assert table[0].type is GridType.PARTY_BUILDING
    assert read_grids([{**grid, "type": "nonsense"}], Grid.model_validate) is None


def _with_model_grids(plan: Plan) -> Plan:
    """The same plan with its grids as validated models (the path the reader skips)."""
    return plan.model_copy(
        update={"grids": GRIDS.validate_python([g.model_dump() for g in plan.grids])}
    )


@pytest.mark.parametrize("path", sorted(CASES.glob("R*/*/plan.yaml")), ids=lambda p: p.parent.name)
def test_grid_facts_are_the_same_either_way(path: Path) -> None:
    plan = load_plan(path).plan
    assert list(build_facts(plan)) == list(build_facts(_with_model_grids(plan)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_grid_facts_are_the_same_either_way_on_random_plans(data: dict[str, Any]) -> None:
    plan = Plan.model_validate(data)
    assert list(build_facts(plan)) == list(build_facts(_with_model_grids(plan)))


def test_a_grid_table_is_a_sequence_of_grid_models() -> None:
    value = [{"code": f"G{i}", "households": i, "population": 2 * i} for i in range(4)]
    table = read_grids(value, Grid.model_validate)
    assert table is not None
    models = GRIDS.validate_python(value)
    assert len(table) == 4
    assert table[-1] == models[-1]
    assert table[1:3] == models[1:3]
    assert list(table) == models
    assert table == models and table == read_grids(value, Grid.model_validate)
    assert table != models[:3]
    assert repr(table) == "GridTable(4 grids)"


def test_fact_tables_made_from_columns_leave_out_what_a_fact_lacks() -> None:
    from complycheck.facts import FactSet, FactTable

    table = FactTable(
        "grid",
        ["G1", "G2"],
        columns={"households": [350, 200], "name": ["甲", None]},
        path=lambda i: ("grids", i),
        justifications=[None, "山区"],
    )
    assert table.row(1).values == {"households": 200}
    assert table.find("G2").justification == "山区"
    assert table.find("G1").path == ("grids", 0)
    assert table.has_gaps("name") and not table.has_gaps("households")
    assert table.has_gaps("population")  # no fact has it: every fact lacks it
    facts = FactSet([table])
    assert FactSet.of(facts) is facts
    assert [f.key for f in facts] == ["G1", "G2"] and len(facts) == 2
    assert FactSet.of(list(facts)).find("grid", "G1") == table.row(0)
