"""Plain text copied from a rendered table-reference page into document blocks.

All markup is gone: each table row is one line with its cells joined by spaces (or tabs,
when copied from a browser), a multi-line cell continues on the following lines, and link
lists are dropped. Blank lines separate blocks. What a block is follows from its first
line: a known section title, a table header (``Property Value``, ``Value Label ...``,
``Message Web API Operation ...``), an options heading, or a column/relationship name.
"""

from __future__ import annotations

import re
from typing import Iterator

from dvschema.parsers.blocks import Block, Heading, Paragraph, TableBlock
from dvschema.parsers.builder import KNOWN_PROPERTY_NAMES, OPTION_HEADERS, SECTIONS

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CAMEL_CASE_KEY = re.compile(r"^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$")
_OPTION_ROW = re.compile(r"^-?\d+(?:\s|$)")
_OPTIONS_HEADING = re.compile(r"^\S+\s+(?:Choices/Options|Options|Choices)$")
_HTTP_VERBS = ("GET ", "POST ", "PATCH ", "DELETE ", "PUT ")
_TWO_WORD_KEYS = frozenset(key for key in KNOWN_PROPERTY_NAMES if " " in key)
# The 2017-18 list style, rendered: "Key: value" lines, and option lines "Value: 1 Label: x State: 0".
_LIST_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9]*):(?:\s(?P<value>.*))?$")
_OPTION_LINE_KEYS = re.compile(r"(?:^|\s)(TrueOption Value|FalseOption Value|Value|Label|State|DefaultStatus|"
                               r"InvariantName):(?=\s|$)")
_OPTION_LINE_HEADERS = {"TrueOption Value": "Value", "FalseOption Value": "Value"}


def _chunks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    start = 0
    current: list[str] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip(" "))
        elif current:
            yield start, current
            current = []
    if current:
        yield start, current


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("\t")] if "\t" in line else line.split()


def read_plain_text(text: str) -> Iterator[Block]:
    """Yield the blocks of a plain-text page."""
    chunks = list(_chunks(text.split("\n")))
    section = "intro"
    item_heading = ""
    # A property table whose next chunk may still belong to it: the rows after a Description its raw
    # newlines broke, or the option / cascade lines a 2017-18 "Key:" with no value introduces.
    held: TableBlock | None = None
    for index, (line, lines) in enumerate(chunks):
        first = lines[0].strip()
        if index == 0:
            yield Heading(" ".join(" ".join(lines).split()), line, 1)
            continue
        if held is not None:
            blocks, consumed = _continue_held(held, lines, line, item_heading)
            held = None
            yield from blocks
            if consumed:
                continue
        if _is_property_list(lines):
            held = _property_list(lines, line)
            continue
        lowered = " ".join(first.split()).lower()
        if len(lines) == 1 and lowered in SECTIONS:
            section = SECTIONS[lowered]
            yield Heading(first, line, 2)
            continue
        header = _cells(first)
        if header[:2] == ["Property", "Value"]:
            held = _property_table(lines, line)
        elif header and header[0] == "Value" and len(header) >= 2 and all(cell in OPTION_HEADERS or cell == "Details"
                                                                         for cell in header):
            yield _options_table(header, lines, line)
        elif section in ("messages", "events") and header and header[0] in ("Message", "Name"):
            yield _messages_table(lines, line)
        elif len(lines) == 1 and _OPTIONS_HEADING.match(first):
            yield Heading(first, line, 4)
        # A name on the page's last line heads nothing: it is text (the 2018 systemuserlicenses page ends so).
        elif len(lines) == 1 and _IDENTIFIER.match(first) and section not in ("intro", "messages", "events",
                                                                              "properties") and index + 1 < len(chunks):
            item_heading = first
            yield Heading(first, line, 3)
        elif first == "Note":
            yield Paragraph("\n".join(part.strip() for part in lines[1:]), line, note=True)
        else:
            yield Paragraph("\n".join(part.strip() for part in lines), line)
    if held is not None:
        yield from _continue_held(held, [], 0, item_heading)[0]


def _is_property_list(lines: list[str]) -> bool:
    """A rendered 2017-18 property list: its first line is ``Key: value`` with a known property name."""
    match = _LIST_LINE.match(lines[0].strip())
    return bool(match) and match.group("key") in KNOWN_PROPERTY_NAMES


def _property_list(lines: list[str], line: int) -> TableBlock:
    block = TableBlock(header=["Property", "Value"], line=line)
    for offset, text in enumerate(lines):
        match = _LIST_LINE.match(text.strip())
        if match and (match.group("key") in KNOWN_PROPERTY_NAMES or match.group("key") == "Options"):
            block.rows.append([match.group("key"), (match.group("value") or "").strip()])
            block.row_lines.append(line + offset)
        elif block.rows:
            block.rows[-1][-1] = (block.rows[-1][-1] + "\n" + text.strip()).strip("\n")
    return block


def _continue_held(held: TableBlock, lines: list[str], line: int, item_heading: str) -> tuple[list[Block], bool]:
    """The held property table, with the next chunk if it continues it; returns the blocks and whether the
    chunk was consumed."""
    last = held.rows[-1] if held.rows else None
    if last is not None and last[0] == "Options" and not last[1]:
        held.rows.pop()
        options_line = held.row_lines.pop()
        options = TableBlock(header=["Value", "Label"], line=options_line)
        consumed = bool(lines) and all(_OPTION_LINE_KEYS.match(text.strip()) for text in lines)
        if consumed:
            options = _option_lines(lines, line)
        blocks: list[Block] = [held] if held.rows else []
        return blocks + [Heading(f"{item_heading} Options", options_line, 4), options], consumed
    if last is not None and not last[1] and lines and not _is_property_list(lines) and all(
            _LIST_LINE.match(text.strip()) for text in lines):
        # "CascadeConfiguration:" and its "Assign: NoCascade" lines.
        last[1] = "\n".join(text.strip() for text in lines)
        return [held], True
    rows = _broken_rows(lines)
    if last is not None and rows is not None:
        continued, row_texts = rows
        for text in continued:
            last[-1] = (last[-1] + "\n" + text).strip("\n")
        for text, row_line in row_texts:
            held.rows.append([cell.strip() for cell in text.strip()[1:-1].split("|")])
            held.row_lines.append(line + row_line)
        return [held], True
    return [held], False


def _broken_rows(lines: list[str]) -> tuple[list[str], list[tuple[str, int]]] | None:
    """Lines that close a cell with `` |`` and go on with ``|Key|Value|`` rows: a property table its
    Description's raw newlines broke. Returns the continued text and the rows with their chunk lines.

    A browser joins the lines of that paragraph with spaces (``... Percent | |DisplayName|Amount Method|
    |Type|Picklist|``); those rows are split apart first, at their ``| |`` seams.
    """
    split = _split_joined_rows(lines)
    closing = next((number for number, (text, _) in enumerate(split) if text.rstrip().endswith("|")), None)
    if closing is None or split[0][0].lstrip().startswith("|"):
        return None
    rows = split[closing + 1:]
    if not all(text.strip().startswith("|") and text.strip().endswith("|") for text, _ in rows):
        return None
    continued = [text.strip() for text, _ in split[:closing]] + [split[closing][0].rstrip()[:-1].strip()]
    return [text for text in continued if text], rows


def _split_joined_rows(lines: list[str]) -> list[tuple[str, int]]:
    """Each line, or the rows a browser joined into it, with the chunk line it stands on."""
    result: list[tuple[str, int]] = []
    for number, text in enumerate(lines):
        stripped = text.strip()
        head, seam, tail = stripped.partition(" | |")
        if seam and stripped.endswith("|") and not stripped.startswith("|"):
            result.append((head + " |", number))
            result += [("|" + row.strip("|") + "|", number) for row in ("|" + tail).split("| |")]
        else:
            result.append((text, number))
    return result


def _option_lines(lines: list[str], line: int) -> TableBlock:
    """``Value: 1 Label: x State: 0`` lines as an options table."""
    items: list[dict[str, str]] = []
    for text in lines:
        parts = _OPTION_LINE_KEYS.split(text.strip())
        cells: dict[str, str] = {}
        for key, value in zip(parts[1::2], parts[2::2]):
            cells[_OPTION_LINE_HEADERS.get(key, key)] = value.strip()
        items.append(cells)
    header = ["Value"]
    for cells in items:
        header += [key for key in cells if key not in header]
    block = TableBlock(header=header, line=line)
    for offset, cells in enumerate(items):
        block.rows.append([cells.get(key, "") for key in header])
        block.row_lines.append(line + offset)
    return block


def _two_word_key(line: str) -> str | None:
    """The two-word property name (``True Label``) a line starts with, if any."""
    for key in _TWO_WORD_KEYS:
        if line.startswith(key) and line[len(key): len(key) + 1] in ("", " "):
            return key
    return None


def _is_property_row(line: str, tab_separated: bool) -> bool:
    """Tell a new property row from a continuation line of a multi-line value.

    Known property names always start a row; an unknown CamelCase name starts one only
    when a value follows it, so a lone word continuing a description stays in it.
    """
    if tab_separated:
        return "\t" in line
    if _two_word_key(line):
        return True
    token, _, value = line.partition(" ")
    return token in KNOWN_PROPERTY_NAMES or (bool(value.strip()) and bool(_CAMEL_CASE_KEY.match(token)))


def _split_property_row(line: str) -> list[str]:
    if "\t" in line:
        key, _, value = line.partition("\t")
        return [key.strip(), value.strip()]
    key = _two_word_key(line)
    if key:
        return [key, line[len(key):].strip()]
    key, _, value = line.partition(" ")
    return [key, value.strip()]


def _property_table(lines: list[str], line: int) -> TableBlock:
    block = TableBlock(header=["Property", "Value"], line=line)
    tab_separated = "\t" in lines[0]
    for offset, text in enumerate(lines[1:], 1):
        text = text.strip() if not tab_separated else text.strip(" ")
        if _is_property_row(text, tab_separated) or not block.rows:
            block.rows.append(_split_property_row(text))
            block.row_lines.append(line + offset)
        else:
            block.rows[-1][-1] = (block.rows[-1][-1] + "\n" + text).strip("\n")
    return block


def _split_option_row(header: list[str], text: str) -> list[str]:
    if "\t" in text:
        return [cell.strip() for cell in text.split("\t")]
    value, _, rest = text.partition(" ")
    rest = rest.strip()
    trailing = header[2:]
    if trailing and trailing[-1] in ("Description", "Label"):
        # A free-text last column cannot be told apart from the label in space-joined text.
        return [value, rest]
    tail: list[str] = []
    words = rest.split(" ")
    for _ in trailing:
        if len(words) > 1:
            tail.insert(0, words.pop())
    return [value, " ".join(words), *tail]


def _options_table(header: list[str], lines: list[str], line: int) -> TableBlock:
    block = TableBlock(header=header, line=line)
    for offset, text in enumerate(lines[1:], 1):
        text = text.strip()
        if _OPTION_ROW.match(text) or not block.rows:
            block.rows.append(_split_option_row(header, text))
            block.row_lines.append(line + offset)
        else:
            block.rows[-1][-1] = block.rows[-1][-1] + "\n" + text
    return block


def _starts_message_row(text: str, next_line: str, with_event_flag: bool) -> bool:
    name, _, rest = text.partition(" ")
    if not _IDENTIFIER.match(name):
        return False
    if with_event_flag:
        return not rest and next_line.startswith("Event:")
    rest = rest.strip()
    return rest.startswith(_HTTP_VERBS) or name in rest or rest.startswith("This message")


def _messages_table(lines: list[str], line: int) -> TableBlock:
    """Messages rows: the name (and ``Event:`` flag) is kept; the operation cells run together.

    Cell boundaries of the Web API and SDK cells are not recoverable from space-joined
    text, so those two cells are left empty rather than guessed.
    """
    with_event_flag = len(lines) > 1 and lines[1].strip().startswith("Is Event?")
    body = lines[2:] if with_event_flag else lines[1:]
    first_row = line + (2 if with_event_flag else 1)
    block = TableBlock(header=["Name", "Web API Operation", "SDK"], line=line)
    for offset, text in enumerate(body):
        text = text.strip()
        following = body[offset + 1].strip() if offset + 1 < len(body) else ""
        if _starts_message_row(text.replace("\t", " "), following, with_event_flag):
            name, _, rest = text.replace("\t", " ").partition(" ")
            # "This message is to be executed only by Dataverse ..." is one cell: kept, it marks an event.
            block.rows.append([name, rest.strip() if rest.strip().startswith("This message") else "", ""])
            block.row_lines.append(first_row + offset)
        elif block.rows and text.startswith("Event:") and "\n" not in block.rows[-1][0]:
            block.rows[-1][0] += "\n" + " ".join(text.split()[:2])
    return block
