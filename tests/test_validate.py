"""Plan validation: every problem names file:line:col, the field path and what was expected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from complycheck.errors import InputError
from complycheck.model.enums import Change, UnitKind
from complycheck.validate import load_plan

from .conftest import TAIYUAN_HEADER


def errors(write: Callable[..., Path], body: str, header: str = TAIYUAN_HEADER) -> list[str]:
    path = write(header + body)
    with pytest.raises(InputError) as info:
        load_plan(path)
    return [str(p).replace(str(path), "plan.yaml") for p in info.value.problems]


def test_valid_plan_in_traditional_script(write: Callable[..., Path]) -> None:
    path = write(
        TAIYUAN_HEADER
        + """\
units:
  - {id: u1, name: 檔案館, kind: 事業單位, change: 新設, pi_category: 公益一類,
     quotas_after: {public_institution: 12}}
"""
    )
    unit = load_plan(path).plan.units[0]
    assert (unit.kind, unit.change) == (UnitKind.PUBLIC_INSTITUTION, Change.NEW)


def test_unknown_field_points_at_the_key(write: Callable[..., Path]) -> None:
    (message,) = errors(
        write,
        """\
units:
  - id: u1
    name: 档案馆
    kind: organ
    change: kept
    quotas_after: {administrative: 5}
    quota: 5
""",
    )
    assert message.startswith("plan.yaml:12:5: at units[0].quota unknown field 'quota'")
    assert "expected one of: id, name, former_name, kind, change" in message


def test_wrong_type_enum_and_missing(write: Callable[..., Path]) -> None:
    messages = errors(
        write,
        """\
units:
  - id: u1
    name: 档案馆
    kind: 机关
    change: kept
    quotas_after: {administrative: "5"}
grids:
  - {code: G1, population: 10}
""",
    )
    assert messages == [
        "plan.yaml:9:11: at units[0].kind expected one of: organ (党政机构), "
        "public_institution (事业单位); got '机关' (text)",
        "plan.yaml:11:36: at units[0].quotas_after.administrative expected a whole number, "
        "got '5' (text)",
        "plan.yaml:13:5: at grids[0].households missing required field 'households'",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-1", "greater than or equal to 0, got -1"),
        (".nan", "expected a whole number, got nan"),
        ("true", "expected a whole number, got true"),
        ("1.5", "expected a whole number, got 1.5"),
    ],
)
def test_numbers_are_checked(write: Callable[..., Path], value: str, expected: str) -> None:
    (message,) = errors(write, f"grids:\n  - {{code: G1, households: {value}, population: 10}}\n")
    assert expected in message and message.startswith("plan.yaml:7:")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.6", None),
        ('"60%"', None),
        (".inf", "less than or equal to 1, got inf"),
        ("1.5", "less than or equal to 1"),
        ("true", "expected a number, got true"),
    ],
)
def test_shares(write: Callable[..., Path], value: str, expected: str | None) -> None:
    body = f"""\
townships:
  - id: t1
    name: 甲镇
    stationed_agencies:
      - {{id: s1, name: 司法所, category: enforcement, disposition: stationed,
         evaluation_share: {value}}}
"""
    if expected is None:
        path = write(TAIYUAN_HEADER + body)
        share = load_plan(path).plan.townships[0].stationed_agencies[0].evaluation_share
        assert share == pytest.approx(0.6)
    else:
        (message,) = errors(write, body)
        assert expected in message and "evaluation_share" in message


def test_dates_are_dates(write: Callable[..., Path]) -> None:
    header = TAIYUAN_HEADER.replace("2024-03-01", "20240301")
    (message,) = errors(write, "", header)
    assert "at plan.date expected a date (YYYY-MM-DD)" in message


def test_top_level_must_be_a_mapping(write: Callable[..., Path]) -> None:
    path = write("- a\n- b\n")
    with pytest.raises(InputError, match=r"expected a plan .* got a list"):
        load_plan(path)


def test_references_between_entities(write: Callable[..., Path]) -> None:
    messages = errors(
        write,
        """\
units:
  - {id: u1, name: 甲, kind: organ, change: abolished}
  - {id: u1, name: 乙, kind: organ, change: kept, quotas_after: {administrative: 3}}
  - {id: u3, name: 丙, kind: organ, change: merged, predecessors: [u1, u9],
     quotas_after: {administrative: 3}}
  - {id: u4, name: 丁, kind: organ, change: merged, predecessors: [u3, u5],
     quotas_after: {administrative: 3}}
  - {id: u5, name: 戊, kind: organ, change: abolished}
grids:
  - {code: G1, township: t9, households: 1, population: 1}
problems:
  - {unit: u7, description: 超编}
""",
    )
    assert messages == [
        "plan.yaml:8:10: at units[1].id duplicate unit id 'u1' (first at line 7)",
        "plan.yaml:9:71: at units[2].predecessors[1] predecessor 'u9' is not a unit of this plan",
        "plan.yaml:11:67: at units[3].predecessors[0] predecessor 'u3' must be abolished by the "
        "plan (its change is 'merged')",
        "plan.yaml:15:26: at grids[0].township township 't9' is not in this plan",
        "plan.yaml:17:12: at problems[0].unit unit 'u7' is not in this plan",
    ]


def test_unit_consistency(write: Callable[..., Path]) -> None:
    (message,) = errors(write, "units:\n  - {id: u1, name: 甲, kind: organ, change: new}\n")
    assert message == (
        "plan.yaml:7:5: at units[0] a unit whose change is 'new' needs quotas_after "
        "(its approved quotas once the plan takes effect)"
    )


def test_example_plan_in_the_docs_is_valid() -> None:
    from .conftest import REPO

    loaded = load_plan(REPO / "docs" / "example-plan.yaml")
    assert loaded.plan.units and loaded.plan.grids and loaded.plan.townships


def test_unit_changes(write: Callable[..., Path]) -> None:
    messages = errors(
        write,
        """\
units:
  - {id: a, name: 甲, kind: organ, change: abolished, quotas_after: {administrative: 2}}
  - {id: b, name: 乙, kind: organ, change: merged, predecessors: [a],
     quotas_after: {administrative: 3}}
  - {id: c, name: 丙, kind: organ, change: kept, established: 2024-05-01,
     abolished: 2024-01-01, quotas_after: {administrative: 3}}
""",
    )
    assert messages == [
        "plan.yaml:7:5: at units[0] an abolished unit has no quotas after the plan",
        "plan.yaml:8:5: at units[1] a merged unit needs at least two predecessors (the units "
        "merged into it); a unit formed from one unit is renamed",
        "plan.yaml:10:5: at units[2] established is later than abolished",
    ]


def test_division_references(write: Callable[..., Path]) -> None:
    messages = errors(
        write,
        """\
units:
  - {id: a, name: 甲, kind: organ, change: abolished,
     divisions: [{id: d1, name: 办公室, type: general}]}
  - id: c
    name: 丙
    kind: organ
    change: kept
    quotas_after: {administrative: 3}
    divisions:
      - {id: d1, name: 综合科, type: general}
      - {id: d2, name: 业务科, type: business, predecessors: [d1, d9]}
""",
    )
    assert messages == [
        "plan.yaml:15:14: at units[1].divisions[0].id duplicate division id 'd1' (first at line 8)",
        "plan.yaml:16:64: at units[1].divisions[1].predecessors[1] predecessor division 'd9' is "
        "not in this plan",
    ]


def test_enumeration_labels_are_written_in_simplified_characters() -> None:
    from complycheck.i18n import fold
    from complycheck.model import enums

    for cls in enums.Coded.__subclasses__():
        for member in cls:
            for label in enums._LABELS[cls][member.value]:
                assert fold(label) == label.casefold(), (cls.__name__, label)
            assert cls(member.value.upper()) is member  # found through _missing_


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2024-02-30", "plan.yaml:4:9: '2024-02-30' is not a valid value: day is out of range"),
        ('"2024-02-30"', "at plan.date expected a date (YYYY-MM-DD), got '2024-02-30' (text)"),
        ('"20240301"', "at plan.date expected a date (YYYY-MM-DD), got '20240301' (text)"),
        ('"2024-W10-1"', "at plan.date expected a date (YYYY-MM-DD)"),
    ],
)
def test_impossible_and_non_iso_dates(write: Callable[..., Path], date: str, expected: str) -> None:
    (message,) = errors(write, "", TAIYUAN_HEADER.replace("2024-03-01", date))
    assert expected in message


def test_a_division_is_not_its_own_predecessor(write: Callable[..., Path]) -> None:
    (message,) = errors(
        write,
        """\
units:
  - id: c
    name: 丙
    kind: organ
    change: kept
    quotas_after: {administrative: 3}
    divisions:
      - {id: d1, name: 综合科, type: general, predecessors: [d1]}
""",
    )
    assert message.endswith("a division cannot be its own predecessor")


def test_the_readme_plan_example_is_valid(write: Callable[..., Path]) -> None:
    from .conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## The plan format, in brief", 1)[1].split("```yaml", 1)[1]
    path = write(snippet.split("```", 1)[0])
    assert load_plan(path).plan.plan.id == "ty-xd-2024-01"
