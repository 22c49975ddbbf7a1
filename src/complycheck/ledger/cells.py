"""Reading the values of ledger cells as people type them.

A number may be a spreadsheet number or text: full-width digits (１２), thousands separators
(1,234), a trailing unit (12名) and simple Chinese numerals (十二, 一百零五) are all read. A share
may be 0.6, 60%, or 60 (a number above 1 is a percentage). A date may be a spreadsheet date or
text such as 2024-03-01, 2024/3/1 or 2024年3月1日. Anything else is rejected with a message
that says what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..i18n import to_simplified, traditional_forms
from .spec import FieldSpec, ledger_spec, normalise


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell as read: its value (text, number, bool or date-time), where it is, and what the
    workbook says about it."""

    value: Any
    row: int
    column: int
    percent: bool = False  # a number shown as a percentage (the cell's format has %)
    error: str = ""  # why the value cannot be used (an Excel error, a formula never calculated)

    @property
    def blank(self) -> bool:
        return self.value is None and not self.error


class CellError(ValueError):
    """A cell's value cannot be read as its column requires."""


_FULLWIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}
_TO_FULLWIDTH = {v: k for k, v in _FULLWIDTH.items()}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"))


def half_width(text: str) -> str:
    """Full-width letters, digits and signs (ＬＱ－００１) as their half-width forms."""
    return text.translate(_FULLWIDTH)


def clean_text(value: str) -> str | None:
    """Text with invisible characters and surrounding spaces removed; None for a blank or a
    placeholder such as - or 无."""
    text = value.translate(_INVISIBLE).strip()
    if not text or text.casefold() in _blanks():
        return None
    return text


@lru_cache(maxsize=1)
def _blanks() -> frozenset[str]:
    """The placeholders as they may be written: in either script, half- or full-width."""
    forms = set()
    for value in ledger_spec().blank_values:
        for form in (value, *traditional_forms(value)):
            forms |= {form.casefold(), form.translate(_TO_FULLWIDTH).casefold()}
    return frozenset(forms)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and clean_text(value) is None)


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{'TRUE' if value else 'FALSE'} (true/false)"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M} (a date and time)"
    if isinstance(value, int | float):
        return f"{value:g} (a number)"
    text = repr(value)
    return (text if len(text) <= 60 else text[:57] + "...") + " (text)"


def convert(value: Any, field: FieldSpec, *, percent: bool = False) -> Any:
    """``value`` read as ``field`` requires; None for a blank. Raises :class:`CellError`."""
    if isinstance(value, str):
        cleaned = clean_text(value)
        if cleaned is None:
            return None
        value = cleaned
    if value is None:
        return None
    kind = field.type
    if kind in ("id", "name", "text", "enum"):
        return _text(value, half_width=kind == "id")
    if kind == "list":
        return [_text(v, half_width=True) for v in _SEPARATORS.split(_text(value)) if v.strip()]
    if kind == "count":
        return whole_number(value)
    if kind == "share":
        return share(value, percent=percent)
    if kind == "date":
        return date(value)
    return boolean(value, field.words)


_SEPARATORS = re.compile(r"\s*[;；,，、\n]\s*")


def _text(value: Any, *, half_width: bool = False) -> str:
    if isinstance(value, bool):
        raise CellError(f"expected a text, got {describe(value)}")
    if isinstance(value, dt.datetime | dt.date):
        raise CellError(f"expected a text, got {describe(value)}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text.translate(_FULLWIDTH).strip() if half_width else text


# --- numbers ------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_UNIT_SUFFIX = re.compile(r"(个|名|人|户|家|条|项|位)$")


def number(value: Any) -> float | int:
    """A spreadsheet number, or a number written as text in any of the accepted ways."""
    if isinstance(value, bool | dt.date):  # a datetime is a date
        raise CellError(f"expected a number, got {describe(value)}")
    if isinstance(value, int | float):
        return value
    text = re.sub(r"\s+", "", str(value).translate(_FULLWIDTH))
    text = _UNIT_SUFFIX.sub("", text)
    if _NUMBER.fullmatch(text):
        digits = text.replace(",", "")
        return float(digits) if "." in digits else int(digits)
    chinese = chinese_numeral(text)
    if chinese is not None:
        return chinese
    raise CellError(f"expected a number, got {describe(value)}")


def whole_number(value: Any) -> int:
    found = number(value)
    if isinstance(found, float):
        if not found.is_integer():
            raise CellError(f"expected a whole number, got {describe(value)}")
        return int(found)
    return found


def share(value: Any, *, percent: bool = False) -> float:
    """A share from 0 to 1: ``0.6``, ``60%`` (text or a cell formatted as a percentage), or
    ``60`` (a number above 1 is read as a percentage)."""
    text = value.strip().translate(_FULLWIDTH) if isinstance(value, str) else None
    if text is not None and text.endswith("%"):
        return float(number(text[:-1])) / 100
    found = float(number(value))
    if percent or found <= 1:
        return found
    if found <= 100:
        return found / 100
    raise CellError(f"expected a share (0.6, 60%, or 60 for 60%), got {describe(value)}")


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4}
_DIGITS |= {"伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}


def chinese_numeral(text: str) -> int | None:
    """A whole number written in Chinese numerals (十二, 一百零五, 两千, 三万五千, 一〇五), in
    either script, or None when ``text`` is not one."""
    text = to_simplified(text)
    if not text or any(
        c not in _DIGITS and c not in _SMALL_UNITS and c not in _LARGE_UNITS for c in text
    ):
        return None
    if all(c in _DIGITS for c in text):  # digit by digit: 一〇五
        return int("".join(str(_DIGITS[c]) for c in text))
    total = section = 0
    digit: int | None = None
    last_unit = 10_000  # units inside a section fall: 千, 百, 十
    for char in text:
        if char in _DIGITS:
            if digit and _DIGITS[char]:
                return None  # two digits with no unit between them: 一二十
            digit = _DIGITS[char]
        elif char in _SMALL_UNITS:
            unit = _SMALL_UNITS[char]
            if unit >= last_unit or digit == 0 or (digit is None and unit != 10):
                return None  # 十百, 零十, 百 without its digit
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            unit = _LARGE_UNITS[char]
            if unit == 10_000:
                total += (section + (digit or 0)) * unit
            else:
                total = (total + section + (digit or 0)) * unit
            section, digit, last_unit = 0, None, 10_000
    return total + section + (digit or 0)


# --- dates and yes/no ---------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise CellError(f"expected a date (YYYY-MM-DD), got {describe(value)}")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _DATE.fullmatch(value.translate(_FULLWIDTH).strip())
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                raise CellError(f"{value.strip()!r} is not a real date") from None
    hint = " (format the cell as a date)" if isinstance(value, int | float) else ""
    raise CellError(f"expected a date (YYYY-MM-DD), got {describe(value)}{hint}")


_TRUE = {"是", "有", "√", "✓", "✔", "y", "yes", "true", "1", "对"}
_FALSE = {"否", "×", "✗", "✘", "n", "no", "false", "0", "不是"}


@lru_cache(maxsize=1024)
def _yes_or_no(text: str, true: tuple[str, ...], false: tuple[str, ...]) -> bool | None:
    text = normalise(text)
    if text in _TRUE or text in map(normalise, true):
        return True
    if text in _FALSE or text in map(normalise, false):
        return False
    return None


def boolean(value: Any, words: Mapping[Any, list[str]] | None = None) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    true, false = tuple((words or {}).get("true", [])), tuple((words or {}).get("false", []))
    found = _yes_or_no(str(value), true, false)
    if found is not None:
        return found
    accepted = "是/否" + "".join(
        f", {'/'.join(w)}" for w in ((words or {}).get("true"), (words or {}).get("false")) if w
    )
    raise CellError(f"expected yes or no ({accepted}), got {describe(value)}")
