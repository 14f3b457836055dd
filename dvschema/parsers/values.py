"""Conversions from a cell's text to typed model values, shared by every format.

Each converter takes the text and returns the value or raises ``ValueError`` with what
was expected; the builder turns that into a located :class:`~dvschema.diagnostics.InputError`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_INTEGER = re.compile(r"[+-]?\d+")
REQUIRED_LEVELS = ("None", "Recommended", "ApplicationRequired", "SystemRequired")


def text_or_none(text: str) -> str | None:
    """Return the stripped text, or None for an empty cell."""
    text = text.strip()
    return text or None


def to_bool(text: str) -> bool | None:
    """Convert ``True``/``False`` (any case); an empty cell is None."""
    text = text.strip()
    if not text:
        return None
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError("True or False")


def to_int(text: str) -> int | None:
    """Convert a whole number; an empty cell is None."""
    text = text.strip()
    if not text:
        return None
    if not _INTEGER.fullmatch(text):
        raise ValueError("a whole number")
    return int(text)


def to_exact_number(text: str) -> int | Decimal | None:
    """Convert a bound exactly: ``int`` for whole numbers, ``Decimal`` otherwise (``1E-12``)."""
    text = text.strip()
    if not text:
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("a number such as 100, -1.5 or 1E-12") from None
    if not number.is_finite():
        raise ValueError("a finite number")
    return number


def to_required_level(text: str) -> str | None:
    """Check a RequiredLevel against the four Dataverse levels."""
    text = text.strip()
    if not text:
        return None
    if text not in REQUIRED_LEVELS:
        raise ValueError("one of " + ", ".join(REQUIRED_LEVELS))
    return text


def to_targets(text: str) -> tuple[str, ...]:
    """Split ``systemuser,team`` or ``systemuser, team`` into logical names."""
    return tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())


def to_key_values(text: str) -> dict[str, str]:
    """Split a multi-line ``Key: value`` cell (CascadeConfiguration, option details) into a dict."""
    result: dict[str, str] = {}
    for line in text.split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip():
            result[key.strip()] = value.strip()
    return result
