"""JSON record files read record by record, in place: a top-level array, a Web API response
(``{"@odata.context": ..., "value": [...]}``) or a single object.

The file is mapped into memory; :func:`json_layout` finds where its records are without building
them: the elements of the array, cut into blocks of whole elements of about 1 MB (as JSONL files
are cut into blocks of whole lines), and the line where the first block starts. Each block is then
screened and checked like a block of JSONL lines (:mod:`dvschema.validation.run`), so memory stays
bounded and ``--jobs`` splits arrays as it splits JSONL. The structure between the elements (the
commas, the brackets) is checked here; what is inside an element is read by the screen or the JSON
reader. The element bounds are found in C (``_screen.c``) when the extension is built, and by the
same rules in Python otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import orjson

from dvschema.diagnostics import InputError, shorten
from dvschema.validation import screen as screens

UTF8_BOM = b"\xef\xbb\xbf"
_SPACE = re.compile(rb"[ \t\r\n]*")
# A JSON string (escapes included), a bracket, or a lone quote (a string that is never closed).
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|"', re.DOTALL)
_SCALAR = re.compile(rb'[^,\]}\[{":\s]+')
_CLOSE = {ord("["): ord("]"), ord("{"): ord("}")}


@dataclass(frozen=True)
class JsonLayout:
    """Where the records of a JSON file are: blocks of whole elements as byte ranges, and the line
    (1-based) where the first block starts. No blocks: the file holds no record."""

    blocks: list[tuple[int, int]]
    first_line: int = 1


def skip_bom(data: Any) -> int:
    """Where the content starts: after a UTF-8 byte-order mark (Windows PowerShell writes one)."""
    return len(UTF8_BOM) if data[:len(UTF8_BOM)] == UTF8_BOM else 0


def count_newlines(data: Any, start: int, stop: int) -> int:
    """The newlines in ``data[start:stop]`` (an mmap has no ``count``)."""
    return data[start:stop].count(b"\n")


def _skip_space(data: Any, position: int, stop: int | None = None) -> int:
    return _SPACE.match(data, position, len(data) if stop is None else stop).end()


def _value_end_python(data: Any, start: int, stop: int | None = None) -> int:
    """The end of the JSON value at ``start`` (before ``stop``) by its structure (-1: cut off or
    mismatched)."""
    stop = len(data) if stop is None else stop
    if start >= stop:
        return -1
    if data[start] not in b'[{"':
        match = _SCALAR.match(data, start, stop)
        return match.end() if match else -1
    closers: list[int] = []
    for match in _TOKEN.finditer(data, start, stop):
        token = match.group()
        first = token[0]
        if first == ord('"'):
            if len(token) == 1:
                return -1
            if not closers:
                return match.end()
        elif first in _CLOSE:
            closers.append(_CLOSE[first])
        elif not closers or closers.pop() != first:
            return -1
        elif not closers:
            return match.end()
    return -1


def _array_blocks_python(data: Any, start: int, size: int) -> tuple[list[tuple[int, int]], int]:
    """What ``_screen.array_blocks`` gives, in Python."""
    position = _skip_space(data, start)
    block = position
    if data[position:position + 1] == b"]":
        return [], position + 1
    blocks = []
    while True:
        after = _value_end_python(data, position)
        if after <= position:
            raise ValueError(("the array is not closed" if position >= len(data) else "not a JSON value", position))
        position = _skip_space(data, after)
        mark = data[position:position + 1]
        if mark == b",":
            following = _skip_space(data, position + 1)
            if following >= len(data) or data[following:following + 1] == b"]":
                raise ValueError(("a comma after the last element", position))
            if following - block >= size:
                blocks.append((block, following))
                block = following
            position = following
        elif mark == b"]":
            blocks.append((block, position))
            return blocks, position + 1
        else:
            raise ValueError(("the array is not closed" if not mark else "expected a comma or ]", position))


def _array_spans_python(data: Any, start: int, stop: int) -> list[tuple[int, int]]:
    """What ``_screen.array_spans`` gives, in Python."""
    spans = []
    position = start
    while True:
        position = _skip_space(data, position, stop)
        if position < stop and data[position:position + 1] == b",":
            position = _skip_space(data, position + 1, stop)
        if position >= stop:
            return spans
        after = _value_end_python(data, position, stop)
        if after <= position:
            raise ValueError(("not a JSON value", position))
        spans.append((position, after))
        position = after


def _value_span_python(data: Any, start: int) -> int:
    after = _value_end_python(data, start)
    return after if after > start else -1


_native = screens._screen  # None without a C compiler: the Python versions above do the same


def _functions() -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    if _native is not None:
        return _native.array_blocks, _native.array_spans, _native.value_span
    return _array_blocks_python, _array_spans_python, _value_span_python


def value_span(data: Any, start: int) -> int:
    """The end of the JSON value at ``start`` by its brackets and strings (-1: cut off or mismatched)."""
    return _functions()[2](data, start)


def array_spans(data: Any, start: int, stop: int) -> list[tuple[int, int]]:
    """The byte ranges of the elements of one block of :func:`json_layout`."""
    return _functions()[1](data, start, stop)


def structure_error(path: str, data: Any, position: int, reason: str) -> InputError:
    """A located error for a JSON file whose structure is broken at byte ``position``."""
    line = count_newlines(data, 0, position) + 1
    found = bytes(data[position:position + 60]).decode("utf-8", "replace")
    return InputError.at(path, line, "not valid JSON", found=shorten(found) or "the end of the file",
                         expected=f"a JSON array of records, a Web API response or one record ({reason})")


def json_layout(data: Any, path: str, size: int) -> JsonLayout:
    """Where the records of a JSON file's bytes are, in blocks of about ``size`` bytes of whole
    records; raise a located InputError when the structure around them is broken."""
    array_blocks, _, value_span = _functions()
    start = _skip_space(data, skip_bom(data))
    total = len(data)
    if start >= total:
        return JsonLayout([])  # empty, as an empty JSONL file: no records
    try:
        if data[start:start + 1] == b"[":
            blocks, end = array_blocks(data, start + 1, size)
        else:
            blocks, end = _object_or_value(data, start, size, array_blocks, value_span)
    except ValueError as error:
        reason, position = error.args[0]
        raise structure_error(path, data, position, reason) from None
    end = _skip_space(data, end)
    if end < total:
        raise structure_error(path, data, end, "content after the end of the document")
    first_line = count_newlines(data, 0, blocks[0][0]) + 1 if blocks else 1
    return JsonLayout(blocks, first_line)


def _object_or_value(data: Any, start: int, size: int, array_blocks: Callable[..., Any],
                     value_span: Callable[..., Any]) -> tuple[list[tuple[int, int]], int]:
    """The blocks of a Web API response's ``value`` array, or one block holding the single record
    (an object without such an array, or any other value, which the rules then reject)."""
    end = value_span(data, start)
    if end < 0:
        raise ValueError(("the document is not closed", start))
    if data[start:start + 1] != b"{":
        return [(start, end)], end
    position = _skip_space(data, start + 1)
    if data[position:position + 1] == b"}":
        return [(start, end)], end
    while True:
        if data[position:position + 1] != b'"':
            raise ValueError(("expected a key", position))
        key_end = value_span(data, position)
        try:
            key = orjson.loads(data[position:key_end]) if key_end > position else None
        except orjson.JSONDecodeError:
            key = None
        if type(key) is not str:
            raise ValueError(("expected a key", position))
        position = _skip_space(data, key_end)
        if data[position:position + 1] != b":":
            raise ValueError(("expected a colon", position))
        position = _skip_space(data, position + 1)
        if key == "value" and data[position:position + 1] == b"[":
            blocks, after = array_blocks(data, position + 1, size)  # a Web API collection response
            _close_object(data, after, value_span)
            return blocks, end
        after = value_span(data, position)
        if after < 0:
            raise ValueError(("not a JSON value", position))
        position = _skip_space(data, after)
        mark = data[position:position + 1]
        if mark == b"}":
            return [(start, end)], end
        if mark != b",":
            raise ValueError(("expected a comma or }", position))
        position = _skip_space(data, position + 1)


def _close_object(data: Any, position: int, value_span: Callable[..., Any]) -> None:
    """Check the members after ``position`` (such as ``"@odata.nextLink"``) up to the object's
    closing brace; raise ValueError((reason, offset)) where they are broken."""
    while True:
        position = _skip_space(data, position)
        mark = data[position:position + 1]
        if mark == b"}":
            return
        if mark != b",":
            raise ValueError(("expected a comma or }", position))
        position = _skip_space(data, position + 1)
        key_end = value_span(data, position) if data[position:position + 1] == b'"' else -1
        if key_end < 0:
            raise ValueError(("expected a key", position))
        position = _skip_space(data, key_end)
        if data[position:position + 1] != b":":
            raise ValueError(("expected a colon", position))
        position = _skip_space(data, position + 1)
        after = value_span(data, position)
        if after < 0:
            raise ValueError(("not a JSON value", position))
        position = after


def iter_elements(data: Any, layout: JsonLayout) -> Iterator[tuple[int, int, int]]:
    """Every record of a layout as ``(start, end, line)``."""
    line, counted = layout.first_line, layout.blocks[0][0] if layout.blocks else 0
    for start, stop in layout.blocks:
        for begin, end in array_spans(data, start, stop):
            line += count_newlines(data, counted, begin)
            counted = begin
            yield begin, end, line
