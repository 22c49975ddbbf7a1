"""Paths as machine outputs show them: relative to the folder of the run, with forward
slashes, so that the same checkout gives the same output on every machine."""

from __future__ import annotations

import os
from pathlib import Path, PurePath


def portable(file: str, root: Path) -> str:
    """``file`` relative to ``root`` (``../`` where it lies outside), with ``/`` separators.

    A path that cannot be made relative (another drive) is kept as it is.
    """
    try:
        relative = os.path.relpath(Path(file).absolute(), root.absolute())
    except ValueError:  # pragma: no cover - Windows, another drive
        relative = file
    return PurePath(relative).as_posix()
