"""Every bad input under cases/invalid/ is refused as its expected.yaml says: the exit code,
and each message with its file:line:col, never a traceback.

A case is a folder: the input files, and ``expected.yaml`` with

- ``description``: what is wrong and why it matters;
- ``args`` (optional): the command line, run in the case's folder (default: ``check`` and the
  case's one ``plan.*`` file);
- ``env`` (optional): environment variables for the run;
- ``isolate`` (optional): run in a new process within limits of memory and CPU, for inputs
  that would crash or exhaust the process were their protection missing;
- ``exit_code``;
- ``messages``: texts the output must contain (or ``{pattern: REGEX}``, matched against each
  line).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from complycheck.cli import cli

from .conftest import CASES
from .guards import run_bounded

INVALID = CASES / "invalid"
KEYS = {"description", "args", "env", "isolate", "exit_code", "messages"}

RUN = """
import os, sys
from click.testing import CliRunner
from complycheck.cli import cli
os.chdir(sys.argv[1])
result = CliRunner().invoke(cli, sys.argv[2:], env={"COLUMNS": "250"})
sys.stdout.write(result.output)
sys.exit(result.exit_code)
"""


def invalid_cases() -> list[Path]:
    return sorted(p.parent for p in INVALID.glob("*/expected.yaml"))


def expected_of(case: Path) -> dict[str, Any]:
    data = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) <= KEYS, f"{case}: keys {sorted(data)}"
    return data


def arguments(case: Path, expected: dict[str, Any]) -> list[str]:
    if "args" in expected:
        return [str(a) for a in expected["args"]]
    plans = [p.name for p in case.iterdir() if p.name.startswith("plan.")]
    assert len(plans) == 1, f"{case}: expected one plan file, found {plans}"
    return ["check", plans[0]]


def run_case(
    case: Path, expected: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    args = [*arguments(case, expected), "--lang", "en"]
    env = {str(k): str(v) for k, v in (expected.get("env") or {}).items()}
    if expected.get("isolate"):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        run = run_bounded(RUN, memory_mb=512, cpu_seconds=30, args=[str(case), *args])
        assert run.killed is None, f"stopped by the {run.killed}: {run.stderr[-2000:]}"
        return run.returncode, run.stdout + run.stderr
    monkeypatch.chdir(case)
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "250", **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("case", invalid_cases(), ids=lambda p: p.name)
def test_a_bad_input_is_refused_as_expected(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = expected_of(case)
    code, output = run_case(case, expected, monkeypatch)
    assert "Traceback" not in output
    assert code == expected["exit_code"], output
    lines = output.splitlines()
    for message in expected["messages"]:
        if isinstance(message, dict):
            pattern = re.compile(message["pattern"])
            assert any(pattern.search(line) for line in lines), (message, output)
        else:
            assert message in output, (message, output)
    assert not (case / "owned.txt").exists() and not Path("owned.txt").exists()


def test_the_corpus_covers_every_hazard() -> None:
    names = {p.name for p in invalid_cases()}
    assert len(names) >= 30
    for needed in (
        "alias-bomb",
        "deep-nesting",
        "duplicate-key",
        "python-tag",
        "gbk-encoding",
        "bom-crlf-located",
        "empty-file",
        "list-not-mapping",
        "too-large",
        "merge-cycle",
        "division-cycle",
        "dangling-references",
        "duplicate-ids",
        "grid-odd-values",
    ):
        assert needed in names


def test_every_case_names_its_file_line_and_column() -> None:
    for case in invalid_cases():
        for message in expected_of(case)["messages"]:
            text = message["pattern"] if isinstance(message, dict) else message
            if "the limit is" in text:
                continue  # a file too large is not read: it has no line to point at
            assert re.search(r":(\d+|\\d\+):(\d+|\\d\+): ", text), (case.name, text)
