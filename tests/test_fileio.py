"""Atomic writes: the target appears whole, keeps its permissions, and a failed write leaves
the previous file and no temporary file behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from complycheck.fileio import atomic_writer, write_atomic


def test_writes_text_and_bytes(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.txt", "第一行\n")
    write_atomic(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "第一行\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"


def test_creates_missing_folders(tmp_path: Path) -> None:
    write_atomic(tmp_path / "out" / "deep" / "r.json", "{}")
    assert (tmp_path / "out" / "deep" / "r.json").read_text() == "{}"


def test_failed_write_keeps_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_writer(target) as out:
        out.write("half")  # type: ignore[arg-type]
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    target.write_text("[]")
    os.chmod(target, 0o640)
    write_atomic(target, "[1]")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
