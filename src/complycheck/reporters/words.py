"""The words the report formats share, in Chinese and English, and the summary line."""

from __future__ import annotations

from collections.abc import Mapping

from ..i18n import Lang, Text
from .canonical import CanonicalReport, FindingDoc, TextDoc

WORDS: dict[str, dict[str, str]] = {
    "error": {"zh": "错误", "en": "error"},
    "warning": {"zh": "警告", "en": "warning"},
    "info": {"zh": "提示", "en": "info"},
    "open": {"zh": "待处理", "en": "open"},
    "waived": {"zh": "已豁免", "en": "waived"},
    "known": {"zh": "基线已有", "en": "known"},
    "new": {"zh": "新增", "en": "new"},
    "fixed": {"zh": "已整改", "en": "fixed"},
    "summary": {"zh": "汇总", "en": "Summary"},
    "plans": {"zh": "个方案", "en": "plan(s)"},
    "input_errors": {"zh": "输入错误", "en": "input error(s)"},
    "input_error": {"zh": "输入错误", "en": "input error"},
    "rule_failed": {"zh": "规则执行失败", "en": "rule could not be evaluated"},
    "rule_failures": {"zh": "项规则执行失败", "en": "rule failure(s)"},
    "comparisons": {"zh": "项对照参考", "en": "comparison(s)"},
    "fix": {"zh": "整改", "en": "Fix"},
    "source": {"zh": "依据", "en": "Source"},
    "justification": {"zh": "说明理由", "en": "Justification"},
    "waiver": {"zh": "豁免", "en": "Waived"},
    "approved_by": {"zh": "批准人", "en": "approved by"},
    "until": {"zh": "有效期至", "en": "until"},
    "no_findings": {"zh": "未发现问题", "en": "No findings"},
    "findings": {"zh": "问题", "en": "Findings"},
    "details": {"zh": "详情：整改要求与政策依据", "en": "Details: how to fix, and the policy text"},
    "fixed_since": {"zh": "基线中已整改的问题", "en": "Fixed since the baseline"},
    "compares": {"zh": "对照参考（非违规）", "en": "How the plans compare (not violations)"},
    "severity": {"zh": "级别", "en": "Severity"},
    "status": {"zh": "状态", "en": "Status"},
    "rule": {"zh": "规则", "en": "Rule"},
    "location": {"zh": "位置", "en": "Location"},
    "entity": {"zh": "对象", "en": "Entity"},
    "finding": {"zh": "问题", "en": "Finding"},
    "plan": {"zh": "方案", "en": "Plan"},
}


def pick(text: TextDoc | Mapping[str, str], lang: Lang) -> str:
    """A canonical text (``{"zh": ..., "en": ...}``) in ``lang``, chosen as :class:`Text`
    chooses, so that every format speaks the report's language the same way."""
    return Text.model_construct(zh=text["zh"], en=text["en"]).get(lang)


def word(key: str, lang: Lang) -> str:
    return pick(WORDS[key], lang)


def sep(lang: Lang) -> str:
    """A list separator: full-width in Chinese."""
    return "，" if lang is Lang.ZH else ", "


def status_word(doc: FindingDoc, lang: Lang) -> str:
    return word(doc["status"], lang)


def summary_line(doc: CanonicalReport, lang: Lang) -> str:
    """``Summary: 3 plan(s), 9 error, 1 warning, 0 info; 1 waived, 2 known; ...``."""
    s = doc["summary"]
    colon = "：" if lang is Lang.ZH else ": "
    counts = sep(lang).join(f"{n} {word(sev, lang)}" for sev, n in s["findings"].items())
    parts = [f"{s['plans']} {word('plans', lang)}{sep(lang)}{counts}"]
    policy = [f"{s['waived']} {word('waived', lang)}"]
    if s["new"] is not None:
        policy.append(f"{s['known']} {word('known', lang)}")
        policy.append(f"{s['new']} {word('new', lang)}")
        policy.append(f"{s['fixed']} {word('fixed', lang)}")
    parts.append(sep(lang).join(policy))
    if s["comparisons"]:
        parts.append(f"{s['comparisons']} {word('comparisons', lang)}")
    if s["rule_failures"]:
        parts.append(f"{s['rule_failures']} {word('rule_failures', lang)}")
    if s["input_errors"]:
        parts.append(f"{s['input_errors']} {word('input_errors', lang)}")
    joiner = "；" if lang is Lang.ZH else "; "
    return word("summary", lang) + colon + joiner.join(parts)
