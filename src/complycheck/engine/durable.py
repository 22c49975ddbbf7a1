"""durable-rules, the engine of record, used so that no finding can be lost silently.

durable-rules 2.0.28 as shipped has four ways to lose a result (see the engine notes); each is
handled here:

1. Background dispatch: ``Host`` starts timer threads that run actions later, so a call can
   return before its actions ran. :class:`_SyncHost` never starts them, and every message is
   posted on its own, so all actions have run when ``post`` returns.
2. Identity: a field named ``id`` is the message identity and ``sid`` the session. Facts never
   carry domain fields with those names; each message gets an ``id`` from :class:`_Ids`, which
   guarantees distinct 32-bit FNV-1 hashes within a session, because the engine compares
   stored messages by that hash alone and would reject a colliding one as a duplicate.
3. Swallowed exceptions: an exception in an action lands in the session state. Actions here
   only record, inside ``try``; the state is checked after every call, and any problem makes
   the rule an error result.
4. Unmatched messages: ``MessageNotHandledException`` for one posted message means that
   message matched no rule, which for a check rule is the compliant outcome.

Rulesets cannot be removed from a host, so each compiled rule is registered once per engine
and each evaluation runs in a fresh session (``sid``) that is deleted afterwards.
``delete_state`` crashes the C code (a segfault) on a session that holds messages but in which
no action has run yet, so every session starts with an "open" message whose rule runs a no-op
action; the session is deleted only if that action ran and nothing failed.
"""

from __future__ import annotations

import hashlib
import itertools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import durable.engine as dengine

from ..facts import Fact
from ..rulebook.compiler import And, CompiledRule, Const, Or, Pred
from .base import EngineResult, Hit, by_entity

_ENTITY, _KEY, _ROLE = "_entity", "_key", "_role"

# durable-rules keeps rulesets and sessions in process-wide C tables, so names and session
# ids are drawn from process-wide counters: two engines never share either.
_RULESET_NUMBERS = itertools.count(1)
_SESSION_NUMBERS = itertools.count(1)


class EngineFailure(Exception):
    """durable-rules did something that would lose or invent a finding."""


class _SyncHost(dengine.Host):  # type: ignore[misc]
    """A host without the background dispatch threads: actions run inside each call."""

    def _run(self) -> None:
        return None


def fnv1_32(text: str) -> int:
    """durable-rules' ``fnv1Hash32`` (its C ``char`` is signed on the platforms it builds on)."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        if byte >= 0x80:
            byte -= 0x100
        value = ((value ^ (byte & 0xFFFFFFFF)) * 0x01000193) & 0xFFFFFFFF
    return value


class _Ids:
    """Message ids whose 32-bit hashes are all distinct within one session."""

    def __init__(self, sid: str) -> None:
        self._used = {fnv1_32(f"sid-{sid}")}
        self._counter = itertools.count()

    def next(self) -> str:
        while True:
            candidate = f"m{next(self._counter)}"
            h = fnv1_32(candidate)
            if h not in self._used:
                self._used.add(h)
                return candidate


def to_json(pred: Pred) -> dict[str, Any]:
    """A compiled predicate as a durable-rules condition."""
    if isinstance(pred, And):
        return {"$and": [to_json(p) for p in pred.items]}
    if isinstance(pred, Or):
        return {"$or": [to_json(p) for p in pred.items]}
    if isinstance(pred, Const):
        # TRUE: every posted message has an entity; FALSE never reaches here (rule skipped).
        return {"$ex": {_ENTITY: 1}}
    if pred.op == "exists":
        return {"$ex" if pred.value else "$nex": {pred.field: 1}}
    if pred.op == "eq":
        return {pred.field: pred.value}
    if pred.op == "in":
        return {"$or": [{pred.field: v} for v in pred.value]}
    if pred.op == "not_in":
        return {"$and": [{"$neq": {pred.field: v}} for v in pred.value]}
    if pred.op == "has":
        return {"$iany": {pred.field: {"$i": pred.value}}}
    if pred.op == "lacks":
        return {"$iall": {pred.field: {"$neq": {"$i": pred.value}}}}
    name = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}[pred.op]
    return {name: {pred.field: pred.value}}


def _where(
    entity: str, role: str, pred: Pred, joins: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """One flat ``$and``: durable-rules 2.0.28 ignores a join reference that sits beside a
    nested ``$and`` (the pairing then matches partners of any kind), so none is nested."""
    parts = list(pred.items) if isinstance(pred, And) else [pred]
    return {"$and": [{_ENTITY: entity}, {_ROLE: role}, *map(to_json, parts), *joins]}


class DurableEngine:
    name = "durable"

    def __init__(self) -> None:
        self._host = _SyncHost()
        self._rulesets: dict[str, str] = {}
        self._sink: list[str] = []
        self._action_errors: list[str] = []

    # -- rulesets ---------------------------------------------------------------------

    def _record(self, alias: str) -> Callable[[Any], None]:
        # Aliases must not be "s" or "m": durable-rules' closure uses c.s for session state.
        def action(c: Any) -> None:
            try:
                self._sink.append(str(getattr(c, alias)[_KEY]))
            except Exception as exc:  # never let durable-rules swallow it
                self._action_errors.append(f"{type(exc).__name__}: {exc}")

        return action

    def _opened(self, c: Any) -> None:
        self._open = True

    def _ruleset(self, rule: CompiledRule) -> str:
        digest = hashlib.sha256(
            repr((rule.entity, rule.kind, rule.violation, rule.partner, rule.match_on)).encode()
        ).hexdigest()[:12]
        name = self._rulesets.get(digest)
        if name is not None:
            return name
        name = f"complycheck_{rule.id}_{digest}_{next(_RULESET_NUMBERS)}"
        if rule.kind == "pairing":
            assert rule.partner is not None
            joins = [{k: {"subject": k}} for k in rule.match_on]
            subject = _where(rule.entity, "s", rule.violation)
            partner = _where(rule.entity, "p", rule.partner, joins)
            definition = {
                "pair": {
                    "all": [
                        {"subject": subject},
                        {"partner": partner},
                    ],
                    "run": lambda c: None,
                },
                "unpaired": {
                    "pri": 1,
                    "all": [{"end": {_ROLE: "end"}}, {"subject": subject}],
                    "run": self._record("subject"),
                },
            }
        else:
            definition = {
                "violation": {
                    "all": [{"m": _where(rule.entity, "s", rule.violation)}],
                    "run": self._record("m"),
                }
            }
        definition["open"] = {"all": [{"session": {_ROLE: "open"}}], "run": self._opened}
        self._host.set_rulesets({name: definition})
        self._rulesets[digest] = name
        return name

    # -- evaluation -------------------------------------------------------------------

    def evaluate(self, rules: Sequence[CompiledRule], facts: Sequence[Fact]) -> EngineResult:
        result = EngineResult()
        grouped = by_entity(facts)
        for rule in rules:
            if rule.violation == Const(False):
                continue  # folded away: this rule cannot find anything with these parameters
            try:
                keys = self._run(rule, grouped.get(rule.entity, []))
            except Exception as exc:  # a failing rule is an error result, never a pass
                result.errors[rule.id] = f"{type(exc).__name__}: {exc}"
                continue
            result.hits.update(Hit(rule.id, k) for k in keys)
        return result

    def _run(self, rule: CompiledRule, facts: list[Fact]) -> list[str]:
        with warnings.catch_warnings():
            # durable-rules calls datetime.utcfromtimestamp, deprecated since Python 3.12.
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="durable")
            return self._run_session(rule, facts)

    def _run_session(self, rule: CompiledRule, facts: list[Fact]) -> list[str]:
        name = self._ruleset(rule)
        sid = str(next(_SESSION_NUMBERS))
        ids = _Ids(sid)
        self._sink = []
        self._action_errors = []
        self._open = False
        clean = False
        try:
            self._post(name, {"sid": sid, "id": ids.next(), _ROLE: "open"})
            if not self._open:
                raise EngineFailure("the session did not open")
            if rule.kind == "pairing":
                for fact in facts:  # every partner first, then the subjects in order
                    self._post(name, self._message(rule, fact, sid, ids, "p"))
                for fact in facts:
                    self._post(name, self._message(rule, fact, sid, ids, "s"))
                self._post(name, {"sid": sid, "id": ids.next(), _ROLE: "end"}, fact=True)
            else:
                for fact in facts:
                    self._post(name, self._message(rule, fact, sid, ids, "s"))
            clean = True
        finally:
            state = self._state(name, sid)
            if self._open and clean and state is not None and "exception" not in state:
                self._host.delete_state(name, sid)  # else left in place: its rule is an error
        state = state or {}
        if "exception" in state:
            raise EngineFailure(f"an action failed: {state['exception']}")
        if self._action_errors:
            raise EngineFailure("; ".join(self._action_errors))
        keys = list(self._sink)
        expected = {f.key for f in facts}
        if len(set(keys)) != len(keys) or not set(keys) <= expected:
            raise EngineFailure(f"inconsistent results for {rule.id}: {sorted(keys)}")
        return keys

    @staticmethod
    def _message(rule: CompiledRule, fact: Fact, sid: str, ids: _Ids, role: str) -> dict[str, Any]:
        message = {f: fact.values[f] for f in rule.fields if f in fact.values}
        for name, value in message.items():
            if isinstance(value, list):
                # $iall is false on an empty list in durable-rules; an empty text (never an
                # item a rule may name) keeps every list non-empty without changing any test.
                message[name] = ["", *value]
        message.update(
            {"sid": sid, "id": ids.next(), _ENTITY: fact.entity, _KEY: fact.key, _ROLE: role}
        )
        return message

    def _post(self, name: str, message: dict[str, Any], *, fact: bool = False) -> None:
        try:
            if fact:
                self._host.assert_fact(name, message)
            else:
                self._host.post(name, message)
        except dengine.MessageNotHandledException:
            return  # the message matched no rule: nothing to report for it
        except dengine.MessageObservedException:
            raise EngineFailure(f"message {message['id']} was rejected as a duplicate") from None

    def _state(self, name: str, sid: str) -> dict[str, Any] | None:
        """The session's state, or None when no message created the session (so no action
        ran in it)."""
        try:
            return dict(self._host.get_state(name, sid))
        except Exception as exc:
            if "error code: 309" in str(exc):
                return None
            raise
