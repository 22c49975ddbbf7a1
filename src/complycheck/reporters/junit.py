"""JUnit XML (the Apache Ant schema that GitLab, Jenkins and others read), built from the
canonical report.

One test suite per plan file. Each applied rule that found nothing is a passing test case;
each finding is a test case of its own, named ``RULE entity`` and unique in its suite (GitLab
drops test cases with the same name): open findings fail, waived findings and findings known
from the baseline are skipped with the reason. A rule that could not be evaluated, and each
input error, is an errored test case. The schema requires a timestamp: it is
``SOURCE_DATE_EPOCH`` when that is set, else the time of the run, in UTC; the host is always
``localhost`` and times are 0, so that the same input with the same ``SOURCE_DATE_EPOCH``
gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

from ..i18n import Lang
from .canonical import CanonicalReport, FindingDoc, PlanDoc, ProblemDoc
from .text import INPUT_ERROR
from .words import pick, word

# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


@dataclass
class _Suite:
    name: str
    plan: PlanDoc | None = None
    findings: list[FindingDoc] = field(default_factory=list)
    problems: list[ProblemDoc] = field(default_factory=list)


def _suites(doc: CanonicalReport) -> list[_Suite]:
    suites: dict[str, _Suite] = {}
    for plan in doc["plans"]:
        suites.setdefault(plan["file"], _Suite(plan["file"], plan))
    by_plan: dict[str, list[FindingDoc]] = defaultdict(list)
    for finding in doc["findings"]:
        by_plan[finding["plan_file"]].append(finding)
    for file, findings in by_plan.items():
        suites.setdefault(file, _Suite(file)).findings.extend(findings)
    for problem in doc["input_errors"]:
        suites.setdefault(problem["file"], _Suite(problem["file"])).problems.append(problem)
    return [suites[k] for k in sorted(suites)]


class _Cases:
    """Test cases of one suite, with names made unique."""

    def __init__(self, suite: ET.Element, classname: str) -> None:
        self.suite = suite
        self.classname = classname
        self.seen: dict[str, int] = {}
        self.counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def add(
        self,
        name: str,
        outcome: str | None = None,
        kind: str = "",
        message: str = "",
        body: str = "",
    ) -> None:
        """A test case: passed (no ``outcome``), or ``failure``, ``error`` or ``skipped`` of
        ``kind`` with a one-line ``message`` and the details in ``body``."""
        count = self.seen.get(name, 0) + 1
        self.seen[name] = count
        unique = name if count == 1 else f"{name} #{count}"
        case = ET.SubElement(
            self.suite,
            "testcase",
            {"name": _clean(unique), "classname": _clean(self.classname), "time": "0"},
        )
        self.counts["tests"] += 1
        if outcome is None:
            return
        self.counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[outcome]] += 1
        attrs = {"message": _clean(message)}
        if outcome != "skipped":
            attrs["type"] = _clean(kind)
        child = ET.SubElement(case, outcome, attrs)
        child.text = _clean(body) if body else None


def _finding_body(f: FindingDoc, lang: Lang) -> str:
    lines = [
        f"{f['display']}: {f['rule_id']} {f['severity']}",
        pick(f["message"], lang),
        f"{word('fix', lang)}: {pick(f['remediation'], lang)}",
    ]
    if f["justification"]:
        lines.append(f"{word('justification', lang)}: {f['justification']}")
    waiver = f["waiver"]
    if waiver is not None:
        lines.append(
            f"{word('waiver', lang)}: {waiver['reason']} ({waiver['document']}, "
            f"{word('approved_by', lang)} {waiver['approver']}, {word('until', lang)} "
            f"{waiver['expires']}; {waiver['display']})"
        )
    return "\n".join(lines) + "\n"


def _add_finding(cases: _Cases, f: FindingDoc, lang: Lang) -> None:
    name = f"{f['rule_id']} {f['entity_key']}"
    body = _finding_body(f, lang)
    if f["status"] == "open":
        message = f"{f['display']}: {pick(f['message'], lang)}"
        cases.add(name, "failure", f"{f['rule_id']} {f['severity']}", message, body)
        return
    reason = word(f["status"], lang)
    if f["waiver"] is not None:
        reason += f": {f['waiver']['reason']}"
    cases.add(name, "skipped", message=reason, body=body)


def _suite(root: ET.Element, index: int, s: _Suite, timestamp: str, lang: Lang) -> None:
    suite = ET.SubElement(root, "testsuite")
    properties = ET.SubElement(suite, "properties")
    plan = s.plan
    if plan is not None:
        for key in ("plan_id", "title", "jurisdiction", "as_of"):
            ET.SubElement(properties, "property", {"name": key, "value": _clean(str(plan[key]))})
        ET.SubElement(properties, "property", {"name": "packs", "value": ",".join(plan["packs"])})
    cases = _Cases(suite, plan["plan_id"] if plan else s.name)
    found = {f["rule_id"] for f in s.findings}
    failed = {x["rule_id"] for x in plan["failures"]} if plan else set()
    for rule_id in plan["applied"] if plan else []:
        if rule_id not in found and rule_id not in failed:
            cases.add(rule_id)
    for f in s.findings:
        _add_finding(cases, f, lang)
    for failure in plan["failures"] if plan else []:
        message = f"{word('rule_failed', lang)}: {failure['message']}"
        cases.add(failure["rule_id"], "error", "rule-failure", message, message)
    for problem in s.problems:
        at = f"at {problem['path']} " if problem["path"] else ""
        text = f"{problem['display']}: {at}{problem['message']}"
        cases.add(f"{INPUT_ERROR} {problem['display']}", "error", INPUT_ERROR, text, text)
    suite.attrib.update(
        {
            "name": _clean(s.name),
            "package": _clean(s.name),
            "id": str(index),
            "timestamp": timestamp,
            "hostname": "localhost",
            **{k: str(v) for k, v in cases.counts.items()},
            "time": "0",
        }
    )
    ET.SubElement(suite, "system-out").text = None
    ET.SubElement(suite, "system-err").text = None
    # The schema wants properties, the test cases, then system-out and system-err: in order.


def render_junit(doc: CanonicalReport, lang: Lang, *, now: dt.datetime | None = None) -> str:
    moment = now or dt.datetime.now(dt.UTC)
    timestamp = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites")
    for index, suite in enumerate(_suites(doc)):
        _suite(root, index, suite, timestamp, lang)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
