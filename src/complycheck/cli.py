"""The command line: parse options, call the core, hand the result to a reporter, exit."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .engine import EngineName, make_engine
from .errors import RulebookError
from .findings import Severity
from .i18n import Lang, default_lang
from .report import ExitCode

if TYPE_CHECKING:
    from .rulebook.load import Rulebook

EXIT_CODES_HELP = """\b
Exit codes:
  0  no findings at or above the --fail-on level
  1  findings at or above the --fail-on level
  2  usage error, unreadable or invalid plan, broken rule file,
     or a rule that could not be evaluated
"""

LANG_OPTION = click.option(
    "--lang",
    type=click.Choice([lang.value for lang in Lang]),
    default=None,
    help="Report language. Default: from the locale (zh for zh_* locales), else en.",
)
RULES_OPTION = click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of extra rule files (and packs in its packs/ folder), added to the "
    "built-in rulebook. Repeatable.",
)


def _rulebook(rule_dirs: tuple[Path, ...]) -> Rulebook:
    """The rulebook, or exit 2 naming every problem in it."""
    from .rulebook.load import load_rulebook

    try:
        return load_rulebook(rule_dirs)
    except RulebookError as exc:
        _broken_rulebook(exc)


def _broken_rulebook(exc: RulebookError) -> NoReturn:
    from .reporters.rich_report import make_console

    err = make_console(sys.stderr)
    err.print("complycheck: the rulebook cannot be used:", style="sev.error")
    for problem in exc.problems:
        err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    sys.exit(ExitCode.ERROR)


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="complycheck")
def cli() -> None:
    """Check institutional-reform (机构编制) plans against the policy rulebook."""


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@LANG_OPTION
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@RULES_OPTION
@click.option(
    "--pack",
    "packs",
    multiple=True,
    metavar="ID",
    help="Apply this policy pack instead of the packs chosen by the plan's jurisdiction "
    "(or named in the plan). Repeatable; `complycheck rules` lists the packs.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Apply the rules and parameter values in force on this date (YYYY-MM-DD) "
    "instead of the plan's date.",
)
@click.option(
    "--engine",
    type=click.Choice([e.value for e in EngineName]),
    default=EngineName.AUTO.value,
    show_default=True,
    help="durable: durable-rules, the engine of record; python: the plain-Python evaluator "
    "of the same compiled rules (identical findings, far faster); auto: durable-rules for "
    "plans of up to 1,000 facts, python for larger ones.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Check plans in this many worker processes (0: one per CPU, for 4 plans or more). "
    "The report is the same.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line (and input errors).")
def check(
    paths: tuple[Path, ...],
    lang: str | None,
    fail_on: str,
    rule_dirs: tuple[Path, ...],
    packs: tuple[str, ...],
    as_of: Any,
    engine: str,
    jobs: int,
    quiet: bool,
) -> None:
    """Check plan files (YAML or JSON), or every plan file under the given folders."""
    from .check import Options, check_paths
    from .reporters.rich_report import make_console, render_rich
    from .source import max_file_size

    try:
        max_file_size()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    language = Lang(lang) if lang else default_lang()
    rulebook = _rulebook(rule_dirs)
    # A run allocates many short-lived objects; the rulebook and modules live throughout.
    # Freezing those and collecting less often spares the collector from re-scanning them.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    unknown = [p for p in packs if p not in rulebook.packs.packs]
    if unknown:
        known = ", ".join(sorted(rulebook.packs.packs))
        raise click.BadParameter(
            f"unknown pack {unknown[0]!r}; known: {known}", param_hint="--pack"
        )
    options = Options(packs=packs, as_of=as_of.date() if as_of else None)
    workers = jobs or os.cpu_count() or 1
    try:
        report = check_paths(
            paths,
            rulebook,
            make_engine(EngineName(engine)),
            options,
            jobs=workers,
            rule_dirs=rule_dirs,
        )
    except RulebookError as exc:  # found while checking (a worker's rulebook, say): still fatal
        _broken_rulebook(exc)
    render_rich(report, make_console(), language, quiet=quiet)
    level = None if fail_on == "never" else Severity(fail_on)
    sys.exit(report.exit_code(level))


@cli.command("rules")
@LANG_OPTION
@RULES_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="A table for reading, JSON for tools, or Markdown (docs/rulebook.md).",
)
def rules_command(lang: str | None, rule_dirs: tuple[Path, ...], fmt: str) -> None:
    """List every rule: id, title, severity, policy packs and source; then the packs."""
    from .reporters.rulebook import print_rules, rules_json, rules_markdown

    language = Lang(lang) if lang else default_lang()
    rulebook = _rulebook(rule_dirs)
    if fmt == "json":
        click.echo(rules_json(rulebook))
    elif fmt == "markdown":
        click.echo(rules_markdown(rulebook), nl=False)
    else:
        print_rules(rulebook, language)


@cli.command("explain")
@click.argument("rule_id")
@LANG_OPTION
@RULES_OPTION
def explain_command(rule_id: str, lang: str | None, rule_dirs: tuple[Path, ...]) -> None:
    """Show one rule in full: its policy text, parameters by pack, examples and remedy."""
    from .reporters.rulebook import print_explain

    language = Lang(lang) if lang else default_lang()
    rulebook = _rulebook(rule_dirs)
    rule = rulebook.get(rule_id.upper())
    if rule is None:
        known = ", ".join(r.spec.id for r in rulebook.rules)
        raise click.BadParameter(f"no rule {rule_id!r}; known: {known}", param_hint="RULE_ID")
    print_explain(rulebook, rule, language)


def main() -> None:
    cli(prog_name="complycheck")
