"""The history database: every recorded run, its plans, findings and input errors, in SQLite.

Several processes may record into one database at once (parallel CI jobs): the database runs
in WAL mode, each run is written in one ``BEGIN IMMEDIATE`` transaction, a locked database is
waited for (busy timeout) and the transaction retried, so no run and no finding is lost. The
schema is versioned with ``PRAGMA user_version`` and migrated forward in a transaction; a
database from a newer complycheck is refused, never altered.

SQLite makes its own writes atomic (its journal), so the database is the one file complycheck
writes without :mod:`complycheck.fileio`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..findings import Finding, Severity
from ..i18n import Text
from ..report import Report
from .linkage import is_linkage
from .schema import MIGRATIONS, SCHEMA_VERSION

T = TypeVar("T")
BUSY_TIMEOUT_MS = 5_000  # each wait of SQLite's own busy handler
RETRY_FOR_S = 120.0  # how long a run keeps retrying a locked database before giving up


class HistoryError(Exception):
    """The history database cannot be used. Exit code 2."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


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


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _retrying(action: Callable[[], T]) -> T:
    """``action()``, again after a short random pause while the database is locked."""
    deadline = time.monotonic() + RETRY_FOR_S
    pause = 0.01
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, 0.5)


class History:
    """An open history database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True
            )
        except sqlite3.Error as exc:
            raise HistoryError(path, f"cannot open the history database ({exc})") from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _retrying(self._check_identity)  # before changing anything in the file
            _retrying(lambda: self._db.execute("PRAGMA journal_mode = WAL").fetchone())
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            _retrying(self._migrate)
        except sqlite3.Error as exc:
            self._db.close()
            raise HistoryError(path, _explain(exc)) from None
        except HistoryError:
            self._db.close()
            raise

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def _version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _check_identity(self) -> None:
        """Refuse a database from a newer complycheck, or one that is not ours at all."""
        version = self._version()
        if version > SCHEMA_VERSION:
            raise HistoryError(
                self.path,
                f"the history database has schema version {version}; this complycheck "
                f"reads versions up to {SCHEMA_VERSION} (upgrade complycheck)",
            )
        if version == 0 and self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise HistoryError(
                self.path, "this SQLite database is not a complycheck history database"
            )

    def _migrate(self) -> None:
        if self._version() == SCHEMA_VERSION:
            return
        with self._transaction() as db:
            self._check_identity()  # again: another process may have migrated meanwhile
            version = self._version()
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _run(self, action: Callable[[], T]) -> T:
        try:
            return _retrying(action)
        except sqlite3.Error as exc:
            raise HistoryError(self.path, _explain(exc)) from None

    # --- writing ---------------------------------------------------------------------------

    def record(self, report: Report, record: RunRecord) -> int:
        """Record one run in one transaction; return its id. Findings of the rectification
        linkage are recorded as such, so that they never count as open findings themselves."""
        return self._run(lambda: self._record(report, record))

    def _record(self, report: Report, record: RunRecord) -> int:
        counts = report.counts()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (recorded, command, complycheck_version, rulebook_version,"
                " engine, paths, options, plans, findings, errors, warnings, info,"
                " input_errors, rule_failures) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    record.command,
                    record.complycheck_version,
                    record.rulebook_version,
                    report.engine,
                    _json(list(record.paths)),
                    _json(record.options),
                    len(report.plans),
                    len(report.findings),
                    counts.get(Severity.ERROR, 0),
                    counts.get(Severity.WARNING, 0),
                    counts.get(Severity.INFO, 0),
                    len(report.input_errors),
                    sum(len(p.failures) for p in report.plans),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO run_packs (run_id, pack, spec) VALUES (?,?,?)",
                [(run_id, pack, spec) for pack, spec in sorted(record.packs.items())],
            )
            db.executemany(
                "INSERT INTO plans (run_id, seq, plan_id, file, title, place_key, province, city,"
                " jurisdiction, level, as_of, packs, findings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [_plan_row(run_id, seq, plan) for seq, plan in enumerate(report.plans)],
            )
            db.executemany(
                "INSERT INTO findings (run_id, plan_seq, fingerprint, kind, rule_id, severity,"
                " entity, entity_key, entity_name, file, line, col, message_zh, message_en,"
                " remediation_zh, remediation_en, citation, vals)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    _finding_row(run_id, seq, f, "linkage" if is_linkage(f) else "finding")
                    for seq, plan in enumerate(report.plans)
                    for f in plan.findings
                ],
            )
            db.executemany(
                "INSERT INTO rule_failures (run_id, plan_seq, rule_id, message) VALUES (?,?,?,?)",
                [
                    (run_id, seq, failure.rule_id, failure.message)
                    for seq, plan in enumerate(report.plans)
                    for failure in plan.failures
                ],
            )
            db.executemany(
                "INSERT INTO input_errors (run_id, file, line, col, path, message)"
                " VALUES (?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        p.file,
                        p.position.line if p.position else None,
                        p.position.column if p.position else None,
                        p.path,
                        p.message,
                    )
                    for p in report.input_errors
                ],
            )
        return run_id

    # --- reading ---------------------------------------------------------------------------

    def runs(self, limit: int | None = None) -> list[RunInfo]:
        """Recorded runs, the latest first."""
        sql = f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id DESC"
        args: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            args = (limit,)
        return self._run(lambda: [_run_info(row) for row in self._db.execute(sql, args)])

    def run(self, ref: str) -> RunInfo | None:
        """The run with id ``ref``, or the latest run for ``last``."""
        if ref == "last":
            latest = self.runs(limit=1)
            return latest[0] if latest else None
        if not ref.isdigit():
            return None
        sql = f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?"
        row = self._run(lambda: self._db.execute(sql, (int(ref),)).fetchone())
        return _run_info(row) if row else None

    def plan_ids(self, run_id: int) -> set[str]:
        rows = self._run(
            lambda: self._db.execute("SELECT plan_id FROM plans WHERE run_id = ?", (run_id,))
        )
        return {row[0] for row in rows}

    def _findings(self, sql: str, args: Sequence[Any]) -> list[RecordedFinding]:
        return self._run(lambda: [_recorded(r) for r in self._db.execute(sql, args)])

    def findings(self, run_id: int) -> list[RecordedFinding]:
        return self._findings(_FINDINGS_SQL + " WHERE f.run_id = ? ORDER BY f.rowid", (run_id,))

    def latest_unit_findings(self, place_keys: Sequence[str]) -> list[RecordedFinding]:
        """The errors and warnings on units recorded by the latest check of each plan of these
        jurisdictions (rule findings only, never linkage findings)."""
        out: list[RecordedFinding] = []
        keys = sorted(set(place_keys))
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                _FINDINGS_SQL + " JOIN (SELECT plan_id, max(run_id) AS run_id FROM plans"
                f" WHERE place_key IN ({marks}) GROUP BY plan_id) AS latest"
                " ON latest.plan_id = p.plan_id AND latest.run_id = p.run_id"
                " WHERE f.entity = 'unit' AND f.kind = 'finding'"
                " AND f.severity IN ('error', 'warning') ORDER BY f.run_id, f.rowid"
            )
            out.extend(self._findings(sql, chunk))
        return out


_RUN_COLUMNS = (
    "id, recorded, command, complycheck_version, rulebook_version, engine, paths, options,"
    " plans, findings, errors, warnings, info, input_errors, rule_failures"
)
_FINDINGS_SQL = (
    "SELECT f.run_id, f.fingerprint, f.kind, p.plan_id, p.place_key, f.rule_id, f.severity,"
    " f.entity, f.entity_key, f.entity_name, f.file, f.line, f.col, f.message_zh, f.message_en,"
    " f.remediation_zh, f.remediation_en"
    " FROM findings AS f JOIN plans AS p ON p.run_id = f.run_id AND p.seq = f.plan_seq"
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text:
        return "not an SQLite database (expected a complycheck history database)"
    return f"the history database cannot be used ({text})"


def _plan_row(run_id: int, seq: int, plan: Any) -> tuple[Any, ...]:
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
        _json(list(plan.packs)),
        len(plan.findings),
    )


def _finding_row(run_id: int, seq: int, f: Finding, kind: str) -> tuple[Any, ...]:
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
        f.citation.model_dump_json(),
        _json([[k, v] for k, v in f.values]),
    )


def _run_info(row: tuple[Any, ...]) -> RunInfo:
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


def _recorded(row: tuple[Any, ...]) -> RecordedFinding:
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


def open_history(path: Path) -> History:
    """Open (creating if need be) the history database at ``path``."""
    if path.is_dir():
        raise HistoryError(path, "is a folder; --db names the history database file")
    return History(path)
