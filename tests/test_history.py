"""The history database: runs recorded and listed, new/fixed/persisting findings between two
runs, rectification linkage from earlier runs (R19), schema versions, and many processes
recording into one database at once."""

from __future__ import annotations

import hashlib
import json
import pickle
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from complycheck.check import check_paths
from complycheck.cli import cli
from complycheck.engine import EngineName, make_engine
from complycheck.history.linkage import is_linkage
from complycheck.history.session import rulebook_version, run_record
from complycheck.history.store import History
from complycheck.rulebook.load import Rulebook

from .conftest import CASES, REPO

SRC = REPO / "src"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


def plan_text(plan_id: str, units: str, place: str = "小店区", city: str = "太原市") -> str:
    return (
        f"plan:\n  id: {plan_id}\n  title: 测试方案 {plan_id}\n  date: 2024-03-01\n"
        f"  jurisdiction: {{name: {place}, level: county, class: 中, province: 山西省, "
        f"city: {city}}}\nunits:\n" + textwrap.indent(textwrap.dedent(units).strip(), "  ") + "\n"
    )


def unit(uid: str, quotas: int, staff: int, after: int | None = None, hires: int = 0) -> str:
    after = quotas if after is None else after
    return (
        f"- {{id: {uid}, name: 单位{uid}, kind: organ, change: kept, "
        f"quotas_before: {{administrative: {quotas}}}, quotas_after: {{administrative: {after}}}, "
        f"actual_staff: {{administrative: {staff}}}, planned_hires: {hires}}}\n"
    )


def summary_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run("summary", *args, "--format", "json", "-q")
    assert result.exit_code in (0, 1, 2, 3), result.output
    return result.exit_code, json.loads(result.output)


def keys(findings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["rule"], f["entity_key"]) for f in findings}


def test_runs_are_recorded_and_listed(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    plan = CASES / "R18" / "violating-over-quota" / "plan.yaml"  # Shenyang: the Liaoning pack
    assert run("check", plan, "--db", db).exit_code == 1
    code, data = summary_json(CASES / "realistic", "--db", db)
    assert code == 3 and data["run"] == 2
    listed = run("history", "--db", db, "--format", "json")
    assert listed.exit_code == 0, listed.output
    runs = json.loads(listed.output)
    assert [r["id"] for r in runs] == [2, 1]
    assert [r["command"] for r in runs] == ["summary", "check"]
    assert (runs[1]["plans"], runs[1]["errors"], runs[1]["input_errors"]) == (1, 3, 0)
    assert runs[0]["findings"] == data["totals"]["findings"]
    assert runs[0]["input_errors"] == data["totals"]["input_errors"] == 15
    assert runs[0]["rulebook_version"].startswith("0.1.0+")
    table = run("history", "--db", db, "--lang", "en")
    assert "#2" in table.output and "summary" in table.output and "#1" in table.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        packs = dict(conn.execute("SELECT pack, spec FROM run_packs WHERE run_id = 1"))
        assert set(packs) == {"national", "liaoning"}
        liaoning = json.loads(packs["liaoning"])
        assert liaoning["params"]["R14"] == {"changes": ["kept", "new", "merged", "renamed"]}
        stored = conn.execute("SELECT count(*) FROM findings WHERE run_id = 2").fetchone()
        assert stored == (data["totals"]["findings"],)
        errors = conn.execute("SELECT file, line, col FROM input_errors WHERE run_id = 2")
        assert all(line and col for _, line, col in errors)


def test_rulebook_version_changes_with_the_rules(rulebook: Rulebook, tmp_path: Path) -> None:
    from complycheck.rulebook.load import load_rulebook

    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "mine.yaml").write_text(
        "id: mine\ntitle: {zh: 我的, en: Mine}\ndescription: {zh: 我的, en: Mine}\n"
        "extends: [taiyuan]\nauto: false\n",
        encoding="utf-8",
    )
    assert rulebook_version(rulebook) == rulebook_version(load_rulebook())
    assert rulebook_version(rulebook) != rulebook_version(load_rulebook([tmp_path]))


def test_new_fixed_and_persisting_between_two_runs(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a.yaml").write_text(plan_text("A", unit("u1", 10, 12) + unit("u2", 10, 11)), "utf-8")
    (first / "c.yaml").write_text(plan_text("C", unit("u1", 10, 15), "迎泽区"), "utf-8")
    # A again: u1 unchanged (persisting), u2 back within its quota (fixed), u3 over (new).
    (second / "a.yaml").write_text(
        plan_text("A", unit("u1", 10, 12) + unit("u2", 10, 10) + unit("u3", 5, 6)), "utf-8"
    )
    (second / "b.yaml").write_text(plan_text("B", unit("u9", 3, 4), "杏花岭区"), "utf-8")
    _, one = summary_json(first, "--db", db)
    assert keys(one["findings"]) == {("R18", "u1"), ("R18", "u2")}
    code, two = summary_json(second, "--db", db, "--compare", "last")
    assert code == 1 and two["run"] == 2
    changes = two["changes"]
    assert changes["run"]["id"] == 1
    plans = {p["plan_id"]: p for p in changes["plans"]}
    assert set(plans) == {"A", "B", "C"}
    by_print = {f["fingerprint"]: (f["plan_id"], f["entity_key"]) for f in two["findings"]}
    assert plans["A"]["status"] == "checked"
    assert [by_print[f] for f in plans["A"]["new"]] == [("A", "u3")]
    assert [by_print[f] for f in plans["A"]["persisting"]] == [("A", "u1")]
    assert [(f["plan_id"], f["entity_key"]) for f in plans["A"]["fixed"]] == [("A", "u2")]
    assert plans["B"]["status"] == "new"
    assert [by_print[f] for f in plans["B"]["new"]] == [("B", "u9")]
    assert plans["C"] == {
        "plan_id": "C",
        "status": "not_checked",
        "new": [],
        "persisting": [],
        "fixed": [],
        "earlier": 1,
    }
    assert (changes["new"], changes["fixed"], changes["persisting"]) == (2, 1, 1)
    statuses = {(f["plan_id"], f["entity_key"]): f["status"] for f in two["findings"]}
    assert statuses == {("A", "u1"): "persisting", ("A", "u3"): "new", ("B", "u9"): "new"}
    # Every format shows the changes; compared with run 1 by its id this time.
    md = run(
        "summary", second, "--db", db, "--compare", "1", "--format", "markdown", "--lang", "en"
    )
    assert "Compared with run #1" in md.output
    assert (
        "| A | re\\-checked | 1 | 1 | 1 |" in md.output
        or "| A | re-checked | 1 | 1 | 1 |" in md.output
    )
    csv_out = run("summary", second, "--db", db, "--compare", "1", "--format", "csv").output
    assert csv_out.count(",fixed,") == 1 and csv_out.count(",persisting,") == 1
    rich = run("summary", second, "--db", db, "--compare", "1", "--lang", "en", "-q").output
    assert "Changes since a recorded run" in rich and "u2" in rich
    html = run("summary", second, "--db", db, "--compare", "1", "--format", "html").output
    assert html.count('data-status="new"') == 2 and html.count('data-status="persisting"') == 1
    fixed_table = html.split('id="fixed-table"', 1)[1].split("</table>", 1)[0]
    assert fixed_table.count("<tr>") == 2 and "单位u2" in fixed_table  # the heading and u2
    assert '<select id="filter-status"' in html


def test_compare_needs_a_database_and_a_recorded_run(tmp_path: Path) -> None:
    plan = CASES / "R16" / "violating-small-pi" / "plan.yaml"
    no_db = run("summary", plan, "--compare", "1")
    assert no_db.exit_code == 2 and "--compare needs --db" in no_db.output
    missing = run("summary", plan, "--db", tmp_path / "h.db", "--compare", "7", "-q")
    assert missing.exit_code == 2
    assert "no recorded run '7' to compare with (no runs yet)" in missing.output


LINKED_2024 = """\
- {id: u-x, name: 小店区某局, kind: organ, change: kept, quotas_before: {administrative: 10},
   quotas_after: {administrative: 14}, actual_staff: {administrative: 10}}
- {id: u-p, name: 小店区甲中心, kind: public_institution, pi_category: 公益一类, change: abolished,
   quotas_before: {public_institution: 10}}
- {id: u-q, name: 小店区乙中心, kind: public_institution, pi_category: 公益一类, change: abolished,
   quotas_before: {public_institution: 12}}
- {id: u-new, name: 小店区合并中心, kind: public_institution, pi_category: 公益一类, change: merged,
   predecessors: [u-p, u-q], quotas_after: {public_institution: 16}}
- {id: u-calm, name: 小店区某办, kind: organ, change: kept, quotas_before: {administrative: 8},
   quotas_after: {administrative: 9}}
"""


def linkage(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["entity_key"]: f for f in data["findings"] if f["kind"] == "linkage"}


def test_rectification_linkage_from_earlier_runs(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    earlier = tmp_path / "2023.yaml"
    earlier.write_text(
        plan_text("XD-2023", unit("u-x", 10, 12) + unit("u-p", 10, 11) + unit("u-calm", 8, 8)),
        "utf-8",
    )
    later = tmp_path / "2024.yaml"
    later.write_text(plan_text("XD-2024", LINKED_2024), "utf-8")
    _, first = summary_json(earlier, "--db", db)
    assert keys(first["findings"]) == {("R18", "u-x"), ("R18", "u-p")}
    assert linkage(first) == {}
    # Without the history, nothing links the 2024 plan to the 2023 findings.
    _, alone = summary_json(later)
    assert linkage(alone) == {}
    code, second = summary_json(later, "--db", db)
    assert code == 1
    flagged = linkage(second)
    # u-x asks for 4 more quotas with its R18 finding open; u-new is merged from u-p, whose
    # finding is open; u-calm asks for a quota but had no finding.
    assert set(flagged) == {"u-x", "u-new"}
    x = flagged["u-x"]
    assert (x["rule"], x["severity"], x["entity"]) == ("R19", "error", "unit")
    assert x["message"]["en"] == (
        '"小店区某局" has 1 finding(s) still open (R18; recorded in run #1) from earlier '
        'reviews, yet the plan makes a staffing request for "小店区某局" (quotas 10 → 14)'
    )
    assert "第1次" in x["message"]["zh"] and "R18" in x["message"]["zh"]
    assert x["citation"]["item"] == "S2-17"
    assert "审批联动" in x["citation"]["quote"]
    line = next(i for i, t in enumerate(later.read_text("utf-8").splitlines(), 1) if "u-x" in t)
    assert (x["file"], x["line"]) == (str(later), line)
    assert 'its predecessor "单位u-p" has 1 finding(s)' in flagged["u-new"]["message"]["en"]
    assert "a merged unit" in flagged["u-new"]["message"]["en"]
    # The 2023 plan re-checked with u-x within its quota: its finding is fixed, so only u-new
    # (u-p still over) is flagged when the 2024 plan is checked in the same run.
    earlier.write_text(
        plan_text("XD-2023", unit("u-x", 10, 10) + unit("u-p", 10, 11) + unit("u-calm", 8, 8)),
        "utf-8",
    )
    _, third = summary_json(earlier, later, "--db", db)
    assert set(linkage(third)) == {"u-new"}
    # Linkage findings are recorded as such and never count as open findings themselves.
    with History(db) as history:
        open_items = history.latest_unit_findings([next(iter({"山西省/太原市/小店区"}))])
        assert {(i.plan_id, i.rule_id, i.entity_key) for i in open_items} == {
            ("XD-2023", "R18", "u-p")
        }
        kinds = {(r.rule_id, r.entity_key, r.kind) for r in history.findings(3)}
        assert ("R19", "u-new", "linkage") in kinds


def test_linkage_applies_only_where_r19_does(tmp_path: Path) -> None:
    """R19 is Taiyuan's policy: a Lüliang plan is not linked (unless --pack taiyuan)."""
    db = tmp_path / "history.db"
    earlier = tmp_path / "2023.yaml"
    earlier.write_text(plan_text("SL-2023", unit("u-x", 10, 12), "石楼县", "吕梁市"), "utf-8")
    later = tmp_path / "2024.yaml"
    later.write_text(
        plan_text("SL-2024", unit("u-x", 10, 10, after=12), "石楼县", "吕梁市"), "utf-8"
    )
    summary_json(earlier, "--db", db)
    _, plain = summary_json(later, "--db", db)
    assert linkage(plain) == {}
    _, chosen = summary_json(later, "--db", db, "--pack", "national", "--pack", "taiyuan")
    assert set(linkage(chosen)) == {"u-x"}


def test_check_with_a_database_reports_linkage_and_exits_1(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    earlier = tmp_path / "2023.yaml"
    earlier.write_text(plan_text("XD-2023", unit("u-x", 10, 12)), "utf-8")
    later = tmp_path / "2024.yaml"
    later.write_text(plan_text("XD-2024", unit("u-x", 10, 8, hires=2)), "utf-8")
    assert run("check", later, "--lang", "en").exit_code == 0  # 2 hires into 2 vacancies
    assert run("check", earlier, "--db", db).exit_code == 1
    result = run("check", later, "--db", db, "--lang", "en")
    assert result.exit_code == 1
    assert "still open (R18; recorded in run #1)" in result.output
    assert f"{later}:" in result.output


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda p: p.write_text("not a database\n" * 100), "not an SQLite database"),
        (
            lambda p: sqlite3.connect(p).execute("CREATE TABLE mine (x)").connection.close(),
            "not a complycheck history database",
        ),
        (
            lambda p: sqlite3.connect(p).execute("PRAGMA user_version = 99").connection.close(),
            "schema version 99; this complycheck reads versions up to 1",
        ),
    ],
    ids=["text", "foreign", "newer"],
)
def test_an_unusable_database_is_an_error_and_left_alone(
    tmp_path: Path, prepare: Callable[[Path], None], message: str
) -> None:
    db = tmp_path / "history.db"
    prepare(db)
    before = digest(db)
    plan = CASES / "R16" / "violating-small-pi" / "plan.yaml"
    for args in (["summary", plan, "-q"], ["check", plan], ["history"]):
        result = run(*args, "--db", db)
        assert result.exit_code == 2, result.output
        assert f"complycheck: {db}: " in result.output and message in result.output
        assert "Traceback" not in result.output
    assert digest(db) == before


WRITER = """
import pickle, sys, time
from pathlib import Path
from complycheck.history.store import History
report, record = pickle.loads(Path(sys.argv[2]).read_bytes())
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.005)
for _ in range(int(sys.argv[4])):
    with History(Path(sys.argv[1])) as history:
        history.record(report, record)
"""


def test_concurrent_writers_lose_no_run_and_no_finding(tmp_path: Path, rulebook: Rulebook) -> None:
    writers, runs_each = 8, 5
    plans = sorted((CASES / "realistic").glob("*/plan.yaml"))
    report = check_paths(plans, rulebook, make_engine(EngineName.PYTHON))
    per_run = len(report.findings)
    assert per_run > 20
    record = run_record(report, rulebook, command="check", paths=plans, options={})
    payload = tmp_path / "payload.pickle"
    payload.write_bytes(pickle.dumps((report, record)))
    db, go = tmp_path / "shared.db", tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(payload), str(go), str(runs_each)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(writers)
    ]
    go.touch()  # all start together: the schema is created and written under contention
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = [r[0] for r in conn.execute("SELECT id FROM runs ORDER BY id")]
        assert ids == list(range(1, writers * runs_each + 1))
        per = conn.execute(
            "SELECT r.findings, count(f.rowid) FROM runs r LEFT JOIN findings f"
            " ON f.run_id = r.id GROUP BY r.id"
        ).fetchall()
        assert per == [(per_run, per_run)] * (writers * runs_each)
        plans_rows = conn.execute("SELECT count(*) FROM plans").fetchone()[0]
        assert plans_rows == writers * runs_each * len(plans)


def test_concurrent_check_commands_record_every_run(tmp_path: Path) -> None:
    db = tmp_path / "ci.db"
    plan = CASES / "R16" / "violating-small-pi" / "plan.yaml"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "complycheck",
                "check",
                str(plan),
                "--db",
                str(db),
                "-q",
                "--engine",
                "python",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 1, err
    with History(db) as history:
        runs = history.runs()
        assert sorted(r.id for r in runs) == list(range(1, 9))
        assert all(len(history.findings(r.id)) == 2 for r in runs)


def _open_history(path: Path) -> str:
    try:
        with History(path):
            return "ok"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def test_processes_creating_the_database_at_once_all_open_it(tmp_path: Path) -> None:
    """The schema is created by whichever process comes first; a process that reads the
    database's version before that commit and its tables after it must not take the file for
    another program's database (it did, about once in 60 openings like these)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    failures: list[str] = []
    with context.Pool(8) as pool:
        for round_ in range(25):
            path = tmp_path / f"history-{round_}.db"
            failures += [r for r in pool.map(_open_history, [path] * 8) if r != "ok"]
    assert failures == []


def test_linkage_findings_are_marked(rulebook: Rulebook) -> None:
    report = check_paths(
        [CASES / "R19" / "violating-open-problems" / "plan.yaml"],
        rulebook,
        make_engine(EngineName.PYTHON),
    )
    assert report.findings and not any(is_linkage(f) for f in report.findings)


def test_a_writer_killed_mid_run_leaves_the_recorded_runs_intact(tmp_path: Path) -> None:
    """SIGKILL after every row of a run is inserted, before COMMIT: the database keeps the
    earlier run whole, passes SQLite's integrity check, and records the next run."""
    from .guards import kill_when_ready

    db = tmp_path / "history.db"
    plan = CASES / "R18" / "violating-over-quota" / "plan.yaml"
    assert run("check", plan, "--db", db).exit_code == 1
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT count(*) FROM findings").fetchone()
    kill_when_ready(
        "import contextlib\n"
        "from complycheck.history import store\n"
        "begin = store.History._transaction\n"
        "@contextlib.contextmanager\n"
        "def stopped(self):\n"
        "    with begin(self) as db:\n"
        "        yield db\n"
        "        pause()  # every row written, COMMIT not yet run\n"
        "store.History._transaction = stopped\n"
        "from complycheck.cli import cli\n"
        f"cli(['check', {str(plan)!r}, '--db', {str(db)!r}], prog_name='complycheck')\n",
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT id FROM runs").fetchall() == [(1,)]
        assert conn.execute("SELECT count(*) FROM findings").fetchone() == before
    assert run("check", plan, "--db", db).exit_code == 1
    listed = json.loads(run("history", "--db", db, "--format", "json").output)
    assert [r["id"] for r in listed] == [2, 1]
