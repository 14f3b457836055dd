"""Markdown table-reference pages (all three generations) into document blocks.

The page is tokenised by markdown-it-py (CommonMark with tables and inline HTML) and
the token stream is walked once; no regular expression ever looks at markdown lines.
Only the DocFX extensions that markdown-it does not know (``<xref:...>`` cross
references and ``[!INCLUDE]``/``[!NOTE]`` directives) are read from a token's text.
"""

from __future__ import annotations

import re
from typing import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from dvschema.parsers.blocks import Block, Heading, Paragraph, TableBlock
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
    reads the same as its plain-text rendering.
    """
    parts: list[str] = []
    children = token.children or []
    skip_until_close = False
    for child in children:
        kind = child.type
        if skip_until_close:
            skip_until_close = kind != "link_close"
            continue
        if kind == "text" or kind == "code_inline":
            parts.append(_expand_xrefs(child.content) if kind == "text" else child.content)
        elif kind in ("softbreak", "hardbreak"):
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


def read_markdown(text: str) -> tuple[dict[str, str | list[str]], Iterator[Block]]:
    """Split off the front matter and return it with the block stream of the body."""
    front_matter, body, offset = split_front_matter(text)
    return front_matter, _blocks(_MARKDOWN.parse(body), offset)


def _blocks(tokens: list[Token], offset: int) -> Iterator[Block]:
    index = 0
    count = len(tokens)
    in_list = 0
    in_quote = 0
    while index < count:
        token = tokens[index]
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif kind == "blockquote_open":
            in_quote += 1
        elif kind == "blockquote_close":
            in_quote -= 1
        elif kind == "heading_open":
            line = token.map[0] + 1 + offset if token.map else 0
            yield Heading(inline_text(tokens[index + 1]), line, int(token.tag[1:]))
            index += 3
            continue
        elif kind == "paragraph_open" and not in_list:
            inline = tokens[index + 1]
            line = token.map[0] + 1 + offset if token.map else 0
            include = _INCLUDE.match(inline.content.strip())
            if include:
                yield Paragraph("", line, include=include.group("name"))
            else:
                paragraph = inline_text(inline)
                if in_quote:
                    paragraph = _NOTE_MARKER.sub("", paragraph).strip()
                if paragraph:
                    yield Paragraph(paragraph, line, note=bool(in_quote))
            index += 3
            continue
        elif kind == "table_open":
            index, table = _table(tokens, index, offset)
            yield table
            continue
        index += 1


def _table(tokens: list[Token], index: int, offset: int) -> tuple[int, TableBlock]:
    start = tokens[index]
    block = TableBlock(header=[], line=start.map[0] + 1 + offset if start.map else 0)
    row: list[str] | None = None
    row_line = 0
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
            row_line = token.map[0] + 1 + offset if token.map else 0
        elif kind == "inline" and row is not None:
            row.append(inline_text(token))
        elif kind == "tr_close" and row is not None:
            if in_head:
                block.header = row
            else:
                block.rows.append(row)
                block.row_lines.append(row_line)
            row = None
        index += 1
