"""The one builder every parser feeds: document blocks in, a :class:`Table` out.

Parsers differ only in how they find headings, paragraphs and table cells; what those
blocks mean (which section a heading opens, which property row sets which field, how an
options table attaches to its column) is decided here, once, for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from dvschema.diagnostics import Diagnostic, InputError, NotATableReference, shorten
from dvschema.metaschema.dump import LOOKUP_TYPES
from dvschema.metaschema.model import Column, Message, Option, Relationship, Source, Table
from dvschema.parsers import values
from dvschema.parsers.blocks import Block, Heading, ListItem, Paragraph, SectionIndex, TableBlock

# Section headings, lower-cased, to the section they open.
SECTIONS: dict[str, str] = {
    "messages": "messages",
    "events": "events",
    "entity properties": "properties",
    "properties": "properties",
    "writable attributes": "writable",
    "writable columns/attributes": "writable",
    "writable columns": "writable",
    "read-only attributes": "readonly",
    "read-only columns/attributes": "readonly",
    "read-only columns": "readonly",
    "customized columns/attributes": "customized",
    "customized attributes": "customized",
    "many-to-one relationships": "many_to_one",
    "one-to-many relationships": "one_to_many",
    "many-to-many relationships": "many_to_many",
    # Extension pages: "## Customized relationships", then one "### Customized <kind> relationships" per kind.
    "customized relationships": "customized_relationships",
    "customized many-to-one relationships": "customized_many_to_one",
    "customized one-to-many relationships": "customized_one_to_many",
    "customized many-to-many relationships": "customized_many_to_many",
    "see also": "footer",
    "related information": "footer",
}
COLUMN_SECTIONS = frozenset({"writable", "readonly", "customized"})
#: An extension page's customized relationship sections, to the kind of relationship each holds.
CUSTOMIZED_RELATIONSHIP_KINDS = {"customized_many_to_one": "many_to_one", "customized_one_to_many": "one_to_many",
                                 "customized_many_to_many": "many_to_many"}
RELATIONSHIP_SECTIONS = frozenset({"many_to_one", "one_to_many", "many_to_many", *CUSTOMIZED_RELATIONSHIP_KINDS})
#: What each section that must not be empty holds, for messages.
SECTION_CONTENTS = {"messages": "messages", "events": "events", "properties": "properties",
                    **{name: "columns" for name in COLUMN_SECTIONS},
                    **{name: "relationships" for name in RELATIONSHIP_SECTIONS}}
_SECTION_EXPECTED = {"messages": "rows of a messages table", "events": "rows of an events table",
                     "properties": "rows of a Property/Value table"}

TABLE_PROPERTIES: dict[str, str] = {
    "LogicalName": "logical_name",
    "SchemaName": "schema_name",
    "DisplayName": "display_name",
    "DisplayCollectionName": "display_collection_name",
    "EntitySetName": "entity_set_name",
    "CollectionSchemaName": "collection_schema_name",
    "LogicalCollectionName": "logical_collection_name",
    "PrimaryIdAttribute": "primary_id_attribute",
    "PrimaryNameAttribute": "primary_name_attribute",
    "OwnershipType": "ownership_type",
    "TableType": "table_type",
}

Converter = Callable[[str], Any]

COLUMN_PROPERTIES: dict[str, tuple[str, Converter]] = {
    "Description": ("description", values.text_or_none),
    "DisplayName": ("display_name", values.text_or_none),
    "LogicalName": ("logical_name", values.text_or_none),
    "RequiredLevel": ("required_level", values.to_required_level),
    "Type": ("type", values.text_or_none),
    "IsValidForCreate": ("is_valid_for_create", values.to_bool),
    "IsValidForUpdate": ("is_valid_for_update", values.to_bool),
    "IsValidForRead": ("is_valid_for_read", values.to_bool),
    "IsValidForForm": ("is_valid_for_form", values.to_bool),
    "MaxLength": ("max_length", values.to_int),
    "MinValue": ("min_value", values.to_exact_number),
    "MaxValue": ("max_value", values.to_exact_number),
    "Precision": ("precision", values.to_int),
    "PrecisionSource": ("precision_source", values.text_or_none),
    "Format": ("format", values.text_or_none),
    "FormatName": ("format_name", values.text_or_none),
    "DateTimeBehavior": ("date_time_behavior", values.text_or_none),
    "Targets": ("targets", values.to_targets),
    "GlobalChoiceName": ("global_choice_name", values.text_or_none),
    "DefaultValue": ("default_value", values.text_or_none),
    "DefaultFormValue": ("default_form_value", values.text_or_none),
    "MaxSizeInKB": ("max_size_in_kb", values.to_int),
}
# A Boolean's labels are its two options, whatever the format says them as.
BOOLEAN_LABELS = {"True Label": 1, "TrueLabel": 1, "False Label": 0, "FalseLabel": 0}

RELATIONSHIP_PROPERTIES: dict[str, tuple[str, Converter]] = {
    "ReferencedEntity": ("referenced_entity", values.text_or_none),
    "ReferencedAttribute": ("referenced_attribute", values.text_or_none),
    "ReferencingEntity": ("referencing_entity", values.text_or_none),
    "ReferencingAttribute": ("referencing_attribute", values.text_or_none),
    "ReferencedEntityNavigationPropertyName": ("referenced_entity_navigation_property_name", values.text_or_none),
    "ReferencingEntityNavigationPropertyName": ("referencing_entity_navigation_property_name", values.text_or_none),
    "IntersectEntityName": ("intersect_entity_name", values.text_or_none),
    "IntersectAttribute": ("intersect_attribute", values.text_or_none),
    "NavigationPropertyName": ("navigation_property_name", values.text_or_none),
    "IsHierarchical": ("is_hierarchical", values.to_bool),
    "IsCustomizable": ("is_customizable", values.to_bool),
    "CascadeConfiguration": ("cascade", values.to_key_values),
    "AssociatedMenuConfiguration": ("associated_menu", values.to_key_values),
}

#: Property names the plain-text parser recognises as the start of a row.
KNOWN_PROPERTY_NAMES = frozenset(TABLE_PROPERTIES) | frozenset(COLUMN_PROPERTIES) | frozenset(
    RELATIONSHIP_PROPERTIES) | frozenset(BOOLEAN_LABELS) | {"SchemaName", "IsBPFEntity", "ImeMode", "IsLocalizable",
                                                            "SourceTypeMask", "CanChangeDateTimeBehavior",
                                                            "IsBaseCurrency", "IsPrimaryImage", "CanStoreFullImage",
                                                            "MaxWidth", "MaxHeight", "IsRenameable"}

#: Rows every column's property table states (in every generation of pages). A table without
#: one of them was cut short: the page is truncated inside it.
COLUMN_REQUIRED_ROWS = ("LogicalName", "RequiredLevel", "Type")
#: Rows a column of a type always states besides those above. (A lookup without Targets is left
#: to the metadata lint, DL106.)
COLUMN_REQUIRED_ROWS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "String": ("MaxLength",),
    "Memo": ("MaxLength",),
    "Integer": ("MinValue", "MaxValue"),
    "BigInt": ("MinValue", "MaxValue"),
    "Decimal": ("MinValue", "MaxValue", "Precision"),
    "Double": ("MinValue", "MaxValue", "Precision"),
    "Money": ("MinValue", "MaxValue", "Precision"),
    "DateTime": ("DateTimeBehavior", "Format"),
}
#: The row a relationship's property table always states (its last one on generated pages).
RELATIONSHIP_REQUIRED_ROWS: dict[str, tuple[str, ...]] = {
    "many_to_one": ("CascadeConfiguration",),
    "one_to_many": ("AssociatedMenuConfiguration",),
    "many_to_many": ("IntersectEntityName",),
}

OPTION_HEADERS = {"Value": "value", "Label": "label", "State": "state", "DefaultStatus": "default_status",
                  "InvariantName": "invariant_name", "TransitionData": "transition_data",
                  "Description": "description"}

_TITLE_WITH_NAME = re.compile(r"^(?P<display>.*?)\s*\((?P<name>[A-Za-z0-9_]+)\)\s+(?:table|entity)", re.I)
_TITLE_NAME_ONLY = re.compile(r"^(?P<name>[A-Za-z0-9_]+)\s+(?:table|entity)\b", re.I)
_ADDED_BY = re.compile(r"^Added by\s*:\s*(?P<value>.*)$", re.S)
_CHANGES_FROM = re.compile(r"^Changes from\s+(?P<value>.*)$", re.S)
_DEFAULT_VALUE = re.compile(r"^DefaultValue\s*:\s*(?P<value>.*)$")
_EVENT_ONLY_TEXT = "to be executed only by dataverse"
#: The generator's boilerplate under every columns section heading ("These columns/attributes return true
#: for either IsValidForCreate or IsValidForUpdate (usually both). Listed by SchemaName."), in every
#: generation: it marks a published page, in markdown and in plain text alike.
_PUBLISHED_BOILERPLATE = re.compile(r"\bListed by\s+\**SchemaName\b", re.I)
_OPTIONS_HEADING = re.compile(r"^(?P<name>\S+)\s+(?:Choices/Options|Options|Choices)$")
_RELATED_ENTITY = (
    re.compile(r"^(?:One|Many)-To-(?:One|Many) Relationship:\s+(?P<entity>[A-Za-z0-9_]+)\s", re.I),
    re.compile(r"\bfor the\s+(?P<entity>[A-Za-z0-9_]+)\s+(?:table|entity)", re.I),
    re.compile(r"^(?:See|Same as)\s+(?P<entity>[A-Za-z0-9_]+)\s+(?:Entity|table)?\s*\S", re.I),
)


#: Suffixes of the columns Dataverse derives from a lookup: its record's name and yomi (phonetic) name.
DERIVED_NAME_SUFFIXES = ("yominame", "name")


def _mark_derived(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """Set ``derived_from`` on the name columns of the table's lookups (``createdbyname`` of ``createdby``)."""
    lookups = {column.logical_name for column in columns if column.type in LOOKUP_TYPES}
    marked = []
    for column in columns:
        base = next((column.logical_name[:-len(suffix)] for suffix in DERIVED_NAME_SUFFIXES
                     if column.logical_name.endswith(suffix)), None)
        if base in lookups and column.type == "String":
            column = column.model_copy(update={"derived_from": base})
        marked.append(column)
    return tuple(marked)


def _last_line(block: Block) -> int:
    if isinstance(block, TableBlock) and block.row_lines:
        return block.row_lines[-1]
    if isinstance(block, SectionIndex) and block.lines:
        return block.lines[-1]
    return block.line


@dataclass
class _Item:
    """A column or relationship being collected."""

    heading: str
    line: int
    section: str
    fields: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    options: list[Option] = field(default_factory=list)
    has_table: bool = False
    property_lines: dict[str, int] = field(default_factory=dict)
    option_lines: list[int] = field(default_factory=list)
    related: str | None = None
    rows: set[str] = field(default_factory=set)
    last_row_line: int = 0


@dataclass(frozen=True)
class PageLocations:
    """Page lines of what the model holds (the model itself carries no lines), for located lint findings.

    ``columns`` is aligned with ``Table.columns``: each column's heading line, the line of each
    property row by property name, and the line of each option in order.
    """

    table_properties: dict[str, int] = field(default_factory=dict)
    columns: tuple[tuple[int, dict[str, int], tuple[int, ...]], ...] = ()


@dataclass
class _OpenSection:
    """A section being read: its heading, the names its index lists, and where its content starts.

    ``first_column``/``first_relationship``/``content_before`` are the builder's counts when the
    section opened, so whatever path adds to the table while it is open counts as its content.
    """

    name: str
    title: str
    line: int
    first_column: int
    first_relationship: int
    content_before: int
    listed: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """What the section holds (``columns``, ``relationships``, ``messages``...), for messages."""
        return SECTION_CONTENTS[self.name]


class TableBuilder:
    """Collects blocks of one document and builds the :class:`Table` they describe."""

    def __init__(self, path: str, source_format: str, sha256: str):
        self.path = path
        self.source = Source(path=path, format=source_format, sha256=sha256)
        self.warnings: list[Diagnostic] = []
        self.table: dict[str, Any] = {}
        self.table_extra: dict[str, str] = {}
        self.front_matter: dict[str, str | list[str]] = {}
        self.intro: list[str] = []
        self.notes: list[str] = []
        self.includes: list[str] = []
        self.messages: list[Message] = []
        self.columns: list[_Item] = []
        self.relationships: list[_Item] = []
        self.listed_relationships: list[_Item] = []
        self.section = "intro"
        self.item: _Item | None = None
        self.open_section: _OpenSection | None = None
        self.options_column: _Item | None = None
        self.options_pending = False
        self.title_line: int | None = None
        # A heading below level 1 worded as a title ("## Commitment Entity Reference"), while none came.
        self.demoted_title: tuple[int, str] | None = None
        self.table_property_lines: dict[str, int] = {}
        self.sections_seen: dict[str, tuple[str, int]] = {}
        self.last_line = 0
        self.indexed = False
        self.published = False
        self.closing_name = False
        # The latest paragraph, read when the next block comes: the page's last one may end with the
        # 2017-18 closing name, which is the page's end and no text of the column or relationship before it.
        self.pending_paragraph: Paragraph | None = None

    # -- events -------------------------------------------------------------------------

    def warn(self, line: int | None, message: str, found: str | None = None) -> None:
        """Record a warning: suspicious content that is still kept or reported, never silently dropped."""
        self.warnings.append(Diagnostic(self.path, line, message, "warning", found))

    def feed(self, block: Block) -> None:
        """Consume one block in document order."""
        self.last_line = max(self.last_line, _last_line(block))
        pending, self.pending_paragraph = self.pending_paragraph, None
        if pending is not None:
            self._paragraph(pending)
        if isinstance(block, Heading):
            self._heading(block)
        elif isinstance(block, Paragraph):
            self.pending_paragraph = block
        elif isinstance(block, ListItem):
            self._list_item(block)
        elif isinstance(block, SectionIndex):
            self._section_index(block)
        else:
            self._table(block)

    def _heading(self, heading: Heading) -> None:
        text = heading.text.strip()
        if heading.level == 1 and self.title_line is None:
            self._title(text, heading.line)
            return
        section = SECTIONS.get(text.lower())
        if section is not None and (heading.level <= 2 or section == "footer" or (
                heading.level == 3 and section in CUSTOMIZED_RELATIONSHIP_KINDS)):
            self._close_item()
            self._close_section()
            self.section = section
            self.sections_seen.setdefault(section, (text, heading.line))
            if section in SECTION_CONTENTS:
                self.open_section = _OpenSection(section, text, heading.line, len(self.columns),
                                                 len(self.relationships), self._content_count())
            return
        if heading.level <= 2:
            if self.title_line is None and self.demoted_title is None and (
                    _TITLE_WITH_NAME.match(text) or _TITLE_NAME_ONLY.match(text)):
                self.demoted_title = (heading.line, text)
            self._close_item()
            self._close_section()
            self.section = "unknown"
            self.warn(heading.line, "unknown section; its content is kept as notes", text)
            return
        options = _OPTIONS_HEADING.match(text)
        if options and heading.level >= 4:
            self._start_options(options.group("name"), heading.line)
            return
        self._close_item()
        if self.section in COLUMN_SECTIONS or self.section in RELATIONSHIP_SECTIONS:
            self._check_listed(text, heading.line)
            self.item = _Item(heading=text, line=heading.line, section=self.section)
        elif self.section != "footer":
            self.warn(heading.line, f"heading outside a columns or relationships section ({self.section})", text)

    def _title(self, text: str, line: int) -> None:
        self.title_line = line
        self.table["title"] = text
        match = _TITLE_WITH_NAME.match(text)
        if match:
            display = match.group("display").strip()
            if display:
                self.table["display_name"] = display
            self.table["_title_name"] = match.group("name")
            return
        match = _TITLE_NAME_ONLY.match(text)
        if match:
            self.table["_title_name"] = match.group("name")
        else:
            raise NotATableReference.at(self.path, line, "the title does not name a table", found=shorten(text),
                                expected="'<name> Entity Reference', '<name> table' or "
                                         "'<Display> (<name>) table/entity reference'")

    def _list_item(self, item: ListItem) -> None:
        # A relationship section's bullet list names its relationships; one without an entry of its own below
        # (a section that is only the list) is still a relationship, and its link names the related table.
        if self.section in RELATIONSHIP_SECTIONS and item.target is not None and self.item is None:
            page = item.target.partition("#")[0].rsplit("/", 1)[-1]
            related = page[:-3] if page.endswith(".md") else None
            self.listed_relationships.append(_Item(heading=item.text.strip(), line=item.line, section=self.section,
                                                   related=related))

    def _paragraph(self, paragraph: Paragraph) -> None:
        if self.title_line is None:
            self.warn(paragraph.line, "text before the title", shorten(paragraph.text))
            self.notes.append(paragraph.text)
            return
        if paragraph.include is not None:
            self.includes.append(paragraph.include)
            return
        text = paragraph.text.strip()
        if self.section == "intro":
            added = _ADDED_BY.match(text)
            if added:
                self.table["added_by"] = added.group("value").strip()
            elif paragraph.note:
                self.notes.append(text)
            else:
                self.intro.append(text)
            return
        if self.section == "unknown":
            self.notes.append(text)
            return
        if self.item is None:
            # Section boilerplate ("These columns/attributes return true for ...") and footers.
            if self.section in COLUMN_SECTIONS and _PUBLISHED_BOILERPLATE.search(text):
                self.published = True
            return
        added = _ADDED_BY.match(text)
        if added:
            self.item.fields["added_by"] = added.group("value").strip()
            return
        if self.item.section in COLUMN_SECTIONS:
            changes = _CHANGES_FROM.match(text)
            default = _DEFAULT_VALUE.match(text)
            if changes:
                self.item.fields["changes_from"] = changes.group("value").strip()
            elif default:
                self.item.fields["default_value"] = default.group("value").strip()
            else:
                self.warn(paragraph.line, "unexpected text in a column; kept in extra['Text']", shorten(text))
                self.item.extra["Text"] = (self.item.extra.get("Text", "") + "\n" + text).strip()
            return
        changes = _CHANGES_FROM.match(text)
        if changes and self.item.section in CUSTOMIZED_RELATIONSHIP_KINDS:
            # 2024 Sales pages end the sentence with a colon ("Changes from [x (Microsoft Dataverse)](...):").
            self.item.fields["changes_from"] = changes.group("value").strip().removesuffix(":")
            return
        summary = self.item.fields.get("summary")
        self.item.fields["summary"] = text if summary is None else summary + "\n" + text

    def _start_options(self, name: str, line: int) -> None:
        target = self._find_column(name)
        if target is None:
            self.warn(line, "options table for an unknown column; its options are reported here and not kept",
                      name)
        self.options_column = target
        self.options_pending = True

    def _find_column(self, name: str) -> _Item | None:
        lowered = name.lower()
        candidates = ([self.item] if self.item is not None and self.item.section in COLUMN_SECTIONS else []) + \
            list(reversed(self.columns))
        for item in candidates:
            if item.heading.lower() == lowered or str(item.fields.get("logical_name", "")).lower() == lowered:
                return item
        return None

    def _table(self, block: TableBlock) -> None:
        if self.options_pending:
            self.options_pending = False
            self._options_table(block)
            return
        if self.section in ("messages", "events"):
            self._messages_table(block)
        elif self.section == "properties":
            for row, line in zip(block.rows, block.row_lines):
                key, value = self._property_row(row, line)
                self._set_table_property(key, value, line)
        elif self.item is not None:
            if self.item.section in COLUMN_SECTIONS:
                self._split_lost_heading(block)
            self.item.has_table = True
            for row, line in zip(block.rows, block.row_lines):
                key, value = self._property_row(row, line)
                self.item.rows.add(key)
                self.item.last_row_line = line
                if self.item.section in COLUMN_SECTIONS:
                    self._set_column_property(self.item, key, value, line)
                else:
                    self._set_relationship_property(self.item, key, value, line)
        else:
            for row, line in zip(block.rows, block.row_lines):
                self.warn(line, f"property row outside a column or relationship (section {self.section}); "
                                "it is not part of any column", " | ".join(row))

    def _split_lost_heading(self, block: TableBlock) -> None:
        """A second property table naming another LogicalName under one heading lost its own heading.

        Both columns are kept: the second one is started under its logical name, with a warning.
        """
        item = self.item
        first = item.fields.get("logical_name") if item is not None and item.has_table else None
        second = next((values.text_or_none(row[1]) for row in block.rows if len(row) >= 2 and
                       row[0].strip() == "LogicalName"), None)
        if item is None or not first or not second or second == first:
            return
        self.warn(block.line, f"two property tables under the heading {item.heading} (a lost heading?): columns "
                              f"{first} and {second}; both are kept, the second under its logical name", second)
        self._close_item()
        self.item = _Item(heading=second, line=block.line, section=item.section)

    def _property_row(self, row: list[str], line: int) -> tuple[str, str]:
        if len(row) < 2:
            raise InputError.at(self.path, line, "a property row needs a property and a value",
                                found=" | ".join(row), expected="'|Property|Value|'")
        return row[0].strip(), "\n".join(cell for cell in row[1:] if cell) if len(row) > 2 else row[1]

    def _set_table_property(self, key: str, value: str, line: int) -> None:
        self.table_property_lines[key] = line
        target = TABLE_PROPERTIES.get(key)
        if target is None:
            self.table_extra[key] = value.strip()
        else:
            self.table[target] = values.text_or_none(value)

    def _convert(self, converter: Converter, key: str, value: str, line: int) -> Any:
        try:
            return converter(value)
        except ValueError as error:
            raise InputError.at(self.path, line, f"bad value for {key}", found=shorten(value),
                                expected=str(error)) from None

    def _set_column_property(self, item: _Item, key: str, value: str, line: int) -> None:
        item.property_lines[key] = line
        mapped = COLUMN_PROPERTIES.get(key)
        if mapped is not None:
            name, converter = mapped
            item.fields[name] = self._convert(converter, key, value, line)
        elif key in BOOLEAN_LABELS:
            item.options.append(Option(value=BOOLEAN_LABELS[key], label=values.text_or_none(value)))
            item.option_lines.append(line)
        else:
            item.extra[key] = value.strip()

    def _set_relationship_property(self, item: _Item, key: str, value: str, line: int) -> None:
        mapped = RELATIONSHIP_PROPERTIES.get(key)
        if mapped is not None:
            name, converter = mapped
            item.fields[name] = self._convert(converter, key, value, line)
        elif key == "SchemaName":
            item.fields["schema_name"] = values.text_or_none(value)
        else:
            item.extra[key] = value.strip()

    def _options_table(self, block: TableBlock) -> None:
        header = [cell.strip() for cell in block.header]
        if not header or header[0] != "Value":
            raise InputError.at(self.path, block.line, "an options table must start with a Value column",
                                found=" | ".join(header), expected="'|Value|Label|...|' or '|Value|Details|'")
        rows = list(zip(block.rows, block.row_lines))
        if len(rows) == 1 and not any(cell.strip() for cell in rows[0][0]):
            rows = []  # the 2019 generator's way to write "no choices": one row of blank cells
        options = [self._option(header, row, line) for row, line in rows]
        if self.options_column is None:
            for option, (_, line) in zip(options, rows):
                self.warn(line, "option of an unknown column", f"{option.value} {option.label}")
            return
        self.options_column.options.extend(options)
        self.options_column.option_lines.extend(line for _, line in rows)

    def _option(self, header: list[str], row: list[str], line: int) -> Option:
        cells: dict[str, str] = {}
        extra: dict[str, str] = {}
        for name, cell in zip(header, row):
            if name == "Details":
                for key, value in values.to_key_values(cell).items():
                    if key in OPTION_HEADERS:
                        cells[key] = value
                    else:
                        extra[key] = value
            elif name in OPTION_HEADERS:
                cells[name] = cell
            else:
                extra[name] = cell.strip()
        fields: dict[str, Any] = {"extra": extra}
        for name, text in cells.items():
            target = OPTION_HEADERS[name]
            if target in ("value", "state", "default_status"):
                fields[target] = self._convert(values.to_int, name, text, line)
            else:
                fields[target] = values.text_or_none(text)
        if fields.get("value") is None:
            raise InputError.at(self.path, line, "an option needs a whole-number value",
                                found=" | ".join(row), expected="a row such as '|1|Active|'")
        return Option(**fields)

    def _messages_table(self, block: TableBlock) -> None:
        header = [cell.split("\n")[0].strip().lower() for cell in block.header]
        event_only = self.section == "events"
        for row, line in zip(block.rows, block.row_lines):
            cells = dict(zip(header, row))
            name_cell = row[0] if row else ""
            name_lines = [part.strip() for part in name_cell.split("\n") if part.strip()]
            if not name_lines:
                self.warn(line, "message row without a name", " | ".join(row))
                continue
            is_event: bool | None = True if event_only else None
            for part in name_lines[1:]:
                key, _, flag = part.partition(":")
                if key.strip() == "Event":
                    is_event = self._convert(values.to_bool, "Event", flag, line)
            web_api = next((cell for key, cell in cells.items() if key.startswith("web api")), "")
            sdk = next((cell for key, cell in cells.items() if key.startswith("sdk")), "")
            # Older pages list an event among the messages, saying so in its operation cell.
            listed_as_event = event_only or _EVENT_ONLY_TEXT in " ".join(f"{web_api} {sdk}".split()).lower()
            if listed_as_event:
                is_event = True
            self.messages.append(Message(name=name_lines[0], is_event=is_event, event_only=listed_as_event,
                                         web_api=values.text_or_none(web_api), sdk=values.text_or_none(sdk)))

    # -- the section index: what a page promises, checked against what it delivers ----------

    def _section_index(self, index: SectionIndex) -> None:
        if self.open_section is None or self.open_section.kind not in ("columns", "relationships"):
            self.warn(index.lines[0] if index.lines else None, "a list of names outside a columns or relationships "
                      "section; it is not checked", shorten(", ".join(index.names)))
            return
        self.indexed = True
        for name, line in zip(index.names, index.lines):
            self.open_section.listed.setdefault(name, line)
            if self.open_section.kind == "relationships":
                # A relationships section that is only its list still names its relationships (see _list_item).
                self.listed_relationships.append(_Item(heading=name, line=line, section=self.section))

    def _check_listed(self, name: str, line: int) -> None:
        """An item its section's index does not list is kept, with a warning: the page looks cut up."""
        section = self.open_section
        if section is not None and section.listed and name.lower() not in {entry.lower() for entry in section.listed}:
            first_line = min(section.listed.values())
            self.warn(line, f"{name} is not among the {section.kind} the {section.title} section lists at line "
                      f"{first_line}; the page looks cut up or shuffled (the {section.kind[:-1]} is kept)", name)

    def _check_rows(self, item: _Item) -> None:
        """A property table that lacks a row every table of its kind has was cut: the page is truncated."""
        if not item.has_table:
            if item.section in COLUMN_SECTIONS and not (item.section == "customized" and item.options):
                raise InputError.at(self.path, item.line, f"column {item.heading} has no property table",
                                    found="heading without a table", expected="'|Property|Value|' rows")
            return
        if item.section in COLUMN_SECTIONS:
            if item.section == "customized":
                return
            required = COLUMN_REQUIRED_ROWS + COLUMN_REQUIRED_ROWS_BY_TYPE.get(str(item.fields.get("type")), ())
            what = f"column {item.heading}"
        else:
            required = RELATIONSHIP_REQUIRED_ROWS.get(item.section, ())  # a customized one states only changes
            what = f"relationship {item.heading}"
        missing = [row for row in required if row not in item.rows]
        if missing:
            raise InputError.at(self.path, item.last_row_line or item.line,
                                f"page looks truncated: the property table of {what} ends without its "
                                f"{', '.join(missing)} row{'s' if len(missing) > 1 else ''}",
                                found=f"{len(item.rows)} rows", expected="rows " + ", ".join(required))

    def _content_count(self) -> int:
        return (len(self.table) + len(self.table_extra) + len(self.messages) + len(self.columns)
                + len(self.relationships) + len(self.listed_relationships))

    def _close_section(self) -> None:
        """At a section's end: it holds something, and every name its index lists had its own section.

        A relationships section that is only its list (no entry at all) is a page generation's
        way of naming its relationships, not a cut: they are kept by name.
        """
        section, self.open_section = self.open_section, None
        if section is None:
            return
        # Case aside: a column recovered from a lost heading goes by its logical name.
        delivered = {item.heading.lower() for item in self.columns[section.first_column:]} | {
            item.heading.lower() for item in self.relationships[section.first_relationship:]}
        missing = [(line, name) for name, line in section.listed.items() if name.lower() not in delivered]
        if section.kind == "relationships" and section.listed and not delivered:
            return  # only its list: the listed relationships are kept by name
        if missing:
            names = ", ".join(name for _, name in sorted(missing))
            raise InputError.at(self.path, min(missing)[0],
                                f"page looks truncated: the {section.title} section lists {len(missing)} "
                                f"{section.kind} that have no section of their own: {shorten(names, 200)}",
                                found=f"{len(section.listed) - len(missing)} of {len(section.listed)} listed "
                                      f"{section.kind}", expected="a section for every name the list gives")
        if self._content_count() == section.content_before:
            raise InputError.at(self.path, section.line, f"page looks truncated: the {section.title} section has "
                                f"no {section.kind}", found="a section heading and nothing under it",
                                expected=_SECTION_EXPECTED.get(section.kind,
                                                               f"{section.kind} under their own headings"))

    def _last_paragraph(self, logical_name: str | None) -> None:
        """Read the page's last paragraph, less the 2017-18 closing name that may end it.

        Those pages end with the table's logical name alone on the last line: a paragraph of its own,
        or (a soft line break being a space) the last word of the last relationship's summary, as in
        plain text, where a browser joins it to that line. It is the page's end, not text.
        """
        paragraph, self.pending_paragraph = self.pending_paragraph, None
        if paragraph is None:
            return
        words = paragraph.text.split()
        if (logical_name and paragraph.include is None and self.section not in ("intro", "footer") and words
                and words[-1].lower() == logical_name.lower()):
            self.closing_name = True
            rest = paragraph.text.rstrip()[:-len(words[-1])].rstrip()
            if not rest:
                return
            paragraph = Paragraph(rest, paragraph.line, note=paragraph.note)
        self._paragraph(paragraph)

    def _check_untitled_page(self) -> None:
        """A page with a reference page's sections but no level-1 title lost its title: an error, not a non-page.

        A README beside the pages has none of those sections and is skipped; a page whose title was
        deleted, or demoted to ``##``, must not silently leave the catalog.
        """
        sections = sorted((line, text) for name, (text, line) in self.sections_seen.items() if name in SECTION_CONTENTS)
        if not sections:
            return
        first_line, first_title = sections[0]
        expected = "a level-1 title such as '# <name> table/entity reference' before the sections"
        if self.demoted_title is not None:
            line, text = self.demoted_title
            raise InputError.at(self.path, line, "the page's title is not a level-1 heading (a table reference page "
                                f"needs one; its {first_title} section is at line {first_line})",
                                found=f"'## {shorten(text)}'", expected=expected)
        raise InputError.at(self.path, first_line, f"a table reference page without its title: its {first_title} "
                            "section comes with no title before it", found=f"'{shorten(first_title)}' as the first heading",
                            expected=expected)

    def _check_page_end(self, logical_name: str | None) -> None:
        """A page that stops before its columns is truncated; one without its end may be.

        Every generation orders a page Messages, Properties, columns, relationships, then its
        end: a footer ("See also" or "Related information"), or (2017-18 pages) the table's
        logical name alone on the last line. A published page (one with section lists, or with the
        generator's "Listed by SchemaName" under its columns headings) that lacks it gets a warning: cut
        after a section, it may have lost sections nothing else names. A page put together by hand has
        neither.
        """
        seen = self.sections_seen
        has_columns = any(name in seen for name in COLUMN_SECTIONS)
        missing = "Properties" if "messages" in seen and "properties" not in seen else \
            "columns" if ("messages" in seen or "properties" in seen) and not has_columns else None
        if missing is not None:
            last_title, last_heading = max(seen.values(), key=lambda entry: entry[1])
            raise InputError.at(self.path, self.last_line, f"page looks truncated: it ends in its {last_title} "
                                f"section (line {last_heading}), before any {missing} section",
                                found="end of file", expected=f"the {missing} sections every page has")
        if (self.indexed or self.published) and "footer" not in seen and not self.closing_name:
            self.warn(self.last_line, "the page ends without its 'See also' or 'Related information' footer; "
                      "it may be truncated here", found="end of file")

    def _close_item(self) -> None:
        item, self.item = self.item, None
        self.options_pending = False
        if item is None:
            return
        self._check_rows(item)
        if item.section in COLUMN_SECTIONS:
            self.columns.append(item)
        else:
            self.relationships.append(item)

    # -- result -------------------------------------------------------------------------

    def locations(self) -> PageLocations:
        """The page lines of the columns, their property rows and options (after :meth:`build`)."""
        return PageLocations(dict(self.table_property_lines), tuple(
            (item.line, dict(item.property_lines), tuple(item.option_lines)) for item in self.columns))

    def build(self) -> Table:
        """Return the table; raise :class:`InputError` when the document is not a complete table reference."""
        title_name = self.table.get("_title_name")
        self._last_paragraph(self.table.get("logical_name") or (title_name.lower() if title_name else None))
        self._close_item()
        self._close_section()
        if self.title_line is None:
            self._check_untitled_page()
            raise NotATableReference.at(self.path, 1, "no title found", found="end of file" if not self.intro else
                                shorten(self.intro[0]), expected="a title such as '# <name> table/entity reference'")
        title_name = self.table.pop("_title_name", None)
        logical_name = self.table.get("logical_name") or (title_name.lower() if title_name else None)
        if self.section == "intro" and not self.messages and not self.columns:
            raise InputError.at(self.path, self.title_line, "the document ends before any section",
                                found="end of file", expected="sections such as Messages, Properties and columns")
        self._check_page_end(logical_name)
        columns = _mark_derived(tuple(self._column(item) for item in self.columns))
        seen: dict[str, int] = {}
        for item, column in zip(self.columns, columns):
            if column.logical_name in seen:
                self.warn(item.line, f"column {column.logical_name} is described twice (first at line "
                                     f"{seen[column.logical_name]}); both are kept", item.heading)
            seen.setdefault(column.logical_name, item.line)
        relationships = tuple(self._relationship(item, logical_name)
                              for item in self.relationships + self._listed_only())
        if self.intro:
            self.table["description"] = self.intro[-1]
            self.notes[:0] = self.intro[:-1]
        if title_name and "schema_name" not in self.table and title_name.lower() != title_name:
            self.table["schema_name"] = title_name
        self.table["logical_name"] = logical_name
        return Table(**self.table, notes=tuple(self.notes), includes=tuple(self.includes),
                     front_matter=self.front_matter, messages=tuple(self.messages), columns=columns,
                     relationships=relationships, extra=self.table_extra, source=self.source)

    def _listed_only(self) -> list[_Item]:
        """The relationships a section's bullet list names that have no entry of their own, each once."""
        known = {(item.section, item.heading.lower()) for item in self.relationships}
        listed_only = []
        for item in self.listed_relationships:
            key = (item.section, item.heading.lower())
            if key not in known:
                known.add(key)
                listed_only.append(item)
        return listed_only

    def _column(self, item: _Item) -> Column:
        fields = dict(item.fields)
        if not fields.get("logical_name"):
            if item.section != "customized":
                self.warn(item.line, "column without LogicalName; using its lower-cased schema name", item.heading)
            fields["logical_name"] = item.heading.lower()
        writable = item.section in ("writable", "customized")
        # The read-only section states "false for both IsValidForCreate and IsValidForUpdate"; the writable
        # section only "true for either (usually both)", so there a row the page does not have stays None.
        if item.section == "readonly":
            for name in ("is_valid_for_create", "is_valid_for_update"):
                if fields.get(name) is None:
                    fields[name] = False
        return Column(schema_name=item.heading, writable=writable, options=tuple(item.options),
                      extra=item.extra, **fields)

    def _relationship(self, item: _Item, table_name: str | None) -> Relationship:
        fields = dict(item.fields)
        summary = fields.get("summary")
        related = item.related
        if summary and related is None:
            for pattern in _RELATED_ENTITY:
                match = pattern.search(summary)
                if match:
                    related = match.group("entity")
                    break
        fields["related_entity"] = related
        kind = CUSTOMIZED_RELATIONSHIP_KINDS.get(item.section)
        if kind is not None:
            # A customized relationship states only what it changes: nothing is inferred for it.
            fields.pop("schema_name", None)
            return Relationship(kind=kind, schema_name=item.heading, extra=item.extra, **fields)
        if item.section == "many_to_one":
            fields.setdefault("referencing_entity", table_name)
            fields.setdefault("referenced_entity", related)
        elif item.section == "one_to_many":
            fields.setdefault("referenced_entity", table_name)
            fields.setdefault("referencing_entity", related)
        fields.pop("schema_name", None)
        if "schema_name" in item.fields and item.fields["schema_name"] != item.heading:
            item.extra["SchemaName"] = item.fields["schema_name"]
        return Relationship(kind=item.section, schema_name=item.heading, extra=item.extra, **fields)
