"""Languages and scripts: bilingual text, the user's language, and script normalisation.

Plans may be written in simplified or traditional characters. Everything that is matched
(enumeration labels, names, jurisdictions) is compared in its simplified form.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict


class Lang(StrEnum):
    """A report language: Chinese in simplified characters, Chinese in traditional characters
    (converted from the simplified text with OpenCC), or English."""

    ZH = "zh"
    ZH_HANT = "zh-Hant"
    EN = "en"

    @property
    def chinese(self) -> bool:
        return self is not Lang.EN


def pick(zh: str, en: str, lang: Lang) -> str:
    """The text for ``lang``: ``zh`` (in traditional characters for ``zh-Hant``) or ``en``.
    Every piece of Chinese text shown to a user goes through here."""
    if lang is Lang.EN:
        return en
    return to_traditional(zh) if lang is Lang.ZH_HANT else zh


class Text(BaseModel):
    """A text in Chinese and English."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return pick(self.zh, self.en, lang)

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        """Pickled as its two texts (findings travel from worker processes in thousands)."""
        return _text, (self.zh, self.en)


def _text(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


_TRADITIONAL_LOCALES = ("zh_tw", "zh_hk", "zh_mo", "zh_hant", "zh-tw", "zh-hk", "zh-mo", "zh-hant")


def default_lang(environ: dict[str, str] | None = None) -> Lang:
    """The language of the user's locale: traditional Chinese for ``zh_TW``, ``zh_HK``,
    ``zh_MO`` and ``zh_Hant*`` locales, simplified Chinese for other ``zh*`` locales, English
    otherwise."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "").lower()
        if value:
            if value.startswith(_TRADITIONAL_LOCALES):
                return Lang.ZH_HANT
            return Lang.ZH if value.startswith("zh") else Lang.EN
    return Lang.EN


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """``text`` in simplified characters (ASCII passes through untouched)."""
    if text.isascii():
        return text
    return str(_t2s().convert(text))  # type: ignore[attr-defined]


@lru_cache(maxsize=4)
def _s2t(config: str = "s2tw") -> object:
    import opencc

    return opencc.OpenCC(config)


@lru_cache(maxsize=65536)
def to_traditional(text: str) -> str:
    """``text`` in traditional characters, in their Taiwan standard forms, the forms the
    traditional-script policy sources use (ASCII passes through untouched)."""
    if text.isascii():
        return text
    return str(_s2t().convert(text))  # type: ignore[attr-defined]


# Traditional characters written in more than one form (並 and 併 are both 并).
_ALTERNATES = {"併": "並", "裡": "裏", "為": "爲", "著": "着", "線": "綫", "眾": "衆", "啟": "啓"}
_ALTERNATES |= {v: k for k, v in _ALTERNATES.items()}


def traditional_forms(text: str) -> list[str]:
    """The common forms of ``text`` in traditional characters, without repeats: OpenCC's
    Taiwan, generic and Hong Kong forms, with the alternate forms of characters written two
    ways (撤併 and 撤並). Every form reads back as ``text``."""
    if text.isascii():
        return [text]
    forms = [str(_s2t(c).convert(text)) for c in ("s2tw", "s2t", "s2hk")]  # type: ignore[attr-defined]
    for form in list(forms):
        swapped = "".join(_ALTERNATES.get(c, c) for c in form)
        forms.append(swapped)
    return [f for f in dict.fromkeys(forms) if to_simplified(f) == to_simplified(text)]


@lru_cache(maxsize=65536)  # the same names come again and again: a township's offices
def fold(text: str) -> str:
    """The form used to compare names and labels: simplified, trimmed, case-folded,
    full-width ASCII turned half-width."""
    text = text.strip().translate(_FULLWIDTH)
    return to_simplified(text).casefold()


_FULLWIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}
