"""Hypothesis strategies shared by the tests: random valid plans of every entity type.

A plan is drawn as the plain data a plan file holds (dates as ISO texts), so that it can be
validated directly or written out as YAML or JSON.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

KINDS = ["organ", "public_institution"]
CHANGES = ["kept", "new", "abolished", "renamed"]
CATEGORIES = [None, "public_welfare_1", "public_welfare_2", "business", "administrative"]
STANDARD = [
    "党政综合办",
    "经济发展办",
    "社会事务办",
    "规划建设办",
    "综合行政执法办",
    "退役军人服务保障工作站",
    "党群服务中心",
    "综合便民服务中心",
    "其他办",
]
FIELDS = ["市场监管", "生态环境保护", "应急管理", "文化市场"]
FUNCTIONS = ["农田建设", "安全生产", "食品安全"]

small = st.integers(0, 30)


@st.composite
def quotas(draw: st.DrawFn) -> dict[str, int]:
    return {
        "administrative": draw(small),
        "public_institution": draw(small),
        "support": draw(st.integers(0, 3)),
    }


@st.composite
def units(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(KINDS))
        change = draw(st.sampled_from(CHANGES))
        unit: dict[str, Any] = {"id": f"u{i}", "name": f"单位{i}", "kind": kind, "change": change}
        if change != "new":
            unit["quotas_before"] = draw(quotas())
        if change != "abolished":
            unit["quotas_after"] = draw(quotas())
        if kind == "public_institution":
            category = draw(st.sampled_from(CATEGORIES))
            if category:
                unit["pi_category"] = category
            unit["sector"] = draw(st.sampled_from(["school", "hospital", "other"]))
        if draw(st.booleans()):
            unit["actual_staff"] = draw(quotas())
        unit["planned_hires"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            unit["leadership_posts"] = {
                "approved_before": draw(st.integers(0, 6)),
                "approved": draw(st.integers(0, 6)),
                "actual": draw(st.integers(0, 7)),
            }
        unit["functions"] = [
            {"name": name, "role": draw(st.sampled_from(["lead", "assisting"]))}
            for name in draw(st.lists(st.sampled_from(FUNCTIONS), unique=True, max_size=2))
        ]
        unit["divisions"] = [
            {
                "id": f"d{i}-{j}",
                "name": f"科{j}",
                "type": draw(st.sampled_from(["general", "business"])),
                "quotas_before": draw(small),
                "quotas_after": draw(small),
            }
            for j in range(draw(st.integers(0, 3)))
        ]
        out.append(unit)
    abolished = [u["id"] for u in out if u["change"] == "abolished"]
    if len(abolished) >= 2 and draw(st.booleans()):
        out.append(
            {
                "id": "m",
                "name": "合并单位",
                "kind": "organ",
                "change": "merged",
                "predecessors": abolished[:2],
                "quotas_after": draw(quotas()),
                "divisions": [
                    {"id": "dm", "name": "综合科", "type": "general", "quotas_after": draw(small)}
                ],
            }
        )
    return out


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    unit_list = draw(units())
    townships = [
        {
            "id": f"t{i}",
            "name": f"镇{i}",
            "type": draw(st.sampled_from(["ordinary", "developed_town", "subdistrict"])),
            "institutions": [
                {
                    "name": name,
                    "type": draw(st.sampled_from(["office", "station", "centre"])),
                    "quotas": draw(quotas()),
                }
                for name in draw(st.lists(st.sampled_from(STANDARD), unique=True, max_size=9))
            ],
            "stationed_agencies": [
                {
                    "id": f"s{i}-{j}",
                    "name": f"站{j}",
                    "category": draw(
                        st.sampled_from(["agriculture", "service", "enforcement", "other"])
                    ),
                    "disposition": draw(st.sampled_from(["devolved", "stationed"])),
                    **(
                        {"party_relation": draw(st.sampled_from(["township", "department"]))}
                        if draw(st.booleans())
                        else {}
                    ),
                    **(
                        {"evaluation_share": draw(st.sampled_from([0.5, 0.6, 0.61, 0.8]))}
                        if draw(st.booleans())
                        else {}
                    ),
                }
                for j in range(draw(st.integers(0, 2)))
            ],
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    grids = [
        {
            "code": f"G{i}",
            "households": draw(st.integers(0, 700)),
            "population": draw(st.integers(0, 2000)),
            "dense_area": draw(st.booleans()),
            "type": draw(st.sampled_from(["comprehensive", "party_building", "emergency"])),
        }
        for i in range(draw(st.integers(0, 6)))
    ]
    teams = [
        {
            "id": f"e{i}",
            "name": f"队{i}",
            "field": draw(st.sampled_from(FIELDS)),
            "level": draw(st.sampled_from(["city", "district", "township"])),
            "quotas": 20,
            "front_line_quotas": draw(st.integers(0, 20)),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    problems = [
        {
            "unit": u["id"],
            "description": "超编",
            "status": draw(st.sampled_from(["open", "rectified"])),
        }
        for u in unit_list
        if draw(st.integers(0, 4)) == 0
    ]
    region = draw(
        st.sampled_from(
            [
                ("太原市", "太原市", "山西省"),
                ("石楼县", "吕梁市", "山西省"),
                ("沈阳市", "沈阳市", "辽宁省"),
                ("湛江市", "湛江市", "广东省"),
                ("南京市", "南京市", "江苏省"),
            ]
        )
    )
    plan: dict[str, Any] = {
        "plan": {
            "id": "p",
            "title": "t",
            "date": "2024-01-01",
            "jurisdiction": {
                "name": region[0],
                "level": "city",
                "city": region[1],
                "province": region[2],
                "class": draw(st.sampled_from(["large", "medium", "small"])),
            },
        },
        "units": unit_list,
        "townships": townships,
        "grids": grids,
        "enforcement_teams": teams,
        "problems": problems,
    }
    if draw(st.booleans()):
        plan["control_numbers"] = {
            "institutions": draw(st.integers(0, 10)),
            "quotas": {"administrative": draw(st.integers(0, 100))},
        }
    return plan
