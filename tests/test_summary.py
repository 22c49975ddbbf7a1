"""`complycheck summary`: the same checking as `check`, aggregated by rule, severity and
jurisdiction, in every format; a batch is summarised whole even when some plans are broken."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from rich.console import Console

from complycheck.check import check_paths
from complycheck.cli import cli
from complycheck.cli_summary import progress_bar, summary_exit_code
from complycheck.engine import EngineName, make_engine
from complycheck.findings import Severity
from complycheck.i18n import Lang
from complycheck.report import RuleFailure
from complycheck.reporters.rich_report import make_console
from complycheck.reporters.summary_json import summary_data
from complycheck.reporters.summary_rich import render_summary_rich
from complycheck.reporters.summary_tables import cell, md, summary_csv
from complycheck.rulebook.load import Rulebook
from complycheck.summary import summarise

from .conftest import CASES, REPO, TAIYUAN_HEADER

sys.path.insert(0, str(REPO / "bench"))

from generate import Shape, write

SMALL = Shape(units=60, townships=4, grids=300)
FORMATS = ("rich", "markdown", "csv", "json", "html")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


def case_plans() -> list[Path]:
    """Every case's plan that the built-in rulebook checks as the case expects (cases with
    packs of their own in config/ are left out)."""
    return sorted(
        p
        for p in CASES.glob("*/*/plan.*")
        if not (p.parent / "config").is_dir() and p.parent.parent.name != "invalid"
    )


def expected_findings(plans: list[Path]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for plan in plans:
        data = yaml.safe_load((plan.parent / "expected.yaml").read_text(encoding="utf-8"))
        found.extend(data["findings"])
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A small generated batch: six county plans of Taiyuan with planted violations."""
    folder = tmp_path_factory.mktemp("batch")
    manifest = write(folder, plans=6, seed=5, shape=SMALL)
    return folder, manifest


def test_summary_over_the_cases_counts_exactly_their_expected_findings(tmp_path: Path) -> None:
    plans = case_plans()
    assert len(plans) > 60
    out = tmp_path / "summary.json"
    result = run("summary", *plans, "--format", "json", "-o", out, "--top", "5")
    assert result.exit_code == 1, result.output  # findings, and no input error
    data = json.loads(out.read_text(encoding="utf-8"))
    expected = expected_findings(plans)
    totals = data["totals"]
    assert totals["plans"] == len(plans)
    assert totals["input_errors"] == 0
    assert totals["findings"] == len(expected) == len(data["findings"])
    want = Counter(f["severity"] for f in expected)
    assert {k: v for k, v in totals["by_severity"].items() if k != "total" and v} == want
    by_rule = {r["rule"]: r["findings"]["total"] for r in data["by_rule"]}
    assert by_rule == Counter(f["rule"] for f in expected)
    got = sorted((f["rule"], f["entity_key"], f["line"]) for f in data["findings"])
    assert got == sorted((f["rule"], f["entity"], f["line"]) for f in expected)

    # Each jurisdiction's figures are the sums of those below it.
    def check(node: dict[str, Any]) -> None:
        if node["children"]:
            below = sum(c["findings"]["total"] for c in node["children"])
            assert node["findings"]["total"] >= below
        for child in node["children"]:
            check(child)

    for root in data["by_jurisdiction"]:
        check(root)
    assert sum(r["findings"]["total"] for r in data["by_jurisdiction"]) == len(expected)
    worst = [p["findings"]["error"] for p in data["worst_plans"]]
    assert len(worst) == 5 and worst == sorted(worst, reverse=True)


def test_a_bad_plan_never_stops_the_batch(tmp_path: Path) -> None:
    """Folder scans are strict: each expected.yaml of cases/realistic is an input error with
    its file:line:col, the three plans are still summarised, and the exit code says both."""
    out = tmp_path / "summary.json"
    result = run("summary", CASES / "realistic", "--format", "json", "-o", out)
    assert result.exit_code == 3, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["totals"]["plans"] == 3
    assert data["totals"]["unreadable_files"] == 3
    files = {e["file"] for e in data["input_errors"]}
    assert files == {str(p) for p in sorted((CASES / "realistic").glob("*/expected.yaml"))}
    assert all(e["line"] and e["column"] for e in data["input_errors"])
    expected = expected_findings(sorted((CASES / "realistic").glob("*/plan.yaml")))
    assert data["totals"]["findings"] == len(expected)
    rich = run("summary", CASES / "realistic", "--lang", "en", "-q")
    assert rich.exit_code == 3
    for item in data["input_errors"]:
        assert f"{item['file']}:{item['line']}:{item['column']}:" in rich.output


def test_exit_codes_add_up(tmp_path: Path, write: Callable[..., Path]) -> None:
    compliant = CASES / "R05" / "compliant-devolved" / "plan.yaml"
    violating = CASES / "R16" / "violating-small-pi" / "plan.yaml"
    broken = write("plan:\n  id: x\n", "broken.yaml")
    assert run("summary", compliant, "-q").exit_code == 0
    assert run("summary", violating, "-q").exit_code == 1
    assert run("summary", violating, "-q", "--fail-on", "never").exit_code == 0
    assert run("summary", broken, "-q").exit_code == 2
    both = run("summary", violating, broken, "-q", "--lang", "en")
    assert both.exit_code == 3
    assert f"{broken}:2:3:" in both.output  # where the plan is incomplete
    assert run("summary", tmp_path / "missing.yaml", "-q").exit_code == 2


def test_every_format_over_a_generated_batch(
    batch: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder, manifest = batch
    outputs: dict[str, Path] = {}
    for fmt in FORMATS:
        outputs[fmt] = tmp_path / f"summary.{fmt}"
        result = run("summary", folder, "--format", fmt, "-o", outputs[fmt], "--lang", "en")
        assert result.exit_code == 1, result.output
        assert result.output == ""  # written to the file, nothing on stdout
    data = json.loads(outputs["json"].read_text(encoding="utf-8"))
    expected = manifest["expected_findings"]
    assert data["totals"]["plans"] == 6
    assert data["totals"]["findings"] == expected == len(data["findings"])
    assert {r["rule"]: r["findings"]["total"] for r in data["by_rule"]} == manifest["by_rule"]
    (province,) = data["by_jurisdiction"]
    assert province["name"] == "山西省" and province["findings"]["total"] == expected
    (city,) = province["children"]
    assert city["name"] == "太原市" and len(city["children"]) == 6
    assert {c["level"] for c in city["children"]} == {"county"}
    coverage = data["coverage"]
    assert coverage["grids"] == 6 * SMALL.grids
    planted_grids = manifest["by_rule"].get("R09", 0) + manifest["by_rule"].get("R10", 0)
    assert 0 < coverage["grids_with_findings"] <= planted_grids
    assert coverage["units"] == 6 * SMALL.units

    rows = list(csv.DictReader(io.StringIO(outputs["csv"].read_text(encoding="utf-8"))))
    assert len(rows) == expected and {r["kind"] for r in rows} == {"finding"}
    assert Counter(r["rule"] for r in rows) == manifest["by_rule"]
    assert {r["city"] for r in rows} == {"太原市"}

    markdown = outputs["markdown"].read_text(encoding="utf-8")
    table = markdown.split("## By rule\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table[0] == "| Rule | Title | error | warning | info | Total | Plans |"
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in table[2:]]
    assert {c[0]: int(c[5]) for c in cells} == manifest["by_rule"]

    html = outputs["html"].read_text(encoding="utf-8")
    assert f'<b id="findings-total">{expected}</b>' in html
    assert html.count("<tr data-severity=") == expected

    rich = outputs["rich"].read_text(encoding="utf-8")
    assert re.search(r"│ Plans checked\s+│\s+6 │", rich)
    assert re.search(rf"│ Total\s+│\s+{expected} │", rich)


def test_workers_and_one_process_summarise_alike(batch: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = batch
    one = run("summary", folder, "--format", "json", "--jobs", "1")
    two = run("summary", folder, "--format", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.output == two.output


def test_progress_is_reported_for_every_file(
    batch: tuple[Path, dict[str, Any]], rulebook: Rulebook
) -> None:
    folder, _ = batch
    for jobs in (1, 2):
        seen: list[tuple[int, int]] = []
        check_paths(
            [folder], rulebook, make_engine(EngineName.PYTHON), jobs=jobs, progress=seen_by(seen)
        )
        assert seen == [(i, 6) for i in range(7)]


def seen_by(seen: list[tuple[int, int]]) -> Callable[[int, int], None]:
    return lambda done, total: seen.append((done, total))


def test_the_terminal_summary_in_both_languages(rulebook: Rulebook) -> None:
    report = check_paths(
        sorted((CASES / "realistic").glob("*/plan.yaml")), rulebook, make_engine(EngineName.PYTHON)
    )
    summary = summarise(report, rulebook)
    texts = {}
    for lang in Lang:
        buffer = io.StringIO()
        render_summary_rich(summary, make_console(buffer, width=200, color=False), lang)
        texts[lang] = buffer.getvalue()
    assert "By jurisdiction (province → city → county)" in texts[Lang.EN]
    assert "按辖区（省 → 市 → 县）" in texts[Lang.ZH]
    for text in texts.values():
        assert "石楼县" in text and "湛江市" in text and "R18" in text


def test_jurisdictions_roll_up_province_city_county(
    write: Callable[..., Path], rulebook: Rulebook
) -> None:
    body = """
units:
  - {id: u1, name: 甲单位, kind: organ, change: kept, quotas_before: {administrative: 5},
     quotas_after: {administrative: 5}, actual_staff: {administrative: 7}}
"""
    header = "plan:\n  id: {id}\n  title: t\n  date: 2024-03-01\n  jurisdiction: {j}\n"
    plans = [
        write(
            header.format(id="a", j="{name: 小店区, level: county, province: 山西省, city: 太原市}")
            + body,
            "a.yaml",
        ),
        write(
            header.format(id="b", j="{name: 迎泽区, level: county, province: 山西省, city: 太原市}")
            + body,
            "b.yaml",
        ),
        write(
            header.format(id="c", j="{name: 太原市, level: city, province: 山西省, city: 太原市}")
            + body,
            "c.yaml",
        ),
        write(
            header.format(id="d", j="{name: 太原市, level: city, province: 山西省}") + body,
            "d.yaml",
        ),
        write(
            header.format(id="e", j="{name: 石樓縣, level: county, province: 山西省, city: 呂梁市}")
            + body,
            "e.yaml",
        ),
        write(header.format(id="f", j="{name: 某县, level: county}") + body, "f.yaml"),
    ]
    summary = summarise(check_paths(plans, rulebook, make_engine(EngineName.PYTHON)), rulebook)
    tree = {
        (depth, node.name): (node.level, node.plans, node.tally.total)
        for root in summary.places
        for depth, node in root.walk()
    }
    assert tree == {
        (0, "山西省"): ("province", 5, 5),
        (1, "太原市"): ("city", 4, 4),
        (2, "小店区"): ("county", 1, 1),
        (2, "迎泽区"): ("county", 1, 1),
        (1, "呂梁市"): ("city", 1, 1),
        (2, "石樓縣"): ("county", 1, 1),
        (0, "某县"): ("county", 1, 1),
    }
    own = {node.name: node.own_plans for root in summary.places for _, node in root.walk()}
    assert own == {
        "山西省": 0,
        "太原市": 2,
        "小店区": 1,
        "迎泽区": 1,
        "呂梁市": 0,
        "石樓縣": 1,
        "某县": 1,
    }


def test_quotas_and_grids_involved(write: Callable[..., Path], rulebook: Rulebook) -> None:
    plan = write(
        TAIYUAN_HEADER
        + """
units:
  - {id: u1, name: 甲, kind: organ, change: kept, quotas_before: {administrative: 10},
     quotas_after: {administrative: 10}, actual_staff: {administrative: 12}}
  - {id: u2, name: 乙, kind: organ, change: kept, quotas_before: {administrative: 20, support: 1},
     quotas_after: {administrative: 20, support: 1}}
townships:
  - {id: t-1, name: 龙城街道, type: 街道}
grids:
  - {code: G1, township: t-1, households: 280, population: 900}
  - {code: G2, township: t-1, households: 350, population: 990}
"""
    )
    summary = summarise(check_paths([plan], rulebook, make_engine(EngineName.PYTHON)), rulebook)
    c = summary.coverage
    assert (c.quotas_before.total, c.quotas_after.total) == (31, 31)
    assert (c.quotas_after.administrative, c.quotas_after.support) == (30, 1)
    assert (c.units, c.units_with_findings, c.quotas_with_findings) == (2, 1, 10)
    assert (c.grids, c.grids_with_findings) == (2, 1)
    assert (c.households, c.households_with_findings) == (630, 350)
    assert (c.population, c.population_with_findings) == (1890, 990)
    assert [(u.unit_id, u.rules) for u in summary.worst_units] == [("u1", ("R18",))]


def test_plan_text_is_inert_in_markdown_and_csv(tmp_path: Path, write: Callable[..., Path]) -> None:
    plan = write(
        (CASES / "R16" / "violating-small-pi" / "plan.yaml")
        .read_text(encoding="utf-8")
        .replace("小店区档案数字化服务中心", '=HYPERLINK("x")|<b>*中心*</b>')
    )
    markdown = run("summary", plan, "--format", "markdown", "--lang", "en").output
    assert '=HYPERLINK("x")\\|\\<b\\>\\*中心\\*\\</b\\>' in markdown
    assert "<b>" not in markdown
    rows = list(csv.reader(io.StringIO(run("summary", plan, "--format", "csv").output)))
    names = [r[13] for r in rows[1:]]
    assert '\'=HYPERLINK("x")|<b>*中心*</b>' in names
    assert not any(str(v).startswith("=") for r in rows for v in r)
    assert md("a|b\nc") == "a\\|b c"
    assert cell("-1+2") == "'-1+2" and cell(-1) == -1


def test_the_output_file_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "out" / "summary.md"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    plan = CASES / "R16" / "violating-small-pi" / "plan.yaml"
    assert run("summary", plan, "--format", "markdown", "-o", out).exit_code == 1
    assert out.read_text(encoding="utf-8").startswith("# ")
    assert [p.name for p in out.parent.iterdir()] == ["summary.md"]  # no temporary file left


def test_a_progress_bar_on_a_terminal_only() -> None:
    with progress_bar(Console(file=io.StringIO(), force_terminal=False)) as advance:
        assert advance is None
    with progress_bar(None) as advance:
        assert advance is None
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=80)
    with progress_bar(terminal) as advance:
        assert advance is not None
        advance(0, 3)
        advance(2, 3)
        terminal.print("after two")  # printed above the live bar, which shows the counts
    assert "2/3" in screen.getvalue() and "checking" in screen.getvalue()


def test_an_output_that_cannot_be_written_is_an_error(tmp_path: Path) -> None:
    plan = CASES / "R16" / "violating-small-pi" / "plan.yaml"
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = run("summary", plan, "-q", "--format", "json", "-o", tmp_path / "file" / "x.json")
    assert result.exit_code == 2
    assert f"complycheck: cannot write {tmp_path / 'file' / 'x.json'}" in result.output
    assert "Traceback" not in result.output


def test_a_rule_that_could_not_be_evaluated_is_an_error_of_the_batch(rulebook: Rulebook) -> None:
    plans = [CASES / "R16" / "violating-small-pi" / "plan.yaml"]
    report = check_paths(plans, rulebook, make_engine(EngineName.PYTHON))
    assert summary_exit_code(report, Severity.ERROR) == 1
    failed = dataclasses.replace(
        report.plans[0], failures=(RuleFailure("R17", "division by zero"),)
    )
    broken = dataclasses.replace(report, plans=(failed,))
    assert summary_exit_code(broken, Severity.ERROR) == 3
    assert summary_exit_code(broken, None) == 2
    summary = summarise(broken, rulebook)
    data = summary_data(summary)
    assert data["totals"]["rule_failures"] == 1
    assert data["rule_failures"] == [
        {
            "plan_id": "XD-2024-016",
            "file": str(plans[0]),
            "rule": "R17",
            "message": "division by zero",
        }
    ]
    rows = list(csv.DictReader(io.StringIO(summary_csv(summary, Lang.EN))))
    assert [(r["kind"], r["rule"], r["message"]) for r in rows if r["kind"] != "finding"] == [
        ("rule_failure", "R17", "division by zero")
    ]
