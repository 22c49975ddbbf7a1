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
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..findings import Severity
from ..report import Report
from .linkage import is_linkage
from .records import (
    FINDINGS_SQL,
    RUN_COLUMNS,
    RecordedFinding,
    RunInfo,
    RunRecord,
    finding_row,
    plan_row,
    recorded,
    run_info,
    to_json,
)
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
        # One statement, so one snapshot: read apart, another process's migration could be
        # committed between the two reads (version 0 read before, its tables counted after).
        version, objects = self._db.execute(
            "SELECT (SELECT user_version FROM pragma_user_version),"
            " (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
        if version > SCHEMA_VERSION:
            raise HistoryError(
                self.path,
                f"the history database has schema version {version}; this complycheck "
                f"reads versions up to {SCHEMA_VERSION} (upgrade complycheck)",
            )
        if version == 0 and objects:
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
                    to_json(list(record.paths)),
                    to_json(record.options),
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
                [plan_row(run_id, seq, plan) for seq, plan in enumerate(report.plans)],
            )
            db.executemany(
                "INSERT INTO findings (run_id, plan_seq, fingerprint, kind, rule_id, severity,"
                " entity, entity_key, entity_name, file, line, col, message_zh, message_en,"
                " remediation_zh, remediation_en, citation, vals)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    finding_row(run_id, seq, f, "linkage" if is_linkage(f) else "finding")
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
        sql = f"SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC"
        args: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            args = (limit,)
        return self._run(lambda: [run_info(row) for row in self._db.execute(sql, args)])

    def run(self, ref: str) -> RunInfo | None:
        """The run with id ``ref``, or the latest run for ``last``."""
        if ref == "last":
            latest = self.runs(limit=1)
            return latest[0] if latest else None
        if not ref.isdigit():
            return None
        sql = f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?"
        row = self._run(lambda: self._db.execute(sql, (int(ref),)).fetchone())
        return run_info(row) if row else None

    def plan_ids(self, run_id: int) -> set[str]:
        rows = self._run(
            lambda: self._db.execute("SELECT plan_id FROM plans WHERE run_id = ?", (run_id,))
        )
        return {row[0] for row in rows}

    def _findings(self, sql: str, args: Sequence[Any]) -> list[RecordedFinding]:
        return self._run(lambda: [recorded(r) for r in self._db.execute(sql, args)])

    def findings(self, run_id: int) -> list[RecordedFinding]:
        return self._findings(FINDINGS_SQL + " WHERE f.run_id = ? ORDER BY f.rowid", (run_id,))

    def latest_unit_findings(self, place_keys: Sequence[str]) -> list[RecordedFinding]:
        """The errors and warnings on units recorded by the latest check of each plan of these
        jurisdictions (rule findings only, never linkage findings)."""
        out: list[RecordedFinding] = []
        keys = sorted(set(place_keys))
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                FINDINGS_SQL + " JOIN (SELECT plan_id, max(run_id) AS run_id FROM plans"
                f" WHERE place_key IN ({marks}) GROUP BY plan_id) AS latest"
                " ON latest.plan_id = p.plan_id AND latest.run_id = p.run_id"
                " WHERE f.entity = 'unit' AND f.kind = 'finding'"
                " AND f.severity IN ('error', 'warning') ORDER BY f.run_id, f.rowid"
            )
            out.extend(self._findings(sql, chunk))
        return out


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text:
        return "not an SQLite database (expected a complycheck history database)"
    return f"the history database cannot be used ({text})"


def open_history(path: Path) -> History:
    """Open (creating if need be) the history database at ``path``."""
    if path.is_dir():
        raise HistoryError(path, "is a folder; --db names the history database file")
    return History(path)
