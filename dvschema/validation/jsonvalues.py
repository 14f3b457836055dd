"""JSON record values read and written exactly, and named in JSON's terms for messages.

orjson is the fast reader, but it turns a number with a fraction, or an integer beyond 64 bits,
into a float: ``100000000000.0000000001`` becomes ``1e11`` and would pass a Decimal column's
limit. The out-of-range and precision rules must compare exactly, so a record in which orjson
found such a number is read again with :class:`~decimal.Decimal` numbers and Python integers.
Records without one (nearly all) cost one extra type test.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

import orjson

ORJSON_MAX_DEPTH = 1024  # orjson refuses JSON nested deeper than this
SHOWN_LIMIT = 200  # characters of a value shown in a finding, before it is shortened further
_JSON_KINDS = {str: "a string", bool: "a boolean", int: "a whole number", float: "a decimal number",
               Decimal: "a decimal number", list: "a list", dict: "an object", type(None): "null"}


def has_float(document: Any) -> bool:
    """Whether a float is anywhere in parsed JSON: a record's values, its related records (deep insert,
    ``$expand``) and lists, an array of records. A loop, not recursion: orjson reads 1,024 levels."""
    pending = [document]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is float:
            return True
        if kind is dict:
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
    return False


def loads_exact(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse JSON like ``orjson.loads`` (raising its ``JSONDecodeError``), with exact numbers: every
    number with a fraction, at any depth, is a Decimal, and integers of any size are ints."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if "infinity" not in str(error):
            raise
        # a number beyond a double's range (1e5000, 311 digits) is valid JSON all the same; text that
        # is also broken elsewhere keeps orjson's error, which callers catch
        try:
            return loads_decimal(data)
        except ValueError:
            raise error from None
    return loads_decimal(data) if has_float(document) else document


def loads_decimal(data: bytes | bytearray | memoryview | str) -> Any:
    """JSON read by the json module with Decimal fractions and integers of any size."""
    text = bytes(data) if isinstance(data, memoryview) else data
    try:
        return json.loads(text, parse_float=Decimal, parse_int=exact_int)
    except RecursionError:
        # orjson reads up to 1,024 levels, the json module recurses once per level: give it
        # that much room (a few hundred KB of C stack), only on this rare path.
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + ORJSON_MAX_DEPTH + 100)
        try:
            return json.loads(text, parse_float=Decimal, parse_int=exact_int)
        finally:
            sys.setrecursionlimit(limit)


def exact_int(text: str) -> int | Decimal:
    """A whole number written in digits (a JSON integer, a CSV cell) as an int; beyond the digits
    ``int()`` converts (4,300) a Decimal of exponent 0, which the rules still take for a whole number
    (and find out of range)."""
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


def is_whole_number(value: Any) -> bool:
    """An int, or a whole number too long for ``int()`` kept as a Decimal written without fraction or
    exponent (:func:`exact_int`)."""
    return type(value) is int or (type(value) is Decimal and value.is_finite() and value.as_tuple().exponent == 0)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value))  # written as the number it is, not as a string
    return str(value)


def dumps_record(value: Any) -> bytes:
    """Serialise a record (or findings) as JSON; Decimals are written as exact numbers."""
    return orjson.dumps(value, default=_json_default)


def json_kind(value: Any) -> str:
    """What a value is in JSON's terms ("a string", "a decimal number", ...), for messages."""
    return _JSON_KINDS.get(type(value), type(value).__name__)


def shown_value(value: Any) -> str:
    """A value as JSON text, for a finding (``true``, ``1.50``, ``[1,2]``), a string as itself."""
    if type(value) is str:
        return value
    try:
        return dumps_record(value).decode()
    except TypeError:  # nested deeper than orjson writes (254 levels), or not JSON at all
        return _bounded_json(value)


def _bounded_json(value: Any) -> str:
    """JSON-like text of the start of a value, without recursion: at most about SHOWN_LIMIT
    characters, however deep or wide the value is."""
    parts: list[str] = []
    size = 0
    stack: list[Any] = [value]
    while stack and size < SHOWN_LIMIT:
        item = stack.pop()
        if type(item) is tuple:  # a marker: literal text
            text = item[0]
        elif type(item) is list:
            text = "["
            stack.append(("]",))
            for position, element in enumerate(reversed(item)):
                stack.append(element)
                if position < len(item) - 1:
                    stack.append((",",))
        elif type(item) is dict:
            text = "{"
            stack.append(("}",))
            entries = list(item.items())
            for position, (key, element) in enumerate(reversed(entries)):
                stack.append(element)
                stack.append((orjson.dumps(str(key)).decode() + ":",))
                if position < len(entries) - 1:
                    stack.append((",",))
        else:
            try:
                text = dumps_record(item).decode()
            except TypeError:
                text = repr(item)
        parts.append(text)
        size += len(text)
    text = "".join(parts)
    return text if not stack else text + "…"
