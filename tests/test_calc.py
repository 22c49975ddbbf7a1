"""Computed values of messages: every operator of the closed vocabulary, compiled once."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from complycheck.i18n import Text
from complycheck.rulebook.calc import computed
from complycheck.rulebook.spec import CalcArg

ARG: TypeAdapter[Any] = TypeAdapter(CalcArg)
FIELDS = {"a": 7, "b": 2, "share": 0.456, "names": ["甲", "乙", "丙"], "gone": ["乙"], "zero": 0}
PARAMS = {"limit": 5}


def value_of(expr: Any, fields: dict[str, Any] = FIELDS) -> Any:
    return computed({"x": ARG.validate_python(expr)}, fields, PARAMS)["x"]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ({"add": [{"field": "a"}, {"param": "limit"}, 1]}, 13),
        ({"sub": [{"field": "a"}, {"field": "b"}]}, 5),
        ({"mul": [{"field": "a"}, 1.5]}, 10.5),
        ({"div": [{"field": "a"}, {"field": "b"}]}, 3.5),
        ({"ceil_div": [{"field": "a"}, {"field": "b"}]}, 4),
        ({"max": [{"field": "a"}, {"param": "limit"}]}, 7),
        ({"min": [{"field": "a"}, {"param": "limit"}]}, 5),
        ({"ceil": {"div": [{"field": "a"}, 2]}}, 4),
        ({"floor": {"div": [{"field": "a"}, 2]}}, 3),
        ({"round": {"div": [{"field": "a"}, 3]}}, 2.33),
        ({"percent": {"field": "share"}}, "45.6%"),
        ({"count": {"field": "names"}}, 3),
        ({"join": {"field": "names"}}, "甲、乙、丙"),
        ({"difference": [{"field": "names"}, {"field": "gone"}]}, ["甲", "丙"]),
        ({"difference": [{"field": "names"}, {"field": "missing"}]}, ["甲", "乙", "丙"]),
        ("text", "text"),
        ({"field": "missing"}, None),
        ({"add": [{"field": "a"}, {"field": "missing"}]}, None),  # not given: shown as —
        ({"ceil": {"field": "missing"}}, None),
    ],
)
def test_each_operator_gives_its_value(expr: Any, expected: Any) -> None:
    assert value_of(expr) == expected


def test_nonzero_says_the_numbers_that_are_not_zero() -> None:
    expr = {
        "nonzero": {
            "items": [
                {"of": {"field": "a"}, "zh": "多{n}名", "en": "{n} over"},
                {"of": {"field": "zero"}, "zh": "少{n}名", "en": "{n} under"},
                {"of": {"div": [{"field": "a"}, 2]}, "zh": "半{n}", "en": "half {n}"},
            ],
            "otherwise": {"zh": "无", "en": "none"},
        }
    }
    assert value_of(expr) == Text(zh="多7名、半3.5", en="7 over, half 3.5")
    assert value_of(expr, {"a": 0, "zero": 0}) == Text(zh="无", en="none")


def test_later_values_use_earlier_ones_and_a_rule_compiles_once() -> None:
    calcs = {
        "over": ARG.validate_python({"sub": [{"field": "a"}, {"param": "limit"}]}),
        "twice": ARG.validate_python({"mul": [{"value": "over"}, 2]}),
    }
    assert computed(calcs, FIELDS, PARAMS) == {"over": 2, "twice": 4}
    assert computed(calcs, {"a": 9}, PARAMS) == {"over": 4, "twice": 8}


def test_a_value_that_is_not_a_number_is_an_error() -> None:
    with pytest.raises(TypeError, match="is not a number"):
        value_of({"add": [{"field": "names"}, 1]})


def test_a_message_fills_its_placeholders_and_keeps_every_other_brace() -> None:
    from complycheck.findings import render

    template = "「{name}」超出{excess}名 {not_given}；{Name} {{x}} {a-b} {} }{"
    shown = {"name": "档案中心", "excess": "3", "not_given": "—", "x": "7"}
    assert render(template, shown) == "「档案中心」超出3名 —；{Name} {7} {a-b} {} }{"
