"""Properties over random plans.

- A valid plan, written as YAML or JSON, is checked without an error, the same way every time,
  and its findings do not depend on the order of its entities or of their keys.
- A valid plan broken in one random way (a wrong type, a missing or unknown field, a
  negative, NaN, infinite or huge number, an empty or blank text, a duplicate id, a reference to
  nothing, a cycle of predecessors) makes the command exit 2 with a located message, never
  a traceback.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from complycheck.check import check_plan
from complycheck.cli import cli
from complycheck.engine.durable import DurableEngine
from complycheck.engine.python import PythonEngine
from complycheck.findings import Finding
from complycheck.model import plan as model
from complycheck.report import ExitCode, PlanReport
from complycheck.rulebook.load import load_rulebook
from complycheck.validate import load_plan

from .strategies import plans

RULEBOOK = load_rulebook()
DURABLE = DurableEngine()
PYTHON = PythonEngine()
PAIRING = {r.spec.id: r.spec.match_on for r in RULEBOOK.rules if r.spec.kind == "pairing"}
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Data = dict[str, Any]
PathKey = tuple[str | int, ...]


def write_plan(folder: Path, data: Data, fmt: str) -> Path:
    path = folder / f"plan.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def check(data: Data, fmt: str, engine: Any = DURABLE) -> PlanReport:
    with tempfile.TemporaryDirectory() as folder:
        loaded = load_plan(write_plan(Path(folder), data, fmt))
        return check_plan(loaded, RULEBOOK, engine)


def checked_thrice(data: Data, fmt: str) -> list[PlanReport]:
    """The plan checked with durable-rules, again, and with the Python evaluator."""
    with tempfile.TemporaryDirectory() as folder:
        loaded = load_plan(write_plan(Path(folder), data, fmt))
        return [check_plan(loaded, RULEBOOK, e) for e in (DURABLE, DURABLE, PYTHON)]


formats = st.sampled_from(["yaml", "json"])


@SETTINGS
@given(plans(), formats)
def test_a_valid_plan_is_checked_without_error_and_the_same_way_every_time(
    data: Data, fmt: str
) -> None:
    first, again, python = checked_thrice(data, fmt)
    assert first.failures == ()
    assert again == first  # the same engine again
    assert python == first  # and the other engine


def reordered(value: Any, rng: Any, lists: bool) -> Any:
    """``value`` with the keys of every mapping in a random order, and (``lists``) the items
    of every list too."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: reordered(value[k], rng, lists) for k in keys}
    if isinstance(value, list):
        items = [reordered(v, rng, lists) for v in value]
        if lists:
            rng.shuffle(items)
        return items
    return value


def meaning(f: Finding) -> tuple[Any, ...]:
    """A finding without its place in the file."""
    return (f.rule_id, f.entity, f.entity_key, f.severity, f.message, f.remediation, f.values)


@SETTINGS
@given(plans(), st.randoms(use_true_random=False), formats)
def test_findings_do_not_depend_on_the_order_of_keys(data: Data, rng: Any, fmt: str) -> None:
    before = check(data, fmt, PYTHON)
    after = check(reordered(data, rng, lists=False), fmt, PYTHON)
    assert sorted(map(meaning, after.findings), key=repr) == sorted(
        map(meaning, before.findings), key=repr
    )


def summary(report: PlanReport) -> Counter[tuple[Any, ...]]:
    """What must not change when entities are listed in another order: each check rule's
    findings by entity, with the numbers of its message; a pairing rule's number of subjects
    left unpaired in each class (which ones are left over is decided by order)."""
    out: Counter[tuple[Any, ...]] = Counter()
    for f in (*report.findings, *report.comparisons):
        if f.rule_id in PAIRING:
            values = dict(f.values)
            out[(f.rule_id, tuple(values.get(k) for k in PAIRING[f.rule_id]))] += 1
        else:
            numbers = sorted(re.findall(r"\d+(?:\.\d+)?", f.message.en))
            out[(f.rule_id, f.entity, f.entity_key, f.severity, *numbers)] += 1
    return out


@SETTINGS
@given(plans(), st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_the_order_of_entities(data: Data, rng: Any) -> None:
    before = check(data, "yaml", PYTHON)
    after = check(reordered(data, rng, lists=True), "yaml", PYTHON)
    assert summary(after) == summary(before)
    assert after.failures == before.failures == ()


# --- mutations: every broken plan is refused with a location ---------------------------------

MODELS: dict[str, type[BaseModel]] = {
    "": model.Plan,
    "plan": model.PlanMeta,
    "jurisdiction": model.Jurisdiction,
    "units": model.Unit,
    "quotas_before": model.Quotas,
    "quotas_after": model.Quotas,
    "actual_staff": model.Quotas,
    "quotas": model.Quotas,
    "leadership_posts": model.LeadershipPosts,
    "functions": model.FunctionAssignment,
    "divisions": model.Division,
    "townships": model.Township,
    "institutions": model.TownshipInstitution,
    "stationed_agencies": model.StationedAgency,
    "grids": model.Grid,
    "enforcement_teams": model.EnforcementTeam,
    "problems": model.Problem,
    "control_numbers": model.ControlNumbers,
}


def nodes(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nodes(v, (*path, i))


def model_of(path: PathKey) -> type[BaseModel]:
    names = [p for p in path if isinstance(p, str)]
    name = names[-1] if names else ""
    if name == "quotas" and "control_numbers" in names:
        return model.ControlQuotas
    return MODELS[name]


def get(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: PathKey, value: Any) -> None:
    get(data, path[:-1])[path[-1]] = value


def scalars(data: Data, *kinds: type) -> list[PathKey]:
    return [
        p
        for p, v in nodes(data)
        if isinstance(v, kinds) and not (bool not in kinds and isinstance(v, bool))
    ]


def mappings(data: Data) -> list[PathKey]:
    return [p for p, v in nodes(data) if isinstance(v, dict)]


Mutation = Callable[[st.DrawFn, Data], str]


def wrong_type(draw: st.DrawFn, data: Data) -> str:
    path = draw(st.sampled_from(scalars(data, str, int, float, bool)))
    value = get(data, path)
    if isinstance(value, bool):
        wrong: list[Any] = ["maybe", 2, [True]]
    elif isinstance(value, int | float):
        wrong = ["many", True, [1], {"n": 1}]
    else:
        wrong = [7, 2.5, False, ["x"], {"x": 1}]
    put(data, path, draw(st.sampled_from(wrong)))
    return f"wrong type at {path}"


def missing_field(draw: st.DrawFn, data: Data) -> str:
    choices = []
    for path in mappings(data):
        fields = model_of(path).model_fields
        required = {info.alias or name for name, info in fields.items() if info.is_required()}
        if (
            path
            and path[-1] == "quotas_after"
            and get(data, path[:-1]).get("change") != "abolished"
        ):
            choices.append((path[:-1], "quotas_after"))  # required unless abolished
        choices += [(path, key) for key in sorted(required & set(get(data, path)))]
    path, key = draw(st.sampled_from(choices))
    del get(data, path)[key]
    return f"missing {key} at {path}"


def unknown_key(draw: st.DrawFn, data: Data) -> str:
    path = draw(st.sampled_from(mappings(data)))
    get(data, path)[draw(st.sampled_from(["quota", "Name", "备注", "__class__"]))] = 1
    return f"unknown key at {path}"


def bad_number(draw: st.DrawFn, data: Data) -> str:
    if not scalars(data, int, float):  # a plan without numbers: give it some
        data["grids"].append({"code": "GN", "households": 1, "population": 1})
    path = draw(st.sampled_from(scalars(data, int, float)))
    value = draw(
        st.sampled_from([math.nan, math.inf, -math.inf, -1, -(10**6), 10**10, 10**30, 1e300])
    )
    put(data, path, value)
    return f"number {value} at {path}"


def empty_text(draw: st.DrawFn, data: Data) -> str:
    path = draw(st.sampled_from(scalars(data, str)))
    put(data, path, draw(st.sampled_from(["", " ", "\t\n"])))
    return f"empty text at {path}"


ID_FIELDS = {
    "units": "id",
    "townships": "id",
    "grids": "code",
    "enforcement_teams": "id",
    "divisions": "id",
    "stationed_agencies": "id",
}


def duplicate_id(draw: st.DrawFn, data: Data) -> str:
    lists = [p for p, v in nodes(data) if p and p[-1] in ID_FIELDS and isinstance(v, list) and v]
    if not lists:
        data["grids"] = [{"code": "G", "households": 1, "population": 1}] * 2
        return "two grids with one code"
    path = draw(st.sampled_from(lists))
    items = get(data, path)
    items.append(copy.deepcopy(draw(st.sampled_from(items))))
    return f"duplicate in {path}"


def unit(uid: str, change: str = "kept", **more: Any) -> Data:
    return {
        "id": uid,
        "name": uid,
        "kind": "organ",
        "change": change,
        **({"quotas_after": {"administrative": 1}} if change != "abolished" else {}),
        **more,
    }


def dangling_reference(draw: st.DrawFn, data: Data) -> str:
    where = draw(st.sampled_from(["grid", "problem", "unit", "division"]))
    if where == "grid":
        data["grids"].append(
            {"code": "GX", "township": "nowhere", "households": 1, "population": 1}
        )
    elif where == "problem":
        data["problems"].append({"unit": "nowhere", "description": "超编"})
    elif where == "unit":
        preds = draw(st.sampled_from([["nowhere"], ["nowhere", "nor-here"]]))
        data["units"].append(
            unit("ux", "merged" if len(preds) == 2 else "renamed", predecessors=preds)
        )
    else:
        data["units"].append(
            unit(
                "ux",
                divisions=[
                    {"id": "dx", "name": "科", "type": "general", "predecessors": ["nowhere"]}
                ],
            )
        )
    return f"a reference to nothing from a {where}"


def cycle(draw: st.DrawFn, data: Data) -> str:
    kind = draw(st.sampled_from(["self", "pair", "divisions", "division self"]))
    if kind == "self":
        data["units"] += [unit("ua", "abolished"), unit("um", "merged", predecessors=["ua", "um"])]
    elif kind == "pair":
        data["units"] += [
            unit("ua", "abolished"),
            unit("ub", "abolished"),
            unit("m1", "merged", predecessors=["ua", "m2"]),
            unit("m2", "merged", predecessors=["ub", "m1"]),
        ]
    else:
        n = draw(st.integers(1 if kind == "division self" else 2, 5))
        ring = [f"dc{i}" for i in range(n)]
        divisions = [
            {"id": d, "name": "科", "type": "general", "predecessors": [ring[(i + 1) % n]]}
            for i, d in enumerate(ring)
        ]
        data["units"].append(unit("uc", divisions=divisions))
    return f"a cycle: {kind}"


MUTATIONS: dict[str, Mutation] = {
    "wrong type": wrong_type,
    "missing field": missing_field,
    "unknown key": unknown_key,
    "bad number": bad_number,
    "empty text": empty_text,
    "duplicate id": duplicate_id,
    "dangling reference": dangling_reference,
    "cycle": cycle,
}


@st.composite
def broken_plans(draw: st.DrawFn) -> tuple[Data, str]:
    data = copy.deepcopy(draw(plans()))
    name = draw(st.sampled_from(sorted(MUTATIONS)))
    return data, MUTATIONS[name](draw, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_plans(), formats)
def test_a_broken_plan_exits_2_with_a_located_message(broken: tuple[Data, str], fmt: str) -> None:
    data, what = broken
    with tempfile.TemporaryDirectory() as folder:
        path = write_plan(Path(folder), data, fmt)
        result = CliRunner().invoke(cli, ["check", str(path), "--lang", "en"])
    assert result.exit_code == ExitCode.ERROR, f"{what}:\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), what
    assert "Traceback" not in result.output
    assert re.search(re.escape(str(path)) + r":\d+:\d+: ", result.output), result.output
