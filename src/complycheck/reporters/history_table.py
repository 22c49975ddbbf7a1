"""The runs of a history database: a table for reading, JSON for tools."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text as RichText

from ..history.records import RunInfo
from ..i18n import Lang
from .rich_report import make_console
from .summary_labels import label


def _counts(run: RunInfo) -> RichText:
    parts = [(run.errors, "sev.error"), (run.warnings, "sev.warning"), (run.info, "sev.info")]
    text = RichText()
    for i, (n, style) in enumerate(parts):
        text.append("/" if i else "")
        text.append(str(n), style=style if n else "muted")
    return text


def runs_table(runs: Sequence[RunInfo], lang: Lang) -> Table:
    table = Table(title_justify="left")
    for name, right, wrap in [
        (label("run", lang), True, False),
        (label("recorded", lang), False, False),
        (label("command", lang), False, False),
        (label("plans", lang), True, False),
        (label("counts", lang), True, False),
        (label("input_errors", lang), True, False),
        (label("rulebook", lang), False, True),
        (label("paths", lang), False, True),
    ]:
        table.add_column(
            name,
            justify="right" if right else "left",
            no_wrap=not wrap,
            overflow="fold",
        )
    for run in runs:
        table.add_row(
            RichText(f"#{run.id}", style="bold"),
            RichText(run.recorded.replace("T", " ")[:16]),  # to the minute
            RichText(run.command),
            RichText(str(run.plans)),
            _counts(run),
            RichText(str(run.input_errors), style="sev.error" if run.input_errors else "muted"),
            RichText(f"{run.rulebook_version} ({run.engine})", style="muted"),
            RichText(" ".join(run.paths)),
        )
    return table


def print_runs(runs: Sequence[RunInfo], lang: Lang) -> None:
    console = make_console()
    if not runs:
        console.print(label("no_runs", lang), style="muted")
        return
    console.print(runs_table(runs, lang))


def runs_json(runs: Sequence[RunInfo]) -> str:
    data = [{**dataclasses.asdict(r), "paths": list(r.paths)} for r in runs]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
