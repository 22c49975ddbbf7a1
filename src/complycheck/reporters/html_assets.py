"""The stylesheet and the script of the HTML summary, inlined into every page.

Both are constants: nothing from a plan is ever written into them. The page's Content Security
Policy allows exactly these two blocks (by their SHA-256) and nothing else, so even a string
that escaped escaping could not run or fetch anything.
"""

from __future__ import annotations

CSS = """
:root { --error: #c62828; --warning: #ef6c00; --info: #0277bd; --ok: #2e7d32;
  --line: #d7dbe0; --muted: #5f6b76; --bg: #f6f7f9; --card: #fff; --ink: #1d252c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
  "Microsoft YaHei", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; justify-content: space-between; align-items: center; gap: 1rem;
  padding: 1rem 1.5rem; background: #23313f; color: #fff; }
header h1 { margin: 0; font-size: 1.3rem; }
header .meta { color: #c9d3dc; font-size: 0.85rem; }
header button { font: inherit; padding: 0.3rem 0.8rem; border-radius: 4px; border: 1px solid #fff;
  background: transparent; color: #fff; cursor: pointer; }
nav { padding: 0.5rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
nav a { margin-right: 1rem; color: #23313f; }
main { padding: 1rem 1.5rem 3rem; max-width: 1400px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  padding: 1rem 1.25rem; margin: 1rem 0; }
h2 { margin: 0 0 0.75rem; font-size: 1.15rem; }
h3 { margin: 1rem 0 0.5rem; font-size: 1rem; }
.cards { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.9rem;
  min-width: 9rem; }
.card .n { font-size: 1.6rem; font-weight: 600; display: block; }
.card.error .n { color: var(--error); } .card.warning .n { color: var(--warning); }
.card.info .n { color: var(--info); }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
th.n, td.n { white-space: nowrap; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.5rem; text-align: left;
  vertical-align: top; }
th { background: #eef1f4; position: sticky; top: 0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0;
  cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
.sev { font-weight: 600; white-space: nowrap; }
.sev.error { color: var(--error); } .sev.warning { color: var(--warning); }
.sev.info { color: var(--info); }
.loc, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.85em; word-break: break-all; }
.muted { color: var(--muted); }
.fix { color: #33414d; margin-top: 0.25rem; }
.fix::before { content: "\\2192  "; color: var(--ok); }
details.cite summary { cursor: pointer; color: var(--muted); }
blockquote { margin: 0.25rem 0; padding-left: 0.6rem; border-left: 3px solid var(--line); }
.filters { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.5rem 0; }
.filters input, .filters select { font: inherit; padding: 0.25rem 0.4rem; }
.filters input { min-width: 16rem; }
.status-new { color: var(--error); font-weight: 600; }
.status-fixed { color: var(--ok); font-weight: 600; }
.rules-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
  gap: 0.75rem; }
.rule-card { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.75rem; }
svg.chart { max-width: 100%; height: auto; font-size: 12px; }
svg.chart text { fill: var(--ink); }
svg.chart text.count { fill: var(--muted); }
rect.s-error { fill: var(--error); } rect.s-warning { fill: var(--warning); }
rect.s-info { fill: var(--info); } rect.s-total { fill: #546e7a; }
.legend span { margin-right: 1rem; } .legend i { display: inline-block; width: 0.8rem;
  height: 0.8rem; margin-right: 0.3rem; vertical-align: middle; }
.legend i.error { background: var(--error); } .legend i.warning { background: var(--warning); }
.legend i.info { background: var(--info); }
.indent-1 { padding-left: 1.5rem; } .indent-2 { padding-left: 3rem; }
.indent-3 { padding-left: 4.5rem; }
:root[data-show="zh"] .t-en, :root[data-show="en"] .t-zh { display: none; }
tr[hidden] { display: none; }
@media print { nav, .filters, header button { display: none; }
  section { break-inside: avoid; border: 0; } }
"""

JS = """
(function () {
  "use strict";
  var root = document.documentElement;
  var toggle = document.getElementById("lang-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var next = root.getAttribute("data-show") === "zh" ? "en" : "zh";
      root.setAttribute("data-show", next);
      root.setAttribute("lang", next);
    });
  }
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
  var shown = document.getElementById("findings-shown");
  var listed = document.getElementById("findings-listed");
  var moreRow = document.getElementById("findings-more-row");
  var page = Number(table.getAttribute("data-page"));
  var step = Number(table.getAttribute("data-more"));
  var limit = page;
  var controls = {
    text: document.getElementById("filter-text"),
    severity: document.getElementById("filter-severity"),
    rule: document.getElementById("filter-rule"),
    status: document.getElementById("filter-status")
  };
  function value(control) { return control ? control.value : ""; }
  function apply() {
    var text = value(controls.text).trim().toLowerCase();
    var severity = value(controls.severity);
    var rule = value(controls.rule);
    var status = value(controls.status);
    var count = 0;
    rows.forEach(function (row, i) {
      var ok = (!text || texts[i].indexOf(text) !== -1) &&
        (!severity || row.getAttribute("data-severity") === severity) &&
        (!rule || row.getAttribute("data-rule") === rule) &&
        (!status || row.getAttribute("data-status") === status);
      if (ok) { count += 1; }
      row.hidden = !(ok && count <= limit);
    });
    shown.textContent = String(count);
    listed.textContent = String(Math.min(count, limit));
    moreRow.hidden = count <= limit;
  }
  function refilter() { limit = page; apply(); }
  Object.keys(controls).forEach(function (key) {
    var control = controls[key];
    if (control) {
      control.addEventListener("input", refilter);
      control.addEventListener("change", refilter);
    }
  });
  document.getElementById("findings-more").addEventListener("click", function () {
    limit += step;
    apply();
  });
  function key(row, column, numeric) {
    var cell = row.cells[column];
    var raw = cell.getAttribute("data-v");
    if (raw === null) { raw = cell.textContent; }
    return numeric ? Number(raw) : raw;
  }
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (head, column) {
    var button = head.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var ascending = head.getAttribute("aria-sort") !== "ascending";
      var numeric = head.getAttribute("data-type") === "num";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var order = rows.map(function (row, i) { return i; });
      order.sort(function (a, b) {
        var x = key(rows[a], column, numeric);
        var y = key(rows[b], column, numeric);
        var c = numeric ? x - y : String(x).localeCompare(String(y));
        if (c === 0) { c = a - b; }
        return ascending ? c : -c;
      });
      var sortedRows = order.map(function (i) { return rows[i]; });
      texts = order.map(function (i) { return texts[i]; });
      rows = sortedRows;
      rows.forEach(function (row) { body.appendChild(row); });
      apply();
    });
  });
  apply();
})();
"""
