"""The canonical Dataverse table metadata model.

Every parser builds these models and every other part of dvschema (validation, drift,
reports) reads them. They are frozen: a parsed table is a value, safe to share between
threads and worker processes and to use as a cache entry.

Numbers that bound values (``min_value``/``max_value``) are exact: integers stay ``int``
and decimals are ``Decimal``, serialized as strings in JSON so no float rounding happens.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from dvschema.metaschema.dump import MODEL_VERSION, column_accepts_value_on


#: A decimal kept exactly as the document wrote it (``1E-12``, ``0.5``): a string in JSON.
ExactDecimal = Annotated[
    Decimal,
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"}),
]
#: Bounds: whole numbers stay ``int`` (JSON integers), others are exact decimals.
ExactNumber = Union[int, ExactDecimal]

RequiredLevel = Literal["None", "Recommended", "ApplicationRequired", "SystemRequired"]
RelationshipKind = Literal["many_to_one", "one_to_many", "many_to_many"]
SourceFormat = Literal["markdown-generated", "markdown-2023", "markdown-2020", "markdown-2018", "plain-text",
                       "catalog"]


class _Frozen(BaseModel):
    # defer_build: a class's validator is built when it first validates, not at import; a command
    # that only reads cached tables (as views, metaschema.dump) never pays for it
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Option(_Frozen):
    """One choice of a Picklist, MultiSelectPicklist, State, Status or Boolean column."""

    value: int
    label: str | None = None
    state: int | None = Field(None, description="For a status: the state value it belongs to.")
    default_status: int | None = Field(None, description="For a state: its default status value.")
    invariant_name: str | None = None
    transition_data: str | None = None
    description: str | None = None
    extra: dict[str, str] = Field(default_factory=dict, description="Option details the parser does not map.")


class Column(_Frozen):
    """One column (attribute) of a table, as the reference page describes it."""

    schema_name: str
    logical_name: str
    display_name: str | None = None
    description: str | None = None
    type: str | None = Field(None, description="The document's spelling: String, Memo, Integer, Picklist, ...")
    required_level: RequiredLevel | None = None
    writable: bool = Field(False, description="Listed under the writable (or customized) columns section.")
    is_valid_for_create: bool | None = Field(None, description="As the page states it (a row, or the read-only "
                                             "section); None when it does not.")
    is_valid_for_update: bool | None = Field(None, description="As the page states it (a row, or the read-only "
                                             "section); None when it does not.")
    is_valid_for_read: bool | None = None
    is_valid_for_form: bool | None = None
    max_length: int | None = None
    min_value: ExactNumber | None = None
    max_value: ExactNumber | None = None
    precision: int | None = None
    precision_source: str | None = None
    format: str | None = None
    format_name: str | None = None
    date_time_behavior: str | None = None
    targets: tuple[str, ...] = ()
    global_choice_name: str | None = None
    default_value: str | None = None
    default_form_value: str | None = None
    options: tuple[Option, ...] = ()
    max_size_in_kb: int | None = None
    added_by: str | None = None
    changes_from: str | None = Field(None, description="Extension documents: the column definition this one changes.")
    derived_from: str | None = Field(None, description="The lookup whose name this column holds (`createdbyname`, "
                                     "`createdbyyominame` of `createdby`); newer page generations omit such columns.")
    extra: dict[str, str] = Field(default_factory=dict, description="Property rows the parser does not map.")

    def accepts_value_on(self, operation: Literal["create", "update"]) -> bool:
        """Whether a value may be sent on create or update (see :func:`column_accepts_value_on`)."""
        return column_accepts_value_on(self, operation)


class CascadeConfiguration(_Frozen):
    """Cascade behaviour of a relationship, one entry per action (Assign, Delete, ...)."""

    actions: dict[str, str] = Field(default_factory=dict)


class Relationship(_Frozen):
    """A relationship of the table, seen from this table's side."""

    kind: RelationshipKind
    schema_name: str
    summary: str | None = Field(None, description="The sentence that introduces the relationship (link text only).")
    related_entity: str | None = None
    referenced_entity: str | None = None
    referenced_attribute: str | None = None
    referencing_entity: str | None = None
    referencing_attribute: str | None = None
    referenced_entity_navigation_property_name: str | None = None
    referencing_entity_navigation_property_name: str | None = None
    intersect_entity_name: str | None = None
    intersect_attribute: str | None = None
    navigation_property_name: str | None = None
    is_hierarchical: bool | None = None
    is_customizable: bool | None = None
    cascade: dict[str, str] = Field(default_factory=dict)
    associated_menu: dict[str, str] = Field(default_factory=dict)
    added_by: str | None = None
    changes_from: str | None = Field(None, description="Extension documents: the relationship definition this "
                                     "one changes (a customized relationship states only its changed properties).")
    extra: dict[str, str] = Field(default_factory=dict)


class Message(_Frozen):
    """A message (operation) of the table, or an event listed in the Events section."""

    name: str
    is_event: bool | None = None
    event_only: bool = Field(False, description="Listed in the Events section rather than the Messages section, "
                             "or (older pages) among the messages as 'to be executed only by Dataverse'.")
    web_api: str | None = None
    sdk: str | None = None


class Source(_Frozen):
    """Where a table's metadata came from."""

    path: str
    format: SourceFormat
    sha256: str


LayerChangeKind = Literal["column-added", "column-changed", "option-added", "target-added", "relationship-added",
                          "relationship-changed", "message-added"]


class LayerChange(_Frozen):
    """One change an extension page (a Dynamics 365 page extending a Dataverse table) made to its base table."""

    kind: LayerChangeKind
    column: str | None = Field(None, description="The column changed or added, if any.")
    relationship: str | None = Field(None, description="The relationship changed (schema name), if any.")
    item: str | None = Field(None, description="The field, option value, target, relationship or message.")
    value: str | None = Field(None, description="What the extension page states, as text.")
    source: Source


class Table(_Frozen):
    """One Dataverse table (entity) with its columns, relationships and messages."""

    logical_name: str
    schema_name: str | None = None
    display_name: str | None = None
    display_collection_name: str | None = None
    description: str | None = None
    entity_set_name: str | None = None
    collection_schema_name: str | None = None
    logical_collection_name: str | None = None
    primary_id_attribute: str | None = None
    primary_name_attribute: str | None = None
    ownership_type: str | None = None
    table_type: str | None = None
    added_by: str | None = None
    title: str | None = None
    notes: tuple[str, ...] = Field((), description="Notes and introductory paragraphs other than the description.")
    includes: tuple[str, ...] = Field((), description="Markdown [!INCLUDE] references.")
    front_matter: dict[str, str | list[str]] = Field(default_factory=dict)
    messages: tuple[Message, ...] = ()
    columns: tuple[Column, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    extra: dict[str, str] = Field(default_factory=dict, description="Table property rows the parser does not map.")
    source: Source | None = None
    layers: tuple[LayerChange, ...] = Field((), description="Changes extension pages made to this (base) table, "
                                                            "each with the page it came from.")

    def column(self, logical_name: str) -> Column:
        """Return the column with this logical name; raise KeyError if there is none."""
        for column in self.columns:
            if column.logical_name == logical_name:
                return column
        raise KeyError(logical_name)

    def column_map(self) -> dict[str, Column]:
        """Return the columns keyed by logical name."""
        return {column.logical_name: column for column in self.columns}


class Catalog(_Frozen):
    """Many tables keyed by logical name: one release of a solution's metadata."""

    model_version: str = MODEL_VERSION
    tables: dict[str, Table] = Field(default_factory=dict)
