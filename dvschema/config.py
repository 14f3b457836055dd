"""``[tool.dvschema]`` configuration from ``pyproject.toml`` (or a file given with ``--config``).

Example::

    [tool.dvschema]
    schema = ["docs/tables"]                 # documents, folders or catalogs
    operation = "create"
    fail-on = "error"
    select = ["ALL"]
    extend-select = []
    ignore = ["DV110"]
    drift-ignore = "drift-ignore.toml"
    baseline = "baseline/catalog.json"       # for the drift hook

    [tool.dvschema.tables]
    "data/accounts/*.jsonl" = "account"

    [tool.dvschema.severity]
    unknown-column = "warning"

    [tool.dvschema.required-severity]        # required-missing per required level
    ApplicationRequired = "warning"

Paths are relative to the configuration file. Command-line options override the file. An
unknown key or a bad value is an error that names it.
"""

from __future__ import annotations

import fnmatch
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dvschema.diagnostics import InputError
from dvschema.tomlfile import line_of, read_toml

SEVERITIES = ("error", "warning", "info")
FAIL_ON = ("error", "warning", "info", "none")
OPERATIONS = ("read", "create", "update", "full")
REQUIRED_LEVELS = ("SystemRequired", "ApplicationRequired", "Recommended")
KEYS = {"schema", "tables", "select", "extend-select", "ignore", "severity", "required-severity", "fail-on",
        "operation", "drift-ignore", "drift-fail-on", "baseline"}


@dataclass(frozen=True)
class Config:
    """The settings of one project; empty when there is no configuration."""

    path: Path | None = None
    schema: tuple[Path, ...] = ()
    tables: dict[str, str] = field(default_factory=dict)
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    required_severity: dict[str, str] = field(default_factory=dict)
    fail_on: str | None = None
    operation: str | None = None
    drift_ignore: Path | None = None
    drift_fail_on: str | None = None
    baseline: Path | None = None

    @property
    def root(self) -> Path:
        """The folder paths and globs are relative to."""
        return self.path.parent if self.path else Path.cwd()

    def table_for(self, file: str | Path) -> str | None:
        """The table a record file holds, from the ``tables`` globs (first match wins)."""
        absolute = Path(file).resolve()
        try:
            relative = absolute.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            relative = Path(file).as_posix()
        for pattern, table in self.tables.items():
            if fnmatch.fnmatch(relative, pattern):
                return table
        return None


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.dvschema]`` table, from ``start`` upwards."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            try:
                if "dvschema" in tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}):
                    return path
            except UnicodeDecodeError:
                return path  # load_config reports where
            except (OSError, tomllib.TOMLDecodeError):
                return None
    return None


def load_config(path: str | Path | None = None) -> Config:
    """Load ``--config FILE`` (a pyproject.toml or a dvschema TOML file), or the nearest pyproject.toml."""
    if path is None:
        found = find_config()
        if found is None:
            return Config()
        path = found
    path = Path(path)
    name = str(path)
    text, data = read_toml(path, "configuration")
    section: dict[str, Any] = data.get("tool", {}).get("dvschema", data if path.name != "pyproject.toml" else {})
    unknown = sorted(set(section) - KEYS)
    if unknown:
        raise InputError.at(name, line_of(text, unknown[0]), "unknown key in [tool.dvschema]", found=unknown[0],
                            expected="one of " + ", ".join(sorted(KEYS)))

    def fail(key: str, value: Any, expected: str) -> InputError:
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        return InputError.at(name, line_of(text, key), f"bad value for {key}", found=shown, expected=expected)

    def strings(key: str) -> tuple[str, ...] | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise fail(key, value, "a list of strings")
        return tuple(value)

    def choice(key: str, allowed: tuple[str, ...]) -> str | None:
        value = section.get(key)
        if value is not None and value not in allowed:
            raise fail(key, value, "one of " + ", ".join(allowed))
        return value

    def file_path(key: str) -> Path | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise fail(key, value, "a path")
        return path.parent / value

    schema = strings("schema") or ()
    tables = section.get("tables", {})
    if not isinstance(tables, dict) or not all(isinstance(v, str) for v in tables.values()):
        raise fail("tables", tables, "a table of glob = \"table logical name\"")
    severity = section.get("severity", {})
    if not isinstance(severity, dict):
        raise fail("severity", severity, "a table of rule = \"error\" | \"warning\" | \"info\"")
    from dvschema.validation.rules import RULES_BY_CODE, RULES_BY_NAME

    resolved_severity = {}
    for rule, level in severity.items():
        target = RULES_BY_NAME.get(rule) or RULES_BY_CODE.get(rule)
        if target is None:
            raise InputError.at(name, line_of(text, rule), "unknown rule in [tool.dvschema.severity]", found=rule,
                                expected="a rule code or name (see dvschema rules)")
        if level not in SEVERITIES:
            raise fail(rule, level, "one of " + ", ".join(SEVERITIES))
        resolved_severity[target.name] = level
    required_severity = section.get("required-severity", {})
    if not isinstance(required_severity, dict):
        raise fail("required-severity", required_severity, "a table of required level = \"error\" | "
                   "\"warning\" | \"info\"")
    for level, value in required_severity.items():
        if level not in REQUIRED_LEVELS:
            raise InputError.at(name, line_of(text, level), "unknown required level in "
                                "[tool.dvschema.required-severity]", found=level,
                                expected="one of " + ", ".join(REQUIRED_LEVELS))
        if value not in SEVERITIES:
            raise fail(level, value, "one of " + ", ".join(SEVERITIES))
    from dvschema.validation.validator import check_rule_names

    for key in ("select", "extend-select", "ignore"):
        try:
            check_rule_names(strings(key) or ())
        except ValueError as error:
            raise fail(key, section[key], f"rule codes, prefixes or names ({error})") from None
    return Config(path=path, schema=tuple(path.parent / item for item in schema), tables=dict(tables),
                  select=strings("select"), extend_select=strings("extend-select") or (),
                  ignore=strings("ignore") or (), severity=resolved_severity,
                  required_severity=dict(required_severity),
                  fail_on=choice("fail-on", FAIL_ON), operation=choice("operation", OPERATIONS),
                  drift_ignore=file_path("drift-ignore"),
                  drift_fail_on=choice("drift-fail-on", ("breaking", "warning", "info", "none")),
                  baseline=file_path("baseline"))


def relative(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
