"""Stage one of drift: a full structural diff of two catalogs, keyed by identity.

Each table is turned into its *canonical view*: nested dicts keyed by identity (columns by
logical name, options by value, relationships by schema name, messages by name, targets by
table name), holding only what the page states and none of its presentation. deepdiff then
compares fields, so list order never counts as a change, and it is told to descend into every
container (``threshold_to_diff_deeper=0``): an item is always reported by its own path, never
as part of a whole container that changed a lot. Every difference comes out as a
:class:`Difference` with a path such as ``("columns", "msdyn_name", "max_length")``.

What counts as stated: a value the page gives. A None field, an empty options table, an empty
targets list or cascade table is not stated and left out of the view, so a fact that one page
generation states and another does not shows as added or removed below an item, which stage
two names ``newly-documented`` / ``no-longer-documented``. The same holds for whole items a
generation omits although they exist: the name columns derived from a lookup, the messages every
table has that only the newest pages list (:data:`IMPLICIT_MESSAGES`), the messages one page generation
lists and another never does, on a pair of pages of those two generations (:data:`MESSAGES_LISTED_ONLY_BY`),
and every column, relationship or message of a page that lists none at all (a generation without relationship
sections).

Tables whose canonical content is equal are not deepdiffed at all: between two releases most tables
do not change. Equal models are recognised by comparing them (presentation fields aside), tables that
differ in presentation only by comparing their canonical JSON (:func:`canonical_json`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
from deepdiff import DeepDiff

from dvschema.metaschema.fidelity import PLAIN_TEXT_UNCARRIED_MESSAGE_FIELDS, PLAIN_TEXT_UNCARRIED_TABLE_FIELDS
from dvschema.metaschema.model import Catalog, Table

#: Table fields that are page presentation or provenance (``layers``: which extension page stated a fact),
#: not schema: never compared. The facts the layers changed are compared where they live.
PRESENTATION_FIELDS = frozenset({"title", "notes", "layers"}) | PLAIN_TEXT_UNCARRIED_TABLE_FIELDS
#: Relationship fields that are presentation: the sentence introducing it is worded differently by every
#: page generation ("See systemuser Entity ..." / "See the ... one-to-many relationship for ..."); the related
#: table it names is kept as ``related_entity``.
RELATIONSHIP_PRESENTATION_FIELDS = frozenset({"summary"})
#: Messages every table supports that only the newest page generation lists.
IMPLICIT_MESSAGES = frozenset({"Associate", "Disassociate"})
#: Messages only some page generations (``Table.source.format``) list, with those generations. The newest
#: generated pages list ``Upsert`` and ``UpsertMultiple`` where the table supports them (11 and 8 of the 13
#: newest corpus pages; not activityparty); no older generation lists them for any table (0 of 37 pages). Between
#: two pages of different generations, one listing the message and the other of a generation that never does,
#: the message is newly / no longer documented; between two pages of one generation it was added or removed.
MESSAGES_LISTED_ONLY_BY: dict[str, frozenset[str]] = {
    "Upsert": frozenset({"markdown-generated"}),
    "UpsertMultiple": frozenset({"markdown-generated"}),
}
#: The format whose generation cannot be told: plain text is the rendering of a page of any generation.
GENERATION_UNKNOWN = "plain-text"
#: Column fields holding a default value, where Boolean defaults are spelled ``False``/``True`` or ``0``/``1``.
DEFAULT_VALUE_FIELDS = ("default_value", "default_form_value")
_BOOLEAN_SPELLINGS = {"false": "0", "true": "1"}
#: Fields every page generation has a row for: an empty cell states an empty text (compared, not omitted).
EMPTY_IS_STATED = frozenset({"description", "display_name"})
#: Item collections of a table, compared item by item (always present in a view, even when empty).
ITEM_COLLECTIONS = ("columns", "relationships", "messages")


@dataclass(frozen=True, slots=True)
class Difference:
    """One structural difference: ``op`` at ``path`` inside ``table``, with the old and new values.

    ``documentation_only`` is set on an addition or removal where the side without it merely does not
    state it (a field, an empty options table, a derived column, an implicit message): the page generation
    is silent about it, the table did not change.
    """

    op: Literal["added", "removed", "changed"]
    table: str
    path: tuple[str | int, ...]
    old: Any = None
    new: Any = None
    documentation_only: bool = False


def _text(value: str) -> str:
    """Whitespace is presentation: runs of spaces and line breaks compare as one space."""
    return " ".join(value.split())


def _stated(data: dict[str, Any]) -> dict[str, Any]:
    """Return the dict without what it does not state (None, empty containers), text normalised."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        if value is None and key in EMPTY_IS_STATED:
            result[key] = None
            continue
        if value is None or (isinstance(value, (dict, list, tuple)) and not value):
            continue
        if isinstance(value, str):
            value = _text(value)
        elif isinstance(value, dict):
            value = {item_key: _text(item) if isinstance(item, str) else item for item_key, item in value.items()}
        result[key] = value
    return result


def _precision_source(value: str) -> str:
    """The number is the metadata, a parenthesised name after it its label: ``2 (TransactionCurrency.
    CurrencyPrecision)`` and ``2`` state the same source (older pages write the number only)."""
    number, bracket, label = value.partition("(")
    if bracket and number.strip().isdigit() and label.rstrip().endswith(")"):
        return number.strip()
    return value


def _column_view(column: dict[str, Any]) -> dict[str, Any]:
    if isinstance(column.get("precision_source"), str):
        column["precision_source"] = _precision_source(column["precision_source"])
    for name in DEFAULT_VALUE_FIELDS:
        value = column.get(name)
        if isinstance(value, str):
            column[name] = _BOOLEAN_SPELLINGS.get(value.strip().lower(), value)
    column["options"] = {option.pop("value"): _stated(option) for option in column["options"]}
    column["targets"] = {target: True for target in column["targets"]}
    return _stated(column)


def _message_view(message: dict[str, Any]) -> dict[str, Any]:
    for name in PLAIN_TEXT_UNCARRIED_MESSAGE_FIELDS:
        message.pop(name, None)
    return _stated(message)


def identity_view(table: Table) -> dict[str, Any]:
    """Return the table's canonical view: nested dicts keyed by identity, only what the page states."""
    data = table.model_dump(exclude=set(PRESENTATION_FIELDS))
    view = _stated({key: value for key, value in data.items() if key not in ITEM_COLLECTIONS})
    view["columns"] = {column.pop("logical_name"): _column_view(column) for column in data["columns"]}
    view["relationships"] = {
        relationship.pop("schema_name"): _stated({key: value for key, value in relationship.items()
                                                  if key not in RELATIONSHIP_PRESENTATION_FIELDS})
        for relationship in data["relationships"]}
    view["messages"] = {message.pop("name"): _message_view(message) for message in data["messages"]}
    return view


def canonical_json(view: dict[str, Any]) -> bytes:
    """Return the view as canonical JSON: sorted keys, exact decimals as strings."""
    return orjson.dumps(view, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)


def never_lists(message: str, generation: str | None) -> bool:
    """Whether pages of ``generation`` (a ``Table.source.format``) may leave ``message`` out although the table
    has it: the generation is one that never lists it, or cannot be told (plain text, no source)."""
    listed_by = MESSAGES_LISTED_ONLY_BY.get(message)
    if listed_by is None:
        return False
    return generation is None or generation == GENERATION_UNKNOWN or generation not in listed_by


def _documentation_only(path: tuple[str | int, ...], old: dict[str, Any], new: dict[str, Any],
                        generations: tuple[str | None, str | None]) -> bool:
    """Whether an addition or removal at ``path`` is one side not stating something the other states.

    ``generations`` are the two sides' page generations (``Table.source.format``), old first.
    """
    if len(path) > 2:
        # Below an item: a field, a dict entry, or a whole options/targets collection one side leaves out.
        # Single options and targets are items of their own.
        return not (len(path) == 4 and path[0] == "columns" and path[2] in ("options", "targets"))
    if not path:
        return False
    if path[0] not in ITEM_COLLECTIONS:
        return True  # a table field
    if len(path) == 1:
        return False
    collection, name = path
    if not old[collection] or not new[collection]:
        return True  # a page that lists no columns, relationships or messages at all does not state them
    if collection == "messages":
        old_generation, new_generation = generations
        same_generation = old_generation == new_generation and old_generation not in (None, GENERATION_UNKNOWN)
        without = new_generation if name in old["messages"] else old_generation
        return name in IMPLICIT_MESSAGES or (not same_generation and never_lists(str(name), without))
    if collection == "columns":
        column = old["columns"].get(name) or new["columns"].get(name) or {}
        lookup = column.get("derived_from")
        return lookup is not None and lookup in old["columns"] and lookup in new["columns"]
    return False


def _walk(old: Any, new: Any, path: tuple[str | int, ...]) -> list[tuple[str, tuple[str | int, ...], Any, Any]]:
    """Compare two values key by key (for containers deepdiff reported whole): (op, path, old, new) tuples."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else [("changed", path, old, new)]
    found: list[tuple[str, tuple[str | int, ...], Any, Any]] = []
    for key in old.keys() - new.keys():
        found.extend(_entries("removed", path + (key,), old[key]))
    for key in new.keys() - old.keys():
        found.extend(_entries("added", path + (key,), new[key]))
    for key in old.keys() & new.keys():
        found.extend(_walk(old[key], new[key], path + (key,)))
    return found


def _entries(op: str, path: tuple[str | int, ...], value: Any) -> list[tuple[str, tuple[str | int, ...], Any, Any]]:
    """One addition or removal; a whole ``extra`` bag (unrelated property rows) gives one per row."""
    if path and path[-1] == "extra" and isinstance(value, dict):
        entries = [(path + (key,), item) for key, item in value.items()]
    else:
        entries = [(path, value)]
    if op == "added":
        return [(op, where, None, item) for where, item in entries]
    return [(op, where, item, None) for where, item in entries]


def _deepdiff_views(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, tuple[str | int, ...], Any, Any]]:
    result = DeepDiff(old, new, view="tree", verbose_level=2, threshold_to_diff_deeper=0)
    found: list[tuple[str, tuple[str | int, ...], Any, Any]] = []
    for report, nodes in result.items():
        for node in nodes:
            path = tuple(node.path(output_format="list"))
            if report in ("dictionary_item_added", "iterable_item_added"):
                found.extend(_entries("added", path, node.t2))
            elif report in ("dictionary_item_removed", "iterable_item_removed"):
                found.extend(_entries("removed", path, node.t1))
            else:
                # values_changed / type_changes; whole dicts only if deepdiff ever stops descending.
                found.extend(_walk(node.t1, node.t2, path))
    return found


def diff_views(name: str, old: dict[str, Any], new: dict[str, Any],
               generations: tuple[str | None, str | None] = (None, None)) -> list[Difference]:
    """Return every structural difference between two canonical views of one table.

    ``generations``: the page generation (``Table.source.format``) of each side, old first; None when unknown.
    """
    differences = [Difference(op, name, path, before, after,
                              op != "changed" and _documentation_only(path, old, new, generations))
                   for op, path, before, after in _deepdiff_views(old, new)]
    differences.sort(key=lambda d: [str(part) for part in d.path])
    return differences


def _compared_fields(table: Table) -> dict[str, Any]:
    return {name: value for name, value in table.__dict__.items() if name not in PRESENTATION_FIELDS}


def diff_tables(old: Table, new: Table) -> list[Difference]:
    """Return every structural difference between two versions of one table (none when their content is equal).

    Cheapest first: equal models (presentation aside) have equal content; then the canonical JSON of the two
    views, which are equal when the pages differ in presentation only; deepdiff runs only when they differ.
    """
    if _compared_fields(old) == _compared_fields(new):
        return []
    old_view, new_view = identity_view(old), identity_view(new)
    if canonical_json(old_view) == canonical_json(new_view):
        return []
    generations = (old.source.format if old.source else None, new.source.format if new.source else None)
    return diff_views(new.logical_name, old_view, new_view, generations)


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
