"""A bounded fuzzing run of the loaders: plans (YAML and JSON), rule files and packs, broken at
random byte by byte and token by token, are read or refused with a located error; nothing
else ever escapes (no traceback, no crash).

The run is part of the test suite, so CI runs it on every change. Its size is set by
``COMPLYCHECK_FUZZ_EXAMPLES`` (examples per target, default 100: a few seconds); a longer run,
for instance before a release::

    COMPLYCHECK_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complycheck.errors import InputError, RulebookError
from complycheck.rulebook.load import builtin_rules_dir, load_rule, pack_files, rule_files
from complycheck.rulebook.packs import load_pack
from complycheck.source import load_text
from complycheck.validate import load_plan

from .conftest import CASES, REPO

FUZZ = settings(
    max_examples=int(os.environ.get("COMPLYCHECK_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PLANS = [
    (REPO / "docs" / "example-plan.yaml").read_bytes(),
    *(p.read_bytes() for p in sorted(CASES.glob("realistic/*/plan.yaml"))),
    (CASES / "R16" / "violating-small-pi" / "plan.yaml").read_bytes(),
]
JSON_PLANS = [
    json.dumps(yaml.safe_load(p), ensure_ascii=False, indent=1, default=str).encode() for p in PLANS
]
RULES = [p.read_bytes() for p in rule_files(builtin_rules_dir())[:8]]
PACKS = [p.read_bytes() for p in pack_files(builtin_rules_dir())]

# Pieces that YAML and JSON give meaning to, and bytes that are hard to read.
TOKENS = [
    b"&a ",
    b"*a",
    b"!!python/object/apply:os.system ['x']",
    b"!!binary ",
    b"!tag ",
    b"<<: ",
    b"? ",
    b": ",
    b"- ",
    b"---\n",
    b"...\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b'"',
    b"'",
    b"#",
    b"|\n",
    b">-\n",
    b"\t",
    b"\r",
    b"\r\n",
    b"\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xe5\x90",
    b"\\u0000",
    b"\\",
    b"%YAML 1.1\n",
    b"~",
    b"null",
    b".nan",
    b"-.inf",
    b"1e999",
    b"0x1F",
    b"2024-02-30",
    b"2024-03-01 10:00:00",
    b"9" * 400,
    b"[" * 80,
    b"\xe2\x80\xa8",
    b"\xc2\x85",
]


@st.composite
def broken(draw: st.DrawFn, corpus: list[bytes]) -> bytes:
    """One of ``corpus``, changed in one to four places."""
    data = bytearray(draw(st.sampled_from(corpus)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        end = min(len(data), at + draw(st.integers(0, 40)))
        how = draw(st.sampled_from(["token", "byte", "delete", "repeat", "swap lines"]))
        if how == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif how == "byte":
            data[at:end] = draw(st.binary(max_size=8))
        elif how == "delete":
            del data[at:end]
        elif how == "repeat":
            data[at:at] = data[at:end] * draw(st.integers(1, 5))
        else:
            lines = data.split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def read(data: bytes, name: str, loader: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            loader(path)  # type: ignore[operator]
        except (InputError, RulebookError) as exc:
            assert exc.problems and all(p.message for p in exc.problems)
            assert all(p.file == str(path) for p in exc.problems)


@FUZZ
@given(broken(PLANS))
def test_fuzz_yaml_plans(data: bytes) -> None:
    read(data, "plan.yaml", load_plan)


@FUZZ
@given(broken(JSON_PLANS))
def test_fuzz_json_plans(data: bytes) -> None:
    read(data, "plan.json", load_plan)


@FUZZ
@given(broken(RULES))
def test_fuzz_rule_files(data: bytes) -> None:
    read(data, "X01.yaml", load_rule)


@FUZZ
@given(broken(PACKS))
def test_fuzz_pack_files(data: bytes) -> None:
    read(data, "fuzzed.yaml", lambda path: load_pack(path, builtin=False))


@FUZZ
@given(st.text(), st.sampled_from(["yaml", "json"]))
def test_fuzz_any_text(text: str, fmt: str) -> None:
    try:
        load_text(text, "p", fmt)
    except InputError as exc:
        assert exc.problems[0].file == "p"


@FUZZ
@given(
    st.lists(
        st.sampled_from([t.decode("utf-8", "replace") for t in TOKENS] + ["a", "1", " "]),
        max_size=40,
    ),
    st.sampled_from(["yaml", "json"]),
)
def test_fuzz_token_soup(tokens: list[str], fmt: str) -> None:
    try:
        load_text("".join(tokens), "p", fmt)
    except InputError as exc:
        assert exc.problems[0].file == "p"
