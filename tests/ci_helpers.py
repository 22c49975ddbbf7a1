"""Helpers for the tests of the CI outputs: a repository of plans laid out as docs/ci.md
describes it, a command-line runner, and the schemas the outputs are checked against."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import xmlschema
from click.testing import CliRunner, Result

from complycheck.cli import cli

from .conftest import CASES, REPO

REALISTIC = CASES / "realistic"
EXAMPLES = REPO / "docs" / "examples"
SCHEMAS = Path(__file__).parent / "schemas"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: before the examples' waivers expire


def make_repo(root: Path, *, config: bool = True) -> Path:
    """``root`` with plans/ (the realistic plans) and, with ``config``, the example
    complycheck.toml and waivers.yaml of docs/examples."""
    (root / "plans").mkdir(parents=True)
    for case in sorted(p for p in REALISTIC.iterdir() if p.is_dir()):
        shutil.copyfile(case / "plan.yaml", root / "plans" / f"{case.name}.yaml")
    if config:
        shutil.copyfile(EXAMPLES / "complycheck.toml", root / "complycheck.toml")
        shutil.copyfile(EXAMPLES / "waivers.yaml", root / "waivers.yaml")
    return root


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """Run the command line in-process; ``SOURCE_DATE_EPOCH`` fixed unless ``env`` says
    otherwise."""
    environ = {"COLUMNS": "200", "SOURCE_DATE_EPOCH": EPOCH, "LC_ALL": "C.UTF-8"}
    environ.update(env or {})
    result = CliRunner().invoke(cli, [str(a) for a in args], env=environ)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@cache
def _sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def sarif_errors(log: Any) -> list[str]:
    """What the official SARIF 2.1.0 schema finds wrong with ``log``."""
    return [f"{list(e.path)}: {e.message}" for e in _sarif_validator().iter_errors(log)]


@cache
def _junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd"))


def junit_errors(text: str) -> list[str]:
    """What the Ant JUnit schema finds wrong with ``text``."""
    return [str(e.reason) for e in _junit_schema().iter_errors(text)]
