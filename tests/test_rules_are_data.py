"""Rule files are data, never code: whatever a rule or a pack says, it cannot reach Python
attributes, imports, the file system or the network; what the closed language does not know is
refused at load, naming file:line:col."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from complycheck.check import check_paths
from complycheck.engine.base import Engine
from complycheck.errors import RulebookError
from complycheck.rulebook.load import Rulebook, builtin_rules_dir, load_rulebook

from .conftest import CASES, REPO
from .guards import run_bounded

R16 = (REPO / "rules" / "R16.yaml").read_text(encoding="utf-8").replace("id: R16", "id: X16")
WHEN = "    - {field: kind, eq: public_institution}"
REQUIRE = "{param: min_quota}}\n    - all"
TEMPLATE = "核定编制{quota_after_total}名"

# name: (text of R16 replaced, its replacement, the error expected at that line:col)
HOSTILE: dict[str, tuple[str, str, str]] = {
    "a dunder field": (
        WHEN,
        "    - {field: __class__, eq: x}",
        "41:15: at when.all[0].field expected a name of lowercase letters, digits and _, "
        "starting with a letter, got '__class__' (text)",
    ),
    "an attribute path": (
        WHEN,
        "    - {field: name.__class__.__mro__, eq: x}",
        "41:15: at when.all[0].field expected a name of lowercase letters",
    ),
    "a name that is no field": (
        WHEN,
        "    - {field: mro, eq: x}",
        "41:15: unknown field 'mro' of a unit; known: abolished, ",
    ),
    "a dunder operator": (
        WHEN,
        "    - {field: kind, __eq__: public_institution}",
        "41:21: at when.all[0].__eq__ unknown field '__eq__'; expected one of: field, param, eq,",
    ),
    "an unknown operator": (
        WHEN,
        "    - {field: name, regex: '.*'}",
        "41:21: at when.all[0].regex unknown field 'regex'; expected one of: field, param, eq,",
    ),
    "a function call": (
        WHEN,
        "    - {call: os.system, args: [ls]}",
        "41:8: at when.all[0].call unknown field 'call'",
    ),
    "code as a condition": (
        WHEN,
        "    - \"__import__('os').system('touch owned')\"",
        "41:7: at when.all[0] expected a condition: a mapping with all, any, not, or "
        "field/param and one operator; got \"__import__('os').system('touch owned')\" (text)",
    ),
    "code as an enumeration value": (
        WHEN,
        "    - {field: kind, eq: \"__import__('os').system('touch owned')\"}",
        "41:25: \"__import__('os').system('touch owned')\" is not one of organ, public_institution",
    ),
    "a dunder entity": (
        "entity: unit",
        "entity: __builtins__",
        "7:9: at entity expected a name of lowercase letters",
    ),
    "a module as entity": (
        "entity: unit",
        "entity: os",
        "7:9: unknown entity 'os'; known: enforcement_team, function, grid, plan,",
    ),
    "a dunder parameter": (
        "  min_quota:\n",
        "  __init__:\n",
        "24:3: at params.__init__ key expected a name of lowercase letters",
    ),
    "a dunder parameter reference": (
        REQUIRE,
        "{param: __globals__}}\n    - all",
        "45:46: at require.any[0].gt.param expected a name of lowercase letters",
    ),
    "an attribute in a message": (
        TEMPLATE,
        "核定编制{__class__.__mro__}名",
        "50:7: {__class__.__mro__} in message.zh is not a placeholder",
    ),
    "a field's attribute in a message": (
        TEMPLATE,
        "核定编制{name.__class__.__init__.__globals__}名",
        "50:7: {name.__class__.__init__.__globals__} in message.zh is not a placeholder",
    ),
    "an index in a message": (TEMPLATE, "{0}{name[0]}", "50:7: {0} in message.zh is not"),
    "a conversion in a message": (TEMPLATE, "{name!r}", "50:7: {name!r} in message.zh is not"),
    "a format spec in a message": (TEMPLATE, "{name:>99}", "50:7: {name:>99} in message.zh"),
    "an unknown placeholder": (TEMPLATE, "{os}", "50:7: unknown placeholder {os} in message.zh"),
    "eval in a calculation": (
        "message:\n",
        "compute:\n  x: {eval: \"__import__('os')\"}\nmessage:\n",
        "50:6: at compute.x expected one of these forms: a calculation such as {add: [...]}, "
        "{field: NAME}, {param: NAME}; got a mapping",
    ),
    "getattr in a calculation": (
        "message:\n",
        "compute:\n  x: {getattr: [{field: name}, __class__]}\nmessage:\n",
        "50:6: at compute.x expected one of these forms:",
    ),
    "an action to run": (
        "severity: error",
        "severity: error\nrun: os.system",
        "7:1: at run unknown field 'run'; expected one of: id, title, severity,",
    ),
    "a python object tag": (
        "severity: error",
        "severity: !!python/object/apply:os.system ['touch owned']",
        "6:11: unsupported tag 'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    "a python name tag": (
        "severity: error",
        "severity: !!python/name:os.system",
        "6:11: unsupported tag 'tag:yaml.org,2002:python/name:os.system'",
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_what_the_rule_language_does_not_know_is_refused_at_load(tmp_path: Path, case: str) -> None:
    old, new, expected = HOSTILE[case]
    assert old in R16
    path = tmp_path / "X16.yaml"
    path.write_text(R16.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook([tmp_path])
    assert str(info.value).startswith(f"{path}:{expected}")
    assert not (tmp_path / "owned").exists()


PACK = """\
id: hostile
title: {zh: 恶意, en: Hostile}
description: {zh: 恶意, en: hostile}
auto: false
extends: [taiyuan]
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "params:\n  R16:\n    min_quota: \"__import__('os').system('touch owned')\"\n",
            "7:3: rule R16 cannot take these parameters: \"__import__('os').system('touch owned')\""
            " is not a whole number",
        ),
        (
            "params:\n  R16:\n    __class__: 1\n",
            "8:5: at params.R16.__class__ key expected a name of lowercase letters",
        ),
        ("params:\n  R16:\n    system: 1\n", "8:5: rule R16 has no parameter 'system'"),
        ("rules: [os.system]\n", "6:9: at rules[0] expected a rule id of capital letters"),
        ("exec: [ls]\n", "6:1: at exec unknown field 'exec'"),
    ],
)
def test_a_hostile_pack_is_refused_at_load(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / "packs").mkdir()
    path = tmp_path / "packs" / "hostile.yaml"
    path.write_text(PACK + body, encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook([tmp_path])
    assert str(info.value).startswith(f"{path}:{expected}"), str(info.value)


# --- a run with hostile text everywhere does nothing but check -------------------------------

HOSTILE_TEXT = [
    "__import__('os').system('touch owned')",
    "{quota_after_total}{__class__.__mro__}",
    "$(touch owned)`touch owned`; rm -rf owned",
    "%(name)s {0!r} {{x}}",
]

CODE = 'eval(compile("1","x","eval")) %(name)s $HOME `ls`'

SANDBOXED = """
import json, os, sys
from pathlib import Path
from click.testing import CliRunner
from complycheck.cli import cli

plan, rules, warm = sys.argv[1], sys.argv[2], sys.argv[3]
CliRunner().invoke(cli, ["check", warm, "--lang", "en"])  # load what any run loads
CliRunner().invoke(cli, ["check", warm, "--rules", rules, "--lang", "zh"])

allowed = [Path(rules), Path(plan), Path(os.environ["COMPLYCHECK_CACHE_DIR"]),
           Path(sys.prefix), Path(sys.base_prefix), Path(%(src)r), Path(%(builtin)r)]
events = []

def hook(event, args):
    if event == "open":
        path = Path(os.fsdecode(args[0])) if isinstance(args[0], (str, bytes)) else None
        if path is not None and not any(path.is_relative_to(a) for a in allowed):
            events.append(f"open {path}")
    elif event == "exec":
        file = getattr(args[0], "co_filename", "")
        if not any(Path(file).is_relative_to(a) for a in allowed):
            events.append(f"exec {file}")
    elif event == "compile":
        events.append(f"compile {args[1]!r}")
    elif event.split(".")[0] in ("socket", "subprocess", "ctypes", "urllib", "http", "ftplib",
                                 "smtplib", "webbrowser", "shutil") or event in (
            "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
            "os.kill", "os.remove", "os.rmdir", "os.chmod", "os.chown", "os.truncate"):
        events.append(f"{event} {args!r}"[:200])

sys.addaudithook(hook)
result = CliRunner().invoke(cli, ["check", plan, "--rules", rules, "--lang", "en"])
done = list(events)
print(json.dumps({"exit": result.exit_code, "events": done, "output": result.output}))
"""


def test_a_run_with_hostile_rules_and_plan_touches_nothing_else(
    tmp_path: Path, write: Callable[..., Path]
) -> None:
    """With an audit hook in a new process: no code compiled or run from text, no process
    started, no socket, no file opened outside the rules, the plan, the cache and Python."""
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = R16.replace(WHEN, WHEN + f"\n    - {{field: name, ne: {json.dumps(HOSTILE_TEXT[0])}}}")
    rule = rule.replace("{quota_after_total} quotas,", "{quota_after_total} quotas " + CODE + ",")
    (rules / "X16.yaml").write_text(rule, encoding="utf-8")
    plan = (CASES / "R16" / "violating-small-pi" / "plan.yaml").read_text(encoding="utf-8")
    names = [
        f"  - {{id: u{i}, name: {json.dumps(t)}, kind: public_institution, change: new, "
        "pi_category: public_welfare_1, quotas_after: {public_institution: 8}}"
        for i, t in enumerate(HOSTILE_TEXT)
    ]
    plan = plan.replace("units:\n", "units:\n" + "\n".join(names) + "\n", 1)
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(plan, encoding="utf-8")
    code = SANDBOXED % {"src": str(REPO / "src"), "builtin": str(builtin_rules_dir())}
    warm = CASES / "R16" / "violating-small-pi" / "plan.yaml"
    run = run_bounded(code, args=[str(plan_path), str(rules), str(warm)], cpu_seconds=60)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    assert result["events"] == []
    assert result["exit"] == 1, result["output"]
    output = " ".join(result["output"].split())
    for text in HOSTILE_TEXT[1:]:  # shown as written: never evaluated, formatted or substituted
        assert f'New public institution "{text}" has 8 quotas {CODE}, short' in output, text
    # The rule's own condition compares the text as text: this unit is the one it excludes.
    first = f'New public institution "{HOSTILE_TEXT[0]}" has 8 quotas'
    assert f"{first}, short" in output and f"{first} {CODE}" not in output
    assert not list(tmp_path.rglob("owned")) and not Path("owned").exists()


def test_plan_text_is_never_substituted_into_messages_again(
    write: Callable[..., Path], rulebook: Rulebook, engine: Engine
) -> None:
    from .conftest import TAIYUAN_HEADER

    path = write(
        TAIYUAN_HEADER
        + "units:\n  - {id: u1, name: '{quota_after_total}{min_quota}', kind: public_institution,"
        " change: new, pi_category: public_welfare_1, quotas_after: {public_institution: 8}}\n"
    )
    report = check_paths([path], rulebook, engine)
    (finding,) = [f for f in report.findings if f.rule_id == "R16"]
    assert finding.message.en.startswith(
        'New public institution "{quota_after_total}{min_quota}" has 8 quotas, short of the 10'
    )
