"""Test utilities that protect and probe: inputs left untouched, processes killed mid-write, and
work run under hard limits of memory and time.

- :func:`unchanged_inputs` hashes every file a command line names (and every file under a
  folder it names) and fails if any changed. ``conftest.py`` wraps every ``CliRunner.invoke``
  in it (the autouse fixture ``input_guard``), and :func:`run_complycheck` every run in a new
  process. Files a command is meant to write are named in :data:`OUTPUT_OPTIONS` (the option
  that takes them), or passed as ``outputs`` (``input_guard.writes(path)`` in a test).
- :func:`kill_when_ready` runs Python code in a new process and kills it with SIGKILL at the
  moment it prints ``READY`` (say, half-way through writing a file).
- :func:`run_bounded` runs Python code with an address-space limit, a CPU-time limit and a
  wall-clock timeout, so that a test of a hostile input fails, rather than hangs or exhausts
  the machine, when a protection is missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# Options whose value is a file the command writes: that file is an output, not an input.
OUTPUT_OPTIONS: set[str] = {"--output", "-o", "--db"}
# Options whose value is FMT=FILE: FILE is written.
FORMAT_OPTIONS: set[str] = {"--format", "-f"}


def written(words: Sequence[str]) -> set[str]:
    """The files a command line says it writes, beyond :data:`OUTPUT_OPTIONS`: the FILE of
    ``--format FMT=FILE``, the baseline of ``--update-baseline``, the plan ``init`` writes."""
    out: set[str] = set()
    for i, word in enumerate(words[:-1]):
        following = words[i + 1]
        if word in FORMAT_OPTIONS and "=" in following:
            out.add(following.split("=", 1)[1])
        if word == "--baseline" and "--update-baseline" in words:
            out.add(following)
    for word in words:
        option, _, value = word.partition("=")
        if option in FORMAT_OPTIONS and "=" in value:
            out.add(value.split("=", 1)[1])
        if option == "--baseline" and value and "--update-baseline" in words:
            out.add(value)
    if words and words[0] == "init":
        out.update(w for w in words[1:] if not w.startswith("-"))
    return out


Snapshot = dict[Path, tuple[str, int]]


def input_files(args: Iterable[object], outputs: Iterable[str | Path] = ()) -> list[Path]:
    """Every existing file named by ``args``, and every file under a folder they name, except
    the values of :data:`OUTPUT_OPTIONS` and ``outputs``."""
    words = [str(a) for a in args]
    skip = {Path(p).resolve() for p in [*outputs, *written(words)]}
    found: list[Path] = []
    for i, word in enumerate(words):
        if word in OUTPUT_OPTIONS or word.split("=", 1)[0] in OUTPUT_OPTIONS:
            continue
        if i > 0 and words[i - 1] in OUTPUT_OPTIONS:
            continue
        path = Path(word)
        with contextlib.suppress(OSError, ValueError):
            if path.is_file():
                found.append(path)
            elif path.is_dir():
                found.extend(p for p in sorted(path.rglob("*")) if p.is_file())
    return [p for p in found if p.resolve() not in skip]


def snapshot(files: Iterable[Path]) -> Snapshot:
    """Each file's SHA-256 and modification time (a rewrite with equal bytes is a change too)."""
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files}


@contextlib.contextmanager
def unchanged_inputs(args: Iterable[object], outputs: Iterable[str | Path] = ()) -> Iterator[None]:
    """Fail if a file named by ``args`` (an input) is changed, replaced or removed."""
    files = input_files(args, outputs)
    before = snapshot(files)
    yield
    gone = [p for p in files if not p.is_file()]
    assert not gone, f"complycheck removed its input files: {gone}"
    changed = [p for p, mark in snapshot(files).items() if mark != before[p]]
    assert not changed, f"complycheck modified its input files: {changed}"


def run_complycheck(
    *args: str | Path,
    outputs: Iterable[str | Path] = (),
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m complycheck ARGS`` in a new process, its inputs checked untouched."""
    words = [str(a) for a in args]
    with unchanged_inputs(words, outputs):
        return subprocess.run(
            [sys.executable, "-m", "complycheck", *words],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env={**os.environ, "COLUMNS": "200", **(env or {})},
        )


# --- killing a process at a chosen moment ----------------------------------------------------

# Child code can call pause() where it should die: it says READY and waits to be killed.
PAUSE = """
import os, sys, time
def pause(*args, **kwargs):
    sys.stdout.write("READY\\n")
    sys.stdout.flush()
    while True:
        time.sleep(60)
"""


def kill_when_ready(code: str, *, timeout: float = 60, cwd: Path | None = None) -> str:
    """Run ``code`` (with :data:`PAUSE` defined first) in a new Python process; when it prints
    ``READY``, kill it with SIGKILL. Return what it printed before. Fails if the process ends,
    or does not get ready within ``timeout`` seconds."""
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSE + code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    said: list[str] = []
    try:
        assert proc.stdout is not None
        with _deadline(timeout, proc):
            for line in proc.stdout:
                if line.strip() == "READY":
                    break
                said.append(line)
            else:
                proc.wait()
                raise AssertionError(
                    f"the process ended (code {proc.returncode}) before it was ready:\n"
                    + "".join(said)
                    + (proc.stderr.read() if proc.stderr else "")
                )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=timeout)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    return "".join(said)


@contextlib.contextmanager
def _deadline(seconds: float, proc: subprocess.Popen[str]) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        proc.kill()
        raise AssertionError(f"the process was not ready within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- running under hard limits ---------------------------------------------------------------


@dataclass(frozen=True)
class Bounded:
    """How a bounded run ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def killed(self) -> str | None:
        """Why the limits stopped it, or None."""
        if self.returncode == -signal.SIGXCPU or self.returncode == -signal.SIGKILL:
            return "CPU time limit"
        if self.returncode < 0:
            return f"signal {-self.returncode}"
        if "MemoryError" in self.stderr:
            return "memory limit"
        return None


def run_bounded(
    code: str,
    *,
    memory_mb: int = 1024,
    cpu_seconds: int = 30,
    timeout: float = 120,
    args: Sequence[str] = (),
) -> Bounded:
    """Run ``code`` in a new Python process limited to ``memory_mb`` of address space and
    ``cpu_seconds`` of CPU (and killed after ``timeout`` seconds of wall-clock time)."""

    def limit() -> None:
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            preexec_fn=limit,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"still running after {timeout} s") from exc
    return Bounded(proc.returncode, proc.stdout, proc.stderr)
