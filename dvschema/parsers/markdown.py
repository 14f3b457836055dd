"""Markdown table-reference pages (all four generations) into document blocks.

The page is tokenised by markdown-it-py (CommonMark with tables and inline HTML) and
the token stream is walked once; no regular expression ever looks at markdown lines.
Only the DocFX extensions that markdown-it does not know (``<xref:...>`` cross
references and ``[!INCLUDE]``/``[!NOTE]`` directives) are read from a token's text.

The 2017–18 list style writes properties as ``**Key**: value<br />`` lines and options as
a bullet list of ``**Value**: 1 **Label**: x`` items; those are read from the inline
tokens (strong, text, ``<br />``) and emitted as the same property and options tables
the other generations have, so the builder sees no difference.
"""

from __future__ import annotations

import re
from typing import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from dvschema.parsers.blocks import Block, Heading, ListItem, Paragraph, SectionIndex, TableBlock
from dvschema.parsers.frontmatter import split_front_matter

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")

_XREF_TEXT = re.compile(r"<xref:(?P<uid>[^\s>]+?)\s*/?>")
_XREF_HREF = re.compile(r"""<xref\s+href=["'](?P<uid>[^"']+)["']""")
_INCLUDE = re.compile(r"^\[!INCLUDE\s*\[(?P<name>[^\]]*)\]\((?P<path>[^)]*)\)\]$")
_NOTE_MARKER = re.compile(r"^\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.I)
_LINE_BREAK_TAGS = ("<br", "<li", "</li", "<ul", "</ul", "<p", "</p")


def xref_display_text(uid: str) -> str:
    """Return what the docs site shows for an ``xref`` uid: its ``text=`` or the member's short name."""
    uid, _, query = uid.partition("?")
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == "text" and value:
            return value
    return uid.rstrip("*").rsplit(".", 1)[-1]


def _expand_xrefs(text: str) -> str:
    if "<xref" not in text:
        return text
    return _XREF_TEXT.sub(lambda match: xref_display_text(match.group("uid")), text)


def inline_text(token: Token) -> str:
    """Return the visible text of an inline token: markup, link targets and anchors removed.

    ``<br />`` and list tags inside table cells become line breaks, so a multi-line cell
    reads the same as its plain-text rendering; a soft line break inside a paragraph is a
    space, as every renderer shows it.
    """
    return children_text(token.children or [])


def children_text(children: list[Token]) -> str:
    """Return the visible text of a run of inline child tokens (see :func:`inline_text`)."""
    parts: list[str] = []
    skip_until_close = False
    for child in children:
        kind = child.type
        if skip_until_close:
            skip_until_close = kind != "link_close"
            continue
        if kind == "text" or kind == "code_inline":
            parts.append(_expand_xrefs(child.content) if kind == "text" else child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "link_open" and child.markup == "autolink":
            href = str(child.attrs.get("href", ""))
            if href.startswith("xref:"):
                parts.append(xref_display_text(href[5:]))
                skip_until_close = True
        elif kind == "html_inline":
            tag = child.content.lower()
            if tag.startswith("<xref"):
                match = _XREF_HREF.match(child.content)
                if match:
                    parts.append(xref_display_text(match.group("uid")))
            elif tag.startswith(_LINE_BREAK_TAGS):
                parts.append("\n")
        elif kind == "image":
            parts.append(child.content)
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def read_markdown(text: str, list_style: bool = False) -> tuple[dict[str, str | list[str]], Iterator[Block]]:
    """Split off the front matter and return it with the block stream of the body.

    ``list_style`` reads ``**Key**: value`` paragraphs as property lists (the 2017–18 generation);
    in the other generations such a line (``**Added by**:``) is running text.
    """
    front_matter, body, offset = split_front_matter(text)
    return front_matter, _blocks(_MARKDOWN.parse(body), offset, body.split("\n"), list_style)


def _line(token: Token, offset: int) -> int:
    return token.map[0] + 1 + offset if token.map else 0


def _blocks(tokens: list[Token], offset: int, lines: list[str], list_style: bool) -> Iterator[Block]:
    index = 0
    count = len(tokens)
    in_list = 0
    in_quote = 0
    item_heading = ""
    while index < count:
        token = tokens[index]
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open") and not in_list and not in_quote:
            end, block = _top_level_list(tokens, index, offset)
            if block is not None:
                yield block
                index = end
                continue
            in_list += 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif kind == "blockquote_open":
            in_quote += 1
        elif kind == "blockquote_close":
            in_quote -= 1
        elif kind == "heading_open":
            heading = Heading(inline_text(tokens[index + 1]), _line(token, offset), int(token.tag[1:]))
            if heading.level == 3:
                item_heading = heading.text
            yield heading
            index += 3
            continue
        elif kind == "paragraph_open" and not in_list:
            inline = tokens[index + 1]
            line = _line(token, offset)
            include = _INCLUDE.match(inline.content.strip())
            if include:
                yield Paragraph("", line, include=include.group("name"))
            elif list_style and not in_quote and is_property_list(inline):
                index, blocks = _property_list(tokens, index, offset, item_heading)
                yield from blocks
                continue
            else:
                paragraph = inline_text(inline)
                if in_quote:
                    paragraph = _NOTE_MARKER.sub("", paragraph).strip()
                if paragraph:
                    yield Paragraph(paragraph, line, note=bool(in_quote))
            index += 3
            continue
        elif kind == "paragraph_open" and in_list and not in_quote:
            inline = tokens[index + 1]
            yield ListItem(inline_text(inline), _line(token, offset), _sole_link(inline))
            index += 3
            continue
        elif kind == "table_open":
            index, table = _table(tokens, index, offset, lines)
            index = _rejoin_broken_table(table, tokens, index, offset, lines)
            yield table
            continue
        index += 1


def _sole_link(inline: Token) -> str | None:
    """Return the link target when the inline text is one link and nothing else (``[x](other.md#BKMK_x)``)."""
    children = [child for child in inline.children or [] if child.type != "text" or child.content.strip()]
    if len(children) >= 2 and children[0].type == "link_open" and children[-1].type == "link_close" and all(
            child.type == "text" for child in children[1:-1]):
        return str(children[0].attrs.get("href", ""))
    return None


def _top_level_list(tokens: list[Token], index: int, offset: int) -> tuple[int, Block | None]:
    """A list outside any other: a section's index, a numbered paragraph, or nothing we read.

    A bullet list whose every item is one in-page link (``- [name](#BKMK_name)``) is the
    index of its section. A numbered list of plain items is running text (a page description
    written as a list), one item a line as a browser shows it; other lists are left to the
    caller. Returns the index after the list and the block, if any.
    """
    opening = tokens[index]
    depth = 0
    items: list[tuple[str, int, bool]] = []
    end = index
    for end in range(index, len(tokens)):
        token = tokens[end]
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0:
                break
        elif token.type == "inline" and depth == 1:
            children = token.children or []
            linked = (len(children) == 3 and children[0].type == "link_open"
                      and str(children[0].attrs.get("href", "")).startswith("#") and children[1].type == "text")
            items.append((inline_text(token), _line(token, offset), linked))
        elif depth > 1:
            return index, None
    if not items:
        return index, None
    if opening.type == "bullet_list_open" and all(linked for _, _, linked in items):
        return end + 1, SectionIndex([text for text, _, _ in items], [line for _, line, _ in items])
    if opening.type == "ordered_list_open":
        return end + 1, Paragraph("\n".join(text for text, _, _ in items), _line(opening, offset))
    return index, None


def _table(tokens: list[Token], index: int, offset: int, lines: list[str]) -> tuple[int, TableBlock]:
    start = tokens[index]
    block = TableBlock(header=[], line=_line(start, offset))
    piped = bool(start.map) and lines[start.map[0]].lstrip().startswith("|")
    row: list[str] | None = None
    row_line = 0
    continuation = False
    in_head = False
    index += 1
    while True:
        token = tokens[index]
        kind = token.type
        if kind == "table_close":
            return index + 1, block
        if kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
            row_line = _line(token, offset)
            # A raw newline inside a cell: the generator's line without a leading pipe is
            # the previous cell's continuation, which markdown-it reads as a row of its own.
            continuation = piped and not in_head and block.rows and bool(token.map) and \
                not lines[token.map[0]].lstrip().startswith("|")
        elif kind == "inline" and row is not None:
            row.append(inline_text(token))
        elif kind == "tr_close" and row is not None:
            if in_head:
                block.header = row
            elif continuation:
                _continue_last_cell(block, " | ".join(cell for cell in row if cell))
            else:
                block.rows.append(row)
                block.row_lines.append(row_line)
            row = None
        index += 1


def _continue_last_cell(block: TableBlock, text: str) -> None:
    last = block.rows[-1]
    last[-1] = (last[-1] + "\n" + text).strip("\n") if text else last[-1]


def _rejoin_broken_table(block: TableBlock, tokens: list[Token], index: int, offset: int, lines: list[str]) -> int:
    """Read the rest of a property table that raw newlines (with a blank line) inside a cell broke.

    The generator wrote ``| Description | text`` then a blank line, more text, a line closing
    the cell with ``|`` and the remaining ``|Key|Value|`` rows: markdown-it sees a one-row
    table and a paragraph. When the paragraph right after a piped table has exactly that
    shape, its lines up to the closing pipe continue the last cell and the rows after it are
    tokenised as rows of the same table. Returns the index after what was consumed.
    """
    if index + 2 >= len(tokens) or tokens[index].type != "paragraph_open" or not block.rows:
        return index
    paragraph = tokens[index]
    if not paragraph.map or block.header[:1] != ["Property"]:
        return index
    source = lines[paragraph.map[0]:paragraph.map[1]]
    closing = next((number for number, text in enumerate(source) if text.rstrip().endswith("|")), None)
    if closing is None or source[0].lstrip().startswith("|"):
        return index
    rows = source[closing + 1:]
    if not all(text.lstrip().startswith("|") and text.rstrip().endswith("|") for text in rows):
        return index
    continued = source[:closing] + [source[closing].rstrip()[:-1]]
    # The continued lines are one paragraph: its soft line breaks are spaces, as a browser shows them.
    _continue_last_cell(block, " ".join(children_text(_MARKDOWN.parseInline(text.strip())[0].children or [])
                                        for text in continued if text.strip()))
    if rows:
        table_source = "|Property|Value|\n|-|-|\n" + "\n".join(rows)
        first_row = paragraph.map[0] + closing + 1
        # Row k of the rebuilt table is source line first_row + k; it sits on line k + 2 there.
        _, rest = _table(_MARKDOWN.parse(table_source), 0, offset + first_row - 2, table_source.split("\n"))
        block.rows.extend(rest.rows)
        block.row_lines.extend(rest.row_lines)
    return index + 3


# -- the 2017–18 list style -------------------------------------------------------------------------------

#: Option keys of the list style, as the options-table header names them.
_OPTION_KEYS = {"Value": "Value", "TrueOption Value": "Value", "FalseOption Value": "Value", "Label": "Label",
                "State": "State", "DefaultStatus": "DefaultStatus", "InvariantName": "InvariantName"}


def is_property_list(inline: Token) -> bool:
    """Whether a paragraph is a 2017–18 property list: it opens with ``**Key**:``."""
    children = _without_empty_text(inline.children or [])
    return (len(children) >= 4 and children[0].type == "strong_open" and children[2].type == "strong_close"
            and children[1].type == "text" and children[3].type == "text" and children[3].content.startswith(":"))


def _without_empty_text(children: list[Token]) -> list[Token]:
    """markdown-it opens emphasis with an empty text token; drop those so keys are found by position."""
    return [child for child in children if child.type != "text" or child.content]


def _split_lines(children: list[Token]) -> list[tuple[int, list[Token]]]:
    """Split inline children at soft breaks and ``<br />`` tags; each part with its source line offset."""
    result: list[tuple[int, list[Token]]] = [(0, [])]
    source_line = 0
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            source_line += 1
        if child.type in ("softbreak", "hardbreak") or (child.type == "html_inline" and
                                                        child.content.lower().startswith("<br")):
            if result[-1][1]:
                result.append((source_line, []))
            else:
                result[-1] = (source_line, [])
        else:
            result[-1][1].append(child)
    return [(number, part) for number, part in result if part]


def _key_values(children: list[Token]) -> list[tuple[str, list[Token]]]:
    """``**Key**: value **Key2**: value2`` as ``[(key, value tokens), ...]``; text before the first key is
    returned under the key ``""``."""
    pairs: list[tuple[str, list[Token]]] = [("", [])]
    children = _without_empty_text(children)
    position = 0
    while position < len(children):
        child = children[position]
        if (child.type == "strong_open" and position + 3 < len(children) and children[position + 1].type == "text"
                and children[position + 2].type == "strong_close" and children[position + 3].type == "text"
                and children[position + 3].content.startswith(":")):
            rest = children[position + 3]
            value_start = Token("text", "", 0, content=rest.content[1:])
            pairs.append((children[position + 1].content.strip(), [value_start]))
            position += 4
            continue
        pairs[-1][1].append(child)
        position += 1
    if not pairs[0][1]:
        pairs.pop(0)
    return pairs


def _property_list(tokens: list[Token], index: int, offset: int, item_heading: str
                   ) -> tuple[int, list[Block]]:
    """A ``**Key**: value<br />`` paragraph (and the bullet list a key with no value introduces) as blocks.

    ``**Options**:`` and its list become an options heading and table; another key whose
    list follows (``**CascadeConfiguration**:``) gets the items as ``Key: value`` lines.
    """
    paragraph = tokens[index]
    line = _line(paragraph, offset)
    table = TableBlock(header=["Property", "Value"], line=line)
    blocks: list[Block] = [table]
    for line_offset, children in _split_lines(tokens[index + 1].children or []):
        row_line = line + line_offset
        for key, value in _key_values(children):
            text = children_text(value)
            if key:
                table.rows.append([key, text])
                table.row_lines.append(row_line)
            elif table.rows:
                _continue_last_cell(table, text)
    index += 3
    if not table.rows or table.rows[-1][1]:
        return index, blocks
    key = table.rows[-1][0]
    if key == "Options":
        table.rows.pop()
        options_line = table.row_lines.pop()
        options = TableBlock(header=[], line=options_line)
        if index < len(tokens) and tokens[index].type == "bullet_list_open":  # the page may end here
            index = _option_list(tokens, index, offset, options)
        if not options.header:
            options.header = ["Value", "Label"]
        blocks += [Heading(f"{item_heading} Options", options_line, 4), options]
        if not table.rows:
            blocks.pop(0)
    elif index < len(tokens) and tokens[index].type == "bullet_list_open":
        items: list[str] = []
        index = _list_items(tokens, index, lambda inline: items.append(inline_text(inline)))
        table.rows[-1][1] = "\n".join(items)
    return index, blocks


def _list_items(tokens: list[Token], index: int, visit) -> int:
    """Call ``visit`` with each item's inline token of the bullet list at ``index``; return the index after it."""
    depth = 0
    while index < len(tokens):
        kind = tokens[index].type
        if kind == "bullet_list_open":
            depth += 1
        elif kind == "bullet_list_close":
            depth -= 1
            if depth == 0:
                return index + 1
        elif kind == "inline" and depth == 1:
            visit(tokens[index])
        index += 1
    return index


def _option_list(tokens: list[Token], index: int, offset: int, options: TableBlock) -> int:
    """``- **Value**: 1 **Label**: x **State**: 0`` items as the rows of an options table."""
    items: list[tuple[dict[str, str], int]] = []

    def visit(inline: Token) -> None:
        cells: dict[str, str] = {}
        for key, value in _key_values(inline.children or []):
            cells[_OPTION_KEYS.get(key, key)] = children_text(value)
        items.append((cells, _line(inline, offset)))

    index = _list_items(tokens, index, visit)
    header: list[str] = ["Value"]
    for cells, _ in items:
        header += [key for key in cells if key not in header]
    options.header = header
    for cells, line in items:
        options.rows.append([cells.get(key, "") for key in header])
        options.row_lines.append(line)
    return index
