"""Ledgers built at test time, as a staffing office keeps them: the realistic Shilou County plan
(cases/realistic/shanxi-county-townships/plan.yaml) typed into sheets with Chinese headers, a
title row, merged header cells over grouped columns, a township column merged down its rows,
numbers as text, full-width digits, thousands separators, percentages in several forms, blank
rows and a total row. Written as an .xlsx workbook with openpyxl, or as a folder of CSV files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from complycheck.i18n import to_traditional

TWIN = Path(__file__).resolve().parents[1] / "cases" / "realistic" / "shanxi-county-townships"

Merge = tuple[int, int, int, int]  # top row, left column, bottom row, right column (1-based)


@dataclass
class SheetData:
    """A sheet: rows of values (None for an empty cell), merged ranges, cell formats, and how
    many rows at the top are the title and header (merged there, blank in a CSV export)."""

    name: str
    rows: list[list[Any]]
    merges: list[Merge] = field(default_factory=list)
    header_rows: int = 1
    formats: dict[tuple[int, int], str] = field(default_factory=dict)


D = dt.datetime


def shanxi_sheets() -> list[SheetData]:
    plan = SheetData(
        "方案信息",
        [
            ["石楼县机构编制台账（2024年）", None],
            ["项目", "内容"],
            ["方案编号", "SL-2024-XZGG"],
            ["方案名称", "石楼县人口小县改革暨乡镇机构改革实施方案（送审稿）"],
            ["方案日期", D(2024, 3, 15)],
            [None, None],
            ["辖区名称", "石楼县"],
            ["层级", "县"],
            ["所属省份", "山西省"],
            ["所属市", "吕梁市"],
        ],
        merges=[(1, 1, 1, 2)],
        header_rows=2,
    )
    unit_head = [
        ["石楼县机构编制台账（机构表）"] + [None] * 18,
        [
            "序号",
            "机构代码",
            "机构名称",
            "机构类别",
            "处置方式",
            "来源机构",
            "事业单位分类",
            "设立日期",
            "撤销日期",
            "改革前核定编制",
            None,
            "核定编制（个）",
            None,
            "实有人数",
            None,
            "计划进人数",
            "改革前领导职数",
            "核定领导职数",
            "实配领导职数",
        ],
        [None] * 9 + ["行政编制", "事业编制", "行政编制", "事业编制", "行政", "事业"] + [None] * 4,
    ]
    units = [
        [
            1,
            "u-nyncj",
            "石楼县农业农村局",
            "党政机构",
            "撤销",
            None,
            None,
            None,
            D(2024, 4, 30),
            12,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            2,
            "u-slj",
            "石楼县水利局",
            "党政机构",
            "撤销",
            None,
            None,
            None,
            "2024年4月30日",
            "8",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            3,
            "u-nyslj",
            "石楼县农业农村和水利局",
            "党政机构",
            "合并组建",
            "u-nyncj、石楼县水利局",
            None,
            "2024/4/1",
            None,
            None,
            None,
            "１７",
            None,
            16,
            None,
            "一",
            None,
            4,
            4,
        ],
        [
            4,
            "u-zrzyj",
            "石楼县自然资源局",
            "党政机构",
            "保留",
            None,
            None,
            None,
            None,
            10,
            None,
            10,
            None,
            "10",
            None,
            None,
            3,
            "3",
            3,
        ],
        [None] * 19,
        [
            5,
            "u-njzx",
            "石楼县农业机械化服务中心",
            "事业单位",
            "撤销",
            None,
            "公益一类",
            None,
            D(2024, 4, 30),
            None,
            "十",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            6,
            "u-xmsy",
            "石楼县畜牧兽医服务中心",
            "事业单位",
            "保留",
            None,
            "公益一类",
            None,
            None,
            None,
            20,
            None,
            "20",
            None,
            "18",
            None,
            None,
            None,
            None,
        ],
        [
            "合计",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            30,
            30,
            27,
            20,
            26,
            18,
            1,
            3,
            7,
            7,
        ],
    ]
    merges = [(1, 1, 1, 19), (2, 10, 2, 11), (2, 12, 2, 13), (2, 14, 2, 15)]
    merges += [(2, c, 3, c) for c in (*range(1, 10), 16, 17, 18, 19)]
    unit_sheet = SheetData("机构表", unit_head + units, merges=merges, header_rows=3)
    functions = SheetData(
        "职责事项表",
        [
            ["机构名称", "事项名称", "角色"],
            ["石楼县农业农村局", "种植业管理", "牵头"],
            ["石楼县农业农村局", "农田建设", None],
            ["u-slj", "水资源管理", None],
            ["u-slj", "农田建设", None],
            ["石楼县农业农村和水利局", "农田建设", None],
            ["石楼县农业农村和水利局", "种植业管理", None],
            ["石楼县农业农村和水利局", "水资源管理", "牵头"],
            ["石楼县自然资源局", "国土空间规划", None],
            ["石楼县自然资源局", "农田建设", None],
            ["石楼县农业机械化服务中心", "农机化技术推广", None],
            ["石楼县畜牧兽医服务中心", "动物疫病防控", None],
        ],
    )
    townships = SheetData(
        "乡镇表",
        [
            ["乡镇代码", "乡镇名称", "乡镇类型"],
            ["t-lingquan", "灵泉镇", "经济发达镇"],
            ["t-luocun", "罗村镇", "镇"],
            ["t-longjiao", "龍交鄉", "鄉"],
        ],
    )
    inst_rows: list[list[Any]] = [
        ["所属乡镇", "机构名称", "机构类型", "机构性质", "核定编制", None],
        [None, None, None, None, "行政编制", "事业编制"],
    ]
    merges = [(1, 5, 1, 6)] + [(1, c, 2, c) for c in range(1, 5)]
    groups = [
        (
            "灵泉镇",
            [
                ("党政综合办", "办", None, None),
                ("经济发展办", "办", None, None),
                ("社会事务办", "办", None, None),
                ("规划建设办", "办", None, None),
                ("综合行政执法办", "办", None, None),
                ("营商环境服务办", "办", None, None),
                ("退役军人服务保障工作站", "站", "事业单位", 3),
                ("党群服务中心", "中心", "事业单位", "12"),
                ("综合便民服务中心", "中心", "事业单位", 18),
                ("社会治理服务中心", "中心", "事业单位", "８"),
            ],
        ),
        (
            "t-luocun",
            [
                ("党政综合办", "办", None, None),
                ("经济发展办", "办", None, None),
                ("社会事务办", "办", None, None),
                ("规划建设办", "办", None, None),
                ("综合行政执法办", "办", None, None),
                ("退役军人服务保障工作站", "站", "事业单位", 3),
                ("党群服务中心", "中心", "事业单位", 10),
                ("综合便民服务中心", "中心", "事业单位", 15),
                ("农业农村服务中心", "中心", "事业单位", 6),
            ],
        ),
        (
            "龍交鄉",
            [
                ("黨政綜合辦", "辦", None, None),
                ("經濟發展辦", "辦", None, None),
                ("社會事務辦", "辦", None, None),
                ("規劃建設辦", "辦", None, None),
                ("綜合行政執法辦", "辦", None, None),
                ("退役軍人服務保障工作站", "站", "事業單位", 2),
                ("黨群服務中心", "中心", "事業單位", 8),
                ("綜合便民服務中心", "中心", "事業單位", 12),
            ],
        ),
    ]
    for township, items in groups:  # the township cell is merged down its institutions
        top = len(inst_rows) + 1
        for name, kind, nature, quota in items:
            inst_rows.append([township, name, kind, nature, None, quota])
        merges.append((top, 1, len(inst_rows), 1))
    institutions = SheetData("乡镇机构表", inst_rows, merges=merges, header_rows=2)
    agencies = SheetData(
        "派驻机构表",
        [
            [
                "乡镇",
                "派驻机构代码",
                "派驻机构名称",
                "县级主管部门",
                "类别",
                "处置方式",
                "党组织关系所在",
                "乡镇考核评分占比(%)",
            ],
            [
                "t-lingquan",
                "lq-pcs",
                "灵泉派出所",
                "石楼县公安局",
                "执法",
                "保留派驻",
                "乡镇党委",
                "60%",
            ],
            ["灵泉镇", "lq-sfs", "灵泉司法所", "石楼县司法局", "执法", "保留派驻", "乡镇党委", 50],
            [
                "灵泉镇",
                "lq-nkz",
                "灵泉镇农业技术推广站",
                "石楼县农业农村和水利局",
                "涉农",
                "下放属地",
                None,
                None,
            ],
            [
                "罗村镇",
                "lc-xmz",
                "罗村镇畜牧兽医站",
                "石楼县畜牧兽医服务中心",
                "涉农",
                "保留派驻",
                "主管部门",
                0.6,
            ],
            [
                "罗村镇",
                "lc-scjgs",
                "罗村市场监督管理所",
                "石楼县市场监督管理局",
                "执法",
                "保留派驻",
                "主管部门",
                "0.6",
            ],
            [
                "龍交鄉",
                "lj-zrzys",
                "龍交自然資源所",
                "石樓縣自然資源局",
                "執法",
                "派駐",
                "鄉鎮黨委",
                "６５％",
            ],
        ],
        formats={(5, 8): "0%"},
    )
    grids = SheetData(
        "网格台账",
        [
            [
                "序号",
                "网格编码",
                "网格名称",
                "所属乡镇",
                "网格类型",
                "户数",
                "人口数",
                "网格类别",
                "超标说明",
                "备注",
            ],
            [1, "LQ-001", "灵泉镇城关第一网格", "灵泉镇", "普通", 286, 902, None, None, None],
            [
                2,
                "LQ-002",
                "灵泉镇城关第二网格",
                "t-lingquan",
                "人口密集",
                "512",
                "1,480",
                None,
                None,
                "城关",
            ],
            [
                3,
                "LC-001",
                "罗村镇罗村网格",
                "罗村镇",
                "普通",
                "３１８",
                960,
                None,
                "山区自然村分散，两个自然村合并为一个网格便于网格员入户，户数略超300户。",
                None,
            ],
            [4, "LC-DJ01", "罗村镇党建网格", "罗村镇", "普通", 120, 400, "党建网格", "无", None],
            [None] * 10,
            [5, "LJ-001", "龍交鄉第一網格", "龍交鄉", "普通", 295, 880, None, None, None],
            ["合计", None, None, None, None, 1531, 4622, None, None, None],
        ],
    )
    notes = SheetData("填表说明", [["本台账按机构编制管理要求填写。"], ["数字可写为全角或文本。"]])
    return [plan, unit_sheet, functions, townships, institutions, agencies, grids, notes]


# --- scripts ------------------------------------------------------------------------------

# The values the ledger reader must match in either script: sheet names, headers and
# enumeration values. Names and free text are the plan's own.
ENUM_VALUES = {
    "县",
    "党政机构",
    "事业单位",
    "撤销",
    "合并组建",
    "保留",
    "公益一类",
    "牵头",
    "经济发达镇",
    "镇",
    "办",
    "站",
    "中心",
    "执法",
    "涉农",
    "保留派驻",
    "下放属地",
    "乡镇党委",
    "主管部门",
    "普通",
    "人口密集",
    "党建网格",
}


def traditional_labels(sheets: list[SheetData]) -> list[SheetData]:
    """The same ledger with its sheet names, headers and enumeration values in traditional
    characters; names and free text as they were."""
    out = []
    for sheet in sheets:
        rows = []
        for r, row in enumerate(sheet.rows, start=1):
            head = r <= sheet.header_rows
            rows.append(
                [
                    to_traditional(v) if isinstance(v, str) and (head or v in ENUM_VALUES) else v
                    for v in row
                ]
            )
        out.append(
            SheetData(
                to_traditional(sheet.name), rows, sheet.merges, sheet.header_rows, sheet.formats
            )
        )
    return out


def all_traditional(sheets: list[SheetData]) -> list[SheetData]:
    """Everything in traditional characters, names included."""
    convert: Callable[[Any], Any] = lambda v: to_traditional(v) if isinstance(v, str) else v  # noqa: E731
    return [
        SheetData(
            to_traditional(s.name),
            [[convert(v) for v in row] for row in s.rows],
            s.merges,
            s.header_rows,
            s.formats,
        )
        for s in sheets
    ]


# --- writing ------------------------------------------------------------------------------


def write_xlsx(sheets: list[SheetData], path: Path) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for (r, c), number_format in sheet.formats.items():
            ws.cell(r, c).number_format = number_format
        for top, left, bottom, right in sheet.merges:
            ws.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_csv_folder(
    sheets: list[SheetData], folder: Path, *, encoding: str | Callable[[str], str] = "utf-8-sig"
) -> Path:
    """Each sheet as ``<name>.csv``. As Excel exports them, a merged header cell keeps its
    value in its first cell only; merged data cells are written out in full (in a CSV ledger
    the reviewer fills them in). ``encoding`` may depend on the sheet's name."""
    folder.mkdir(parents=True, exist_ok=True)
    for sheet in sheets:
        rows = [list(r) for r in sheet.rows]
        for top, left, bottom, right in sheet.merges:
            value = rows[top - 1][left - 1]
            for r in range(top, bottom + 1):
                for c in range(left, right + 1):
                    if (r, c) != (top, left):
                        rows[r - 1][c - 1] = None if top <= sheet.header_rows else value
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        for row in rows:
            writer.writerow(["" if v is None else _csv_value(v) for v in row])
        chosen = encoding(sheet.name) if callable(encoding) else encoding
        (folder / f"{sheet.name}.csv").write_bytes(text.getvalue().encode(chosen))
    return folder


def _csv_value(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value * 100:g}%" if value < 1 else f"{value:g}"
    return str(value)
