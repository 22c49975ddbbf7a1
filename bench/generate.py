"""Deterministic synthetic plans for benchmarks, with violations planted at known rates.

A "county" plan has 300 units, 20 townships (each with the standard institutions and three
stationed agencies) and 2,000 grids, for a county of Taiyuan: the national, Shanxi and Taiyuan
packs apply. Everything is built to pass every rule of those packs, except the violations the
generator plants, each of which triggers exactly one finding of one rule; so the number of
findings a correct checker reports is known exactly.

    python bench/generate.py --plans 100 --out bench/data/province
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STANDARD = [
    ("党政综合办", "office"),
    ("经济发展办", "office"),
    ("社会事务办", "office"),
    ("规划建设办", "office"),
    ("综合行政执法办", "office"),
    ("退役军人服务保障工作站", "station"),
    ("党群服务中心", "centre"),
    ("综合便民服务中心", "centre"),
]

# How often each planted violation occurs (per entity of its kind).
RATES = {
    "R09": 0.02,  # grid over 300 households
    "R10": 0.01,  # a separate party-building grid
    "R18": 0.04,  # kept unit with staff over quota
    "R40": 0.03,  # kept unit with leaders beyond its posts
    "R16": 0.20,  # new public institution with under 10 quotas
    "R08": 0.05,  # stationed agency with a township share under 60%
}


@dataclass
class Shape:
    units: int = 300
    townships: int = 20
    grids: int = 2000


@dataclass
class Generated:
    plan: dict[str, Any]
    planted: Counter[str] = field(default_factory=Counter)

    @property
    def facts(self) -> int:
        """Facts the checker builds: the plan, units, townships, stationed agencies, grids."""
        townships = self.plan["townships"]
        agencies = sum(len(t["stationed_agencies"]) for t in townships)
        return 1 + len(self.plan["units"]) + len(townships) + agencies + len(self.plan["grids"])


def county(index: int, seed: int = 2024, shape: Shape | None = None) -> Generated:
    shape = shape or Shape()
    rnd = random.Random(seed * 1_000_003 + index)
    planted: Counter[str] = Counter()
    name = f"模拟县{index:04d}"

    def hit(rule: str) -> bool:
        if rnd.random() < RATES[rule]:
            planted[rule] += 1
            return True
        return False

    units: list[dict[str, Any]] = []
    n_new = shape.units // 10
    n_abolished = n_new + shape.units // 30
    n_kept = shape.units - n_new - n_abolished
    for i in range(n_kept):
        kind = "organ" if i % 3 else "public_institution"
        quota = rnd.randint(8, 60)
        typ = "administrative" if kind == "organ" else "public_institution"
        actual = quota + rnd.randint(1, 3) if hit("R18") else rnd.randint(max(0, quota - 5), quota)
        posts = rnd.randint(2, 5)
        leaders = posts + 1 if hit("R40") else rnd.randint(1, posts)
        unit: dict[str, Any] = {
            "id": f"u{i}",
            "name": f"{name}单位{i}",
            "kind": kind,
            "change": "kept",
            "quotas_before": {typ: quota},
            "quotas_after": {typ: quota},
            "actual_staff": {typ: actual},
            "leadership_posts": {"approved_before": posts, "approved": posts, "actual": leaders},
        }
        if kind == "public_institution":
            unit["pi_category"] = "public_welfare_1"
        units.append(unit)
    # New units, each offset by an abolished unit of the same kind abolished with more quotas
    # (so 撤一建一 and zero growth hold); the extra abolished units only cut.
    for j in range(n_abolished):
        kind = "organ" if j % 2 else "public_institution"
        typ = "administrative" if kind == "organ" else "public_institution"
        unit = {
            "id": f"a{j}",
            "name": f"{name}撤销单位{j}",
            "kind": kind,
            "change": "abolished",
            "quotas_before": {typ: 40},
        }
        if kind == "public_institution":
            unit["pi_category"] = "public_welfare_2"
        units.append(unit)
    for k in range(n_new):
        kind = "organ" if k % 2 else "public_institution"
        typ = "administrative" if kind == "organ" else "public_institution"
        quota = rnd.randint(12, 30)
        if kind == "public_institution" and hit("R16"):
            quota = rnd.randint(3, 9)
        unit = {
            "id": f"n{k}",
            "name": f"{name}新设单位{k}",
            "kind": kind,
            "change": "new",
            "quotas_after": {typ: quota},
        }
        if kind == "public_institution":
            unit["pi_category"] = "public_welfare_1"
        units.append(unit)

    townships: list[dict[str, Any]] = []
    for t in range(shape.townships):
        agencies = []
        for a, (label, category, disposition) in enumerate(
            [
                ("农业综合服务站", "agriculture", "devolved"),
                ("司法所", "enforcement", "stationed"),
                ("派出所", "enforcement", "stationed"),
            ]
        ):
            agency: dict[str, Any] = {
                "id": f"t{t}-s{a}",
                "name": f"{label}{t}",
                "category": category,
                "disposition": disposition,
            }
            if disposition == "stationed":
                agency["party_relation"] = "township"
                agency["evaluation_share"] = 0.5 if hit("R08") else rnd.choice([0.6, 0.65, 0.7])
            agencies.append(agency)
        townships.append(
            {
                "id": f"t{t}",
                "name": f"{name}第{t}镇",
                "institutions": [{"name": n, "type": typ} for n, typ in STANDARD],
                "stationed_agencies": agencies,
            }
        )

    grids: list[dict[str, Any]] = []
    for g in range(shape.grids):
        households = rnd.randint(301, 420) if hit("R09") else rnd.randint(80, 300)
        grid: dict[str, Any] = {
            "code": f"G{index:04d}-{g:05d}",
            "township": f"t{g % shape.townships}",
            "households": households,
            "population": min(households * 3, 1000),
        }
        if hit("R10"):
            grid["type"] = "party_building"
        grids.append(grid)

    plan = {
        "plan": {
            "id": f"SIM-{index:04d}",
            "title": f"{name}机构编制调整方案",
            "date": "2024-06-01",
            "jurisdiction": {
                "name": name,
                "level": "county",
                "class": "medium",
                "province": "山西省",
                "city": "太原市",
            },
        },
        "units": units,
        "townships": townships,
        "grids": grids,
    }
    return Generated(plan, planted)


def dumps(plan: dict[str, Any]) -> str:
    """JSON with one entity per line, as an export from a ledger would look."""
    parts = ["{\n", f'"plan": {json.dumps(plan["plan"], ensure_ascii=False)}']
    for key in ("units", "townships", "grids"):
        items = ",\n  ".join(json.dumps(x, ensure_ascii=False) for x in plan[key])
        parts.append(f',\n"{key}": [\n  {items}\n]')
    parts.append("\n}\n")
    return "".join(parts)


def write(out: Path, plans: int, seed: int = 2024, shape: Shape | None = None) -> dict[str, Any]:
    """Write ``plans`` county plans under ``out``; return what a checker should find."""
    out.mkdir(parents=True, exist_ok=True)
    planted: Counter[str] = Counter()
    facts = 0
    for i in range(plans):
        generated = county(i, seed, shape)
        (out / f"plan-{i:04d}.json").write_text(dumps(generated.plan), encoding="utf-8")
        planted.update(generated.planted)
        facts += generated.facts
    manifest = {
        "plans": plans,
        "seed": seed,
        "facts": facts,
        "expected_findings": sum(planted.values()),
        "by_rule": dict(sorted(planted.items())),
    }
    (out / "manifest.txt").write_text(json.dumps(manifest, ensure_ascii=False) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    json.dump(write(args.out, args.plans, args.seed), sys.stdout, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
