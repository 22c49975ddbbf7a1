"""The commands for ledgers and editors: check and validate a ledger, import it as YAML, print
the plan's JSON Schema, write a template; and reports in traditional characters."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from complycheck.check import check_paths
from complycheck.cli import cli
from complycheck.engine.base import Engine
from complycheck.errors import Position, Problem
from complycheck.findings import Location
from complycheck.i18n import Lang, default_lang, to_simplified
from complycheck.ledger import load_ledger
from complycheck.rulebook.load import Rulebook
from complycheck.schema import plan_schema
from complycheck.validate import load_plan

from .conftest import CASES, REPO
from .ledgers import TWIN, shanxi_sheets, write_csv_folder, write_xlsx
from .test_ledger import meaning


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})})


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Path]:
    path = write_xlsx(shanxi_sheets(), tmp_path / "石楼县台账.xlsx")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    yield path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before, "the ledger was changed"


# --- check and validate -----------------------------------------------------------------------


def test_check_a_workbook_names_sheet_and_cell(book: Path) -> None:
    result = run("check", book, "--lang", "en")
    assert result.exit_code == 1, result.output
    assert f"{book}!派驻机构表!B3  error  lq-sfs  灵泉司法所" in result.output
    assert "9 error, 1 warning" in result.output


def test_check_a_folder_of_csv_files(tmp_path: Path) -> None:
    folder = write_csv_folder(shanxi_sheets(), tmp_path / "台账", encoding="gb18030")
    result = run("check", folder, "--lang", "en", "-q")
    assert result.exit_code == 1, result.output
    assert "1 plan(s), 9 error, 1 warning" in result.output


def test_a_broken_ledger_exits_2_with_cells_and_no_traceback(tmp_path: Path) -> None:
    sheets = shanxi_sheets()
    sheets[6].rows[1][5] = "二百八十六户x"
    path = write_xlsx(sheets, tmp_path / "x.xlsx")
    result = run("check", path, "--lang", "en")
    assert result.exit_code == 2
    assert (
        f"{path}!网格台账!F2: at 户数 expected a number, got '二百八十六户x' (text)"
        in result.output
    )
    assert "Traceback" not in result.output


def test_validate_checks_the_format_only(tmp_path: Path, book: Path) -> None:
    result = run(
        "validate", book, CASES / "R16" / "violating-small-pi" / "plan.yaml", "--lang", "en"
    )
    assert result.exit_code == 0, result.output  # a plan with findings is still valid
    assert f"✓ {book}  SL-2024-XZGG" in result.output
    assert "Summary: 2 plan(s) valid" in result.output
    bad = tmp_path / "bad.yaml"
    text = (CASES / "R16" / "violating-small-pi" / "plan.yaml").read_text("utf-8")
    bad.write_text(text.replace("change: new", "change: 新說", 1), "utf-8")
    result = run("validate", bad, book, "--lang", "zh")
    assert result.exit_code == 2
    assert f"{bad}:17:13: at units[0].change expected one of" in result.output
    assert "汇总：1 个方案格式有效，1 个无效" in result.output


def test_validate_checks_the_packs_a_plan_names(tmp_path: Path) -> None:
    text = (CASES / "R16" / "violating-small-pi" / "plan.yaml").read_text("utf-8")
    plan = tmp_path / "p.yaml"
    plan.write_text(text.replace("plan:\n", "plan:\n  packs: [taiyuan, shanxy]\n", 1), "utf-8")
    result = run("validate", plan, "--lang", "en")
    assert result.exit_code == 2
    assert f"{plan}:3:20: at plan.packs[1] unknown policy pack 'shanxy'" in result.output


def test_validate_a_missing_path() -> None:
    result = run("validate", "no/such/plan.yaml", "--lang", "en")
    assert result.exit_code == 2
    assert "no/such/plan.yaml: no such file or folder" in result.output


# --- import -----------------------------------------------------------------------------------


def test_import_round_trips(
    tmp_path: Path, book: Path, rulebook: Rulebook, durable_engine: Engine
) -> None:
    out = tmp_path / "plan.yaml"
    result = run("import", book, "-o", out)
    assert result.exit_code == 0, result.output
    assert load_plan(out).plan == load_ledger(book).plan == load_plan(TWIN / "plan.yaml").plan
    from_yaml = check_paths([out], rulebook, durable_engine)
    from_ledger = check_paths([book], rulebook, durable_engine)
    assert sorted(map(meaning, from_yaml.plans[0].findings)) == sorted(
        map(meaning, from_ledger.plans[0].findings)
    )
    assert all(f.location.file == str(out) for f in from_yaml.plans[0].findings)
    text = out.read_text("utf-8")
    assert "  jurisdiction: {name: 石楼县, level: 县, province: 山西省, city: 吕梁市}\n" in text
    assert "  predecessors: [u-nyncj, u-slj]\n" in text  # a name in the ledger, now a code
    assert "    evaluation_share: 0.65\n" in text  # typed ６５％
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.yaml", "石楼县台账.xlsx"]


def test_import_prints_without_output_and_the_csv_folder_gives_the_same_yaml(
    tmp_path: Path, book: Path
) -> None:
    printed = run("import", book)
    assert printed.exit_code == 0
    folder = write_csv_folder(shanxi_sheets(), tmp_path / "csv")
    from_csv = run("import", folder)
    assert from_csv.exit_code == 0
    assert printed.output.split("\n", 1)[1] == from_csv.output.split("\n", 1)[1]


def test_import_never_replaces_a_file_unasked(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "plan.yaml"
    out.write_text("mine\n", "utf-8")
    result = run("import", book, "-o", out)
    assert result.exit_code == 2
    assert "exists; use --force to replace it" in result.output
    assert out.read_text("utf-8") == "mine\n"
    assert run("import", book, "-o", out, "--force").exit_code == 0
    assert out.read_text("utf-8").startswith("# Converted by `complycheck import`")
    result = run("import", book, "-o", book, "--force")
    assert result.exit_code == 2
    assert "the output would replace the ledger itself" in result.output


def test_import_of_a_broken_ledger_writes_nothing(tmp_path: Path) -> None:
    sheets = shanxi_sheets()
    sheets[1].rows[4][4] = "合拼"
    path = write_xlsx(sheets, tmp_path / "x.xlsx")
    result = run("import", path, "-o", tmp_path / "plan.yaml")
    assert result.exit_code == 2
    assert f"{path}!机构表!E5: at 处置方式 expected one of" in result.output
    assert not (tmp_path / "plan.yaml").exists()
    result = run("import", CASES / "R16" / "violating-small-pi" / "plan.yaml")
    assert result.exit_code == 2
    assert "expected an .xlsx workbook or a folder of CSV ledger sheets" in result.output


# --- schema and init --------------------------------------------------------------------------


def as_json(value: Any) -> Any:
    """A YAML value as the YAML language server sees it (YAML 1.2: dates are text)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def plan_files() -> list[Path]:
    plans = sorted(p for p in CASES.glob("*/*/plan.yaml") if p.parent.parent.name != "invalid")
    return [*plans, REPO / "docs" / "example-plan.yaml"]


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(run("schema").output)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)  # type: ignore[no-any-return]


def test_every_plan_of_the_cases_fits_the_schema(validator: jsonschema.protocols.Validator) -> None:
    for path in plan_files():
        data = as_json(yaml.safe_load(path.read_text("utf-8")))
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], path


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d["units"][0].update(planned_hire=1), "Additional properties"),
        (lambda d: d["units"][0].update(kind="事業單位"), None),  # traditional labels fit
        (lambda d: d["units"][0].update(kind="事业单元"), "is not one of"),
        (
            lambda d: d["units"][0].update(quotas_after={"public_institution": "8"}),
            "is not valid",
        ),
        (lambda d: d["plan"].update(date="2024-02-30"), "is not a 'date'"),
        (
            lambda d: d["townships"].append(
                {
                    "id": "t",
                    "name": "t",
                    "stationed_agencies": [
                        {
                            "id": "a",
                            "name": "a",
                            "category": "执法",
                            "disposition": "派驻",
                            "evaluation_share": "60%",
                        }
                    ],
                }
            ),
            None,
        ),
    ],
)
def test_the_schema_marks_what_validation_rejects(
    validator: jsonschema.protocols.Validator, change: Any, error: str | None
) -> None:
    data = as_json(yaml.safe_load((CASES / "R16" / "violating-small-pi" / "plan.yaml").read_text()))
    data.setdefault("townships", [])
    change(data)
    messages = [e.message for e in validator.iter_errors(data)]
    if error is None:
        assert messages == []
    else:
        assert any(error in m for m in messages), messages


def test_schema_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "plan.schema.json"
    assert run("schema", "-o", out).exit_code == 0
    assert json.loads(out.read_text("utf-8")) == plan_schema()
    assert run("schema", "-o", out).exit_code == 2  # exists


def test_init_writes_a_template_that_validates_checks_and_fits_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: jsonschema.protocols.Validator
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("init", "--schema")
    assert result.exit_code == 0, result.output
    plan, schema = tmp_path / "plan.yaml", tmp_path / "plan.schema.json"
    text = plan.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=plan.schema.json\n")
    assert "complycheck check plan.yaml" in text
    assert json.loads(schema.read_text("utf-8")) == plan_schema()
    assert run("validate", plan).exit_code == 0
    assert run("check", plan, "--lang", "en").exit_code == 0
    assert list(validator.iter_errors(as_json(yaml.safe_load(text)))) == []
    result = run("init")
    assert result.exit_code == 2
    assert "plan.yaml exists; use --force to replace it" in result.output
    plan.write_text("changed\n", "utf-8")
    assert run("init").exit_code == 2
    assert plan.read_text("utf-8") == "changed\n"
    assert run("init", "--force").exit_code == 0
    assert plan.read_text("utf-8").startswith("# 机构编制方案")


def test_init_a_template_ledger(tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    assert run("init", path).exit_code == 0
    result = run("validate", path, "--lang", "en")
    assert result.exit_code == 2
    assert (
        f"{path}!方案信息!B2: at 方案编号 a value is required (the cell is blank)" in result.output
    )


# --- traditional characters -----------------------------------------------------------------


def test_check_in_traditional_characters(book: Path) -> None:
    result = run("check", book, "--lang", "zh-Hant")
    assert result.exit_code == 1
    out = result.output
    assert "錯誤" in out and "错误" not in out and "彙總：1 個方案" in out
    assert f"{book}!派驻机构表!B3  錯誤  lq-sfs  灵泉司法所" in out  # locations stay as written
    assert "派駐機構「靈泉司法所」（靈泉鎮）的鄉鎮考核評分佔比為50.0%" in out
    assert "「鄉鎮(街道)對派駐機構工作考核評分佔比達到60%以上」" in out  # the policy text too
    simplified = run("check", book, "--lang", "zh").output
    assert to_simplified(out) == to_simplified(simplified)


def test_rules_and_explain_in_traditional_characters() -> None:
    rules = run("rules", "--lang", "ZH-HANT")
    assert rules.exit_code == 0
    assert "編號" in rules.output and "政策包" in rules.output
    explain = run("explain", "R08", "--lang", "zh-Hant")
    assert explain.exit_code == 0
    assert "檢查對象" in explain.output and "整改" in explain.output
    assert "检查对象" not in explain.output
    assert "鄉鎮(街道)對派駐機構工作考核評分佔比達到60%以上" in explain.output
    assert "│ 山西省鄉鎮（街道）機構改革" in rules.output


def test_language_from_a_traditional_locale() -> None:
    assert default_lang({"LANG": "zh_TW.UTF-8"}) is Lang.ZH_HANT
    assert default_lang({"LC_ALL": "zh_HK"}) is Lang.ZH_HANT
    assert default_lang({"LANG": "zh_CN.UTF-8"}) is Lang.ZH
    assert default_lang({"LANG": "en_US.UTF-8"}) is Lang.EN


# --- locations ----------------------------------------------------------------------------


def test_cell_locations_are_written_and_ordered() -> None:
    cell = Position(17, 4, "机构表")
    assert cell.where("u.xlsx") == "u.xlsx!机构表!D17"
    assert cell.describe() == "机构表!D17"
    csv_cell = Position(3, 28, "", "台账/网格台账.csv")
    assert csv_cell.where("台账") == "台账/网格台账.csv!AB3"
    assert Position(3, 7).where("p.yaml") == "p.yaml:3:7"
    assert str(Problem("u.xlsx", cell, "bad", "处置方式")) == "u.xlsx!机构表!D17: at 处置方式 bad"
    assert str(Location("u.xlsx", 17, 4, "机构表")) == "u.xlsx!机构表!D17"
    assert str(Location("p.yaml", 3, 7)) == "p.yaml:3:7"
    mixed = [Location("u.xlsx", 1, 1, "b"), Location("u.xlsx", 1, 1), Location("u.xlsx", 1, 1, "a")]
    assert [loc.sheet for loc in sorted(mixed)] == [None, "a", "b"]
    assert sorted([Position(2, 1, "x"), Position(1, 1)]) == [Position(1, 1), Position(2, 1, "x")]
