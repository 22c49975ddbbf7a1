"""Files complycheck writes for its users to edit: a template plan (``complycheck init``) and
the plan's JSON Schema beside it, for editors that use the YAML language server."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .fileio import atomic_writer, write_atomic

SCHEMA_FILE = "plan.schema.json"
SCHEMA_LINE = "# yaml-language-server: $schema={schema}\n"


class Exists(Exception):
    """The file to write exists, and replacing it was not asked for."""


def template_plan(name: str, *, schema: str | None = None) -> str:
    """The commented template plan, for a file called ``name``; with ``schema``, its first line
    points editors at that JSON Schema."""
    text = resources.files(__package__).joinpath("templates", "plan.yaml").read_text("utf-8")
    text = text.replace("{name}", name)
    return (SCHEMA_LINE.format(schema=schema) if schema else "") + text


def write_new(path: Path, data: str | bytes, *, force: bool) -> None:
    """Write ``path`` atomically; unless ``force``, refuse to replace a file that exists."""
    if not force and (path.exists() or path.is_symlink()):
        raise Exists(str(path))
    write_atomic(path, data)


def write_workbook_file(path: Path, data: dict[str, object] | None, *, force: bool) -> None:
    """Write a ledger workbook (the template when ``data`` is None) atomically."""
    from .ledger.write import write_workbook

    if not force and (path.exists() or path.is_symlink()):
        raise Exists(str(path))
    with atomic_writer(path, binary=True) as out:
        write_workbook(out, data)  # type: ignore[arg-type]


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (or folder)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()
