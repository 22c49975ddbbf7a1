"""Enumerations of the plan format.

Each value has an English code (used in code, rules and machine output) and Chinese labels.
A plan may use the code, or any label in simplified or traditional characters.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ..i18n import Lang, fold, pick, traditional_forms


class Coded(StrEnum):
    """A string enum whose members carry Chinese labels; the first label is the display one."""

    @classmethod
    def lookup(cls) -> dict[str, Coded]:
        """Codes and labels by their folded form. Labels are written in simplified characters
        (a test checks it), so building the table needs no script conversion."""
        table = _LOOKUP.get(cls)
        if table is None:
            table = {}
            for member in cls:
                table[member.value] = member
                table[member.value.replace("_", " ")] = member
                for label in _LABELS[cls][member.value]:
                    table[label.casefold()] = member
            _LOOKUP[cls] = table
        return table

    @classmethod
    def _missing_(cls, value: object) -> Coded | None:
        """A label, or a code written differently (case, spaces, full-width forms, traditional
        characters), for a value that is not a code as written. Validation looks a code up
        in C and calls this only for the rest."""
        if not isinstance(value, str):
            return None
        table = cls.lookup()
        return table.get(value) or table.get(fold(value))

    @classmethod
    def spellings(cls) -> list[str]:
        """What a plan may write, as listed: the codes, then the labels in simplified and in
        traditional characters (matching also ignores case, spaces at either end and
        full-width forms)."""
        labels = [label for m in cls for label in _LABELS[cls][m.value]]
        traditional = [form for label in labels for form in traditional_forms(label)]
        return list(dict.fromkeys([*(m.value for m in cls), *labels, *traditional]))

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """In the plan's JSON Schema, every spelling a plan may use (for editors)."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        schema["enum"] = cls.spellings()
        schema["description"] = (
            f"{cls.__name__}: an English code or a Chinese label, in simplified or traditional "
            f"characters: {cls.choices()}"
        )
        return schema

    @classmethod
    def choices(cls) -> str:
        return ", ".join(f"{m.value} ({_LABELS[cls][m.value][0]})" for m in cls)

    def label(self, lang: Lang) -> str:
        """The display label: the Chinese one, or the English code in words."""
        return pick(_LABELS[type(self)][self.value][0], self.value.replace("_", " "), lang)


_LABELS: dict[type[Coded], dict[str, tuple[str, ...]]] = {}
_LOOKUP: dict[type[Coded], dict[str, Coded]] = {}


def _labelled(cls: type[Coded], labels: dict[str, tuple[str, ...]]) -> type[Coded]:
    missing = {m.value for m in cls} ^ set(labels)
    if missing:  # pragma: no cover - a programming error caught by import
        raise AssertionError(f"{cls.__name__}: labels do not match members: {missing}")
    _LABELS[cls] = labels
    return cls


class Level(Coded):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


class JurisdictionClass(Coded):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"


class UnitKind(Coded):
    ORGAN = "organ"
    PUBLIC_INSTITUTION = "public_institution"


class Change(Coded):
    KEPT = "kept"
    NEW = "new"
    ABOLISHED = "abolished"
    MERGED = "merged"
    RENAMED = "renamed"


class PICategory(Coded):
    PUBLIC_WELFARE_1 = "public_welfare_1"
    PUBLIC_WELFARE_2 = "public_welfare_2"
    BUSINESS = "business"
    ADMINISTRATIVE = "administrative"


class Sector(Coded):
    SCHOOL = "school"
    HOSPITAL = "hospital"
    OTHER = "other"


class FunctionRole(Coded):
    LEAD = "lead"
    ASSISTING = "assisting"


class DivisionType(Coded):
    GENERAL = "general"
    BUSINESS = "business"


class TownshipType(Coded):
    ORDINARY = "ordinary"
    DEVELOPED_TOWN = "developed_town"
    SUBDISTRICT = "subdistrict"
    REDISTRICTED = "redistricted"


class InstitutionType(Coded):
    OFFICE = "office"
    STATION = "station"
    CENTRE = "centre"


class StationedCategory(Coded):
    AGRICULTURE = "agriculture"
    SERVICE = "service"
    ENFORCEMENT = "enforcement"
    OTHER = "other"


class Disposition(Coded):
    DEVOLVED = "devolved"
    STATIONED = "stationed"


class PartyRelation(Coded):
    TOWNSHIP = "township"
    DEPARTMENT = "department"


class GridType(Coded):
    COMPREHENSIVE = "comprehensive"
    PARTY_BUILDING = "party_building"
    SOCIAL_SECURITY = "social_security"
    EMERGENCY = "emergency"
    SOCIAL_ASSISTANCE = "social_assistance"
    OTHER = "other"


class TeamLevel(Coded):
    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"


class ProblemStatus(Coded):
    OPEN = "open"
    RECTIFIED = "rectified"


_labelled(
    Level,
    {
        "province": ("省", "省级"),
        "city": ("市", "市级", "地级市"),
        "county": ("县", "县级", "区", "县级市", "县(市、区)"),
        "township": ("乡镇", "乡", "镇", "街道", "乡镇(街道)"),
    },
)
_labelled(
    JurisdictionClass,
    {
        "large": ("大", "大型"),
        "medium": ("中", "中型"),
        "small": ("小", "小型"),
    },
)
_labelled(
    UnitKind,
    {
        "organ": (
            "党政机构",
            "党政机关",
            "行政机关",
            "党政内设机构",
            "党委工作机关",
            "政府工作部门",
            "部门管理机构",
        ),
        "public_institution": ("事业单位",),
    },
)
_labelled(
    Change,
    {
        "kept": ("保留",),
        "new": ("新设", "新建", "新组建", "增设"),
        "abolished": ("撤销", "撤并"),
        "merged": ("合并组建", "合并", "整合组建"),
        "renamed": ("更名",),
    },
)
_labelled(
    PICategory,
    {
        "public_welfare_1": ("公益一类",),
        "public_welfare_2": ("公益二类",),
        "business": ("生产经营类", "从事生产经营活动", "生产经营"),
        "administrative": ("承担行政职能", "承担行政职能类", "行政类"),
    },
)
_labelled(
    Sector,
    {
        "school": ("学校", "中小学", "学校类"),
        "hospital": ("医院", "公立医院", "医院类"),
        "other": ("其他",),
    },
)
_labelled(
    FunctionRole,
    {
        "lead": ("牵头", "牵头部门", "负责"),
        "assisting": ("配合", "协办", "配合部门"),
    },
)
_labelled(
    DivisionType,
    {
        "general": ("综合", "综合科室", "综合类"),
        "business": ("业务", "业务科室", "业务类"),
    },
)
_labelled(
    TownshipType,
    {
        "ordinary": ("一般乡镇", "乡镇", "乡", "镇"),
        "developed_town": ("经济发达镇",),
        "subdistrict": ("街道",),
        "redistricted": ("区划调整涉及乡镇",),
    },
)
_labelled(
    InstitutionType,
    {
        "office": ("办",),
        "station": ("站",),
        "centre": ("中心",),
    },
)
_labelled(
    StationedCategory,
    {
        "agriculture": ("涉农", "涉农类"),
        "service": ("服务", "服务类"),
        "enforcement": ("执法", "执法类"),
        "other": ("其他",),
    },
)
_labelled(
    Disposition,
    {
        "devolved": ("下放", "下放属地", "属地管理"),
        "stationed": ("派驻", "保留派驻"),
    },
)
_labelled(
    PartyRelation,
    {
        "township": ("乡镇党委", "属地乡镇", "乡镇(街道)党(工)委"),
        "department": ("主管部门", "原部门"),
    },
)
_labelled(
    GridType,
    {
        "comprehensive": ("综治", "综治网格"),
        "party_building": ("党建", "党建网格"),
        "social_security": ("社保", "社保网格"),
        "emergency": ("应急", "应急网格"),
        "social_assistance": ("社会救助", "社会救助网格"),
        "other": ("其他",),
    },
)
_labelled(
    TeamLevel,
    {
        "city": ("市", "市级", "支队"),
        "district": ("区", "县", "区级", "县级", "大队"),
        "township": ("乡镇", "乡镇(街道)", "中队"),
    },
)
_labelled(
    ProblemStatus,
    {
        "open": ("未整改",),
        "rectified": ("已整改",),
    },
)
