"""The validation engine: a :class:`Validator` compiled once per table, records checked many times.

``iter_violations(record)`` is the primitive; ``validate``, ``is_valid`` and the streaming
``validate_records`` derive from it. Each key of a record is classified once (a column, a
navigation property, an ``@odata.bind``, a ``_x_value``, a column derived from a lookup, an OData
annotation, or unknown) and the classification is cached, so a record costs one dict lookup per
key plus the rules that apply to that column. Related records (deep insert, ``$expand`` results)
are checked by a validator of the related table, and their findings carry their path.
``iter_line_violations(bytes)`` asks the compiled screen first and gives the same findings.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal

import orjson

from dvschema.diagnostics import shorten
from dvschema.metaschema.dump import column_accepts_value_on
from dvschema.validation.jsonvalues import has_float, json_kind, loads_decimal, loads_exact, shown_value
from dvschema.validation.model import (GUID_TEXT, LOOKUP_TYPES, SEVERITY_RANK, ColumnFacts, Violation,
                                       clean_value_predicate, display_name_index)
from dvschema.validation.rules import _BIND, RULES, RULES_BY_NAME, Rule, check_invalid_lookup
from dvschema.validation import screen as screens
from dvschema.validation.webapi import (BIND_URL, RECORD_URL_END, NavigationProperty, derived_columns,
                                        navigation_properties)

if TYPE_CHECKING:  # the model is only named in annotations: validation never imports pydantic itself
    from dvschema.metaschema.model import Catalog, Column, Table

Operation = Literal["read", "create", "update", "full"]
OPERATIONS = ("read", "create", "update", "full")
#: The operation related records are checked for: a deep insert creates them; an expansion reads them.
RELATED_OPERATION = {"read": "read", "create": "create", "update": "create", "full": "full"}
DEFAULT_REQUIRED_SEVERITIES = {"SystemRequired": "error", "ApplicationRequired": "error", "Recommended": "info"}
_TO_STATUS = re.compile(r"""tostatusid\s*=\s*["'](\d+)["']""")

_COLUMN, _BIND_KEY, _VALUE_KEY, _ANNOTATION, _UNKNOWN, _NAVIGATION, _DERIVED = range(7)


def _always(value: Any) -> bool:
    return True


def _never_clean(value: Any) -> bool:
    return False



@dataclass(frozen=True, slots=True)
class RecordEntry:
    """A record with its position in its file."""

    record: Any
    line: int | None = None
    index: int | None = None


def rule_selection(select: Iterable[str] | None, ignore: Iterable[str] | None) -> set[str]:
    """Return the names of enabled rules: select/ignore by code, code prefix, name or ``ALL``.

    As in ruff, the most specific (longest) matching entry wins; on a tie, ignore wins.
    """
    entries = [(entry, True) for entry in (select or ["ALL"])] + [(entry, False) for entry in (ignore or [])]
    enabled = set()
    for rule in RULES:
        best: tuple[int, bool] | None = None
        for entry, selected in entries:
            if entry == "ALL":
                length = 0
            elif entry == rule.name or rule.code.startswith(entry):
                length = len(rule.code) + 1 if entry == rule.name else len(entry)
            else:
                continue
            if best is None or length > best[0] or (length == best[0] and not selected):
                best = (length, selected)
        if best is not None and best[1]:
            enabled.add(rule.name)
    return enabled


def check_rule_names(entries: Iterable[str]) -> None:
    """Raise ValueError for an entry that matches no rule code, prefix or name."""
    for entry in entries:
        if entry != "ALL" and entry not in RULES_BY_NAME and not any(r.code.startswith(entry) for r in RULES):
            raise ValueError(f"{entry!r} matches no rule code, prefix or name")


class Validator:
    """Validates records of one table for one operation.

    ``operation`` is ``read`` (a Web API response: values are checked, nothing is required, read-only
    columns and ``_x_value`` lookups are fine), ``create`` or ``update`` (a Web API request body), or
    ``full`` (a complete exported row: a CSV export, a data-lake copy). ``select``/``ignore`` take rule
    codes, prefixes or names; ``severities`` overrides a rule's severity by name; ``required_severities``
    sets the severity of a missing column per RequiredLevel; ``catalog`` holds the other tables: binds are
    checked against their entity sets, and related records (deep insert, ``$expand``) against their columns.
    """

    def __init__(self, table: Table, operation: Operation = "create", *, select: Iterable[str] | None = None,
                 ignore: Iterable[str] | None = None, severities: dict[str, str] | None = None,
                 required_severities: dict[str, str] | None = None, catalog: Catalog | None = None):
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(OPERATIONS)}, not {operation!r}")
        for entries in (select or [], ignore or []):
            check_rule_names(entries)
        self.table = table
        self.operation = operation
        self.catalog = catalog
        # the keyword arguments: related validators are built with them, and a spawned worker process
        # rebuilds this one from them (see __reduce__)
        self._options = {"select": select, "ignore": ignore, "severities": severities,
                         "required_severities": required_severities, "catalog": catalog}
        self._related: dict[tuple[str, str], Validator] = {}  # shared by every validator of one tree
        self.enabled = rule_selection(select, ignore)
        self.severity = {rule.name: rule.severity for rule in RULES}
        for name, severity in (severities or {}).items():
            if name not in RULES_BY_NAME or severity not in SEVERITY_RANK:
                raise ValueError(f"bad severity override {name} = {severity}")
            self.severity[name] = severity
        self.required_severities = {**DEFAULT_REQUIRED_SEVERITIES, **(required_severities or {})}
        self.facts = {column.logical_name: ColumnFacts.of(column) for column in table.columns}
        self.value_rules: dict[str, list[Rule]] = {
            name: [rule for rule in RULES if rule.scope == "value" and rule.name in self.enabled
                   and rule.applies is not None and rule.applies(facts)]
            for name, facts in self.facts.items()}
        self.navigation = navigation_properties(table)
        self.derived = derived_columns(table)
        self._write = operation in ("create", "update")
        # full rows hold a derived EntityName column for real: its value names one of its lookup's targets
        self._entity_name_targets = {
            name: self.facts[lookup].column.targets for name, lookup in self.derived.items()
            if operation == "full" and self.facts[name].type == "EntityName" and self.facts[lookup].column.targets}
        self.entity_sets = self._entity_sets(catalog)
        self.table_of_set = {entity_set: name for name, entity_set in self.entity_sets.items()}
        self._sets_of: dict[str, tuple[frozenset[str] | None, frozenset[str]]] = {}
        self._keys: dict[str, tuple[int, ColumnFacts | None, Callable[[Any], bool]]] = {}
        self.notices = [f"precision of {facts.name} comes from {facts.precision_source}; not checked"
                        for facts in self.facts.values()
                        if facts.column.precision is not None and not facts.precision_checkable
                        and "precision" in self.enabled]
        self._state = next((f for f in self.facts.values() if f.type == "State"), None)
        self._status = next((f for f in self.facts.values() if f.type == "Status"), None)
        self._status_options = {option.value: option for option in self._status.column.options} \
            if self._status else {}
        self._required = self._required_columns()
        self._check_read_only = "read-only-column" in self.enabled and self._write
        self._check_unknown = "unknown-column" in self.enabled
        # a read response's keys come from the server, never a request it would reject: an unknown one is
        # news (an aggregation alias, a column the page does not list), unless the user set the severity
        self._unknown_severity = "info" if operation == "read" and "unknown-column" not in (severities or {}) \
            else None
        self._unknown_messages: dict[str, str] = {}
        self._by_display_name: dict[str, list[str]] | None = None
        self._mismatch_messages: dict[tuple[int, int], str] = {}
        self._required_keys = [(facts, self._keys_of(facts)) for facts in self._required]
        for facts in self.facts.values():
            facts.read_only = self._write and not column_accepts_value_on(facts.column, operation)
            facts.is_clean = clean_value_predicate(facts)
        self._run_required = "required-missing" in self.enabled and bool(self._required)
        self._run_state_status = "state-status-mismatch" in self.enabled and bool(self._state and self._status)
        self._run_transition = "invalid-transition" in self.enabled and bool(self._status)
        self._state_of_status = {value: option.state for value, option in self._status_options.items()
                                 if option.state is not None}
        self._check_lookups = "invalid-lookup" in self.enabled
        self._rule_heads = {rule.name: (rule.name, rule.code, self.severity[rule.name], rule.server_error)
                            for rule in RULES}
        self.screen = self._compile_screen()

    @property
    def required_columns(self) -> list[ColumnFacts]:
        """The columns the operation requires (create: not filled by the platform; update: may not be null)."""
        return list(self._required)

    @property
    def state_column(self) -> ColumnFacts | None:
        """The table's State column (statecode), if it has one."""
        return self._state

    @property
    def status_column(self) -> ColumnFacts | None:
        """The table's Status column (statuscode), if it has one."""
        return self._status

    # -- compilation ----------------------------------------------------------------------------------

    def __reduce__(self) -> tuple:
        """Pickled as its arguments: a spawned worker process compiles its own (the screen is C state)."""
        return _rebuilt_validator, (self.table, self.operation, self._options)

    def _entity_sets(self, catalog: Catalog | None) -> dict[str, str]:
        tables = dict(catalog.tables) if catalog else {}
        tables[self.table.logical_name] = self.table
        return {name: table.entity_set_name for name, table in tables.items() if table.entity_set_name}

    def _keys_of(self, facts: ColumnFacts) -> tuple[str, ...]:
        """Every record key that can give a column its value (a lookup: its binds and deep inserts too)."""
        if facts.type not in LOOKUP_TYPES:
            return (facts.name,)
        navigation = [name for name, nav in self.navigation.items() if nav.lookup == facts.name]
        # binds first: the keys are tried in this order on every record, and a bind is what a body has
        keys = [facts.name, *(f"{name}@odata.bind" for name in navigation), f"_{facts.name}_value", *navigation]
        return tuple(dict.fromkeys(keys))

    def _platform_fills(self, column: Column) -> bool:
        return (column.logical_name == self.table.primary_id_attribute
                or column.type in ("Owner", "State", "Status", "EntityName"))

    def _required_columns(self) -> list[ColumnFacts]:
        levels = ("SystemRequired", "ApplicationRequired", "Recommended")
        result = []
        for facts in self.facts.values():
            column = facts.column
            if facts.name in self.derived:  # carried by its lookup: never required on its own
                continue
            if self.operation == "create":
                if (column.required_level in levels and column_accepts_value_on(column, "create")
                        and not self._platform_fills(column)):
                    result.append(facts)
            elif self.operation == "update":
                if column.required_level in ("SystemRequired", "ApplicationRequired"):
                    result.append(facts)
            elif self.operation == "full" and column.required_level == "SystemRequired" and (
                    column_accepts_value_on(column, "create") or column_accepts_value_on(column, "update")
                    or column.logical_name == self.table.primary_id_attribute):
                result.append(facts)
        return result

    def _classify(self, key: str) -> tuple[int, ColumnFacts | None, Callable[[Any], bool]]:
        """Classify a record key once: its kind, its column, and a test for values every rule accepts."""
        cached = self._keys.get(key)
        if cached is not None:
            return cached
        kind, facts = self._kind_of(key)
        if kind == _ANNOTATION:
            is_clean = _always
        elif kind in (_UNKNOWN, _DERIVED):
            is_clean = _always if not self._check_unknown else _never_clean
        elif kind == _NAVIGATION:
            is_clean = _never_clean
        elif facts is not None and facts.read_only and self._check_read_only:
            is_clean = _never_clean
        elif kind == _COLUMN:
            targets = self._entity_name_targets.get(key)
            if targets is not None:
                is_clean = lambda value: value in targets  # noqa: E731
            else:
                is_clean = _never_clean if facts.type in LOOKUP_TYPES and self.operation != "full" else facts.is_clean
        else:
            is_clean = self._bind_predicate(key, kind)
        result = (kind, facts, is_clean)
        if len(self._keys) < 10_000:
            self._keys[key] = result
        return result

    def _bind_sets(self, nav: NavigationProperty) -> tuple[frozenset[str] | None, frozenset[str]]:
        """The entity sets a bind of ``nav`` may name (None: not all known) and those it may not name
        (the known sets of tables that are not its targets)."""
        sets = self._sets_of.get(nav.name)
        if sets is None:
            sets = self._sets_of[nav.name] = self._compute_bind_sets(nav)
        return sets

    def _compute_bind_sets(self, nav: NavigationProperty) -> tuple[frozenset[str] | None, frozenset[str]]:
        targets = set(nav.targets)
        known = {self.entity_sets[target] for target in targets if target in self.entity_sets}
        if targets and len(known) == len(targets):
            return frozenset(known), frozenset()
        if not targets:
            return None, frozenset()
        return None, frozenset(entity_set for entity_set, table in self.table_of_set.items() if table not in targets)

    def _bind_predicate(self, key: str, kind: int) -> Callable[[Any], bool]:
        if kind == _VALUE_KEY:
            if self._write:
                return _never_clean
            return lambda value: type(value) is str and GUID_TEXT.match(value) is not None
        nav = self.navigation[key.partition("@")[0]]
        if nav.collection:
            return _never_clean
        allowed, excluded = self._bind_sets(nav)
        if allowed is not None:
            return lambda value: (type(value) is str and (match := _BIND.match(value)) is not None
                                  and match.group("set") in allowed)
        return lambda value: (type(value) is str and (match := _BIND.match(value)) is not None
                              and match.group("set") not in excluded)

    def _kind_of(self, key: str) -> tuple[int, ColumnFacts | None]:
        facts = self.facts.get(key)
        if facts is not None:
            if self._write and key in self.derived:
                return _DERIVED, facts
            if self.operation != "full" and key in self.navigation:
                return _NAVIGATION, facts
            return _COLUMN, facts
        if key.startswith("@"):
            return _ANNOTATION, None
        if "@" in key:
            name, _, annotation = key.partition("@")
            if annotation.lower() != "odata.bind":
                return _ANNOTATION, None
            nav = self.navigation.get(name)
            if nav is None:
                return _UNKNOWN, None
            return _BIND_KEY, self.facts.get(nav.lookup) if nav.lookup else None
        if key in self.navigation:
            return _NAVIGATION, None
        if key.startswith("_") and key.endswith("_value") and key[1:-6] in self.facts:
            return _VALUE_KEY, self.facts[key[1:-6]]
        return _UNKNOWN, None

    def _compile_screen(self) -> Any | None:
        """The C screen for JSONL lines: every key this validator gives a meaning, with its clean test."""
        if not screens.screen_available():
            return None
        names = list(self.facts)
        names += [f"_{name}_value" for name in self.facts if f"_{name}_value" not in self.facts]
        names += list(self.navigation)
        names += [f"{name}@odata.bind" for name in self.navigation]
        groups: dict[str, int] = {}
        if self._run_required and self.operation != "update":
            for group, (_, keys) in enumerate(self._required_keys):
                groups.update((key, group) for key in keys)
        not_null = {facts.name for facts in self._required} if self._run_required and self.operation == "update" \
            else set()
        roles = {}
        if self._run_state_status:
            roles = {self._state.name: screens.ROLE_STATE, self._status.name: screens.ROLE_STATUS}
        keys = []
        for name in dict.fromkeys(names):
            kind, facts, is_clean = self._classify(name)
            if is_clean is _never_clean or name in self._entity_name_targets:
                key = screens.ScreenKey(name, screens.NEVER)
            elif kind == _COLUMN:
                key = screens.value_key(name, facts)
            elif kind == _VALUE_KEY:
                key = screens.ScreenKey(name, screens.GUID)
            elif kind == _BIND_KEY:
                allowed, excluded = self._bind_sets(self.navigation[name.partition("@")[0]])
                key = (screens.ScreenKey(name, screens.BIND, sets=tuple(allowed)) if allowed is not None else
                       screens.ScreenKey(name, screens.BIND_EXCEPT, sets=tuple(excluded)))
            else:
                continue  # annotations and unknown keys: the screen knows them by their shape
            keys.append(replace(key, null_clean=name not in not_null, group=groups.get(name, -1),
                                role=roles.get(name, screens.ROLE_NONE)))
        missing = set(groups) - {key.name for key in keys}
        if missing:  # a required key the screen cannot see: let the rules judge every record
            return None
        return screens.build_screen(keys, len(self._required_keys) if groups else 0, not self._check_unknown,
                                    self._state_of_status if self._run_state_status else {})

    # -- the primitive --------------------------------------------------------------------------------

    def _violation(self, rule_name: str, message: str, column: str | None, value: Any = None,
                   severity: str | None = None, key: str | None = None, path: str | None = None) -> Violation:
        name, code, default_severity, server_error = self._rule_heads[rule_name]
        if value is None:
            shown = None
        else:
            text = shown_value(value)
            # shorten() collapses whitespace and cuts long text; most values need neither.
            plain = len(text) <= 60 and text.isprintable() and "  " not in text and text.strip(" ") == text
            shown = text if plain else shorten(text, 60)
        return Violation.from_fields((name, code, severity or default_severity, message, column, shown, None,
                                      None, None, server_error, key, path))

    def iter_violations(self, record: Any, previous: dict | None = None) -> Iterator[Violation]:
        """Iterate over every violation of one record (a dict of logical names to Web API values)."""
        return iter(self._violations(record, previous))

    def iter_line_violations(self, line: bytes) -> Iterator[Violation]:
        """Iterate over every violation of one JSONL line (raw bytes), screening it in C first when it can.

        Raises ``orjson.JSONDecodeError`` when the line is not JSON. Gives the same findings as
        ``iter_violations(loads_exact(line))``, several times faster on clean records. Numbers are read
        exactly (see :mod:`dvschema.validation.jsonvalues`).
        """
        verdict = self.screen.check(line) if self.screen is not None else False
        if verdict is True:
            return iter(())
        return iter(self.screened_line_violations(line, verdict))

    def screened_line_violations(self, line: bytes, verdict: bool | tuple[tuple[str, ...], bool]
                                 ) -> list[Violation]:
        """The violations of a JSONL line the screen has seen: ``verdict`` is its answer for the line,
        False (check everything) or ``(keys, record_rules)``: the keys whose values it could not vouch
        for, and whether the record rules must run. Raises ``orjson.JSONDecodeError`` for a line that
        is not JSON."""
        if verdict is False:
            return self._violations(loads_exact(line), None)
        record = orjson.loads(line)  # an object: the screen read it whole
        keys, record_rules = verdict
        values = [record[key] for key in keys]
        if has_float(values):  # the rules need exact numbers, in related records too
            record = loads_decimal(line)
            values = [record[key] for key in keys]
        found: list[Violation] = []
        if keys:
            self._check_keys(zip(keys, values), found)
        if record_rules:
            self._check_record(record, None, found)
        return found

    # The engine appends findings to one list per record: a generator per key and rule costs more
    # than the rules themselves on the records the screen flags.

    def _violations(self, record: Any, previous: dict | None) -> list[Violation]:
        if type(record) is not dict:
            return [self._violation("invalid-type", f"a record must be a JSON object, not {json_kind(record)}",
                                    None, record)]
        found: list[Violation] = []
        self._check_keys(record.items(), found)
        self._check_record(record, previous, found)
        return found

    def _check_keys(self, items: Iterable[tuple[str, Any]], found: list[Violation]) -> None:
        keys = self._keys
        for key, value in items:
            entry = keys.get(key)
            if entry is None:
                entry = self._classify(key)
            kind, facts, is_clean = entry
            if value is None or is_clean(value):
                continue  # the common case: a value, bind or annotation that every rule accepts
            if kind == _COLUMN:
                if facts.read_only and self._check_read_only:
                    found.append(self._read_only(key, facts, value))
                    if facts.is_clean(value):
                        continue  # read-only is all that is wrong with it
                self._check_value(key, facts, value, found)
            elif kind == _BIND_KEY:
                if facts is not None and facts.read_only and self._check_read_only:
                    found.append(self._read_only(key, facts, value))
                if self._check_lookups:
                    self._bind_violations(key, facts, value, found)
            elif kind == _VALUE_KEY:
                if self._write:
                    if self._check_lookups:
                        found.append(self._violation("invalid-lookup", "a _x_value property is read-only; "
                                                     f"set the lookup with {self._binds_of(facts)}",
                                                     facts.name, value, key=key))
                elif self._check_lookups:
                    for message in check_invalid_lookup(facts, value):
                        found.append(self._violation("invalid-lookup", message, facts.name, value, key=key))
            elif kind == _NAVIGATION:
                self._navigation_violations(key, facts, value, found)
            elif kind == _DERIVED and self._check_unknown:
                lookup = self.derived[key]
                found.append(self._violation(
                    "unknown-column", f"not a Web API property: it belongs to the lookup {lookup}, which is set with "
                                      f"{self._binds_of(self.facts[lookup])}", key, value, key=key))
            elif kind == _UNKNOWN and self._check_unknown:
                found.append(self._unknown(key, value))

    def _check_record(self, record: dict, previous: dict | None, found: list[Violation]) -> None:
        # Record rules, each behind a cheap test of the common clean case.
        if self._run_required:
            if self.operation == "update":
                found.extend(self.required_missing(record))
            else:
                unmet = self._unmet_required(record)
                if unmet:
                    found.extend(self._missing(record, unmet))
        if self._run_state_status:
            state, status = record.get(self._state.name), record.get(self._status.name)
            if type(state) is int and type(status) is int and self._state_of_status.get(status, state) != state:
                found.extend(self.state_status_mismatch(record))
        if previous is not None and self._run_transition:
            found.extend(self.invalid_transition(record, previous))

    def _binds_of(self, facts: ColumnFacts) -> str:
        """How a lookup is set in a Web API body, for messages: ``parentcustomerid_account@odata.bind or …``."""
        names = [name for name, nav in self.navigation.items() if nav.lookup == facts.name]
        lowered = [name.lower() for name in names]  # a schema-name spelling the page did not confirm: not shown
        binds = [f"{name}@odata.bind" for name in names if name.islower() or lowered.count(name.lower()) == 1]
        return " or ".join(binds[:4]) + (" or …" if len(binds) > 4 else "") if binds else \
            f"{facts.name}@odata.bind"

    def _check_value(self, key: str, facts: ColumnFacts, value: Any, found: list[Violation]) -> None:
        if facts.type in LOOKUP_TYPES and self.operation != "full":
            if self._check_lookups:
                found.append(self._violation("invalid-lookup", f"a lookup is not set by its name; use "
                                                               f"{self._binds_of(facts)}", key, value, key=key))
            return
        for rule in self.value_rules[key]:
            for result in rule.check(facts, value):
                message, severity = result if type(result) is tuple else (result, None)
                found.append(self._violation(rule.name, message, key, value, severity, key))
        if self._entity_name_targets:  # full rows: a lookup's type names one of its targets
            targets = self._entity_name_targets.get(key)
            if targets is not None and type(value) is str and value not in targets \
                    and "invalid-option" in self.enabled:
                found.append(self._violation("invalid-option", f"{value!r} is not a target of the lookup "
                                                               f"{self.derived[key]}; expected {', '.join(targets)}",
                                             key, value, None, key))

    def _read_only(self, key: str, facts: ColumnFacts, value: Any) -> Violation:
        return self._violation("read-only-column", f"not valid for {self.operation}; "
                                                   "the server ignores the value", facts.name, value, key=key)

    def _bind_violations(self, key: str, facts: ColumnFacts | None, value: Any, found: list[Violation]) -> None:
        """A bind's findings: one URL for a single-valued navigation property, a list of URLs for a
        collection-valued one, each of a form the Web API accepts and naming a target's entity set."""
        nav = self.navigation[key.partition("@")[0]]
        column = facts.name if facts is not None else None
        if nav.collection:
            if type(value) is not list:
                found.append(self._violation("invalid-lookup", f"{json_kind(value)} for the collection-valued "
                                             f"navigation property {nav.name}; expected a list of URLs such as "
                                             '["/entityset(id)"]', column, value, key=key))
                return
            for index, item in enumerate(value):
                self._bind_url_violations(nav, key, f"{key}[{index}]", column, item, found)
        elif type(value) is not str:
            found.append(self._violation("invalid-lookup", f"{json_kind(value)} for the single-valued navigation "
                                         f"property {nav.name}; expected one URL such as /entityset(id)",
                                         column, value, key=key))
        else:
            self._bind_url_violations(nav, key, None, column, value, found)

    def _bind_url_violations(self, nav: NavigationProperty, key: str, path: str | None, column: str | None,
                             value: Any, found: list[Violation]) -> None:
        match = BIND_URL.match(value) if type(value) is str else None
        if match is None:
            found.append(self._violation("invalid-lookup", f"{shown_value(value)!r} is not a record URL; expected "
                                         "/entityset(id), /entityset(key=value) or an absolute URL of that form",
                                         column, value, key=key, path=path))
            return
        problem = self._entity_set_problem(nav, match.group("set")) if match.group("set") else None
        if problem:
            found.append(self._violation("invalid-lookup", problem, column, value, key=key, path=path))

    def _entity_set_problem(self, nav: NavigationProperty, entity_set: str) -> str | None:
        allowed, excluded = self._bind_sets(nav)
        if allowed is not None and entity_set not in allowed:
            return f"entity set {entity_set!r} is not a target of {nav.name}; allowed: {', '.join(sorted(allowed))}"
        if entity_set in excluded:
            return (f"entity set {entity_set!r} is the {self.table_of_set[entity_set]} table's, not a target of "
                    f"{nav.name} ({', '.join(nav.targets)})")
        return None

    def _navigation_violations(self, key: str, facts: ColumnFacts | None, value: Any,
                               found: list[Violation]) -> None:
        """Related records: an object on a single-valued navigation property, a list of objects on a
        collection-valued one (deep insert in create/update, ``$expand`` results in read)."""
        nav = self.navigation[key]
        if nav.collection:
            if type(value) is not list:
                found.append(self._violation("invalid-type", f"{json_kind(value)} for the collection-valued "
                                             "navigation property; expected a list of related records", None,
                                             value, key=key))
                return
            unchecked = False
            for index, item in enumerate(value):
                unchecked = self._related_violations(nav, f"{key}[{index}]", item, found, unchecked) or unchecked
        elif type(value) is dict:
            self._related_violations(nav, key, value, found, False)
        elif facts is not None and facts.type in LOOKUP_TYPES and self._write:
            self._check_value(key, facts, value, found)
        else:
            found.append(self._violation("invalid-type", f"{json_kind(value)} for a single-valued navigation "
                                         f"property; expected a related record (an object)", nav.lookup,
                                         value, key=key))

    def _related_violations(self, nav: NavigationProperty, path: str, item: Any, found: list[Violation],
                            reported: bool) -> bool:
        """Check one related record; return True when its table is not in the schema (reported once)."""
        column = nav.lookup
        if type(item) is not dict:
            found.append(self._violation("invalid-type", f"{json_kind(item)} for a related record; expected an "
                                         "object", column, item, key=nav.name, path=path))
            return False
        reference = item.get("@odata.id")
        if reference is not None and all(name.startswith("@") for name in item):  # an entity reference
            if type(reference) is not str or RECORD_URL_END.search(reference) is None:
                found.append(self._violation("invalid-lookup", f"{shown_value(reference)!r} is not a record URL",
                                             column, reference, key=nav.name, path=f"{path}.@odata.id"))
            return False
        validator = self._related_validator(nav, item)
        if validator is None:
            if not reported and "related-not-checked" in self.enabled:
                names = ", ".join(nav.targets) or "unknown"
                found.append(self._violation("related-not-checked", f"related table {names} is not in the schema; "
                                             f"the records of {nav.name} were not checked", column, None,
                                             key=nav.name, path=nav.name))
            return True
        filled = nav.filled
        for violation in validator._violations(item, None):
            if filled is not None and violation.rule == "required-missing" and violation.column == filled:
                continue  # the deep insert sets the lookup back to this record
            inner = violation.subject
            *head, server_error, key, _ = violation
            found.append(Violation.from_fields((*head, server_error, key,
                                                f"{path}.{inner}" if inner else path)))
        return False

    def _related_validator(self, nav: NavigationProperty, item: dict) -> Validator | None:
        """The validator of the table a related record belongs to, or None when it is not in the schema."""
        tables = self.catalog.tables if self.catalog is not None else {}
        targets = [target for target in nav.targets if target in tables or target == self.table.logical_name]
        typed = item.get("@odata.type")
        if type(typed) is str and typed.rpartition(".")[2] in targets:
            name = typed.rpartition(".")[2]
        elif len(nav.targets) == 1 and targets:
            name = targets[0]
        else:
            return None
        operation = RELATED_OPERATION[self.operation]
        validator = self._related.get((name, operation))
        if validator is None:
            if name == self.table.logical_name and operation == self.operation:
                return self
            table = tables[name] if name in tables else self.table
            validator = Validator(table, operation, **self._options)  # type: ignore[arg-type]
            validator._related = self._related
            self._related[(name, operation)] = validator
        return validator

    def _unknown(self, key: str, value: Any) -> Violation:
        message = self._unknown_messages.get(key)
        if message is None:
            if self.operation == "read":  # no closest name: an alias (count, total) is no misspelt column
                message = (f"not a column or navigation property of {self.table.logical_name}; in a read response "
                           "the server wrote it: an alias of $apply or FetchXML aggregation, or a column the "
                           "metadata does not list")
            else:
                message = self._unknown_message(key)
            if len(self._unknown_messages) < 10_000:
                self._unknown_messages[key] = message
        return self._violation("unknown-column", message, None, value, key=key, severity=self._unknown_severity)

    def _unknown_message(self, key: str) -> str:
        """Why a key is unknown: a display name, a wrong case (the server matches names exactly), or the
        closest name."""
        name, at, annotation = key.partition("@")
        suffix = at + annotation
        # a bind (name@odata.bind) names a navigation property: a column of the same name but for case
        # (the lookup new_parentid beside its navigation property new_ParentId) is not what to write
        names = list(self.navigation) if suffix else list(self.facts) + list(self.navigation)
        by_lower = {candidate.lower(): candidate for candidate in reversed(names)}
        where = f"{self.table.logical_name}"
        exact = by_lower.get(name.lower())
        if exact is not None:
            return (f"not a property of {where}: property names are case-sensitive; "
                    f"write {exact}{suffix}")
        if not suffix:  # a CSV header of display names: name the logical names
            if self._by_display_name is None:
                self._by_display_name = display_name_index(self.table)
            by_display = self._by_display_name.get(" ".join(key.split()).casefold(), [])
            if by_display:
                return (f"not a column of {where}; it is the display name of {' and '.join(by_display)}: use "
                        f"{'the' if len(by_display) == 1 else 'a'} logical name")
        close = difflib.get_close_matches(name.lower(), [candidate.lower() for candidate in names], n=1,
                                          cutoff=0.6)
        hint = f"; did you mean {by_lower[close[0]]}{suffix}?" if close else ""
        kind = "navigation property" if suffix else "column or navigation property"
        return f"not a {kind} of {where}{hint}"

    def required_missing(self, record: dict) -> Iterator[Violation]:
        """Yield required-missing findings for the validator's operation (lookups count by any of their keys)."""
        if self.operation == "update":
            for facts in self._required:
                if facts.name in record and record[facts.name] is None:
                    yield self._violation("required-missing", f"{facts.column.required_level} "
                                                              "and may not be set to null", facts.name, None,
                                          self.required_severities.get(facts.column.required_level, "error"))
            return
        yield from self._missing(record, self._unmet_required(record))

    def _missing(self, record: dict, unmet: list[ColumnFacts]) -> Iterator[Violation]:
        for facts in unmet:
            level = facts.column.required_level
            state = "null" if facts.name in record else "missing"
            yield self._violation("required-missing", f"{level} but {state} ({self.operation})",
                                  facts.name, None, self.required_severities.get(level, "error"))

    def _unmet_required(self, record: dict) -> list[ColumnFacts]:
        """The required columns (create, full) that no key of the record gives a value: a lookup
        counts by any of its keys."""
        get = record.get
        unmet = []
        for facts, keys in self._required_keys:
            for key in keys:
                if get(key) is not None:
                    break
            else:
                unmet.append(facts)
        return unmet

    def read_only_columns(self, record: dict) -> Iterator[Violation]:
        """Yield read-only-column findings of a whole record (the engine checks them key by key)."""
        for key, value in record.items():
            kind, facts, _ = self._classify(key)
            if kind in (_COLUMN, _BIND_KEY, _VALUE_KEY) and facts is not None and facts.read_only \
                    and value is not None:
                yield self._read_only(key, facts, value)

    def unknown_columns(self, record: dict) -> Iterator[Violation]:
        """Yield unknown-column findings of a whole record (the engine checks them key by key)."""
        for key, value in record.items():
            if self._classify(key)[0] == _UNKNOWN:
                yield self._unknown(key, value)

    def state_status_mismatch(self, record: dict) -> Iterator[Violation]:
        """Yield a finding when statuscode does not belong to statecode."""
        state, status = record.get(self._state.name), record.get(self._status.name)
        if type(state) is not int or type(status) is not int:
            return
        option = self._status_options.get(status)
        if option is None or option.state is None or option.state == state:
            return
        message = self._mismatch_messages.get((state, status))
        if message is None:
            allowed = [f"{o.value} ({o.label})" for o in self._status_options.values() if o.state == state]
            message = (f"status {status} ({option.label}) belongs to state {option.state}, not {state}; "
                       f"statuses of state {state}: {', '.join(allowed) or 'none'}")
            if len(self._mismatch_messages) < 10_000:
                self._mismatch_messages[(state, status)] = message
        yield self._violation("state-status-mismatch", message, self._status.name, status)

    def invalid_transition(self, record: dict, previous: dict | None) -> Iterator[Violation]:
        """Yield a finding when the move from the previous status is not in its TransitionData."""
        if previous is None:
            return
        old, new = previous.get(self._status.name), record.get(self._status.name)
        if type(old) is not int or type(new) is not int or old == new:
            return
        option = self._status_options.get(old)
        data = (option.transition_data or "").strip() if option else ""
        if not data or data == "None":
            return
        allowed = {int(value) for value in _TO_STATUS.findall(data)}
        if new not in allowed:
            yield self._violation("invalid-transition", f"status {old} may move to {sorted(allowed)}, not {new}",
                                  self._status.name, new)

    # -- derived --------------------------------------------------------------------------------------

    def validate(self, record: Any, previous: dict | None = None) -> list[Violation]:
        """Return every violation of one record."""
        return list(self.iter_violations(record, previous))

    def is_valid(self, record: Any, previous: dict | None = None) -> bool:
        """True when the record has no violation of severity error."""
        return not any(v.severity == "error" for v in self.iter_violations(record, previous))

    def validate_records(self, records: Iterable[Any], path: str | None = None,
                         previous: dict | None = None) -> Iterator[Violation]:
        """Stream violations of many records, each located (file, line, record index).

        ``records`` holds plain records or :class:`RecordEntry` objects; ``previous`` maps a
        record's primary id to its previous version, for the transition rule.
        """
        primary = self.table.primary_id_attribute
        for index, entry in enumerate(records):
            if isinstance(entry, RecordEntry):
                record, line, number = entry.record, entry.line, entry.index if entry.index is not None else index
            else:
                record, line, number = entry, None, index
            before = previous.get(record.get(primary)) if previous and isinstance(record, dict) else None
            for violation in self.iter_violations(record, before):
                yield violation.at(path, line, number)


def _rebuilt_validator(table: Table, operation: str, options: dict[str, Any]) -> Validator:
    """A validator made again from its arguments (unpickling, in a spawned worker)."""
    return Validator(table, operation, **options)
