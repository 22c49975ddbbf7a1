"""Findings: small frozen records of one rule violated by one entity, with a location and a
citation of the policy text, rendered from the rule's own templates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache, total_ordering
from typing import Any, Literal

from .errors import Position, cell_reference
from .facts import NONE, SCHEMA, Fact
from .i18n import Lang, Text
from .model.enums import Coded
from .model.plan import Waiver
from .rulebook.calc import computed
from .rulebook.compiler import CompiledRule
from .rulebook.spec import PLACEHOLDER, Source, Table
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
class Waived:
    """The waiver that covers a finding, and where it is written."""

    waiver: Waiver
    location: Location


BaselineState = Literal["new", "known"]


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
    citation: Source | None  # None: a finding about a waiver, which no policy text decides
    justification: str | None = None
    params: tuple[tuple[str, Any], ...] = ()  # the rule's parameters as they applied
    waiver: Waived | None = None  # an accepted exception: shown and counted, never failing
    baseline: BaselineState | None = None  # with a baseline: new, or known before

    @property
    def fingerprint(self) -> str:
        """Stable identity by meaning: the plan, the rule, the entity, and the rule's
        parameters as they applied. Neither the place in the file nor the plan's figures
        take part, so moving or reordering entries, or a figure that changes while still
        in breach, leaves it unchanged."""
        basis = json.dumps(
            [self.plan_id, self.rule_id, self.entity, self.entity_key, self.params],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]

    @property
    def is_open(self) -> bool:
        """Whether the finding counts against the plan: not waived, not known before."""
        return self.waiver is None and self.baseline != "known"

    def sort_key(self) -> tuple[Any, ...]:
        """Place in the file, then rule and entity (plain values: compared in C)."""
        return (*self.location._key(), self.rule_id, self.entity_key)


def render(template: str, context: Mapping[str, str]) -> str:
    """Replace ``{name}`` placeholders with the texts of ``context``, which names every
    placeholder of ``template``; nothing else in the template is interpreted."""
    return _format_string(template).format_map(context)


@lru_cache(maxsize=4096)
def _format_string(template: str) -> str:
    """``template`` as a format string whose only fields are its placeholders (every other
    brace doubled), so that it is filled in C."""
    parts = _pieces(template)
    out = [parts[0].replace("{", "{{").replace("}", "}}")]
    for k in range(1, len(parts), 2):
        out.append("{" + parts[k] + "}")
        out.append(parts[k + 1].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


@lru_cache(maxsize=4096)
def _pieces(template: str) -> tuple[str, ...]:
    """The template's text and placeholder names, alternately (text first and last)."""
    return tuple(PLACEHOLDER.split(template))


def _shown(item: Any) -> str:
    if type(item) is int or type(item) is str:  # most values
        return str(item)
    if isinstance(item, float):
        return f"{item:g}"
    if isinstance(item, list | tuple):
        return "、".join(str(x) for x in item)
    return "—" if item is None else str(item)  # a value the plan does not give


@lru_cache(maxsize=1024)
def _labels(enum: type[Coded], code: str) -> tuple[str, str]:
    """An enumeration value in words, in Chinese and English."""
    if code == NONE:
        return "未填写", "not stated"
    member = enum(code)
    return member.label(Lang.ZH), member.label(Lang.EN)


_ENUM_FIELDS = {
    entity: {name: ftype.enum for name, ftype in fields.items() if ftype.enum is not None}
    for entity, fields in SCHEMA.items()
}


def _placeholders(rule: CompiledRule) -> tuple[str, ...]:
    """The names a rule's message and remediation mention, in either language."""
    spec = rule.spec
    return _names(spec.message.zh, spec.message.en, spec.remediation.zh, spec.remediation.en)


@lru_cache(maxsize=1024)
def _names(*templates: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for t in templates for name in _pieces(t)[1::2]))


@dataclass(frozen=True)
class _Params:
    """A rule's parameters as they apply to a fact: their values, those shown with a finding,
    and all of them as the finding's fingerprint takes them."""

    values: dict[str, Any]
    shown: tuple[tuple[str, Any], ...]
    applied: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class _Writer:
    """What every finding of one compiled rule shares, worked out once: where each placeholder
    takes its value from, the fields shown, and the parameters as they apply, by the values of
    the fields a table parameter is looked up by (none: the same for every fact)."""

    rule: CompiledRule
    sources: tuple[tuple[str, str, type[Coded] | None], ...]  # name, where from, enumeration
    severity: Severity
    fields: tuple[str, ...]  # the rule's fields shown with a finding (its name aside)
    tables: tuple[str, ...]  # the fields table parameters are looked up by
    params: dict[tuple[str, ...], _Params]  # by the values of those fields, as texts


def _params_shown(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in params.items() if isinstance(v, int | float | str)))


def _params_applied(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


_WRITERS: dict[int, _Writer] = {}


def _writer(rule: CompiledRule) -> _Writer:
    writer = _WRITERS.get(id(rule))
    if writer is not None and writer.rule is rule:
        return writer
    spec = rule.spec
    enums = _ENUM_FIELDS[rule.entity]
    sources = []
    for name in _placeholders(rule):  # computed values first, then parameters, then the fact's
        if name in spec.compute:
            where = "calc"
        elif name in ("key", "justification"):
            where = name
        elif name in rule.params:
            where = "param"
        else:
            where = "fact"
        sources.append((name, where, enums.get(name)))
    tables = dict.fromkeys(v.by for v in rule.params.values() if isinstance(v, Table))
    writer = _Writer(
        rule=rule,
        sources=tuple(sources),
        severity=Severity(spec.severity),
        fields=tuple(f for f in rule.fields if f != "name"),
        tables=tuple(tables),
        params={},
    )
    if len(_WRITERS) > 4096:
        _WRITERS.clear()
    _WRITERS[id(rule)] = writer
    return writer


def _params_for(writer: _Writer, values: Mapping[str, Any]) -> _Params:
    """The rule's parameters for a fact of these ``values`` (looked up once per table key)."""
    key = tuple([str(values.get(field)) for field in writer.tables])
    found = writer.params.get(key)
    if found is None:
        rule = writer.rule
        params = {name: rule.param_for(name, values) for name in rule.params}
        found = _Params(params, _params_shown(params), _params_applied(params))
        if len(writer.params) < 1024:  # a table has few keys; a field of many is not kept
            writer.params[key] = found
    return found


def make_finding(rule: CompiledRule, fact: Fact, plan_id: str, source: SourceMap) -> Finding:
    spec = rule.spec
    writer = _writer(rule)
    values = fact.values
    applied = _params_for(writer, values)
    params = applied.values
    calc = computed(spec.compute, values, params) if spec.compute else {}
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    for name, where, enum in writer.sources:
        if enum is not None and name in values:  # enumeration values as words
            zh[name], en[name] = _labels(enum, values[name])
            continue
        if where == "fact":
            value = values.get(name)
        elif where == "calc":
            value = calc[name]
        elif where == "param":
            value = params[name]
        elif where == "key":
            value = fact.key
        else:
            value = fact.justification
        if isinstance(value, Text):  # bilingual computed values (nonzero phrases)
            zh[name], en[name] = value.zh, value.en
        elif isinstance(value, bool):  # yes/no in words
            zh[name], en[name] = ("是" if value else "否"), ("yes" if value else "no")
        else:
            zh[name] = en[name] = _shown(value)
    severity = writer.severity
    if spec.in_principle and fact.justification and severity is Severity.ERROR:
        severity = Severity.WARNING  # 原则上: a stated justification lowers the finding
    shown = tuple([(f, values[f]) for f in writer.fields if f in values]) + applied.shown
    return Finding(
        rule_id=spec.id,
        severity=severity,
        plan_id=plan_id,
        entity=fact.entity,
        entity_key=fact.key,
        entity_name=fact.label,
        location=Location.at(source.file, source.position(fact.path)),
        message=Text(zh=render(spec.message.zh, zh), en=render(spec.message.en, en)),
        remediation=Text(zh=render(spec.remediation.zh, zh), en=render(spec.remediation.en, en)),
        values=shown,
        citation=spec.source,
        justification=fact.justification if spec.in_principle else None,
        params=applied.applied,
    )
