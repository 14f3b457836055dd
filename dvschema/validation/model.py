"""Findings of record validation, and the column facts the rules read, compiled once per table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from dvschema.metaschema.dump import LOOKUP_TYPES  # noqa: F401 - the validation package's name for it

if TYPE_CHECKING:  # the model is only named in annotations: validation never imports pydantic itself
    from dvschema.metaschema.model import Column, Table

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


def rejects(violations: list["Violation"], threshold: int) -> bool:
    """Whether findings reject their record: one of them at or above the ``threshold`` rank."""
    return any(SEVERITY_RANK[violation.severity] >= threshold for violation in violations)

# The platform's own limits per type (Dataverse column definitions).
TYPE_LIMITS: dict[str, tuple[int | Decimal, int | Decimal]] = {
    "Integer": (-2_147_483_648, 2_147_483_647),
    "BigInt": (-9_223_372_036_854_775_808, 9_223_372_036_854_775_807),
    "Decimal": (Decimal("-100000000000"), Decimal("100000000000")),
    "Double": (Decimal("-100000000000"), Decimal("100000000000")),
    "Money": (Decimal("-922337203685477"), Decimal("922337203685477")),
}
NUMBER_TYPES = frozenset(TYPE_LIMITS)
INTEGER_TYPES = frozenset({"Integer", "BigInt"})
CHOICE_TYPES = frozenset({"Picklist", "State", "Status"})
TEXT_TYPES = frozenset({"String", "Memo"})


def display_name_index(table: Table) -> dict[str, list[str]]:
    """Logical names by display name (case folded, single spaces), as Export to Excel heads columns."""
    index: dict[str, list[str]] = {}
    for column in table.columns:
        if column.display_name:
            index.setdefault(" ".join(column.display_name.split()).casefold(), []).append(column.logical_name)
    return index



class Violation(NamedTuple):
    """One finding: what rule, where (file, line, record, column), the value and the message.

    A named tuple: immutable, and cheap to build and to send from worker processes, which
    matters when millions of records are checked.
    """

    rule: str
    code: str
    severity: str
    message: str
    column: str | None = None
    value: str | None = None
    path: str | None = None
    line: int | None = None
    record: int | None = None
    server_error: str | None = None
    key: str | None = None
    record_path: str | None = None

    #: A Violation from a tuple of its twelve fields, in C (the named tuple's own __new__ is Python code).
    from_fields = classmethod(tuple.__new__)

    def at(self, path: str | None, line: int | None, record: int | None) -> "Violation":
        """The same finding, placed in a file."""
        rule, code, severity, message, column, value, _, _, _, server_error, key, record_path = self
        return Violation.from_fields((rule, code, severity, message, column, value, path, line, record,
                                      server_error, key, record_path))

    @property
    def subject(self) -> str | None:
        """What the finding is about, as the record names it: the path from the top record for a nested
        record (``Account_Tasks[0].subject``), else the key as written, else the column."""
        return self.record_path or self.key or self.column

    def labelled_message(self) -> str:
        """The message after its subject: ``msdyn_csatscore: 6 is above the maximum 5``."""
        subject = self.subject
        return f"{subject}: {self.message}" if subject else self.message

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data: ``file`` is the record file, ``column`` the column's
        logical name, ``key`` the record key as written and ``path`` its path from the top record."""
        return {"file": self.path, "line": self.line, "record": self.record, "column": self.column,
                "key": self.key, "path": self.record_path, "value": self.value, "rule": self.rule,
                "code": self.code, "severity": self.severity, "message": self.message,
                "server_error": self.server_error}


@dataclass(slots=True)
class ColumnFacts:
    """What the value rules need to know about a column, computed once when the validator is built."""

    column: Column
    name: str
    type: str
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    options: dict[int, str | None] = field(default_factory=dict)
    date_only: bool = False
    date_or_time: bool = False
    user_local: bool = False
    precision: int | None = None
    precision_checkable: bool = False
    #: where the precision comes from, as the page states it, with the name of a bare PrecisionSource number
    precision_source: str = ""
    read_only: bool = False
    is_clean: Callable[[Any], bool] = field(default=lambda value: False)
    allowed_text: str | None = None

    @classmethod
    def of(cls, column: Column) -> "ColumnFacts":
        """Compile the facts of one column."""
        column_type = column.type or ""
        facts = cls(column=column, name=column.logical_name, type=column_type)
        if column_type in NUMBER_TYPES:
            low, high = TYPE_LIMITS[column_type]
            facts.minimum = low if column.min_value is None else max(low, column.min_value)
            facts.maximum = high if column.max_value is None else min(high, column.max_value)
        facts.options = {option.value: option.label for option in column.options}
        # Only the DateOnly behavior makes a date: a UserLocal column formatted DateOnly keeps a time in the
        # Web API. A page that states no behavior leaves a DateOnly-formatted column open to both forms.
        behavior = column.date_time_behavior
        facts.date_only = behavior == "DateOnly" or column_type == "DateOnly"
        facts.date_or_time = behavior is None and column.format == "DateOnly" and not facts.date_only
        facts.user_local = column.date_time_behavior == "UserLocal"
        facts.precision = column.precision
        source = (column.precision_source or "").strip()
        facts.precision_checkable = column.precision is not None and (not source or source.startswith("0"))
        facts.precision_source = f"{source} ({PRECISION_SOURCES[source]})" if source in PRECISION_SOURCES else source
        return facts

    def allowed(self) -> str:
        """The options as ``value (label)``, for messages (made once: a long list costs more than the check)."""
        if self.allowed_text is None:
            self.allowed_text = ", ".join(f"{value} ({label})" if label else str(value)
                                          for value, label in self.options.items())
        return self.allowed_text


#: MoneyAttributeMetadata.PrecisionSource's values: what the number alone (older pages) names.
PRECISION_SOURCES = {"0": "MoneyAttributeMetadata.Precision", "1": "Organization.PricingDecimalPrecision",
                     "2": "TransactionCurrency.CurrencyPrecision"}


# \Z, not $: $ also matches before a final newline, and "2024-01-01\n" is no date.
GUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_PLAIN_DATE_TIME = re.compile(r"^(?:1[89]\d\d|[2-9]\d\d\d)-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"
                              r"T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
                              r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)\Z")
_PLAIN_DATE = re.compile(r"^(?:1[89]\d\d|[2-9]\d\d\d)-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])\Z")


def _never(value: Any) -> bool:
    return False


def clean_value_predicate(facts: ColumnFacts) -> Callable[[Any], bool]:
    """Return a cheap test that is True only for values every value rule certainly accepts.

    The engine runs the full rules only when it is False, so a clean record costs one call
    per key. The tests are conservative: a value they do not vouch for (a float, a non-ASCII
    string near the limit, a date on the 29th-31st) just takes the full path.
    """
    column_type = facts.type
    if column_type in ("String", "Memo"):
        limit = facts.column.max_length
        if limit is None:
            return lambda value: type(value) is str
        half = limit // 2
        return lambda value: type(value) is str and (len(value) <= half or (len(value) <= limit and value.isascii()))
    if column_type in NUMBER_TYPES:
        low, high = facts.minimum, facts.maximum
        return lambda value: type(value) is int and low <= value <= high
    if column_type in CHOICE_TYPES:
        options = frozenset(facts.options)
        if not options:
            return lambda value: type(value) is int
        return lambda value: type(value) is int and value in options
    if column_type == "Boolean":
        return lambda value: value is True or value is False
    if column_type == "Uniqueidentifier":
        return lambda value: type(value) is str and GUID_TEXT.match(value) is not None
    if column_type == "DateTime":
        if facts.date_only:
            return lambda value: type(value) is str and _PLAIN_DATE.match(value) is not None
        # (a date in a column open to both forms is not vouched for: the rules accept it)
        return lambda value: type(value) is str and _PLAIN_DATE_TIME.match(value) is not None
    if column_type == "EntityName":
        return lambda value: type(value) is str
    return _never
