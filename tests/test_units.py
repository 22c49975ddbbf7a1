"""The column-wise unit reader: narrower than the Unit model, never at odds with it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from complycheck.facts import build_facts
from complycheck.model import tables
from complycheck.model import units as columns
from complycheck.model.enums import Change, PICategory, Sector, UnitKind
from complycheck.model.plan import _DIVISIONS, _FUNCTIONS, Plan, Unit
from complycheck.model.units import UnitColumns, UnitTable, read_units
from complycheck.validate import check_references, load_plan

from .strategies import plans
from .test_grids import GOOD_NUMBERS, GOOD_TEXTS, NUMBERS, TEXTS, mostly

CASES = Path(__file__).resolve().parent.parent / "cases"
UNITS = TypeAdapter(list[Unit])


def read(value: Any) -> UnitTable | None:
    return read_units(value, Unit.model_validate, _FUNCTIONS, _DIVISIONS)


def test_the_reader_knows_every_field_and_code_of_the_model() -> None:
    assert set(Unit.model_fields) == columns.FIELDS
    assert {m.value for m in UnitKind} == columns.KIND_CODES
    assert {m.value for m in Change} == columns.CHANGE_CODES
    assert {m.value for m in PICategory} == columns.PI_CODES
    assert {m.value for m in Sector} == columns.SECTOR_CODES
    assert Unit.model_fields["sector"].default == columns.DEFAULT_SECTOR
    schema = Unit.model_json_schema()["properties"]

    def longest(field: str) -> int:
        options = schema[field].get("anyOf", [schema[field]])
        return int(next(o["maxLength"] for o in options if o.get("type") == "string"))

    assert (longest("id"), longest("name"), longest("former_name")) == (
        tables.IDENT_MAX,
        tables.NAME_MAX,
        tables.NAME_MAX,
    )
    assert longest("justification") == tables.REASON_MAX


def codes(values: list[str], label: str) -> st.SearchStrategy[Any]:
    """Mostly a code; now and then a label (the model's, left to it), nothing, or nonsense."""
    return mostly(st.sampled_from(values), st.sampled_from([label, None, "nonsense", 1, [], {}]))


QUOTAS = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(columns.QUOTA_TYPES), mostly(GOOD_NUMBERS, NUMBERS), max_size=3
    ),
    st.sampled_from([{"other": 1}, [], "10", {"administrative": None}]),
)


@st.composite
def posts(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from([None, [], {"approved": 1}, {"actual": 2, "approved": None}]))
    value: dict[str, Any] = {
        "approved": draw(mostly(GOOD_NUMBERS, NUMBERS)),
        "actual": draw(mostly(GOOD_NUMBERS, NUMBERS)),
    }
    if draw(st.booleans()):
        value["approved_before"] = draw(mostly(st.none() | GOOD_NUMBERS, NUMBERS))
    return value


FUNCTIONS = st.sampled_from(
    [
        [],
        [{"name": "档案管理"}],
        [{"name": "档案管理", "role": "assist"}, {"name": "统计", "justification": "说明"}],
        [{"name": ""}],
        [{"name": "x", "role": "配合"}],
        None,
        "档案管理",
    ]
)
DIVISIONS = st.sampled_from(
    [
        [],
        [{"id": "d1", "name": "办公室", "type": "general"}],
        [{"id": "d2", "name": "业务科", "type": "business", "change": "new", "quotas_after": 3}],
        [{"id": "d3", "name": "科", "type": "nonsense"}],
        None,
    ]
)
IDENTS = st.sampled_from(["u1", "u2", "u3"])


GOOD_QUOTAS = st.dictionaries(st.sampled_from(columns.QUOTA_TYPES), GOOD_NUMBERS, max_size=3)


@st.composite
def good_unit(draw: st.DrawFn) -> dict[str, Any]:
    """A unit the model accepts, in the forms the reader takes: the edges then come from
    :func:`raw_unit`'s changes to it."""
    kind = draw(st.sampled_from(sorted(columns.KIND_CODES)))
    change = draw(st.sampled_from(sorted(columns.CHANGE_CODES)))
    unit: dict[str, Any] = {
        "id": draw(IDENTS),
        "name": draw(GOOD_TEXTS),
        "kind": kind,
        "change": change,
    }
    if change != "abolished" or draw(st.booleans()):
        quotas = draw(GOOD_QUOTAS)
        unit["quotas_after"] = {} if change == "abolished" else quotas
    if draw(st.booleans()):
        unit["quotas_before"] = {} if change == "new" else draw(GOOD_QUOTAS)
    if kind == "public_institution" and draw(st.booleans()):
        unit["pi_category"] = draw(st.sampled_from(sorted(columns.PI_CODES)))
    if change == "merged":
        unit["predecessors"] = draw(st.lists(IDENTS, min_size=2, max_size=3))
    elif change in ("kept", "renamed") and draw(st.booleans()):
        unit["predecessors"] = draw(st.lists(IDENTS, max_size=2))
    if draw(st.booleans()):
        unit["actual_staff"] = draw(GOOD_QUOTAS)
    if draw(st.booleans()):
        unit["leadership_posts"] = {"approved": draw(GOOD_NUMBERS), "actual": draw(GOOD_NUMBERS)}
    if draw(st.booleans()):
        unit["established"] = draw(st.sampled_from(["2020-01-01", dt.date(2021, 5, 1)]))
    return unit


@st.composite
def raw_unit(draw: st.DrawFn) -> Any:
    """A good unit, now and then changed: a field replaced by any value, good or odd."""
    if draw(st.integers(0, 60)) == 0:
        return draw(st.sampled_from([None, [], "u1", 3]))
    unit = draw(good_unit())
    changes: dict[Any, st.SearchStrategy[Any]] = {
        "id": TEXTS,
        "name": TEXTS,
        "kind": codes(sorted(columns.KIND_CODES), "机关"),
        "change": codes(sorted(columns.CHANGE_CODES), "撤销"),
        "quotas_before": QUOTAS,
        "quotas_after": QUOTAS,
        "actual_staff": QUOTAS,
        "pi_category": st.none() | codes(sorted(columns.PI_CODES), "公益一类"),
        "sector": codes(sorted(columns.SECTOR_CODES), "其他"),
        "locally_specific": st.sampled_from([True, False, None, 0, "true"]),
        "predecessors": st.sampled_from([[], ["u1"], ["u1", "u2"], None, "u1", [1], [" u1"]]),
        "planned_hires": NUMBERS,
        "leadership_posts": posts(),
        "functions": FUNCTIONS,
        "divisions": DIVISIONS,
        "former_name": st.none() | TEXTS,
        "justification": st.none() | TEXTS,
        "established": st.sampled_from(
            [None, "2024-01-01", " 2024-01-01", "2024-13-01", dt.date(2024, 1, 1), 20240101]
        ),
        "abolished": st.sampled_from(
            [None, "2023-01-01", dt.date(2025, 1, 1), dt.datetime(2025, 1, 1), "２０２５-01-01"]
        ),
    }
    for _ in range(draw(st.integers(0, 2))):
        field = draw(st.sampled_from([*changes, "extra", "drop"]))
        if field == "drop":
            unit.pop(draw(st.sampled_from(list(unit))), None)
        elif field == "extra":
            unit[draw(st.sampled_from(["extra", 1, "Name"]))] = 1
        else:
            unit[field] = draw(changes[field])
    return unit


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_unit(), max_size=5))
def test_what_the_reader_accepts_the_model_accepts_with_the_same_values(value: Any) -> None:
    table = read(value)
    if table is None:
        return
    validated = UNITS.validate_python(value)  # raises if the reader accepted too much
    assert list(table) == validated
    assert table.columns == UnitColumns.of(validated)


def test_plain_units_take_the_column_path() -> None:
    plan = load_plan(CASES / "R16" / "violating-small-pi" / "plan.yaml").plan
    assert isinstance(plan.units, UnitTable)
    assert repr(plan.units) == f"UnitTable({len(plan.units)} units)"
    assert plan.units == list(plan.units) and plan.units[:1] == list(plan.units)[:1]


def test_units_the_reader_is_not_sure_of_go_to_the_model() -> None:
    unit = {"id": "u1", "name": "档案中心", "kind": "public_institution", "change": "new"}
    after = {"quotas_after": {"public_institution": 10}}
    assert read([{**unit, **after}]) is not None
    labelled = read([{**unit, **after, "kind": "事业单位", "change": "新设", "sector": "其他"}])
    assert labelled is not None and labelled.columns.kind == ["public_institution"]
    assert labelled.columns.change == ["new"] and labelled.columns.sector == ["other"]
    assert read([{**unit, **after, "kind": "nonsense"}]) is None
    assert read([{**unit, **after, "established": "2024-01-01"}]) is not None
    assert read([{**unit, **after, "established": "2024-02-30"}]) is None  # no such day
    assert read([unit]) is None  # no quotas after the plan: the model says so
    assert read([{**unit, **after, "quotas_before": {"public_institution": 2}}]) is None


def _with_model_units(plan: Plan) -> Plan:
    models = list(plan.units)
    assert not isinstance(models, UnitTable)
    return plan.model_copy(update={"units": models})


def test_units_read_as_columns_make_the_same_facts_and_references_as_models() -> None:
    checked = 0
    for path in sorted(CASES.rglob("plan.*")):
        if "invalid" in path.parts:
            continue
        loaded = load_plan(path)
        plan = loaded.plan
        if not isinstance(plan.units, UnitTable):
            continue
        checked += 1
        other = _with_model_units(plan)
        assert list(build_facts(plan)) == list(build_facts(other))
        assert list(check_references(plan, loaded.source)) == list(
            check_references(other, loaded.source)
        )
    assert checked >= 20


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_facts_of_random_plans_do_not_depend_on_how_units_were_read(data: Any) -> None:
    plan = Plan.model_validate(data)
    assert list(build_facts(plan)) == list(build_facts(_with_model_units(plan)))
