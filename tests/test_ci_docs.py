"""docs/ci.md and its examples: the page shows the example files unchanged, and every command,
workflow and hook in them runs on the realistic plans and gives what the page says."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from .ci_helpers import EXAMPLES, invoke, junit_errors, make_repo, sarif_errors
from .conftest import CASES, REPO

CI_MD = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- (file|output): (.+?) -->\n```\w*\n(.*?)```", re.S)


def blocks(kind: str) -> dict[str, str]:
    return {m.group(2): m.group(3) for m in BLOCK.finditer(CI_MD) if m.group(1) == kind}


def commands(markdown: str, section: str | None = None) -> list[list[str]]:
    """The ``complycheck`` command lines of the ``sh`` blocks (of one section)."""
    if section is not None:
        markdown = markdown.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    lines = [
        line.split("#", 1)[0].strip()
        for block in re.findall(r"```sh\n(.*?)```", markdown, re.S)
        for line in block.splitlines()
    ]
    return [shlex.split(line)[1:] for line in lines if line.startswith("complycheck ")]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository laid out as docs/ci.md describes it, its baseline created as it says."""
    root = make_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    (update,) = [c for c in commands(CI_MD, "Baselines") if "--update-baseline" in c]
    result = invoke(*update)
    assert result.exit_code == 0, result.output
    return root


def test_the_page_shows_every_example_unchanged() -> None:
    shown = blocks("file")
    assert sorted(shown) == sorted(f"docs/examples/{p.name}" for p in EXAMPLES.iterdir())
    for name, text in shown.items():
        assert text == (REPO / name).read_text(encoding="utf-8"), name


def test_the_example_configuration_and_waivers_are_valid() -> None:
    config = tomllib.loads((EXAMPLES / "complycheck.toml").read_text(encoding="utf-8"))
    assert config["waivers"] == ["waivers.yaml"]
    waivers = yaml.safe_load((EXAMPLES / "waivers.yaml").read_text(encoding="utf-8"))
    plans = {
        yaml.safe_load(p.read_text(encoding="utf-8"))["plan"]["id"]
        for p in (CASES / "realistic").glob("*/plan.yaml")
    }
    assert {w["plan"] for w in waivers["waivers"]} <= plans


def test_every_command_on_the_page_runs(repo: Path) -> None:
    found = commands(CI_MD)
    assert len(found) >= 5
    for args in found:
        result = invoke(*args)
        assert result.exit_code in (0, 1), (args, result.output)
        assert "Traceback" not in result.output


def test_the_readme_commands_run(repo: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = commands(readme, "Linting plans in CI")
    assert len(found) >= 5
    for args in found:
        result = invoke(*args)
        assert result.exit_code in (0, 1), (args, result.output)


def test_the_configuration_shown_is_the_one_used(repo: Path) -> None:
    for command, text in blocks("output").items():
        args = shlex.split(command)[1:]
        assert invoke(*args).output == text


def test_the_text_line_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(make_repo(tmp_path / "plain", config=False))
    section = CI_MD.split("A `text` line looks like this", 1)[1]
    shown = re.search(r"```text\n(.*?)\n```", section, re.S)
    assert shown is not None
    result = invoke("check", "plans/", "--format", "text", "--lang", "en")
    assert shown.group(1) in result.output.splitlines()


def test_the_github_workflow(repo: Path) -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-workflow.yml").read_text(encoding="utf-8"))
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["check-plans"]["steps"]
    runs = [s["run"] for s in steps if str(s.get("run", "")).startswith("complycheck ")]
    (check,) = runs
    result = invoke(*shlex.split(check)[1:])
    assert result.exit_code == 0  # every finding is waived or known from the baseline
    assert result.output.count("::notice file=plans/") == 24  # the annotations
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action"))
    assert upload["if"] == "always()"
    log = json.loads(Path(upload["with"]["sarif_file"]).read_text(encoding="utf-8"))
    assert sarif_errors(log) == []
    results = log["runs"][0]["results"]
    assert len(results) == 24
    assert sum(1 for r in results if "suppressions" in r) == 2  # the example's two waivers
    assert {r.get("baselineState") for r in results if "suppressions" not in r} == {"unchanged"}
    assert Path("complycheck.md").read_text(encoding="utf-8").startswith("### complycheck")


def test_the_gitlab_job(repo: Path) -> None:
    job = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))["complycheck"]
    (check,) = [line for line in job["script"] if line.startswith("complycheck ")]
    result = invoke(*shlex.split(check)[1:])
    assert result.exit_code == 0
    assert job["artifacts"]["when"] == "always"
    report = Path(job["artifacts"]["reports"]["junit"]).read_text(encoding="utf-8")
    assert junit_errors(report) == []
    assert report.count("<skipped") == 24 and "<failure" not in report


def test_the_pre_commit_hook(repo: Path) -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "complycheck" and hook["language"] == "python"
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    entry = shlex.split(hook["entry"])
    assert entry[0] in scripts["project"]["scripts"]
    local = yaml.safe_load((EXAMPLES / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    (mine,) = local["repos"][0]["hooks"]
    assert (mine["id"], mine["entry"]) == (hook["id"], hook["entry"])
    files = re.compile(mine["files"])
    assert files.search("plans/taiyuan-city-plan.yaml") and files.search("plans/a/b.json")
    assert not files.search(".pre-commit-config.yaml") and not files.search("README.md")
    # pre-commit passes the changed plans after the hook's arguments.
    changed = Path("plans/taiyuan-city-plan.yaml")
    changed.write_text(changed.read_text("utf-8").replace("u-xzsp", "u-xzsp-new"), "utf-8")
    result = invoke(*entry[1:], str(changed))
    assert result.exit_code == 1  # the one new finding fails the commit
    lines = result.output.splitlines()
    assert [x for x in lines if "R40" in x] == [
        f"{changed}:57:5: R40 error 「太原市行政审批服务管理局」实有领导6名，"
        "核定领导职数5名（超职数1名）；改革前核定职数5（“—”为未填写）"
    ]


def test_the_plan_formats_waiver_is_the_example_plans(tmp_path: Path) -> None:
    page = (REPO / "docs" / "plan-format.md").read_text(encoding="utf-8")
    section = page.split("### 3.8 `waivers`", 1)[1]
    snippet = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert snippet is not None
    example = REPO / "docs" / "example-plan.yaml"
    assert snippet.group(1) in example.read_text(encoding="utf-8")
    result = invoke("check", example, "--format", "json")
    assert result.exit_code == 0
    found = json.loads(result.output)["findings"]
    assert [(f["rule_id"], f["status"]) for f in found] == [("R01", "open"), ("R09", "waived")]
