"""The YAML/JSON reader: positions, and every hazard rejected with a location."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complycheck import source
from complycheck.errors import InputError, Position
from complycheck.source import (
    JsonSourceMap,
    _Lines,
    load_file,
    load_text,
    offset_position,
    parse_json,
    parse_json_located,
)


def error_of(text: str, fmt: str = "yaml") -> str:
    with pytest.raises(InputError) as info:
        load_text(text, "p.yaml", fmt)
    return str(info.value)


def test_positions_of_values_and_keys() -> None:
    doc = load_text("a:\n  b: [1, 2]\n  c: x\n", "p.yaml", "yaml")
    assert doc.data == {"a": {"b": [1, 2], "c": "x"}}
    assert doc.source.values[("a", "b", 1)] == Position(2, 10)
    assert doc.source.keys[("a", "c")] == Position(3, 3)
    assert doc.source.position(("a", "c", "missing", 0)) == Position(3, 6)


def test_json_positions_and_json_scalars() -> None:
    doc = load_text('{\n\t"a": [1e3, "x", true, null]\n}', "p.json", "json")
    assert doc.data == {"a": [1000.0, "x", True, None]}
    assert doc.source.values[("a", 1)] == Position(2, 13)


def test_duplicate_keys_name_both_lines() -> None:
    message = error_of("a: 1\nb: 2\na: 3\n")
    assert "p.yaml:3:1" in message
    assert "duplicate key 'a' (first defined at line 1, column 1)" in message


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object:os.system {}\n",
        "a: !!python/name:os.system\n",
        "a: !!binary aGVsbG8=\n",
        "a: !custom 1\n",
        "a: !!set {x}\n",
    ],
)
def test_tags_never_construct_objects(text: str) -> None:
    assert "unsupported tag" in error_of(text)


def test_merge_keys_are_rejected() -> None:
    assert "merge keys" in error_of("base: &b {x: 1}\nother:\n  <<: *b\n")


def test_alias_bomb_is_stopped_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    start = time.monotonic()
    message = error_of("\n".join(lines) + "\n")
    assert time.monotonic() - start < 5
    assert "expands to more than 100,000 values through aliases" in message


def test_small_aliases_are_fine() -> None:
    doc = load_text("q: &q {administrative: 3}\nunits: [{quotas: *q}, {quotas: *q}]\n", "p", "yaml")
    assert doc.data["units"][1] == {"quotas": {"administrative": 3}}


def test_deep_nesting_is_rejected() -> None:
    assert "nesting is deeper" in error_of("a: " + "[" * 200 + "]" * 200 + "\n")


def test_syntax_error_has_line_and_column() -> None:
    message = error_of("a: [1, 2\nb: 3\n")
    assert message.startswith("p.yaml:") and "YAML syntax error" in message


def test_empty_and_multi_document_files() -> None:
    assert "the file is empty" in error_of("")
    assert "several documents" in error_of("a: 1\n---\nb: 2\n")


def test_bom_and_crlf_are_read(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes("\ufeffa: 1\r\nb: 名\r\n".encode())
    doc = load_file(path)
    assert doc.data == {"a": 1, "b": "名"}
    assert doc.source.values[("b",)] == Position(2, 4)


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"a: 1\nb: \xb2\xe2\n")
    with pytest.raises(InputError) as info:
        load_file(path)
    assert str(info.value).startswith(f"{path}:2:4")
    assert "not valid UTF-8" in str(info.value)


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="the limit is 1,000 bytes"):
        load_file(path, max_bytes=1000)


def test_datetime_is_not_a_date() -> None:
    assert "not a date and time" in error_of("d: 2024-03-01 10:00:00\n")


# --- the located JSON parser: the same values as the plain one, and the same refusals -------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)


@st.composite
def _json_texts(draw: st.DrawFn) -> str:
    """A JSON object written with varied spacing, sometimes damaged."""
    value = draw(st.dictionaries(st.text(max_size=3), _json_values, max_size=4))
    indent = draw(st.sampled_from([None, 0, 2, "\t"]))
    text = json.dumps(value, indent=indent, ensure_ascii=draw(st.booleans()))
    text = draw(st.sampled_from(["", " ", "\r\n"])) + text + draw(st.sampled_from(["", "\n"]))
    if draw(st.booleans()) and text:
        at = draw(st.integers(0, len(text)))
        damage = draw(st.sampled_from([",", "]", "}", "[", '"', ":", "", " x"]))
        cut = draw(st.integers(0, 1))
        text = text[:at] + damage + text[at + cut :]
    return text


@given(_json_texts())
@settings(max_examples=300, deadline=None)
def test_located_parser_accepts_and_refuses_as_the_plain_parser(text: str) -> None:
    try:
        expected = parse_json(text)
    except ValueError:
        with pytest.raises(ValueError):
            parse_json_located(text)
        return
    data, _ = parse_json_located(text)
    assert data == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1,]}',
        '{"a": 1,}',
        '{"a": 1} x',
        '{"a": [1] "b": 2}',
        '{"a": 1, "a": 2}',
        '{"a": [{"k": 1, "k": 2}]}',
        '{"a" 1}',
        "{",
        '{"a": [1, 2',
    ],
)
def test_located_parser_refuses_what_json_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_json_located(text)


def test_located_parser_notes_where_entities_start(tmp_path: Path) -> None:
    text = '{\n "plan": {"id": "p"},\n "grids": [\n  {"code": "g1"},\n  {"code": "g2"}\n ]\n}'
    data, spans = parse_json_located(text)
    source = JsonSourceMap("p.json", text, spans, data)
    assert data["grids"][1] == {"code": "g2"}
    assert source.position(("grids", 1)) == Position(5, 3)
    assert source.position(("grids", 1, "code")) == Position(5, 3)  # located by its entity
    assert source.position(("plan",)) == Position(2, 10)
    assert JsonSourceMap("p.json", text).position(("grids", 1)) == Position(5, 3)


def test_values_inside_an_entity_are_found_on_demand() -> None:
    text = (
        '{"units": [{"id": "u1"},\n {"id": "u2", "functions": [{"name": "a"},\n  {"name": "b"}]}]}'
    )
    data, spans = parse_json_located(text)
    source = JsonSourceMap("p.json", text, spans, data)
    assert source.position(("units", 1, "functions", 1)) == Position(3, 3)
    assert source.position(("units", 1, "id")) == Position(2, 9)


@pytest.mark.parametrize(
    "items",
    [
        ['{"code": "a"}', '{"code": "e", "n": [1]}'],  # one brace an item: found in C
        ['{"code": "a{b}[c]\\"d"}', '{"code": "e"}'],  # a brace inside a string
        ['{"q": {"x": [1]}, "r": ["}"]}', '{"code": "e"}'],  # objects and arrays of scalars
        ['{"q": [{"x": 1}]}', '{"code": "e"}'],  # deeper: each item decoded in turn
        [],
        ["[1, 2]", '"text"'],  # items that are not objects
    ],
)
def test_item_positions_whatever_the_items_hold(items: list[str]) -> None:
    text = '{"grids": [\n' + ",\n".join(f"  {item}" for item in items) + "\n]}"
    data, spans = parse_json_located(text)
    source = JsonSourceMap("p.json", text, spans, data)
    assert [source.position(("grids", i)) for i in range(len(items))] == [
        Position(2 + i, 3) for i in range(len(items))
    ]


_printable = st.text(st.sampled_from('ab{}[]"\\:, 甲'), max_size=4)  # what YAML also reads
_plain_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _printable,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_printable, inner, max_size=3),
    max_leaves=8,
)
_items = st.lists(
    st.dictionaries(st.sampled_from(["code", "q", "n", "s"]), _plain_values, max_size=3)
    | _plain_values,
    max_size=5,
)


@given(st.dictionaries(st.sampled_from(["units", "grids", "plan"]), _items, min_size=1), st.data())
@settings(max_examples=200, deadline=None)
def test_item_positions_agree_with_the_exact_reader(
    value: dict[str, Any], data: st.DataObject
) -> None:
    """Wherever the items are found (braces counted in C, or each item skipped in turn), they
    are where the exact reader, which composes every node, puts them."""
    indent = data.draw(st.sampled_from([None, 0, 1, "\t"]))
    text = json.dumps(value, indent=indent, ensure_ascii=data.draw(st.booleans()))
    parsed, spans = parse_json_located(text)
    fast = JsonSourceMap("p.json", text, spans, parsed)
    exact = load_text(text, "p.json", "json").source
    paths = [(key, i) for key, items in value.items() for i in range(len(items))]
    for path in data.draw(st.permutations(paths)):  # asked for in any order
        assert fast.position(path) == exact.position(path), path


_ESCAPED_COLON = "colon as an escape"
_pair_values = st.recursive(
    st.integers(0, 9) | st.sampled_from(["", "a:b", "{", "[", ":", _ESCAPED_COLON]),
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda xs: ("list", xs))
        | st.lists(st.tuples(st.sampled_from(["a", "b", "c:"]), inner), max_size=3).map(
            lambda pairs: ("object", pairs)
        )
    ),
    max_leaves=10,
)


def _written(value: Any) -> str:
    """JSON text of a value whose objects are lists of pairs, so keys may repeat."""
    if isinstance(value, tuple) and value[0] == "list":
        return "[" + ", ".join(map(_written, value[1])) + "]"
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{json.dumps(k)}: {_written(v)}" for k, v in value[1]) + "}"
    return '"\\u003a"' if value == _ESCAPED_COLON else json.dumps(value)


@given(st.lists(st.tuples(st.sampled_from(["units", "grids", "x"]), _pair_values), max_size=3))
@settings(max_examples=300, deadline=None)
def test_duplicate_keys_are_refused_at_any_depth(pairs: list[tuple[str, Any]]) -> None:
    """At the top level, inside an entity array decoded item by item, or deeper, whatever the
    strings around it hold: a duplicate key is refused wherever it is, exactly as the plain
    parser refuses it."""
    text = _written(("object", pairs))
    try:
        expected = parse_json(text)
    except ValueError:
        with pytest.raises(ValueError):
            parse_json_located(text)
        return
    assert parse_json_located(text)[0] == expected


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="ab\n\r{} 网", max_size=300),
    picks=st.lists(st.floats(min_value=0, max_value=1), max_size=40),
)
def test_lines_place_offsets_asked_in_any_order_as_a_full_count_does(
    text: str, picks: list[float]
) -> None:
    for block in (1, 2, 7, 4096):  # block edges at every character, and none
        with patch.object(source, "_BLOCK", block):
            lines = _Lines(text)
            for pick in picks:
                offset = int(pick * max(len(text) - 1, 0))
                if text[offset - 1 : offset + 1] == "\r\n":
                    continue  # inside a line end: no value starts there
                assert lines.position(offset) == offset_position(text, offset), (text, offset)


def test_lines_on_one_long_line_and_at_the_end() -> None:
    text = "{" + "x" * 10_000 + "}"
    lines = _Lines(text)
    assert lines.position(9_000) == Position(1, 9_001)
    assert lines.position(len(text)) == offset_position(text, len(text))


def test_a_check_of_json_plans_does_not_load_pyyaml(tmp_path: Path) -> None:
    """PyYAML is loaded for a YAML file, a rule file not cached yet, or a JSON file with
    something to locate; a check of valid JSON plans with the rules cached needs none of it."""
    import subprocess
    import sys

    from .conftest import REPO

    code = (
        "import sys\n"
        "from complycheck.cli import cli\n"
        "try:\n"
        "    cli([*sys.argv[1:], '--quiet'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('yaml' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "COMPLYCHECK_NO_CACHE"}
    env["COMPLYCHECK_CACHE_DIR"] = str(tmp_path / "cache")

    def loads_yaml(*args: str) -> bool:
        run = [sys.executable, "-c", code, "check", *args]
        done = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
        return done.stdout.strip().splitlines()[-1] == "True"

    plan = str(REPO / "cases" / "R09" / "violating-json" / "plan.json")
    assert loads_yaml(plan)  # the first run reads the rule files, and caches them
    assert not loads_yaml(plan)
    assert loads_yaml(str(REPO / "cases" / "invalid" / "json-duplicate-key" / "plan.json"))
    assert loads_yaml(str(REPO / "cases" / "R16" / "violating-small-pi" / "plan.yaml"))
