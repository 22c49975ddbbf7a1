"""Findings: small frozen records of one rule violated by one entity, with a location and a
citation of the policy text, rendered from the rule's own templates."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering
from typing import Any

from .errors import Position, cell_reference
from .facts import NONE, SCHEMA, Fact
from .i18n import Lang, Text
from .rulebook.calc import computed
from .rulebook.compiler import CompiledRule
from .rulebook.spec import PLACEHOLDER, Source
from .source import SourceMap


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@total_ordering
@dataclass(frozen=True)
class Location:
    """Where a finding is: a line and column of a plan file, or a cell of a ledger (``sheet``
    is its sheet's name, ``""`` in a CSV file; ``line`` is then the row)."""

    file: str
    line: int
    column: int
    sheet: str | None = None

    @classmethod
    def at(cls, file: str, position: Position | None) -> Location:
        """The location of ``position`` in ``file`` (its start when there is no position)."""
        if position is None:
            return cls(file, 1, 1)
        return cls(position.file or file, position.line, position.column, position.sheet)

    def _key(self) -> tuple[str, str, int, int]:
        return (self.file, self.sheet or "", self.line, self.column)

    def __lt__(self, other: Any) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return cell_reference(self.file, self.line, self.column, self.sheet)


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    plan_id: str
    entity: str
    entity_key: str
    entity_name: str
    location: Location
    message: Text
    remediation: Text
    values: tuple[tuple[str, Any], ...]
    citation: Source
    justification: str | None = None

    @property
    def fingerprint(self) -> str:
        """Stable identity by meaning: plan, rule, entity and the values that decided it."""
        basis = "|".join(
            [self.plan_id, self.rule_id, self.entity, self.entity_key, repr(self.values)]
        )
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]

    def sort_key(self) -> tuple[Any, ...]:
        return (self.location, self.rule_id, self.entity_key)


def render(template: str, context: Mapping[str, Any]) -> str:
    """Replace ``{name}`` placeholders from ``context``; nothing else is interpreted."""

    def value(match: Any) -> str:
        item = context.get(match.group(1))
        if isinstance(item, float):
            return f"{item:g}"
        if isinstance(item, list | tuple):
            return "、".join(str(x) for x in item)
        return "—" if item is None else str(item)  # a value the plan does not give

    return PLACEHOLDER.sub(value, template)


_ENUM_FIELDS = {
    entity: [(name, ftype.enum) for name, ftype in fields.items() if ftype.enum is not None]
    for entity, fields in SCHEMA.items()
}


def make_finding(rule: CompiledRule, fact: Fact, plan_id: str, source: SourceMap) -> Finding:
    spec = rule.spec
    params = {name: rule.param_for(name, fact.values) for name in rule.params}
    context = {**fact.values, **params, "key": fact.key, "justification": fact.justification}
    context.update(computed(spec.compute, fact.values, params))
    zh, en = dict(context), dict(context)
    for name, value in context.items():  # bilingual computed values (nonzero phrases)
        if isinstance(value, Text):
            zh[name], en[name] = value.zh, value.en
    for name, value in context.items():  # yes/no in words
        if isinstance(value, bool):
            zh[name], en[name] = ("是" if value else "否"), ("yes" if value else "no")
    for name, enum in _ENUM_FIELDS[fact.entity]:  # enumeration values as words
        if name in fact.values:
            if fact.values[name] == NONE:
                zh[name], en[name] = "未填写", "not stated"
                continue
            member = enum(fact.values[name])
            zh[name], en[name] = member.label(Lang.ZH), member.label(Lang.EN)
    severity = Severity(spec.severity)
    if spec.in_principle and fact.justification and severity is Severity.ERROR:
        severity = Severity.WARNING  # 原则上: a stated justification lowers the finding
    location = Location.at(source.file, source.position(fact.path))
    shown = tuple((f, fact.values[f]) for f in rule.fields if f in fact.values and f != "name")
    shown += tuple(sorted((k, v) for k, v in params.items() if isinstance(v, int | float | str)))
    return Finding(
        rule_id=spec.id,
        severity=severity,
        plan_id=plan_id,
        entity=fact.entity,
        entity_key=fact.key,
        entity_name=fact.label,
        location=location,
        # Texts built here from validated templates: constructed without validating again.
        message=Text.model_construct(
            zh=render(spec.message.zh, zh), en=render(spec.message.en, en)
        ),
        remediation=Text.model_construct(
            zh=render(spec.remediation.zh, zh), en=render(spec.remediation.en, en)
        ),
        values=shown,
        citation=spec.source,
        justification=fact.justification if spec.in_principle else None,
    )
