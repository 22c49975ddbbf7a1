"""Reading a rule or pack file the exact way: every problem located, nothing skipped."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import InputError, Problem, RulebookError
from ..source import MAX_BYTES, Document, load_file
from ..validate import pydantic_problems

M = TypeVar("M", bound=BaseModel)


def read_exact(
    path: Path, model: type[M], what: str, tags: dict[str, type[BaseModel]] | None = None
) -> tuple[M, Document]:
    """``path`` validated as ``model``, or a :class:`RulebookError` naming file:line:col."""
    try:
        doc = load_file(path, max_bytes=MAX_BYTES)  # the plan size limit is not for rules
    except InputError as exc:
        raise RulebookError(exc.problems) from None
    if not isinstance(doc.data, dict):
        raise RulebookError([Problem(str(path), doc.source.position(()), f"expected a {what}")])
    try:
        return model.model_validate(doc.data), doc
    except ValidationError as exc:
        raise RulebookError(list(pydantic_problems(exc, doc.source, model, tags))) from None
