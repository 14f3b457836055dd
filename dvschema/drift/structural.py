"""Stage one of drift: a full structural diff of two catalogs, keyed by identity.

Each table is turned into nested dicts keyed by identity (columns by logical name, options
by value, relationships by schema name, messages by name, targets by table name), so deepdiff
compares fields and list order never counts as a change. Every difference comes out as a
:class:`Difference` with a path such as ``("columns", "msdyn_name", "max_length")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from deepdiff import DeepDiff

from dvschema.metaschema.fidelity import PLAIN_TEXT_UNCARRIED_MESSAGE_FIELDS, PLAIN_TEXT_UNCARRIED_TABLE_FIELDS
from dvschema.metaschema.model import Catalog, Table

#: Table fields that are page presentation or provenance (``layers``: which extension page stated a fact),
#: not schema: never compared. The facts the layers changed are compared where they live.
PRESENTATION_FIELDS = frozenset({"title", "notes", "layers"}) | PLAIN_TEXT_UNCARRIED_TABLE_FIELDS


@dataclass(frozen=True, slots=True)
class Difference:
    """One structural difference: ``op`` at ``path`` inside ``table``, with the old and new values."""

    op: Literal["added", "removed", "changed"]
    table: str
    path: tuple[str | int, ...]
    old: Any = None
    new: Any = None


def _keyed(items: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {item.pop(key): item for item in items}


def identity_view(table: Table) -> dict[str, Any]:
    """Return the table as nested dicts keyed by identity, without presentation fields."""
    data = table.model_dump(exclude=set(PRESENTATION_FIELDS))
    for column in data["columns"]:
        column["options"] = _keyed(column["options"], "value")
        column["targets"] = {target: True for target in column["targets"]}
    data["columns"] = _keyed(data["columns"], "logical_name")
    data["relationships"] = _keyed(data["relationships"], "schema_name")
    for message in data["messages"]:
        for name in PLAIN_TEXT_UNCARRIED_MESSAGE_FIELDS:
            message.pop(name, None)
    data["messages"] = _keyed(data["messages"], "name")
    return data


def _is_identity_map(path: tuple[str | int, ...]) -> bool:
    """Whether ``path`` is one of the maps keyed by identity (columns, relationships, messages, options, targets)."""
    return path in (("columns",), ("relationships",), ("messages",)) or (
        len(path) == 3 and path[0] == "columns" and path[2] in ("options", "targets"))


def _differences(name: str, old: Any, new: Any, prefix: tuple[str | int, ...]) -> list[Difference]:
    result = DeepDiff(old, new, view="tree", verbose_level=2, **({"threshold_to_diff_deeper": 0} if prefix else {}))
    differences: list[Difference] = []
    for report, nodes in result.items():
        for node in nodes:
            path = prefix + tuple(node.path(output_format="list"))
            if report == "dictionary_item_added":
                differences.append(Difference("added", name, path, None, node.t2))
            elif report == "dictionary_item_removed":
                differences.append(Difference("removed", name, path, node.t1, None))
            elif _is_identity_map(path) and isinstance(node.t1, dict) and isinstance(node.t2, dict) and node.t1:
                # deepdiff reports a mostly-new dict (one option becoming sixteen) as one changed value;
                # an identity map is diffed key by key instead, so every added or removed item is named.
                differences.extend(_differences(name, node.t1, node.t2, path))
            else:
                differences.append(Difference("changed", name, path, node.t1, node.t2))
    return differences


def diff_tables(old: Table, new: Table) -> list[Difference]:
    """Return every structural difference between two versions of one table."""
    differences = _differences(new.logical_name, identity_view(old), identity_view(new), ())
    differences.sort(key=lambda d: [str(part) for part in d.path])
    return differences


def diff_catalogs(old: Catalog, new: Catalog) -> list[Difference]:
    """Return every structural difference between two catalogs, table by table."""
    differences: list[Difference] = []
    for name in sorted(set(old.tables) | set(new.tables)):
        if name not in new.tables:
            differences.append(Difference("removed", name, (), old.tables[name], None))
        elif name not in old.tables:
            differences.append(Difference("added", name, (), None, new.tables[name]))
        else:
            differences.extend(diff_tables(old.tables[name], new.tables[name]))
    return differences
