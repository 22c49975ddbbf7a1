"""Markdown for a pull-request comment, built from the canonical report: the summary line, a
table of findings, and the details (how to fix, waivers, the policy text) collapsed below.

Everything taken from a plan is escaped: a plan's names cannot add links, images or HTML to
the comment.
"""

from __future__ import annotations

import re

from ..i18n import Lang
from .canonical import CanonicalReport, FindingDoc, RuleDoc
from .text import INPUT_ERROR
from .words import pick, summary_line, word

_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")  # emphasis, code, links, tables, headings


def escape(value: str) -> str:
    """``value`` as literal text in Markdown, on one line."""
    value = " ".join(value.split())
    value = _SPECIAL.sub(r"\\\1", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(value: str, *, in_table: bool = False) -> str:
    """``value`` as inline code, whatever backticks it holds (and, in a table, pipes)."""
    value = " ".join(value.split())
    if in_table:
        value = value.replace("|", "\\|")
    fence = "`"
    while fence in value:
        fence += "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _entity(f: FindingDoc) -> str:
    name = f["entity_name"]
    return escape(f["entity_key"] if name == f["entity_key"] else f"{f['entity_key']} {name}")


def _table(doc: CanonicalReport, lang: Lang) -> list[str]:
    heads = ("severity", "status", "rule", "location", "entity", "finding")
    lines = [
        "| " + " | ".join(word(h, lang) for h in heads) + " |",
        "|" + "---|" * len(heads),
    ]
    for f in doc["findings"]:
        cells = (
            word(f["severity"], lang),
            word(f["status"], lang),
            f["rule_id"],
            code(f["display"], in_table=True),
            _entity(f),
            escape(pick(f["message"], lang)),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _citation(rule: RuleDoc | None, lang: Lang) -> str | None:
    source = rule["source"] if rule else None
    if source is None:
        return None
    where = escape(f"{pick(source['jurisdiction'], lang)} {source['item']}")
    return f"{word('source', lang)}: {where} 「{escape(source['quote'])}」"


def _details(doc: CanonicalReport, lang: Lang) -> list[str]:
    rules = {r["id"]: r for r in doc["rules"]}
    out: list[str] = []
    for f in doc["findings"]:
        out.append(f"**{f['rule_id']}** {code(f['display'])} {_entity(f)}")
        out.append("")
        out.append(escape(pick(f["message"], lang)))
        out.append("")
        out.append(f"- {word('fix', lang)}: {escape(pick(f['remediation'], lang))}")
        if f["justification"]:
            out.append(f"- {word('justification', lang)}: {escape(f['justification'])}")
        waiver = f["waiver"]
        if waiver is not None:
            out.append(
                f"- {word('waiver', lang)}: {escape(waiver['reason'])} "
                f"({escape(waiver['document'])}, {word('approved_by', lang)} "
                f"{escape(waiver['approver'])}, {word('until', lang)} {waiver['expires']}; "
                f"{code(waiver['display'])})"
            )
        citation = _citation(rules.get(f["rule_id"]), lang)
        if citation:
            out.append(f"- {citation}")
        out.append("")
    return out


def _collapsed(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "</details>", ""]


def render_markdown(doc: CanonicalReport, lang: Lang) -> str:
    lines = ["### complycheck", "", escape(summary_line(doc, lang)), ""]
    if doc["findings"]:
        lines += [*_table(doc, lang), ""]
        count = len(doc["findings"])
        lines += _collapsed(f"{word('details', lang)} ({count})", _details(doc, lang))
    elif not doc["input_errors"]:
        lines += [word("no_findings", lang), ""]
    failures = [
        f"- {code(p['file'])} {x['rule_id']}: {word('rule_failed', lang)}: {escape(x['message'])}"
        for p in doc["plans"]
        for x in p["failures"]
    ]
    problems = [
        f"- {code(p['display'])} {INPUT_ERROR}: "
        + escape((f"at {p['path']} " if p["path"] else "") + p["message"])
        for p in doc["input_errors"]
    ]
    if failures or problems:
        lines += [*failures, *problems, ""]
    fixed = doc["fixed"] or []
    if fixed:
        body = [
            f"- {x['rule_id']} {code(x['file'])} {escape(x['entity_key'])}: "
            f"{escape(pick(x['message'], lang))}"
            for x in fixed
        ]
        lines += _collapsed(f"{word('fixed_since', lang)} ({len(fixed)})", [*body, ""])
    if doc["comparisons"]:
        body = [
            f"- {c['rule_id']} {code(c['plan_file'])}: {escape(pick(c['message'], lang))}"
            for c in doc["comparisons"]
        ]
        lines += _collapsed(f"{word('compares', lang)} ({len(doc['comparisons'])})", [*body, ""])
    return "\n".join(lines).rstrip("\n") + "\n"
