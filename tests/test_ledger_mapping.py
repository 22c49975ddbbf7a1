"""The ledger mapping (ledger/headers.yaml) covers every field of the plan format, agrees with
the models on what is required, is unambiguous, and is what docs/ledger-format.md shows; every
plan of cases/ written as a ledger reads back as the same plan."""

from __future__ import annotations

import io
import typing
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pydantic import BaseModel

from complycheck.errors import InputError
from complycheck.ledger import load_ledger
from complycheck.ledger.build import TARGETS
from complycheck.ledger.docs import GENERATED_BEGIN, GENERATED_END, mapping_markdown
from complycheck.ledger.spec import columns, ledger_spec, lookup, normalise, sheet_names
from complycheck.ledger.write import write_workbook
from complycheck.model import plan as model
from complycheck.source import load_file
from complycheck.validate import load_plan

from .conftest import CASES, REPO

MODELS: dict[str, type[BaseModel]] = {
    "units": model.Unit,
    "divisions": model.Division,
    "functions": model.FunctionAssignment,
    "townships": model.Township,
    "institutions": model.TownshipInstitution,
    "stationed_agencies": model.StationedAgency,
    "grids": model.Grid,
    "enforcement_teams": model.EnforcementTeam,
    "problems": model.Problem,
}
CHILD_LISTS = {"functions", "divisions", "institutions", "stationed_agencies"}


def _model_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside an annotation, and whether it is a list of them."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    for arg in typing.get_args(annotation):
        found, listed = _model_in(arg)
        if found is not None:
            return found, listed or origin is list
    return None, False


def leaves(cls: type[BaseModel], prefix: str = "") -> set[str]:
    """Every field a ledger must be able to give, as dotted paths (child lists excluded)."""
    out: set[str] = set()
    for name, info in cls.model_fields.items():
        key = info.alias or name
        inner, listed = _model_in(info.annotation)
        if inner is None:
            out.add(prefix + key)
        elif listed:
            assert key in CHILD_LISTS, f"{cls.__name__}.{key}: a list of entities needs a sheet"
        else:
            out |= leaves(inner, f"{prefix}{key}.")
    return out


@pytest.mark.parametrize("sheet_id", sorted(MODELS))
def test_every_field_of_an_entity_has_a_column(sheet_id: str) -> None:
    spec = ledger_spec().sheets[sheet_id]  # type: ignore[index]
    assert set(spec.fields) == leaves(MODELS[sheet_id])


def test_every_field_of_the_plan_itself_has_a_row() -> None:
    spec = ledger_spec().sheets["plan"]
    want = {f"plan.{f}" for f in leaves(model.PlanMeta)} | {
        f"control_numbers.{f}" for f in leaves(model.ControlNumbers)
    }
    assert set(spec.fields) == want


@pytest.mark.parametrize("sheet_id", sorted(MODELS))
def test_required_columns_are_the_required_fields(sheet_id: str) -> None:
    """A code (key) may be left out: the name stands in for it."""
    spec = ledger_spec().sheets[sheet_id]  # type: ignore[index]
    cls = MODELS[sheet_id]
    required = {n for n, f in cls.model_fields.items() if f.is_required()} - {spec.key}
    assert {n for n, f in spec.fields.items() if f.required} == required


def test_required_rows_of_the_plan_sheet() -> None:
    spec = ledger_spec().sheets["plan"]
    required = {f"plan.{n}" for n, f in model.PlanMeta.model_fields.items() if f.is_required()}
    required.discard("plan.jurisdiction")
    required |= {
        f"plan.jurisdiction.{f.alias or n}"
        for n, f in model.Jurisdiction.model_fields.items()
        if f.is_required()
    }
    assert {n for n, f in spec.fields.items() if f.required} == required


def test_child_sheets_attach_to_the_right_lists() -> None:
    for sheet_id, target in TARGETS.items():
        spec = ledger_spec().sheets[sheet_id]
        if spec.parent is not None:
            assert TARGETS[spec.parent.sheet] == target[:1]
            assert spec.parent.field == target[-1]


def test_headers_and_sheet_names_are_unambiguous() -> None:
    """Building the lookup tables fails on a header that means two things; every sheet name
    is its own."""
    assert len(sheet_names()) > 50
    for sheet_id in ledger_spec().sheets:
        assert len(columns(sheet_id)) > 10


@pytest.mark.parametrize(
    ("sheet_id", "header", "field"),
    [
        ("units", "核定\n行政编制（个）", "quotas_after.administrative"),
        ("units", "改革前 核定编制", None),  # a parent alone means nothing
        ("units", "機構代碼", "id"),
        ("units", "領導職數_正職", "leadership_posts.approved"),
        ("units", "实有人数数", None),
        ("stationed_agencies", "乡镇考核评分占比（%）", "evaluation_share"),
        ("grids", "所属乡镇（街道）", "township"),
        ("grids", "*网格编码", "code"),
        ("plan", "方案编号：", "plan.id"),
    ],
)
def test_headers_match_as_written(sheet_id: Any, header: str, field: str | None) -> None:
    found = lookup(sheet_id, None, header)
    assert (found.field if found is not None else None) == field


def test_two_row_headers() -> None:
    found = lookup("units", "改革前核定编制（名）", "事業編制")
    assert found is not None and found.field == "quotas_before.public_institution"
    total = lookup("units", "核定编制", "合计")
    assert total is not None and total.role == "unused"


def test_sheet_names_match_in_either_script() -> None:
    known = sheet_names()
    assert known[normalise("網格台賬")] == "grids"
    assert known[normalise(" 乡镇（街道）机构表 ")] == "institutions"
    assert known[normalise("填表說明")] is None


def test_the_ledger_format_doc_shows_the_mapping() -> None:
    doc = (REPO / "docs" / "ledger-format.md").read_text("utf-8")
    begin, end = doc.index(GENERATED_BEGIN), doc.index(GENERATED_END)
    assert doc[begin + len(GENERATED_BEGIN) : end].strip() == mapping_markdown().strip(), (
        "docs/ledger-format.md is stale: run `python -m complycheck.ledger.docs`"
    )


# --- every plan of cases/, written as a ledger, reads back as the same plan -------------------


def plans() -> list[Path]:
    plans = sorted(p for p in CASES.glob("*/*/plan.yaml") if p.parent.parent.name != "invalid")
    found = [*plans, REPO / "docs" / "example-plan.yaml"]
    return [p for p in found if p.is_file()]


@pytest.mark.parametrize("path", plans(), ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_a_plan_written_as_a_ledger_reads_back_the_same(path: Path, tmp_path: Path) -> None:
    data = load_file(path).data
    if data.get("plan", {}).get("packs") == []:
        pytest.skip("packs: [] (apply no pack) has no ledger form: a blank cell gives no list")
    out = io.BytesIO()
    write_workbook(out, data)
    book = tmp_path / "ledger.xlsx"
    book.write_bytes(out.getvalue())
    assert load_ledger(book).plan == load_plan(path).plan


def test_the_template_workbook_has_every_sheet_and_says_what_is_missing(tmp_path: Path) -> None:
    out = io.BytesIO()
    write_workbook(out)
    book = tmp_path / "template.xlsx"
    book.write_bytes(out.getvalue())
    sheets = ledger_spec().sheets
    names = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert names == [sheets[s].names[0] for s in ("plan", *TARGETS)] + ["填表说明"]
    with pytest.raises(InputError) as caught:
        load_ledger(book)
    assert [p.path for p in caught.value.problems] == [
        "方案编号",
        "方案名称",
        "方案日期",
        "辖区名称",
        "层级",
    ]
