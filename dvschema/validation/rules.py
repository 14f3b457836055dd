"""The validation rules: small functions that yield what is wrong; the engine adds code and place.

A *value rule* looks at one non-null value of one column: ``check(facts, value)`` yields
messages (or ``(message, severity)`` when a finding is milder than the rule's default).
A *record rule* looks at a whole record: ``check(context, record, previous)`` yields
``(column, message, value)``. :data:`RULES` is the explicit registry; codes are stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator

from dvschema.validation.jsonvalues import is_whole_number, json_kind, shown_value
from dvschema.validation.model import (CHOICE_TYPES, GUID_TEXT, INTEGER_TYPES, LOOKUP_TYPES, NUMBER_TYPES,
                                       TEXT_TYPES, ColumnFacts)

_BIND = re.compile(r"^(?:https?://[^\s/]+(?:/[^\s()]*)?/)?/?(?P<set>[A-Za-z_][A-Za-z0-9_]*)"
                   r"\((?P<id>[0-9a-fA-F-]{36})\)\Z")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
_OFFSET = re.compile(r"(?:[zZ]|[+-]\d{2}:?\d{2})\Z")
_MIN_DATE = date(1753, 1, 1)
MAX_MULTISELECT = 150


@dataclass(frozen=True)
class Rule:
    """A registered rule: stable code, kebab-case name, default severity, and its check."""

    code: str
    name: str
    severity: str
    scope: str  # "value" or "record"
    check: Callable[..., Iterator[Any]]
    applies: Callable[[ColumnFacts], bool] | None = None
    server_error: str | None = None

    @property
    def summary(self) -> str:
        """The first line of the check's docstring."""
        return (self.check.__doc__ or "").strip().split("\n")[0]

    @property
    def documentation(self) -> str:
        """The check's whole docstring: what, why and an example."""
        return "\n".join(line.strip() for line in (self.check.__doc__ or "").strip().split("\n"))


def _is_number(value: Any) -> bool:
    """A JSON number: an int, or a finite float or Decimal (NaN and infinity have no JSON form; a
    Parquet or Spark double can hold them)."""
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        return value - value == 0
    return kind is Decimal and value.is_finite()


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Dataverse's nvarchar storage counts it."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _quoted(value: Any) -> str:
    """A value in a message: text quoted (``'yes'``, ``'1,000.00'``), anything else as JSON (``[1, 2]``
    is ``[1,2]``, never Python's ``{'a': 1}`` or ``None``)."""
    return repr(value) if isinstance(value, str) else shown_value(value)


def _a(word: str) -> str:
    """The word with its article: "an Integer", "a String"."""
    return f"{'an' if word[:1] in 'AEIOU' else 'a'} {word}"


# -- value rules -------------------------------------------------------------------------------------

def check_max_length(facts: ColumnFacts, value: Any) -> Iterator[str]:
    """String and Memo values longer than the column's MaxLength.

    Why: the server rejects the whole request (StringLengthTooLong, 0x80044331). Length counts
    UTF-16 code units, as nvarchar storage does: an emoji outside the Basic Multilingual Plane
    counts 2.
    Example: ``"msdyn_name": "<101 characters>"`` for MaxLength 100.
    """
    if type(value) is str and len(value) > facts.column.max_length // 2:
        length = utf16_length(value)
        if length > facts.column.max_length:
            yield f"{length} characters (UTF-16 units), longer than MaxLength {facts.column.max_length}"


def _exact(value: Any) -> Decimal | int:
    if type(value) is float:
        return Decimal(value)
    return value


def check_out_of_range(facts: ColumnFacts, value: Any) -> Iterator[str]:
    """Numbers outside the column's MinValue/MaxValue or outside the type's own limits.

    Why: the server rejects them (IntegerValueOutOfRange 0x8004432F, DecimalValueOutOfRange
    0x80044330, MoneySizeExceeded 0x80040317). Comparison is exact: big integers and decimals
    are never rounded through floats.
    Example: ``"msdyn_csatscore": 6`` where MaxValue is 5.
    """
    if not _is_number(value):
        return
    exact = _exact(value)
    if facts.minimum is not None and exact < facts.minimum:
        yield f"{value} is below the minimum {facts.minimum}"
    elif facts.maximum is not None and exact > facts.maximum:
        yield f"{value} is above the maximum {facts.maximum}"


def _decimal_places(value: Any) -> int:
    if type(value) is float:
        value = Decimal(repr(value))
    if type(value) is not Decimal:
        return 0
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def check_precision(facts: ColumnFacts, value: Any) -> Iterator[str]:
    """Decimal, Double and Money values with more decimal places than the column's Precision.

    Why: the server rounds them silently, so the stored value is not the value sent. When
    PrecisionSource says the precision comes from the organization or the currency, the rule
    cannot know it and checks nothing (the validator reports that once, as a notice).
    Example: ``"highquantity": 1.123456`` where Precision is 5.
    """
    if _is_number(value) and type(value) is not int:
        places = _decimal_places(value)
        if places > facts.precision:
            yield f"{value} has {places} decimal places; Precision is {facts.precision}"


def _multi_select_values(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if type(value) is str:
        parts = [part.strip() for part in value.split(",")]
        try:
            return [int(part) for part in parts]
        except ValueError:
            return None
    return None


def check_invalid_option(facts: ColumnFacts, value: Any) -> Iterator[str]:
    """Choice values that are not options of the column; Booleans that are not booleans.

    Why: the server rejects unknown choice values (PicklistValueOutOfRange 0x8004431A).
    MultiSelectPicklist values are the Web API string ``"1,9"`` (spaces allowed) or a JSON
    list; each must be an option, without duplicates, at most 150.
    Example: ``"msdyn_outcome": 5`` where the options are 419550000-419550003.
    """
    if facts.type == "Boolean":
        if type(value) is not bool:
            yield f"{_quoted(value)} is not a boolean; expected true or false"
        return
    if facts.type == "MultiSelectPicklist":
        values = _multi_select_values(value)
        if values is None:
            yield (f"{_quoted(value)} is not a list of choice values; expected a string such as \"1,9\" or a "
                   "JSON list")
            return
        unknown = [item for item in values if type(item) is not int or item not in facts.options]
        if unknown:  # items may be lists or objects, nested deep: shown bounded, never hashed
            shown = [shown_value(item) if type(item) in (list, dict) else str(item) for item in unknown]
            yield f"{', '.join(shown)} not among the options: {facts.allowed()}"
        duplicates = sorted({item for item in values if type(item) not in (list, dict) and values.count(item) > 1},
                            key=str)
        if duplicates:
            yield f"duplicate choice values {', '.join(map(str, duplicates))}"
        if len(values) > MAX_MULTISELECT:
            yield f"{len(values)} choices; at most {MAX_MULTISELECT} are allowed"
        return
    # Non-integers are invalid-type findings; a column whose page lists no options cannot be checked.
    if type(value) is int and facts.options and value not in facts.options:
        yield f"{value} is not an option; allowed: {facts.allowed()}"


def _parse_datetime(text: str) -> datetime | date | None:
    try:
        if _DATE_ONLY.match(text):
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None


def check_invalid_type(facts: ColumnFacts, value: Any) -> Iterator[str | tuple[str, str]]:
    """A value of the wrong JSON type for the column, or a malformed GUID or date.

    Why: the server rejects the request before any other check. Uniqueidentifier needs a GUID;
    DateTime needs ISO 8601, and no date before 1753-01-01. Only the DateOnly behavior makes a column
    date-only (``YYYY-MM-DD``): a UserLocal column whose Format is DateOnly is still a date-time in the
    Web API and keeps a time; a page that states no behavior leaves a DateOnly-formatted column open to
    both forms. A UserLocal value without an offset or ``Z`` is stored as UTC unchanged: a warning.
    Related records and navigation properties: an object on a single-valued one, a list of objects on
    a collection-valued one; anything else is the wrong type.
    Example: ``"msdyn_csatscore": "5"`` (a string for an Integer column).
    """
    column_type = facts.type
    if isinstance(value, str) and type(value) is not str:  # a CSV cell that did not convert
        yield _csv_cell_message(column_type, value)
        return
    if type(value) in (float, Decimal) and not _is_number(value):
        yield f"{value} is not a number (NaN and infinity have no JSON form)"
        return
    if column_type in TEXT_TYPES or column_type == "EntityName":
        if type(value) is not str:
            yield f"{json_kind(value)} for {_a(column_type)} column; expected a string"
    elif column_type in INTEGER_TYPES:
        if not is_whole_number(value):
            yield f"{json_kind(value)} for {_a(column_type)} column; expected a whole number"
    elif column_type in NUMBER_TYPES:
        if not _is_number(value):
            yield f"{json_kind(value)} for {_a(column_type)} column; expected a number"
    elif column_type in CHOICE_TYPES:
        if type(value) is not int:
            yield f"{json_kind(value)} for {_a(column_type)} column; expected a whole-number option value"
    elif column_type == "Uniqueidentifier":
        if type(value) is not str or not GUID_TEXT.match(value):
            yield f"{_quoted(value)} is not a GUID"
    elif column_type == "DateTime":
        if type(value) is not str:
            yield f"{json_kind(value)} for a DateTime column; expected an ISO 8601 string"
            return
        if facts.date_only and not _DATE_ONLY.match(value):
            yield f"{value!r} is not a date; this DateOnly column expects YYYY-MM-DD"
            return
        parsed = _parse_datetime(value)
        if parsed is None:
            yield f"{value!r} is not an ISO 8601 date or date-time"
            return
        day = parsed.date() if isinstance(parsed, datetime) else parsed
        if day < _MIN_DATE:
            yield f"{value!r} is before 1753-01-01, the earliest date Dataverse stores"
        elif facts.user_local and isinstance(parsed, datetime) and not _OFFSET.search(value):
            yield (f"{value!r} has no offset or Z; this UserLocal column stores it as UTC unchanged", "warning")


def _csv_cell_message(column_type: str, text: str) -> str:
    """What is wrong with a CSV cell of a number or choice column, in CSV terms."""
    quoted = _quoted(text)
    if column_type in INTEGER_TYPES or column_type in CHOICE_TYPES:
        if parse_decimal(text) is not None:
            return f"{quoted} is not a whole number"
        return f"{quoted} is not a number; expected a whole number" + (
            " (an option value)" if column_type in CHOICE_TYPES else "")
    return f"{quoted} is not a number; expected digits with a . before any decimals, no thousands separator"


def check_invalid_lookup(facts: ColumnFacts, value: Any) -> Iterator[str]:
    """A lookup set the wrong way: a malformed ``@odata.bind``, a bind to a table that is not a target,
    a ``_x_value`` or the lookup's name in a create or update body.

    Why: the server rejects malformed binds (InvalidUrlForODataBindProperty 0x80090800) and binds to
    the wrong table, and refuses ``_x_value`` properties in a body (they are read-only: the Web API sets
    lookups through navigation properties). A single-valued navigation property takes one URL, a
    collection-valued one (associate on create or update) a list of URLs. Every form the Web API
    accepts is valid: ``/accounts(<guid>)``, ``accounts(<guid>)``, an absolute URL of either, an
    alternate key ``/accounts(accountnumber='ABC123')``, a multi-part key ``/x(key1=1,key2='a')``,
    ``/accounts(accountid=<guid>)``, and in a ``$batch`` change set ``$1`` (the record an earlier request
    created). The entity set is an error when the catalog places it in a table
    that is not a target of the navigation property, or when every target's entity set is known and the
    bind names another; an entity set dvschema cannot place is not an error. A null bind in an update
    disassociates and is valid. In read and full rows, ``_x_value`` and exported lookup columns take a GUID.
    Example: ``"msdyn_botid@odata.bind": "bots(123)"``; ``"_parentcustomerid_value": "<guid>"`` in a create.
    """
    if type(value) is not str:
        yield f"{json_kind(value)} for a lookup; expected a GUID or /entityset(guid)"
    elif value.startswith("/") or value.startswith("http") or "(" in value:
        if not _BIND.match(value):
            yield f"{value!r} is not /entityset(guid) or an absolute URL of that form"
    elif not GUID_TEXT.match(value):
        yield f"{_quoted(value)} is not a GUID"


def _text_applies(facts: ColumnFacts) -> bool:
    return facts.type in TEXT_TYPES and facts.column.max_length is not None


def _range_applies(facts: ColumnFacts) -> bool:
    return facts.type in NUMBER_TYPES


def _precision_applies(facts: ColumnFacts) -> bool:
    return facts.type in NUMBER_TYPES and facts.type not in INTEGER_TYPES and facts.precision_checkable


def _option_applies(facts: ColumnFacts) -> bool:
    return facts.type in CHOICE_TYPES or facts.type in ("Boolean", "MultiSelectPicklist")


def _type_applies(facts: ColumnFacts) -> bool:
    return facts.type not in LOOKUP_TYPES and facts.type not in ("Boolean", "MultiSelectPicklist")


def _lookup_applies(facts: ColumnFacts) -> bool:
    return facts.type in LOOKUP_TYPES


# -- record rules (checks live in the engine, which knows the record's shape) -------------------------

def check_required_missing(context: Any, record: dict, previous: dict | None) -> Iterator[Any]:
    """A required column that is missing or null, by operation.

    Why: ``create`` needs every SystemRequired and ApplicationRequired column valid for create,
    apart from what the platform fills itself (primary id, owner, state and status, read-only
    stamps); a lookup counts as set by any of its binds or a related record (deep insert);
    ``update`` may not set a required column to null; ``full`` (an exported row) needs
    SystemRequired columns; ``read`` (a Web API response, a projection of ``$select``) needs nothing.
    Columns derived from a lookup (its name, its EntityName type) are never required. In a deep
    insert the lookup back to the parent record is filled by the server. The server enforces
    SystemRequired; ApplicationRequired is enforced by model-driven apps, not the server, and is an
    error by default all the same.
    Example: a create record without ``msdyn_name``.
    """
    return context.required_missing(record)


def check_state_status_mismatch(context: Any, record: dict, previous: dict | None) -> Iterator[Any]:
    """A statuscode whose state is not the record's statecode.

    Why: the server rejects the pair (InvalidStateCodeStatusCode 0x80048408).
    Example: ``"statecode": 0, "statuscode": 2`` where status 2 belongs to state 1.
    """
    return context.state_status_mismatch(record)


def check_invalid_transition(context: Any, record: dict, previous: dict | None) -> Iterator[Any]:
    """A status change that the previous status's TransitionData does not allow.

    Why: with enforced state transitions the server refuses such a move. Needs the previous
    record (``--previous`` or ``previous=``); statuses whose TransitionData is None allow any move.
    Example: from status 1 to status 5 when status 1 allows only 2.
    """
    return context.invalid_transition(record, previous)


def check_read_only_column(context: Any, record: dict, previous: dict | None) -> Iterator[Any]:
    """A value for a column that is not valid for the operation (create or update).

    Why: the server ignores it silently, so the data is not written. Read responses and full rows
    hold read-only columns by nature and are not checked; a column whose validity the page does not
    state is taken as valid.
    Example: ``"createdon"`` in a create record.
    """
    return context.read_only_columns(record)


def check_unknown_column(context: Any, record: dict, previous: dict | None) -> Iterator[Any]:
    """A key that is no property of the table in the Web API (OData annotations set aside).

    Why: the server rejects the request (the property does not exist on the entity type). Properties
    are the columns and the navigation properties (the relationships' navigation property names),
    matched exactly as the server does: a key that matches only when case is ignored names the right
    spelling, any other gets the closest name. Where a page names no navigation property, a system
    lookup's is its logical name, as the Web API documentation's bodies write it
    (``primarycontactid@odata.bind``, ``parentaccountid@odata.bind``): ``PrimaryContactId@odata.bind``
    is an undeclared property the server rejects ("An undeclared property ... which only has property
    annotations in the payload", Troubleshoot Dataverse Web API client errors) and gets "property names
    are case-sensitive; write primarycontactid@odata.bind". A custom (publisher-prefixed) lookup's
    navigation property is its SchemaName by default (the docs bind the lookup ``new_CheckedoutItem`` as
    ``new_CheckedoutItem_new_book@odata.bind``) but Microsoft's solutions name many in lower case
    (``msdyn_product``): without the relationship metadata both spellings are accepted.
    In ``read`` an unknown key is info, not an error: a response's keys come from the server (an alias of
    ``$apply`` or FetchXML aggregation such as ``count`` or ``total``, or a column the page does not
    list), never a request it would reject. Columns that belong to a lookup (its name ``…name``,
    ``…yominame`` and its target's EntityName ``owneridtype``, ``…typecode``) are no Web API
    properties: in a create or update body they are errors (the bind carries them); in full rows
    (exports) they are real columns, and an EntityName value must be one of its lookup's targets
    (an invalid-option finding otherwise).
    Example: ``"msdyn_nmae"``: did you mean ``msdyn_name``?
    """
    return context.unknown_columns(record)


def check_related_not_checked(context: Any, record: dict, previous: dict | None) -> Iterator[Any]:
    """Related records (deep insert, ``$expand``) of a table that is not in the schema.

    Why: dvschema checks a related record against its own table, as the server does; when that table
    was not given (``--schema`` another page or a catalog), one notice per navigation property says so,
    never an error. The engine reports it while it walks the record.
    Example: ``"primarycontactid": {"firstname": "John"}`` with only the account page as schema.
    """
    return iter(())


RULES: tuple[Rule, ...] = (
    Rule("DV101", "required-missing", "error", "record", check_required_missing),
    Rule("DV102", "max-length", "error", "value", check_max_length, _text_applies,
         "StringLengthTooLong (0x80044331)"),
    Rule("DV103", "out-of-range", "error", "value", check_out_of_range, _range_applies,
         "IntegerValueOutOfRange (0x8004432F), DecimalValueOutOfRange (0x80044330), MoneySizeExceeded (0x80040317)"),
    Rule("DV104", "precision", "warning", "value", check_precision, _precision_applies),
    Rule("DV105", "invalid-option", "error", "value", check_invalid_option, _option_applies,
         "PicklistValueOutOfRange (0x8004431A)"),
    Rule("DV106", "state-status-mismatch", "error", "record", check_state_status_mismatch, None,
         "InvalidStateCodeStatusCode (0x80048408)"),
    Rule("DV107", "invalid-transition", "error", "record", check_invalid_transition),
    Rule("DV108", "invalid-type", "error", "value", check_invalid_type, _type_applies),
    Rule("DV109", "invalid-lookup", "error", "value", check_invalid_lookup, _lookup_applies,
         "InvalidUrlForODataBindProperty (0x80090800)"),
    Rule("DV110", "read-only-column", "warning", "record", check_read_only_column),
    Rule("DV111", "unknown-column", "error", "record", check_unknown_column),
    Rule("DV112", "related-not-checked", "info", "record", check_related_not_checked),
)
RULES_BY_NAME = {rule.name: rule for rule in RULES}
RULES_BY_CODE = {rule.code: rule for rule in RULES}


def parse_decimal(text: str) -> Decimal | None:
    """Parse a CSV number cell exactly; None when it is not a number (``1_000`` is none: Python's
    digit separator is no CSV's)."""
    if "_" in text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
