"""What each document format can carry: the one place that lists it.

The plain-text form of a page is its rendered text: it has no front matter, no include
directives (the page shows the included text instead, which the parser keeps as a note),
no link targets (the model keeps link text only), and, when its cells are joined by spaces
(a clipboard that loses tabs), message rows whose Web API and SDK cells cannot be told apart;
tab-separated text (a browser's innerText or copy) keeps them. Comparisons across formats
(tests, drift) leave these fields out.
"""

from __future__ import annotations

from typing import Any

from dvschema.metaschema.model import Table

#: Table fields the plain-text form cannot carry.
PLAIN_TEXT_UNCARRIED_TABLE_FIELDS = frozenset({"source", "front_matter", "includes"})
#: Message fields the plain-text form cannot carry.
PLAIN_TEXT_UNCARRIED_MESSAGE_FIELDS = frozenset({"web_api", "sdk"})


def format_independent_dump(table: Table) -> dict[str, Any]:
    """Return the table as a dict without the fields that depend on the document format."""
    data = table.model_dump(mode="json", exclude=set(PLAIN_TEXT_UNCARRIED_TABLE_FIELDS))
    data["messages"] = [{key: value for key, value in message.items()
                         if key not in PLAIN_TEXT_UNCARRIED_MESSAGE_FIELDS} for message in data["messages"]]
    return data
