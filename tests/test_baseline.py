"""Baselines: new, known and fixed findings; identity by meaning, so that reordering a plan
changes nothing; updates that keep other plans' entries and never follow a broken run."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import yaml

from complycheck.findings import Finding, Location

from .ci_helpers import invoke, make_repo, sarif_errors

TAIYUAN = Path("plans/taiyuan-city-plan.yaml")
BASELINE = Path("baseline.json")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo", config=False)
    monkeypatch.chdir(root)
    return root


def check(*args: str | Path) -> tuple[int, dict[str, object]]:
    result = invoke("check", *args, "--baseline", BASELINE, "--format", "json", "--lang", "en")
    return result.exit_code, json.loads(result.output)


def states(doc: dict[str, object]) -> list[tuple[str, str, str]]:
    items = doc["findings"]
    assert isinstance(items, list)
    return sorted((f["rule_id"], f["entity_key"], f["baseline"]) for f in items)


def fixed(doc: dict[str, object]) -> list[tuple[str, str]]:
    items = doc["fixed"]
    assert isinstance(items, list)
    return [(f["rule_id"], f["entity_key"]) for f in items]


def update(*paths: str | Path) -> int:
    args = ("check", *(paths or ["plans/"]), "--baseline", BASELINE, "--update-baseline")
    return invoke(*args).exit_code


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_update_writes_a_sorted_baseline_without_lines(repo: Path) -> None:
    assert update() == 0  # every finding is now known
    text = BASELINE.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["complycheck_baseline"] == 1
    entries = data["findings"]
    assert len(entries) == 24
    keys = [(e["plan"], e["rule"], e["key"], e["fingerprint"]) for e in entries]
    assert keys == sorted(keys)
    assert set(entries[0]) == {
        "fingerprint",
        "plan",
        "rule",
        "entity",
        "key",
        "name",
        "file",
        "message",
    }
    assert not re.search(r'"(line|column)"', text)
    assert entries[0]["file"] == "plans/shanxi-county-townships.yaml"
    assert not list(repo.glob(".*.tmp"))


def test_known_findings_do_not_fail_new_ones_do(repo: Path) -> None:
    assert update() == 0
    code, doc = check("plans/")
    assert code == 0
    assert {s for _, _, s in states(doc)} == {"known"}
    summary = doc["summary"]
    assert isinstance(summary, dict)
    assert (summary["known"], summary["new"], summary["fixed"], summary["open"]) == (24, 0, 0, 0)
    edit(TAIYUAN, "u-xzsp", "u-xzsp2")  # the R40 unit gets a new id: a new entity
    code, doc = check("plans/")
    assert code == 1
    assert ("R40", "u-xzsp2", "new") in states(doc)
    assert fixed(doc) == [("R40", "u-xzsp")]


def test_fixed_findings_are_reported(repo: Path) -> None:
    assert update() == 0
    plan = yaml.safe_load(TAIYUAN.read_text(encoding="utf-8"))
    memorial = next(u for u in plan["units"] if u["id"] == "u-jsjn")
    assert memorial["quotas_after"] == {"public_institution": 6}
    edit(TAIYUAN, "public_institution: 6}", "public_institution: 12}")
    code, doc = check("plans/")
    assert code == 0
    assert fixed(doc) == [("R16", "u-jsjn")]
    assert ("R16", "u-jsjn", "known") not in states(doc)
    text = invoke("check", "plans/", "--baseline", BASELINE, "--lang", "en").output
    assert "Fixed since the baseline:" in text and "1 fixed" in text


def test_reordering_a_plan_changes_nothing(repo: Path) -> None:
    assert update() == 0
    before = BASELINE.read_bytes()
    plan = yaml.safe_load(TAIYUAN.read_text(encoding="utf-8"))
    for key in ("units", "enforcement_teams", "problems"):
        plan[key].reverse()
    TAIYUAN.write_text(
        "# reordered, reformatted, comments gone\n" + yaml.safe_dump(plan, allow_unicode=True),
        encoding="utf-8",
    )
    code, doc = check("plans/")
    assert code == 0
    assert {s for _, _, s in states(doc)} == {"known"} and fixed(doc) == []
    lines = {f["location"]["line"] for f in doc["findings"] if f["plan_id"] == "TY-2024-060"}  # type: ignore[index, union-attr, attr-defined]
    assert lines != {12, 44, 57, 72, 166, 178, 200, 247, 253}  # the findings did move
    assert update() == 0
    assert BASELINE.read_bytes() == before  # and the baseline did not


def test_a_figure_that_changes_while_still_in_breach_is_still_known(repo: Path) -> None:
    assert update() == 0
    edit(TAIYUAN, "public_institution: 6}", "public_institution: 8}")  # still under 10
    code, doc = check("plans/")
    assert code == 0 and ("R16", "u-jsjn", "known") in states(doc)


def test_fingerprints_are_by_meaning() -> None:
    from complycheck.i18n import Text
    from complycheck.rulebook.spec import Source

    source = Source(
        seed="002.txt",
        item="S2-10",
        jurisdiction=Text(zh="太原", en="Taiyuan"),
        quote="编制10名以下",
        translation="10 or below",
    )
    finding = Finding(
        rule_id="R16",
        severity=__import__("complycheck.findings").findings.Severity.ERROR,
        plan_id="P",
        entity="unit",
        entity_key="u-1",
        entity_name="甲",
        location=Location("a.yaml", 3, 5),
        message=Text(zh="甲", en="a"),
        remediation=Text(zh="乙", en="b"),
        values=(("quota_after_total", 8),),
        citation=source,
        params=(("min_quota", 10),),
    )
    moved = dataclasses.replace(
        finding,
        location=Location("b.yaml", 90, 1),
        values=(("quota_after_total", 6),),
        message=Text(zh="丙", en="c"),
    )
    assert moved.fingerprint == finding.fingerprint
    for change in (
        {"params": (("min_quota", 12),)},
        {"entity_key": "u-2"},
        {"plan_id": "Q"},
        {"rule_id": "R17"},
    ):
        assert dataclasses.replace(finding, **change).fingerprint != finding.fingerprint


def test_a_run_of_some_plans_leaves_the_others_alone(repo: Path) -> None:
    assert update() == 0
    before = json.loads(BASELINE.read_text(encoding="utf-8"))["findings"]
    edit(TAIYUAN, "public_institution: 6}", "public_institution: 12}")  # fixes R16
    code, doc = check(TAIYUAN)
    assert code == 0 and fixed(doc) == [("R16", "u-jsjn")]  # no other plan's finding is "fixed"
    assert update(TAIYUAN) == 0
    after = json.loads(BASELINE.read_text(encoding="utf-8"))["findings"]
    kept = [e for e in before if e["plan"] != "TY-2024-060"]
    assert kept == [e for e in after if e["plan"] != "TY-2024-060"]  # untouched, byte for byte
    assert [
        e["fingerprint"] for e in before if e["plan"] == "TY-2024-060" and e["rule"] != "R16"
    ] == [e["fingerprint"] for e in after if e["plan"] == "TY-2024-060"]


def test_sarif_baseline_state(repo: Path) -> None:
    assert update() == 0
    edit(TAIYUAN, "u-xzsp", "u-xzsp2")
    result = invoke("check", "plans/", "--baseline", BASELINE, "--format", "sarif")
    log = json.loads(result.output)
    assert sarif_errors(log) == []
    found = {r["properties"]["status"]: r["baselineState"] for r in log["runs"][0]["results"]}
    assert found == {"known": "unchanged", "open": "new"}


def test_an_update_never_follows_a_broken_run(repo: Path) -> None:
    assert update() == 0
    before = BASELINE.read_bytes()
    Path("plans/broken.yaml").write_text("plan: [\n", encoding="utf-8")
    result = invoke("check", "plans/", "--baseline", BASELINE, "--update-baseline", "-q")
    assert result.exit_code == 2
    assert "the baseline was not updated" in result.output
    assert BASELINE.read_bytes() == before


def test_a_missing_baseline_is_an_error_unless_it_is_being_created(repo: Path) -> None:
    result = invoke("check", "plans/", "--baseline", "nowhere.json")
    assert result.exit_code == 2
    assert "nowhere.json: no such baseline file; --update-baseline creates it" in result.output
    result = invoke("check", "plans/", "--update-baseline")
    assert result.exit_code == 2 and "needs a baseline file" in result.output


def test_a_broken_baseline_is_a_located_error(repo: Path) -> None:
    BASELINE.write_text(
        '{"complycheck_baseline": 1,\n "findings": [{"fingerprint": "xyz"}]}\n', encoding="utf-8"
    )
    result = invoke("check", "plans/", "--baseline", BASELINE)
    assert result.exit_code == 2
    assert "baseline.json:2:15: at findings[0].plan missing required field 'plan'" in result.output
    assert (
        "baseline.json:2:31: at findings[0].fingerprint expected a fingerprint of 16 hexadecimal "
        "digits, got 'xyz'" in result.output
    )
