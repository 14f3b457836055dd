"""The validation engine: a :class:`Validator` compiled once per table, records checked many times.

``iter_violations(record)`` is the primitive; ``validate``, ``is_valid`` and the streaming
``validate_records`` derive from it. Each key of a record is classified once (a column, a
lookup bind, a ``_x_value``, an OData annotation, or unknown) and the classification is cached,
so a record costs one dict lookup per key plus the rules that apply to that column.
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
from dvschema.validation.jsonvalues import json_kind, loads_exact, shown_value
from dvschema.validation.model import (GUID_TEXT, LOOKUP_TYPES, SEVERITY_RANK, ColumnFacts, Violation,
                                       clean_value_predicate, display_name_index)
from dvschema.validation.rules import _BIND, RULES, RULES_BY_NAME, Rule, check_invalid_lookup
from dvschema.validation import screen as screens

if TYPE_CHECKING:  # the model is only named in annotations: validation never imports pydantic itself
    from dvschema.metaschema.model import Catalog, Column, Table

Operation = Literal["create", "update", "full"]
OPERATIONS = ("create", "update", "full")
DEFAULT_REQUIRED_SEVERITIES = {"SystemRequired": "error", "ApplicationRequired": "error", "Recommended": "info"}
_TO_STATUS = re.compile(r"""tostatusid\s*=\s*["'](\d+)["']""")

_COLUMN, _BIND_KEY, _VALUE_KEY, _ANNOTATION, _UNKNOWN = range(5)


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

    ``select``/``ignore`` take rule codes, prefixes or names; ``severities`` overrides a rule's
    severity by name; ``required_severities`` sets the severity of a missing column per
    RequiredLevel; ``catalog`` lets lookup binds be checked against the target tables' entity sets.
    """

    def __init__(self, table: Table, operation: Operation = "create", *, select: Iterable[str] | None = None,
                 ignore: Iterable[str] | None = None, severities: dict[str, str] | None = None,
                 required_severities: dict[str, str] | None = None, catalog: Catalog | None = None):
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(OPERATIONS)}, not {operation!r}")
        for entries in (select or [], ignore or []):
            check_rule_names(entries)
        # what a spawned worker process rebuilds the validator from (see __reduce__)
        self._arguments = (table, operation, {"select": select, "ignore": ignore, "severities": severities,
                                              "required_severities": required_severities, "catalog": catalog})
        self.table = table
        self.operation = operation
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
        self.entity_sets = self._entity_sets(catalog)
        self.bind_names = self._bind_names()
        self._keys: dict[str, tuple[int, ColumnFacts | None, Callable[[Any], bool]]] = {}
        self.notices = [f"precision of {facts.name} comes from {facts.column.precision_source}; not checked"
                        for facts in self.facts.values()
                        if facts.column.precision is not None and not facts.precision_checkable
                        and "precision" in self.enabled]
        self._state = next((f for f in self.facts.values() if f.type == "State"), None)
        self._status = next((f for f in self.facts.values() if f.type == "Status"), None)
        self._status_options = {option.value: option for option in self._status.column.options} \
            if self._status else {}
        self._required = self._required_columns()
        self._check_read_only = "read-only-column" in self.enabled and operation != "full"
        self._check_unknown = "unknown-column" in self.enabled
        self._unknown_messages: dict[str, str] = {}
        self._by_display_name: dict[str, list[str]] | None = None
        self._mismatch_messages: dict[tuple[int, int], str] = {}
        self._required_keys = [(facts, self._keys_of(facts)) for facts in self._required]
        for facts in self.facts.values():
            facts.read_only = operation != "full" and not column_accepts_value_on(facts.column, operation)
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
        table, operation, options = self._arguments
        return _rebuilt_validator, (table, operation, options)

    def _entity_sets(self, catalog: Catalog | None) -> dict[str, str]:
        tables = dict(catalog.tables) if catalog else {}
        tables[self.table.logical_name] = self.table
        return {name: table.entity_set_name for name, table in tables.items() if table.entity_set_name}

    def _bind_names(self) -> dict[str, tuple[ColumnFacts, tuple[str, ...]]]:
        """Navigation property names that bind each lookup, with the tables each may point to."""
        names: dict[str, tuple[ColumnFacts, tuple[str, ...]]] = {}
        for facts in self.facts.values():
            column = facts.column
            if facts.type not in LOOKUP_TYPES:
                continue
            targets = column.targets
            for name in (column.logical_name, column.schema_name):
                names[name] = (facts, targets)
            for target in targets:
                names[f"{column.logical_name}_{target}"] = (facts, (target,))
        for relationship in self.table.relationships:
            if relationship.kind == "many_to_one" and relationship.referencing_attribute in self.facts \
                    and relationship.referencing_entity_navigation_property_name:
                facts = self.facts[relationship.referencing_attribute]
                target = (relationship.referenced_entity,) if relationship.referenced_entity else facts.column.targets
                names.setdefault(relationship.referencing_entity_navigation_property_name, (facts, target))
        return names

    def _keys_of(self, facts: ColumnFacts) -> tuple[str, ...]:
        """Every record key that can give a column its value."""
        if facts.type not in LOOKUP_TYPES:
            return (facts.name,)
        binds = [f"{name}@odata.bind" for name, (bound, _) in self.bind_names.items() if bound is facts]
        return (facts.name, f"_{facts.name}_value", *binds)

    def _platform_fills(self, column: Column) -> bool:
        return (column.logical_name == self.table.primary_id_attribute
                or column.type in ("Owner", "State", "Status", "EntityName"))

    def _required_columns(self) -> list[ColumnFacts]:
        levels = ("SystemRequired", "ApplicationRequired", "Recommended")
        result = []
        for facts in self.facts.values():
            column = facts.column
            if self.operation == "create":
                if (column.required_level in levels and column_accepts_value_on(column, "create")
                        and not self._platform_fills(column)):
                    result.append(facts)
            elif self.operation == "update":
                if column.required_level in ("SystemRequired", "ApplicationRequired"):
                    result.append(facts)
            elif column.required_level == "SystemRequired" and (
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
        elif kind == _UNKNOWN:
            is_clean = _always if not self._check_unknown else _never_clean
        elif facts.read_only and self._check_read_only:
            is_clean = _never_clean
        elif kind == _COLUMN:
            is_clean = _never_clean if facts.type in LOOKUP_TYPES and self.operation != "full" else facts.is_clean
        else:
            is_clean = self._bind_predicate(key, kind, facts)
        result = (kind, facts, is_clean)
        if len(self._keys) < 10_000:
            self._keys[key] = result
        return result

    def _bound(self, name: str) -> tuple[ColumnFacts, tuple[str, ...]] | None:
        """The lookup a navigation property name binds, with its target tables."""
        return self.bind_names.get(name) or self.bind_names.get(name.lower())

    def _target_sets(self, key: str) -> dict[str, str] | None:
        """Entity set name -> table for a bind key's targets; None unless the catalog knows every target."""
        targets = self._bound(key.partition("@")[0])[1]
        known = {self.entity_sets[t]: t for t in targets if t in self.entity_sets}
        return known if known and len(known) == len(targets) else None

    def _bind_predicate(self, key: str, kind: int, facts: ColumnFacts) -> Callable[[Any], bool]:
        if kind == _VALUE_KEY:
            return lambda value: type(value) is str and GUID_TEXT.match(value) is not None
        sets = self._target_sets(key)
        if sets is None:
            return lambda value: type(value) is str and _BIND.match(value) is not None
        return lambda value: (type(value) is str and (match := _BIND.match(value)) is not None
                              and match.group("set") in sets)

    def _kind_of(self, key: str) -> tuple[int, ColumnFacts | None]:
        facts = self.facts.get(key)
        if facts is not None:
            result: tuple[int, ColumnFacts | None] = (_COLUMN, facts)
        elif key.startswith("@"):
            result = (_ANNOTATION, None)
        elif "@" in key:
            name, _, annotation = key.partition("@")
            if annotation.lower() == "odata.bind":
                bound = self._bound(name)
                result = (_BIND_KEY, bound[0]) if bound else (_UNKNOWN, None)
            else:
                result = (_ANNOTATION, None)
        elif key.startswith("_") and key.endswith("_value") and key[1:-6] in self.facts:
            result = (_VALUE_KEY, self.facts[key[1:-6]])
        else:
            result = (_UNKNOWN, None)
        return result

    def _compile_screen(self) -> Any | None:
        """The C screen for JSONL lines: every key this validator gives a meaning, with its clean test."""
        if not screens.screen_available():
            return None
        names = list(self.facts)
        names += [f"_{name}_value" for name in self.facts if f"_{name}_value" not in self.facts]
        names += [f"{name}@odata.bind" for name in self.bind_names]
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
            if is_clean is _never_clean:
                key = screens.ScreenKey(name, screens.NEVER)
            elif kind == _COLUMN:
                key = screens.value_key(name, facts)
            elif kind == _VALUE_KEY:
                key = screens.ScreenKey(name, screens.GUID)
            elif kind == _BIND_KEY:
                sets = self._target_sets(name)
                key = screens.ScreenKey(name, screens.BIND, sets=tuple(sets) if sets is not None else None)
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
                   severity: str | None = None) -> Violation:
        name, code, default_severity, server_error = self._rule_heads[rule_name]
        if value is None:
            shown = None
        else:
            text = shown_value(value)
            # shorten() collapses whitespace and cuts long text; most values need neither.
            plain = len(text) <= 60 and text.isprintable() and "  " not in text and text.strip(" ") == text
            shown = text if plain else shorten(text, 60)
        return Violation.from_fields((name, code, severity or default_severity, message, column, shown, None,
                                      None, None, server_error))

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
        if float in map(type, values):  # only the values the rules will see need exact numbers
            record = loads_exact(line)
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
            elif kind == _BIND_KEY or kind == _VALUE_KEY:
                if facts.read_only and self._check_read_only:
                    found.append(self._read_only(key, facts, value))
                if self._check_lookups:
                    found.extend(self._lookup_violations(key, kind, facts, value))
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

    def _check_value(self, key: str, facts: ColumnFacts, value: Any, found: list[Violation]) -> None:
        if facts.type in LOOKUP_TYPES and self.operation != "full" and self._check_lookups:
            found.append(self._violation("invalid-lookup", f"set lookup {key} with {key}@odata.bind (or "
                                                           f"{key}_<table>@odata.bind), not by its name", key, value))
            return
        for rule in self.value_rules[key]:
            for result in rule.check(facts, value):
                message, severity = result if type(result) is tuple else (result, None)
                found.append(self._violation(rule.name, message, key, value, severity))

    def _read_only(self, key: str, facts: ColumnFacts, value: Any) -> Violation:
        return self._violation("read-only-column", f"{facts.name} is not valid for {self.operation}; "
                                                   "the server ignores the value", key, value)

    def _lookup_violations(self, key: str, kind: int, facts: ColumnFacts, value: Any) -> Iterator[Violation]:
        for message in check_invalid_lookup(facts, value):
            yield self._violation("invalid-lookup", message, key, value)
            return
        if kind != _BIND_KEY:
            return
        match = _BIND.match(value)
        if match is None:
            yield self._violation("invalid-lookup", f"{value!r} is not /entityset(guid); a bind needs a table "
                                                    "and an id", key, value)
            return
        known = self._target_sets(key)
        if known is not None and match.group("set") not in known:
            yield self._violation("invalid-lookup", f"entity set {match.group('set')!r} is not a target of "
                                                    f"{facts.name}; allowed: {', '.join(sorted(known))}", key, value)

    def _unknown(self, key: str, value: Any) -> Violation:
        message = self._unknown_messages.get(key)
        if message is None:
            if self._by_display_name is None:
                self._by_display_name = display_name_index(self.table)
            by_display = self._by_display_name.get(" ".join(key.split()).casefold(), [])
            if by_display:
                hint = (f"; it is the display name of {' and '.join(by_display)}: use "
                        f"{'the' if len(by_display) == 1 else 'a'} logical name")
            else:
                names = list(self.facts) + [f"{name}@odata.bind" for name in self.bind_names]
                close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]}?" if close else ""
            message = f"{key} is not a column of {self.table.logical_name}{hint}"
            if len(self._unknown_messages) < 10_000:
                self._unknown_messages[key] = message
        return self._violation("unknown-column", message, key, value)

    def required_missing(self, record: dict) -> Iterator[Violation]:
        """Yield required-missing findings for the validator's operation (lookups count by any of their keys)."""
        if self.operation == "update":
            for facts in self._required:
                if facts.name in record and record[facts.name] is None:
                    yield self._violation("required-missing", f"{facts.name} is {facts.column.required_level} "
                                                              "and may not be set to null", facts.name, None,
                                          self.required_severities.get(facts.column.required_level, "error"))
            return
        yield from self._missing(record, self._unmet_required(record))

    def _missing(self, record: dict, unmet: list[ColumnFacts]) -> Iterator[Violation]:
        for facts in unmet:
            level = facts.column.required_level
            state = "null" if facts.name in record else "missing"
            yield self._violation("required-missing", f"{facts.name} is {level} but {state} ({self.operation})",
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
            kind, facts = self._classify(key)
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
