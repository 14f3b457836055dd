"""The document blocks every parser emits and the shared builder consumes.

A parser's only job is to turn its format into this stream: headings, paragraphs, list items and
tables with their cell text already free of markup, each with the 1-based line where it
starts. Everything that gives the blocks meaning lives in :mod:`dvschema.parsers.builder`,
so all formats are interpreted by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Heading:
    """A heading; ``level`` 1 is the page title, 2 a section, 3 an item, 4 an options table."""

    text: str
    line: int
    level: int


@dataclass(slots=True)
class Paragraph:
    """Running text: a paragraph, a note, or an include directive (``include`` set)."""

    text: str
    line: int
    note: bool = False
    include: str | None = None


@dataclass(slots=True)
class ListItem:
    """A bullet list item; ``target`` is the link it consists of, if it is one (``other.md#BKMK_x``)."""

    text: str
    line: int
    target: str | None = None


@dataclass(slots=True)
class TableBlock:
    """A table: header cells, then rows of cells with the line of each row."""

    header: list[str]
    line: int
    rows: list[list[str]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)


@dataclass(slots=True)
class SectionIndex:
    """The link list at the head of a columns or relationships section: the names of the items it holds.

    Each name comes with the line that lists it, so a listed item that never gets its own
    heading (a truncated or cut-up page) can be reported where the page promised it.
    """

    names: list[str]
    lines: list[int]


Block = Heading | Paragraph | ListItem | TableBlock | SectionIndex
