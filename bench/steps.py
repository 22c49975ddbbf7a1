"""What checking one plan costs, step by step, in a warm process: a Markdown table.

    python bench/steps.py --scale province [--plans 100] [--rounds 3] [--folder DIR]

Each plan of bench/data/<scale>/ (written by bench/generate.py, as bench/run.py does) goes
through the steps a worker takes, timed with ``time.process_time``: the CPU time per plan,
averaged over the plans, as the lowest and highest of the rounds (a first round, which fills
the caches, is not counted). ``json.loads`` of the same bytes comes first, for comparison: it
is what bench/run.py's floor does. "unpickle" is the main process's share, receiving the
report. The steps call complycheck's own functions in the order check_plan calls them; the
figures are for reading where the time goes, not a target.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import SCALES, data_for  # noqa: E402

from complycheck import check  # noqa: E402
from complycheck.check import Options, tune_collector  # noqa: E402
from complycheck.engine import Engine, EngineName, make_engine  # noqa: E402
from complycheck.facts import build_facts  # noqa: E402
from complycheck.findings import make_finding  # noqa: E402
from complycheck.model.plan import Plan  # noqa: E402
from complycheck.report import PlanReport  # noqa: E402
from complycheck.rulebook.load import Rulebook, load_rulebook  # noqa: E402
from complycheck.source import JsonSourceMap, parse_json_located  # noqa: E402
from complycheck.validate import LoadedPlan, check_references  # noqa: E402

STEPS = (
    "json.loads of the same bytes (the floor's work)",
    "read and parse, noting where entities start",
    "validate (column readers, pydantic for the rest)",
    "references between entities",
    "choose packs and rules",
    "facts",
    "evaluate",
    "find the facts of the hits",
    "positions of the findings",
    "write the findings",
    "assemble the report",
    "pickle (to the main process)",
    "unpickle (in the main process)",
    "free the plan's objects",
)


def one_plan(path: Path, rulebook: Rulebook, engine: Engine, options: Options) -> list[float]:
    """The CPU seconds of each step for the plan at ``path``."""
    clock = time.process_time
    marks = [clock()]
    raw = path.read_bytes()
    json.loads(raw)
    marks.append(clock())
    text = raw.decode("utf-8")
    data, spans = parse_json_located(text)
    marks.append(clock())
    plan = Plan.model_validate(data)
    marks.append(clock())
    source = JsonSourceMap(str(path), text, spans, data)
    list(check_references(plan, source))
    marks.append(clock())
    loaded = LoadedPlan(plan, source)
    selection = check.select_packs(loaded, rulebook, options)
    applied, skipped = check._rules_for(plan, selection, rulebook, plan.plan.date)
    marks.append(clock())
    facts = build_facts(plan)
    marks.append(clock())
    result = engine.evaluate(applied, facts)
    marks.append(clock())
    by_id = {r.id: r for r in applied}
    hits = [
        (by_id[h.rule_id], facts.find(by_id[h.rule_id].entity, h.key))
        for h in sorted(result.hits, key=lambda h: (h.rule_id, h.key))
    ]
    marks.append(clock())
    for _, fact in hits:
        source.position(fact.path)
    marks.append(clock())
    findings = [make_finding(rule, fact, plan.plan.id, source) for rule, fact in hits]
    marks.append(clock())
    findings.sort(key=lambda f: f.sort_key())
    report = PlanReport(
        file=str(path),
        plan_id=plan.plan.id,
        title=plan.plan.title,
        jurisdiction=check._place(plan),
        as_of=plan.plan.date,
        packs=selection.ids,
        findings=tuple(findings),
        comparisons=(),
        applied=tuple(r.id for r in applied),
        skipped=skipped,
        failures=(),
        waivers=(),
        profile=None,
    )
    marks.append(clock())
    sent = pickle.dumps(report, pickle.HIGHEST_PROTOCOL)
    marks.append(clock())
    received = pickle.loads(sent)
    marks.append(clock())
    del raw, text, data, spans, plan, source, loaded, facts, result, hits, findings
    del report, sent, received
    marks.append(clock())
    return [b - a for a, b in pairwise(marks)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=[s for s in SCALES if s != "county"], default="province")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--plans", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", type=Path, help="time the JSON plans of this folder instead")
    args = parser.parse_args(argv)
    folder = args.folder or data_for(args.scale, args.data)[0]
    paths = sorted(folder.glob("*.json"))[: args.plans]
    rulebook = load_rulebook()
    engine = make_engine(EngineName.PYTHON)  # what auto uses for plans of this size
    options = Options(profiles=False)  # as `complycheck check` without --db
    tune_collector()
    rounds = []
    for _ in range(args.rounds + 1):
        totals = [0.0] * len(STEPS)
        for path in paths:
            for k, seconds in enumerate(one_plan(path, rulebook, engine, options)):
                totals[k] += seconds
        rounds.append([t / len(paths) * 1000 for t in totals])
    rounds = rounds[1:]  # the first filled the caches
    print(f"| step ({len(paths)} plans, {args.rounds} rounds) | ms per plan |")
    print("|---|---|")
    for k, step in enumerate(STEPS):
        low, high = min(r[k] for r in rounds), max(r[k] for r in rounds)
        print(f"| {step} | {low:.2f}–{high:.2f} |")
    sums = [sum(r[1:]) for r in rounds]
    print(f"| **all the steps but the first** | **{min(sums):.2f}–{max(sums):.2f}** |")


if __name__ == "__main__":
    main()
