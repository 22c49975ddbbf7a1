"""Report formats and where each goes: the registry of formats, ``--format FMT[=FILE]``
parsing, and writing every output of a run (files atomically).

``rich`` renders the report for reading; every other format is built from the canonical
document (:mod:`.canonical`), which is built once per run. Each format's module is imported
when the format is written, so that a run pays only for the formats it writes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..fileio import write_atomic
from ..findings import Severity
from ..i18n import Lang
from ..report import Report
from ..rulebook.load import Rulebook
from .formats import OutputFormat

if TYPE_CHECKING:
    from .canonical import CanonicalReport

Renderer = Callable[["CanonicalReport", Lang], str]


def render_json(doc: CanonicalReport, lang: Lang) -> str:
    """The canonical document itself; both languages are in it, whatever ``lang``."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def renderer(fmt: OutputFormat, now: dt.datetime | None = None) -> Renderer:
    """The renderer of a machine format (not ``rich``); ``now``: the time a format that needs
    one records."""
    if fmt is OutputFormat.JSON:
        return render_json
    if fmt is OutputFormat.SARIF:
        from .sarif import render_sarif

        return render_sarif
    if fmt is OutputFormat.JUNIT:
        from .junit import render_junit

        return partial(render_junit, now=now)
    if fmt is OutputFormat.MARKDOWN:
        from .markdown import render_markdown

        return render_markdown
    from .text import render_github, render_text

    if fmt is OutputFormat.TEXT:
        return render_text
    if fmt is OutputFormat.GITHUB:
        return render_github
    raise ValueError(f"{fmt.value} is not a machine format")


@dataclass(frozen=True)
class Output:
    format: OutputFormat
    file: Path | None = None  # None: standard output


class OutputError(ValueError):
    """Formats and files that do not go together."""


Request = tuple[str, str]  # ("format", "FMT[=FILE]") or ("output", "FILE"), in order


def _format(spec: str) -> Output:
    name, eq, file = spec.partition("=")
    try:
        fmt = OutputFormat(name.strip().lower())
    except ValueError:
        known = ", ".join(f.value for f in OutputFormat)
        raise OutputError(f"unknown format {name!r}; expected one of: {known}") from None
    if eq and not file.strip():
        raise OutputError(f"{spec!r} names no file: write {name}=FILE, or {name} alone")
    return Output(fmt, Path(file.strip()) if eq else None)


def parse_outputs(requests: Sequence[Request]) -> list[Output]:
    """``--format FMT[=FILE]`` and ``--output FILE``, in command-line order, as outputs.

    ``--output FILE`` is the file of the ``--format`` just before it (of the default ``rich``
    when no format is given). At most one output goes to standard output, and no two to the
    same file.
    """
    parsed: list[Output] = []
    open_for_output: int | None = None  # the last format given without a file
    default_file: Path | None = None
    for kind, value in requests:
        if kind == "format":
            parsed.append(_format(value))
            open_for_output = len(parsed) - 1 if parsed[-1].file is None else None
        elif not parsed and default_file is None:
            default_file = Path(value)
        elif open_for_output is None:
            raise OutputError(
                f"--output {value} must follow a --format that has no file of its own "
                "(--format sarif --output complycheck.sarif, or --format sarif=complycheck.sarif)"
            )
        else:
            parsed[open_for_output] = replace(parsed[open_for_output], file=Path(value))
            open_for_output = None
    if default_file is not None:
        if parsed:
            raise OutputError("--output must follow the --format it is for")
        parsed.append(Output(OutputFormat.RICH, default_file))
    parsed = parsed or [Output(OutputFormat.RICH)]
    to_stdout = [o.format.value for o in parsed if o.file is None]
    if len(to_stdout) > 1:
        raise OutputError(
            f"only one format can go to standard output ({', '.join(to_stdout)} would); "
            "give the others a file: --format sarif=complycheck.sarif"
        )
    files = [str(o.file) for o in parsed if o.file is not None]
    duplicate = next((f for f in files if files.count(f) > 1), None)
    if duplicate is not None:
        raise OutputError(f"two formats would be written to the same file {duplicate!r}")
    return parsed


@dataclass(frozen=True)
class RunOutput:
    """What the outputs of a run are made of."""

    report: Report
    rulebook: Rulebook
    lang: Lang
    fail_on: Severity | None
    severities: Mapping[str, Severity]
    quiet: bool = False
    now: dt.datetime | None = None


def write_outputs(outputs: Sequence[Output], run: RunOutput, echo: Callable[[str], None]) -> None:
    """Write each output: to its file atomically, or through ``echo`` (the rich report to
    the terminal directly)."""
    doc: CanonicalReport | None = None
    for out in outputs:
        if out.format is OutputFormat.RICH:
            from .rich_report import make_console, render_rich

            if out.file is None:
                render_rich(run.report, make_console(), run.lang, quiet=run.quiet)
                continue
            buffer = io.StringIO()
            console = make_console(buffer, width=100, color=False)
            render_rich(run.report, console, run.lang, quiet=run.quiet)
            write_atomic(out.file, buffer.getvalue())
            continue
        if doc is None:
            from .canonical import build

            doc = build(run.report, run.rulebook, fail_on=run.fail_on, severities=run.severities)
        text = renderer(out.format, run.now)(doc, run.lang)
        if out.file is None:
            echo(text)
        else:
            write_atomic(out.file, text)
