"""Bar charts as inline SVG: no script, no fonts or images to fetch, every label escaped.

Labels are bilingual: each carries a Chinese and an English ``<text>``, and the page's
stylesheet shows one of them (classes ``t-zh`` and ``t-en``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ..i18n import Text

ROW = 22
BAR = 14
LABEL_WIDTH = 210
COUNT_WIDTH = 56
MAX_LABEL_UNITS = 32  # about what fits in LABEL_WIDTH at the chart's font size


@dataclass(frozen=True)
class Bar:
    label: Text
    parts: tuple[tuple[int, str], ...]  # (count, CSS class) segments, left to right
    tip: Text  # the tooltip: the full label and the counts

    @property
    def total(self) -> int:
        return sum(n for n, _ in self.parts)


def _units(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def shorten(text: str, limit: int = MAX_LABEL_UNITS) -> str:
    """``text`` cut to about ``limit`` narrow characters (a wide character counts two)."""
    used = 0
    for i, char in enumerate(text):
        used += _units(char)
        if used > limit:
            return text[:i].rstrip() + "…"
    return text


def _bilingual(text: Text, x: int, y: int, anchor: str = "start") -> str:
    return "".join(
        f'<text class="t-{lang}" x="{x}" y="{y}" text-anchor="{anchor}">'
        f"{escape(shorten(value))}</text>"
        for lang, value in (("zh", text.zh), ("en", text.en))
    )


def bar_chart(bars: Sequence[Bar], *, title: Text, width: int = 720, chart_id: str) -> str:
    """A horizontal bar chart of ``bars`` (stacked segments), one row each."""
    height = ROW * len(bars) + 8
    plot = width - LABEL_WIDTH - COUNT_WIDTH
    scale = max((b.total for b in bars), default=0) or 1
    rows: list[str] = []
    for i, bar in enumerate(bars):
        y = 4 + i * ROW
        text_y = y + BAR - 2
        x = float(LABEL_WIDTH)
        segments = []
        for count, css in bar.parts:
            if count <= 0:
                continue
            w = max(1.0, plot * count / scale)
            segments.append(
                f'<rect class="{css}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}"/>'
            )
            x += w
        tips = dict.fromkeys((bar.tip.zh, bar.tip.en))  # one of each, once if they agree
        tip = f"<title>{escape(' · '.join(tips))}</title>"
        rows.append(
            f'<g class="bar">{tip}'
            + _bilingual(bar.label, LABEL_WIDTH - 8, text_y, "end")
            + "".join(segments)
            + f'<text class="count" x="{x + 6:.1f}" y="{text_y}">{bar.total}</text></g>'
        )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f'<title id="{escape(chart_id)}-title">{escape(title.zh)} / {escape(title.en)}</title>'
    )
    return head + "".join(rows) + "</svg>"
