"""The ``summary`` and ``history`` commands, and the history database for ``check --db``."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .cli import (
    AS_OF_OPTION,
    DB_OPTION,
    ENGINE_OPTION,
    JOBS_OPTION,
    LANG_OPTION,
    PACK_OPTION,
    RULES_OPTION,
    _broken_rulebook,
    _rulebook,
    cli,
)
from .engine import EngineName, make_engine
from .errors import RulebookError
from .findings import Severity
from .i18n import Lang, default_lang
from .report import ExitCode, Report

if TYPE_CHECKING:
    from rich.console import Console

    from .check import Options
    from .history.session import Recorded
    from .rulebook.load import Rulebook


class SummaryFormat(StrEnum):
    RICH = "rich"
    MARKDOWN = "markdown"
    CSV = "csv"
    JSON = "json"
    HTML = "html"


SUMMARY_EXIT_CODES = """\b
Exit codes (bits that add up):
  0  no findings at or above the --fail-on level, no errors
  1  findings at or above the --fail-on level
  2  input errors (plans that could not be read, listed with
     file:line:col) or rules that could not be evaluated;
     also usage errors and a broken rulebook or history database
  3  both 1 and 2: the plans that could be read have findings
"""


def _history_failed(exc: Exception) -> NoReturn:
    click.echo(f"complycheck: {exc}", err=True)
    sys.exit(ExitCode.ERROR)


def run_options(rulebook: Rulebook, packs: tuple[str, ...], as_of: Any, locate: bool) -> Options:
    """The run's options; an unknown ``--pack`` is a usage error."""
    from .check import Options

    unknown = [p for p in packs if p not in rulebook.packs.packs]
    if unknown:
        known = ", ".join(sorted(rulebook.packs.packs))
        raise click.BadParameter(
            f"unknown pack {unknown[0]!r}; known: {known}", param_hint="--pack"
        )
    return Options(
        packs=packs,
        as_of=as_of.date() if as_of else None,
        profiles=True,
        locate_requests=locate,
    )


def _recorded_options(options: Options, rule_dirs: tuple[Path, ...]) -> dict[str, Any]:
    return {
        "packs": list(options.packs),
        "as_of": options.as_of.isoformat() if options.as_of else None,
        "rules": [str(d) for d in rule_dirs],
    }


def record(
    db: Path,
    report: Report,
    rulebook: Rulebook,
    *,
    command: str,
    paths: tuple[Path, ...],
    options: Options,
    rule_dirs: tuple[Path, ...],
    compare_with: str | None = None,
) -> Recorded:
    """Link, compare and record the run in ``db``; exit 2 if the database cannot be used."""
    from .history.session import record_run
    from .history.store import HistoryError

    try:
        return record_run(
            db,
            report,
            rulebook,
            command=command,
            paths=paths,
            options=_recorded_options(options, rule_dirs),
            compare_with=compare_with,
        )
    except HistoryError as exc:
        _history_failed(exc)


@contextlib.contextmanager
def progress_bar(console: Console | None) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on ``console`` (a terminal only); yields the callback for check_paths."""
    if console is None or not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("checking", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def render_summary(summary: Any, fmt: SummaryFormat, lang: Lang, output: Path | None) -> None:
    """Write ``summary`` in ``fmt`` to ``output`` (atomically) or to standard output."""
    from .fileio import write_atomic
    from .reporters.rich_report import make_console

    if fmt is SummaryFormat.RICH:
        from .reporters.summary_rich import render_summary_rich

        if output is None:
            render_summary_rich(summary, make_console(), lang)
            return
        buffer = io.StringIO()
        render_summary_rich(summary, make_console(buffer, width=160, color=False), lang)
        text = buffer.getvalue()
    else:
        text = _format(summary, fmt, lang)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        click.echo(f"complycheck: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(ExitCode.ERROR)


def _format(summary: Any, fmt: SummaryFormat, lang: Lang) -> str:
    if fmt is SummaryFormat.JSON:
        from .reporters.summary_json import summary_json

        return summary_json(summary)
    if fmt is SummaryFormat.HTML:
        from .reporters.html import summary_html

        return summary_html(summary, lang)
    from .reporters.summary_tables import summary_csv, summary_markdown

    return (
        summary_csv(summary, lang) if fmt is SummaryFormat.CSV else summary_markdown(summary, lang)
    )


def summary_exit_code(report: Report, fail_on: Severity | None) -> int:
    """Bits: 1 for findings at or above ``fail_on``, 2 for input errors or rule failures."""
    code = 0
    if fail_on is not None and any(f.severity.rank >= fail_on.rank for f in report.findings):
        code |= ExitCode.FINDINGS
    if report.input_errors or any(p.failures for p in report.plans):
        code |= ExitCode.ERROR
    return code


@cli.command("summary", epilog=SUMMARY_EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@LANG_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in SummaryFormat]),
    default=SummaryFormat.RICH.value,
    show_default=True,
    help="rich: tables in the terminal; markdown; csv: one row per finding; json: every "
    "table and finding; html: one self-contained page with charts and a findings table.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the summary to this file (replaced whole, never half-written).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many of the worst plans and units to list.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="error",
    show_default=True,
    help="Lowest severity that sets exit code bit 1.",
)
@DB_OPTION
@click.option(
    "--compare",
    "compare_with",
    metavar="RUN",
    default=None,
    help="With --db: show, per plan, the findings new, fixed and persisting since run RUN "
    "(its id, as `complycheck history` lists, or `last`).",
)
@RULES_OPTION
@PACK_OPTION
@AS_OF_OPTION
@ENGINE_OPTION
@JOBS_OPTION
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def summary_command(
    paths: tuple[Path, ...],
    lang: str | None,
    fmt: str,
    output: Path | None,
    top: int,
    fail_on: str,
    db: Path | None,
    compare_with: str | None,
    rule_dirs: tuple[Path, ...],
    packs: tuple[str, ...],
    as_of: Any,
    engine: str,
    jobs: int,
    quiet: bool,
) -> None:
    """Check many plans and summarise the findings: by rule, severity and jurisdiction, the
    worst plans and units, and the quotas and grids involved."""
    from .check import check_paths, tune_collector
    from .summary import summarise

    if compare_with is not None and db is None:
        raise click.UsageError("--compare needs --db (the history database to compare with)")
    language = Lang(lang) if lang else default_lang()
    rulebook = _rulebook(rule_dirs)
    tune_collector()
    options = run_options(rulebook, packs, as_of, locate=db is not None)
    try:
        from .reporters.rich_report import make_console

        with progress_bar(None if quiet else make_console(sys.stderr)) as advance:
            report = check_paths(
                paths,
                rulebook,
                make_engine(EngineName(engine)),
                options,
                jobs=jobs or os.cpu_count() or 1,
                rule_dirs=rule_dirs,
                progress=advance,
                freeze_reports=True,
            )
    except RulebookError as exc:
        _broken_rulebook(exc)
    run_id, comparison = None, None
    if db is not None:
        recorded = record(
            db,
            report,
            rulebook,
            command="summary",
            paths=paths,
            options=options,
            rule_dirs=rule_dirs,
            compare_with=compare_with,
        )
        report, run_id, comparison = recorded.report, recorded.run_id, recorded.comparison
    summary = summarise(report, rulebook, top=top, comparison=comparison, run_id=run_id)
    render_summary(summary, SummaryFormat(fmt), language, output)
    level = None if fail_on == "never" else Severity(fail_on)
    sys.exit(summary_exit_code(report, level))


@cli.command("history")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The history database.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many runs to list, the latest first.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for reading, or JSON for tools.",
)
@LANG_OPTION
def history_command(db: Path, limit: int, fmt: str, lang: str | None) -> None:
    """List the runs recorded in a history database, the latest first."""
    from .history.store import HistoryError, open_history
    from .reporters.history_table import print_runs, runs_json

    language = Lang(lang) if lang else default_lang()
    try:
        with open_history(db) as history:
            runs = history.runs(limit=limit)
    except HistoryError as exc:
        _history_failed(exc)
    if fmt == "json":
        click.echo(runs_json(runs), nl=False)
    else:
        print_runs(runs, language)
