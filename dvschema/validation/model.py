"""Findings of record validation, and the column facts the rules read, compiled once per table."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dvschema.metaschema.model import Column

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}

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
LOOKUP_TYPES = frozenset({"Lookup", "Customer", "Owner"})
TEXT_TYPES = frozenset({"String", "Memo"})


@dataclass(frozen=True, slots=True)
class Violation:
    """One finding: what rule, where (file, line, record, column), the value and the message."""

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

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return {"path": self.path, "line": self.line, "record": self.record, "column": self.column,
                "value": self.value, "rule": self.rule, "code": self.code, "severity": self.severity,
                "message": self.message, "server_error": self.server_error}


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
    user_local: bool = False
    precision: int | None = None
    precision_checkable: bool = False

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
        facts.date_only = column.format == "DateOnly"
        facts.user_local = column.date_time_behavior == "UserLocal"
        facts.precision = column.precision
        source = (column.precision_source or "").strip()
        facts.precision_checkable = column.precision is not None and (not source or source.startswith("0"))
        return facts

    def allowed(self) -> str:
        """The options as ``value (label)``, for messages."""
        return ", ".join(f"{value} ({label})" if label else str(value) for value, label in self.options.items())
