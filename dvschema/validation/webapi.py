"""What the Dataverse Web API makes of a table: its navigation properties, the columns that are no Web
API properties, and the URL forms of ``@odata.bind``.

Everything is derived from the parsed metadata (:class:`~dvschema.metaschema.model.Table`), once per
validator:

- single-valued navigation properties are the many-to-one relationships' referencing navigation
  property names (``parentcustomerid_account``, ``regardingobjectid_contact_task``, ``primarycontactid``);
  a lookup whose relationships the page does not list gets the usual spellings instead (a system
  lookup: its logical name and ``<logical name>_<target>``, never its schema name; a custom,
  publisher-prefixed lookup: its logical or its schema name, each with ``_<target>``; see
  :func:`_lookup_names`), and an Owner column is always
  bound by its logical name (``ownerid``);
- collection-valued navigation properties are the one-to-many relationships' referenced navigation
  property names (``Account_Tasks``) and the many-to-many relationships' navigation property names;
- the columns a lookup brings along in the table's metadata but that the Web API carries as
  annotations of ``_x_value`` (the name ``…name``/``…yominame`` and the EntityName ``…type``/``…typecode``
  of the lookup's target) are *derived* columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typing import TYPE_CHECKING

from dvschema.validation.model import LOOKUP_TYPES

if TYPE_CHECKING:  # the model is only named in annotations: validation never imports pydantic itself
    from dvschema.metaschema.model import Column, Table

# [absolute URL of the service root/] [/] entityset ( key ): the key is a GUID, or one or more
# name=value pairs (alternate keys) whose values are 'quoted text' (with '' for a quote), numbers,
# GUIDs or true/false.
_KEY_VALUE = r"(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-" \
             r"[0-9a-fA-F]{12}|true|false|null)"
_KEY_PAIR = rf"[A-Za-z_][A-Za-z0-9_]*\s*=\s*{_KEY_VALUE}"
# In a $batch change set, "$1" stands for the record an earlier request of the set created.
BIND_URL = re.compile(r"^(?:(?:https?://[^\s/]+(?:/[^\s()]*)?/)?/?(?P<set>[A-Za-z_][A-Za-z0-9_]*)"
                      rf"\((?P<key>[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}"
                      rf"|{_KEY_PAIR}(?:\s*,\s*{_KEY_PAIR})*)\)|\$\d+)\Z")

# What an entity reference's @odata.id ends with: the server writes it, from the service root it was
# asked through (the docs show "[Organization URI]/api/data/v9.0/contacts(<guid>)").
RECORD_URL_END = re.compile(r"(?:(?:^|/)(?P<set>[A-Za-z_][A-Za-z0-9_]*)\((?P<key>[^()]+)\)|^\$\d+)\Z")


@dataclass(frozen=True, slots=True)
class NavigationProperty:
    """A navigation property of a table: its name, whether it holds many records, the tables it leads
    to, (single-valued) the lookup column it sets, and (one-to-many) the related table's lookup that a
    deep insert fills with this record."""

    name: str
    collection: bool
    targets: tuple[str, ...]
    lookup: str | None = None
    filled: str | None = None


# A publisher prefix: the customization prefix a solution's tables and columns are named with
# (``new_``, ``contoso_``, ``msdyn_``); system columns (``primarycontactid``, ``ownerid``) have none.
_PUBLISHER_PREFIX = re.compile(r"^[a-z][a-z0-9]{1,7}_[a-z0-9]")


def is_custom_lookup(column: Column) -> bool:
    """True when a lookup is a custom one: its logical name starts with a publisher prefix (``new_parentid``)."""
    return _PUBLISHER_PREFIX.match(column.logical_name) is not None


def _lookup_names(column: Column) -> list[tuple[str, tuple[str, ...]]]:
    """The spellings of a lookup's navigation properties, for pages that list no relationships.

    A system lookup's single-valued navigation property is its logical name (``primarycontactid``,
    ``parentaccountid``), as every body of the Web API documentation writes it; its schema name
    (``PrimaryContactId``) is no navigation property, and the server rejects a bind spelled so
    ("An undeclared property ... which only has property annotations in the payload"). A custom
    (publisher-prefixed) lookup's navigation property is named when its relationship is made: by
    default its SchemaName, case kept (the docs' multi-table example binds the lookup
    ``new_CheckedoutItem`` as ``new_CheckedoutItem_new_book@odata.bind``), but Microsoft's own solutions
    name many in lower case (``msdyn_product@odata.bind`` on ``msdyn_workorderproduct``). A page that
    lists no relationships cannot tell which, so both spellings of a custom lookup are accepted. Either
    name takes ``_<target>`` for one target of the lookup.
    """
    names = [column.logical_name]
    if is_custom_lookup(column) and column.schema_name:
        names.append(column.schema_name)
    names = list(dict.fromkeys(names))
    return [*((name, column.targets) for name in names),
            *((f"{name}_{target}", (target,)) for name in names for target in column.targets)]


def navigation_properties(table: Table) -> dict[str, NavigationProperty]:
    """Every navigation property of ``table`` by its exact (case-sensitive) name."""
    columns = {column.logical_name: column for column in table.columns}
    single: dict[str, NavigationProperty] = {}
    described: set[str] = set()
    collections: dict[str, NavigationProperty] = {}
    for relationship in table.relationships:
        if relationship.kind == "many_to_one":
            name, lookup = relationship.referencing_entity_navigation_property_name, relationship.referencing_attribute
            column = columns.get(lookup or "")
            if not name or column is None or column.type not in LOOKUP_TYPES:
                continue
            target = relationship.referenced_entity or relationship.related_entity
            known = single.get(name)
            targets = (target,) if target else column.targets
            if known is not None:
                targets = tuple(dict.fromkeys(known.targets + targets))
            single[name] = NavigationProperty(name, False, targets, column.logical_name)
            described.add(column.logical_name)
        elif relationship.kind == "one_to_many":
            name = relationship.referenced_entity_navigation_property_name
            target = relationship.referencing_entity or relationship.related_entity
            if name:
                collections[name] = NavigationProperty(name, True, (target,) if target else (),
                                                       filled=relationship.referencing_attribute)
        else:
            name = relationship.navigation_property_name
            if name:
                collections[name] = NavigationProperty(name, True, (relationship.related_entity,)
                                                       if relationship.related_entity else ())
    for column in table.columns:
        if column.type not in LOOKUP_TYPES:
            continue
        if column.logical_name not in described:
            for name, targets in _lookup_names(column):
                single.setdefault(name, NavigationProperty(name, False, targets, column.logical_name))
        elif column.type == "Owner":  # the principal: ownerid@odata.bind takes /systemusers(…) or /teams(…)
            single.setdefault(column.logical_name, NavigationProperty(column.logical_name, False, column.targets,
                                                                      column.logical_name))
    return {**collections, **single}


def derived_columns(table: Table) -> dict[str, str]:
    """The columns that exist only as parts of a lookup (derived column -> lookup): the lookup's name
    (``owneridname``, ``owneridyominame``) and the EntityName of its target (``owneridtype``,
    ``regardingobjecttypecode``), plus any column the model marks as derived from a lookup (``derived_from``)
    or whose ``AttributeOf`` names one."""
    columns = {column.logical_name: column for column in table.columns}
    derived: dict[str, str] = {}
    for column in table.columns:
        if column.type not in LOOKUP_TYPES:
            continue
        name = column.logical_name
        stem = name[:-2] if name.endswith("id") else name
        for candidate, kinds in ((f"{name}name", ("String",)), (f"{name}yominame", ("String",)),
                                 (f"{name}type", ("EntityName",)), (f"{name}typecode", ("EntityName",)),
                                 (f"{stem}typecode", ("EntityName",)), (f"{stem}type", ("EntityName",))):
            found = columns.get(candidate)
            if found is not None and found.type in kinds:
                derived.setdefault(candidate, name)
    for column in table.columns:
        parent = getattr(column, "derived_from", None) or column.extra.get("AttributeOf")
        if parent and columns.get(parent) is not None and columns[parent].type in LOOKUP_TYPES:
            derived.setdefault(column.logical_name, parent)
    return derived
