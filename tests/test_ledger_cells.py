"""Cell values as people type them: numbers, shares, dates, yes/no, codes and placeholders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from complycheck.ledger.cells import (
    CellError,
    boolean,
    chinese_numeral,
    convert,
    date,
    share,
    whole_number,
)
from complycheck.ledger.spec import FieldSpec


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        (12.0, 12),
        ("12", 12),
        (" 12 ", 12),
        ("１２", 12),
        ("1,234", 1234),
        ("1，234", 1234),
        ("１，２３４", 1234),
        ("12名", 12),
        ("12 人", 12),
        ("十二", 12),
        ("十", 10),
        ("二十", 20),
        ("一百零五", 105),
        ("三百二十一", 321),
        ("两千", 2000),
        ("一千零一", 1001),
        ("三万五千", 35000),
        ("一〇五", 105),
        ("零", 0),
        ("壹佰零伍", 105),
        ("貳拾", 20),
        ("-3", -3),  # read; the plan's model then says it must be ≥ 0
    ],
)
def test_whole_numbers(value: Any, expected: int) -> None:
    assert whole_number(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (12.5, "expected a whole number, got 12.5 (a number)"),
        ("12.5", "expected a whole number, got '12.5' (text)"),
        ("1,2", "expected a number, got '1,2' (text)"),
        ("12x", "expected a number, got '12x' (text)"),
        ("一二十", "expected a number, got '一二十' (text)"),
        ("十百", "expected a number, got '十百' (text)"),
        ("百", "expected a number, got '百' (text)"),
        ("约十二", "expected a number, got '约十二' (text)"),
        (True, "expected a number, got TRUE (true/false)"),
        (dt.datetime(2024, 3, 1), "expected a number, got 2024-03-01 00:00 (a date and time)"),
    ],
)
def test_numbers_that_are_not(value: Any, message: str) -> None:
    with pytest.raises(CellError) as caught:
        whole_number(value)
    assert str(caught.value) == message


def test_chinese_numerals_are_only_numerals() -> None:
    assert chinese_numeral("十二个") is None  # the unit is dropped before, by whole_number
    assert chinese_numeral("") is None
    assert whole_number("十二个") == 12


@pytest.mark.parametrize(
    ("value", "percent", "expected"),
    [
        (0.6, False, 0.6),
        (0.6, True, 0.6),  # a cell formatted as 60%
        (1, False, 1.0),
        (60, False, 0.6),  # a number above 1 is a percentage
        (65, False, 0.65),
        (100, False, 1.0),
        ("60%", False, 0.6),
        ("６５％", False, 0.65),
        ("60 %", False, 0.6),
        ("0.6", False, 0.6),
        ("62.5%", False, 0.625),
    ],
)
def test_shares(value: Any, percent: bool, expected: float) -> None:
    assert share(value, percent=percent) == expected


def test_share_out_of_range() -> None:
    with pytest.raises(CellError, match=r"expected a share \(0.6, 60%, or 60 for 60%\), got 150"):
        share(150)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 3, 1), dt.date(2024, 3, 1)),
        (dt.date(2024, 3, 1), dt.date(2024, 3, 1)),
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("2024/3/1", dt.date(2024, 3, 1)),
        ("2024.3.1", dt.date(2024, 3, 1)),
        ("2024年3月1日", dt.date(2024, 3, 1)),
        ("２０２４年３月１日", dt.date(2024, 3, 1)),
    ],
)
def test_dates(value: Any, expected: dt.date) -> None:
    assert date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", "'2024-02-30' is not a real date"),
        ("20240301", "expected a date (YYYY-MM-DD), got '20240301' (text)"),
        (45352, "expected a date (YYYY-MM-DD), got 45352 (a number) (format the cell as a date)"),
        (
            dt.datetime(2024, 3, 1, 9, 30),
            "expected a date (YYYY-MM-DD), got 2024-03-01 09:30 (a date and time)",
        ),
    ],
)
def test_dates_that_are_not(value: Any, message: str) -> None:
    with pytest.raises(CellError) as caught:
        date(value)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("√", True),
        ("×", False),
        ("Y", True),
        ("no", False),
        (True, True),
        (0, False),
        ("TRUE", True),
    ],
)
def test_yes_and_no(value: Any, expected: bool) -> None:
    assert boolean(value) is expected


def test_yes_and_no_with_words_of_a_column() -> None:
    words = {"true": ["人口密集"], "false": ["普通"]}
    assert boolean("人口密集", words) is True
    assert boolean("普通", words) is False
    with pytest.raises(
        CellError, match=r"expected yes or no \(是/否, 人口密集, 普通\), got '党建'"
    ):
        boolean("党建", words)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("id", 101, "101"),
        ("id", 101.0, "101"),
        ("id", "ＬＱ－００１", "LQ-001"),
        ("name", "  龍交鄉 ", "龍交鄉"),
        ("text", "无", None),  # a placeholder is a blank cell
        ("text", "—", None),
        ("count", "/", None),
        ("name", "\u200b", None),
        ("list", "u-a、u-b；u-c\nu-d, ", ["u-a", "u-b", "u-c", "u-d"]),
        ("enum", "事業單位", "事業單位"),  # labels are read by the plan's model
    ],
)
def test_convert_by_column_type(kind: Any, value: Any, expected: Any) -> None:
    assert convert(value, FieldSpec(headers=["x"], type=kind)) == expected


def test_text_columns_refuse_dates_and_booleans() -> None:
    with pytest.raises(CellError, match="expected a text, got TRUE"):
        convert(True, FieldSpec(headers=["x"], type="name"))


def test_placeholders_in_either_script_and_width() -> None:
    for value in ["无", "無", "－", "／", "n/a", "Ｎ／Ａ", "——", " NULL "]:
        assert convert(value, FieldSpec(headers=["x"], type="name")) is None, value
