"""Arrow values (Parquet files, Spark DataFrames) as the Web API's JSON values, before the rules see them.

A typed column says what a JSON value only implies, so each Arrow type gets one converter, built
once per schema and applied column by column:

- decimals stay :class:`~decimal.Decimal` (exact), without the zeros a column's scale pads them
  with (``decimal(12,6)`` holds ``1.5`` as ``1.500000``; the number sent is ``1.5``), and a whole
  value is a whole number (``3.000`` is sent as ``3``); doubles (and
  floats) become the Decimal of their shortest text, as ``loads_exact`` reads a JSON number;
- timestamps with a time zone become ISO 8601 in UTC with ``Z``; timestamps without one
  (Spark's TIMESTAMP_NTZ) keep no offset, so the rules judge them as such; dates become ``YYYY-MM-DD``;
- lists (multi-select choices) become lists, structs nested records (deep insert), maps objects,
  binary base64 text (the Web API's form for file and image columns);
- null stays null: the key is in the record with the value None, as for an empty CSV cell.

pyarrow is imported by the caller; this module only reads the types it is given.
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
from decimal import Decimal
from typing import Any, Callable, Iterator

Converter = Callable[[Any], Any]
_UTC = dt.timezone.utc


def _decimal(value: Decimal) -> Decimal | int:
    if value.is_finite() and value == value.to_integral_value():
        return int(value)  # sent as a whole number (3, not 3.000), as dvschema writes it to JSON
    if value.as_tuple().exponent < 0 and value.is_finite():
        text = str(value)
        if "E" not in text and "e" not in text:
            return Decimal(text.rstrip("0").rstrip(".")) if "." in text else value
    return value


def _double(value: float) -> Any:
    return Decimal(repr(value)) if value == value and value not in (float("inf"), float("-inf")) else value


def _single(value: float) -> Any:
    """A float32 as the Decimal of its shortest text (``0.1``, not the double ``0.10000000149011612``)."""
    if value != value or value in (float("inf"), float("-inf")):
        return value
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == value:
            return Decimal(text)
    return Decimal(repr(value))


def _timestamp(value: dt.datetime) -> str:
    text = value.astimezone(_UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def utc_timestamp(value: dt.datetime) -> str:
    """A timestamp stored without a zone that is known to be UTC (Parquet INT96), as ISO 8601 with ``Z``."""
    return _timestamp(value.replace(tzinfo=_UTC))


def _iso(value: dt.datetime | dt.date) -> str:
    """A timestamp without a zone (kept without an offset) or a date (``YYYY-MM-DD``), as ISO 8601."""
    return value.isoformat()


def _binary(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def value_converter(arrow_type: Any) -> Converter | None:
    """The converter of one Arrow type's Python values (``Array.to_pylist()``) to JSON values, or
    None when they are JSON values already (strings, whole numbers, booleans)."""
    import pyarrow.types as types

    if types.is_decimal(arrow_type):
        return _decimal
    if types.is_float32(arrow_type) or types.is_float16(arrow_type):
        return _single
    if types.is_floating(arrow_type):
        return _double
    if types.is_timestamp(arrow_type):
        return _timestamp if arrow_type.tz is not None else _iso
    if types.is_date(arrow_type):
        return _iso
    if types.is_binary(arrow_type) or types.is_large_binary(arrow_type) or types.is_fixed_size_binary(arrow_type):
        return _binary
    if types.is_list(arrow_type) or types.is_large_list(arrow_type) or types.is_fixed_size_list(arrow_type):
        item = value_converter(arrow_type.value_type)
        if item is None:
            return None
        return lambda value: [None if element is None else item(element) for element in value]
    if types.is_struct(arrow_type):
        fields = {arrow_type.field(i).name: value_converter(arrow_type.field(i).type)
                  for i in range(arrow_type.num_fields)}
        converted = {name: convert for name, convert in fields.items() if convert is not None}
        if not converted:
            return None
        return lambda value: {name: (item if item is None or name not in converted else converted[name](item))
                              for name, item in value.items()}
    if types.is_map(arrow_type):
        key, item = value_converter(arrow_type.key_type), value_converter(arrow_type.item_type)
        return lambda value: {str(k if key is None else key(k)): (v if v is None or item is None else item(v))
                              for k, v in value}
    return None


def column_values(array: Any, convert: Converter | None) -> list[Any]:
    """The JSON values of one Arrow column, null as None."""
    values = array.to_pylist()
    if convert is None:
        return values
    return [None if value is None else convert(value) for value in values]


def batch_converters(schema: Any) -> list[Converter | None]:
    """One converter per field of an Arrow schema (see :func:`value_converter`)."""
    return [value_converter(field.type) for field in schema]


def batch_records(batch: Any, converters: list[Converter | None],
                  fields: list[tuple[int, str]] | None = None) -> Iterator[dict]:
    """The records of an Arrow record batch (or table) as Web API JSON objects, one per row; ``fields``
    picks the columns by position and names their keys (default: every column, by its name)."""
    if fields is None:
        fields = list(enumerate(batch.schema.names))
    columns = [column_values(batch.column(position), converters[position]) for position, _ in fields]
    if not columns:
        return ({} for _ in range(batch.num_rows))
    keys = [name for _, name in fields]
    return (dict(zip(keys, row)) for row in zip(*columns))
