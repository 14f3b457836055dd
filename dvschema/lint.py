"""Metadata lint: what a table reference page says that cannot be right (``dvschema docs --lint``).

Each rule is a small function that yields ``(message, line)`` for one parsed page; the engine
(:func:`lint_page`) adds the code, the name, the severity and the path. Lines come from the
parser's :class:`~dvschema.parsers.builder.PageLocations`. :data:`LINT_RULES` is the registry;
``dvschema rules`` lists it beside the validation rules and drift change kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from dvschema.metaschema.dump import LOOKUP_TYPES
from dvschema.metaschema.model import Column, Option, Table
from dvschema.parsers.builder import PageLocations

Finding = tuple[str, "int | None"]

#: The most characters a text column can hold: nvarchar(max) holds 2**30 - 1 characters, the MaxLength
#: real pages state for the largest system columns (pluginassembly.content, slaitem.applicablewhenxml).
MAX_LENGTH_LIMITS = {"String": 1073741823, "Memo": 1073741823}
#: columns that refer to records of other tables: the lookups, and PartyList (activity parties)
REFERENCE_TYPES = LOOKUP_TYPES | {"PartyList"}


@dataclass(frozen=True)
class LintRule:
    """One lint rule: a stable code, a name, a default severity and its check."""

    code: str
    name: str
    severity: str
    summary: str
    check: Callable[[Table, PageLocations], Iterator[Finding]]

    @property
    def documentation(self) -> str:
        """The check's docstring: what, why and an example."""
        return " ".join((self.check.__doc__ or "").split())


@dataclass(frozen=True)
class LintFinding:
    """A lint finding, located at its page line."""

    code: str
    rule: str
    severity: str
    path: str
    line: int | None
    message: str

    def render(self) -> str:
        """``path:line: CODE rule-name message``, as validation findings print."""
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.code} {self.rule} {self.message}"


def _columns(table: Table, locations: PageLocations) -> Iterator[tuple[Column, int | None, dict[str, int],
                                                                       tuple[int, ...]]]:
    for index, column in enumerate(table.columns):
        if index < len(locations.columns):
            line, properties, options = locations.columns[index]
            yield column, line, properties, options
        else:
            yield column, None, {}, ()


def _option_line(lines: tuple[int, ...], index: int) -> int | None:
    return lines[index] if index < len(lines) else None


def min_above_max(table: Table, locations: PageLocations) -> Iterator[Finding]:
    """MinValue above MaxValue: no value can be valid. Example: ``|MinValue|10|`` with ``|MaxValue|1|``."""
    for column, line, properties, _ in _columns(table, locations):
        if column.min_value is not None and column.max_value is not None and column.min_value > column.max_value:
            yield (f"{column.logical_name}: MinValue {column.min_value} is above MaxValue {column.max_value}",
                   properties.get("MinValue", line))


def max_length_beyond_type(table: Table, locations: PageLocations) -> Iterator[Finding]:
    """MaxLength beyond what the type can hold: a String or Memo column is stored as nvarchar(max), at most
    1,073,741,823 characters (the value real pages give their largest system columns). Example:
    ``|Type|Memo|`` with ``|MaxLength|2147483647|``."""
    for column, line, properties, _ in _columns(table, locations):
        limit = MAX_LENGTH_LIMITS.get(column.type or "")
        if limit is not None and column.max_length is not None and column.max_length > limit:
            yield (f"{column.logical_name}: MaxLength {column.max_length} is beyond the {column.type} limit "
                   f"{limit}", properties.get("MaxLength", line))


def _option_values(table: Table, column_type: str) -> set[int]:
    return {option.value for column in table.columns if column.type == column_type for option in column.options}


def _unknown_references(table: Table, locations: PageLocations, column_type: str, field: str, target_type: str
                        ) -> Iterator[tuple[Column, Option, set[int], int | None]]:
    """Options of ``column_type`` columns whose ``field`` names no option of the ``target_type`` column."""
    allowed = _option_values(table, target_type)
    if not allowed:
        return
    for column, line, _, option_lines in _columns(table, locations):
        if column.type != column_type:
            continue
        for index, option in enumerate(column.options):
            value = getattr(option, field)
            if value is not None and value not in allowed:
                yield column, option, allowed, _option_line(option_lines, index) or line


def status_state_unknown(table: Table, locations: PageLocations) -> Iterator[Finding]:
    """A status option whose State is no option of the state column: records with it can never be saved.
    Example: ``|3|Cancelled|2|`` when the state column has only 0 and 1."""
    for column, option, states, line in _unknown_references(table, locations, "Status", "state", "State"):
        yield (f"{column.logical_name}: status option {option.value} belongs to state {option.state}, "
               f"which is no state option ({', '.join(map(str, sorted(states)))})", line)


def duplicate_option_value(table: Table, locations: PageLocations) -> Iterator[Finding]:
    """Two options of one column with the same value: a stored value would have two meanings.
    Example: ``|1|Active|`` and ``|1|Open|`` in one options table."""
    for column, line, _, option_lines in _columns(table, locations):
        seen: dict[int, str | None] = {}
        for index, option in enumerate(column.options):
            if option.value in seen:
                yield (f"{column.logical_name}: option value {option.value} ({option.label}) is already "
                       f"used by {seen[option.value]}", _option_line(option_lines, index) or line)
            else:
                seen[option.value] = option.label


def default_status_unknown(table: Table, locations: PageLocations) -> Iterator[Finding]:
    """A state's DefaultStatus that is no status option: setting that state could not pick a status.
    Example: ``|0|Active|9|`` when the status column has only 1 and 2."""
    for column, option, _, line in _unknown_references(table, locations, "State", "default_status", "Status"):
        yield (f"{column.logical_name}: state {option.value} has DefaultStatus {option.default_status}, "
               "which is no status option", line)


def lookup_without_targets(table: Table, locations: PageLocations) -> Iterator[Finding]:
    """A lookup (Lookup, Customer, Owner, PartyList) with no Targets: nothing it may refer to is known.
    Example: ``|Type|Lookup|`` and no ``|Targets|...|`` row. Customized columns of extension pages are
    left out: they state only what they change."""
    for column, line, properties, _ in _columns(table, locations):
        if column.type in REFERENCE_TYPES and not column.targets and column.changes_from is None:
            yield f"{column.logical_name}: a {column.type} column without Targets", properties.get("Type", line)


def writable_and_read_only(table: Table, locations: PageLocations) -> Iterator[Finding]:
    """A column listed both under the writable and the read-only columns: which it is cannot be known.
    Example: ``### Name`` in ``## Writable attributes`` and again in ``## Read-only attributes``."""
    first: dict[str, bool] = {}
    for column, line, _, _ in _columns(table, locations):
        writable = first.get(column.logical_name)
        if writable is not None and writable != column.writable:
            yield (f"{column.logical_name}: listed both as a writable and as a read-only column", line)
        first.setdefault(column.logical_name, column.writable)


def primary_attribute_missing(table: Table, locations: PageLocations) -> Iterator[Finding]:
    """A PrimaryIdAttribute or PrimaryNameAttribute that is no column of the page. Pages without any
    column (extension pages) are left out. Example: ``|PrimaryNameAttribute|title|`` with no ``title`` column."""
    if not table.columns:
        return
    names = {column.logical_name for column in table.columns}
    for key, value in (("PrimaryIdAttribute", table.primary_id_attribute),
                       ("PrimaryNameAttribute", table.primary_name_attribute)):
        if value and value not in names:
            yield f"{key} {value} is no column of the table", locations.table_properties.get(key)


#: Every lint rule, in code order.
LINT_RULES: tuple[LintRule, ...] = (
    LintRule("DL101", "min-above-max", "error", "MinValue above MaxValue", min_above_max),
    LintRule("DL102", "max-length-beyond-type", "error", "MaxLength beyond the type's limit", max_length_beyond_type),
    LintRule("DL103", "status-state-unknown", "error", "a status option whose State is no state option",
             status_state_unknown),
    LintRule("DL104", "duplicate-option-value", "error", "two options with one value", duplicate_option_value),
    LintRule("DL105", "default-status-unknown", "error", "a default status that is no status option",
             default_status_unknown),
    LintRule("DL106", "lookup-without-targets", "error", "a lookup with no targets", lookup_without_targets),
    LintRule("DL107", "writable-and-read-only", "error", "a column in both the writable and the read-only section",
             writable_and_read_only),
    LintRule("DL108", "primary-attribute-missing", "error", "a primary id or primary name attribute that is no column",
             primary_attribute_missing),
)


def lint_page(table: Table, locations: PageLocations, path: str) -> list[LintFinding]:
    """Run every lint rule on one parsed page; findings in line order."""
    findings = [LintFinding(rule.code, rule.name, rule.severity, path, line, message)
                for rule in LINT_RULES for message, line in rule.check(table, locations)]
    return sorted(findings, key=lambda finding: (finding.line or 0, finding.code))
