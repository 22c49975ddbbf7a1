"""Line formats built from the canonical report: ``text``, one line per finding
(``file:line:col: ID severity message``), and ``github``, workflow commands that GitHub
Actions shows as annotations on the pull request."""

from __future__ import annotations

from ..i18n import Lang
from .canonical import CanonicalReport, FindingDoc
from .words import pick, status_word, summary_line, word

INPUT_ERROR = "INPUT-ERROR"


def _status(doc: FindingDoc, lang: Lang) -> str:
    return "" if doc["status"] == "open" else f" ({status_word(doc, lang)})"


def render_text(doc: CanonicalReport, lang: Lang) -> str:
    """One line per finding, rule failure and input error, then the summary line. The
    severity is the English code, whatever the language, so that tools can read it."""
    lines = [
        f"{f['display']}: {f['rule_id']} {f['severity']}{_status(f, lang)} "
        f"{pick(f['message'], lang)}"
        for f in doc["findings"]
    ]
    for plan in doc["plans"]:
        for failure in plan["failures"]:
            lines.append(
                f"{plan['file']}: {failure['rule_id']} error "
                f"{word('rule_failed', lang)}: {failure['message']}"
            )
    for problem in doc["input_errors"]:
        at = f"at {problem['path']} " if problem["path"] else ""
        lines.append(f"{problem['display']}: {INPUT_ERROR} error {at}{problem['message']}")
    lines.append(summary_line(doc, lang))
    return "\n".join(lines) + "\n"


# --- GitHub Actions workflow commands ---------------------------------------------------------

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(value: object) -> str:
    return _data(str(value)).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, message: str, **props: object) -> str:
    shown = ",".join(f"{k}={_prop(v)}" for k, v in props.items() if v is not None)
    return f"::{level} {shown}::{_data(message)}"


def render_github(doc: CanonicalReport, lang: Lang) -> str:
    """``::error file=…,line=…,col=…,title=…::message`` for each finding; waived and known
    findings are notices. Then rule failures, input errors and the summary line."""
    lines: list[str] = []
    for f in doc["findings"]:
        level = _LEVELS[f["severity"]] if f["status"] == "open" else "notice"
        loc = f["location"]
        message = f"{pick(f['message'], lang)}\n{word('fix', lang)}: {pick(f['remediation'], lang)}"
        if f["waiver"] is not None:
            message += f"\n{word('waiver', lang)}: {f['waiver']['reason']}"
        title = f"{f['rule_id']} {f['entity_key']}{_status(f, lang)}"
        lines.append(
            _command(
                level, message, file=loc["file"], line=loc["line"], col=loc["column"], title=title
            )
        )
    for plan in doc["plans"]:
        for failure in plan["failures"]:
            title = f"{failure['rule_id']} {word('rule_failed', lang)}"
            lines.append(_command("error", failure["message"], file=plan["file"], title=title))
    for problem in doc["input_errors"]:
        at = f"at {problem['path']} " if problem["path"] else ""
        lines.append(
            _command(
                "error",
                at + problem["message"],
                file=problem["file"],
                line=problem["line"],
                col=problem["column"],
                title=word("input_error", lang),
            )
        )
    lines.append(summary_line(doc, lang))
    return "\n".join(lines) + "\n"
