"""Stage two of drift: named change kinds, each with a stable code, severity and reason.

A kind *claims* structural differences through a small predicate. :data:`CHANGE_KINDS` is
the explicit registry, tried in order; the first kind whose predicate holds names the
change. Catch-all kinds close each scope, so every difference is claimed; a test checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Literal

from dvschema.drift.structural import Difference

Severity = Literal["breaking", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "breaking": 2}
REQUIRED_RANK = {None: 0, "None": 0, "Recommended": 1, "ApplicationRequired": 2, "SystemRequired": 3}


@dataclass(frozen=True)
class ChangeKind:
    """A named kind of change: stable code, kebab-case name, default severity, reason, message template."""

    code: str
    name: str
    severity: Severity
    reason: str
    template: str
    claims: Callable[[Difference], bool]


def _scope(d: Difference) -> str:
    """Return what the difference is about: table, table-field, column, column-field, option, ..."""
    path = d.path
    if not path:
        return "table"
    if path[0] == "columns":
        if len(path) == 2:
            return "column"
        if path[2] == "options":
            return "option" if len(path) == 4 else "option-field"
        if path[2] == "targets":
            return "target"
        return "column-field"
    if path[0] == "relationships":
        if len(path) == 2:
            return "relationship"
        # A whole cascade table appearing (an older page did not state it) is a relationship field change.
        return "cascade" if path[2] == "cascade" and len(path) > 3 else "relationship-field"
    if path[0] == "messages":
        return "message" if len(path) == 2 else "message-field"
    return "table-field"


def _field(d: Difference) -> Any:
    scope = _scope(d)
    if scope in ("column-field", "relationship-field", "message-field"):
        return d.path[2]
    if scope == "option-field":
        return d.path[4]
    if scope == "table-field":
        return d.path[0]
    return None


def _is(scope: str, op: str | None = None) -> Callable[[Difference], bool]:
    return lambda d: _scope(d) == scope and (op is None or d.op == op)


def _field_is(scope: str, *fields: str) -> Callable[[Difference], bool]:
    return lambda d: _scope(d) == scope and _field(d) in fields


def _stated(predicate: Callable[[Difference], bool]) -> Callable[[Difference], bool]:
    """Claim only changes between two stated values: a value an older page generation did not state
    (None) is newly documented, not changed, and falls to the scope's catch-all kind."""
    return lambda d: predicate(d) and d.old is not None and d.new is not None


def _both(predicate: Callable[[Difference], bool], direction: Callable[[Any, Any], bool]
          ) -> Callable[[Difference], bool]:
    return lambda d: predicate(d) and d.op == "changed" and direction(d.old, d.new)


def _less(old: Any, new: Any) -> bool:
    return old is None or (new is not None and new < old)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _range_narrowed(d: Difference) -> bool:
    old, new = _number(d.old), _number(d.new)
    if _field(d) == "min_value":
        return new is not None and (old is None or new > old)
    return new is not None and (old is None or new < old)


def _required_column_added(d: Difference) -> bool:
    column = d.new or {}
    return (_scope(d) == "column" and d.op == "added"
            and REQUIRED_RANK.get(column.get("required_level"), 0) >= REQUIRED_RANK["ApplicationRequired"]
            and column.get("is_valid_for_create") is True)


def _became_read_only(d: Difference) -> bool:
    return (_field_is("column-field", "is_valid_for_create", "is_valid_for_update", "writable")(d)
            and d.old is True and d.new is not True)


def _became_writable(d: Difference) -> bool:
    return (_field_is("column-field", "is_valid_for_create", "is_valid_for_update", "writable")(d)
            and d.old is not True and d.new is True)


def _required_raised(d: Difference) -> bool:
    return (_field_is("column-field", "required_level")(d)
            and REQUIRED_RANK.get(d.new, 0) > REQUIRED_RANK.get(d.old, 0))


#: The registry, in claiming order.
CHANGE_KINDS: tuple[ChangeKind, ...] = (
    ChangeKind("DD101", "table-removed", "breaking", "Code and data that use the table fail.",
               "table {table} was removed", _is("table", "removed")),
    ChangeKind("DD102", "table-added", "info", "Nothing that exists depends on a new table.",
               "table {table} was added", _is("table", "added")),
    ChangeKind("DD103", "primary-key-changed", "breaking", "Records are addressed by their primary key.",
               "primary id attribute changed from {old} to {new}", _stated(_field_is("table-field", "primary_id_attribute"))),
    ChangeKind("DD104", "primary-name-changed", "breaking", "Lookups and views show the primary name column.",
               "primary name attribute changed from {old} to {new}",
               _stated(_field_is("table-field", "primary_name_attribute"))),
    ChangeKind("DD105", "ownership-type-changed", "breaking", "Ownership decides owner columns and security.",
               "ownership type changed from {old} to {new}", _stated(_field_is("table-field", "ownership_type"))),
    ChangeKind("DD106", "table-type-changed", "breaking", "Standard, Elastic and Virtual tables support "
               "different operations.", "table type changed from {old} to {new}",
               _stated(_field_is("table-field", "table_type"))),
    ChangeKind("DD107", "entity-set-name-changed", "breaking", "Web API URLs use the entity set name.",
               "entity set name changed from {old} to {new}", _stated(_field_is("table-field", "entity_set_name"))),
    ChangeKind("DD108", "table-display-name-changed", "info", "Display names are labels only.",
               "{field} changed from {old} to {new}",
               _field_is("table-field", "display_name", "display_collection_name")),
    ChangeKind("DD109", "table-description-changed", "info", "Descriptions are documentation only.",
               "description changed", _field_is("table-field", "description")),
    ChangeKind("DD110", "table-property-changed", "info", "Other table properties do not change how records "
               "are written.", "{field} changed from {old} to {new}", _is("table-field")),
    ChangeKind("DD201", "column-removed", "breaking", "Writers and readers of the column fail.",
               "column {column} was removed", _is("column", "removed")),
    ChangeKind("DD202", "required-column-added", "breaking", "Writers must now send a value for the new column.",
               "required column {column} was added", _required_column_added),
    ChangeKind("DD203", "column-added", "info", "Nothing that exists depends on a new optional column.",
               "column {column} was added", _is("column", "added")),
    ChangeKind("DD204", "type-changed", "breaking", "Values of the old type may no longer be accepted.",
               "{column}: type changed from {old} to {new}", _stated(_field_is("column-field", "type"))),
    ChangeKind("DD205", "max-length-decreased", "breaking", "Values that fit before may now be too long.",
               "{column}: MaxLength decreased from {old} to {new}",
               _both(_field_is("column-field", "max_length"), _less)),
    ChangeKind("DD206", "max-length-increased", "info", "Every value that fit before still fits.",
               "{column}: MaxLength increased from {old} to {new}", _field_is("column-field", "max_length")),
    ChangeKind("DD207", "range-narrowed", "breaking", "Values inside the old range may now be rejected.",
               "{column}: {field} changed from {old} to {new}, narrowing the range",
               lambda d: _field_is("column-field", "min_value", "max_value")(d) and _range_narrowed(d)),
    ChangeKind("DD208", "range-widened", "info", "Every value inside the old range is still accepted.",
               "{column}: {field} changed from {old} to {new}, widening the range",
               _field_is("column-field", "min_value", "max_value")),
    ChangeKind("DD209", "precision-decreased", "breaking", "Values with more decimal places are rounded or "
               "rejected.", "{column}: precision decreased from {old} to {new}",
               _both(_field_is("column-field", "precision"), _less)),
    ChangeKind("DD210", "precision-increased", "info", "Every value that fit before still fits.",
               "{column}: precision increased from {old} to {new}", _field_is("column-field", "precision")),
    ChangeKind("DD211", "required-level-raised", "breaking", "Writers that leave the column empty now fail.",
               "{column}: required level raised from {old} to {new}", _required_raised),
    ChangeKind("DD212", "required-level-lowered", "info", "Every record that was valid stays valid.",
               "{column}: required level lowered from {old} to {new}", _field_is("column-field", "required_level")),
    ChangeKind("DD213", "became-read-only", "breaking", "Writes to the column are now ignored or refused.",
               "{column}: {field} changed from {old} to {new}", _became_read_only),
    ChangeKind("DD214", "became-writable", "info", "Writers gain a column; nothing breaks.",
               "{column}: {field} changed from {old} to {new}", _became_writable),
    ChangeKind("DD215", "date-time-behavior-changed", "breaking", "Stored values are interpreted in another "
               "time zone.", "{column}: DateTimeBehavior changed from {old} to {new}",
               _stated(_field_is("column-field", "date_time_behavior"))),
    ChangeKind("DD216", "format-changed", "warning", "Clients may render or validate the value differently.",
               "{column}: {field} changed from {old} to {new}", _stated(_field_is("column-field", "format", "format_name"))),
    ChangeKind("DD217", "targets-removed", "breaking", "Lookups to the removed table fail.",
               "{column}: lookup target {item} was removed", _is("target", "removed")),
    ChangeKind("DD218", "targets-added", "info", "Existing lookups stay valid.",
               "{column}: lookup target {item} was added", _is("target", "added")),
    ChangeKind("DD219", "column-display-name-changed", "info", "Display names are labels only.",
               "{column}: display name changed from {old} to {new}", _field_is("column-field", "display_name")),
    ChangeKind("DD220", "column-description-changed", "info", "Descriptions are documentation only.",
               "{column}: description changed", _field_is("column-field", "description")),
    ChangeKind("DD221", "column-property-changed", "info", "Other column properties do not change which values "
               "are accepted.", "{column}: {field} changed from {old} to {new}", _is("column-field")),
    ChangeKind("DD301", "option-removed", "breaking", "Records holding the value, and writers sending it, fail.",
               "{column}: option {item} was removed", _is("option", "removed")),
    ChangeKind("DD302", "option-added", "info", "Every value that was valid stays valid.",
               "{column}: option {item} was added", _is("option", "added")),
    ChangeKind("DD303", "option-label-changed", "warning", "Code that matches labels, and readers, see another "
               "text.", "{column}: label of option {item} changed from {old} to {new}",
               _field_is("option-field", "label")),
    ChangeKind("DD304", "status-state-changed", "breaking", "The status now pairs with another state; "
               "state/status updates that were valid fail.",
               "{column}: status {item} moved from state {old} to state {new}", _field_is("option-field", "state")),
    ChangeKind("DD305", "default-status-changed", "warning", "Records set to this state get another status.",
               "{column}: default status of state {item} changed from {old} to {new}",
               _field_is("option-field", "default_status")),
    ChangeKind("DD306", "option-property-changed", "info", "Invariant names, transition data and option "
               "descriptions do not change which values are accepted.",
               "{column}: {field} of option {item} changed from {old} to {new}", _is("option-field")),
    ChangeKind("DD401", "relationship-removed", "breaking", "Navigation properties and cascades of the "
               "relationship are gone.", "relationship {item} was removed", _is("relationship", "removed")),
    ChangeKind("DD402", "relationship-added", "info", "Nothing that exists depends on a new relationship.",
               "relationship {item} was added", _is("relationship", "added")),
    ChangeKind("DD403", "cascade-changed", "warning", "Assign, delete or share now affect related records "
               "differently.", "relationship {item}: cascade {field} changed from {old} to {new}", _is("cascade")),
    ChangeKind("DD404", "relationship-changed", "info", "Other relationship properties are documentation or "
               "menu settings.", "relationship {item}: {field} changed from {old} to {new}",
               _is("relationship-field")),
    ChangeKind("DD501", "message-removed", "breaking", "Calls to the message fail.",
               "message {item} was removed", _is("message", "removed")),
    ChangeKind("DD502", "message-added", "info", "Nothing that exists depends on a new message.",
               "message {item} was added", _is("message", "added")),
    ChangeKind("DD503", "message-changed", "info", "Whether a message is an event matters to plug-in "
               "registrations only.", "message {item}: {field} changed from {old} to {new}", _is("message-field")),
)

KINDS_BY_NAME = {kind.name: kind for kind in CHANGE_KINDS}
KINDS_BY_CODE = {kind.code: kind for kind in CHANGE_KINDS}


def claiming_kind(difference: Difference) -> ChangeKind | None:
    """Return the first registered kind that claims the difference, or None."""
    for kind in CHANGE_KINDS:
        if kind.claims(difference):
            return kind
    return None


def describe(difference: Difference) -> dict[str, Any]:
    """Return the names a message template can use: table, column, item, field, old, new."""
    path = difference.path
    scope = _scope(difference)
    column = str(path[1]) if path and path[0] == "columns" else None
    item: Any = None
    if scope in ("option", "option-field", "target"):
        item = path[3]
    elif scope in ("relationship", "relationship-field", "cascade", "message", "message-field"):
        item = path[1]
    field = _field(difference)
    if scope == "cascade":
        field = path[3]
    elif isinstance(field, str) and field == "extra" and len(path) > 3:
        field = f"extra.{path[3]}"
    elif scope == "table-field" and field in ("extra", "front_matter") and len(path) > 1:
        field = f"{field}.{path[1]}"  # a table's own property row names its key, as a column's does
    is_whole = scope in ("table", "column", "option", "target", "relationship", "message")
    return {"table": difference.table, "column": column, "item": item, "field": field,
            "old": None if is_whole else difference.old, "new": None if is_whole else difference.new}
