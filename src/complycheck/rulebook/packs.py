"""Policy packs: data files that select rules and set their parameters for a jurisdiction.

A pack names the rules of one policy (Taiyuan's, Shanxi's, Liaoning's, ...), the regions it
applies to, and parameter values for its rules. A plan's jurisdiction selects packs
automatically; ``--pack`` or the plan's ``packs`` field replaces that choice. A pack may extend
others and override their parameters, so an office can keep its own values (an institution-limit
table, say) without touching rule files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StrictBool, ValidationError

from ..errors import Problem, RulebookError
from ..i18n import Text, fold
from ..source import Document, SourceMap
from .files import read_exact
from .spec import NAME, RULE_ID, Dated, Spec, Value

PACK_ID = r"^[a-z][a-z0-9-]*$"


class PackSpec(Spec):
    id: Annotated[str, Field(pattern=PACK_ID)]
    title: Text
    description: Text
    regions: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    auto: StrictBool = True
    extends: list[Annotated[str, Field(pattern=PACK_ID)]] = Field(default_factory=list)
    rules: list[Annotated[str, Field(pattern=RULE_ID)]] = Field(default_factory=list)
    params: dict[
        Annotated[str, Field(pattern=RULE_ID)],
        dict[Annotated[str, Field(pattern=NAME)], Value | list[Dated]],
    ] = Field(default_factory=dict)


@dataclass(frozen=True)
class Pack:
    spec: PackSpec
    source: SourceMap
    builtin: bool

    @property
    def id(self) -> str:
        return self.spec.id

    def matches(self, places: set[str]) -> bool:
        """Whether the pack covers a jurisdiction named by ``places`` (folded names)."""
        return not self.spec.regions or bool(places & {fold(r) for r in self.spec.regions})


def load_pack(path: Path, *, builtin: bool, fast: Document | None = None) -> Pack:
    """Load a pack; ``fast`` is the file already read the fast way, used when it is valid."""
    if fast is not None and isinstance(fast.data, dict):
        try:
            return Pack(PackSpec.model_validate(fast.data), fast.source, builtin)
        except ValidationError:
            pass  # read it again the exact way, to say where the problem is
    spec, doc = read_exact(path, PackSpec, "pack mapping")
    return Pack(spec, doc.source, builtin)


@dataclass(frozen=True)
class Selection:
    """The packs applied to one plan, every pack in the order its parameters apply."""

    packs: tuple[Pack, ...]
    explicit: bool  # chosen by --pack or the plan's packs field, not by jurisdiction

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.packs)

    def rules(self) -> set[str]:
        return {r for p in self.packs for r in p.spec.rules}

    def params(self, rule_id: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for pack in self.packs:
            merged.update(pack.spec.params.get(rule_id, {}))
        return merged


class PackBook:
    """Every pack known to a run, by id."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = {p.id: p for p in packs}

    def closure(self, ids: Sequence[str]) -> list[Pack]:
        """The packs named and those they extend, each after what it extends."""
        out: list[Pack] = []
        for pack_id in ids:
            self._visit(pack_id, out)
        return out

    def _visit(self, pack_id: str, out: list[Pack]) -> None:
        """Add the pack and what it extends to ``out``, each after what it extends. (A method,
        not a function that calls itself from inside ``closure``: that would be a reference
        cycle left for the cyclic collector on every plan.)"""
        pack = self.packs[pack_id]
        if pack in out:
            return
        for parent in pack.spec.extends:
            self._visit(parent, out)
        out.append(pack)

    def auto(self, places: set[str]) -> list[str]:
        """Packs chosen by jurisdiction: nationwide ones first, built-in before the user's."""
        chosen = [p for p in self.packs.values() if p.spec.auto and p.matches(places)]
        chosen.sort(key=lambda p: (bool(p.spec.regions), not p.builtin, p.id))
        return [p.id for p in chosen]

    def containing(self, rule_id: str) -> list[Pack]:
        return [p for p in self.packs.values() if rule_id in p.spec.rules]


def check_packs(packs: Sequence[Pack], rule_ids: set[str], params: dict[str, set[str]]) -> None:
    """Packs name known rules, parameters and packs, extend without cycles, and ids are unique."""
    problems: list[Problem] = []
    seen: dict[str, Pack] = {}
    for pack in packs:
        file = pack.source.file

        def at(
            path: tuple[str | int, ...], message: str, file: str = file, pack: Pack = pack
        ) -> None:
            problems.append(Problem(file, pack.source.position(path, key=True), message))

        if pack.id in seen:
            at(("id",), f"duplicate pack id {pack.id!r} (also in {seen[pack.id].source.file})")
        seen[pack.id] = pack
        for i, rule_id in enumerate(pack.spec.rules):
            if rule_id not in rule_ids:
                at(("rules", i), f"unknown rule {rule_id!r}")
        for rule_id, values in pack.spec.params.items():
            if rule_id not in rule_ids:
                at(("params", rule_id), f"unknown rule {rule_id!r}")
                continue
            for name in values:
                if name not in params[rule_id]:
                    at(("params", rule_id, name), f"rule {rule_id} has no parameter {name!r}")
    ids = {p.id for p in packs}
    for pack in packs:
        for i, parent in enumerate(pack.spec.extends):
            if parent not in ids:
                problems.append(
                    Problem(
                        pack.source.file,
                        pack.source.position(("extends", i)),
                        f"unknown pack {parent!r}",
                    )
                )
    by_id = {p.id: p for p in packs}

    def cyclic(pack_id: str, trail: tuple[str, ...]) -> bool:
        if pack_id in trail:
            return True
        pack = by_id.get(pack_id)
        return pack is not None and any(cyclic(x, (*trail, pack_id)) for x in pack.spec.extends)

    for pack in packs:
        if cyclic(pack.id, ()):
            problems.append(
                Problem(
                    pack.source.file,
                    pack.source.position(("extends",)),
                    f"pack {pack.id!r} extends itself",
                )
            )
    if problems:
        raise RulebookError(problems)
