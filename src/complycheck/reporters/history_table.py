"""The runs of a history database: a table for reading, JSON for tools."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text as RichText

from ..history.records import RunInfo
from ..i18n import Lang, Text
from .rich_report import make_console
from .summary_labels import label

_HEAD = {
    "run": ("运行", "Run"),
    "recorded": ("记录时间（UTC）", "Recorded (UTC)"),
    "command": ("命令", "Command"),
    "rulebook": ("规则库版本", "Rulebook"),
    "paths": ("检查对象", "Paths"),
    "no_runs": ("尚无运行记录", "No runs recorded yet"),
    "counts": ("错误/警告/提示", "Err/Warn/Info"),
}


def _head(key: str, lang: Lang) -> str:
    zh, en = _HEAD[key]
    return Text.model_construct(zh=zh, en=en).get(lang)


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
        (_head("run", lang), True, False),
        (_head("recorded", lang), False, False),
        (_head("command", lang), False, False),
        (label("plans", lang), True, False),
        (_head("counts", lang), True, False),
        (label("input_errors", lang), True, False),
        (_head("rulebook", lang), False, True),
        (_head("paths", lang), False, True),
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
        console.print(_head("no_runs", lang), style="muted")
        return
    console.print(runs_table(runs, lang))


def runs_json(runs: Sequence[RunInfo]) -> str:
    data = [{**dataclasses.asdict(r), "paths": list(r.paths)} for r in runs]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
