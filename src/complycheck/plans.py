"""Reading any plan input, whatever its form: a YAML or JSON plan file, an .xlsx ledger or a
folder of CSV files; and checking inputs for their format only (``complycheck validate``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem
from .ledger import is_ledger, load_ledger
from .validate import LoadedPlan, load_plan


def load_any(path: Path, *, display: str | None = None) -> LoadedPlan:
    """A plan file, or a ledger (a workbook, or a folder of CSV files), read and validated."""
    if is_ledger(path):
        return load_ledger(path, display=display)
    return load_plan(path, display=display)


@dataclass(frozen=True)
class Validation:
    """What ``complycheck validate`` found: the plans that are valid (file, plan id), and the
    problems of the others."""

    valid: tuple[tuple[str, str], ...]
    problems: tuple[Problem, ...]
    invalid: int


def validate_paths(paths: Iterable[Path], known_packs: Iterable[str]) -> Validation:
    """Read and validate every plan under ``paths``, without checking any rule. A pack named
    in a plan must be one of ``known_packs``."""
    from .check import PLAN_SUFFIXES, discover

    paths = list(paths)
    files, problems = discover(paths)
    packs = set(known_packs)
    valid: list[tuple[str, str]] = []
    invalid = len(problems)
    for plan_file in files:
        try:
            loaded = load_any(plan_file.path, display=plan_file.display)
        except InputError as exc:
            problems.extend(exc.problems)
            invalid += 1
            continue
        unknown = [
            Problem(
                loaded.file,
                loaded.source.position(("plan", "packs", i)),
                f"unknown policy pack {p!r}; known: {', '.join(sorted(packs))}",
                f"plan.packs[{i}]",
            )
            for i, p in enumerate(loaded.plan.plan.packs or [])
            if p not in packs
        ]
        if unknown:
            problems.extend(unknown)
            invalid += 1
        else:
            valid.append((loaded.file, loaded.plan.plan.id))
    if not files and not problems:
        where = ", ".join(map(str, paths))
        looked = ", ".join(PLAN_SUFFIXES)
        problems.append(Problem(where, None, f"no plan files found (looked for {looked}, .xlsx)"))
        invalid += 1
    return Validation(tuple(valid), tuple(problems), invalid)
