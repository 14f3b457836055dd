"""The YAML front matter of a docs page: ``key: value`` lines and ``- item`` lists.

Docs front matter uses a small, flat subset of YAML (quoted or bare scalars, and lists of
bare scalars), so a full YAML dependency is not needed to keep it.
"""

from __future__ import annotations


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def split_front_matter(text: str) -> tuple[dict[str, str | list[str]], str, int]:
    """Return ``(front_matter, body, body_line_offset)``; no front matter gives ``({}, text, 0)``."""
    if not text.startswith("---\n"):
        return {}, text, 0
    end = text.find("\n---", 3)
    while end != -1 and text[end + 4: end + 5] not in ("\n", ""):
        end = text.find("\n---", end + 4)
    if end == -1:
        return {}, text, 0
    head = text[4:end]
    body_start = end + 4
    if text[body_start: body_start + 1] == "\n":
        body_start += 1
    offset = text.count("\n", 0, body_start)
    result: dict[str, str | list[str]] = {}
    key: str | None = None
    for line in head.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("- ") and key is not None:
            current = result.get(key)
            items = current if isinstance(current, list) else []
            items.append(_scalar(stripped[2:]))
            result[key] = items
            continue
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip()
            result[key] = _scalar(value)
    return result, text[body_start:], offset
