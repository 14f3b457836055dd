"""Record files in: JSON (an object, an array or a Web API response), JSONL, CSV and Parquet, streamed
with their positions.

Each reader yields :class:`RecordEntry` objects (record, line, index). JSONL and CSV are read
line by line, Parquet batch by batch, JSON record by record (:mod:`dvschema.validation.jsonarray`), in bounded memory. Unreadable input raises a located
:class:`~dvschema.diagnostics.InputError`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import mmap
import os
import stat
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Union

import orjson

from dvschema.diagnostics import InputError, shorten
from dvschema.validation.jsonarray import UTF8_BOM, iter_elements, json_layout, value_span
from dvschema.validation.jsonvalues import exact_int, loads_exact
from dvschema.validation.model import CHOICE_TYPES, INTEGER_TYPES, NUMBER_TYPES, display_name_index
from dvschema.validation.rules import parse_decimal
from dvschema.validation.validator import RecordEntry

if TYPE_CHECKING:  # the model is only named in annotations: validation never imports pydantic itself
    from dvschema.metaschema.model import Table

Buffer = Union[bytes, mmap.mmap]
RECORD_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


#: The path that names standard input.
STDIN = "-"
_stdin: list = [None, b""]  # the stream read, and what it held


def stdin_bytes() -> bytes:
    """Everything on standard input, read once per stream (its format is told from its content)."""
    stream = sys.stdin.buffer
    if _stdin[0] is not stream:
        _stdin[:] = [stream, stream.read()]
    return _stdin[1]


def content_format(data: bytes) -> str:
    """json, jsonl or csv, told from the bytes: one JSON document is json (one JSONL line is one
    too), other text that starts with ``{`` or ``[`` is jsonl, anything else csv."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] not in (b"{", b"["):
        return "csv"
    # by the structure alone (the C scanner of JSON arrays): parsing it all only to tell would build every
    # record at once, which the streaming reader exists to avoid
    end = value_span(text, 0)
    return "json" if end > 0 and not text[end:].strip() else "jsonl"


def record_format(path: str | Path) -> str:
    """Return json, jsonl, csv or parquet from the file name (for ``-``, standard input, from its content);
    raise InputError for another ending."""
    if str(path) == STDIN:
        return content_format(stdin_bytes())
    suffix = Path(path).suffix.lower()
    if suffix not in RECORD_SUFFIXES:
        raise InputError.at(str(path), None, "unknown record file type", found=suffix or "(no ending)",
                            expected=".json, .jsonl, .ndjson, .csv or .parquet")
    return RECORD_SUFFIXES[suffix]


def expand_record_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the record files found (recursively, sorted) in the folders named."""
    for path in paths:
        if str(path) != STDIN and path.is_dir():
            yield from sorted(child for child in path.rglob("*")
                              if child.is_file() and child.suffix.lower() in RECORD_SUFFIXES)
        else:
            yield path


def open_record_file(path: str):
    """Open a record file for binary reading; raise a located InputError when it cannot be read."""
    if path == STDIN:
        return io.BytesIO(stdin_bytes())
    try:
        return open(path, "rb")
    except OSError as error:
        raise _open_error(path, error) from None


def _open_error(path: str, error: OSError) -> InputError:
    return InputError.at(path, None, "cannot read the file", found=error.strerror or str(error),
                         expected="a readable record file")


def jsonl_line_error(path: str, number: int | None, line: bytes, reason: str) -> InputError:
    """The located error for a JSONL line that is not JSON (``reason``: the JSON reader's message)."""
    return InputError.at(path, number, "not valid JSON", found=shorten(line.decode("utf-8", "replace").strip()),
                         expected=f"one JSON object per line ({reason})")


def iter_jsonl(path: str) -> Iterator[RecordEntry]:
    """Yield one record per non-empty line (a byte-order mark before the first is passed over)."""
    loads = loads_exact
    with open_record_file(path) as handle:
        index = 0
        for number, line in enumerate(handle, 1):
            if number == 1 and line.startswith(UTF8_BOM):
                line = line[len(UTF8_BOM):]
            try:
                record = loads(line)
            except orjson.JSONDecodeError as error:
                if not line.strip():
                    continue
                raise jsonl_line_error(path, number, line, error.msg) from None
            yield RecordEntry(record, number, index)
            index += 1


def json_record_error(path: str, number: int | None, text: bytes, reason: str) -> InputError:
    """The located error for a record of a JSON file that is not JSON (``reason``: the reader's message)."""
    return InputError.at(path, number, "not valid JSON", found=shorten(text.decode("utf-8", "replace").strip()),
                         expected=f"a JSON record ({reason})")


@contextlib.contextmanager
def mapped_file(path: str) -> Iterator[Buffer]:
    """The bytes of a file, mapped into memory: blocks are scanned in place, and worker processes
    share the pages. A file that cannot be mapped (a pipe) is read whole."""
    with open_record_file(path) as handle:
        try:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise ValueError("not a regular file")
            data: Buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if status.st_size else b""
        except (OSError, ValueError):
            try:
                data = handle.read()
            except OSError as error:
                raise _open_error(path, error) from None
        try:
            yield data
        finally:
            if isinstance(data, mmap.mmap):
                data.close()


def iter_json(path: str) -> Iterator[RecordEntry]:
    """Yield the object of a JSON file, or each element of its top-level array (or of a Web API
    response's ``value``), with the line where it starts, read one record at a time."""
    with mapped_file(path) as data:
        layout = json_layout(data, path, 1 << 20)
        for index, (start, end, line) in enumerate(iter_elements(data, layout)):
            text = data[start:end]
            try:
                record = loads_exact(text)
            except orjson.JSONDecodeError as error:
                raise json_record_error(path, line, text, error.msg) from None
            yield RecordEntry(record, line, index)


class CsvText(str):
    """A CSV cell that did not convert to its column's type: kept as text, so the invalid-type rule
    reports it in CSV terms (``'1,000.00' is not a number``) rather than as a JSON string."""

    __slots__ = ()


def _whole_number(text: str) -> Any:
    """A whole-number cell as an int; beyond the digits ``int()`` converts (4,300) an exact Decimal,
    which the rules find out of range; anything else stays text."""
    if not text.strip().lstrip("+-").isdigit():
        return CsvText(text)
    return exact_int(text)


def _cell_converter(column_type: str) -> Callable[[str], Any]:
    if column_type in INTEGER_TYPES or column_type in CHOICE_TYPES:
        return _whole_number
    if column_type in NUMBER_TYPES:
        return lambda text: number if (number := parse_decimal(text)) is not None else CsvText(text)
    if column_type == "Boolean":
        words = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
        return lambda text: words.get(text.strip().lower(), CsvText(text))
    return lambda text: text


CSV_DELIMITERS = ",;\t|"


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample (``,``, ``;``, tab or ``|``), as csv.Sniffer finds it; ``,`` when
    it cannot tell (a one-column file)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


def header_names(header: list[str], table: Table, path: str, notes: list[str] | None) -> list[str]:
    """The record keys of a CSV header: logical names as they are; a display name that names exactly
    one column becomes its logical name (with a note); any other cell stays, for unknown-column."""
    logical = {column.logical_name for column in table.columns}
    by_display: dict[str, list[str]] | None = None
    written = set(header)
    names = []
    read_as = []
    for cell in header:
        name = cell.strip()
        if name not in logical and "@" not in name:
            by_display = by_display if by_display is not None else display_name_index(table)
            matches = by_display.get(" ".join(name.split()).casefold(), [])
            if len(matches) == 1 and matches[0] not in written:
                read_as.append(f"{name} as {matches[0]}")
                name = matches[0]
        names.append(name)
    if read_as and notes is not None:
        notes.append(f"{path}:1: {len(read_as)} header cells are display names, read as the columns they name: "
                     + ", ".join(read_as))
    return names


def _open_csv(path: str):
    if path == STDIN:
        return io.TextIOWrapper(io.BytesIO(stdin_bytes()), encoding="utf-8-sig", newline="")
    try:
        return open(path, newline="", encoding="utf-8-sig")
    except OSError as error:
        raise _open_error(path, error) from None


def iter_csv(path: str, table: Table, delimiter: str | None = None,
             notes: list[str] | None = None) -> Iterator[RecordEntry]:
    """Yield one record per CSV row: a header of logical (or display) names, cells converted per column type.

    An empty cell is null. Numbers become exact decimals; a cell that does not convert stays
    text, so the invalid-type rule reports it. The delimiter is sniffed from the first 64 KiB
    unless given.
    """
    converters = {column.logical_name: _cell_converter(column.type or "") for column in table.columns}
    handle = _open_csv(path)
    with handle:
        rows: Any = handle
        if delimiter is None:
            try:
                sample = handle.read(65536)
            except UnicodeDecodeError as error:
                raise _not_utf8(path, error) from None
            delimiter = sniff_delimiter(sample)
            if handle.seekable():
                handle.seek(0)
            else:  # a named pipe: the sample is read already; go on with it, its last line completed
                *lines, tail = sample.split("\n")
                lines = [line + "\n" for line in lines] + ([tail + handle.readline()] if tail else [])
                rows = itertools.chain(lines, handle)
        if csv.field_size_limit() < MAX_CSV_CELL:
            csv.field_size_limit(MAX_CSV_CELL)  # a Memo cell may be longer than csv's 131,072 default
        reader = csv.reader(rows, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            raise _not_utf8(path, error) from None
        except csv.Error as error:
            raise InputError.at(path, 1, "unreadable CSV header", found=str(error),
                                expected="a header row of logical names") from None
        header = header_names(header, table, path, notes)
        seen: set[str] = set()
        repeated = next((name for name in header if name in seen or seen.add(name)), None)
        if repeated is not None:  # a dict keeps the last cell: the first would be lost unseen
            raise InputError.at(path, 1, "a column is named twice in the CSV header", found=repeated,
                                expected="each column once")
        identity = lambda text: text  # noqa: E731
        convert = [converters.get(name, identity) for name in header]
        start = reader.line_num + 1
        index = 0
        try:
            for row in reader:
                if not row:
                    start = reader.line_num + 1
                    continue
                if len(row) != len(header):
                    raise InputError.at(path, start, "wrong number of cells", found=f"{len(row)} cells",
                                        expected=f"{len(header)} cells, as in the header")
                record = {name: (None if cell == "" else fn(cell)) for name, fn, cell in zip(header, convert, row)}
                yield RecordEntry(record, start, index)
                index += 1
                start = reader.line_num + 1
        except UnicodeDecodeError as error:
            raise _not_utf8(path, error) from None
        except csv.Error as error:
            raise InputError.at(path, reader.line_num, "unreadable CSV", found=str(error),
                                expected="RFC 4180 CSV in UTF-8") from None


#: The longest CSV cell read (characters): beyond any column's MaxLength, so max-length reports it.
MAX_CSV_CELL = 1 << 30


def _not_utf8(path: str, error: UnicodeDecodeError) -> InputError:
    """The error for a CSV file that is not UTF-8, at the line of its first undecodable byte (found by
    reading the file again as bytes; a named pipe cannot be, and is reported without a line)."""
    line = None
    found = f"byte 0x{error.object[error.start]:02x}" if error.start < len(error.object) else str(error)
    try:
        with open(path, "rb") as raw:
            for number, data in enumerate(raw, 1):
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as bad:
                    line, found = number, f"byte 0x{data[bad.start]:02x}"
                    break
    except OSError:
        pass
    return InputError.at(path, line, "not UTF-8 text", found=found, expected="CSV in UTF-8 (or UTF-8 with a BOM)")


def iter_parquet(path: str) -> Iterator[RecordEntry]:
    """Yield one record per row of a Parquet file (a lake export), numbered by record index: a
    Parquet file has no lines. Values become Web API JSON values by their Arrow type
    (:mod:`dvschema.validation.arrowvalues`); pyarrow comes with ``dvschema[spark]``."""
    try:
        import pyarrow
        import pyarrow.parquet as parquet
    except ImportError:
        raise InputError.at(path, None, "reading Parquet needs pyarrow", found="pyarrow is not installed",
                            expected="pip install 'dvschema[spark]' (or pyarrow)") from None
    from dvschema.validation.arrowvalues import batch_converters, batch_records, utc_timestamp

    try:
        handle = parquet.ParquetFile(path, coerce_int96_timestamp_unit="us")
    except (OSError, pyarrow.ArrowException) as error:  # unreadable, or not Parquet (ArrowInvalid)
        raise _parquet_error(path, error) from None
    converters = batch_converters(handle.schema_arrow)
    # Spark and Hive write timestamps as INT96 by default: instants in UTC, which Arrow reads without a
    # time zone. They are given their UTC offset, as the writer meant.
    for position in range(len(handle.schema_arrow)):
        if _is_int96(handle, position):
            converters[position] = utc_timestamp
    index = 0
    with handle:
        try:
            for batch in handle.iter_batches(batch_size=10_000):
                for record in batch_records(batch, converters):
                    yield RecordEntry(record, None, index)
                    index += 1
        except (OSError, pyarrow.ArrowException) as error:
            raise _parquet_error(path, error) from None


def _is_int96(handle: Any, position: int) -> bool:
    """Whether the top-level column at ``position`` is stored as INT96 (a flat column of the file)."""
    field = handle.schema_arrow.field(position)
    if str(field.type).startswith("timestamp") and field.type.tz is None:
        columns = [column for column in handle.schema if column.path == field.name]
        return bool(columns) and columns[0].physical_type == "INT96"
    return False


def _parquet_error(path: str, error: Exception) -> InputError:
    return InputError.at(path, None, "not a readable Parquet file", found=shorten(str(error)),
                         expected="a Parquet file (a table export)")


def iter_record_file(path: str | Path, table: Table, delimiter: str | None = None,
                     notes: list[str] | None = None) -> Iterator[RecordEntry]:
    """Yield the records of a JSON, JSONL, CSV or Parquet file (``-``: standard input). ``delimiter`` and
    ``notes`` (where header notes are added) are for CSV."""
    name = str(path)
    kind = record_format(name)
    if kind == "jsonl":
        return iter_jsonl(name)
    if kind == "json":
        return iter_json(name)
    if kind == "parquet":
        return iter_parquet(name)
    return iter_csv(name, table, delimiter, notes)
