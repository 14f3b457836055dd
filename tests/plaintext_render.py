"""Test helper: render a markdown table-reference page into its plain-text form.

It mimics what seeds 001 and 004 show of a page copied from the browser: markup, front
matter, include directives, link targets and link lists are gone; a heading or paragraph is
its text; a table row is one line with its cells joined by a space (or a tab), and after a
multi-line cell the next cell starts on a new line; blocks are separated by blank lines. A
numbered list is its items, one a line, as a browser shows it.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from dvschema.parsers.frontmatter import split_front_matter
from dvschema.parsers.markdown import inline_text

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")


def _row(cells: list[str], separator: str) -> str:
    text = ""
    for index, cell in enumerate(cells):
        if index:
            text += "\n" if "\n" in cells[index - 1] else separator
        text += cell
    return "\n".join(line.rstrip(" ") for line in text.split("\n"))


def _list_inlines(tokens, index):
    depth = 0
    for token in tokens[index:]:
        depth += token.nesting if token.type.endswith("_list_open") or token.type.endswith("_list_close") else 0
        if depth == 0:
            return
        if token.type == "inline":
            yield token


def _is_key_value_list(tokens, index) -> bool:
    return any(child.type == "strong_open" for inline in _list_inlines(tokens, index) for child in inline.children)


def render_plain_text(markdown: str, separator: str = " ") -> str:
    """Return the plain-text rendering of a markdown page."""
    _, body, _ = split_front_matter(markdown)
    tokens = _MARKDOWN.parse(body)
    blocks: list[str] = []
    in_list = in_quote = 0
    row: list[str] | None = None
    table: list[str] = []
    numbered: list[str] | None = None
    for index, token in enumerate(tokens):
        kind = token.type
        if kind.endswith("_list_open"):
            in_list += 1
            if kind == "bullet_list_open" and in_list == 1 and _is_key_value_list(tokens, index):
                # The 2017-18 option and cascade bullets show as lines; link lists (tables of contents) do not.
                blocks.append("\n".join(inline_text(item) for item in _list_inlines(tokens, index)))
            if kind == "ordered_list_open" and in_list == 1 and not in_quote:
                numbered = []
        elif kind.endswith("_list_close"):
            in_list -= 1
            if numbered is not None and not in_list:
                # A browser shows a numbered list's items one a line, without their numbers.
                blocks.append("\n".join(numbered))
                numbered = None
        elif numbered is not None and kind == "inline" and tokens[index - 1].type == "paragraph_open":
            numbered.append(inline_text(token))
        elif kind == "blockquote_open":
            in_quote += 1
        elif kind == "blockquote_close":
            in_quote -= 1
        elif kind == "inline" and tokens[index - 1].type == "heading_open":
            blocks.append(inline_text(token))
        elif kind == "inline" and tokens[index - 1].type == "paragraph_open" and not in_list:
            if token.content.strip().startswith("[!INCLUDE"):
                continue
            text = inline_text(token)
            if in_quote and text.startswith("[!NOTE]"):
                text = "Note\n" + text[len("[!NOTE]"):].strip()
            if text:
                blocks.append(text)
        elif kind == "tr_open":
            row = []
        elif kind == "inline" and row is not None:
            row.append(inline_text(token))
        elif kind == "tr_close" and row is not None:
            table.append(_row(row, separator))
            row = None
        elif kind == "table_close":
            blocks.append("\n".join(table))
            table = []
    return "\n\n".join(blocks) + "\n"
