"""Report formats: each checked against what its consumers accept (SARIF against the official
schema, JUnit against the Ant XSD), built from one canonical document, and byte-identical
across runs, processes and machines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from complycheck.reporters.formats import OutputFormat
from complycheck.reporters.markdown import code, escape
from complycheck.reporters.outputs import OutputError, parse_outputs

from .ci_helpers import EPOCH, invoke, junit_errors, make_repo, sarif_errors
from .conftest import CASES

MACHINE = [f for f in OutputFormat if f is not OutputFormat.RICH]
EXPECTED_FINDINGS = 24  # the realistic plans' expected.yaml files list 10, 9 and 5


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The realistic plans under plans/, without a configuration; the current folder."""
    root = make_repo(tmp_path / "repo", config=False)
    monkeypatch.chdir(root)
    return root


def outputs(
    *formats: OutputFormat, lang: str = "en", extra: tuple[str, ...] = ()
) -> dict[OutputFormat, str]:
    """Run one check of plans/ writing each format to a file; the files' texts."""
    args = [f"--format={f.value}=out/{f.value}" for f in formats]
    result = invoke("check", "plans/", "--lang", lang, *args, *extra)
    assert result.exit_code in (0, 1), result.output
    return {f: Path("out", f.value).read_text(encoding="utf-8") for f in formats}


# --- choosing formats and files -------------------------------------------------------------


def specs(*args: str) -> list[tuple[str, str | None]]:
    """``--format``/``--output`` arguments, in order, parsed into (format, file) pairs."""
    requests = [("format" if a.startswith("f:") else "output", a[2:]) for a in args]
    return [(o.format.value, str(o.file) if o.file else None) for o in parse_outputs(requests)]


def test_format_specs() -> None:
    assert specs() == [("rich", None)]
    assert specs("o:report.txt") == [("rich", "report.txt")]
    assert specs("f:sarif", "o:r.sarif", "f:rich", "f:junit=j.xml") == [
        ("sarif", "r.sarif"),
        ("rich", None),
        ("junit", "j.xml"),
    ]
    assert specs("f:rich", "f:sarif", "o:r.sarif") == [("rich", None), ("sarif", "r.sarif")]
    for bad, message in [
        (["f:yaml"], "unknown format 'yaml'"),
        (["f:sarif="], "names no file"),
        (["f:text", "f:json"], "only one format can go to standard output"),
        (["f:sarif=x", "o:y"], "--output y must follow a --format that has no file"),
        (["f:sarif", "o:x", "o:y"], "--output y must follow a --format that has no file"),
        (["o:x", "f:json"], "--output must follow the --format it is for"),
        (["f:sarif=a", "f:junit=a"], "same file 'a'"),
    ]:
        with pytest.raises(OutputError, match=message):
            specs(*bad)


def test_bad_format_options_are_usage_errors(repo: Path) -> None:
    result = invoke("check", "plans/", "--format", "text", "--format", "json")
    assert result.exit_code == 2
    assert "only one format can go to standard output" in result.output


def test_several_outputs_in_one_run(repo: Path) -> None:
    result = invoke(
        "check",
        "plans/",
        "--lang",
        "en",
        "--format",
        "sarif",
        "--output",
        "r.sarif",
        "--format",
        "rich",
        "--format",
        "junit=reports/junit.xml",
    )
    assert result.exit_code == 1
    assert "Summary: 3 plan(s), 23 error, 1 warning" in result.output  # rich to the terminal
    assert json.loads(Path("r.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert Path("reports/junit.xml").read_text(encoding="utf-8").startswith("<?xml")
    assert not list(repo.rglob(".*.tmp"))  # the atomic writer left no temporary file


def test_rich_to_a_file_has_no_colour(repo: Path) -> None:
    result = invoke("check", "plans/", "--lang", "en", "--format", "rich=report.txt")
    assert result.exit_code == 1 and result.output == ""
    text = Path("report.txt").read_text(encoding="utf-8")
    assert "\x1b[" not in text and "plans/taiyuan-city-plan.yaml:166:5" in text


def test_an_output_that_cannot_be_written_is_an_error(repo: Path) -> None:
    Path("blocked").write_text("a file, not a folder", encoding="utf-8")
    result = invoke("check", "plans/", "--format", "json=blocked/report.json")
    assert result.exit_code == 2
    assert "an output cannot be written" in result.output and "Traceback" not in result.output


# --- one canonical document ------------------------------------------------------------------


def test_the_canonical_document(repo: Path) -> None:
    doc = json.loads(outputs(OutputFormat.JSON)[OutputFormat.JSON])
    assert doc["format"] == "complycheck-report" and doc["version"] == 1
    assert doc["summary"]["findings"] == {"error": 23, "warning": 1, "info": 0}
    assert doc["summary"]["exit_code"] == 1 and doc["summary"]["new"] is None
    assert len(doc["findings"]) == EXPECTED_FINDINGS
    expected = {
        (str(case.parent.name), f["rule"], f["entity"], f["line"])
        for case in sorted((CASES / "realistic").glob("*/expected.yaml"))
        for f in __import__("yaml").safe_load(case.read_text(encoding="utf-8"))["findings"]
    }
    found = {
        (Path(f["location"]["file"]).stem, f["rule_id"], f["entity_key"], f["location"]["line"])
        for f in doc["findings"]
    }
    assert found == expected
    first = doc["findings"][0]
    assert first["display"] == "plans/shanxi-county-townships.yaml:56:9"
    assert first["message"]["zh"] and first["message"]["en"]  # both languages, always
    assert first["status"] == "open" and first["waiver"] is None
    keys = [
        (f["location"]["file"], f["location"]["line"], f["location"]["column"])
        for f in doc["findings"]
    ]
    assert keys == sorted(keys)
    ids = [r["id"] for r in doc["rules"]]
    assert ids == sorted(ids) and {"R16", "R30", "R26"} <= set(ids)


# --- SARIF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sarif_is_valid_against_the_official_schema(repo: Path, lang: str) -> None:
    log = json.loads(outputs(OutputFormat.SARIF, lang=lang)[OutputFormat.SARIF])
    assert sarif_errors(log) == []
    (run,) = log["runs"]  # one run per invocation
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    r16 = next(r for r in rules if r["id"] == "R16")
    assert r16["shortDescription"]["text"] and r16["help"]["markdown"]
    assert r16["properties"]["policy"]["item"] == "S2-10"  # the policy citation
    assert "编制10名以下" in r16["help"]["text"]
    results = run["results"]
    assert len(results) == EXPECTED_FINDINGS
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert uri.startswith("plans/") and ":" not in uri  # relative, no scheme
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
        assert len(result["partialFingerprints"]["complycheck/v1"]) == 16
    fingerprints = [r["partialFingerprints"]["complycheck/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)


def test_sarif_reports_input_errors_and_rule_failures(repo: Path) -> None:
    Path("plans/broken.yaml").write_text("plan: {id: x, title: [\n", encoding="utf-8")
    Path("plans/中文 名.yaml").write_text("plan: 1\n", encoding="utf-8")
    result = invoke("check", "plans/", "--format", "sarif")
    assert result.exit_code == 2
    log = json.loads(result.output)
    assert sarif_errors(log) == []
    errors = [r for r in log["runs"][0]["results"] if r["ruleId"] == "INPUT-ERROR"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in errors}
    assert uris == {"plans/broken.yaml", "plans/%E4%B8%AD%E6%96%87%20%E5%90%8D.yaml"}


def test_sarif_fingerprints_do_not_follow_lines(repo: Path) -> None:
    before = json.loads(outputs(OutputFormat.SARIF)[OutputFormat.SARIF])
    plan = Path("plans/taiyuan-city-plan.yaml")
    plan.write_text("# a comment that moves every line\n" * 5 + plan.read_text("utf-8"), "utf-8")
    after = json.loads(outputs(OutputFormat.SARIF)[OutputFormat.SARIF])

    def prints(log: dict[str, object]) -> Counter[str]:
        runs = log["runs"]
        assert isinstance(runs, list)
        return Counter(r["partialFingerprints"]["complycheck/v1"] for r in runs[0]["results"])

    assert prints(before) == prints(after)
    assert before != after  # the lines did move


# --- JUnit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_junit_is_valid_against_the_ant_schema(repo: Path, lang: str) -> None:
    text = outputs(OutputFormat.JUNIT, lang=lang)[OutputFormat.JUNIT]
    assert junit_errors(text) == []
    root = ET.fromstring(text)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "plans/shanxi-county-townships.yaml",
        "plans/taiyuan-city-plan.yaml",
        "plans/zhanjiang-market-regulation.yaml",
    ]
    failures = 0
    for suite in suites:
        names = [c.get("name") for c in suite.findall("testcase")]
        assert len(names) == len(set(names)), "GitLab drops test cases with the same name"
        assert int(suite.get("tests", "")) == len(names)
        assert int(suite.get("failures", "")) == len(suite.findall("testcase/failure"))
        assert suite.get("timestamp") == "2026-01-01T00:00:00"  # SOURCE_DATE_EPOCH
        failures += len(suite.findall("testcase/failure"))
    assert failures == EXPECTED_FINDINGS
    taiyuan = suites[1]
    case = taiyuan.find("testcase[@name='R16 u-jsjn']")
    assert case is not None and case.get("classname") == "TY-2024-060"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "R16 error"
    assert "plans/taiyuan-city-plan.yaml:166:5" in (failure.get("message") or "")
    assert taiyuan.find("testcase[@name='R14']") is not None  # a rule that found nothing passes


def test_junit_with_input_errors_is_valid(repo: Path) -> None:
    Path("plans/broken.yaml").write_text("plan: {id: x, title: [\n", encoding="utf-8")
    Path("plans/controls.yaml").write_text(
        Path("plans/taiyuan-city-plan.yaml")
        .read_text(encoding="utf-8")
        .replace("title: ", 'title: "\\x01\\x0b" ', 1),
        encoding="utf-8",
    )  # a title with characters XML cannot hold
    result = invoke("check", "plans/", "--format", "junit")
    assert result.exit_code == 2
    assert junit_errors(result.output) == []
    root = ET.fromstring(result.output)
    errors = root.findall("testsuite[@name='plans/broken.yaml']/testcase/error")
    assert errors and errors[0].get("type") == "INPUT-ERROR"


def test_junit_without_source_date_epoch_records_the_time_of_the_run(repo: Path) -> None:
    result = invoke("check", "plans/", "--format", "junit", env={"SOURCE_DATE_EPOCH": ""})
    assert junit_errors(result.output) == []
    stamp = ET.fromstring(result.output).findall("testsuite")[0].get("timestamp", "")
    assert stamp[:4] >= "2024" and stamp != "2026-01-01T00:00:00"


def test_a_bad_source_date_epoch_is_an_error(repo: Path) -> None:
    result = invoke("check", "plans/", env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH: expected a whole number of seconds" in result.output


# --- text, GitHub, Markdown ------------------------------------------------------------------


def test_text_is_one_line_per_finding(repo: Path) -> None:
    text = outputs(OutputFormat.TEXT)[OutputFormat.TEXT]
    lines = text.splitlines()
    assert len(lines) == EXPECTED_FINDINGS + 1
    assert lines[-1] == "Summary: 3 plan(s), 23 error, 1 warning, 0 info; 0 waived"
    assert (
        "plans/taiyuan-city-plan.yaml:166:5: R16 error New public institution "
        '"太原市晋绥八分区旧址革命活动纪念馆" has 6 quotas, short of the 10-quota floor for a new '
        "public institution"
    ) in lines
    for line in lines[:-1]:
        where, _rule, severity, _ = line.split(" ", 3)
        file, row, column, empty = where.split(":")
        assert file.startswith("plans/") and row.isdigit() and column.isdigit() and not empty
        assert severity in {"error", "warning", "info"}


def test_text_in_chinese_keeps_the_severity_code(repo: Path) -> None:
    lines = outputs(OutputFormat.TEXT, lang="zh")[OutputFormat.TEXT].splitlines()
    assert "plans/taiyuan-city-plan.yaml:166:5: R16 error 新设事业单位" in "\n".join(lines)
    assert lines[-1].startswith("汇总：3 个方案，23 错误")


def test_github_annotations(repo: Path) -> None:
    lines = outputs(OutputFormat.GITHUB)[OutputFormat.GITHUB].splitlines()
    annotations = [x for x in lines if x.startswith("::")]
    assert len(annotations) == EXPECTED_FINDINGS
    r08 = next(x for x in annotations if "title=R08" in x)
    # Properties escape ':' and ','; the message escapes '%' and newlines.
    assert r08.startswith(
        "::error file=plans/shanxi-county-townships.yaml,line=120,col=9,title=R08 lq-sfs::"
    )
    assert "50.0%25" in r08 and "%0AFix: " in r08 and "\n" not in r08
    warning = next(x for x in annotations if "line=203" in x)
    assert warning.startswith("::warning ")


def test_markdown_comment(repo: Path) -> None:
    text = outputs(OutputFormat.MARKDOWN)[OutputFormat.MARKDOWN]
    lines = text.splitlines()
    assert lines[0] == "### complycheck"
    assert lines[2] == "Summary: 3 plan(s), 23 error, 1 warning, 0 info; 0 waived"
    table = [x for x in lines if x.startswith("| ")]
    assert len(table) == EXPECTED_FINDINGS + 1  # the header and one row per finding
    assert all(row.count(" | ") == 5 for row in table)  # no cell breaks the table
    assert "<details>" in text and "<summary>Details: how to fix, and the policy text (24)" in text
    assert "Source: Taiyuan S2-10" in text


def test_markdown_escapes_what_comes_from_a_plan() -> None:
    assert escape("a|b [x](http://e) <img src=x> *y*\nz") == (
        "a\\|b \\[x\\](http://e) &lt;img src=x&gt; \\*y\\* z"
    )
    assert code("a`b") == "``a`b``"
    assert code("p|q.yaml:1:1", in_table=True) == "`p\\|q.yaml:1:1`"


# --- determinism -----------------------------------------------------------------------------


def test_two_runs_give_byte_identical_output(repo: Path) -> None:
    first = outputs(*MACHINE)
    second = outputs(*MACHINE)
    assert first == second
    for text in first.values():
        assert str(repo) not in text  # no absolute path


def test_the_same_in_worker_processes(repo: Path) -> None:
    extra = Path("plans/more")
    extra.mkdir()
    for name in ("a", "b"):
        (extra / f"{name}.yaml").write_bytes(
            (CASES / "R16/violating-small-pi/plan.yaml").read_bytes()
        )
    serial = outputs(*MACHINE, extra=("--jobs", "1"))
    parallel = outputs(*MACHINE, extra=("--jobs", "2"))
    assert serial == parallel


def test_the_same_on_another_machine(tmp_path: Path) -> None:
    """Two checkouts at different places, checked by separate processes: the same bytes."""
    texts = []
    for place in ("one", "two/deeper"):
        root = make_repo(tmp_path / place, config=False)
        args = [f"--format={f.value}=out/{f.value}" for f in MACHINE]
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "LC_ALL": "C.UTF-8"}
        done = subprocess.run(
            [sys.executable, "-m", "complycheck", "check", "plans/", "--lang", "en", *args],
            cwd=root,
            env=env,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        texts.append({f: (root / "out" / f.value).read_bytes() for f in MACHINE})
    assert texts[0] == texts[1]


def test_output_follows_its_format_however_written(repo: Path) -> None:
    result = invoke("check", "plans/", "-f", "json", "-oreport.json", "--format=text")
    assert result.exit_code == 1
    assert result.output.startswith("plans/shanxi-county-townships.yaml:56:9: R01 error")
    assert json.loads(Path("report.json").read_text(encoding="utf-8"))["summary"]["plans"] == 3
    result = invoke("check", "plans/", "--format=sarif", "--output=a.sarif", "--format", "junit")
    assert result.exit_code == 1 and Path("a.sarif").is_file()
    assert result.output.startswith("<?xml")


def test_the_core_and_the_machine_formats_need_neither_click_nor_rich() -> None:
    modules = [
        "complycheck.config",
        "complycheck.policy",
        "complycheck.waivers",
        "complycheck.baseline",
        "complycheck.selection",
        "complycheck.reporters.canonical",
        "complycheck.reporters.sarif",
        "complycheck.reporters.junit",
        "complycheck.reporters.markdown",
        "complycheck.reporters.text",
    ]
    found = "print(sorted({'click', 'rich'} & set(sys.modules)))"
    code = f"import sys; import {', '.join(modules)}; {found}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_machine_format_has_a_renderer_and_rich_is_not_one() -> None:
    from complycheck.reporters.outputs import renderer

    for fmt in OutputFormat:
        if fmt is OutputFormat.RICH:
            with pytest.raises(ValueError, match="not a machine format"):
                renderer(fmt)
        else:
            assert callable(renderer(fmt))


@pytest.mark.parametrize(
    ("formats", "loaded"),
    [
        ([], ["complycheck.reporters.rich_report"]),
        (["--format", "sarif=out.sarif"], ["complycheck.reporters.sarif"]),
        (["--format", "junit=out.xml", "--format", "text"], ["complycheck.reporters.junit"]),
    ],
)
def test_a_check_imports_only_the_formats_it_writes(
    tmp_path: Path, formats: list[str], loaded: list[str]
) -> None:
    reporters = [
        "complycheck.reporters.rich_report",
        "complycheck.reporters.sarif",
        "complycheck.reporters.junit",
        "complycheck.reporters.markdown",
    ]
    code = (
        "import sys\n"
        "from complycheck.cli import cli\n"
        "try:\n"
        "    cli(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(set({reporters!r}) & set(sys.modules)))\n"
    )
    plan = str(CASES / "R16" / "violating-small-pi" / "plan.yaml")
    run = [sys.executable, "-c", code, "check", plan, "--quiet", *formats]
    done = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout.strip().splitlines()[-1] == str(sorted(loaded))
