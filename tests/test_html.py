"""The HTML summary: one self-contained page that loads nothing, escapes everything from plans,
and, opened in headless Chromium with no network, renders without console errors and shows
the same numbers as the JSON summary."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from complycheck.check import check_paths
from complycheck.cli import cli
from complycheck.engine import EngineName, make_engine
from complycheck.i18n import Lang
from complycheck.reporters import html as html_module
from complycheck.reporters import html_findings
from complycheck.rulebook.load import load_rulebook
from complycheck.summary import summarise as summary_of

from .browser import Browser, PageLog, find_chromium
from .conftest import CASES, REPO

sys.path.insert(0, str(REPO / "bench"))

from generate import Shape, write

HOSTILE_TITLE = '</title><script>window.__pwned = 1</script>"><b>'
HOSTILE_NAME = '<img src=x onerror="window.__pwned = 2"><a href="https://example.com/">x</a>'


def summarise(paths: list[Path], out: Path, fmt: str, *extra: str) -> None:
    result = CliRunner().invoke(
        cli, ["summary", *map(str, paths), "--format", fmt, "-o", str(out), "-q", *extra]
    )
    assert result.exit_code in (1, 3), result.output


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """HTML and JSON summaries of a generated batch with the realistic cases and a hostile
    plan (markup in its title and a unit's name)."""
    root = tmp_path_factory.mktemp("html")
    batch = root / "batch"
    write(batch, plans=4, seed=9, shape=Shape(units=60, townships=4, grids=300))
    hostile = root / "hostile.yaml"
    text = (CASES / "R16" / "violating-small-pi" / "plan.yaml").read_text(encoding="utf-8")
    text = text.replace("小店区部分事业单位机构编制调整方案", json.dumps(HOSTILE_TITLE))
    text = text.replace("小店区档案数字化服务中心", json.dumps(HOSTILE_NAME))
    hostile.write_text(text, encoding="utf-8")
    plans = [batch, hostile, *sorted((CASES / "realistic").glob("*/plan.yaml"))]
    out: dict[str, Any] = {}
    for lang in ("zh", "en"):
        page = root / f"summary-{lang}.html"
        summarise(plans, page, "html", "--lang", lang)
        out[lang] = page
    summarise(plans, root / "summary.json", "json")
    out["json"] = json.loads((root / "summary.json").read_text(encoding="utf-8"))
    # The same page listing 10 rows at first and 15 more at a time.
    rulebook = load_rulebook()
    summary = summary_of(check_paths(plans, rulebook, make_engine(EngineName.PYTHON)), rulebook)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(html_findings, "PAGE", 10)
        patch.setattr(html_findings, "MORE", 15)
        out["paged"] = root / "paged.html"
        out["paged"].write_text(html_module.summary_html(summary, Lang.EN), encoding="utf-8")
    return out


class Tags(HTMLParser):
    """Every element name, attribute name and link target of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: set[str] = set()
        self.urls: set[tuple[str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        for name, value in attrs:
            self.attrs.add(name)
            if name == "href":
                self.hrefs.add(value or "")
            if value and "://" in value:
                self.urls.add((name, value))


def _blocks(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_page_is_self_contained(pages: dict[str, Any]) -> None:
    html = pages["en"].read_text(encoding="utf-8")
    (style,) = _blocks(html, "style")
    (script,) = _blocks(html, "script")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    assert "default-src 'none'" in policy[1] and "connect-src 'none'" in policy[1]
    assert f"style-src '{_hash(style)}'" in policy[1]
    assert f"script-src '{_hash(script)}'" in policy[1]
    tags = Tags()
    tags.feed(html)
    assert not {"link", "img", "iframe", "object", "embed", "base", "form"} & tags.names
    assert not {"src", "srcset", "action", "formaction", "style", "background"} & tags.attrs
    assert not any(a.startswith("on") for a in tags.attrs)  # no inline event handlers
    assert tags.hrefs <= {
        f"#{a}"
        for a in (
            "overview",
            "by-rule",
            "by-place",
            "worst",
            "coverage",
            "findings",
            "input-errors",
        )
    }
    assert "url(" not in style and "@import" not in style
    assert tags.urls == {("xmlns", "http://www.w3.org/2000/svg")}  # a namespace, never fetched


def test_text_from_plans_is_escaped(pages: dict[str, Any]) -> None:
    html = pages["zh"].read_text(encoding="utf-8")
    assert html.count("<script") == 1  # the page's own
    assert "<img" not in html and 'href="https://example.com/"' not in html
    assert "&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;" in html
    assert "&lt;/title&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html


def test_both_languages_are_in_the_page(pages: dict[str, Any]) -> None:
    zh = pages["zh"].read_text(encoding="utf-8")
    en = pages["en"].read_text(encoding="utf-8")
    assert '<html lang="zh" data-show="zh">' in zh and '<html lang="en" data-show="en">' in en
    for html in (zh, en):
        assert (
            '<span class="t-zh" lang="zh">按规则</span><span class="t-en" lang="en">By rule' in html
        )
        assert "Taiyuan" in html and "太原市" in html


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "Chromium is not installed (Debian: apt-get install chromium); "
            "the HTML report is not opened in a browser"
        )
    with (
        tempfile.TemporaryDirectory(prefix="complycheck-chromium-") as profile,
        Browser(executable, Path(profile)) as started,
    ):
        yield started


def open_page(browser: Browser, page: Path) -> PageLog:
    log = PageLog()
    browser.open(page.resolve().as_uri(), log)
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1366, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    return log


def js(browser: Browser, expression: str) -> Any:
    return browser.evaluate(expression)


def set_filter(browser: Browser, element: str, value: str) -> int:
    js(
        browser,
        f"(function () {{ var c = document.getElementById({json.dumps(element)});"
        f" c.value = {json.dumps(value)}; c.dispatchEvent(new Event('input')); }})()",
    )
    return int(js(browser, "document.getElementById('findings-shown').textContent"))


def test_the_page_renders_in_chromium_with_the_right_counts(
    browser: Browser, pages: dict[str, Any], tmp_path: Path
) -> None:
    data = pages["json"]
    total = data["totals"]["findings"]
    log = open_page(browser, pages["en"])
    assert js(browser, "document.getElementById('findings-total').textContent") == str(total)
    assert js(browser, "document.getElementById('findings-count').textContent") == str(total)
    assert js(browser, "document.querySelectorAll('#findings-table tbody tr').length") == total
    assert js(browser, "document.getElementById('findings-shown').textContent") == str(total)
    assert js(browser, "document.getElementById('findings-more-row').hidden")  # all listed
    assert js(browser, "document.querySelectorAll('svg.chart').length") == 2 + len(data["by_rule"])
    # Filtering: by rule, by text, both cleared again.
    for rule in data["by_rule"]:
        assert set_filter(browser, "filter-rule", rule["rule"]) == rule["findings"]["total"]
    set_filter(browser, "filter-rule", "")
    grids = sum(
        1 for f in data["findings"] if f["entity"] == "grid" and "G0002-" in f["entity_key"]
    )
    assert grids and set_filter(browser, "filter-text", "g0002-") == grids
    assert set_filter(browser, "filter-text", "") == total
    assert (
        set_filter(browser, "filter-severity", "warning")
        == data["totals"]["by_severity"]["warning"]
    )
    set_filter(browser, "filter-severity", "")
    # Sorting by severity, both ways.
    first = "document.querySelector('#findings-table tbody tr').getAttribute('data-severity')"
    js(browser, "document.querySelector('#findings-table thead th button').click()")
    ascending = js(browser, first)
    js(browser, "document.querySelector('#findings-table thead th button').click()")
    assert (ascending, js(browser, first)) == (
        "info" if data["totals"]["by_severity"]["info"] else "warning",
        "error",
    )
    # The language button shows the Chinese texts and hides the English ones.
    visible = "getComputedStyle(document.querySelector('nav .t-{0}')).display !== 'none'"
    assert js(browser, visible.format("en")) and not js(browser, visible.format("zh"))
    js(browser, "document.getElementById('lang-toggle').click()")
    assert js(browser, visible.format("zh")) and not js(browser, visible.format("en"))
    shot = tmp_path / "summary.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    browser.drain()
    assert log.errors == []
    assert log.requests == [pages["en"].resolve().as_uri()]  # the page itself, nothing else


def test_markup_in_a_plan_stays_text_in_chromium(browser: Browser, pages: dict[str, Any]) -> None:
    log = open_page(browser, pages["zh"])
    assert js(browser, "typeof window.__pwned") == "undefined"
    assert js(browser, "document.querySelectorAll('script').length") == 1
    assert js(browser, "document.querySelectorAll('main img, main a[href^=http]').length") == 0
    shown = js(browser, "document.getElementById('findings-table').textContent")
    assert HOSTILE_NAME in shown
    plans = js(browser, "document.getElementById('worst').textContent")
    assert HOSTILE_TITLE in plans
    browser.drain()
    assert log.errors == []
    assert log.requests == [pages["zh"].resolve().as_uri()]


def test_long_tables_are_listed_a_page_at_a_time(browser: Browser, pages: dict[str, Any]) -> None:
    data = pages["json"]
    total = data["totals"]["findings"]
    assert total > 40
    log = open_page(browser, pages["paged"])
    visible = "document.querySelectorAll('#findings-table tbody tr:not([hidden])').length"
    listed = "document.getElementById('findings-listed').textContent"
    more_shown = "!document.getElementById('findings-more-row').hidden"
    assert (js(browser, visible), js(browser, listed), js(browser, more_shown)) == (10, "10", True)
    js(browser, "document.getElementById('findings-more').click()")
    assert (js(browser, visible), js(browser, listed)) == (25, "25")
    assert js(browser, "document.querySelectorAll('#findings-table tbody tr').length") == total
    # A filter starts again from the first page; a short result fits on it.
    r09 = next(r["findings"]["total"] for r in data["by_rule"] if r["rule"] == "R09")
    assert r09 > 10
    assert set_filter(browser, "filter-rule", "R09") == r09
    assert (js(browser, visible), js(browser, more_shown)) == (10, True)
    r16 = next(r["findings"]["total"] for r in data["by_rule"] if r["rule"] == "R16")
    assert r16 <= 10
    assert set_filter(browser, "filter-rule", "R16") == r16
    assert (js(browser, visible), js(browser, more_shown)) == (r16, False)
    browser.drain()
    assert log.errors == []
