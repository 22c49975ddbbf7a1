from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from complycheck.engine import EngineName, make_engine
from complycheck.engine.base import Engine
from complycheck.rulebook.load import Rulebook, load_rulebook

from .guards import unchanged_inputs

# The rulebook cache of the tests lives in a folder of their own, never in the user's home.
os.environ["COMPLYCHECK_CACHE_DIR"] = tempfile.mkdtemp(prefix="complycheck-test-cache-")

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "cases"
SHARED = REPO.parent / "shared"

TAIYUAN_HEADER = """\
plan:
  id: test-plan
  title: 测试方案
  date: 2024-03-01
  jurisdiction: {name: 小店区, level: county, class: 中, province: 山西省, city: 太原市}
"""


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook()


@pytest.fixture(scope="session")
def durable_engine() -> Engine:
    return make_engine(EngineName.DURABLE)


@pytest.fixture(scope="session", params=[e.value for e in EngineName])
def engine(request: pytest.FixtureRequest) -> Engine:
    return make_engine(EngineName(request.param))


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a dedented text file under tmp_path and return its path."""

    def _write(text: str, name: str = "plan.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


class InputGuard:
    """What the autouse fixture ``input_guard`` allows a command to write. A test whose
    command writes a file it names (an imported plan, a baseline) says so first:
    ``input_guard.writes(path)``."""

    def __init__(self) -> None:
        self.outputs: set[Path] = set()

    def writes(self, path: str | Path) -> None:
        self.outputs.add(Path(path))


@pytest.fixture(autouse=True)
def input_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[InputGuard]:
    """Every command run through ``CliRunner.invoke`` in any test leaves the files it names
    (and the files under the folders it names) byte for byte as they were, except files it is
    meant to write: the values of ``guards.OUTPUT_OPTIONS`` and ``input_guard.writes(path)``."""
    guard = InputGuard()
    invoke = CliRunner.invoke

    def guarded(
        self: CliRunner, cli: Any, args: str | Sequence[str] | None = None, **kwargs: Any
    ) -> Result:
        words = args.split() if isinstance(args, str) else list(args or ())
        with unchanged_inputs(words, guard.outputs):
            return invoke(self, cli, args, **kwargs)

    monkeypatch.setattr(CliRunner, "invoke", guarded)
    yield guard
