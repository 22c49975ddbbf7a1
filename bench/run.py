"""Benchmark complycheck at one scale and print one JSON line of figures.

    python bench/run.py --scale county|province|national

Plans come from bench/generate.py (seeded, so every run checks the same files; they are
written once under bench/data/<scale>/ and reused). The figures:

- wall_s: `complycheck check <folder> --quiet` as a user runs it (a new process, start to
  exit), the best of --repeat runs; peak_rss_mb: the largest resident size of that process or
  any of its workers.
- floor_s: reading and parsing the same files (json.loads), in one process, and nothing else.
- naive_s: the same rules through durable-rules, one event posted per fact, measured on
  --naive-sample plans and scaled by facts (an estimate, as the output says).
- floor_s and naive_s are each measured just before and just after the check, and averaged.
- findings must equal expected_findings, the number of violations the generator planted.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write  # noqa: E402

SCALES = {"county": 1, "province": 100, "national": 3000}
SUMMARY = re.compile(r"Summary: (\d+) plan\(s\), (\d+) error, (\d+) warning, (\d+) info")


def data_for(scale: str, root: Path) -> tuple[Path, dict[str, object]]:
    folder = root / scale
    manifest = folder / "manifest.txt"
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        if data.get("plans") == SCALES[scale]:
            return folder, data
    return folder, write(folder, SCALES[scale])


def run_check(paths: Sequence[Path], engine: str, jobs: int) -> tuple[float, int]:
    """`complycheck check <paths> --quiet` in a new process: seconds, start to exit, and
    findings."""
    command = [
        sys.executable,
        "-m",
        "complycheck",
        "check",
        *map(str, paths),
        "--quiet",
        "--lang",
        "en",
        "--engine",
        engine,
        "--jobs",
        str(jobs),
    ]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    match = SUMMARY.search(proc.stdout)
    if proc.returncode not in (0, 1) or match is None:
        raise SystemExit(f"complycheck failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return wall, sum(int(match.group(i)) for i in (2, 3, 4))


def floor(folder: Path) -> float:
    start = time.perf_counter()
    for path in sorted(folder.glob("*.json")):
        json.loads(path.read_bytes())
    return time.perf_counter() - start


def naive(folder: Path, sample: int) -> tuple[float, int]:
    """durable-rules on the first ``sample`` plans: seconds and facts."""
    from complycheck.check import Options, select_packs
    from complycheck.engine.durable import DurableEngine
    from complycheck.facts import build_facts
    from complycheck.rulebook.load import load_rulebook
    from complycheck.validate import load_plan

    rulebook = load_rulebook()
    engine = DurableEngine()
    seconds, facts = 0.0, 0
    for path in sorted(folder.glob("*.json"))[:sample]:
        loaded = load_plan(path)
        selection = select_packs(loaded, rulebook, Options())
        rules = [
            rulebook.compiled(r, selection.params(r.spec.id), loaded.plan.plan.date)
            for r in rulebook.rules
            if r.spec.id in selection.rules()
        ]
        plan_facts = list(build_facts(loaded.plan))  # every fact made before the clock starts
        start = time.perf_counter()
        engine.evaluate([r for r in rules if not r.unconfigured], plan_facts)
        seconds += time.perf_counter() - start
        facts += len(plan_facts)
    return seconds, facts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(SCALES), required=True)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs of the check, best kept (default: 5 for county, else 1)",
    )
    parser.add_argument("--naive-sample", type=int, default=10)
    args = parser.parse_args(argv)

    folder, manifest = data_for(args.scale, args.data)
    repeat = args.repeat or (5 if args.scale == "county" else 1)
    sample = min(args.naive_sample, SCALES[args.scale])
    # The floor and the naive estimate are measured before and after the check, and averaged:
    # this machine's speed drifts by minutes, and a ratio of figures taken minutes apart
    # would carry the drift.
    floors = [floor(folder)]
    naives = [naive(folder, sample)]
    runs = [run_check([folder], args.engine, args.jobs) for _ in range(repeat)]
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    floors.append(floor(folder))
    naives.append(naive(folder, sample))
    wall = min(w for w, _ in runs)
    findings = runs[0][1]
    floor_s = sum(floors) / 2
    naive_sample_s = sum(s for s, _ in naives) / 2
    sample_facts = naives[0][1]
    facts = int(manifest["facts"])  # type: ignore[call-overload]
    naive_s = naive_sample_s * facts / sample_facts
    print(
        json.dumps(
            {
                "scale": args.scale,
                "plans": manifest["plans"],
                "facts": facts,
                "findings": findings,
                "expected_findings": manifest["expected_findings"],
                "wall_s": round(wall, 3),
                "facts_per_s": round(facts / wall),
                "peak_rss_mb": round(peak_rss_mb, 1),
                "floor_s": round(floor_s, 3),
                "naive_s": round(naive_s, 1),
                "naive_estimated_from_plans": sample,
                "wall_over_floor": round(wall / floor_s, 2),
                "naive_over_wall": round(naive_s / wall, 1),
                "us_per_fact": round(wall / facts * 1e6, 2),
                "engine": args.engine,
                "jobs": args.jobs,
            }
        )
    )


if __name__ == "__main__":
    main()
