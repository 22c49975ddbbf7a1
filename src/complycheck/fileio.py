"""Writing files safely: every file complycheck writes appears whole or not at all.

The data goes to a temporary file in the target's own folder, is flushed to disk, and is then
renamed over the target in one step. A process killed at any moment leaves either the previous
file or the new one, never a mixture; a failed write removes its temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_writer(path: str | Path, *, binary: bool = False) -> Iterator[IO[bytes] | IO[str]]:
    """Open a temporary file beside ``path``; on a clean exit, rename it over ``path``.

    Text is written as UTF-8 with ``\\n`` line ends on every platform. A new file gets the
    permissions an ordinary ``open`` would give it; a replaced file keeps its own.
    """
    target = Path(path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.fchmod(fd, mode)
        if binary:
            out: IO[bytes] | IO[str] = os.fdopen(fd, "wb")
        else:
            out = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically."""
    with atomic_writer(path, binary=isinstance(data, bytes)) as out:
        out.write(data)  # type: ignore[arg-type]
