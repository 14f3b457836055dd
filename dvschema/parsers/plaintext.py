"""Plain text copied from a rendered table-reference page into document blocks.

All markup is gone: each table row is one line with its cells joined by spaces or tabs, a
multi-line cell continues on the following lines, and the in-page link lists at the head of
each section are plain lines, one name a line. Blank lines cannot be relied on: a browser
puts none after a heading, a table or a list, and a select-all copy not even after the
title, while an HTML list inside a table cell brings blank lines into the table. So the
reader recognises blocks by their own first line, not by the blank lines around them:

- the title is the first line; known section headings of every generation (``Messages``,
  ``Writable attributes``, ``Many-To-One Relationships``...) open a section;
- ``Property Value``, ``Value Label ...``/``Value Details`` and the messages header open a
  table, which runs until a line that opens another block;
- in a columns or relationships section, the run of names at its head is its index
  (:class:`~dvschema.parsers.blocks.SectionIndex`); a name the index lists, or a lone name
  followed by what follows an item heading (a property table, ``Added by:``, a relationship
  sentence), is an item heading;
- ``Note`` alone on a line makes the next paragraph a note.

Cells split on tabs when a line has them: after a multi-line cell the next cell follows a
tab on the same line as the cell's last line, and an empty cell leaves its tab. Without
tabs, property rows split after the known property name and option rows after the value.
The 2017-18 list style shows as ``Key: value`` lines (options and cascades as lines after
``Options:`` and ``CascadeConfiguration:``), and the rows a 2019 Description's raw newlines
broke as ``| |Key|Value|`` text after it: both are read back into their property tables.
"""

from __future__ import annotations

import re
from typing import Iterator

from dvschema.parsers.blocks import Block, Heading, Paragraph, SectionIndex, TableBlock
from dvschema.parsers.builder import (COLUMN_SECTIONS, KNOWN_PROPERTY_NAMES, OPTION_HEADERS, RELATIONSHIP_SECTIONS,
                                      SECTIONS)

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CAMEL_CASE_KEY = re.compile(r"^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$")
_OPTION_ROW = re.compile(r"^-?\d+(?:\s|$)")
_OPTIONS_HEADING = re.compile(r"^\S+\s+(?:Choices/Options|Options|Choices)$")
_DEFAULT_VALUE = re.compile(r"^DefaultValue\s*:")
# What follows an item heading: its property table, an "Added by" or "Changes from" line, or
# the sentence that introduces a relationship.
_AFTER_ITEM_HEADING = re.compile(r"^(?:Property\s+Value$|Added by\s*:|Changes from\s|See\s|Same as\s|"
                                 r"(?:One|Many)-To-(?:One|Many) Relationship)", re.I)
_NOTE_MARKERS = frozenset({"Note", "Tip", "Important", "Warning", "Caution"})
_HTTP_VERBS = ("GET ", "POST ", "PATCH ", "DELETE ", "PUT ")
_TWO_WORD_KEYS = frozenset(key for key in KNOWN_PROPERTY_NAMES if " " in key)
_ITEM_SECTIONS = COLUMN_SECTIONS | RELATIONSHIP_SECTIONS
# The 2017-18 list style, rendered: "Key: value" lines, and option lines "Value: 1 Label: x State: 0".
_LIST_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9]*):(?:\s(?P<value>.*))?$")
_OPTION_LINE_KEYS = re.compile(r"(?:^|\s)(TrueOption Value|FalseOption Value|Value|Label|State|DefaultStatus|"
                               r"InvariantName):(?=\s|$)")
_OPTION_LINE_HEADERS = {"TrueOption Value": "Value", "FalseOption Value": "Value"}


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("\t")] if "\t" in line else line.split()


def _section_of(line: str) -> str | None:
    return SECTIONS.get(" ".join(line.split()).lower())


def read_plain_text(text: str) -> Iterator[Block]:
    """Yield the blocks of a plain-text page."""
    return _PlainTextReader(text.split("\n")).blocks()


class _PlainTextReader:
    """One pass over the lines; ``position`` is the 0-based index of the next line to read."""

    def __init__(self, lines: list[str]):
        self.lines = [line.rstrip(" ") for line in lines]
        self.position = 0
        self.section = "intro"
        self.index: set[str] = set()
        self.items_seen = False
        self.item_heading = ""

    # -- looking at lines ------------------------------------------------------------------

    def _next_nonblank(self, start: int) -> int | None:
        for number in range(start, len(self.lines)):
            if self.lines[number].strip():
                return number
        return None

    def _table_kind(self, number: int) -> str | None:
        """``property``, ``options`` or ``messages`` when the line is a table header."""
        line = self.lines[number]
        header = _cells(line.strip())
        if header == ["Property", "Value"]:
            return "property"
        if len(header) >= 2 and header[0] == "Value" and all(cell in OPTION_HEADERS or cell == "Details"
                                                              for cell in header):
            return "options"
        if self.section in ("messages", "events") and header and header[0] in ("Message", "Name"):
            return "messages"
        return None

    def _is_item_heading(self, number: int) -> bool:
        """A lone name in a columns or relationships section that opens an item."""
        text = self.lines[number].strip()
        if self.section not in _ITEM_SECTIONS or not _IDENTIFIER.match(text):
            return False
        if text in self.index:
            return True
        following = self._next_nonblank(number + 1)
        if following is None:
            return False  # a name on the page's last line heads nothing (2017-18 pages end with theirs)
        after = " ".join(self.lines[following].split())
        return bool(_AFTER_ITEM_HEADING.match(after)) or _is_property_list([after])

    def _starts_block(self, number: int) -> bool:
        text = self.lines[number].strip()
        return (_section_of(text) is not None or bool(_OPTIONS_HEADING.match(text)) or text in _NOTE_MARKERS
                or self._table_kind(number) is not None or self._is_item_heading(number)
                or "\t" not in text and _is_property_list([text]))

    # -- blocks ---------------------------------------------------------------------------

    def blocks(self) -> Iterator[Block]:
        first = self._next_nonblank(0)
        if first is None:
            return
        yield Heading(" ".join(self.lines[first].split()), first + 1, 1)
        self.position = first + 1
        while True:
            number = self._next_nonblank(self.position)
            if number is None:
                return
            self.position = number
            text = self.lines[number].strip()
            section = _section_of(text)
            if section is not None:
                self.section, self.index, self.items_seen = section, set(), False
                self.position += 1
                yield Heading(text, number + 1, 2)
            elif _OPTIONS_HEADING.match(text):
                self.position += 1
                yield Heading(text, number + 1, 4)
            elif text in _NOTE_MARKERS:
                following = self._next_nonblank(number + 1)
                if following is None:
                    yield self._paragraph()
                else:
                    self.position = following
                    note = self._paragraph()
                    note.note = True
                    yield note
            elif (kind := self._table_kind(number)) is not None:
                table = self._table(kind)
                yield from self._release(table) if kind == "property" else (table,)
            elif "\t" not in text and _is_property_list([text]):
                lines = self._chunk(number)
                yield from self._release(_property_list(lines, number + 1))
            elif self.section in _ITEM_SECTIONS and not self.items_seen and not self.index \
                    and _IDENTIFIER.match(text):
                yield from self._section_head()
            elif self._is_item_heading(number):
                self.position += 1
                yield self._item_heading(text, number + 1)
            else:
                yield self._paragraph()

    def _section_head(self) -> Iterator[Block]:
        """The run of names at a section's head: its index, then (usually) the first item's heading.

        The last name is the first item's heading when what follows it opens an item (a
        property table, a relationship sentence...); when the section ends right after the
        run (a page cut after its index) or another name follows a blank line, every name
        is listed. A single name alone is a heading, never an index (pages list two or more).
        """
        start = self.position
        end = start
        while end < len(self.lines) and _IDENTIFIER.match(self.lines[end].strip()):
            end += 1
        names = [self.lines[number].strip() for number in range(start, end)]
        following = self._next_nonblank(end)
        following_text = "" if following is None else self.lines[following].strip()
        all_listed = following is None or _section_of(following_text) is not None or bool(
            _IDENTIFIER.match(following_text))
        listed = len(names) if all_listed else len(names) - 1
        if len(names) == 1 and not (following is None or _section_of(following_text) is not None):
            listed = 0
        if listed:
            self.index = set(names[:listed])
            yield SectionIndex(names[:listed], [number + 1 for number in range(start, start + listed)])
            self.position = start + listed
        if listed < len(names):
            if not self._is_item_heading(end - 1):
                yield self._paragraph()
                return
            self.position = end
            yield self._item_heading(names[-1], end)

    def _item_heading(self, name: str, line: int) -> Heading:
        self.items_seen = True
        self.index.discard(name)
        self.item_heading = name
        return Heading(name, line, 3)

    def _chunk(self, start: int) -> list[str]:
        """The lines from ``start`` up to a blank line or the next block; the position moves past them."""
        end = start + 1
        while end < len(self.lines) and self.lines[end].strip() and not self._starts_block(end):
            end += 1
        self.position = end
        return self.lines[start:end]

    def _release(self, held: TableBlock) -> Iterator[Block]:
        """A property table, with what the next lines add to it: the 2017-18 options or cascade lines
        its last row introduces, or the rows after a Description its raw newlines broke (2019)."""
        following = self._next_nonblank(self.position)
        if following is None:
            yield from _continue_held(held, [], 0, self.item_heading)[0]
            return
        position = self.position
        lines = self._chunk(following)
        blocks, consumed = _continue_held(held, lines, following + 1, self.item_heading)
        if not consumed:
            self.position = position
        yield from blocks

    def _paragraph(self) -> Paragraph:
        start = self.position
        parts = []
        number = start
        while number < len(self.lines) and self.lines[number].strip():
            if number > start and self._starts_block(number):
                break
            parts.append(self.lines[number].strip())
            number += 1
        self.position = number
        return Paragraph("\n".join(parts), start + 1)

    # -- tables ---------------------------------------------------------------------------

    def _table(self, kind: str) -> TableBlock:
        start = self.position
        header_line = self.lines[start]
        tabbed = "\t" in header_line
        header = _cells(header_line.strip())
        body = start + 1
        if kind == "messages":
            # The generated pages' first header cell is two lines: "Name", then "Is Event?".
            with_event_flag = body < len(self.lines) and self.lines[body].strip().startswith("Is Event?")
            if with_event_flag:
                tabbed = "\t" in self.lines[body]
                header = ["Name\nIs Event?", *_cells(self.lines[body].strip())[1:]] if tabbed else []
                body += 1
            lines = self._table_lines(body, lambda number: False, stop_at_blank=True, ends_table=lambda text: False)
            if tabbed:
                return self._tab_table(header, start, lines, with_event_flag)
            return _space_messages_table(self.lines, lines, start + 1, with_event_flag)
        if kind == "property":
            header = ["Property", "Value"]
            is_row = (lambda number: "\t" in self.lines[number]) if tabbed else \
                (lambda number: _is_property_row(self.lines[number].strip()))
        else:
            is_row = (lambda number: "\t" in self.lines[number]) if tabbed else \
                (lambda number: bool(_OPTION_ROW.match(self.lines[number].strip())))
        lines = self._table_lines(body, is_row, stop_at_blank=False,
                                  ends_table=_ends_options_table if kind == "options" else _ends_property_table)
        if tabbed:
            return self._tab_table(header, start, lines, False)
        return _space_table(kind, header, self.lines, lines, start + 1)

    def _table_lines(self, body: int, is_row, *, stop_at_blank: bool, ends_table) -> list[int]:
        """The line numbers (0-based) that belong to a table: up to the next block, or a line ``ends_table``.

        A blank line ends the table unless a row of the table follows it, or lines that
        then run into a row (an HTML list inside a cell): those continue the cell.
        """
        taken: list[int] = []
        number = body
        while number < len(self.lines):
            text = self.lines[number].strip()
            if not text:
                resumed = None if stop_at_blank or not taken else self._resume_after_blank(number, is_row, taken)
                if resumed is None:
                    break
                number = resumed
                continue
            if self._starts_block(number) or ends_table(text):
                break
            taken.append(number)
            number += 1
        self.position = number
        return taken

    def _resume_after_blank(self, blank: int, is_row, taken: list[int]) -> int | None:
        """Where the table goes on after a blank line, or None when the blank line ends it.

        It goes on at a row of the table, or takes the lines before the next row into the
        last cell (the items of an HTML list inside a cell), unless they open a block.
        """
        following = self._next_nonblank(blank)
        if following is None:
            return None
        if is_row(following) and not self._starts_block(following):
            return following
        end = following
        while end < len(self.lines) and self.lines[end].strip() and not is_row(end) and not self._starts_block(end):
            end += 1
        after = self._next_nonblank(end)
        if end == following or after is None or not is_row(after) or self._starts_block(after):
            return None
        taken.extend(range(following, end))
        return after

    def _tab_table(self, header: list[str], start: int, lines: list[int], with_event_flag: bool) -> TableBlock:
        """Rows of a tab-separated table: a row is complete when it has a cell per header cell."""
        block = TableBlock(header=header, line=start + 1)
        width = len(header)
        row: list[str] | None = None
        for position, number in enumerate(lines):
            text = self.lines[number].strip(" ")
            following = self.lines[lines[position + 1]].strip() if position + 1 < len(lines) else ""
            if with_event_flag:
                starts_row = "\t" not in text and following.startswith("Event:")
            else:
                first = text.split("\t", 1)[0].strip()
                starts_row = "\t" in text and (row is None or len(row) >= width or bool(_IDENTIFIER.match(first))
                                               and not following.startswith("Event:"))
            if starts_row or row is None:
                row = [cell.strip() for cell in text.split("\t")]
                block.rows.append(row)
                block.row_lines.append(number + 1)
            elif len(row) < width:
                parts = text.split("\t")
                row[-1] = (row[-1] + "\n" + parts[0].strip()).strip("\n")
                row.extend(cell.strip() for cell in parts[1:])
            else:
                row[-1] = (row[-1] + "\n" + text.strip()).strip("\n")
        for row in block.rows:
            row.extend("" for _ in range(width - len(row)))
        return block


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


def _ends_options_table(text: str) -> bool:
    """The ``DefaultValue: False`` paragraph that closes a Boolean's options (2023 pages)."""
    return bool(_DEFAULT_VALUE.match(text))


def _ends_property_table(text: str) -> bool:
    """Text closing a Description its raw newlines broke, with the table's remaining rows (2019 pages)."""
    return "\t" not in text and "|" in text and _broken_rows([text]) is not None


def _two_word_key(line: str) -> str | None:
    """The two-word property name (``True Label``) a line starts with, if any."""
    for key in _TWO_WORD_KEYS:
        if line.startswith(key) and line[len(key): len(key) + 1] in ("", " "):
            return key
    return None


def _is_property_row(line: str) -> bool:
    """Tell a new property row from a continuation line of a multi-line value (space-joined cells).

    Known property names always start a row; an unknown CamelCase name starts one only
    when a value follows it, so a lone word continuing a description stays in it.
    """
    if _two_word_key(line):
        return True
    token, _, value = line.partition(" ")
    return token in KNOWN_PROPERTY_NAMES or (bool(value.strip()) and bool(_CAMEL_CASE_KEY.match(token)))


def _split_property_row(line: str) -> list[str]:
    key = _two_word_key(line)
    if key:
        return [key, line[len(key):].strip()]
    key, _, value = line.partition(" ")
    return [key, value.strip()]


def _split_option_row(header: list[str], text: str) -> list[str]:
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


def _space_table(kind: str, header: list[str], lines: list[str], numbers: list[int], line: int) -> TableBlock:
    """Rows of a space-joined property or options table."""
    block = TableBlock(header=header, line=line)
    for number in numbers:
        text = lines[number].strip()
        starts_row = _is_property_row(text) if kind == "property" else bool(_OPTION_ROW.match(text))
        if starts_row or not block.rows:
            block.rows.append(_split_property_row(text) if kind == "property" else _split_option_row(header, text))
            block.row_lines.append(number + 1)
        else:
            block.rows[-1][-1] = (block.rows[-1][-1] + "\n" + text).strip("\n")
    return block


def _starts_message_row(text: str, next_line: str, with_event_flag: bool) -> bool:
    name, _, rest = text.partition(" ")
    if not _IDENTIFIER.match(name):
        return False
    if with_event_flag:
        return not rest and next_line.startswith("Event:")
    rest = rest.strip()
    return rest.startswith(_HTTP_VERBS) or name in rest or rest.startswith("This message")


def _space_messages_table(lines: list[str], numbers: list[int], line: int, with_event_flag: bool) -> TableBlock:
    """Messages rows of space-joined text: the name (and ``Event:`` flag) is kept.

    Cell boundaries of the Web API and SDK cells are not recoverable from space-joined
    text, so those two cells are left empty rather than guessed.
    """
    block = TableBlock(header=["Name", "Web API Operation", "SDK"], line=line)
    for position, number in enumerate(numbers):
        text = lines[number].strip()
        following = lines[numbers[position + 1]].strip() if position + 1 < len(numbers) else ""
        if _starts_message_row(text, following, with_event_flag):
            name, _, rest = text.partition(" ")
            # "This message is to be executed only by Dataverse ..." is one cell: kept, it marks an event.
            block.rows.append([name, rest.strip() if rest.strip().startswith("This message") else "", ""])
            block.row_lines.append(number + 1)
        elif block.rows and text.startswith("Event:") and "\n" not in block.rows[-1][0]:
            block.rows[-1][0] += "\n" + " ".join(text.split()[:2])
    return block
