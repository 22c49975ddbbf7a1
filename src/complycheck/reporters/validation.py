"""The report of ``complycheck validate``: the plans that are valid, then every input error,
then a summary line."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text as RichText

from ..i18n import Lang, pick
from ..plans import Validation
from .rich_report import colon


def render_validation(result: Validation, console: Console, lang: Lang) -> None:
    lines: list[RichText] = []
    for file, plan_id in result.valid:
        lines.append(RichText.assemble(("✓ ", "ok"), (file, "loc"), f"  {plan_id}"))
    if result.problems:
        lines.append(RichText(pick("输入错误", "Input errors", lang) + ":", style="sev.error"))
        lines.extend(RichText(str(p), style="sev.error") for p in result.problems)
    summary = RichText.assemble(
        (pick("汇总", "Summary", lang) + colon(lang), "bold"),
        pick(
            f"{len(result.valid)} 个方案格式有效",
            f"{len(result.valid)} plan(s) valid",
            lang,
        ),
    )
    if result.invalid:
        summary.append(
            pick(f"，{result.invalid} 个无效", f", {result.invalid} invalid", lang),
            style="sev.error",
        )
    lines.append(summary)
    console.print(RichText("\n").join(lines), soft_wrap=True)
