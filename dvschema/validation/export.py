"""Export a table's record rules as a Draft 2020-12 JSON Schema, for other JSON Schema tools.

JSON Schema can say types, lengths, bounds, enums, the multi-select pattern and state/status
pairs (``if``/``then``). It cannot say everything dvschema checks: ``maxLength`` counts code
points where Dataverse counts UTF-16 units, decimals are compared as JSON numbers, and
required lookups, read-only columns and transitions are left out.
"""

from __future__ import annotations

from typing import Any

from dvschema.metaschema.model import Table
from dvschema.validation.model import CHOICE_TYPES, INTEGER_TYPES, LOOKUP_TYPES, NUMBER_TYPES, ColumnFacts
from dvschema.validation.rules import MAX_MULTISELECT
from dvschema.validation.webapi import BIND_URL
from dvschema.validation.validator import Validator

GUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# The Web API's record URL forms (GUID, alternate and multi-part keys), in syntax JSON Schema tools share.
BIND_PATTERN = BIND_URL.pattern.replace("(?P<set>", "(").replace("(?P<key>", "(").replace("\\Z", "$")
MULTI_SELECT_PATTERN = r"^\s*-?\d+(\s*,\s*-?\d+)*\s*$"


def _number(value: Any) -> int | float:
    return value if isinstance(value, int) else float(value)


def _column_schema(facts: ColumnFacts) -> dict[str, Any] | None:
    column = facts.column
    kind = facts.type
    schema: dict[str, Any]
    if kind in ("String", "Memo", "EntityName"):
        schema = {"type": "string"}
        if column.max_length is not None:
            schema["maxLength"] = column.max_length
    elif kind in INTEGER_TYPES or kind in NUMBER_TYPES:
        schema = {"type": "integer" if kind in INTEGER_TYPES else "number",
                  "minimum": _number(facts.minimum), "maximum": _number(facts.maximum)}
    elif kind == "Boolean":
        schema = {"type": "boolean"}
    elif kind in CHOICE_TYPES:
        schema = {"type": "integer", "enum": sorted(facts.options)} if facts.options else {"type": "integer"}
    elif kind == "MultiSelectPicklist":
        schema = {"anyOf": [{"type": "string", "pattern": MULTI_SELECT_PATTERN},
                            {"type": "array", "items": {"enum": sorted(facts.options)}, "uniqueItems": True,
                             "maxItems": MAX_MULTISELECT}]}
    elif kind == "Uniqueidentifier":
        schema = {"type": "string", "pattern": GUID_PATTERN}
    elif kind == "DateTime":
        schema = ({"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]} if facts.date_or_time
                  else {"type": "string", "format": "date" if facts.date_only else "date-time"})
    elif kind in LOOKUP_TYPES:
        return None
    else:
        schema = {}
    if column.description:
        schema["description"] = column.description
    return {"anyOf": [schema, {"type": "null"}]} if schema else {}


def record_json_schema(table: Table, operation: str = "create") -> dict[str, Any]:
    """Return the JSON Schema of the table's Web API records for ``operation``."""
    validator = Validator(table, operation)  # type: ignore[arg-type]
    properties: dict[str, Any] = {}
    for name, facts in validator.facts.items():
        schema = _column_schema(facts)
        if schema is not None:
            properties[name] = schema
        else:
            properties[f"_{name}_value"] = {"anyOf": [{"type": "string", "pattern": GUID_PATTERN}, {"type": "null"}]}
    for bind in sorted(validator.navigation):
        url = {"type": "string", "pattern": BIND_PATTERN}
        properties[f"{bind}@odata.bind"] = ({"type": "array", "items": url} if validator.navigation[bind].collection
                                            else url)
    required = sorted(facts.name for facts in validator.required_columns
                      if facts.type not in LOOKUP_TYPES and facts.column.required_level != "Recommended")
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{table.logical_name} records ({operation})",
        "type": "object",
        "properties": properties,
        "patternProperties": {"@": {}},
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    state, status = validator.state_column, validator.status_column
    if state and status and status.column.options:
        pairs = []
        for state_value in sorted(state.options):
            statuses = sorted(o.value for o in status.column.options if o.state == state_value)
            if statuses:
                pairs.append({"if": {"properties": {state.name: {"const": state_value}},
                                     "required": [state.name, status.name]},
                              "then": {"properties": {status.name: {"enum": statuses}}}})
        if pairs:
            schema["allOf"] = pairs
    return schema
