"""Extension pages layered on their base table.

A Dynamics 365 page that extends a Dataverse table ("The Microsoft Dynamics 365 X table
extends the Microsoft Dataverse X table") states only what it changes: customized columns
("Changes from ...") with added options or targets or other property values, new columns,
relationships and messages. In a catalog holding both pages, the table is the base page with
those changes applied; every change is recorded in ``Table.layers`` with the page it came from.
"""

from __future__ import annotations

import re
from typing import Any

from dvschema.metaschema.model import Column, LayerChange, LayerChangeKind, Relationship, Source, Table

_EXTENDS = re.compile(r"\btable extends the\b.*\btable\b", re.I | re.S)
# Column fields that identify the column or that the section implies; never a change of their own.
_IDENTITY_FIELDS = frozenset({"schema_name", "logical_name", "writable", "options", "targets", "extra",
                              "changes_from"})
# Relationship fields that identify it or describe the page's text; never a change of their own.
_RELATIONSHIP_IDENTITY_FIELDS = frozenset({"kind", "schema_name", "summary", "changes_from", "extra", "cascade",
                                           "associated_menu"})


def is_extension(table: Table) -> bool:
    """Whether a page extends a table described elsewhere (its note says so, or it customizes columns)."""
    return any(_EXTENDS.search(note) for note in table.notes) or any(
        column.changes_from is not None for column in table.columns) or any(
        relationship.changes_from is not None for relationship in table.relationships)


def layer(base: Table, extension: Table) -> Table:
    """Return ``base`` with the changes ``extension`` states applied, each recorded with its source."""
    source = extension.source or Source(path="<extension>", format="catalog", sha256="")
    changes: list[LayerChange] = []
    columns = list(base.columns)
    positions = {column.logical_name: index for index, column in enumerate(columns)}
    for column in extension.columns:
        index = positions.get(column.logical_name)
        if index is None:
            positions[column.logical_name] = len(columns)
            columns.append(column)
            changes.append(LayerChange(kind="column-added", column=column.logical_name, source=source))
        else:
            columns[index] = _layer_column(columns[index], column, source, changes)
    customized = {relationship.schema_name: relationship for relationship in extension.relationships
                  if relationship.changes_from is not None}
    layered = tuple(_layer_relationship(relationship, customized[relationship.schema_name], source, changes)
                    if relationship.schema_name in customized else relationship for relationship in base.relationships)
    relationships = _added_items(layered, extension.relationships, "schema_name", "relationship-added",
                                 source, changes)
    messages = _added_items(base.messages, extension.messages, "name", "message-added", source, changes)
    notes = base.notes + tuple(note for note in extension.notes if note not in base.notes)
    return base.model_copy(update={"columns": tuple(columns), "relationships": tuple(relationships),
                                   "messages": tuple(messages), "notes": notes,
                                   "layers": base.layers + tuple(changes)})


def _added_items(base: tuple[Any, ...], extension: tuple[Any, ...], key: str, kind: LayerChangeKind,
                 source: Source, changes: list[LayerChange]) -> list[Any]:
    """The base items followed by the extension's items whose ``key`` the base does not have."""
    known = {getattr(item, key) for item in base}
    added = [item for item in extension if getattr(item, key) not in known]
    changes += [LayerChange(kind=kind, item=getattr(item, key), source=source) for item in added]
    return list(base) + added


def _layer_column(base: Column, extension: Column, source: Source, changes: list[LayerChange]) -> Column:
    name = base.logical_name
    update: dict[str, Any] = {}
    values = {option.value for option in base.options}
    added_options = [option for option in extension.options if option.value not in values]
    if added_options:
        update["options"] = base.options + tuple(added_options)
        changes += [LayerChange(kind="option-added", column=name, item=str(option.value), value=option.label,
                                source=source) for option in added_options]
    added_targets = [target for target in extension.targets if target not in base.targets]
    if added_targets:
        update["targets"] = base.targets + tuple(added_targets)
        changes += [LayerChange(kind="target-added", column=name, item=target, source=source)
                    for target in added_targets]
    for field, value in extension:
        if field in _IDENTITY_FIELDS or value is None or value == getattr(base, field):
            continue
        update[field] = value
        changes.append(LayerChange(kind="column-changed", column=name, item=field, value=str(value), source=source))
    for key, value in extension.extra.items():
        if base.extra.get(key) != value:
            update.setdefault("extra", dict(base.extra))[key] = value
            changes.append(LayerChange(kind="column-changed", column=name, item=key, value=value, source=source))
    return base.model_copy(update=update) if update else base


def _layer_relationship(base: Relationship, extension: Relationship, source: Source,
                        changes: list[LayerChange]) -> Relationship:
    """``base`` with the properties a customized relationship states (cascade entries, menu entries, fields)."""
    name = base.schema_name
    update: dict[str, Any] = {}

    def change(item: str, value: str) -> None:
        changes.append(LayerChange(kind="relationship-changed", relationship=name, item=item, value=value,
                                   source=source))

    for field in ("cascade", "associated_menu", "extra"):
        stated: dict[str, str] = getattr(extension, field)
        merged = dict(getattr(base, field))
        for key, value in stated.items():  # each stated entry is recorded, even one the base already has
            merged[key] = value
            change(f"{field}.{key}", value)
        if merged != getattr(base, field):
            update[field] = merged
    for field, value in extension:
        if field in _RELATIONSHIP_IDENTITY_FIELDS or value is None or value == getattr(base, field):
            continue
        update[field] = value
        change(field, str(value))
    return base.model_copy(update=update) if update else base


def combine(tables: list[Table]) -> tuple[Table | None, str | None]:
    """Layer the pages that describe one table: the base (the one page that is no extension) first.

    Returns ``(table, None)``, or ``(None, reason)`` when two pages are each a full description.
    """
    extends = [is_extension(table) for table in tables]
    bases = [table for table, extension in zip(tables, extends) if not extension]
    if len(bases) > 1:
        return None, "described by " + " and ".join(t.source.path if t.source else "?" for t in bases)
    ordered = bases + [table for table, extension in zip(tables, extends) if extension]
    result = ordered[0]
    for extension in ordered[1:]:
        result = layer(result, extension)
    return result, None


def describe_layers(table: Table) -> str:
    """One line per fact an extension page changed, with the page it came from (``dvschema parse --show-layers``)."""
    base = table.source.path if table.source else "?"
    lines = [f"{table.logical_name}: {base}"]
    for change in table.layers:
        what = {
            "column-added": f"column {change.column} added",
            "column-changed": f"{change.column}.{change.item} = {change.value}",
            "option-added": f"{change.column} option {change.item} {change.value!r} added",
            "target-added": f"{change.column} target {change.item} added",
            "relationship-added": f"relationship {change.item} added",
            "relationship-changed": f"relationship {change.relationship}.{change.item} = {change.value}",
            "message-added": f"message {change.item} added",
        }[change.kind]
        lines.append(f"  {what}  ({change.source.path})")
    return "\n".join(lines) + "\n"
