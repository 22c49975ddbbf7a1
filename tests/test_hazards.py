"""Hostile YAML and JSON: each hazard is refused with a located message, or read correctly,
within bounds of memory and time that the tests set.

The dangerous ones run in a new process limited to 512 MiB of address space and 30 s of CPU:
without its protection, each would exhaust one of them (or crash the process), and the test
would fail rather than hang or take the machine down.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from complycheck.check import check_paths
from complycheck.cli import cli
from complycheck.engine.base import Engine
from complycheck.errors import InputError
from complycheck.rulebook.load import Rulebook
from complycheck.validate import load_plan

from .conftest import CASES, REPO, TAIYUAN_HEADER
from .guards import run_bounded, run_complycheck

MEMORY_MB = 512
CPU_SECONDS = 30

# Loads one file as a plan or as a rule file, and prints the error or LOADED.
LOAD = """
import sys
from pathlib import Path
from complycheck.errors import LocatedError
from complycheck.rulebook.load import load_rule
from complycheck.validate import load_plan

kind, path = sys.argv[1], Path(sys.argv[2])
try:
    load_plan(path) if kind == "plan" else load_rule(path)
except LocatedError as exc:
    print(exc)
else:
    print("LOADED")
"""


def bounded_load(kind: str, path: Path) -> str:
    """What loading ``path`` as a ``kind`` (plan or rule) says, run within the bounds."""
    run = run_bounded(LOAD, memory_mb=MEMORY_MB, cpu_seconds=CPU_SECONDS, args=[kind, str(path)])
    assert run.killed is None, f"stopped by the {run.killed}: {run.stderr[-2000:]}"
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stdout + run.stderr
    return run.stdout.strip()


def billion_laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")  # 9**10: 3.5 billion values once expanded
    return "\n".join(lines) + "\n"


def wide_aliases() -> str:
    """One anchor of 5,000 values, named 1,000 times: 5 million values once expanded."""
    items = ", ".join(str(i) for i in range(5_000))
    return f"base: &b [{items}]\nall: [{', '.join(['*b'] * 1000)}]\n"


DEPTH = 100_000  # libyaml's recursive composer overflows the C stack at about 30,000

HAZARDS: dict[str, tuple[str, str, str]] = {
    # name: (file name, text, the message expected, with its line:col)
    "billion laughs": (
        "plan.yaml",
        billion_laughs(),
        r":\d+:\d+: the document expands to more than 100,000 values through aliases",
    ),
    "aliases of a wide anchor": (  # located in the anchor: YAML keeps no place of an alias
        "plan.yaml",
        wide_aliases(),
        r":1:\d+: the document expands to more than 100,000 values through aliases",
    ),
    "deep flow nesting": (
        "plan.yaml",
        "plan: " + "[" * DEPTH + "]" * DEPTH + "\n",
        r":1:\d+: nesting is deeper than 64 levels",
    ),
    "deep block nesting": (
        "plan.yaml",
        "plan:\n" + "- " * DEPTH + "x\n",
        r":2:\d+: nesting is deeper than 64 levels",
    ),
    "deep JSON nesting": (
        "plan.json",
        '{"plan": ' + "[" * DEPTH + "]" * DEPTH + "}",
        r":1:\d+: nesting is deeper than 64 levels",
    ),
    "deep indentation": (
        "plan.yaml",
        "".join(" " * i + f"k{i}:\n" for i in range(3000)) + " " * 3000 + "v: 1\n",
        r":65:65: nesting is deeper than 64 levels",
    ),
    "a python object tag": (
        "plan.yaml",
        "plan: !!python/object/apply:os.system ['echo OWNED > owned.txt']\n",
        r":1:7: unsupported tag 'tag:yaml.org,2002:python/object/apply:os.system'; plain lists",
    ),
    "a number of 5,000 digits": (
        "plan.yaml",
        "plan:\n  id: " + "9" * 5000 + "\n",
        r":2:7: '9999.*' is not a valid value: Exceeds the limit \(4300 digits\)",
    ),
    "a JSON number of 5,000 digits": (
        "plan.json",
        '{"plan": {"id": ' + "9" * 5000 + "}}",
        r":1:17: '9999.*' is not a JSON value",
    ),
}


# Refused at once whether or not anything else protects: no need of a process of their own.
HARMLESS = {"a python object tag", "a number of 5,000 digits", "a JSON number of 5,000 digits"}


@pytest.mark.parametrize("hazard", HAZARDS)
def test_a_hostile_plan_is_refused_within_bounds(tmp_path: Path, hazard: str) -> None:
    name, text, expected = HAZARDS[hazard]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if hazard in HARMLESS:
        with pytest.raises(InputError) as info:
            load_plan(path)
        said = str(info.value)
    else:
        said = bounded_load("plan", path)
    assert re.match(re.escape(str(path)) + expected, said), said
    assert not (tmp_path / "owned.txt").exists()


RULE_HAZARDS = ["billion laughs", "aliases of a wide anchor", "deep flow nesting"]


@pytest.mark.parametrize("hazard", RULE_HAZARDS)
def test_a_hostile_rule_file_is_refused_within_bounds(tmp_path: Path, hazard: str) -> None:
    """Rule files take a faster reader first; it must not be the weak point."""
    _, text, expected = HAZARDS[hazard]
    path = tmp_path / "X01.yaml"
    path.write_text(text, encoding="utf-8")
    said = bounded_load("rule", path)
    assert re.match(re.escape(str(path)) + expected, said), said


def test_a_python_tag_in_a_rule_file_constructs_nothing(tmp_path: Path) -> None:
    rule = (REPO / "rules" / "R16.yaml").read_text(encoding="utf-8")
    rule = rule.replace("id: R16", "id: !!python/object/apply:os.system ['echo OWNED > owned.txt']")
    path = tmp_path / "X16.yaml"
    path.write_text(rule, encoding="utf-8")
    said = bounded_load("rule", path)
    assert re.match(re.escape(str(path)) + r":2:5: unsupported tag", said), said
    assert not (tmp_path / "owned.txt").exists() and not Path("owned.txt").exists()


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    """A sparse file of 400 MiB: reading it would take more memory than the bound allows."""
    path = tmp_path / "plan.yaml"
    with path.open("wb") as out:
        out.truncate(400 * 1024 * 1024)
    said = bounded_load("plan", path)
    assert said == (
        f"{path}: the file is 419,430,400 bytes; the limit is 67,108,864 bytes "
        "(set COMPLYCHECK_MAX_FILE_SIZE to change it)"
    )


def test_the_size_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes((CASES / "R16" / "violating-small-pi" / "plan.yaml").read_bytes())

    def run(size: str) -> Result:
        env = {"COMPLYCHECK_MAX_FILE_SIZE": size, "COLUMNS": "200"}
        return CliRunner().invoke(cli, ["check", str(path), "--lang", "en"], env=env)

    small = run("1K")
    assert small.exit_code == 2
    assert f"{path}: the file is" in small.output and "the limit is 1,024 bytes" in small.output
    assert run("1M").exit_code == 1
    wrong = run("lots")
    assert wrong.exit_code == 2
    assert "COMPLYCHECK_MAX_FILE_SIZE='lots' is not a size" in wrong.output
    assert "Traceback" not in small.output + wrong.output


def test_a_deep_plan_through_the_command_line(tmp_path: Path) -> None:
    """The whole command, in a new process: a located error and exit 2, not a crash."""
    path = tmp_path / "deep.yaml"
    path.write_text("plan: " + "[" * DEPTH + "]" * DEPTH + "\n", encoding="utf-8")
    result = run_complycheck("check", path, "--lang", "en")
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"{path}:1:" in result.stdout and "nesting is deeper than 64 levels" in result.stdout


# --- files read correctly whatever their encoding marks and line ends -------------------------

VIOLATING = CASES / "R16" / "violating-small-pi" / "plan.yaml"


def variants(text: str) -> dict[str, bytes]:
    lf = text.replace("\r\n", "\n")
    return {
        "LF": lf.encode(),
        "CRLF": lf.replace("\n", "\r\n").encode(),
        "BOM and CRLF": b"\xef\xbb\xbf" + lf.replace("\n", "\r\n").encode(),
        "BOM": b"\xef\xbb\xbf" + lf.encode(),
        "CR": lf.replace("\n", "\r").encode(),
    }


def locations(
    tmp_path: Path, name: str, data: bytes, rulebook: Rulebook, engine: Engine
) -> list[tuple[str, str, int, int]]:
    path = tmp_path / name
    path.write_bytes(data)
    report = check_paths([path], rulebook, engine)
    assert report.input_errors == ()
    (plan,) = report.plans
    return [(f.rule_id, f.entity_key, f.location.line, f.location.column) for f in plan.findings]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_bom_and_line_ends_leave_every_location_right(
    tmp_path: Path, rulebook: Rulebook, engine: Engine, suffix: str
) -> None:
    text = VIOLATING.read_text(encoding="utf-8")
    if suffix == ".json":
        import yaml

        text = json.dumps(yaml.safe_load(text), ensure_ascii=False, indent=2, default=str)
    found = {
        kind: locations(tmp_path, f"{i}{suffix}", data, rulebook, engine)
        for i, (kind, data) in enumerate(variants(text).items())
    }
    assert found["LF"]  # the plan has findings whose places can be compared
    assert {kind: found["LF"] for kind in found} == found


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_errors_are_located_the_same_whatever_the_line_ends(
    write: Callable[..., Path], line_end: str
) -> None:
    text = TAIYUAN_HEADER + "grids:\n  - {code: G1, households: -1, population: 10}\n"
    path = write(text)
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", line_end).encode())
    with pytest.raises(InputError) as info:
        load_plan(path)
    assert str(info.value) == (
        f"{path}:7:28: at grids[0].households input should be greater than or equal to 0, "
        "got -1 (whole number)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ":1:1: the file is empty; expected a plan"),
        ("\n\n   \n", ":1:1: the file is empty; expected a plan"),
        ("# only a comment\n", ":1:1: the file is empty; expected a plan"),
        ("\ufeff", ":1:1: the file is empty; expected a plan"),
        ("- a\n- b\n", ":1:1: expected a plan (a mapping with 'plan:'), got a list"),
        ("~\n", ":1:1: expected a plan (a mapping with 'plan:'), got nothing (null)"),
        ("42\n", ":1:1: expected a plan (a mapping with 'plan:'), got 42 (whole number)"),
        ("plan\n", ":1:1: expected a plan (a mapping with 'plan:'), got 'plan' (text)"),
    ],
)
def test_a_file_that_is_not_a_mapping(write: Callable[..., Path], text: str, expected: str) -> None:
    path = write(text)
    with pytest.raises(InputError) as info:
        load_plan(path)
    assert str(info.value) == f"{path}{expected}"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"plan:\n  id: \xff\n", "2:7: the file is not valid UTF-8 text"),
        (
            "plan:\n  title: 名".encode() + b"\xff\n",
            "2:11: the file is not valid UTF-8 text",
        ),
        (
            "plan:\n  title: 方案\n".encode("gbk"),
            "2:10: the file is not valid UTF-8 text; it reads as GBK (GB18030) text: "
            "save it as UTF-8",
        ),
        (
            "plan:\n  title: 小店区\n".encode("utf-16"),
            "1:1: the file is not valid UTF-8 text; it is UTF-16 text: save it as UTF-8",
        ),
    ],
)
def test_bytes_that_are_not_utf8_text(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        load_plan(path)
    assert str(info.value) == f"{path}:{expected}"


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
def test_a_control_character_is_located(tmp_path: Path, line_end: str) -> None:
    """NUL and the other C0 controls are valid UTF-8 but not allowed in YAML."""
    path = tmp_path / "plan.yaml"
    path.write_bytes(f"plan:{line_end}  id: a\x00b{line_end}".encode())
    with pytest.raises(InputError) as info:
        load_plan(path)
    assert str(info.value) == (
        f"{path}:2:8: YAML syntax error: character U+0000 is not allowed "
        "(control characters are not allowed)"
    )


def test_tags_on_lists_are_refused(write: Callable[..., Path]) -> None:
    """A tag is never silently dropped, on a mapping, a list or a scalar."""
    for tag in ("!!python/tuple", "!!omap", "!custom"):
        path = write(TAIYUAN_HEADER + f"grids: {tag} []\n")
        with pytest.raises(InputError, match=r":6:8: unsupported tag .*; plain lists only"):
            load_plan(path)
