"""A ledger's plan written as a YAML plan (``complycheck import``): the values as the ledger
gives them (enumeration labels as written, numbers and dates as read), in the order
docs/plan-format.md lists the fields. Loaded again, it is the same plan.
"""

from __future__ import annotations

import typing
from typing import Any

import yaml
from pydantic import BaseModel

from ..model.plan import Plan

# Small mappings written on one line, as hand-written plans write them.
_INLINE = {
    "jurisdiction",
    "quotas_before",
    "quotas_after",
    "actual_staff",
    "quotas",
    "leadership_posts",
}


class _Inline(dict[str, Any]):
    pass


class _InlineList(list[Any]):
    pass


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Inline, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)
_Dumper.add_representer(
    _InlineList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The models inside an annotation (through Optional, list and Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _ordered(value: Any, model: type[BaseModel] | None, key: str = "") -> Any:
    if isinstance(value, dict):
        fields: dict[str, type[BaseModel] | None] = {}
        if model is not None:
            for name, info in model.model_fields.items():
                found = _models(info.annotation)
                fields[info.alias or name] = found[0] if found else None
        keys = [k for k in fields if k in value] + [k for k in value if k not in fields]
        out = {k: _ordered(value[k], fields.get(k), k) for k in keys}
        return _Inline(out) if key in _INLINE else out
    if isinstance(value, list):
        items = [_ordered(v, model) for v in value]
        return items if any(isinstance(v, dict) for v in items) else _InlineList(items)
    return value


def plan_yaml(data: dict[str, Any], source: str) -> str:
    """The plan ``data`` of the ledger ``source`` as the text of a YAML plan."""
    body = yaml.dump(
        _ordered(data, Plan),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    head = (
        f"# Converted by `complycheck import` from the ledger {source}, which is unchanged.\n"
        "# docs/plan-format.md describes every field.\n"
    )
    return head + body
