"""Ledgers (.xlsx workbooks and folders of CSV files) check with the same findings as their YAML
twins, in either script, and every problem and finding names its sheet and cell."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from complycheck.check import check_paths, discover
from complycheck.engine.base import Engine
from complycheck.errors import InputError
from complycheck.findings import Finding
from complycheck.i18n import to_traditional
from complycheck.ledger import is_csv_ledger, load_ledger
from complycheck.report import Report
from complycheck.rulebook.load import Rulebook
from complycheck.validate import load_plan

from .ledgers import (
    TWIN,
    SheetData,
    all_traditional,
    shanxi_sheets,
    traditional_labels,
    write_csv_folder,
    write_xlsx,
)

# Where each finding of the twin is in the ledger of tests/ledgers.py.
CELLS = {
    ("R01", "农田建设"): "职责事项表!B6",
    ("R02", "u-njzx"): "机构表!B9",
    ("R03", "t-luocun"): "乡镇表!A3",
    ("R04", "t-luocun"): "乡镇表!A3",
    ("R05", "lc-xmz"): "派驻机构表!B5",
    ("R06", "lc-scjgs"): "派驻机构表!B6",
    ("R08", "lq-sfs"): "派驻机构表!B3",
    ("R09", "LQ-002"): "网格台账!B3",
    ("R09", "LC-001"): "网格台账!B4",
    ("R10", "LC-DJ01"): "网格台账!B5",
}


def meaning(finding: Finding) -> tuple[Any, ...]:
    """Everything a finding says, but where it is."""
    return (
        finding.rule_id,
        finding.severity,
        finding.plan_id,
        finding.entity,
        finding.entity_key,
        finding.entity_name,
        finding.message,
        finding.remediation,
        finding.values,
        finding.citation,
        finding.justification,
        finding.fingerprint,
    )


def same_findings(ledger: Report, twin: Report) -> None:
    assert ledger.input_errors == () and twin.input_errors == ()
    ((got,), (want,)) = (ledger.plans, twin.plans)
    assert got.failures == () and want.failures == ()
    assert sorted(map(meaning, got.findings)) == sorted(map(meaning, want.findings))
    assert len(got.findings) == len(want.findings) == 10
    assert (got.applied, got.skipped, got.packs) == (want.applied, want.skipped, want.packs)


def cells(report: Report) -> dict[tuple[str, str], str]:
    return {
        (f.rule_id, f.entity_key): str(f.location).split("!", 1)[1]
        for f in report.plans[0].findings
    }


@pytest.fixture(scope="module")
def twin_report(rulebook: Rulebook, durable_engine: Engine) -> Report:
    return check_paths([TWIN / "plan.yaml"], rulebook, durable_engine)


@pytest.mark.parametrize(
    "script", [lambda s: s, traditional_labels], ids=["simplified", "traditional-labels"]
)
def test_workbook_gives_the_findings_of_its_yaml_twin_at_sheet_cells(
    tmp_path: Path,
    script: Callable[[list[SheetData]], list[SheetData]],
    rulebook: Rulebook,
    engine: Engine,
    twin_report: Report,
) -> None:
    book = write_xlsx(script(shanxi_sheets()), tmp_path / "石楼县台账.xlsx")
    report = check_paths([book], rulebook, engine)
    same_findings(report, twin_report)
    want = CELLS
    if script is traditional_labels:
        want = {
            k: to_traditional(v.split("!")[0]) + "!" + v.split("!")[1] for k, v in CELLS.items()
        }
    assert cells(report) == want
    assert all(f.location.file == str(book) for f in report.plans[0].findings)
    assert load_ledger(book).plan == load_plan(TWIN / "plan.yaml").plan


def test_ledger_in_traditional_characters_throughout_matches_its_twin(
    tmp_path: Path, rulebook: Rulebook, durable_engine: Engine
) -> None:
    """Names too: the twin is the YAML plan converted the same way."""
    twin = tmp_path / "twin.yaml"
    twin.write_text(to_traditional((TWIN / "plan.yaml").read_text("utf-8")), "utf-8")
    book = write_xlsx(all_traditional(shanxi_sheets()), tmp_path / "ledger.xlsx")
    same_findings(
        check_paths([book], rulebook, durable_engine),
        check_paths([twin], rulebook, durable_engine),
    )
    assert load_ledger(book).plan == load_plan(twin).plan


def test_folder_of_csv_files_in_utf8_bom_and_gbk(
    tmp_path: Path, rulebook: Rulebook, durable_engine: Engine, twin_report: Report
) -> None:
    folder = write_csv_folder(
        shanxi_sheets(),
        tmp_path / "台账",
        encoding=lambda name: "gb18030" if "机构" in name or "网格" in name else "utf-8-sig",
    )
    assert (folder / "网格台账.csv").read_bytes().decode("gbk")  # really GBK
    report = check_paths([folder], rulebook, durable_engine)
    same_findings(report, twin_report)
    grid = next(f for f in report.plans[0].findings if f.entity_key == "LQ-002")
    assert str(grid.location) == f"{folder / '网格台账.csv'}!B3"
    assert (grid.location.file, grid.location.sheet) == (str(folder / "网格台账.csv"), "")
    assert report.plans[0].file == str(folder)


def test_utf16_and_tab_separated_csv(tmp_path: Path) -> None:
    folder = write_csv_folder(shanxi_sheets(), tmp_path / "l", encoding="utf-8")
    text = (folder / "乡镇表.csv").read_text("utf-8").replace(",", "\t")
    (folder / "乡镇表.csv").write_bytes(text.encode("utf-16"))
    assert load_ledger(folder).plan == load_plan(TWIN / "plan.yaml").plan


def test_the_ledger_is_never_modified(tmp_path: Path, rulebook: Rulebook, engine: Engine) -> None:
    book = write_xlsx(shanxi_sheets(), tmp_path / "ledger.xlsx")
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    check_paths([book], rulebook, engine)
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.xlsx"]


def test_folders_are_searched_for_workbooks_and_csv_ledgers(tmp_path: Path) -> None:
    write_xlsx(shanxi_sheets(), tmp_path / "a" / "ledger.xlsx")
    (tmp_path / "a" / "~$ledger.xlsx").write_bytes(b"lock")  # Excel's lock file: not a plan
    write_csv_folder(shanxi_sheets(), tmp_path / "b" / "csv")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.csv").write_text("a,b\n", "utf-8")  # not a ledger sheet
    files, problems = discover([tmp_path])
    assert problems == []
    assert [f.path for f in files] == [tmp_path / "a" / "ledger.xlsx", tmp_path / "b" / "csv"]
    assert is_csv_ledger(tmp_path / "b" / "csv") and not is_csv_ledger(tmp_path / "c")
    files, _ = discover([tmp_path / "b" / "csv"])
    assert [f.path for f in files] == [tmp_path / "b" / "csv"]


# --- problems, at their cells ---------------------------------------------------------------


def errors(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_ledger(path)
    assert caught.value.problems
    return [str(p) for p in caught.value.problems]


def broken(tmp_path: Path, change: Callable[[list[SheetData]], None]) -> Path:
    sheets = shanxi_sheets()
    change(sheets)
    return write_xlsx(sheets, tmp_path / "x.xlsx")


def test_values_that_cannot_be_read_are_reported_at_their_cells(tmp_path: Path) -> None:
    def change(sheets: list[SheetData]) -> None:
        units, grids = sheets[1], sheets[6]
        units.rows[4][4] = "合拼"  # E5: a typo in an enumeration
        units.rows[5][11] = "十二x"  # L6: not a number
        units.rows[6][3] = None  # D7: a required value left blank
        grids.rows[3][6] = 12.5  # G4: not a whole number
        grids.rows[1][7] = "党建"  # a valid value, no problem
        sheets[5].rows[2][7] = "六成"  # H3: a share in words

    book = broken(tmp_path, change)
    assert errors(book) == [
        f"{book}!机构表!E5: at 处置方式 expected one of: kept (保留), new (新设), "
        "abolished (撤销), merged (合并组建), renamed (更名); got '合拼' (text)",
        f"{book}!机构表!L6: at 核定编制（个）/行政编制 expected a number, got '十二x' (text)",
        f"{book}!机构表!D7: at 机构类别 a value is required (the cell is blank)",
        f"{book}!派驻机构表!H3: at 乡镇考核评分占比(%) expected a number, got '六成' (text)",
        f"{book}!网格台账!G4: at 人口数 expected a whole number, got 12.5 (a number)",
    ]


def test_references_and_duplicates_name_cells(tmp_path: Path) -> None:
    def change(sheets: list[SheetData]) -> None:
        sheets[6].rows[2][3] = "灵泉乡"  # D3: no such township
        sheets[6].rows[3][1] = "LQ-001"  # B4: a grid code used twice
        sheets[1].rows[5][5] = "u-nyncj、u-zrzyj"  # F6: a predecessor that is not abolished

    book = broken(tmp_path, change)
    assert errors(book) == [
        f"{book}!机构表!F6: at 来源机构 predecessor 'u-zrzyj' must be abolished by the plan "
        "(its change is 'kept')",
        f"{book}!网格台账!D3: at 所属乡镇 township '灵泉乡' is not in this plan",
        f"{book}!网格台账!B4: at 网格编码 duplicate grid code 'LQ-001' (first at 网格台账!B2)",
    ]


def test_unknown_sheet_and_column_and_a_missing_required_column(tmp_path: Path) -> None:
    def change(sheets: list[SheetData]) -> None:
        sheets[6].rows[0][5] = "户 数x"  # F1
        sheets[3].rows[0][1] = "乡镇简称"  # B1 replaces 乡镇名称, which is required
        sheets.append(SheetData("机购表", [["机构代码"]]))

    book = broken(tmp_path, change)
    got = errors(book)
    assert got[0] == (
        f"{book}!乡镇表!A1: the sheet has no column for name (expected a header such as '乡镇名称')"
    )
    assert got[1] == (
        f"{book}!乡镇表!B1: unknown column '乡镇简称'; expected one of: 乡镇代码, 乡镇名称, "
        "乡镇类型 (docs/ledger-format.md lists every accepted header; a header beginning with # "
        "is not read)"
    )
    assert got[2] == (
        f"{book}!网格台账!A1: the sheet has no column for households (expected a header such as "
        "'户数')"
    )
    assert got[3].startswith(
        f"{book}!网格台账!F1: unknown column '户 数x'; expected one of: 网格编码"
    )
    assert got[4].startswith(f"{book}!机购表!A1: '机购表' is not a ledger sheet; expected one of:")
    assert len(got) == 5


def test_marked_and_ignored_columns_and_sheets_are_not_read(tmp_path: Path) -> None:
    def change(sheets: list[SheetData]) -> None:
        sheets[6].rows[0].append("#审核意见")
        sheets[6].rows[1].append("同意")
        sheets.append(SheetData("#草稿", [["随便写"]]))
        sheets.append(SheetData("备注", [["备注内容"]]))

    assert load_ledger(broken(tmp_path, change)).plan == load_plan(TWIN / "plan.yaml").plan


def test_a_value_in_a_column_without_header_is_an_error(tmp_path: Path) -> None:
    def change(sheets: list[SheetData]) -> None:
        sheets[6].rows[2] = [*sheets[6].rows[2], None, "漏填表头"]  # L3

    book = broken(tmp_path, change)
    assert errors(book) == [
        f"{book}!网格台账!L3: the cell holds '漏填表头' (text) but its column has no header"
    ]


def test_missing_plan_sheet_and_no_header_row(tmp_path: Path) -> None:
    def change(sheets: list[SheetData]) -> None:
        del sheets[0]
        sheets[4].rows = [["一些"], ["无关的"], ["文字"]]

    book = broken(tmp_path, change)
    assert errors(book) == [
        f"{book}: the ledger has no sheet for the plan itself; expected one named 方案信息, "
        "方案基本信息, 基本信息, 方案, 封面信息, plan",
        f"{book}!派驻机构表!A1: no header row found in the first 20 rows of the sheet; expected "
        "headers such as 乡镇(街道), 派驻机构代码, 派驻机构名称, 县级主管部门, 类别, 处置方式, "
        "党组织关系所在, 乡镇考核评分占比",
    ]


def test_a_formula_never_calculated_is_not_read_as_blank(tmp_path: Path) -> None:
    book = write_xlsx(shanxi_sheets(), tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["网格台账"]["F2"] = "=200+86"  # written by a program: no value saved
    wb.save(book)
    assert errors(book) == [
        f"{book}!网格台账!F2: at 户数 the cell holds a formula whose value was never calculated "
        "(the workbook was written by a program that does not calculate): open it in Excel or "
        "WPS and save it, or type the value"
    ]


def test_conflicting_township_types_on_institution_rows(tmp_path: Path) -> None:
    """Without a township sheet, townships come from the rows that name them; a township type
    given on those rows must agree."""

    def change(sheets: list[SheetData]) -> None:
        del sheets[3]  # the township sheet
        inst = sheets[3]
        inst.rows[0].insert(1, "乡镇类型")
        inst.rows[1].insert(1, None)
        for row in inst.rows[2:]:
            row.insert(1, "镇")
        inst.rows[3][1] = "经济发达镇"  # B4 disagrees with B3
        inst.merges = [
            (t, 1 if left == 1 else left + 1, b, 1 if right == 1 else right + 1)
            for t, left, b, right in inst.merges
        ]
        inst.merges.append((1, 2, 2, 2))

    book = broken(tmp_path, change)
    got = errors(book)
    assert got[0] == (
        f"{book}!乡镇机构表!B4: at 乡镇类型 乡镇类型 of '灵泉镇' is '经济发达镇' here but '镇' "
        "before (at 乡镇机构表!B3)"
    )


def test_townships_named_only_on_institution_rows(tmp_path: Path) -> None:
    """The layout of research §3.4: no township sheet; a township's type on its rows."""

    def change(sheets: list[SheetData]) -> None:
        del sheets[3]
        inst = sheets[3]
        inst.rows[0].insert(1, "乡镇类型")
        inst.rows[1].insert(1, None)
        kinds = {"灵泉镇": "经济发达镇", "t-luocun": "镇", "龍交鄉": "鄉"}
        for row in inst.rows[2:]:
            row.insert(1, kinds[row[0]])
            row[0] = {"t-luocun": "罗村镇"}.get(row[0], row[0])
        inst.merges = [
            (t, 1 if left == 1 else left + 1, b, 1 if right == 1 else right + 1)
            for t, left, b, right in inst.merges
        ]
        sheets[4].rows[1][0] = "灵泉镇"  # named by name throughout
        sheets[5].rows[2][3] = "灵泉镇"

    plan = load_ledger(broken(tmp_path, change)).plan
    assert [(t.id, t.name, t.type.value) for t in plan.townships] == [
        ("灵泉镇", "灵泉镇", "developed_town"),
        ("罗村镇", "罗村镇", "ordinary"),
        ("龍交鄉", "龍交鄉", "ordinary"),
    ]
    assert [len(t.institutions) for t in plan.townships] == [10, 9, 8]
    assert [len(t.stationed_agencies) for t in plan.townships] == [3, 2, 1]
    assert {g.township for g in plan.grids} == {"灵泉镇", "罗村镇", "龍交鄉"}


def test_csv_file_named_directly_and_spreadsheets_that_cannot_be_read(tmp_path: Path) -> None:
    folder = write_csv_folder(shanxi_sheets(), tmp_path / "l")
    assert "is one sheet of a ledger" in errors(folder / "机构表.csv")[0]
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert errors(tmp_path / "old.xls") == [
        f"{tmp_path / 'old.xls'}: an Excel 97-2003 workbook (.xls) cannot be read: save it as an "
        ".xlsx workbook"
    ]
    (tmp_path / "fake.xlsx").write_bytes(b"\xd0\xcf\x11\xe0 encrypted")
    assert "not an .xlsx workbook" in errors(tmp_path / "fake.xlsx")[0]


def test_csv_in_an_unknown_encoding_is_reported(tmp_path: Path) -> None:
    folder = write_csv_folder(shanxi_sheets(), tmp_path / "l")
    (folder / "乡镇表.csv").write_bytes(b"\xff\xff\xff,\x81\n")
    assert errors(folder) == [
        f"{folder / '乡镇表.csv'}:1:1: the file is neither UTF-8 nor GB18030 (GBK) text; save "
        'it from Excel as "CSV UTF-8"'
    ]


def test_hidden_sheets_and_sheets_given_twice(tmp_path: Path) -> None:
    sheets = shanxi_sheets()
    sheets.append(SheetData("下拉列表源", [["党政机构"], ["事业单位"]]))  # hidden: not read
    book = write_xlsx(sheets, tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["下拉列表源"].sheet_state = "hidden"
    wb.save(book)
    assert load_ledger(book).plan == load_plan(TWIN / "plan.yaml").plan
    twice = broken(tmp_path, lambda s: s.append(SheetData("單位表", s[1].rows)))
    assert errors(twice) == [
        f"{twice}!單位表!A1: sheets '机构表' and '單位表' are both the organs and public "
        "institutions sheet; keep one"
    ]


def test_the_plan_sheet_refuses_unknown_fields_and_a_value_given_twice(tmp_path: Path) -> None:
    def change(sheets: list[SheetData]) -> None:
        sheets[0].rows.append(["方案负责人", "张三"])  # A11: not a field
        sheets[0].rows.append(["方案编号", "X-2"])  # A12: given twice
        sheets[0].rows.append(["审核意见"])  # a heading without a value: passed over

    book = broken(tmp_path, change)
    got = errors(book)
    assert got[0].startswith(
        f"{book}!方案信息!A11: unknown field '方案负责人'; expected one of: 方案编号"
    )
    assert got[1] == f"{book}!方案信息!A12: '方案编号' is given twice"
    assert len(got) == 2


def test_leadership_posts_given_as_principal_and_deputy(tmp_path: Path) -> None:
    """领导职数 split into 正职 and 副职 columns (under a merged cell, or as 领导职数_正职)
    adds up; a total given beside its parts is an error."""

    def change(sheets: list[SheetData]) -> None:
        rows = sheets[1].rows  # R, S: 核定领导职数 over 正职 and 副职; T, U: 实配领导_正职, _副职
        rows[1][17:19] = ["核定领导职数", None]
        rows[2][17:19] = ["正职", "副职"]
        rows[1] += ["实配领导_正职", "实配领导_副职"]
        rows[2] += [None, None]
        for row in rows[3:]:
            row += [None, None]
            row[17:21] = [None] * 4
        rows[5][17:21] = [1, 3, "1", "３"]  # u-nyslj: 1 + 3 approved, 1 + 3 actual
        rows[6][17:21] = [1, 2, 1, 2]  # u-zrzyj
        sheets[1].merges = [m for m in sheets[1].merges if m[1] not in (18, 19)]
        sheets[1].merges += [(2, 18, 2, 19), (2, 20, 3, 20), (2, 21, 3, 21)]

    plan = load_ledger(broken(tmp_path, change)).plan
    posts = {u.id: u.leadership_posts for u in plan.units if u.leadership_posts}
    assert posts["u-nyslj"] is not None and (
        posts["u-nyslj"].approved,
        posts["u-nyslj"].actual,
    ) == (4, 4)
    zr = posts["u-zrzyj"]
    assert zr is not None and (zr.approved_before, zr.approved, zr.actual) == (3, 3, 3)

    def both(sheets: list[SheetData]) -> None:
        sheets[1].rows[1].append("领导职数_正职")
        for row in sheets[1].rows[2:]:
            row.append(None)

    book = broken(tmp_path, both)
    assert errors(book) == [
        f"{book}!机构表!T2: column '领导职数_正职' is a part of a total the sheet also gives"
    ]


def test_spreadsheet_errors_and_csv_rows_with_line_breaks(tmp_path: Path) -> None:
    book = write_xlsx(shanxi_sheets(), tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["网格台账"]["G3"] = "#REF!"
    wb.save(book)
    assert errors(book) == [
        f"{book}!网格台账!G3: at 人口数 the cell holds the spreadsheet error #REF!"
    ]
    sheets = shanxi_sheets()
    sheets[6].rows[3][8] = "山区自然村分散，\n两个自然村合并为一个网格"  # a line break in a cell
    sheets[6].rows[4][5] = "x"  # F5: the row numbers after it are a spreadsheet's
    folder = write_csv_folder(sheets, tmp_path / "csv")
    assert errors(folder) == [
        f"{folder / '网格台账.csv'}!F5: at 户数 expected a number, got 'x' (text)"
    ]
