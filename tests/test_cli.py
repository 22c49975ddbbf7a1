"""The command line: exit codes, languages, folders, errors without tracebacks, inputs untouched."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner, Result

from complycheck import __version__
from complycheck.cli import cli
from complycheck.i18n import Lang
from complycheck.rulebook.load import Rulebook

from .conftest import CASES, TAIYUAN_HEADER

VIOLATING = CASES / "R16" / "violating-small-pi" / "plan.yaml"
COMPLIANT = CASES / "R05" / "compliant-devolved" / "plan.yaml"  # no finding of any rule
LARGE_PIS = CASES / "R16" / "compliant-large-enough" / "plan.yaml"  # Taiyuan: new PIs of 12, 30
GRIDS = CASES / "R09" / "violating-oversized-grids" / "plan.yaml"


def digest(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(autouse=True)
def inputs_are_never_modified() -> Iterator[None]:
    files = sorted(CASES.rglob("*.*"))
    before = digest(files)
    yield
    assert digest(files) == before


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


def test_violating_plan_exits_1_and_shows_every_finding_with_its_location() -> None:
    result = run("check", VIOLATING, "--lang", "en")
    assert result.exit_code == 1, result.output
    assert f"{VIOLATING}:14:5" in result.output
    assert "u-archive" in result.output
    assert "8 quotas, short of the 10-quota floor" in result.output
    assert "Taiyuan S2-10" in result.output
    assert "2 error" in result.output  # R16 on the unit, and R13 (zero growth) on the plan


def test_compliant_plan_exits_0() -> None:
    result = run("check", COMPLIANT, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "No findings" in result.output


def test_chinese_report() -> None:
    result = run("check", VIOLATING, "--lang", "zh")
    assert result.exit_code == 1
    assert "核定编制8名" in result.output and "错误" in result.output


def test_language_from_the_locale() -> None:
    result = CliRunner().invoke(
        cli, ["check", str(VIOLATING)], env={"LC_ALL": "zh_CN.UTF-8", "COLUMNS": "200"}
    )
    assert "汇总" in result.output


def test_fail_on_levels() -> None:
    # The grid case has errors and one warning.
    assert run("check", GRIDS, "--fail-on", "never").exit_code == 0
    assert run("check", GRIDS, "--fail-on", "warning").exit_code == 1
    assert run("check", GRIDS, "--fail-on", "error").exit_code == 1


def test_warning_only_plan_fails_only_at_warning_level(write: Callable[..., Path]) -> None:
    path = write(
        TAIYUAN_HEADER
        + """\
grids:
  - {code: G1, households: 320, population: 900, justification: 城中村，户籍集中}
"""
    )
    assert run("check", path).exit_code == 0
    assert run("check", path, "--fail-on", "warning").exit_code == 1
    assert "城中村，户籍集中" in run("check", path, "--lang", "zh").output


def test_folder_of_plans(tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.yaml").write_bytes(VIOLATING.read_bytes())
    (folder / "sub" / "b.yaml").write_bytes(COMPLIANT.read_bytes())
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "c.yaml").write_text("not: a plan\n")
    result = run("check", folder, "--lang", "en")
    assert result.exit_code == 1
    assert "2 plan(s)" in result.output
    assert result.output.index("a.yaml") < result.output.index("b.yaml")


def test_malformed_plan_exits_2_with_location_and_no_traceback(write: Callable[..., Path]) -> None:
    path = write(TAIYUAN_HEADER + "units:\n  - {id: u1, name: 甲, kind: organ, change: nwe}\n")
    result = run("check", path, "--lang", "en")
    assert result.exit_code == 2
    assert f"{path}:7:44: at units[0].change expected one of:" in result.output
    assert "Traceback" not in result.output


def test_one_bad_plan_does_not_hide_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_bytes(VIOLATING.read_bytes())
    (tmp_path / "bad.yaml").write_text("plan: [\n", encoding="utf-8")
    result = run("check", tmp_path, "--lang", "en")
    assert result.exit_code == 2
    assert "u-archive" in result.output and "bad.yaml:" in result.output


def test_missing_path_is_an_error() -> None:
    result = run("check", "no/such/plan.yaml")
    assert result.exit_code == 2
    assert "no/such/plan.yaml: no such file or folder" in result.output


def test_usage_errors_exit_2() -> None:
    assert run("check").exit_code == 2
    assert run("check", VIOLATING, "--fail-on", "sometimes").exit_code == 2


def test_extra_rules_folder(tmp_path: Path) -> None:
    rule = (Path(__file__).parents[1] / "rules" / "R16.yaml").read_text(encoding="utf-8")
    rule = rule.replace("id: R16", "id: X16").replace("default: 10", "default: 20")
    (tmp_path / "X16.yaml").write_text(rule, encoding="utf-8")
    result = run("check", LARGE_PIS, "--rules", tmp_path, "--lang", "en")
    assert result.exit_code == 1
    assert "X16" in result.output and "short of the 20-quota floor" in result.output


def test_broken_rule_file_is_fatal(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: R99\ntitle: {zh: x}\n", encoding="utf-8")
    result = run("check", COMPLIANT, "--rules", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'bad.yaml'}:2:8: at title.en missing required field 'en'" in result.output


def test_engines_give_the_same_report() -> None:
    outputs = [
        run("check", GRIDS, "--lang", "en", "--engine", e).output for e in ("durable", "python")
    ]
    assert outputs[0].replace("engine: durable", "") == outputs[1].replace("engine: python", "")


def test_version_and_help() -> None:
    assert __version__ in run("--version").output
    help_text = run("check", "--help").output
    assert "Exit codes" in help_text and "--fail-on" in help_text


def test_markup_in_user_text_is_shown_literally(write: Callable[..., Path]) -> None:
    path = write(
        TAIYUAN_HEADER
        + """\
units:
  - {id: u1, name: "[bold red]x[/]", kind: public_institution, change: new,
     pi_category: public_welfare_1, quotas_after: {public_institution: 3}}
"""
    )
    assert "[bold red]x[/]" in run("check", path, "--lang", "en").output


def test_console_script_end_to_end(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"plan:\n  id: \xff\n")
    for plan, code in ((VIOLATING, 1), (COMPLIANT, 0), (bad, 2)):
        proc = subprocess.run(
            [sys.executable, "-m", "complycheck", "check", str(plan), "--lang", "en"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == code, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{bad}:2:7: the file is not valid UTF-8 text" in proc.stdout


def test_the_console_script_flushes_every_output_before_it_ends(tmp_path: Path) -> None:
    """The command ends its process without tearing it down (os._exit); everything it wrote
    to a pipe and to files is there, whole, with the exit status the command gave."""
    sarif = tmp_path / "out.sarif"
    command = [sys.executable, "-m", "complycheck", "check", str(CASES), "--lang", "en"]
    proc = subprocess.run(
        [*command, "--format", "json", "--format", f"sarif={sarif}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr  # cases/ holds the invalid plans too
    doc = json.loads(proc.stdout)
    assert len(doc["plans"]) > 50 and doc["input_errors"] and len(proc.stdout) > 1 << 16
    assert json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    usage = subprocess.run(
        [*command, "--no-such-option"], capture_output=True, text=True, check=False
    )
    assert usage.returncode == 2 and "No such option" in usage.stderr


@pytest.mark.parametrize("traced", [False, True])
def test_the_console_script_exits_the_ordinary_way_only_when_watched(
    tmp_path: Path, traced: bool
) -> None:
    """Exit handlers run (a profiler or coverage writes its data) when a tracer watches the
    process; otherwise the process ends at once, and they do not."""
    marker = tmp_path / "exit-handlers-ran"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').close())\n"
        f"{'sys.settrace(lambda *a: None)' if traced else ''}\n"
        "from complycheck.cli import main\n"
        "sys.argv = ['complycheck', *sys.argv[1:]]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "check", str(VIOLATING), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "Summary:" in proc.stdout, proc.stderr
    assert marker.exists() is traced


def test_the_console_script_ends_before_it_frees_the_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the command built (for a national batch, a quarter of a million findings) is
    still there when the process ends: nothing frees it on the way out."""
    from complycheck import check
    from complycheck import cli as command

    checked: list[weakref.ref[object]] = []
    check_paths = check.check_paths

    def recording(*args: Any, **kwargs: Any) -> Any:
        report = check_paths(*args, **kwargs)
        checked.append(weakref.ref(report.plans[0]))
        return report

    class Ended(Exception):
        pass

    ends: list[tuple[int, bool]] = []

    def end(status: int) -> NoReturn:
        ends.append((status, checked[0]() is not None))
        raise Ended

    monkeypatch.setattr(check, "check_paths", recording)
    monkeypatch.setattr(command, "_observed", lambda: False)
    monkeypatch.setattr(os, "_exit", end)
    monkeypatch.setattr(sys, "argv", ["complycheck", "check", str(VIOLATING), "--quiet"])
    with pytest.raises(Ended):
        command.main()
    assert ends == [(1, True)]
    assert "Summary:" in capsys.readouterr().out


def test_the_console_script_under_cprofile_writes_its_profile(tmp_path: Path) -> None:
    out = tmp_path / "check.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "complycheck"]
    subprocess.run([*command, "check", str(VIOLATING), "--quiet"], capture_output=True, check=False)
    assert out.stat().st_size > 0


@pytest.mark.parametrize(("code", "status", "printed"), [(None, 0, ""), (3, 3, ""), ("x", 1, "x")])
def test_the_console_script_exits_as_sys_exit_would(
    code: object, status: int, printed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from complycheck.cli import _status

    assert _status(code) == status
    assert capsys.readouterr().err.strip() == printed


def test_rules_lists_every_rule_with_its_packs_and_source(rulebook: Rulebook) -> None:
    result = run("rules", "--lang", "en")
    assert result.exit_code == 0
    for rule in rulebook.rules:
        assert rule.spec.id in result.output
    assert "Taiyuan S2-10" in result.output
    data = json.loads(run("rules", "--format", "json").output)
    assert [r["id"] for r in data["rules"]] == [r.spec.id for r in rulebook.rules]
    r16 = next(r for r in data["rules"] if r["id"] == "R16")
    assert "taiyuan" in r16["packs"] and r16["source"]["item"] == "S2-10"
    assert {p["id"] for p in data["packs"]} >= {"taiyuan", "shanxi"}


def test_explain_shows_the_quote_parameters_and_examples(rulebook: Rulebook) -> None:
    for rule in rulebook.rules:
        for lang in ("zh", "en"):
            result = run("explain", rule.spec.id.lower(), "--lang", lang)
            assert result.exit_code == 0, result.output
            assert rule.spec.source.quote in result.output.replace("\n", "")
            assert rule.spec.example.violating.get(Lang(lang)) in result.output.replace("\n", "")
    r16 = run("explain", "R16", "--lang", "en").output
    assert "threshold_violates" in r16 and "default: false" in r16
    unknown = run("explain", "R999")
    assert unknown.exit_code == 2 and "no rule 'R999'" in unknown.output


def test_unknown_pack_is_a_usage_error() -> None:
    result = run("check", VIOLATING, "--pack", "nowhere")
    assert result.exit_code == 2 and "unknown pack 'nowhere'" in result.output


def test_pack_and_as_of_options(tmp_path: Path) -> None:
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "strict.yaml").write_text(
        "id: strict\ntitle: {zh: 严格, en: Strict}\ndescription: {zh: 严格, en: strict}\n"
        "auto: false\nextends: [taiyuan]\n"
        "params:\n  R16:\n    min_quota:\n      - {until: 2024-01-01, value: 5}\n"
        "      - {from: 2024-01-01, value: 20}\n",
        encoding="utf-8",
    )
    plan = CASES / "R16" / "compliant-large-enough" / "plan.yaml"
    strict = run("check", plan, "--rules", tmp_path, "--pack", "strict", "--lang", "en")
    assert "short of the 20-quota floor" in strict.output
    assert "Policy packs: taiyuan, strict" in strict.output
    earlier = run("check", plan, "--rules", tmp_path, "--pack", "strict", "--as-of", "2023-06-01")
    assert "short of the" not in earlier.output
    assert run("check", plan, "--as-of", "2023-13-01").exit_code == 2
