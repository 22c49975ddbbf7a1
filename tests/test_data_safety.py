"""Data safety: a process killed while writing leaves the previous file whole, every file
complycheck writes goes through the atomic writer, and commands never change their inputs."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from complycheck.rulebook.cache import ParsedFiles

from .conftest import REPO
from .guards import kill_when_ready, run_complycheck, unchanged_inputs

SRC = REPO / "src" / "complycheck"
PREVIOUS = "A" * 1_000_000
NEW = '("B" * 4_000_000)'  # (in the child's code) large enough to be written in many pieces

# How each writer is stopped half-way: the new data is partly in the file, not yet complete.
WRITERS = {
    "atomic_writer": """
from complycheck.fileio import atomic_writer
with atomic_writer({target!r}) as out:
    out.write({new}[:2_000_000])
    out.flush()
    pause()
    out.write({new}[2_000_000:])
""",
    "plain open (control)": """
with open({target!r}, "w", encoding="utf-8") as out:
    out.write({new}[:2_000_000])
    out.flush()
    pause()
    out.write({new}[2_000_000:])
""",
}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_process_killed_mid_write_leaves_the_previous_file(tmp_path: Path, writer: str) -> None:
    """SIGKILL half-way through the data. The control shows that the test can see damage: a
    plain write, killed the same way, leaves a truncated file."""
    target = tmp_path / "report.txt"
    target.write_text(PREVIOUS, encoding="utf-8")
    kill_when_ready(WRITERS[writer].format(target=str(target), new=NEW))
    left = target.read_text(encoding="utf-8")
    if writer.startswith("plain"):
        assert left == "B" * 2_000_000  # neither the previous file nor the new one
    else:
        assert left == PREVIOUS


@pytest.mark.parametrize("step", ["os.fsync", "os.replace"])
def test_write_atomic_killed_before_the_rename_leaves_the_previous_file(
    tmp_path: Path, step: str
) -> None:
    """Killed after the data is written (at the flush to disk) or just before the rename."""
    target = tmp_path / "baseline.json"
    target.write_text(PREVIOUS, encoding="utf-8")
    kill_when_ready(
        f"import os\n{step} = pause\n"
        "from complycheck.fileio import write_atomic\n"
        f"write_atomic({str(target)!r}, {NEW})\n"
    )
    assert target.read_text(encoding="utf-8") == PREVIOUS
    temporary = [p for p in tmp_path.iterdir() if p != target]
    assert [p.name.startswith(".baseline.json.") for p in temporary] == [True]


def test_a_first_write_killed_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    kill_when_ready(WRITERS["atomic_writer"].format(target=str(target), new=NEW))
    assert not target.exists()


def _cache_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "rules"
    folder.mkdir()
    files = []
    for i in range(3):
        path = folder / f"r{i}.yaml"
        path.write_text(f"id: R{i}\n", encoding="utf-8")
        files.append(path)
    return files


def test_the_rule_cache_killed_while_saving_keeps_the_previous_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLYCHECK_CACHE_DIR", str(tmp_path / "cache"))
    files = _cache_files(tmp_path)
    cache = ParsedFiles(files)
    cache.put(files[0], {"id": "R0", "rows": list(range(1000))})
    cache.save()
    (saved,) = (tmp_path / "cache").iterdir()
    previous = saved.read_bytes()
    kill_when_ready(
        "import os\nos.replace = pause\n"
        "from pathlib import Path\nfrom complycheck.rulebook.cache import ParsedFiles\n"
        f"files = [Path(p) for p in {[str(f) for f in files]!r}]\n"
        "cache = ParsedFiles(files)\n"
        "cache.put(files[1], {'id': 'R1', 'rows': list(range(200_000))})\n"
        "cache.save()\n",
    )
    assert saved.read_bytes() == previous
    assert ParsedFiles(files).get(files[0]) == {"id": "R0", "rows": list(range(1000))}


# --- every write goes through complycheck.fileio ---------------------------------------------

# Modules allowed to open files for writing themselves, with the reason.
WRITERS_ALLOWED: dict[str, str] = {
    "history/store.py": "the history database: SQLite makes each transaction atomic and "
    "durable itself (WAL, synchronous=FULL); test_history.py kills a writer mid-run",
}
_WRITE_MODE = set("wax+")
_MODE_LETTERS = set("rwxabt+U")


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls in ``tree`` that write a file other than through complycheck.fileio."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = getattr(getattr(func, "value", None), "id", "")
        if name in ("write_text", "write_bytes", "mkstemp", "NamedTemporaryFile", "fdopen"):
            found.append((node.lineno, name))
        elif name in ("copy", "copyfile", "copy2", "move") and owner == "shutil":
            found.append((node.lineno, f"shutil.{name}"))
        elif name == "open" and owner == "os":
            found.append((node.lineno, "os.open"))
        elif name == "open":
            # builtin open(path, mode) or Path.open(mode): a mode that writes
            args = node.args[1:] if isinstance(func, ast.Name) else node.args
            modes = [a for a in args[:1] if isinstance(a, ast.Constant)]
            modes += [k.value for k in node.keywords if k.arg == "mode"]  # type: ignore[misc]
            for mode in modes:
                text = mode.value if isinstance(mode, ast.Constant) else None
                if isinstance(text, str) and not set(text) <= _MODE_LETTERS:
                    continue  # not a mode: a member's name (ZipFile.open), say
                if not isinstance(text, str) or _WRITE_MODE & set(text):
                    found.append((node.lineno, f"open(mode={text!r})"))
        elif name == "connect" and owner == "sqlite3":
            found.append((node.lineno, "sqlite3.connect"))
    return found


def test_every_file_complycheck_writes_goes_through_the_atomic_writer() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).as_posix()
        if module == "fileio.py" or module in WRITERS_ALLOWED:
            continue
        for line, call in _writes(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{module}:{line}: {call}")
    assert offenders == [], "write through complycheck.fileio.write_atomic/atomic_writer"


def test_the_write_scan_finds_direct_writes() -> None:
    sample = ast.parse(
        "p.write_text('x')\nopen(p, 'w')\nopen(p, mode='ab')\np.open('w')\nos.open(p, 1)\n"
        "open(p)\nopen(p, 'r')\np.read_text()\n"
    )
    assert [line for line, _ in _writes(sample)] == [1, 2, 3, 4, 5]


# --- inputs are never modified ---------------------------------------------------------------


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--output", type=click.Path(path_type=Path))
def _rewriting(path: Path, output: Path | None) -> None:
    """A command that changes what it was given: the guard must catch it."""
    for file in sorted(path.rglob("*.yaml")) if path.is_dir() else [path]:
        file.write_text(file.read_text() + "\n# touched\n")


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--output", type=click.Path(path_type=Path))
def _reporting(path: Path, output: Path | None) -> None:
    if output:
        output.write_text("report")


def test_the_input_guard_catches_a_command_that_changes_its_input(tmp_path: Path) -> None:
    plan = tmp_path / "plans" / "plan.yaml"
    plan.parent.mkdir()
    plan.write_text("plan: {}\n")
    with pytest.raises(AssertionError, match="modified its input files"):
        CliRunner().invoke(_rewriting, [str(plan)])  # guarded by conftest's autouse fixture
    with pytest.raises(AssertionError, match="modified its input files"):
        CliRunner().invoke(_rewriting, [str(plan.parent)])  # a file under a folder named
    report = tmp_path / "report.txt"
    report.write_text("old")
    result = CliRunner().invoke(_reporting, [str(plan), "--output", str(report)])
    assert result.exit_code == 0 and report.read_text() == "report"  # outputs may change


def test_a_test_may_name_a_file_its_command_writes(tmp_path: Path, input_guard: Any) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("plan: {}\n")
    input_guard.writes(plan)
    assert CliRunner().invoke(_rewriting, [str(plan)]).exit_code == 0
    assert plan.read_text().endswith("# touched\n")


def test_the_guard_sees_a_rewrite_with_equal_bytes(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("x\n")
    with pytest.raises(AssertionError), unchanged_inputs([plan]):
        plan.write_text("x\n")
        import os

        os.utime(plan, ns=(0, 0))


def test_a_run_in_a_new_process_leaves_its_inputs_untouched(tmp_path: Path) -> None:
    plan = REPO / "cases" / "R16" / "violating-small-pi" / "plan.yaml"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "X16.yaml").write_bytes((REPO / "rules" / "R16.yaml").read_bytes())
    (rules / "X16.yaml").write_text(
        (rules / "X16.yaml").read_text(encoding="utf-8").replace("id: R16", "id: X16"),
        encoding="utf-8",
    )
    result = run_complycheck("check", plan, "--rules", rules, "--lang", "en")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "X16" in result.stdout and "Traceback" not in result.stdout + result.stderr
