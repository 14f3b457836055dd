"""Stage two of drift: named change kinds, each with a stable code, severity and reason.

A kind *claims* structural differences through a small predicate. :data:`CHANGE_KINDS` is
the explicit registry. The predicates are mutually exclusive: a difference one page merely does
not state is ``newly-documented``/``no-longer-documented`` and nothing else; a catch-all kind
closes each scope with the fields no other kind of the scope names. So every difference is
claimed by exactly one kind; a property-based test checks it on random pairs of tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Literal

from dvschema.drift.structural import IMPLICIT_MESSAGES, MESSAGES_LISTED_ONLY_BY, Difference

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
    size = len(path)
    if path[0] == "columns" and size >= 2:
        if size == 2:
            return "column"
        if path[2] == "options" and size >= 4:
            return "option" if size == 4 else "option-field"
        if path[2] == "targets" and size >= 4:
            return "target"
        return "column-field"
    if path[0] == "relationships" and size >= 2:
        if size == 2:
            return "relationship"
        return "cascade" if path[2] == "cascade" and size > 3 else "relationship-field"
    if path[0] == "messages" and size >= 2:
        return "message" if size == 2 else "message-field"
    return "table-field"


#: Where the field's name sits in the path of each scope.
_FIELD_INDEX = {"table-field": 0, "column-field": 2, "relationship-field": 2, "message-field": 2,
                "option-field": 4, "cascade": 3}


def _field(d: Difference) -> Any:
    index = _FIELD_INDEX.get(_scope(d))
    return None if index is None else d.path[index]


def _is(scope: str, op: str | None = None) -> Callable[[Difference], bool]:
    return lambda d: not d.documentation_only and _scope(d) == scope and (op is None or d.op == op)


def _field_is(scope: str, *fields: str) -> Callable[[Difference], bool]:
    return lambda d: not d.documentation_only and _scope(d) == scope and _field(d) in fields


def _other(scope: str, *named: str) -> Callable[[Difference], bool]:
    """The scope's catch-all: a field no other kind of the scope names."""
    return lambda d: not d.documentation_only and _scope(d) == scope and _field(d) not in named


def _both(predicate: Callable[[Difference], bool], direction: Callable[[Any, Any], bool]
          ) -> Callable[[Difference], bool]:
    return lambda d: predicate(d) and d.op == "changed" and direction(d.old, d.new)


def _less(old: Any, new: Any) -> bool:
    return old is None or (new is not None and new < old)


def _not_less(old: Any, new: Any) -> bool:
    return not _less(old, new)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _range_narrowed(d: Difference) -> bool:
    old, new = _number(d.old), _number(d.new)
    if _field(d) == "min_value":
        return new is not None and (old is None or new > old)
    return new is not None and (old is None or new < old)


def _required_column_added(d: Difference) -> bool:
    column = d.new or {}
    # Valid for create as Column.accepts_value_on reads it: the stated value, else the section.
    return (_is("column", "added")(d)
            and REQUIRED_RANK.get(column.get("required_level"), 0) >= REQUIRED_RANK["ApplicationRequired"]
            and column.get("is_valid_for_create", column.get("writable", False)) is True)


VALIDITY_FIELDS = ("is_valid_for_create", "is_valid_for_update", "writable")


def _became_read_only(d: Difference) -> bool:
    return _field_is("column-field", *VALIDITY_FIELDS)(d) and d.old is True and d.new is not True


def _became_writable(d: Difference) -> bool:
    return _field_is("column-field", *VALIDITY_FIELDS)(d) and not _became_read_only(d)


def _required_raised(d: Difference) -> bool:
    return (_field_is("column-field", "required_level")(d)
            and REQUIRED_RANK.get(d.new, 0) > REQUIRED_RANK.get(d.old, 0))


def _documented(op: str) -> Callable[[Difference], bool]:
    return lambda d: d.documentation_only and d.op == op


#: Fields that kinds of their own name; the scope's catch-all claims the others.
NAMED_TABLE_FIELDS = ("primary_id_attribute", "primary_name_attribute", "ownership_type", "table_type",
                      "entity_set_name", "display_name", "display_collection_name", "description")
NAMED_COLUMN_FIELDS = ("type", "max_length", "min_value", "max_value", "precision", "required_level",
                       *VALIDITY_FIELDS, "date_time_behavior", "format", "format_name", "display_name",
                       "description")
NAMED_OPTION_FIELDS = ("label", "state", "default_status")


#: The registry. Claims are mutually exclusive: exactly one kind claims each difference (a test checks it).
CHANGE_KINDS: tuple[ChangeKind, ...] = (
    ChangeKind("DD001", "newly-documented", "info", "The older page did not state this (its page generation "
               "has no row or entry for it); the newer one does. Nothing changed for records or solutions.",
               "{subject} is newly documented{stated}", _documented("added")),
    ChangeKind("DD002", "no-longer-documented", "info", "The newer page does not state what the older one did "
               "(its page generation leaves it out); nothing changed for records or solutions.",
               "{subject} is no longer documented{stated}", _documented("removed")),
    ChangeKind("DD101", "table-removed", "breaking", "Code and data that use the table fail.",
               "table {table} was removed", _is("table", "removed")),
    ChangeKind("DD102", "table-added", "info", "Nothing that exists depends on a new table.",
               "table {table} was added", _is("table", "added")),
    ChangeKind("DD103", "primary-key-changed", "breaking", "Records are addressed by their primary key.",
               "primary id attribute changed from {old} to {new}", _field_is("table-field", "primary_id_attribute")),
    ChangeKind("DD104", "primary-name-changed", "breaking", "Lookups and views show the primary name column.",
               "primary name attribute changed from {old} to {new}",
               _field_is("table-field", "primary_name_attribute")),
    ChangeKind("DD105", "ownership-type-changed", "breaking", "Ownership decides owner columns and security.",
               "ownership type changed from {old} to {new}", _field_is("table-field", "ownership_type")),
    ChangeKind("DD106", "table-type-changed", "breaking", "Standard, Elastic and Virtual tables support "
               "different operations.", "table type changed from {old} to {new}",
               _field_is("table-field", "table_type")),
    ChangeKind("DD107", "entity-set-name-changed", "breaking", "Web API URLs use the entity set name.",
               "entity set name changed from {old} to {new}", _field_is("table-field", "entity_set_name")),
    ChangeKind("DD108", "table-display-name-changed", "info", "Display names are labels only.",
               "{field} changed from {old} to {new}",
               _field_is("table-field", "display_name", "display_collection_name")),
    ChangeKind("DD109", "table-description-changed", "info", "Descriptions are documentation only.",
               "description changed", _field_is("table-field", "description")),
    ChangeKind("DD110", "table-property-changed", "info", "Other table properties do not change how records "
               "are written.", "{field} changed from {old} to {new}", _other("table-field", *NAMED_TABLE_FIELDS)),
    ChangeKind("DD201", "column-removed", "breaking", "Writers and readers of the column fail.",
               "column {column} was removed", _is("column", "removed")),
    ChangeKind("DD202", "required-column-added", "breaking", "Writers must now send a value for the new column.",
               "required column {column} was added", _required_column_added),
    ChangeKind("DD203", "column-added", "info", "Nothing that exists depends on a new optional column.",
               "column {column} was added",
               lambda d: _is("column", "added")(d) and not _required_column_added(d)),
    ChangeKind("DD204", "type-changed", "breaking", "Values of the old type may no longer be accepted.",
               "{column}: type changed from {old} to {new}", _field_is("column-field", "type")),
    ChangeKind("DD205", "max-length-decreased", "breaking", "Values that fit before may now be too long.",
               "{column}: MaxLength decreased from {old} to {new}",
               _both(_field_is("column-field", "max_length"), _less)),
    ChangeKind("DD206", "max-length-increased", "info", "Every value that fit before still fits.",
               "{column}: MaxLength increased from {old} to {new}",
               _both(_field_is("column-field", "max_length"), _not_less)),
    ChangeKind("DD207", "range-narrowed", "breaking", "Values inside the old range may now be rejected.",
               "{column}: {field} changed from {old} to {new}, narrowing the range",
               lambda d: _field_is("column-field", "min_value", "max_value")(d) and _range_narrowed(d)),
    ChangeKind("DD208", "range-widened", "info", "Every value inside the old range is still accepted.",
               "{column}: {field} changed from {old} to {new}, widening the range",
               lambda d: _field_is("column-field", "min_value", "max_value")(d) and not _range_narrowed(d)),
    ChangeKind("DD209", "precision-decreased", "breaking", "Values with more decimal places are rounded or "
               "rejected.", "{column}: precision decreased from {old} to {new}",
               _both(_field_is("column-field", "precision"), _less)),
    ChangeKind("DD210", "precision-increased", "info", "Every value that fit before still fits.",
               "{column}: precision increased from {old} to {new}",
               _both(_field_is("column-field", "precision"), _not_less)),
    ChangeKind("DD211", "required-level-raised", "breaking", "Writers that leave the column empty now fail.",
               "{column}: required level raised from {old} to {new}", _required_raised),
    ChangeKind("DD212", "required-level-lowered", "info", "Every record that was valid stays valid.",
               "{column}: required level lowered from {old} to {new}",
               lambda d: _field_is("column-field", "required_level")(d) and not _required_raised(d)),
    ChangeKind("DD213", "became-read-only", "breaking", "Writes to the column are now ignored or refused.",
               "{column}: {field} changed from {old} to {new}", _became_read_only),
    ChangeKind("DD214", "became-writable", "info", "Writers gain a column; nothing breaks.",
               "{column}: {field} changed from {old} to {new}", _became_writable),
    ChangeKind("DD215", "date-time-behavior-changed", "breaking", "Stored values are interpreted in another "
               "time zone.", "{column}: DateTimeBehavior changed from {old} to {new}",
               _field_is("column-field", "date_time_behavior")),
    ChangeKind("DD216", "format-changed", "warning", "Clients may render or validate the value differently.",
               "{column}: {field} changed from {old} to {new}", _field_is("column-field", "format", "format_name")),
    ChangeKind("DD217", "targets-removed", "breaking", "Lookups to the removed table fail.",
               "{column}: lookup target {item} was removed", _is("target", "removed")),
    ChangeKind("DD218", "targets-added", "info", "Existing lookups stay valid.",
               "{column}: lookup target {item} was added", _is("target", "added")),
    ChangeKind("DD219", "column-display-name-changed", "info", "Display names are labels only.",
               "{column}: display name changed from {old} to {new}", _field_is("column-field", "display_name")),
    ChangeKind("DD220", "column-description-changed", "info", "Descriptions are documentation only.",
               "{column}: description changed", _field_is("column-field", "description")),
    ChangeKind("DD221", "column-property-changed", "info", "Other column properties do not change which values "
               "are accepted.", "{column}: {field} changed from {old} to {new}",
               _other("column-field", *NAMED_COLUMN_FIELDS)),
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
               "{column}: {field} of option {item} changed from {old} to {new}",
               _other("option-field", *NAMED_OPTION_FIELDS)),
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

#: What the drift diff compares, for the generated rules documentation.
COMPARISON_NOTES = """\
The diff compares only what both pages state. A value, a property row, a cascade entry, a whole options or
targets list one page generation states and the other does not is `newly-documented` / `no-longer-documented`,
never a change of it; so are the name columns Dataverse derives from a lookup (`createdbyname`,
`createdbyyominame`), which the newest pages omit, while their lookup is on both sides, and `Associate` /
`Disassociate`, which the newest pages list for every table, and the relationships (columns, messages) of a
page that lists none at all: some page generations have no relationship sections. `Upsert` and `UpsertMultiple`
are listed by the newest generated pages only, and there only for the tables that support them (not
activityparty, for one): between pages of two generations (`source.format`; plain text is of either) they are
newly / no longer documented; between two pages of one generation they were added or removed.

Presentation is normalised before comparing: the sentence that introduces a relationship (the related table it
names is kept), runs of whitespace, Boolean default spellings (`False` is `0`, `True` is `1`), the label after a
`PrecisionSource` number (`2 (TransactionCurrency.CurrencyPrecision)` is `2`); markup, link targets,
front matter, notes and titles are not part of the model's compared content. A message an older page lists as
"to be executed only by Dataverse" is an event, as newer pages' Events section says.\
"""

KINDS_BY_NAME = {kind.name: kind for kind in CHANGE_KINDS}
KINDS_BY_CODE = {kind.code: kind for kind in CHANGE_KINDS}


def claiming_kind(difference: Difference) -> ChangeKind | None:
    """Return the kind that claims the difference (the first, should two ever claim it), or None."""
    for kind in CHANGE_KINDS:
        if kind.claims(difference):
            return kind
    return None


def shown_in_message(value: Any) -> str:
    """A value as a change message shows it: text as it is, nothing as ``(none)``, booleans as
    ``true``/``false``, lists and tables as JSON (never Python's ``{'a': 1}`` or ``None``)."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str) if value else "(none)"
    return str(value)


def _subject(difference: Difference, scope: str, column: str | None, item: Any, field: Any) -> str:
    """Name what the difference is about, for documentation messages: ``column x``, ``x: format``, ..."""
    if scope == "table-field":
        return str(field)
    if scope in ("column", "relationship", "message"):
        name = column if scope == "column" else item
        whole = difference.new if difference.op == "added" else difference.old
        lookup = whole.get("derived_from") if isinstance(whole, dict) else None
        why = ""
        if difference.documentation_only:
            if lookup:
                why = f" (the name of lookup {lookup}, derived from it)"
            elif scope == "message" and item in IMPLICIT_MESSAGES:
                why = " (newer pages list it for every table)"
            elif scope == "message" and item in MESSAGES_LISTED_ONLY_BY:
                generations = ", ".join(sorted(MESSAGES_LISTED_ONLY_BY[item]))
                why = f" (only {generations} pages list it; the other page's generation never does)"
            else:
                why = f" (one of the pages lists no {scope}s)"
        return f"{scope} {name}{why}"
    if scope == "column-field":
        return f"{column}: {field}"
    if scope in ("option", "target"):
        return f"{column}: {'option' if scope == 'option' else 'lookup target'} {item}"
    if scope == "option-field":
        return f"{column}: {field} of option {item}"
    return f"{'relationship' if scope != 'message-field' else 'message'} {item}: {field}"


def describe(difference: Difference) -> dict[str, Any]:
    """Return the names a message template can use: table, column, item, field, old, new, subject, stated."""
    path = difference.path
    scope = _scope(difference)
    column = str(path[1]) if scope not in ("table", "table-field") and path[0] == "columns" else None
    item: Any = None
    if scope in ("option", "option-field", "target"):
        item = path[3]
    elif scope in ("relationship", "relationship-field", "cascade", "message", "message-field"):
        item = path[1]
    index = _FIELD_INDEX.get(scope)
    # A field inside a dict field (extra, cascade, associated menu) is named by its whole path: extra.ImeMode.
    field = None if index is None else ".".join(str(part) for part in path[index:])
    is_whole = scope in ("table", "column", "option", "target", "relationship", "message")
    old = None if is_whole else difference.old
    new = None if is_whole else difference.new
    value = new if difference.op == "added" else old
    stated = "" if is_whole or value is None else f" ({shown_in_message(value)})"
    return {"table": difference.table, "column": column, "item": item, "field": field, "old": old, "new": new,
            "subject": _subject(difference, scope, column, item, field), "stated": stated}
