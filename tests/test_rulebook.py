"""Rule files load strictly: every mistake is fatal and located; nothing in them executes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import opencc
import pytest
import yaml

from complycheck.errors import RulebookError
from complycheck.rulebook.compiler import And, Cmp
from complycheck.rulebook.load import Rulebook, builtin_rules_dir, load_rule, load_rulebook

from .conftest import SHARED

R16 = (builtin_rules_dir() / "R16.yaml").read_text(encoding="utf-8")


def broken(write: Callable[..., Path], old: str, new: str) -> str:
    assert old in R16, old
    path = write(R16.replace(old, new, 1), "rules/R16.yaml")
    with pytest.raises(RulebookError) as info:
        load_rule(path)
    return str(info.value).replace(str(path), "R16.yaml")


def line_of(text: str) -> int:
    return next(i for i, line in enumerate(R16.splitlines(), 1) if text in line)


TIER_1 = [
    "R01",
    "R02",
    "R03",
    "R04",
    "R05",
    "R06",
    "R08",
    "R09",
    "R10",
    "R13",
    "R14",
    "R15",
    "R16",
    "R17",
    "R18",
    "R19",
    "R22",
    "R23",
    "R26",
    "R27",
    "R30",
    "R35",
    "R40",
]


def test_builtin_rulebook_has_every_tier_1_rule(rulebook: Rulebook) -> None:
    ids = [r.spec.id for r in rulebook.rules]
    assert [i for i in ids if i.startswith("R")] == TIER_1
    assert all(rulebook.packs.containing(i) for i in ids), "every built-in rule is in a pack"


def test_r16_compiles_to_under_ten_by_default(rulebook: Rulebook) -> None:
    rule = rulebook.get("R16")
    assert rule is not None
    assert rule.compiled.violation == And(
        (
            Cmp("kind", "eq", "public_institution"),
            Cmp("change", "in", ("new", "merged")),
            Cmp("quota_after_total", "lte", 10),
            Cmp("quota_after_total", "ne", 10),
        )
    )


def test_unknown_field(write: Callable[..., Path]) -> None:
    message = broken(write, "{field: kind, eq:", "{field: kinds, eq:")
    assert message.startswith(f"R16.yaml:{line_of('{field: kind, eq:')}:")
    assert "unknown field 'kinds' of a unit" in message


def test_unknown_operator(write: Callable[..., Path]) -> None:
    message = broken(write, "{field: kind, eq:", "{field: kind, like:")
    assert "unknown field 'like'" in message and "eq, ne, lt, lte, gt, gte" in message


def test_unknown_enumeration_value(write: Callable[..., Path]) -> None:
    message = broken(write, "eq: public_institution", "eq: public_institutoin")
    assert "'public_institutoin' is not one of organ, public_institution" in message


def test_unknown_parameter_and_placeholder(write: Callable[..., Path]) -> None:
    assert "unknown parameter 'min_quotas'" in broken(
        write, "gt: {param: min_quota}", "gt: {param: min_quotas}"
    )
    assert "unknown placeholder {quota}" in broken(
        write, "核定编制{quota_after_total}名", "核定编制{quota}名"
    )


def test_type_mismatch_and_missing_parts(write: Callable[..., Path]) -> None:
    assert "'lt' compares numbers" in broken(write, "{field: kind, eq:", "{field: kind, lt:")
    assert "missing required field 'source'" in broken(write, "source:\n", "sources:\n")
    assert "severity" in broken(write, "severity: error", "severity: fatal")


def test_duplicate_rule_ids_are_fatal(tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "mine.yaml").write_text(R16, encoding="utf-8")
    with pytest.raises(RulebookError, match="duplicate rule id 'R16'"):
        load_rulebook([extra])


@pytest.mark.parametrize(
    "expression",
    [
        "{field: __class__, eq: 1}",
        "{field: kind, eq: 1, exec: 'import os'}",
        "\"__import__('os').system('true')\"",
        "{eval: 'print(1)'}",
        "!!python/object/apply:os.system ['true']",
    ],
)
def test_rule_expressions_cannot_reach_python(write: Callable[..., Path], expression: str) -> None:
    message = broken(write, "{field: kind, eq: public_institution}", expression)
    assert message.startswith("R16.yaml:")


def _normalise(text: str) -> str:
    text = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", text)
    return str(opencc.OpenCC("t2s").convert(text))


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds is not present")
def test_every_quote_is_found_in_its_seed(rulebook: Rulebook) -> None:
    for rule in rulebook.rules:
        seed = (SHARED / "seeds" / rule.spec.source.seed).read_text(encoding="utf-8")
        assert rule.spec.source.quote in _normalise(seed), rule.spec.id


@pytest.mark.skipif(not (SHARED / "domain").is_dir(), reason="../shared/domain is not present")
def test_every_item_id_matches_the_research_extraction(rulebook: Rulebook) -> None:
    items = {
        i["id"]: i for i in yaml.safe_load((SHARED / "domain" / "rules_extracted.json").read_text())
    }
    for rule in rulebook.rules:
        item = items[rule.spec.source.item]
        assert item["seed_file"] == rule.spec.source.seed
        assert item["quote_simplified"] == rule.spec.source.quote


def test_rule_docs_list_every_fact_field() -> None:
    from complycheck.facts import SCHEMA

    from .conftest import REPO

    doc = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for entity, fields in SCHEMA.items():
        section = doc.split(f"#### `{entity}`", 1)[1].split("####", 1)[0]
        listed = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
        assert listed == list(fields), entity


def test_rulebook_doc_is_generated_from_the_rules(rulebook: Rulebook) -> None:
    from complycheck.reporters.rulebook import rules_markdown

    from .conftest import REPO

    doc = (REPO / "docs" / "rulebook.md").read_text(encoding="utf-8")
    assert doc == rules_markdown(rulebook), (
        "docs/rulebook.md is stale: run `complycheck rules --format markdown > docs/rulebook.md`"
    )


def test_the_rulebook_cache_is_used_invalidated_and_never_trusted_blindly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import complycheck.source_yaml as source_yaml

    monkeypatch.setenv("COMPLYCHECK_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "R16.yaml").write_text(R16, encoding="utf-8")
    first = load_rulebook([folder], builtin=False)
    (cached,) = (tmp_path / "cache").glob("rules-*.json")
    # A second load reads the cache, not the YAML.
    monkeypatch.setattr(source_yaml, "load_yaml_fast", lambda path: pytest.fail("parsed again"))
    second = load_rulebook([folder], builtin=False)
    assert second.rules[0].spec == first.rules[0].spec
    monkeypatch.undo()
    monkeypatch.setenv("COMPLYCHECK_CACHE_DIR", str(tmp_path / "cache"))
    # Any change to a file makes a new key; a broken rule is still located exactly.
    (folder / "R16.yaml").write_text(R16.replace("{field: kind, eq:", "{field: kinds, eq:"))
    with pytest.raises(RulebookError, match=r"R16.yaml:\d+:\d+: unknown field 'kinds'"):
        load_rulebook([folder], builtin=False)
    # A cache file that cannot be read is ignored.
    (folder / "R16.yaml").write_text(R16, encoding="utf-8")
    cached.write_text("{not json", encoding="utf-8")
    assert load_rulebook([folder], builtin=False).rules[0].spec == first.rules[0].spec
