"""Policy packs, dated parameters, effective dates, computed values and list fields, each on a
small rulebook of its own (so these tests do not depend on the built-in rules)."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from complycheck.check import Options, check_plan
from complycheck.engine import EngineName, make_engine
from complycheck.engine.base import Engine
from complycheck.errors import InputError, RulebookError
from complycheck.report import PlanReport
from complycheck.rulebook.load import Rulebook, builtin_rules_dir, load_rulebook
from complycheck.validate import load_plan

R16 = (builtin_rules_dir() / "R16.yaml").read_text(encoding="utf-8")

TOWNSHIP_RULE = """\
id: T01
title: {zh: 标准机构, en: Standard institutions}
severity: error
entity: township
rationale: {zh: 测试, en: test}
params:
  names: {default: [党政综合办, 经济发展办], description: {zh: 名称, en: names}}
require: {field: institution_names, has_all: {param: names}}
compute:
  missing: {difference: [{param: names}, {field: institution_names}]}
  missing_count: {count: {value: missing}}
message: {zh: '缺少{missing}', en: 'missing {missing_count}: {missing}'}
remediation: {zh: '设置{missing}', en: 'set up {missing}'}
source:
  seed: 001_639f00cfe1f38aee.txt
  item: S1-12
  jurisdiction: {zh: 山西省, en: Shanxi}
  quote: 乡镇(街道)统一设置
  translation: Townships uniformly set up.
example: {compliant: {zh: 有, en: has}, violating: {zh: 无, en: lacks}}
"""


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def plan_file(
    tmp_path: Path, body: str, *, city: str = "太原市", packs: str = "", date: str = "2024-03-01"
) -> Path:
    header = f"""\
plan:
  id: p1
  title: 测试
  date: {date}
  jurisdiction: {{name: 小店区, level: county, class: 中, province: 山西省, city: {city}}}
"""
    if packs:
        header += f"  packs: {packs}\n"
    path = tmp_path / "plan.yaml"
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


SMALL_PI = """\
units:
  - {id: u1, name: 档案中心, kind: public_institution, change: new, pi_category: public_welfare_1,
     quotas_after: {public_institution: 10}}
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "book"
    write(folder, "R16.yaml", R16)
    write(
        folder,
        "packs/taiyuan.yaml",
        """\
        id: taiyuan
        title: {zh: 太原, en: Taiyuan}
        description: {zh: 太原, en: Taiyuan}
        regions: [太原市]
        rules: [R16]
    """,
    )
    write(
        folder,
        "packs/literal.yaml",
        """\
        id: literal
        title: {zh: 字面读法, en: Literal reading}
        description: {zh: 以下含本数, en: 以下 includes the number}
        auto: false
        extends: [taiyuan]
        params:
          R16: {threshold_violates: true}
    """,
    )
    return folder


def run(
    path: Path, rulebook: Rulebook, engine: Engine | None = None, options: Options | None = None
) -> PlanReport:
    engine = engine or make_engine(EngineName.PYTHON)
    return check_plan(load_plan(path), rulebook, engine, options or Options())


def test_packs_are_chosen_by_jurisdiction(book: Path, tmp_path: Path) -> None:
    rulebook = load_rulebook([book], builtin=False)
    taiyuan = run(plan_file(tmp_path, SMALL_PI), rulebook)
    assert taiyuan.packs == ("taiyuan",) and taiyuan.applied == ("R16",)
    assert taiyuan.findings == ()  # exactly 10 quotas passes under the plain reading
    elsewhere = run(plan_file(tmp_path, SMALL_PI, city="晋中市"), rulebook)
    assert elsewhere.packs == () and elsewhere.applied == ()
    (skip,) = elsewhere.skipped
    assert skip.rule_id == "R16" and "taiyuan (太原市)" in skip.reason.en


def test_a_pack_that_extends_another_overrides_its_parameters(book: Path, tmp_path: Path) -> None:
    rulebook = load_rulebook([book], builtin=False)
    by_option = run(plan_file(tmp_path, SMALL_PI), rulebook, options=Options(packs=("literal",)))
    assert by_option.packs == ("taiyuan", "literal")
    assert [f.entity_key for f in by_option.findings] == ["u1"]
    by_plan = run(plan_file(tmp_path, SMALL_PI, packs="[literal]"), rulebook)
    assert [f.entity_key for f in by_plan.findings] == ["u1"]
    # explicitly chosen packs apply even outside their regions
    far = run(plan_file(tmp_path, SMALL_PI, city="沈阳市", packs="[literal]"), rulebook)
    assert [f.entity_key for f in far.findings] == ["u1"]


def test_unknown_pack_in_the_plan_is_a_located_error(book: Path, tmp_path: Path) -> None:
    rulebook = load_rulebook([book], builtin=False)
    path = plan_file(tmp_path, SMALL_PI, packs="[taiyuan, nanjing]")
    with pytest.raises(InputError) as info:
        run(path, rulebook)
    assert str(info.value).startswith(f"{path}:6:") and "unknown policy pack 'nanjing'" in str(
        info.value
    )


@pytest.mark.parametrize(
    ("pack", "message"),
    [
        (
            "id: x\ntitle: {zh: a, en: a}\ndescription: {zh: a, en: a}\nrules: [R99]\n",
            "x.yaml:4:9: unknown rule 'R99'",
        ),
        (
            "id: x\ntitle: {zh: a, en: a}\ndescription: {zh: a, en: a}\nparams: {R16: {min: 3}}\n",
            "x.yaml:4:16: rule R16 has no parameter 'min'",
        ),
        (
            "id: x\ntitle: {zh: a, en: a}\ndescription: {zh: a, en: a}\nextends: [x]\n",
            "x.yaml:4:10: pack 'x' extends itself",
        ),
        ("id: X\ntitle: {zh: a, en: a}\ndescription: {zh: a, en: a}\n", "x.yaml:1:5: at id"),
    ],
)
def test_broken_packs_are_fatal(book: Path, pack: str, message: str) -> None:
    write(book, "packs/x.yaml", pack)
    with pytest.raises(RulebookError) as info:
        load_rulebook([book], builtin=False)
    assert message in str(info.value).replace(str(book / "packs") + "/", "")


def test_unconfigured_parameter_skips_the_rule_with_a_reason(book: Path, tmp_path: Path) -> None:
    write(book, "R16.yaml", R16.replace("default: 10\n", "default: null\n", 1))
    rulebook = load_rulebook([book], builtin=False)
    report = run(plan_file(tmp_path, SMALL_PI), rulebook)
    assert report.applied == ()
    (skip,) = report.skipped
    assert skip.reason.en == "parameter min_quota is not configured (a policy pack must set it)"


def test_dated_parameter_values_follow_the_plan_date_or_as_of(book: Path, tmp_path: Path) -> None:
    dated = R16.replace(
        "default: 10\n",
        "default:\n      - {until: 2023-01-01, value: 5}\n      - {from: 2023-01-01, value: 12}\n",
        1,
    )
    write(book, "R16.yaml", dated)
    rulebook = load_rulebook([book], builtin=False)
    now = run(plan_file(tmp_path, SMALL_PI, date="2024-03-01"), rulebook)
    assert [f.entity_key for f in now.findings] == ["u1"]  # 10 < 12
    then = run(plan_file(tmp_path, SMALL_PI, date="2022-06-30"), rulebook)
    assert then.findings == ()  # 10 > 5
    as_of = run(
        plan_file(tmp_path, SMALL_PI, date="2024-03-01"),
        rulebook,
        options=Options(as_of=dt.date(2022, 12, 31)),
    )
    assert as_of.findings == () and as_of.as_of == dt.date(2022, 12, 31)


def test_effective_dates_of_a_rule(book: Path, tmp_path: Path) -> None:
    write(
        book,
        "R16.yaml",
        R16.replace("entity: unit\n", "entity: unit\neffective: {from: 2025-01-01}\n"),
    )
    rulebook = load_rulebook([book], builtin=False)
    report = run(plan_file(tmp_path, SMALL_PI), rulebook)
    assert report.applied == ()
    assert report.skipped[0].reason.en == "the rule is in force 2025-01-01 – …, not on 2024-03-01"


@pytest.mark.parametrize("engine_name", list(EngineName))
def test_list_fields_folding_and_computed_values(tmp_path: Path, engine_name: EngineName) -> None:
    folder = tmp_path / "book"
    write(
        folder,
        "T01.yaml",
        TOWNSHIP_RULE.replace("[党政综合办, 经济发展办]", "[黨政綜合辦, 经济发展办]"),
    )
    rulebook = load_rulebook([folder], builtin=False)
    path = plan_file(
        tmp_path,
        """\
townships:
  - {id: t1, name: 甲镇, institutions: [{name: 党政综合办, type: office}]}
  - {id: t2, name: 乙镇, institutions: []}
  - {id: t3, name: 丙镇, institutions: [{name: 經濟發展辦, type: office},
                                        {name: 党政综合办, type: office}]}
""",
    )
    report = run(path, rulebook, make_engine(engine_name))
    got = {f.entity_key: f.message.en for f in report.findings}
    # matching folds both scripts; the message shows the names as the rule wrote them
    assert got == {"t1": "missing 1: 经济发展办", "t2": "missing 2: 黨政綜合辦、经济发展办"}


def test_the_readme_pack_example_works(tmp_path: Path) -> None:
    from .conftest import CASES, REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("# my-rules/packs/my-limits.yaml", 1)[1].split("```", 1)[0]
    write(tmp_path / "my-rules", "packs/my-limits.yaml", block.split("\n", 1)[1])
    rulebook = load_rulebook([tmp_path / "my-rules"])
    report = run(CASES / "R23" / "violating-over-limit" / "plan.yaml", rulebook)
    assert "my-limits" in report.packs and "R23" in report.applied


def test_a_pack_parameter_of_the_wrong_type_is_a_rulebook_error_naming_the_pack(
    book: Path,
) -> None:
    write(
        book,
        "packs/x.yaml",
        """\
        id: x
        title: {zh: a, en: a}
        description: {zh: a, en: a}
        params:
          R16:
            min_quota:
              - {until: 2020-01-01, value: 5}
              - {from: 2020-01-01, value: ten}
    """,
    )
    with pytest.raises(RulebookError) as info:
        load_rulebook([book], builtin=False)
    message = str(info.value).replace(str(book / "packs") + "/", "")
    assert (
        message == "x.yaml:5:3: rule R16 cannot take these parameters: 'ten' is not a whole number"
    )


def test_rules_decided_once_for_many_plans_are_those_of_each_plan(tmp_path: Path) -> None:
    """The applied and skipped rules are kept with the rulebook for plans that share packs,
    date and rule regions: each plan still gets its own, naming its own jurisdiction."""
    shared = load_rulebook()
    places = [("太原市", "2024-03-01"), ("晋中市", "2024-03-01"), ("太原市", "2020-01-01")]
    for city, date in [*places, *places]:
        folder = tmp_path / f"{city}-{date}"
        folder.mkdir(exist_ok=True)
        path = plan_file(folder, SMALL_PI, city=city, date=date)
        got = run(path, shared)
        want = run(path, load_rulebook())  # a rulebook of its own: nothing kept
        assert (got.applied, got.skipped, got.packs) == (want.applied, want.skipped, want.packs)
        assert all("\x00" not in s.reason.en + s.reason.zh for s in got.skipped)
        placed = [s.reason.en for s in got.skipped if "this plan" in s.reason.en]
        assert placed and all(f"山西省 / {city} / 小店区" in r for r in placed)
    assert len(shared.plans_cache) == 3
