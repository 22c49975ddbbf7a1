"""Waivers: in a plan and in a waiver file; valid, expired, unused, without a reason; a waived
finding shown as waived and counted in every format, never hidden."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from .ci_helpers import invoke, junit_errors, sarif_errors
from .conftest import CASES

PLAN = (CASES / "R16" / "violating-small-pi" / "plan.yaml").read_text(encoding="utf-8")
# SOURCE_DATE_EPOCH in the tests is 2026-01-01: a waiver expiring that day still holds.
R16_WAIVER = """\
waivers:
  - rule: R16
    entity: u-archive
    reason: 档案数字化为阶段性任务，经区委编委同意暂按8名核定，任务完成后撤销。
    approver: 小店区委机构编制委员会
    document: 小编委〔2024〕3号
    expires: {expires}
"""
R13_WAIVER = """\
  - rule: R13
    entity: XD-2024-016
    reason: 新增事业编制从区编制周转池调剂，市编办同意。
    approver: 太原市委编办
    document: 并编办函〔2024〕11号
    expires: 2026-06-30
"""


def plan_with(write: Callable[..., Path], waivers: str) -> Path:
    return write(PLAN + waivers)


def run_json(path: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = invoke("check", path, "--format", "json", *args)
    return result.exit_code, json.loads(result.output)


def findings(doc: dict[str, object]) -> list[dict[str, object]]:
    items = doc["findings"]
    assert isinstance(items, list)
    return items


def by_rule(doc: dict[str, object], rule_id: str) -> dict[str, object]:
    (item,) = [f for f in findings(doc) if f["rule_id"] == rule_id]
    return item


# --- valid -----------------------------------------------------------------------------------


def test_a_waived_finding_is_shown_counted_and_does_not_fail(write: Callable[..., Path]) -> None:
    path = plan_with(write, R16_WAIVER.format(expires="2026-01-01") + R13_WAIVER)
    code, doc = run_json(path)
    assert code == 0  # both findings waived: nothing open
    r16 = by_rule(doc, "R16")
    assert r16["status"] == "waived" and r16["severity"] == "error"
    waiver = r16["waiver"]
    assert isinstance(waiver, dict)
    location = waiver.pop("location")
    assert (location["line"], location["column"]) == (50, 5)  # the waiver, in the plan
    assert location["file"].endswith("plan.yaml")
    assert waiver == {
        "rule": "R16",
        "entity": "u-archive",
        "reason": "档案数字化为阶段性任务，经区委编委同意暂按8名核定，任务完成后撤销。",
        "approver": "小店区委机构编制委员会",
        "document": "小编委〔2024〕3号",
        "expires": "2026-01-01",
        "display": f"{location['file']}:50:5",
    }
    summary = doc["summary"]
    assert isinstance(summary, dict)
    assert summary["findings"] == {"error": 2, "warning": 0, "info": 0}  # counted
    assert summary["waived"] == 2 and summary["open"] == 0


def test_a_waiver_covers_only_its_rule_and_entity(write: Callable[..., Path]) -> None:
    path = plan_with(write, R16_WAIVER.format(expires="2026-12-31"))
    code, doc = run_json(path)
    assert code == 1  # R13 is still open
    assert by_rule(doc, "R16")["status"] == "waived"
    assert by_rule(doc, "R13")["status"] == "open"


def test_waived_in_every_format(write: Callable[..., Path]) -> None:
    path = plan_with(write, R16_WAIVER.format(expires="2026-12-31"))
    text = invoke("check", path, "--format", "text", "--lang", "en").output
    assert ":14:5: R16 error (waived) New public institution" in text
    assert text.splitlines()[-1].endswith("; 1 waived")
    sarif = json.loads(invoke("check", path, "--format", "sarif").output)
    assert sarif_errors(sarif) == []
    r16 = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "R16")
    (suppression,) = r16["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert suppression["justification"].startswith("档案数字化为阶段性任务")
    assert suppression["properties"]["document"] == "小编委〔2024〕3号"
    junit = invoke("check", path, "--format", "junit", "--lang", "en").output
    assert junit_errors(junit) == []
    case = ET.fromstring(junit).find(".//testcase[@name='R16 u-archive']")
    assert case is not None
    skipped = case.find("skipped")
    assert skipped is not None and (skipped.get("message") or "").startswith("waived: 档案")
    github = invoke("check", path, "--format", "github", "--lang", "en").output
    assert "::notice file=" in github and "title=R16 u-archive (waived)" in github
    markdown = invoke("check", path, "--format", "markdown", "--lang", "en").output
    assert "| error | waived | R16 |" in markdown
    assert "Waived: 档案数字化为阶段性任务" in markdown
    rich = invoke("check", path, "--lang", "en").output
    assert "error  waived  u-archive" in rich
    assert "Waived: 档案数字化为阶段性任务" in rich and "1 waived" in rich


# --- expired ---------------------------------------------------------------------------------


def test_an_expired_waiver_is_a_finding_of_its_own(write: Callable[..., Path]) -> None:
    path = plan_with(write, R16_WAIVER.format(expires="2025-12-31") + R13_WAIVER)
    code, doc = run_json(path)
    assert code == 1
    assert by_rule(doc, "R16")["status"] == "open"  # the waiver no longer holds
    expired = by_rule(doc, "WAIVER-EXPIRED")
    assert expired["severity"] == "error" and expired["status"] == "open"
    assert expired["location"]["line"] == 50  # type: ignore[index]  # at the waiver
    assert expired["entity_key"] == "R16/u-archive"
    assert expired["message"]["en"] == (  # type: ignore[index]
        "The waiver of R16 for u-archive (小编委〔2024〕3号, approved by 小店区委机构编制委员会) "
        "expired on 2025-12-31; it no longer waives anything"
    )
    rules = doc["rules"]
    assert isinstance(rules, list)
    reserved = next(r for r in rules if r["id"] == "WAIVER-EXPIRED")
    assert reserved["source"] is None and reserved["title"]["en"] == "A waiver has expired"


def test_expiry_follows_the_date_of_the_run(write: Callable[..., Path]) -> None:
    path = plan_with(write, R16_WAIVER.format(expires="2026-01-01") + R13_WAIVER)
    assert invoke("check", path).exit_code == 0  # 2026-01-01: the last day it holds
    next_day = {"SOURCE_DATE_EPOCH": str(1767225600 + 86400)}
    assert invoke("check", path, env=next_day).exit_code == 1


# --- unused ----------------------------------------------------------------------------------


def test_an_unused_waiver_is_reported(write: Callable[..., Path]) -> None:
    waivers = R16_WAIVER.format(expires="2026-12-31").replace("u-archive", "u-elderly")
    path = plan_with(write, waivers + R13_WAIVER)
    code, doc = run_json(path)
    assert by_rule(doc, "R16")["status"] == "open"
    unused = by_rule(doc, "WAIVER-UNUSED")
    assert unused["severity"] == "warning" and unused["location"]["line"] == 50  # type: ignore[index]
    assert "finds nothing on u-elderly" in unused["message"]["en"]  # type: ignore[index]
    assert code == 1


def test_an_unused_waiver_fails_only_at_the_warning_level(write: Callable[..., Path]) -> None:
    extra = R16_WAIVER.format(expires="2026-12-31").replace("waivers:\n", "")
    extra = extra.replace("u-archive", "u-elderly")
    path = plan_with(write, R16_WAIVER.format(expires="2026-12-31") + R13_WAIVER + extra)
    assert invoke("check", path).exit_code == 0
    assert invoke("check", path, "--fail-on", "warning").exit_code == 1


def test_a_waiver_of_a_rule_left_out_is_not_unused(write: Callable[..., Path]) -> None:
    path = plan_with(write, R16_WAIVER.format(expires="2026-12-31"))
    code, doc = run_json(path, "--ignore", "R16")
    assert [f["rule_id"] for f in findings(doc)] == ["R13"]
    assert code == 1


# --- missing reason and other errors ----------------------------------------------------------


def test_a_waiver_without_a_reason_is_an_input_error(write: Callable[..., Path]) -> None:
    waivers = R16_WAIVER.format(expires="2026-12-31")
    waivers = "\n".join(x for x in waivers.splitlines() if "reason:" not in x) + "\n"
    path = plan_with(write, waivers)
    result = invoke("check", path, "--lang", "en")
    assert result.exit_code == 2
    assert f"{path}:50:5: at waivers[0].reason missing required field 'reason'" in result.output
    assert "Traceback" not in result.output


def test_a_blank_reason_is_an_input_error(write: Callable[..., Path]) -> None:
    reason = "档案数字化为阶段性任务，经区委编委同意暂按8名核定，任务完成后撤销。"
    waivers = R16_WAIVER.format(expires="2026-12-31").replace(reason, '"  "')
    result = invoke("check", plan_with(write, waivers), "--format", "text")
    assert result.exit_code == 2
    assert (
        ":52:13: INPUT-ERROR error at waivers[0].reason expected a text that is not blank"
        in result.output
    )


def test_a_waiver_of_an_unknown_rule_is_an_input_error(write: Callable[..., Path]) -> None:
    waivers = R16_WAIVER.format(expires="2026-12-31").replace("rule: R16", "rule: R61")
    result = invoke("check", plan_with(write, waivers), "--format", "text")
    assert result.exit_code == 2
    assert (
        ":50:5: INPUT-ERROR error at waivers[0].rule the waiver names rule 'R61', "
        "which is not in the rulebook"
    ) in result.output


# --- waiver files ----------------------------------------------------------------------------

FILE_WAIVER = """\
waivers:
  - plan: XD-2024-016
    rule: R16
    entity: u-archive
    reason: 档案数字化为阶段性任务。
    approver: 小店区委机构编制委员会
    document: 小编委〔2024〕3号
    expires: 2026-12-31
  - plan: SOME-OTHER-PLAN
    rule: R09
    entity: G-1
    reason: 不在本次检查范围内的方案。
    approver: 某县委社会工作部
    document: 某社工函〔2024〕1号
    expires: 2024-12-31
"""


def test_a_waiver_file(write: Callable[..., Path]) -> None:
    plan = write(PLAN)
    waivers = write(FILE_WAIVER, "waivers.yaml")
    code, doc = run_json(plan, "--waivers", str(waivers))
    assert code == 1  # R13 still open
    assert by_rule(doc, "R16")["status"] == "waived"
    # The other plan's waiver (expired, and matching nothing here) is left alone.
    assert {f["rule_id"] for f in findings(doc)} == {"R13", "R16"}
    waiver = by_rule(doc, "R16")["waiver"]
    assert isinstance(waiver, dict) and waiver["location"]["line"] == 2


def test_a_waiver_file_needs_the_plan_and_a_reason(write: Callable[..., Path]) -> None:
    plan = write(PLAN)
    broken = FILE_WAIVER.replace("  - plan: XD-2024-016\n", "  -\n").replace(
        "    reason: 不在本次检查范围内的方案。\n", ""
    )
    waivers = write(broken, "waivers.yaml")
    result = invoke("check", plan, "--waivers", str(waivers))
    assert result.exit_code == 2
    assert "the waivers or the baseline cannot be used" in result.output
    output = result.output
    assert f"{waivers.name}:3:5: at waivers[0].plan missing required field 'plan'" in output
    assert f"{waivers.name}:9:5: at waivers[1].reason missing required field 'reason'" in output


def test_a_waiver_file_that_is_not_one(write: Callable[..., Path]) -> None:
    result = invoke("check", write(PLAN), "--waivers", str(write("- a\n- b\n", "w.yaml")))
    assert result.exit_code == 2
    assert "w.yaml:1:1: expected a waiver file" in result.output


def test_waivers_apply_before_the_baseline(write: Callable[..., Path], tmp_path: Path) -> None:
    """A waived finding stays out of the baseline, so the waiver's expiry still bites."""
    path = plan_with(write, R16_WAIVER.format(expires="2026-06-30") + R13_WAIVER)
    baseline = tmp_path / "baseline.json"
    assert invoke("check", path, "--baseline", baseline, "--update-baseline").exit_code == 0
    assert json.loads(baseline.read_text(encoding="utf-8"))["findings"] == []
    later = {"SOURCE_DATE_EPOCH": str(1767225600 + 365 * 86400)}  # 2027: both expired
    result = invoke("check", path, "--baseline", baseline, "--format", "json", env=later)
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert sorted((f["rule_id"], f["baseline"]) for f in findings(doc)) == [
        ("R13", "new"),
        ("R16", "new"),
        ("WAIVER-EXPIRED", None),
        ("WAIVER-EXPIRED", None),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_waiver_findings_in_both_languages(write: Callable[..., Path], lang: str) -> None:
    path = plan_with(write, R16_WAIVER.format(expires="2025-01-01"))
    text = invoke("check", path, "--format", "text", "--lang", lang).output
    line = next(x for x in text.splitlines() if "WAIVER-EXPIRED" in x)
    assert ("已于 2025-01-01 到期" if lang == "zh" else "expired on 2025-01-01") in line


def test_a_waiver_names_a_matter_in_either_script(tmp_path: Path) -> None:
    """A matter's entity is its name, compared as names are: simplified or traditional."""
    from .conftest import REPO

    example = (REPO / "docs" / "example-plan.yaml").read_text(encoding="utf-8")
    waiver = """\
  - rule: R01
    entity: 森林草原防滅火
    reason: 县森林草原防灭火指挥部分工，两部门分别牵头预防和扑救。
    approver: 石楼县人民政府
    document: 石政函〔2024〕9号
    expires: 2027-12-31
"""
    path = tmp_path / "plan.yaml"
    path.write_text(example + waiver, encoding="utf-8")
    code, doc = run_json(path)
    assert code == 0
    assert [(f["rule_id"], f["status"]) for f in findings(doc)] == [
        ("R01", "waived"),
        ("R09", "waived"),
    ]


def test_waivers_in_a_json_plan_are_located(tmp_path: Path) -> None:
    import yaml

    plan = yaml.safe_load(PLAN + R16_WAIVER.format(expires="2025-06-30"))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False, indent=2, default=str), "utf-8")
    _, doc = run_json(path)
    expired = by_rule(doc, "WAIVER-EXPIRED")
    line = path.read_text(encoding="utf-8").splitlines()[expired["location"]["line"] - 1]  # type: ignore[index]
    assert (
        line.strip() == "{"
        and '"rule": "R16"'
        in path.read_text("utf-8").splitlines()[
            expired["location"]["line"]  # type: ignore[index]
        ]
    )


def test_plans_without_waivers_come_through_as_they_were_checked(tmp_path: Path) -> None:
    """A plan with no waiver is left as it is: its findings were put in order when it was
    checked, and waivers have nothing to mark or add."""
    import datetime as dt

    from complycheck.check import check_paths
    from complycheck.engine import EngineName, make_engine
    from complycheck.rulebook.load import load_rulebook
    from complycheck.waivers import apply_waivers

    rulebook = load_rulebook()
    cases = [CASES / "R09" / "violating-json", CASES / "R16" / "violating-small-pi"]
    report = check_paths(cases, rulebook, make_engine(EngineName.PYTHON))
    plans = report.plans
    assert len(plans) == 2 and all(p.findings and not p.waivers for p in plans)
    for plan in plans:
        assert list(plan.findings) == sorted(plan.findings, key=lambda f: f.sort_key())
    known = {r.spec.id for r in rulebook.rules}
    waived = apply_waivers(report, (), dt.date(2026, 1, 1), known)
    assert all(a is b for a, b in zip(waived.plans, plans, strict=True))
