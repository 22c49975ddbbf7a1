"""Configuration kept with the plans: ``complycheck.toml``, or ``[tool.complycheck]`` in
``pyproject.toml``, found by walking up from the plans checked. Options given on the command
line override it; every value remembers where it came from, for ``complycheck config``.

A configuration file that cannot be read, or that has an unknown key or a value of the wrong
kind, is an input error naming file, line and column.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import InputError, Position, Problem
from .findings import Severity
from .i18n import Lang, default_lang
from .paths import portable
from .source import SourceMap
from .validate import pydantic_problems

CONFIG_FILE = "complycheck.toml"
PYPROJECT = "pyproject.toml"
FAIL_ON = ("error", "warning", "never")

Selector = Annotated[str, Field(min_length=1, max_length=100)]


class ConfigFile(BaseModel):
    """The keys of a configuration file; paths are relative to the file's folder."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    lang: str | None = None
    fail_on: Literal["error", "warning", "never"] | None = Field(default=None, alias="fail-on")
    select: list[Selector] | None = None
    ignore: list[Selector] | None = None
    severity: dict[str, Literal["error", "warning", "info"]] | None = None
    waivers: list[Annotated[str, Field(min_length=1)]] | None = None
    baseline: Annotated[str, Field(min_length=1)] | None = None
    rules: list[Annotated[str, Field(min_length=1)]] | None = None

    @field_validator("lang")
    @classmethod
    def _known_lang(cls, value: str | None) -> str | None:
        if value is not None and value not in {lang.value for lang in Lang}:
            raise ValueError(f"expected one of: {', '.join(lang.value for lang in Lang)}")
        return value


T = TypeVar("T")


@dataclass(frozen=True)
class Setting(Generic[T]):
    """A value and where it came from: ``default``, a command-line option, or file:line."""

    value: T
    origin: str
    file: str | None = None  # the configuration file, when the value came from one
    position: Position | None = None
    key: str = ""  # the key in that file

    def problem(self, message: str) -> Problem:
        """A problem with this value, located in its file, or naming its option."""
        if self.file is not None:
            return Problem(self.file, self.position, message, self.key)
        return Problem("command line", None, message, self.origin)


@dataclass(frozen=True)
class CommandLine:
    """What the command line gave; None: not given."""

    lang: str | None = None
    fail_on: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severity: tuple[tuple[str, str], ...] = ()
    waivers: tuple[Path, ...] | None = None
    baseline: Path | None = None
    rules: tuple[Path, ...] | None = None


@dataclass(frozen=True)
class Settings:
    """The effective configuration of a run."""

    file: Path | None  # the configuration file used, if any
    lang: Setting[Lang]
    fail_on: Setting[str]
    select: Setting[tuple[str, ...]]
    ignore: Setting[tuple[str, ...]]
    severity: dict[str, Setting[Severity]]
    waivers: Setting[tuple[Path, ...]]
    baseline: Setting[Path | None]
    rules: Setting[tuple[Path, ...]]

    @property
    def fail_level(self) -> Severity | None:
        return None if self.fail_on.value == "never" else Severity(self.fail_on.value)


# --- finding the file -----------------------------------------------------------------------


def _mentions_us(path: Path) -> bool:
    try:
        return "complycheck" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _in_folder(folder: Path) -> Path | None:
    own = folder / CONFIG_FILE
    if own.is_file():
        return own
    pyproject = folder / PYPROJECT
    if pyproject.is_file() and _mentions_us(pyproject) and _table(pyproject) is not None:
        return pyproject
    return None


def _nearest(start: Path, seen: dict[Path, Path | None]) -> Path | None:
    """The configuration nearest to ``start``; ``seen`` remembers each folder's answer, so
    that many plans in a few folders cost a few look-ups."""
    folder = start.absolute()
    if not folder.is_dir():
        folder = folder.parent
    walked: list[Path] = []
    found: Path | None = None
    for candidate in (folder, *folder.parents):
        if candidate in seen:
            found = seen[candidate]
            break
        walked.append(candidate)
        found = _in_folder(candidate)
        if found is not None:
            break
    for candidate in walked:  # each folder walked has the answer found above it
        seen[candidate] = found
    return found


def find_config(paths: Sequence[Path]) -> Path | None:
    """The configuration file nearest to the plans: walking up from each path, the first
    folder with ``complycheck.toml``, or with a ``pyproject.toml`` that has
    ``[tool.complycheck]``. Paths under different configurations are an error."""
    seen: dict[Path, Path | None] = {}
    found = {p: _nearest(p, seen) for p in (paths or [Path(".")])}
    files = sorted({str(f) for f in found.values()})
    if len(files) > 1:
        detail = "; ".join(f"{p} uses {c or 'none'}" for p, c in found.items())
        raise InputError.single(
            "command line",
            None,
            "the paths are under different configuration files "
            f"({detail}); check them separately or name one with --config",
        )
    return next(iter(found.values()))


# --- reading the file -----------------------------------------------------------------------

_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _parse(path: Path) -> tuple[dict[str, object], str]:
    display = portable(str(path), Path.cwd())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(display, None, f"cannot read the configuration: {exc}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_AT.search(message)
        position = Position(int(at.group(1)), int(at.group(2))) if at else None
        message = _TOML_AT.sub("", message)
        raise InputError.single(display, position, f"not valid TOML: {message}") from None


def _table(path: Path) -> dict[str, object] | None:
    """``[tool.complycheck]`` of a pyproject.toml, or None when it has none."""
    data, _ = _parse(path)
    tool = data.get("tool")
    table = tool.get("complycheck") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise InputError.single(
            portable(str(path), Path.cwd()), None, "[tool.complycheck] must be a table"
        )
    return table


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=\s*""")


def _unquote(key: str) -> str:
    key = key.strip()
    return key[1:-1] if key[:1] in "\"'" and key[-1:] == key[:1] else key


def locate(text: str, file: str, prefix: tuple[str, ...]) -> SourceMap:
    """Where each key of the table ``prefix`` (and of its sub-tables) is written in a TOML
    text. A plain scan of the lines: enough to point at the keys of a configuration file."""
    source = SourceMap(file)
    table: tuple[str, ...] | None = () if not prefix else None
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            parts = tuple(_unquote(p) for p in header.group(1).split("."))
            table = parts[len(prefix) :] if parts[: len(prefix)] == prefix else None
            if table:
                source.values.setdefault(table, Position(number, 1))
                source.keys.setdefault(table, Position(number, 1))
            continue
        key = _KEY.match(line)
        if table is None or key is None:
            continue
        path = (*table, _unquote(key.group(1)))
        source.keys.setdefault(path, Position(number, key.start(1) + 1))
        source.values.setdefault(path, Position(number, key.end() + 1))
        rest = line[key.end() :]
        if rest.startswith("{"):  # an inline table: its keys too
            for inner in _KEY.finditer(rest, 1):
                if rest[inner.start() - 1] in "{,":
                    sub = (*path, _unquote(inner.group(1)))
                    source.keys.setdefault(sub, Position(number, key.end() + inner.start(1) + 1))
                    source.values.setdefault(sub, Position(number, key.end() + inner.end() + 1))
    return source


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    display: str
    values: ConfigFile
    source: SourceMap


def load_config(path: Path) -> LoadedConfig:
    """Read and validate a configuration file (complycheck.toml or a pyproject.toml)."""
    display = portable(str(path), Path.cwd())
    if path.name == PYPROJECT:
        data = _table(path) or {}
        prefix: tuple[str, ...] = ("tool", "complycheck")
    else:
        data, _ = _parse(path)
        prefix = ()
    text = path.read_text(encoding="utf-8")
    source = locate(text, display, prefix)
    try:
        values = ConfigFile.model_validate(data)
    except ValidationError as exc:
        problems = sorted(
            pydantic_problems(exc, source, ConfigFile),
            key=lambda p: (p.position or Position(0, 0), p.message),
        )
        raise InputError(problems) from None
    return LoadedConfig(path, display, values, source)


# --- the effective settings -----------------------------------------------------------------


def _from_file(config: LoadedConfig, path: tuple[str, ...], value: T) -> Setting[T]:
    position = config.source.position(path, key=True)
    where = f"{config.display}:{position.line}" if position else config.display
    return Setting(value, where, config.display, position, ".".join(path))


def _relative(config: LoadedConfig, names: Iterable[str]) -> tuple[Path, ...]:
    folder = config.path.parent
    return tuple(Path(portable(str(folder / name), Path.cwd())) for name in names)


def resolve(
    paths: Sequence[Path],
    given: CommandLine,
    *,
    config_file: Path | None = None,
    use_config: bool = True,
) -> Settings:
    """The effective settings: the command line over the configuration file over defaults."""
    path = config_file if config_file is not None else (find_config(paths) if use_config else None)
    config = load_config(path) if path is not None else None
    values = config.values if config else ConfigFile()

    def pick(key: str, option: str, cli: T | None, file_value: T | None, default: T) -> Setting[T]:
        if cli is not None:
            return Setting(cli, option)
        if file_value is not None and config is not None:
            return _from_file(config, (key,), file_value)
        return Setting(default, "default")

    lang = pick("lang", "--lang", given.lang, values.lang, None)
    language = (
        Setting(Lang(lang.value), lang.origin, lang.file, lang.position, lang.key)
        if lang.value
        else Setting(default_lang(), "default (from the locale)")
    )
    file_waivers = _relative(config, values.waivers) if config and values.waivers else None
    file_baseline = _relative(config, [values.baseline])[0] if config and values.baseline else None
    file_rules = _relative(config, values.rules) if config and values.rules else None
    if config is not None and file_rules and given.rules is None:
        missing = [str(p) for p in file_rules if not p.is_dir()]
        if missing:
            raise InputError(
                [_from_file(config, ("rules",), None).problem(f"no rule folder {missing[0]!r}")]
            )
    return Settings(
        file=path,
        lang=language,
        fail_on=pick("fail-on", "--fail-on", given.fail_on, values.fail_on, "error"),
        select=pick("select", "--select", given.select, _selectors(values.select), ()),
        ignore=pick("ignore", "--ignore", given.ignore, _selectors(values.ignore), ()),
        severity=_severities(config, values, given),
        waivers=pick("waivers", "--waivers", given.waivers, file_waivers, ()),
        baseline=pick("baseline", "--baseline", given.baseline, file_baseline, None),
        rules=pick("rules", "--rules", given.rules, file_rules, ()),
    )


def _selectors(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(v.strip().upper() for v in values)


def _severities(
    config: LoadedConfig | None, values: ConfigFile, given: CommandLine
) -> dict[str, Setting[Severity]]:
    out: dict[str, Setting[Severity]] = {}
    if config is not None:
        for rule_id, level in (values.severity or {}).items():
            setting = _from_file(config, ("severity", rule_id), Severity(level))
            out[rule_id.strip().upper()] = setting
    for rule_id, name in given.severity:
        out[rule_id] = Setting(Severity(name), "--severity")
    return dict(sorted(out.items()))


def check_rule_ids(settings: Settings, known: Iterable[str]) -> list[Problem]:
    """Selectors that match no rule, and severities for rules that do not exist."""
    ids = sorted(set(known))
    problems: list[Problem] = []
    for setting in (settings.select, settings.ignore):
        for selector in setting.value:
            if not any(rule_id.startswith(selector) for rule_id in ids):
                problems.append(setting.problem(f"no rule id is or starts with {selector!r}"))
    for rule_id, level in settings.severity.items():
        if rule_id not in ids:
            problems.append(level.problem(f"no rule {rule_id!r} to set the severity of"))
    return problems


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "-"
    return "-" if value is None else str(value)


def describe(settings: Settings) -> str:
    """The effective settings as text: one line per key, its value and where it came from."""
    where = portable(str(settings.file), Path.cwd()) if settings.file else "none found"
    rows: list[tuple[str, str, str]] = [
        ("lang", settings.lang.value.value, settings.lang.origin),
        ("fail-on", settings.fail_on.value, settings.fail_on.origin),
        (
            "select",
            _shown(settings.select.value) if settings.select.value else "(all rules)",
            settings.select.origin,
        ),
        ("ignore", _shown(settings.ignore.value), settings.ignore.origin),
    ]
    if settings.severity:
        for rule_id, level in settings.severity.items():
            rows.append((f"severity.{rule_id}", level.value.value, level.origin))
    else:
        rows.append(("severity", "-", "default"))
    rows += [
        ("waivers", _shown(settings.waivers.value), settings.waivers.origin),
        ("baseline", _shown(settings.baseline.value), settings.baseline.origin),
        ("rules", _shown(settings.rules.value), settings.rules.origin),
    ]
    width = max(len(key) for key, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    lines = [f"configuration file: {where}"]
    lines += [f"{key:<{width}}  {value:<{value_width}}  {origin}" for key, value, origin in rows]
    return "\n".join(lines) + "\n"
