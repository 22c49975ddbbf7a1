"""Configuration files, found by walking up from the plans; command-line overrides; rule
selection and severity overrides; `complycheck config`; bad configuration as located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from complycheck.config import locate
from complycheck.errors import Position
from complycheck.selection import RuleFilter

from .ci_helpers import invoke, make_repo


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo", config=False)
    monkeypatch.chdir(root)
    return root


def doc(*args: str | Path) -> tuple[int, dict[str, object]]:
    result = invoke("check", *args, "--format", "json")
    assert result.output.startswith("{"), result.output
    return result.exit_code, json.loads(result.output)


def rules_found(data: dict[str, object]) -> set[str]:
    items = data["findings"]
    assert isinstance(items, list)
    return {f["rule_id"] for f in items}


# --- selecting rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("select", "ignore", "chosen"),
    [
        ((), (), {"R01", "R16", "R19", "B01", "WAIVER-UNUSED"}),
        (("R",), (), {"R01", "R16", "R19"}),
        (("R",), ("R1",), {"R01"}),
        ((), ("R1", "B"), {"R01", "WAIVER-UNUSED"}),
        (("R16",), ("R",), {"R16"}),  # the longer selector decides
        (("R1",), ("R1",), set()),  # at equal length, ignore wins
        (("R16", "WAIVER"), (), {"R16", "WAIVER-UNUSED"}),
    ],
)
def test_the_longest_selector_decides(
    select: tuple[str, ...], ignore: tuple[str, ...], chosen: set[str]
) -> None:
    rules = RuleFilter(select, ignore)
    ids = {"R01", "R16", "R19", "B01", "WAIVER-UNUSED"}
    assert {r for r in ids if rules.selects(r)} == chosen


def test_select_and_ignore_on_the_command_line(repo: Path) -> None:
    code, data = doc("plans/", "--select", "R1,R3", "--ignore", "R16")
    assert rules_found(data) == {"R10", "R13", "R14", "R17", "R18", "R19", "R30"}
    plans = data["plans"]
    assert isinstance(plans, list)
    taiyuan = next(p for p in plans if p["plan_id"] == "TY-2024-060")
    left_out = {s["rule_id"]: s["reason"]["en"] for s in taiyuan["skipped"]}
    assert left_out["R16"] == "left out by the selection (select/ignore)"
    assert "R16" not in taiyuan["applied"] and "R13" in taiyuan["applied"]
    assert code == 1


def test_a_selector_that_matches_no_rule_is_an_error(repo: Path) -> None:
    result = invoke("check", "plans/", "--select", "R99")
    assert result.exit_code == 2
    assert "command line: at --select no rule id is or starts with 'R99'" in result.output


# --- severity --------------------------------------------------------------------------------


def test_severity_overrides(repo: Path) -> None:
    _, data = doc("plans/", "--severity", "R09=error", "--severity", "r16=warning")
    items = data["findings"]
    assert isinstance(items, list)
    levels = sorted((f["rule_id"], f["entity_key"], f["severity"]) for f in items)
    assert ("R16", "u-jsjn", "warning") in levels
    # A stated justification still lowers an error of a rule read 原则上 (R09) to a warning.
    assert ("R09", "LC-001", "warning") in levels and ("R09", "LQ-002", "error") in levels
    rules = data["rules"]
    assert isinstance(rules, list)
    assert next(r for r in rules if r["id"] == "R16")["severity"] == "warning"
    _, data = doc("plans/", "--severity", "R09=info")
    assert {f["severity"] for f in data["findings"] if f["rule_id"] == "R09"} == {"info"}  # type: ignore[union-attr, index]


def test_a_severity_is_a_level_and_a_rule(repo: Path) -> None:
    result = invoke("check", "plans/", "--severity", "R09=high")
    assert result.exit_code == 2 and "expected RULE=LEVEL" in result.output
    result = invoke("check", "plans/", "--severity", "R99=info")
    assert result.exit_code == 2
    assert "at --severity no rule 'R99' to set the severity of" in result.output


def test_only_error_findings_fail_unless_configured(repo: Path) -> None:
    only_r16 = ("plans/", "--select", "R16")
    assert invoke("check", *only_r16).exit_code == 1
    assert invoke("check", *only_r16, "--severity", "R16=warning").exit_code == 0
    assert (
        invoke("check", *only_r16, "--severity", "R16=warning", "--fail-on", "warning").exit_code
        == 1
    )


# --- configuration files ---------------------------------------------------------------------

CONFIG = """\
fail-on = "warning"
select = ["R16", "R09"]

[severity]
R16 = "warning"
"""


def test_the_configuration_is_found_by_walking_up(repo: Path) -> None:
    (repo / "complycheck.toml").write_text(CONFIG, encoding="utf-8")
    deeper = repo / "plans" / "city"
    deeper.mkdir()
    (repo / "plans" / "taiyuan-city-plan.yaml").rename(deeper / "taiyuan.yaml")
    code, data = doc(deeper / "taiyuan.yaml")
    assert rules_found(data) == {"R16"}
    assert data["summary"]["fail_on"] == "warning"  # type: ignore[index]
    assert code == 1  # fail-on warning, and R16 is a warning
    code, data = doc(deeper / "taiyuan.yaml", "--fail-on", "error")  # the command line wins
    assert code == 0


def test_pyproject_table(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "plans"\n\n[tool.complycheck]\nselect = ["R3"]\n', encoding="utf-8"
    )
    _, data = doc("plans/")
    assert rules_found(data) == {"R30"}


def test_a_pyproject_without_the_table_is_passed_by(repo: Path) -> None:
    (repo / "complycheck.toml").write_text('select = ["R3"]\n', encoding="utf-8")
    (repo / "plans" / "pyproject.toml").write_text("[tool.black]\nline-length = 80\n", "utf-8")
    _, data = doc("plans/")
    assert rules_found(data) == {"R30"}


def test_complycheck_toml_comes_first(repo: Path) -> None:
    (repo / "complycheck.toml").write_text('select = ["R3"]\n', encoding="utf-8")
    (repo / "pyproject.toml").write_text('[tool.complycheck]\nselect = ["R16"]\n', "utf-8")
    _, data = doc("plans/")
    assert rules_found(data) == {"R30"}


def test_naming_or_refusing_the_configuration(repo: Path) -> None:
    (repo / "complycheck.toml").write_text('select = ["R3"]\n', encoding="utf-8")
    other = repo / "other.toml"
    other.write_text('select = ["R16"]\n', encoding="utf-8")
    assert rules_found(doc("plans/", "--config", other)[1]) == {"R16"}
    assert len(rules_found(doc("plans/", "--no-config")[1])) > 5


def test_plans_under_different_configurations(repo: Path) -> None:
    (repo / "plans" / "complycheck.toml").write_text('select = ["R3"]\n', encoding="utf-8")
    elsewhere = repo / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "complycheck.toml").write_text('select = ["R16"]\n', encoding="utf-8")
    (elsewhere / "x.yaml").write_bytes((repo / "plans" / "taiyuan-city-plan.yaml").read_bytes())
    result = invoke("check", "plans/", "elsewhere/x.yaml")
    assert result.exit_code == 2
    assert "the paths are under different configuration files" in result.output


def test_paths_in_the_configuration_are_relative_to_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "complycheck.toml").write_text(
        'waivers = ["policy/waivers.yaml"]\nbaseline = "policy/baseline.json"\n', "utf-8"
    )
    (repo / "policy").mkdir()
    (repo / "policy" / "waivers.yaml").write_text("waivers: []\n", encoding="utf-8")
    monkeypatch.chdir(repo / "plans")
    result = invoke("check", ".", "--update-baseline", "-q")
    assert result.exit_code == 0, result.output
    assert (repo / "policy" / "baseline.json").is_file()
    shown = invoke("config", ".").output
    assert "../policy/waivers.yaml" in shown and "../policy/baseline.json" in shown


# --- `complycheck config` --------------------------------------------------------------------


def test_config_shows_each_value_and_where_it_comes_from(repo: Path) -> None:
    (repo / "complycheck.toml").write_text(CONFIG, encoding="utf-8")
    result = invoke("config", "plans/", "--select", "R1", "--severity", "R09=info", "--lang", "en")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "configuration file: complycheck.toml",
        "lang          en       --lang",
        "fail-on       warning  complycheck.toml:1",
        "select        R1       --select",
        "ignore        -        default",
        "severity.R09  info     --severity",
        "severity.R16  warning  complycheck.toml:5",
        "waivers       -        default",
        "baseline      -        default",
        "rules         -        default",
    ]


# --- bad configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'fial-on = "error"\n',
            "complycheck.toml:1:1: at fial-on unknown field 'fial-on'; "
            "expected one of: lang, fail-on, select",
        ),
        ('select = "R16"\n', "complycheck.toml:1:10: at select expected a list, got 'R16' (text)"),
        (
            "[severity]\nR16 = 'high'\n",
            "complycheck.toml:2:7: at severity.R16 input should be 'error', 'warning' or 'info'",
        ),
        (
            "severity = {R16 = 3}\n",
            "complycheck.toml:1:19: at severity.R16 input should be 'error', 'warning' or 'info'",
        ),
        ('lang = "fr"\n', "complycheck.toml:1:8: at lang expected one of: zh"),
        ('rules = ["nope"]\n', "complycheck.toml:1:1: at rules no rule folder 'nope'"),
        ('select = ["R16"\nignore = []\n', "complycheck.toml:2:1: not valid TOML:"),
        (
            'select = ["R99"]\n',
            "complycheck.toml:1:1: at select no rule id is or starts with 'R99'",
        ),
        (
            '[severity]\nR99 = "info"\n',
            "complycheck.toml:2:1: at severity.R99 no rule 'R99' to set the severity of",
        ),
    ],
)
def test_bad_configuration_is_a_located_error(repo: Path, text: str, message: str) -> None:
    (repo / "complycheck.toml").write_text(text, encoding="utf-8")
    for command in ("check", "config"):
        result = invoke(command, "plans/")
        assert result.exit_code == 2, result.output
        assert "the configuration cannot be used" in result.output
        assert message in result.output, result.output
        assert "Traceback" not in result.output


def test_the_locator_points_at_keys_in_tables() -> None:
    text = (
        '# c\n[tool.complycheck]\nselect = ["R"]\n\n[tool.complycheck.severity]\n"R09" = "info"\n'
    )
    source = locate(text, "pyproject.toml", ("tool", "complycheck"))
    assert source.position(("select",), key=True) == Position(3, 1)
    assert source.position(("select",)) == Position(3, 10)
    assert source.position(("severity", "R09"), key=True) == Position(6, 1)
    assert source.position(("severity",), key=True) == Position(5, 1)
