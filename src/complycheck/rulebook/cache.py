"""A cache of parsed rule and pack files, so that a run does not parse YAML it has parsed before.

The cache holds the files' data as JSON (never code), keyed by a hash of every file's bytes and
complycheck's version: a change to any file, or an upgrade, makes a new key. It lives in
``$COMPLYCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/complycheck``, else ``~/.cache/complycheck``;
``COMPLYCHECK_NO_CACHE=1`` turns it off. Writing is atomic, and a cache that cannot be read or
written is simply not used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..fileio import write_atomic


def cache_dir() -> Path | None:
    if os.environ.get("COMPLYCHECK_NO_CACHE"):
        return None
    if os.environ.get("COMPLYCHECK_CACHE_DIR"):
        return Path(os.environ["COMPLYCHECK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "complycheck"


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot cache {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$date" in obj:
        return dt.date.fromisoformat(obj["$date"])
    return obj


class ParsedFiles:
    """Parsed data of a set of files, from the cache when it has them."""

    def __init__(self, files: Sequence[Path]) -> None:
        digest = hashlib.sha256(__version__.encode())
        self._bytes: dict[Path, bytes] = {}
        for path in files:
            try:
                raw = path.read_bytes()
            except OSError:
                raw = b""
            self._bytes[path] = raw
            digest.update(str(path).encode() + b"\0" + raw + b"\0")
        folder = cache_dir()
        self._file = folder / f"rules-{digest.hexdigest()[:24]}.json" if folder else None
        self._data: dict[str, Any] = self._read()
        self._dirty = False

    def _read(self) -> dict[str, Any]:
        if self._file is None or not self._file.is_file():
            return {}
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"), object_hook=_decode)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, path: Path) -> Any:
        return self._data.get(str(path))

    def put(self, path: Path, data: Any) -> None:
        self._data[str(path)] = data
        self._dirty = True

    def save(self) -> None:
        """Write the cache atomically (a temporary file renamed into place)."""
        if self._file is None or not self._dirty:
            return
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(self._data, ensure_ascii=False, default=_encode)
            write_atomic(self._file, text)
        except (OSError, TypeError, ValueError):
            return
