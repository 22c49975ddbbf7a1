"""What the history database holds, as Python values, and the rows they are stored as."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..findings import Finding, Severity
from ..i18n import Text
from ..report import PlanReport


@dataclass(frozen=True)
class RunInfo:
    id: int
    recorded: str  # UTC, ISO 8601
    command: str
    complycheck_version: str
    rulebook_version: str
    engine: str
    paths: tuple[str, ...]
    options: dict[str, Any]
    plans: int
    findings: int
    errors: int
    warnings: int
    info: int
    input_errors: int
    rule_failures: int


@dataclass(frozen=True)
class RecordedFinding:
    """A finding as a run recorded it."""

    run_id: int
    fingerprint: str
    kind: str  # "finding" or "linkage" (rectification linkage from history)
    plan_id: str
    place_key: str
    rule_id: str
    severity: Severity
    entity: str
    entity_key: str
    entity_name: str
    file: str
    line: int
    column: int
    message: Text
    remediation: Text


@dataclass(frozen=True)
class RunRecord:
    """What a run is recorded with beyond its report."""

    command: str
    paths: tuple[str, ...]
    options: dict[str, Any]
    rulebook_version: str
    packs: dict[str, str]  # pack id -> the pack's specification (JSON), parameters included
    complycheck_version: str


RUN_COLUMNS = (
    "id, recorded, command, complycheck_version, rulebook_version, engine, paths, options,"
    " plans, findings, errors, warnings, info, input_errors, rule_failures"
)
FINDINGS_SQL = (
    "SELECT f.run_id, f.fingerprint, f.kind, p.plan_id, p.place_key, f.rule_id, f.severity,"
    " f.entity, f.entity_key, f.entity_name, f.file, f.line, f.col, f.message_zh, f.message_en,"
    " f.remediation_zh, f.remediation_en"
    " FROM findings AS f JOIN plans AS p ON p.run_id = f.run_id AND p.seq = f.plan_seq"
)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def plan_row(run_id: int, seq: int, plan: PlanReport) -> tuple[Any, ...]:
    place = plan.profile.place if plan.profile else None
    return (
        run_id,
        seq,
        plan.plan_id,
        plan.file,
        plan.title,
        place.key if place else "",
        place.province if place else None,
        place.city if place else None,
        place.name if place else plan.jurisdiction,
        place.level if place else None,
        plan.as_of.isoformat(),
        to_json(list(plan.packs)),
        len(plan.findings),
    )


def finding_row(run_id: int, seq: int, f: Finding, kind: str) -> tuple[Any, ...]:
    return (
        run_id,
        seq,
        f.fingerprint,
        kind,
        f.rule_id,
        f.severity.value,
        f.entity,
        f.entity_key,
        f.entity_name,
        f.location.file,
        f.location.line,
        f.location.column,
        f.message.zh,
        f.message.en,
        f.remediation.zh,
        f.remediation.en,
        f.citation.model_dump_json() if f.citation is not None else "null",
        to_json([[k, v] for k, v in f.values]),
    )


def run_info(row: tuple[Any, ...]) -> RunInfo:
    return RunInfo(
        id=row[0],
        recorded=row[1],
        command=row[2],
        complycheck_version=row[3],
        rulebook_version=row[4],
        engine=row[5],
        paths=tuple(json.loads(row[6])),
        options=json.loads(row[7]),
        plans=row[8],
        findings=row[9],
        errors=row[10],
        warnings=row[11],
        info=row[12],
        input_errors=row[13],
        rule_failures=row[14],
    )


def recorded(row: tuple[Any, ...]) -> RecordedFinding:
    return RecordedFinding(
        run_id=row[0],
        fingerprint=row[1],
        kind=row[2],
        plan_id=row[3],
        place_key=row[4],
        rule_id=row[5],
        severity=Severity(row[6]),
        entity=row[7],
        entity_key=row[8],
        entity_name=row[9],
        file=row[10],
        line=row[11],
        column=row[12],
        message=Text.model_construct(zh=row[13], en=row[14]),
        remediation=Text.model_construct(zh=row[15], en=row[16]),
    )
