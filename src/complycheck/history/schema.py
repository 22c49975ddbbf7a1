"""The history database's schema, as numbered migrations.

``PRAGMA user_version`` holds the number of the last migration applied. A new version adds a
list of statements under the next number; existing databases are migrated forward when opened.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            recorded TEXT NOT NULL,
            command TEXT NOT NULL,
            complycheck_version TEXT NOT NULL,
            rulebook_version TEXT NOT NULL,
            engine TEXT NOT NULL,
            paths TEXT NOT NULL,
            options TEXT NOT NULL,
            plans INTEGER NOT NULL,
            findings INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            info INTEGER NOT NULL,
            input_errors INTEGER NOT NULL,
            rule_failures INTEGER NOT NULL
        )""",
        """CREATE TABLE run_packs (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            pack TEXT NOT NULL,
            spec TEXT NOT NULL,
            PRIMARY KEY (run_id, pack)
        )""",
        """CREATE TABLE plans (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            plan_id TEXT NOT NULL,
            file TEXT NOT NULL,
            title TEXT NOT NULL,
            place_key TEXT NOT NULL,
            province TEXT,
            city TEXT,
            jurisdiction TEXT NOT NULL,
            level TEXT,
            as_of TEXT NOT NULL,
            packs TEXT NOT NULL,
            findings INTEGER NOT NULL,
            PRIMARY KEY (run_id, seq)
        )""",
        "CREATE INDEX plans_by_plan ON plans (plan_id, run_id)",
        "CREATE INDEX plans_by_place ON plans (place_key, plan_id, run_id)",
        """CREATE TABLE findings (
            run_id INTEGER NOT NULL,
            plan_seq INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('finding', 'linkage')),
            rule_id TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
            entity TEXT NOT NULL,
            entity_key TEXT NOT NULL,
            entity_name TEXT NOT NULL,
            file TEXT NOT NULL,
            line INTEGER NOT NULL,
            col INTEGER NOT NULL,
            message_zh TEXT NOT NULL,
            message_en TEXT NOT NULL,
            remediation_zh TEXT NOT NULL,
            remediation_en TEXT NOT NULL,
            citation TEXT NOT NULL,
            vals TEXT NOT NULL,
            FOREIGN KEY (run_id, plan_seq) REFERENCES plans (run_id, seq) ON DELETE CASCADE
        )""",
        "CREATE INDEX findings_by_plan ON findings (run_id, plan_seq)",
        """CREATE TABLE rule_failures (
            run_id INTEGER NOT NULL,
            plan_seq INTEGER NOT NULL,
            rule_id TEXT NOT NULL,
            message TEXT NOT NULL,
            FOREIGN KEY (run_id, plan_seq) REFERENCES plans (run_id, seq) ON DELETE CASCADE
        )""",
        """CREATE TABLE input_errors (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            file TEXT NOT NULL,
            line INTEGER,
            col INTEGER,
            path TEXT NOT NULL,
            message TEXT NOT NULL
        )""",
    ],
}
