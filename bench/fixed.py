"""A run's time as a fixed cost plus a cost per plan, and what the two allow: one JSON line.

    python bench/fixed.py [--sizes 2,10,50,100] [--rounds 7]

The check runs as bench/run.py runs it (a new process from start to exit, ``--quiet``, the
default engine and workers) on the first n plans of bench/data/province/, for each n of
--sizes. The sizes take turns, --rounds times, so that this machine's drift falls on all of
them alike. A least-squares line through each size's median gives

    wall = fixed_s + n × per_plan_ms

and floor_per_plan_ms is bench/run.py's floor (``json.loads`` of the same files) per plan,
measured before and after the runs and averaged.

Two targets at province scale depend on the fixed cost as well as on the cost per plan:

- wall/floor ≤ 3 for 100 plans: per_plan ≤ (300 × floor_per_plan − fixed) / 100;
- time per fact within 30% from province (100 plans) to national (3,000). A national batch
  spreads the fixed cost over 30 times the plans, so its time per fact is the lower one, and
  the bound is fixed/3,000 + per_plan ≥ 0.7 × (fixed/100 + per_plan), that is
  per_plan ≥ fixed × (0.7/100 − 1/3,000) / 0.3.

Some per_plan meets both only if fixed ≤ 300 × floor_per_plan / (1 + 100 × (0.7/100 −
1/3,000) / 0.3): ``fixed_s_at_most_for_both``. Facts are proportional to plans in the
generated data, so per plan and per fact come to the same here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import SCALES, data_for, floor, run_check  # noqa: E402

PROVINCE = SCALES["province"]
NATIONAL = SCALES["national"]
WALL_OVER_FLOOR = 3.0
FLAT = 0.3


def fit(medians: dict[int, float]) -> tuple[float, float]:
    """The least-squares line through (plans, seconds): its intercept and slope."""
    if len(medians) < 2:
        raise ValueError("a line needs at least two sizes")
    mean_n = statistics.fmean(medians)
    mean_s = statistics.fmean(medians.values())
    spread = sum((n - mean_n) ** 2 for n in medians)
    slope = sum((n - mean_n) * (s - mean_s) for n, s in medians.items()) / spread
    return mean_s - slope * mean_n, slope


def limits(fixed_s: float, floor_per_plan_s: float) -> dict[str, float | bool]:
    """What the two province targets allow of the cost per plan, for this fixed cost."""
    flat_factor = (1 - FLAT) / PROVINCE - 1 / NATIONAL
    at_most = (WALL_OVER_FLOOR * PROVINCE * floor_per_plan_s - fixed_s) / PROVINCE
    at_least = fixed_s * flat_factor / FLAT
    return {
        "per_plan_ms_at_most_for_wall_over_floor": round(at_most * 1e3, 2),
        "per_plan_ms_at_least_for_flat_per_fact": round(at_least * 1e3, 2),
        "fixed_s_at_most_for_both": round(
            WALL_OVER_FLOOR * PROVINCE * floor_per_plan_s / (1 + PROVINCE * flat_factor / FLAT),
            3,
        ),
        "both_possible": at_least <= at_most,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="2,10,50,100",
        help="numbers of plans, comma-separated, at most 100 (default: 2,10,50,100)",
    )
    parser.add_argument("--rounds", type=int, default=7, help="runs of each size (default: 7)")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(size) for size in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes: whole numbers separated by commas, not {args.sizes!r}")
    if len(sizes) < 2 or not all(1 <= size <= PROVINCE for size in sizes):
        parser.error(f"--sizes: at least two different numbers from 1 to {PROVINCE}")
    if args.rounds < 1:
        parser.error("--rounds: at least 1")

    folder, _ = data_for("province", args.data)
    files = sorted(folder.glob("*.json"))
    floors = [floor(folder)]
    walls: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(args.rounds):
        for size in sizes:
            walls[size].append(run_check(files[:size], "auto", 0)[0])
    floors.append(floor(folder))
    floor_per_plan = statistics.fmean(floors) / len(files)
    medians = {size: statistics.median(runs) for size, runs in walls.items()}
    fixed, per_plan = fit(medians)
    print(
        json.dumps(
            {
                "median_wall_s": {str(size): round(s, 3) for size, s in medians.items()},
                "rounds": args.rounds,
                "fixed_s": round(fixed, 3),
                "per_plan_ms": round(per_plan * 1e3, 2),
                "floor_per_plan_ms": round(floor_per_plan * 1e3, 2),
                **limits(fixed, floor_per_plan),
            }
        )
    )


if __name__ == "__main__":
    main()
