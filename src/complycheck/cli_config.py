"""Command-line pieces of the checks run in CI: the options that override the configuration
file (shared by ``check`` and ``config``), their reading into settings, ``--format`` and
``--output`` in the order given, and errors that stop a run before it starts."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .errors import InputError, Problem
from .findings import Severity
from .report import ExitCode

if TYPE_CHECKING:
    from .config import Settings
    from .rulebook.load import Rulebook


def fatal(title: str, problems: Sequence[Problem]) -> NoReturn:
    """Print located problems that stop the run, under ``complycheck: title:``, and exit 2."""
    exit_with_problems(f"complycheck: {title}:", problems)


def exit_with_problems(header: str, problems: Sequence[Problem]) -> NoReturn:
    """Print ``header`` and each located problem to stderr, and exit 2."""
    from .reporters.rich_report import make_console

    err = make_console(sys.stderr)
    err.print(header, style="sev.error")
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    sys.exit(ExitCode.ERROR)


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """Repeatable, comma-separated rule selectors; None when none were given."""
    if not values:
        return None
    return tuple(p.strip().upper() for v in values for p in v.split(",") if p.strip())


def _severity_pairs(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        rule_id, eq, level = value.partition("=")
        level = level.strip().lower()
        if not eq or not rule_id.strip() or level not in {s.value for s in Severity}:
            raise click.BadParameter(
                f"expected RULE=LEVEL with LEVEL error, warning or info; got {value!r}",
                param_hint="--severity",
            )
        pairs.append((rule_id.strip().upper(), level))
    return tuple(pairs)


def config_options(function: Any) -> Any:
    """The options that override the configuration file, shared by check and config."""
    options = [
        click.option(
            "--fail-on",
            type=click.Choice(["error", "warning", "never"]),
            default=None,
            help="Lowest severity of an open finding that makes the exit code 1. "
            "Default: error (or fail-on in the configuration).",
        ),
        click.option(
            "--select",
            multiple=True,
            metavar="IDS",
            help="Report only these rules: ids or id prefixes (R1 stands for R10-R19), "
            "comma-separated or repeated. Replaces select in the configuration.",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="IDS",
            help="Do not report these rules (ids or prefixes). The longest matching selector "
            "decides; at equal length ignore wins. Replaces ignore in the configuration.",
        ),
        click.option(
            "--severity",
            "severities",
            multiple=True,
            metavar="RULE=LEVEL",
            help="Report RULE at LEVEL (error, warning or info). Repeatable; overrides the "
            "configuration's severity table rule by rule.",
        ),
        click.option(
            "--waivers",
            "waiver_files",
            multiple=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="A waiver file (YAML or JSON). Repeatable; replaces waivers in the "
            "configuration. A plan's own waivers always apply.",
        ),
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="A baseline file: findings listed in it are known and do not fail the run; "
            "findings no longer found are reported as fixed.",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="Use this configuration file instead of the complycheck.toml or "
            "pyproject.toml [tool.complycheck] found by walking up from the plans.",
        ),
        click.option("--no-config", is_flag=True, help="Use no configuration file."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def settings_from(
    paths: tuple[Path, ...],
    *,
    lang: str | None,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    severities: tuple[str, ...],
    waiver_files: tuple[Path, ...],
    baseline: Path | None,
    rule_dirs: tuple[Path, ...],
    config_file: Path | None,
    no_config: bool,
) -> Settings:
    from .config import CommandLine, resolve

    given = CommandLine(
        lang=lang,
        fail_on=fail_on,
        select=_split(select),
        ignore=_split(ignore),
        severity=_severity_pairs(severities),
        waivers=waiver_files or None,
        baseline=baseline,
        rules=rule_dirs or None,
    )
    try:
        return resolve(paths, given, config_file=config_file, use_config=not no_config)
    except InputError as exc:
        fatal("the configuration cannot be used", exc.problems)


def check_rule_selection(rulebook: Rulebook, settings: Settings) -> None:
    """Exit 2 when a selector or severity names no rule of the rulebook."""
    from .config import check_rule_ids
    from .waivers import RESERVED_RULES

    problems = check_rule_ids(settings, [*(r.spec.id for r in rulebook.rules), *RESERVED_RULES])
    if problems:
        fatal("the configuration cannot be used", problems)


class OrderedCommand(click.Command):
    """A command that keeps its arguments as given: what --output means depends on the
    --format before it, and click gathers each option's values apart."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["complycheck.args"] = list(args)
        return super().parse_args(ctx, args)


def output_requests(
    ctx: click.Context, formats: tuple[str, ...], output: tuple[Path, ...]
) -> list[tuple[str, str]]:
    """--format and --output in the order they were given."""
    fallback = [("format", f) for f in formats] + [("output", str(o)) for o in output]
    args = ctx.meta.get("complycheck.args")
    if args is None:
        return fallback
    takes_value = {
        opt: param.name
        for param in ctx.command.params
        if isinstance(param, click.Option) and not param.is_flag and not param.count
        for opt in param.opts
    }
    requests: list[tuple[str, str]] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        name, value = token, None
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
        elif not token.startswith("--") and len(token) > 2 and token[:2] in takes_value:
            name, value = token[:2], token[2:]
        if name not in takes_value:
            continue
        value = next(tokens, "") if value is None else value
        if takes_value[name] in ("formats", "output"):
            requests.append(("format" if takes_value[name] == "formats" else "output", value))
    given = [v for kind, v in requests if kind == "format"]
    outputs = [v for kind, v in requests if kind == "output"]
    if given != list(formats) or outputs != [str(o) for o in output]:
        return fallback  # written in a way this reading does not follow (clustered flags)
    return requests
