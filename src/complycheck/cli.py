"""The command line: parse options, call the core, hand the result to a reporter, exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .cli_config import (
    OrderedCommand,
    check_rule_selection,
    config_options,
    exit_with_problems,
    fatal,
    output_requests,
    settings_from,
)
from .editor import SCHEMA_FILE
from .engine import EngineName, make_engine
from .errors import InputError, Problem, RulebookError
from .i18n import Lang, default_lang
from .report import ExitCode
from .reporters.formats import FORMAT_HELP

if TYPE_CHECKING:
    from .config import Settings
    from .policy import Policy
    from .report import Report
    from .rulebook.load import Rulebook

EXIT_CODES_HELP = """\b
Exit codes:
  0  no open findings at or above the --fail-on level
     (waived findings and findings known from the baseline do not count)
  1  open findings at or above the --fail-on level
  2  usage error, unreadable or invalid plan, configuration, waiver or
     baseline file, broken rule file, or a rule that could not be evaluated
"""

OUTPUTS_HELP = """\b
Outputs: --format FMT writes to standard output; --format FMT=FILE, or
--format FMT --output FILE, writes FILE (atomically). Repeat --format for
several outputs in one run, at most one of them to standard output, e.g.
  --format sarif --output r.sarif --format junit=junit.xml --format rich
Formats:
""" + "\n".join(f"  {fmt.value:<9} {text}" for fmt, text in FORMAT_HELP.items())

VALIDATE_EXIT_CODES_HELP = """\b
Exit codes:
  0  every plan is valid
  2  usage error, or a plan that cannot be read or is invalid
"""

FILE_EXIT_CODES_HELP = """\b
Exit codes:
  0  the file was written (or printed)
  2  usage error, an invalid input, or a file that exists or cannot be written
"""

LANG_OPTION = click.option(
    "--lang",
    type=click.Choice([lang.value for lang in Lang], case_sensitive=False),
    default=None,
    help="Report language: zh (simplified characters), zh-Hant (traditional characters) or "
    "en. Default: lang in the configuration file (check, config), else from the locale "
    "(zh-Hant for zh_TW, zh_HK and zh_MO, zh for other zh_* locales), else en.",
)
RULES_OPTION = click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of extra rule files (and packs in its packs/ folder), added to the "
    "built-in rulebook. Repeatable.",
)

PACK_OPTION = click.option(
    "--pack",
    "packs",
    multiple=True,
    metavar="ID",
    help="Apply this policy pack instead of the packs chosen by each plan's jurisdiction "
    "(or named in the plan). Repeatable; `complycheck rules` lists the packs.",
)
AS_OF_OPTION = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Apply the rules and parameter values in force on this date (YYYY-MM-DD) "
    "instead of the plan's date.",
)
ENGINE_OPTION = click.option(
    "--engine",
    type=click.Choice([e.value for e in EngineName]),
    default=EngineName.AUTO.value,
    show_default=True,
    help="durable: durable-rules, the engine of record; python: the plain-Python evaluator "
    "of the same compiled rules (identical findings, far faster); auto: durable-rules for "
    "plans of up to 1,000 facts, python for larger ones.",
)
JOBS_OPTION = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Check plans in this many worker processes (0: one per CPU, for 4 plans or more). "
    "The report is the same.",
)
DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Record the run in this history database (SQLite; created if missing), and flag "
    "units asked staffing for while findings on them from earlier runs are still open (R19).",
)


def _rulebook(rule_dirs: tuple[Path, ...]) -> Rulebook:
    """The rulebook, or exit 2 naming every problem in it."""
    from .rulebook.load import load_rulebook

    try:
        return load_rulebook(rule_dirs)
    except RulebookError as exc:
        _broken_rulebook(exc)


def _broken_rulebook(exc: RulebookError) -> NoReturn:
    fatal("the rulebook cannot be used", exc.problems)


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="complycheck")
def cli() -> None:
    """Check institutional-reform (机构编制) plans against the policy rulebook."""


@cli.command(cls=OrderedCommand, epilog=EXIT_CODES_HELP + "\n" + OUTPUTS_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@LANG_OPTION
@RULES_OPTION
@PACK_OPTION
@AS_OF_OPTION
@ENGINE_OPTION
@JOBS_OPTION
@click.option(
    "--quiet", "-q", is_flag=True, help="rich: print only the summary line (and input errors)."
)
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    metavar="FMT[=FILE]",
    help="Output format, and optionally the file to write it to. Repeatable: "
    "rich (default), text, json, sarif, junit, github, markdown.",
)
@click.option(
    "--output",
    "-o",
    "output",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the --format just before this option (or the default rich report) to FILE "
    "instead of standard output. Repeatable, one after each --format.",
)
@config_options
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write this run's findings to the --baseline file (atomically), keeping the entries "
    "of plans not checked; the run then counts them as known.",
)
@DB_OPTION
def check(
    paths: tuple[Path, ...],
    lang: str | None,
    rule_dirs: tuple[Path, ...],
    packs: tuple[str, ...],
    as_of: Any,
    engine: str,
    jobs: int,
    quiet: bool,
    formats: tuple[str, ...],
    output: tuple[Path, ...],
    update_baseline: bool,
    db: Path | None,
    **overrides: Any,
) -> None:
    """Check plans: YAML or JSON files, .xlsx ledgers and folders of CSV ledger sheets, or
    every plan under the given folders."""
    from .check import Options, check_paths, tune_collector
    from .policy import apply_policy, load_policy, run_date, source_date_epoch
    from .reporters.outputs import OutputError, RunOutput, parse_outputs, write_outputs
    from .source import max_file_size

    try:
        max_file_size()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        outputs = parse_outputs(output_requests(click.get_current_context(), formats, output))
    except OutputError as exc:
        raise click.BadParameter(str(exc), param_hint="--format/--output") from None
    settings = settings_from(paths, lang=lang, rule_dirs=rule_dirs, **overrides)
    if update_baseline and settings.baseline.value is None:
        raise click.BadParameter(
            "needs a baseline file: --baseline FILE, or baseline in the configuration",
            param_hint="--update-baseline",
        )
    rulebook = _rulebook(settings.rules.value)
    check_rule_selection(rulebook, settings)
    try:
        now = source_date_epoch()
        policy = load_policy(settings, run_date(), update_baseline=update_baseline)
    except InputError as exc:
        fatal("the waivers or the baseline cannot be used", exc.problems)
    tune_collector()
    unknown = [p for p in packs if p not in rulebook.packs.packs]
    if unknown:
        known = ", ".join(sorted(rulebook.packs.packs))
        raise click.BadParameter(
            f"unknown pack {unknown[0]!r}; known: {known}", param_hint="--pack"
        )
    options = Options(
        packs=packs,
        as_of=as_of.date() if as_of else None,
        profiles=db is not None,
        locate_requests=db is not None,
    )
    workers = jobs or os.cpu_count() or 1
    try:
        report = check_paths(
            paths,
            rulebook,
            make_engine(EngineName(engine)),
            options,
            jobs=workers,
            rule_dirs=settings.rules.value,
            freeze_reports=True,
        )
    except RulebookError as exc:  # found while checking (a worker's rulebook, say): still fatal
        _broken_rulebook(exc)
    report = apply_policy(report, policy, {r.spec.id for r in rulebook.rules})
    if update_baseline:
        report = _update_baseline(report, policy, settings)
    if db is not None:
        from .cli_summary import record

        recorded = record(
            db, report, rulebook, command="check", paths=paths, options=options, rule_dirs=rule_dirs
        )
        report = recorded.report
    run = RunOutput(
        report=report,
        rulebook=rulebook,
        lang=settings.lang.value,
        fail_on=settings.fail_level,
        severities=policy.severities,
        quiet=quiet,
        now=now,
    )
    try:
        write_outputs(outputs, run, lambda text: click.echo(text, nl=False))
    except OSError as exc:
        where = exc.filename or "the output"
        fatal("an output cannot be written", [Problem(str(where), None, str(exc.strerror))])
    if db is not None:
        click.echo(f"complycheck: recorded as run #{recorded.run_id} in {db}", err=True)
    sys.exit(report.exit_code(settings.fail_level))


def _update_baseline(report: Report, policy: Policy, settings: Settings) -> Report:
    """Write the baseline; say on standard error what changed, or why it was not written."""
    from .policy import update_baseline

    path = settings.baseline.value
    assert path is not None
    new = sum(1 for f in report.findings if f.baseline == "new")
    fixed = len(report.fixed or ())
    try:
        report = update_baseline(report, policy, path)
    except InputError as exc:
        for problem in exc.problems:
            click.echo(f"complycheck: {problem}", err=True)
        return report
    known = sum(1 for f in report.findings if f.baseline == "known")
    click.echo(
        f"complycheck: baseline {path} updated: {known} finding(s); "
        f"{new} added, {fixed} fixed since the previous baseline",
        err=True,
    )
    return report


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


# The summary and history commands register themselves on the group.
from . import cli_summary  # noqa: E402, F401


@cli.command("config")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@LANG_OPTION
@RULES_OPTION
@config_options
def config_command(
    paths: tuple[Path, ...], lang: str | None, rule_dirs: tuple[Path, ...], **overrides: Any
) -> None:
    """Show the configuration a check of PATHS (default: the current folder) would use: each
    value and where it comes from (the command line, a configuration file and line, or the
    default). Takes the options of check that override the configuration."""
    from .config import describe

    settings = settings_from(paths, lang=lang, rule_dirs=rule_dirs, **overrides)
    rulebook = _rulebook(settings.rules.value)
    check_rule_selection(rulebook, settings)
    click.echo(describe(settings), nl=False)


@cli.command("validate", epilog=VALIDATE_EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@LANG_OPTION
@RULES_OPTION
def validate_command(
    paths: tuple[Path, ...], lang: str | None, rule_dirs: tuple[Path, ...]
) -> None:
    """Check the format of plans only (YAML, JSON, .xlsx ledgers or folders of CSV ledger
    sheets): fields, values and references, and the packs they name. No rule is applied."""
    from .plans import validate_paths
    from .reporters.rich_report import make_console
    from .reporters.validation import render_validation

    language = Lang(lang) if lang else default_lang()
    rulebook = _rulebook(rule_dirs)
    result = validate_paths(paths, rulebook.packs.packs)
    render_validation(result, make_console(), language)
    sys.exit(ExitCode.ERROR if result.invalid else ExitCode.OK)


@cli.command("import", epilog=FILE_EXIT_CODES_HELP)
@click.argument("ledger", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the YAML plan to this file (default: print it).",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def import_command(ledger: Path, output: Path | None, force: bool) -> None:
    """Convert a ledger (an .xlsx workbook, or a folder of CSV sheets) into a YAML plan. The
    ledger is read and validated first; it is never changed."""
    from .editor import same_file
    from .errors import InputError
    from .ledger import is_ledger, read_ledger, validate_ledger
    from .ledger.to_yaml import plan_yaml

    if not is_ledger(ledger):
        raise click.BadParameter(
            "expected an .xlsx workbook or a folder of CSV ledger sheets (docs/ledger-format.md)",
            param_hint="LEDGER",
        )
    if output is not None and output.exists() and same_file(output, ledger):
        raise click.BadParameter("the output would replace the ledger itself", param_hint="-o")
    try:
        builder = read_ledger(ledger)
        validate_ledger(builder)
    except InputError as exc:
        _input_errors(exc)
    if _print_or_write(plan_yaml(builder.data, str(ledger)), output, force=force):
        click.echo(f"complycheck: wrote {output}", err=True)


@cli.command("schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the schema to this file (default: print it).",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def schema_command(output: Path | None, force: bool) -> None:
    """Print the JSON Schema of a plan, for editors (the YAML language server completes and
    checks plans with it: see docs/plan-format.md, "Editor support")."""
    from .schema import schema_json

    _print_or_write(schema_json(), output, force=force)


@cli.command("init", epilog=FILE_EXIT_CODES_HELP)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="plan.yaml")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.option(
    "--schema",
    "with_schema",
    is_flag=True,
    help=f"Also write the plan's JSON Schema ({SCHEMA_FILE}) beside it, and point the plan at "
    "it for editors.",
)
def init_command(path: Path, force: bool, with_schema: bool) -> None:
    """Write a commented template plan to PATH (default: plan.yaml). A PATH ending in .xlsx
    gets a template ledger workbook instead: every sheet with its headers."""
    from .editor import Exists, template_plan, write_new, write_workbook_file
    from .ledger import WORKBOOK_SUFFIXES
    from .schema import schema_json

    try:
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            if with_schema:
                raise click.BadParameter("--schema is for YAML plans", param_hint="--schema")
            write_workbook_file(path, None, force=force)
        else:
            schema = path.parent / SCHEMA_FILE if with_schema else None
            if schema is not None:
                write_new(schema, schema_json(), force=force)
            write_new(
                path,
                template_plan(path.name, schema=SCHEMA_FILE if schema else None),
                force=force,
            )
    except Exists as exc:
        _exists(Path(str(exc)))
    except OSError as exc:
        _cannot_write(path, exc)
    click.echo(f"complycheck: wrote {path}", err=True)


def _input_errors(exc: InputError) -> NoReturn:
    exit_with_problems("Input errors:", exc.problems)


def _print_or_write(text: str, output: Path | None, *, force: bool) -> bool:
    """Print ``text``, or write it to ``output`` (a new file unless ``force``); exit 2 naming
    the file when it cannot be written. Whether a file was written."""
    from .editor import Exists, write_new

    if output is None:
        click.echo(text, nl=False)
        return False
    try:
        write_new(output, text, force=force)
    except Exists:
        _exists(output)
    except OSError as exc:
        _cannot_write(output, exc)
    return True


def _exists(path: Path) -> NoReturn:
    click.echo(f"complycheck: {path} exists; use --force to replace it", err=True)
    sys.exit(ExitCode.ERROR)


def _cannot_write(path: Path, exc: OSError) -> NoReturn:
    click.echo(f"complycheck: cannot write {path}: {exc.strerror or exc}", err=True)
    sys.exit(ExitCode.ERROR)


def main() -> None:
    """The ``complycheck`` command. Once it is done and its output flushed, the process ends
    at once, without freeing one by one the objects it built (for a national batch, about
    0.9 s spent on nothing). Under a profiler, a tracer or a debugger (cProfile, coverage,
    pdb), it exits the ordinary way, so that they can write what they gathered."""
    try:
        cli(prog_name="complycheck")
    except SystemExit as exc:
        # Held to the end: its traceback holds the command's frames and, with them, the
        # report, which leaving the except clause would otherwise free object by object.
        ended = exc
    else:  # pragma: no cover - in standalone mode click always exits
        ended = SystemExit(ExitCode.OK)
    status = _status(ended.code)
    if not _flushed() or _observed():
        sys.exit(status)  # the interpreter reports the closed pipe; the profiler writes its data
    os._exit(status)


def _flushed() -> bool:
    """Whether standard output and error could be flushed (not, say, into a closed pipe)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        return False
    return True


def _observed() -> bool:
    """Whether a profiler, tracer or monitoring tool watches this process."""
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12
    return monitoring is not None and any(monitoring.get_tool(i) for i in range(6))


def _status(code: object) -> int:
    """The exit status ``sys.exit(code)`` gives (a message is printed, and the status is 1)."""
    if code is None:
        return ExitCode.OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
