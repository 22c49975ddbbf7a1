"""One checked run and the history database: link it with the open findings of earlier runs,
compare it with a recorded run, and record it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..report import Report
from ..rulebook.load import Rulebook
from .compare import Comparison, compare
from .linkage import RULE_ID, link, still_open
from .records import RunRecord
from .store import HistoryError, open_history


@dataclass(frozen=True)
class Recorded:
    report: Report  # with the linkage findings added
    run_id: int
    comparison: Comparison | None


def rulebook_version(rulebook: Rulebook) -> str:
    """complycheck's version and a digest of every rule and pack as loaded: two runs with the
    same rulebook version applied the same rules with the same parameters."""
    digest = hashlib.sha256()
    for rule in rulebook.rules:
        digest.update(rule.spec.model_dump_json().encode("utf-8"))
    for pack_id in sorted(rulebook.packs.packs):
        digest.update(rulebook.packs.packs[pack_id].spec.model_dump_json().encode("utf-8"))
    return f"{__version__}+{digest.hexdigest()[:12]}"


def run_record(
    report: Report,
    rulebook: Rulebook,
    *,
    command: str,
    paths: Sequence[Path],
    options: dict[str, Any],
) -> RunRecord:
    """What the run is recorded with: the rulebook version and every pack applied, with its
    parameters, as loaded."""
    used = sorted({pack for plan in report.plans for pack in plan.packs})
    book = rulebook.packs.packs
    return RunRecord(
        command=command,
        paths=tuple(str(p) for p in paths),
        options=options,
        rulebook_version=rulebook_version(rulebook),
        packs={p: book[p].spec.model_dump_json(by_alias=True) for p in used if p in book},
        complycheck_version=__version__,
    )


def record_run(
    db: Path,
    report: Report,
    rulebook: Rulebook,
    *,
    command: str,
    paths: Sequence[Path],
    options: dict[str, Any],
    compare_with: str | None = None,
) -> Recorded:
    """Link ``report`` with the history in ``db``, compare it with run ``compare_with`` (an id,
    or ``last``) if given, and record it. Raises :class:`HistoryError`."""
    with open_history(db) as history:
        baseline = None
        if compare_with is not None:
            baseline = history.run(compare_with)
            if baseline is None:
                latest = history.runs(limit=1)
                known = f"runs 1 to {latest[0].id}" if latest else "no runs yet"
                raise HistoryError(
                    db, f"no recorded run {compare_with!r} to compare with ({known})"
                )
        places = [p.profile.place.key for p in report.plans if p.profile is not None]
        earlier = history.latest_unit_findings(places)
        report = link(report, still_open(report, earlier), rulebook.get(RULE_ID))
        comparison = None
        if baseline is not None:
            recorded = history.findings(baseline.id)
            comparison = compare(report, baseline, recorded, history.plan_ids(baseline.id))
        record = run_record(report, rulebook, command=command, paths=paths, options=options)
        run_id = history.record(report, record)
    return Recorded(report, run_id, comparison)
