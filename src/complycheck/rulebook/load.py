"""Load rule files from the built-in rulebook and from user folders, strictly.

A rule file that cannot be read, does not fit the format, or does not compile is a fatal
error naming file:line:col; it is never skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem, RulebookError
from ..i18n import fold
from ..source import Document, LazySourceMap, SourceMap
from .cache import ParsedFiles
from .compiler import CompiledRule, compile_rule, resolve
from .files import read_exact
from .packs import Pack, PackBook, Selection, check_packs, load_pack
from .spec import All, AnyOf, Compare, Dated, Not, RuleSpec

RULE_SUFFIXES = (".yaml", ".yml")
_TAGS: dict[str, type[BaseModel]] = {"all": All, "any": AnyOf, "not": Not, "compare": Compare}


@dataclass(frozen=True)
class LoadedRule:
    spec: RuleSpec
    source: SourceMap
    compiled: CompiledRule

    @property
    def file(self) -> str:
        return self.source.file


@dataclass(frozen=True)
class Rulebook:
    """Rules by id, in id order, and the policy packs that select them."""

    rules: tuple[LoadedRule, ...]
    packs: PackBook = field(default_factory=lambda: PackBook(()))
    _compiled: dict[tuple[Any, ...], CompiledRule] = field(default_factory=dict, repr=False)
    # The rules applied to and skipped for a plan, by what decides them (see check.py).
    plans_cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def regions(self) -> frozenset[str]:
        """Every region a rule is scoped to, folded (see :func:`~complycheck.i18n.fold`)."""
        return frozenset(fold(r) for rule in self.rules for r in rule.spec.scope.regions)

    def get(self, rule_id: str) -> LoadedRule | None:
        return next((r for r in self.rules if r.spec.id == rule_id), None)

    def compiled(
        self, rule: LoadedRule, overrides: dict[str, Any], as_of: dt.date | None
    ) -> CompiledRule:
        """``rule`` compiled with pack parameters as in force on ``as_of`` (cached)."""
        if not overrides and as_of is None:
            return rule.compiled
        resolved = {k: resolve(v, as_of) for k, v in overrides.items()}
        defaults = {k: resolve(p.default, as_of) for k, p in rule.spec.params.items()}
        key = (rule.spec.id, repr(sorted({**defaults, **resolved}.items())))
        if key not in self._compiled:
            self._compiled[key] = compile_rule(rule.spec, rule.source, overrides, as_of)
        return self._compiled[key]


def builtin_rules_dir() -> Path:
    """The rulebook shipped with complycheck (inside the wheel, or ``rules/`` of a checkout)."""
    packaged = Path(str(resources.files("complycheck"))) / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def load_rule(path: Path, parsed: ParsedFiles | None = None) -> LoadedRule:
    doc = _fast(path, parsed)
    if doc is not None:
        try:
            spec = RuleSpec.model_validate(doc.data)
            return LoadedRule(spec, doc.source, compile_rule(spec, doc.source))
        except (ValidationError, RulebookError):
            pass  # read it again the exact way, to say where the problem is
    spec, doc = read_exact(path, RuleSpec, "rule mapping", _TAGS)
    return LoadedRule(spec, doc.source, compile_rule(spec, doc.source))


def _fast(path: Path, parsed: ParsedFiles | None) -> Document | None:
    """The file's data from the cache, else read with the fast loader (and cached)."""
    data = parsed.get(path) if parsed else None
    if data is not None:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        return Document(data, LazySourceMap(str(path), text, "yaml"), "yaml")
    from ..source_yaml import load_yaml_fast  # PyYAML, loaded only when a rule file is read

    doc = load_yaml_fast(path)
    if doc is not None and parsed is not None:
        parsed.put(path, doc.data)
    return doc


def rule_files(folder: Path) -> list[Path]:
    """Rule files under ``folder``; the ``packs`` folder beside them holds packs."""
    if not folder.is_dir():
        raise RulebookError([Problem(str(folder), None, "rule folder not found")])
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in RULE_SUFFIXES and p.is_file() and "packs" not in p.relative_to(folder).parts
    )


def pack_files(folder: Path) -> list[Path]:
    packs = folder / "packs"
    return sorted(p for p in packs.glob("*") if p.suffix in RULE_SUFFIXES) if packs.is_dir() else []


def load_rulebook(extra: Sequence[Path] = (), *, builtin: bool = True) -> Rulebook:
    """The built-in rules plus every rule file under the ``extra`` folders."""
    folders = ([builtin_rules_dir()] if builtin else []) + list(extra)
    loaded: dict[str, LoadedRule] = {}
    problems: list[Problem] = []
    packs: list[Pack] = []
    listing = [(n, pack_files(f), rule_files(f)) for n, f in enumerate(folders)]
    parsed = ParsedFiles([p for _, ps, rs in listing for p in (*ps, *rs)])
    for n, pack_paths, rule_paths in listing:
        for path in pack_paths:
            try:
                packs.append(load_pack(path, builtin=builtin and n == 0, fast=_fast(path, parsed)))
            except RulebookError as exc:
                problems.extend(exc.problems)
        for path in rule_paths:
            try:
                rule = load_rule(path, parsed)
            except RulebookError as exc:
                problems.extend(exc.problems)
                continue
            first = loaded.get(rule.spec.id)
            if first is not None:
                problems.append(
                    Problem(
                        rule.file,
                        rule.source.position(("id",)),
                        f"duplicate rule id {rule.spec.id!r} (also in {first.file})",
                    )
                )
                continue
            loaded[rule.spec.id] = rule
    if problems:
        raise RulebookError(problems)
    parsed.save()
    check_packs(packs, set(loaded), {k: set(r.spec.params) for k, r in loaded.items()})
    book = PackBook(packs)
    _check_pack_parameters(loaded, book)
    return Rulebook(tuple(loaded[k] for k in sorted(loaded, key=_id_order)), book)


def _check_pack_parameters(rules: dict[str, LoadedRule], book: PackBook) -> None:
    """Compile each rule with the parameters each pack gives it (every dated value too), so
    that a value of the wrong type is a rulebook error naming the pack, found at load time."""
    problems: list[Problem] = []
    for pack in book.packs.values():
        selection = Selection(tuple(book.closure([pack.id])), explicit=True)
        for rule_id in pack.spec.params:
            rule, params = rules[rule_id], selection.params(rule_id)
            dates = {
                d.from_
                for v in params.values()
                if isinstance(v, list)
                for d in v
                if isinstance(d, Dated)
            }
            for as_of in [None, *sorted(d for d in dates if d)]:
                try:
                    compile_rule(rule.spec, rule.source, params, as_of)
                except RulebookError as exc:
                    where = pack.source.position(("params", rule_id), key=True)
                    message = (
                        f"rule {rule_id} cannot take these parameters: {exc.problems[0].message}"
                    )
                    problems.append(Problem(pack.source.file, where, message))
                    break
    if problems:
        raise RulebookError(problems)


def _id_order(rule_id: str) -> tuple[str, int, str]:
    head = rule_id.split("-")[0]
    letters = head.rstrip("0123456789")
    digits = head[len(letters) :]
    return (letters, int(digits) if digits else 0, rule_id)
