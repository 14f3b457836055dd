"""The compiled screen: the validator's clean-value tests run in C over raw JSONL bytes.

Most records in a real file have no finding, and building Python objects for them is most of
the cost. The screen (``_screen.c``) reads a JSONL line without building objects and answers
"certainly clean" or "ask the rules"; only the second kind are parsed and checked in Python.
It is a pure speed-up: every test it makes is one of :func:`~dvschema.validation.model.clean_value_predicate`
or of the engine's record rules, or stricter, so findings are the same with or without it
(``tests/test_screen.py`` checks both ways). Without a C compiler the extension is not built and
:func:`build_screen` returns None; ``DVSCHEMA_NO_SCREEN=1`` turns it off.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dvschema.validation.model import CHOICE_TYPES, NUMBER_TYPES, TEXT_TYPES, ColumnFacts

try:
    from dvschema.validation import _screen
except ImportError:  # built without a C compiler: the rules run in Python alone
    _screen = None

# Value kinds; the numbers are the enum of _screen.c. Annotations and unknown keys need no
# kind: the screen knows them by their shape.
NEVER, TEXT, INTEGER, CHOICE, BOOLEAN, GUID, DATETIME, DATE, BIND, BIND_EXCEPT = range(1, 11)
ROLE_NONE, ROLE_STATE, ROLE_STATUS = range(3)
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


@dataclass(frozen=True)
class ScreenKey:
    """What the screen accepts as a clean value for one record key."""

    name: str
    kind: int
    null_clean: bool = True
    group: int = -1
    role: int = ROLE_NONE
    low: int = 0
    high: int = 0
    limit: int = -1
    choices: tuple[int, ...] | None = None
    sets: tuple[str, ...] | None = None

    def as_tuple(self) -> tuple[Any, ...]:
        """The tuple the C type reads."""
        return (self.name, self.kind, int(self.null_clean), self.group, self.role, self.low, self.high,
                self.limit, self.choices, self.sets)


def screen_available() -> bool:
    """True when the C screen is built and not turned off with DVSCHEMA_NO_SCREEN."""
    return _screen is not None and not os.environ.get("DVSCHEMA_NO_SCREEN")


def _whole(bound: int | Decimal, rounding: Any) -> int:
    value = bound if isinstance(bound, int) else int(rounding(bound))
    return min(max(value, _INT64[0]), _INT64[1])


def value_key(name: str, facts: ColumnFacts) -> ScreenKey:
    """The screen's test for a column's value: the same as ``clean_value_predicate`` or stricter."""
    column_type = facts.type
    if column_type in TEXT_TYPES:
        limit = facts.column.max_length
        return ScreenKey(name, TEXT, limit=-1 if limit is None else limit)
    if column_type == "EntityName":
        return ScreenKey(name, TEXT)
    if column_type in NUMBER_TYPES:
        return ScreenKey(name, INTEGER, low=_whole(facts.minimum, math.ceil), high=_whole(facts.maximum, math.floor))
    if column_type in CHOICE_TYPES:
        return ScreenKey(name, CHOICE, choices=tuple(sorted(facts.options)) if facts.options else None)
    if column_type == "Boolean":
        return ScreenKey(name, BOOLEAN)
    if column_type == "Uniqueidentifier":
        return ScreenKey(name, GUID)
    if column_type == "DateTime":
        return ScreenKey(name, DATE if facts.date_only else DATETIME)
    return ScreenKey(name, NEVER)


def build_screen(keys: list[ScreenKey], group_count: int, unknown_clean: bool,
                 status_states: dict[int, int]) -> Any | None:
    """Build the C screen, or return None when it is not available."""
    if not screen_available():
        return None
    return _screen.Screen([key.as_tuple() for key in keys], group_count, unknown_clean, status_states)
