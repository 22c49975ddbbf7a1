"""SARIF 2.1.0, built from the canonical report, as GitHub code scanning takes it.

One run per invocation. The rules that ran are in ``tool.driver.rules`` with their titles,
rationale as help text, and the policy text they come from. Each result points at a file
relative to the checkout (``uriBaseId: %SRCROOT%``) and a region whose line and column start
at 1, and carries ``partialFingerprints`` that depend on what was found, not on where, so an
alert survives its lines moving. Waived findings carry an accepted external suppression, and
with a baseline each result has its ``baselineState``. Input errors are results of their own
(``INPUT-ERROR``), so that a plan that cannot be read never looks clean; rules that could not
be evaluated are tool notifications, and the run is then not successful.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from ..i18n import Lang
from .canonical import CanonicalReport, FindingDoc, ProblemDoc, RuleDoc
from .text import INPUT_ERROR
from .words import pick, word

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "complycheck/v1"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_BASELINE = {"new": "new", "known": "unchanged"}
_INPUT_RULE: RuleDoc = {
    "id": INPUT_ERROR,
    "title": {"zh": "无法读取的输入文件", "en": "An input file cannot be used"},
    "severity": "error",
    "rationale": {
        "zh": "方案或其他输入文件无法读取或不符合格式，无法检查；须先改正该文件。",
        "en": "A plan or another input file cannot be read or does not fit its format, so it "
        "cannot be checked; correct the file first.",
    },
    "source": None,
}


def _uri(file: str) -> str:
    return quote(file, safe="/")


def _help(rule: RuleDoc, lang: Lang) -> tuple[str, str]:
    """The rule's help as text and as Markdown: why, and the policy text it comes from."""
    rationale = pick(rule["rationale"], lang)
    source = rule["source"]
    if source is None:
        return rationale, rationale
    where = f"{pick(source['jurisdiction'], lang)} {source['item']} ({source['seed']})"
    text = f"{rationale}\n\n{word('source', lang)}: {where}\n{source['quote']}"
    markdown = f"{rationale}\n\n**{word('source', lang)}:** {where}\n\n> {source['quote']}"
    if lang is Lang.EN:
        text += f"\n{source['translation']}"
        markdown += f"\n>\n> {source['translation']}"
    return text, markdown


def _rule(rule: RuleDoc, lang: Lang) -> dict[str, Any]:
    text, markdown = _help(rule, lang)
    properties: dict[str, Any] = {"title": rule["title"]}
    if rule["source"] is not None:
        properties["policy"] = rule["source"]
    return {
        "id": rule["id"],
        "shortDescription": {"text": pick(rule["title"], lang)},
        "fullDescription": {"text": pick(rule["rationale"], lang)},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVELS[rule["severity"]]},
        "properties": properties,
    }


def _physical(location: dict[str, Any]) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": _uri(location["file"]), "uriBaseId": SRCROOT},
        "region": {
            "startLine": max(1, location["line"]),
            "startColumn": max(1, location["column"]),
        },
    }
    extra = {k: v for k, v in location.items() if k not in ("file", "line", "column")}
    if extra:  # a finer part of the location (a spreadsheet's sheet, say)
        physical["properties"] = extra
    return physical


def _result(f: FindingDoc, index: int, lang: Lang) -> dict[str, Any]:
    message = f"{pick(f['message'], lang)}\n{word('fix', lang)}: {pick(f['remediation'], lang)}"
    result: dict[str, Any] = {
        "ruleId": f["rule_id"],
        "ruleIndex": index,
        "level": _LEVELS[f["severity"]],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": _physical(f["location"]),
                "logicalLocations": [
                    {
                        "name": f["entity_key"],
                        "fullyQualifiedName": f"{f['plan_id']}/{f['entity']}/{f['entity_key']}",
                        "kind": f["entity"],
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT: f["fingerprint"]},
        "properties": {
            "planId": f["plan_id"],
            "planFile": f["plan_file"],
            "entity": f["entity"],
            "entityName": f["entity_name"],
            "status": f["status"],
            "values": f["values"],
            "message": f["message"],
            "remediation": f["remediation"],
        },
    }
    if f["justification"]:
        result["properties"]["justification"] = f["justification"]
    if f["waiver"] is not None:
        waiver = f["waiver"]
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": waiver["reason"],
                "location": {"physicalLocation": _physical(waiver["location"])},
                "properties": {
                    "approver": waiver["approver"],
                    "document": waiver["document"],
                    "expires": waiver["expires"],
                },
            }
        ]
    if f["baseline"] is not None:
        result["baselineState"] = _BASELINE[f["baseline"]]
    return result


def _input_error(problem: ProblemDoc, index: int) -> dict[str, Any]:
    at = f"at {problem['path']} " if problem["path"] else ""
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": _uri(problem["file"]), "uriBaseId": SRCROOT}
    }
    if problem["line"] is not None and problem["column"] is not None:
        physical["region"] = {
            "startLine": max(1, problem["line"]),
            "startColumn": max(1, problem["column"]),
        }
    identity = json.dumps(
        [problem["file"], problem["path"], problem["message"]], ensure_ascii=False
    )
    return {
        "ruleId": INPUT_ERROR,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": at + problem["message"]},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {
            FINGERPRINT: hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
        },
    }


def sarif_log(doc: CanonicalReport, lang: Lang) -> dict[str, Any]:
    rules = list(doc["rules"])
    if doc["input_errors"]:
        rules.append(_INPUT_RULE)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = [_result(f, index[f["rule_id"]], lang) for f in doc["findings"]]
    results += [_input_error(p, index[INPUT_ERROR]) for p in doc["input_errors"]]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{failure['rule_id']}: {failure['message']}"},
            "descriptor": {"id": failure["rule_id"]},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(plan["file"]), "uriBaseId": SRCROOT}
                    }
                }
            ],
        }
        for plan in doc["plans"]
        for failure in plan["failures"]
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver = {
        "name": doc["tool"]["name"],
        "version": doc["tool"]["version"],
        "semanticVersion": doc["tool"]["version"],
        "rules": [_rule(r, lang) for r in rules],
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"engine": doc["engine"], "summary": doc["summary"]},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(doc: CanonicalReport, lang: Lang) -> str:
    return json.dumps(sarif_log(doc, lang), ensure_ascii=False, indent=2) + "\n"
