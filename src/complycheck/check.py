"""One run, start to finish: find plan files, load and validate each, choose the policy packs
and the rules in force, build facts, evaluate, and collect findings into the canonical report."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine import Engine
from .errors import InputError, Problem
from .facts import build_facts
from .findings import Finding, make_finding
from .i18n import Text, fold
from .ledger import WORKBOOK_SUFFIXES, is_csv_ledger
from .model.plan import Plan
from .plans import load_any
from .profile import build_profile
from .report import PlanReport, Report, RuleFailure, SkippedRule
from .rulebook.compiler import CompiledRule
from .rulebook.load import LoadedRule, Rulebook
from .rulebook.packs import Selection
from .validate import LoadedPlan
from .waivers import plan_waivers

PLAN_SUFFIXES = (".yaml", ".yml", ".json")
MIN_FILES_FOR_WORKERS = 4  # below this, starting workers costs more than it saves


@dataclass(frozen=True)
class Options:
    """What a run may choose beyond the plan itself."""

    packs: tuple[str, ...] = ()  # --pack: replaces the packs chosen by jurisdiction
    as_of: dt.date | None = None  # --as-of: replaces the plan's date
    profiles: bool = True  # give each plan report its profile (summaries, the history)
    locate_requests: bool = False  # locate each unit asked staffing for (history linkage)


@dataclass(frozen=True)
class PlanFile:
    path: Path
    display: str


def _is_plan(path: Path) -> bool:
    """A plan file, a workbook (but not Excel's ``~$`` lock file of an open one), or a folder
    holding a ledger's CSV files."""
    suffix = path.suffix.lower()
    if suffix in PLAN_SUFFIXES:
        return path.is_file()
    if suffix in WORKBOOK_SUFFIXES:
        return path.is_file() and not path.name.startswith("~$")
    return path.is_dir() and is_csv_ledger(path)


def discover(paths: Sequence[Path]) -> tuple[list[PlanFile], list[Problem]]:
    """Plan files named directly, and every plan file below the named folders, sorted. A
    workbook, or a folder holding a ledger's CSV files, is a plan too."""
    found: list[PlanFile] = []
    missing: list[Problem] = []
    for path in paths:
        if path.is_dir() and is_csv_ledger(path):
            found.append(PlanFile(path, str(path)))
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if _is_plan(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            found.extend(PlanFile(p, str(p)) for p in files)
        elif path.is_file():
            found.append(PlanFile(path, str(path)))
        else:
            missing.append(Problem(str(path), None, "no such file or folder"))
    return found, missing


def _place(plan: Plan) -> str:
    """``山西省 / 太原市 / 清徐县``: the jurisdiction with the city and province it belongs to."""
    j = plan.plan.jurisdiction
    return " / ".join(dict.fromkeys(x for x in (j.province, j.city, j.name) if x))


def _places(plan: Plan) -> set[str]:
    j = plan.plan.jurisdiction
    return {fold(x) for x in (j.name, j.city, j.province) if x}


def select_packs(loaded: LoadedPlan, rulebook: Rulebook, options: Options) -> Selection:
    """``--pack`` if given, else the plan's ``packs`` field, else the packs of its jurisdiction."""
    book = rulebook.packs
    named = loaded.plan.plan.packs
    if named is not None:  # an unknown pack in the plan is an error, even under --pack
        unknown = [(i, p) for i, p in enumerate(named) if p not in book.packs]
        if unknown:
            known = ", ".join(sorted(book.packs))
            raise InputError(
                [
                    Problem(
                        loaded.file,
                        loaded.source.position(("plan", "packs", i)),
                        f"unknown policy pack {p!r}; known: {known}",
                        f"plan.packs[{i}]",
                    )
                    for i, p in unknown
                ]
            )
    if options.packs:
        return Selection(tuple(book.closure(options.packs)), explicit=True)
    if named is not None:
        return Selection(tuple(book.closure(named)), explicit=True)
    return Selection(tuple(book.closure(book.auto(_places(loaded.plan)))), explicit=False)


def _skip(
    rule: LoadedRule,
    place: str,
    places: set[str],
    selection: Selection,
    rulebook: Rulebook,
    as_of: dt.date,
) -> SkippedRule | None:
    """Why ``rule`` does not apply to a plan of ``places`` (shown as ``place``) with the
    packs of ``selection`` on ``as_of``, or None when it does."""
    spec = rule.spec
    holders = rulebook.packs.containing(spec.id)
    if holders and spec.id not in selection.rules() and selection.explicit:
        chosen = ", ".join(selection.ids) or "-"
        return SkippedRule(
            spec.id,
            Text(zh=f"不在所选政策包（{chosen}）中", en=f"not in the packs chosen ({chosen})"),
        )
    if holders and spec.id not in selection.rules():
        names = "、".join(
            p.id
            + (f"（{'、'.join(p.spec.regions)}）" if p.spec.regions else "")
            + ("（须点名启用）" if not p.spec.auto else "")
            for p in holders
        )
        names_en = ", ".join(
            p.id
            + (f" ({', '.join(p.spec.regions)})" if p.spec.regions else "")
            + (" (opt-in: --pack or plan.packs)" if not p.spec.auto else "")
            for p in holders
        )
        return SkippedRule(
            spec.id,
            Text(
                zh=f"所属政策包 {names} 未适用于本方案（{place}）",
                en=f"its policy packs {names_en} do not apply to this plan ({place})",
            ),
        )
    regions = spec.scope.regions
    if regions and not selection.explicit and not (places & {fold(r) for r in regions}):
        policy = "、".join(regions)
        return SkippedRule(
            spec.id,
            Text(
                zh=f"该规则为{policy}的政策，本方案所属辖区为{place}",
                en=f"the rule is the policy of {policy}; this plan's jurisdiction is {place}",
            ),
        )
    effective = spec.effective
    if (effective.from_ and as_of < effective.from_) or (
        effective.until and as_of >= effective.until
    ):
        span = f"{effective.from_ or '…'} – {effective.until or '…'}"
        return SkippedRule(
            spec.id,
            Text(
                zh=f"规则有效期为 {span}，不含 {as_of}",
                en=f"the rule is in force {span}, not on {as_of}",
            ),
        )
    return None


def _rules_for(
    plan: Plan, selection: Selection, rulebook: Rulebook, as_of: dt.date
) -> tuple[tuple[CompiledRule, ...], tuple[SkippedRule, ...]]:
    """The rules that apply to ``plan``, compiled, and why each other rule does not. They
    depend only on the packs, the date and which of the rules' regions the plan is in, which
    a batch's plans mostly share: worked out once for each, and kept with the rulebook."""
    place, places = _place(plan), _places(plan)
    key = (selection.ids, selection.explicit, as_of, frozenset(places & rulebook.regions))
    cache = rulebook.plans_cache
    rules = cache.get(key)
    if rules is None:
        rules = cache[key] = _decide(places, selection, rulebook, as_of)
        if len(cache) > 1024:  # a batch of many jurisdictions: keep memory bounded
            cache.clear()
    applied, skipped = rules
    return applied, tuple(
        SkippedRule(
            s.rule_id,
            Text(zh=s.reason.zh.replace(_PLACE, place), en=s.reason.en.replace(_PLACE, place)),
        )
        if _PLACE in s.reason.en
        else s
        for s in skipped
    )


# Stands for the plan's jurisdiction in the reasons decided once for many plans.
_PLACE = "\x00place\x00"


def _decide(
    places: set[str], selection: Selection, rulebook: Rulebook, as_of: dt.date
) -> tuple[tuple[CompiledRule, ...], tuple[SkippedRule, ...]]:
    applied: list[CompiledRule] = []
    skipped: list[SkippedRule] = []
    for rule in rulebook.rules:
        reason = _skip(rule, _PLACE, places, selection, rulebook, as_of)
        if reason is None:
            compiled = rulebook.compiled(rule, selection.params(rule.spec.id), as_of)
            if compiled.unconfigured:
                name = compiled.unconfigured[0]
                reason = SkippedRule(
                    rule.spec.id,
                    Text(
                        zh=f"参数 {name} 未配置（须在政策包中设定）",
                        en=f"parameter {name} is not configured (a policy pack must set it)",
                    ),
                )
        if reason is None:
            applied.append(compiled)
        else:
            skipped.append(reason)
    return tuple(applied), tuple(skipped)


def check_plan(
    loaded: LoadedPlan, rulebook: Rulebook, engine: Engine, options: Options = Options()
) -> PlanReport:
    plan = loaded.plan
    selection = select_packs(loaded, rulebook, options)
    as_of = options.as_of or plan.plan.date
    applied, skipped = _rules_for(plan, selection, rulebook, as_of)
    facts = build_facts(plan)
    result = engine.evaluate(applied, facts)
    by_id = {r.id: r for r in applied}
    failures = dict(result.errors)
    findings: list[Finding] = []
    for hit in sorted(result.hits, key=lambda h: (h.rule_id, h.key)):  # compared in C
        hit_rule = by_id[hit.rule_id]
        fact = facts.find(hit_rule.entity, hit.key)
        try:
            findings.append(make_finding(hit_rule, fact, plan.plan.id, loaded.source))
        except (ArithmeticError, TypeError, ValueError) as exc:  # a broken message: an error
            failures[hit_rule.id] = f"cannot write the finding: {type(exc).__name__}: {exc}"
    findings = [f for f in findings if f.rule_id not in failures]
    findings.sort(key=lambda f: f.sort_key())
    return PlanReport(
        file=loaded.file,
        plan_id=plan.plan.id,
        title=plan.plan.title,
        jurisdiction=_place(plan),
        as_of=as_of,
        packs=selection.ids,
        findings=tuple(f for f in findings if by_id[f.rule_id].kind != "benchmark"),
        comparisons=tuple(f for f in findings if by_id[f.rule_id].kind == "benchmark"),
        applied=tuple(r.id for r in applied),
        skipped=tuple(skipped),
        failures=tuple(RuleFailure(k, v) for k, v in sorted(failures.items())),
        waivers=plan_waivers(loaded),
        profile=(
            build_profile(plan, findings, loaded.source if options.locate_requests else None)
            if options.profiles or options.locate_requests
            else None
        ),
    )


def _check_file(
    plan_file: PlanFile, rulebook: Rulebook, engine: Engine, options: Options
) -> PlanReport | list[Problem]:
    try:
        loaded = load_any(plan_file.path, display=plan_file.display)
        return check_plan(loaded, rulebook, engine, options)
    except InputError as exc:
        return exc.problems


# A worker process's rulebook, engine and options, set once when the worker starts.
_WORKER: tuple[Rulebook, Engine, Options] | None = None


def _start_worker(rule_dirs: tuple[Path, ...], engine_name: str, options: Options) -> None:
    global _WORKER
    gc.disable()  # collected between plans: see _check_in_worker
    from .engine import EngineName, make_engine
    from .rulebook.load import load_rulebook

    _WORKER = (load_rulebook(rule_dirs), make_engine(EngineName(engine_name)), options)


# A plan's objects are freed by reference counting as soon as it is done; the few reference
# cycles a plan can leave (durable-rules leaves some for each plan it checks) wait for the
# cyclic collector, which in a worker runs every COLLECT_EVERY plans instead of every so many
# allocations while a plan is being checked.
COLLECT_EVERY = 32
_CHECKED = 0


def _check_in_worker(plan_file: PlanFile) -> PlanReport | list[Problem]:
    assert _WORKER is not None
    global _CHECKED
    _CHECKED += 1
    if _CHECKED % COLLECT_EVERY == 0:
        gc.collect()
    return _check_file(plan_file, *_WORKER)


def _check_chunk(chunk: list[PlanFile]) -> list[PlanReport | list[Problem]]:
    return [_check_in_worker(f) for f in chunk]


def _chunks(files: list[PlanFile], jobs: int) -> Iterator[list[PlanFile]]:
    """``files`` in chunks for ``jobs`` workers, each a quarter of a worker's share of what is
    left (at most 16 plans, at least one): few messages between processes while there is much
    to do, and small chunks at the end, so that no worker is left checking a long chunk alone
    while the others wait."""
    start = 0
    while start < len(files):
        size = max(1, min(16, (len(files) - start) // (jobs * 4)))
        yield files[start : start + size]
        start += size


def _in_workers(
    files: list[PlanFile],
    jobs: int,
    rulebook: Rulebook,
    engine: Engine,
    options: Options,
    rule_dirs: Sequence[Path],
) -> Iterator[PlanReport | list[Problem]]:
    """Check ``files`` in ``jobs`` processes, in order. Where the platform can fork, a worker
    starts with the parent's rulebook; elsewhere it loads its own."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _WORKER
    if "fork" in multiprocessing.get_all_start_methods():
        from .engine import EngineName, make_engine

        _WORKER = (rulebook, make_engine(EngineName(engine.name)), options)
        context: Any = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=gc.disable)
    else:  # pragma: no cover - not Linux
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            jobs,
            mp_context=context,
            initializer=_start_worker,
            initargs=(tuple(rule_dirs), engine.name, options),
        )
    done = 0
    try:
        try:
            with pool:
                for results in pool.map(_check_chunk, _chunks(files, jobs)):
                    for result in results:
                        done += 1
                        yield result
        except BrokenProcessPool:  # a worker died (a crash, or out of memory): find which plan
            yield from (_alone(f, context, rule_dirs, engine.name, options) for f in files[done:])
    finally:
        _WORKER = None


def _alone(
    plan_file: PlanFile,
    context: Any,
    rule_dirs: Sequence[Path],
    engine_name: str,
    options: Options,
) -> PlanReport | list[Problem]:
    """Check one plan in a process of its own, so that a plan that kills its process costs
    only its own report: it becomes an input error, and the batch goes on."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    start: dict[str, Any] = {}
    if context.get_start_method() != "fork":  # pragma: no cover - not Linux
        start = {"initializer": _start_worker, "initargs": (tuple(rule_dirs), engine_name, options)}
    try:
        with ProcessPoolExecutor(1, mp_context=context, **start) as pool:
            return pool.submit(_check_in_worker, plan_file).result()
    except BrokenProcessPool:
        return [
            Problem(
                plan_file.display,
                None,
                "checking this plan ended its worker process abruptly (a crash, or not enough "
                "memory); nothing could be reported for it. Check it alone with --jobs 1 to see "
                "what happens",
            )
        ]


def tune_collector() -> None:
    """For a command-line run, which allocates many short-lived objects: freeze what lives
    throughout (modules, the rulebook) and collect less often, so that the cyclic collector
    does not re-scan them again and again."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def check_paths(
    paths: Iterable[Path],
    rulebook: Rulebook,
    engine: Engine,
    options: Options = Options(),
    *,
    jobs: int = 1,
    rule_dirs: Sequence[Path] = (),
    progress: Callable[[int, int], None] | None = None,
    freeze_reports: bool = False,
) -> Report:
    """Check every plan under ``paths``. With ``jobs`` > 1, plans are checked in that many
    worker processes (each loads the rulebook from ``rule_dirs`` and builds its own engine);
    the report is the same, in the same order. ``progress`` is called with the number of files
    done and the number found, once they are found and after each file.

    ``freeze_reports`` (for a command-line run, see :func:`tune_collector`): the reports live
    until the run ends and hold no reference cycles, so they are moved out of the cyclic
    collector's sight as they arrive. Otherwise each collection walks every finding so far:
    over a national batch, about 3 s of the main process's time."""
    paths = list(paths)
    files, problems = discover(paths)
    results: Iterable[PlanReport | list[Problem]]
    if jobs > 1 and len(files) >= MIN_FILES_FOR_WORKERS:
        results = _in_workers(files, min(jobs, len(files)), rulebook, engine, options, rule_dirs)
    else:
        results = (_check_file(f, rulebook, engine, options) for f in files)
    reports: list[PlanReport] = []
    if progress is not None:
        progress(0, len(files))
    for done, result in enumerate(results, 1):
        if progress is not None:
            progress(done, len(files))
        if isinstance(result, PlanReport):
            reports.append(result)
            if freeze_reports and done % 16 == 0:
                gc.freeze()
        else:
            problems.extend(result)
    if not files and not problems:
        looked = ", ".join((*PLAN_SUFFIXES, *WORKBOOK_SUFFIXES)) + " or a folder of CSV sheets"
        where = ", ".join(map(str, paths))
        problems.append(Problem(where, None, f"no plan files found (looked for {looked})"))
    return Report(tuple(reports), tuple(problems), engine.name)
