"""Views of the rulebook itself: ``complycheck rules`` and ``complycheck explain``.

Both are generated from the rule files, so what they say is what the engine checks.
"""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text as RichText

from ..i18n import Lang
from ..rulebook.load import LoadedRule, Rulebook
from ..rulebook.spec import Dated
from ..rulebook.spec import Table as ParamTable
from .rich_report import make_console

HEAD = {
    "id": {"zh": "编号", "en": "ID"},
    "title": {"zh": "规则", "en": "Rule"},
    "severity": {"zh": "级别", "en": "Severity"},
    "packs": {"zh": "政策包", "en": "Packs"},
    "source": {"zh": "依据", "en": "Source"},
    "regions": {"zh": "适用地区", "en": "Regions"},
    "auto": {"zh": "自动适用", "en": "Automatic"},
    "quote": {"zh": "政策原文", "en": "Policy text"},
    "translation": {"zh": "英文译文", "en": "Translation"},
    "rationale": {"zh": "解读", "en": "How it is read"},
    "params": {"zh": "参数", "en": "Parameters"},
    "default": {"zh": "默认值", "en": "default"},
    "compliant": {"zh": "合规示例", "en": "Compliant example"},
    "violating": {"zh": "违规示例", "en": "Violating example"},
    "remediation": {"zh": "整改", "en": "Remediation"},
    "applies": {"zh": "检查对象", "en": "Checks"},
    "in_principle": {
        "zh": "“原则上”：写明理由可降为警告",
        "en": '"in principle": a stated justification lowers a finding to a warning',
    },
    "unset": {"zh": "未配置", "en": "not configured"},
}


def h(key: str, lang: Lang) -> str:
    return HEAD[key][lang.value]


def _packs_of(rulebook: Rulebook, rule_id: str) -> list[str]:
    return [p.id for p in rulebook.packs.containing(rule_id)]


def _show(value: Any, lang: Lang) -> str:
    if value is None:
        return h("unset", lang)
    if isinstance(value, ParamTable):
        return "; ".join(f"{k}: {_show(v, lang)}" for k, v in value.values.items()) + (
            f"  (by {value.by})"
        )
    if isinstance(value, list) and value and isinstance(value[0], Dated):
        return "; ".join(
            f"{d.from_ or '…'}–{d.until or '…'}: {_show(d.value, lang)}" for d in value
        )
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def rules_json(rulebook: Rulebook) -> str:
    rules = [
        {
            "id": r.spec.id,
            "title": r.spec.title.model_dump(),
            "severity": r.spec.severity,
            "entity": r.spec.entity,
            "kind": r.spec.kind,
            "in_principle": r.spec.in_principle,
            "packs": _packs_of(rulebook, r.spec.id),
            "source": {
                "seed": r.spec.source.seed,
                "item": r.spec.source.item,
                "jurisdiction": r.spec.source.jurisdiction.model_dump(),
                "quote": r.spec.source.quote,
                "translation": r.spec.source.translation,
            },
        }
        for r in rulebook.rules
    ]
    packs = [
        {
            "id": p.id,
            "title": p.spec.title.model_dump(),
            "regions": p.spec.regions,
            "auto": p.spec.auto,
            "extends": p.spec.extends,
            "rules": p.spec.rules,
        }
        for p in sorted(rulebook.packs.packs.values(), key=lambda p: p.id)
    ]
    return json.dumps({"rules": rules, "packs": packs}, ensure_ascii=False, indent=2)


def print_rules(rulebook: Rulebook, lang: Lang) -> None:
    console = make_console()
    table = Table(show_lines=False, header_style="bold")
    for key in ("id", "title", "severity", "packs", "source"):
        table.add_column(h(key, lang), overflow="fold")
    for r in rulebook.rules:
        src = r.spec.source
        table.add_row(
            RichText(r.spec.id, style="rule"),
            RichText(r.spec.title.get(lang)),
            RichText(r.spec.severity, style=f"sev.{r.spec.severity}"),
            RichText(", ".join(_packs_of(rulebook, r.spec.id)) or "-"),
            RichText(f"{src.jurisdiction.get(lang)} {src.item}"),
        )
    console.print(table)
    packs = Table(header_style="bold")
    for key in ("packs", "title", "regions", "auto"):
        packs.add_column(h(key, lang), overflow="fold")
    for p in sorted(rulebook.packs.packs.values(), key=lambda p: p.id):
        packs.add_row(
            p.id,
            p.spec.title.get(lang),
            "、".join(p.spec.regions) or "*",
            "✓" if p.spec.auto else "-",
        )
    console.print(packs)


def print_explain(rulebook: Rulebook, rule: LoadedRule, lang: Lang) -> None:
    console = make_console()
    spec = rule.spec
    src = spec.source

    def section(key: str, body: str) -> None:
        console.print(RichText(h(key, lang), style="bold"))
        console.print(RichText("  " + body))

    console.print(
        RichText.assemble(
            (spec.id, "rule"),
            "  ",
            (spec.title.get(lang), "bold"),
            "  ",
            (spec.severity, f"sev.{spec.severity}"),
        )
    )
    section("applies", f"{spec.entity} ({spec.kind})")
    if spec.in_principle:
        console.print(RichText("  " + h("in_principle", lang), style="sev.warning"))
    section(
        "source",
        f"{src.jurisdiction.get(lang)} {src.item} ({src.seed})"
        + (f" + {', '.join(src.also)}" if src.also else ""),
    )
    section("quote", src.quote)
    section("translation", src.translation)
    section("rationale", spec.rationale.get(lang))
    if spec.params:
        console.print(RichText(h("params", lang), style="bold"))
        packs = rulebook.packs.containing(spec.id)
        for name, param in spec.params.items():
            console.print(
                RichText.assemble(("  " + name, "bold"), "  ", param.description.get(lang))
            )
            console.print(RichText(f"    {h('default', lang)}: {_show(param.default, lang)}"))
            for pack in packs:
                if name in pack.spec.params.get(spec.id, {}):
                    value = pack.spec.params[spec.id][name]
                    console.print(RichText(f"    {pack.id}: {_show(value, lang)}"))
    section("packs", ", ".join(p.id for p in rulebook.packs.containing(spec.id)) or "-")
    section("compliant", spec.example.compliant.get(lang))
    section("violating", spec.example.violating.get(lang))
    section("remediation", spec.remediation.get(lang))
