"""The command line: parse options, call the core, hand the report to a reporter, exit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .engine import EngineName, make_engine
from .errors import RulebookError
from .findings import Severity
from .i18n import Lang, default_lang
from .report import ExitCode

EXIT_CODES_HELP = """\b
Exit codes:
  0  no findings at or above the --fail-on level
  1  findings at or above the --fail-on level
  2  usage error, unreadable or invalid plan, broken rule file,
     or a rule that could not be evaluated
"""


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="complycheck")
def cli() -> None:
    """Check institutional-reform (机构编制) plans against the policy rulebook."""


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path),
)
@click.option(
    "--lang",
    type=click.Choice([lang.value for lang in Lang]),
    default=None,
    help="Report language. Default: from the locale (zh for zh_* locales), else en.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of extra rule files, added to the built-in rulebook. Repeatable.",
)
@click.option(
    "--engine",
    type=click.Choice([e.value for e in EngineName]),
    default=EngineName.DURABLE.value,
    show_default=True,
    help="durable: durable-rules, the engine of record; "
    "python: the plain-Python evaluator of the same compiled rules.",
)
def check(
    paths: tuple[Path, ...],
    lang: str | None,
    fail_on: str,
    rule_dirs: tuple[Path, ...],
    engine: str,
) -> None:
    """Check plan files (YAML or JSON), or every plan file under the given folders."""
    from .check import check_paths
    from .reporters.rich_report import make_console, render_rich
    from .rulebook.load import load_rulebook

    language = Lang(lang) if lang else default_lang()
    err = make_console(sys.stderr)
    try:
        rulebook = load_rulebook(rule_dirs)
    except RulebookError as exc:
        err.print("complycheck: the rulebook cannot be used:", style="sev.error")
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        sys.exit(ExitCode.ERROR)
    report = check_paths(paths, rulebook, make_engine(EngineName(engine)))
    render_rich(report, make_console(), language)
    level = None if fail_on == "never" else Severity(fail_on)
    sys.exit(report.exit_code(level))


def main() -> None:
    cli(prog_name="complycheck")
