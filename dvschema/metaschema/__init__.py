"""The canonical metadata model, its JSON Schema, and catalog JSON in and out.

``table.schema.json`` and ``catalog.schema.json`` beside this file are generated from the
pydantic models by ``python -m dvschema.metaschema`` and checked in; a test fails when
they are stale. The model classes are imported on first use (``dvschema.metaschema.Table``), so
that a module that needs only :mod:`dvschema.metaschema.dump` (reading the parse cache) does not
import pydantic.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dvschema.diagnostics import InputError
from dvschema.metaschema.dump import MODEL_VERSION

if TYPE_CHECKING:
    from dvschema.metaschema.model import Catalog, Table

_MODEL_NAMES = ("Catalog", "Column", "Message", "Option", "Relationship", "Source", "Table")

__all__ = ["Catalog", "Column", "Message", "Option", "Relationship", "Source", "Table", "MODEL_VERSION",
           "SCHEMA_DIR", "table_json_schema", "catalog_json_schema", "generated_schemas", "load_schema",
           "dump_json", "load_catalog", "validate_document"]

SCHEMA_DIR = Path(__file__).parent


def __getattr__(name: str) -> Any:
    if name in _MODEL_NAMES:
        from dvschema.metaschema import model

        return getattr(model, name)
    raise AttributeError(f"module 'dvschema.metaschema' has no attribute {name!r}")
_SCHEMA_BASE = "https://dvschema.dev/metaschema/"


def _with_header(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": _SCHEMA_BASE + name, **schema}


def table_json_schema() -> dict[str, Any]:
    """Return the Draft 2020-12 JSON Schema of one serialized :class:`Table`."""
    from dvschema.metaschema.model import Table

    return _with_header(Table.model_json_schema(), "table.schema.json")


def catalog_json_schema() -> dict[str, Any]:
    """Return the Draft 2020-12 JSON Schema of a serialized :class:`Catalog`."""
    from dvschema.metaschema.model import Catalog

    return _with_header(Catalog.model_json_schema(), "catalog.schema.json")


def generated_schemas() -> dict[str, str]:
    """Return each checked-in schema file's name and the text it must have."""
    return {name: json.dumps(build(), indent=2, sort_keys=True) + "\n"
            for name, build in (("table.schema.json", table_json_schema), ("catalog.schema.json",
                                                                            catalog_json_schema))}


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """Return a checked-in schema (``table.schema.json`` or ``catalog.schema.json``)."""
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def dump_json(model: Table | Catalog, indent: bool = True) -> str:
    """Serialize a table or catalog as canonical JSON (model field order; two-space indent, or compact)."""
    import orjson

    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(model.model_dump(mode="json"), option=option).decode() + "\n"


def validate_document(data: Any, schema_name: str, path: str) -> None:
    """Validate parsed JSON against a metaschema; raise :class:`InputError` naming the JSON path."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema(schema_name))
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        raise InputError.at(path, None, f"does not match {schema_name} at {error.json_path}",
                            found=json.dumps(error.instance)[:60], expected=error.message[:200])


def load_catalog(path: str | Path) -> Catalog:
    """Load a catalog JSON file (or one serialized table), validated against the metaschema."""
    import orjson

    from dvschema.metaschema.model import Catalog, Table

    name = str(path)
    try:
        data = orjson.loads(Path(path).read_bytes())
    except OSError as error:
        raise InputError.at(name, None, "cannot read the file", found=error.strerror,
                            expected="a catalog JSON file") from None
    except orjson.JSONDecodeError as error:
        raise InputError.at(name, error.lineno, "not valid JSON", found=error.msg,
                            expected="a catalog JSON file") from None
    if isinstance(data, dict) and "tables" in data:
        version = data.get("model_version", MODEL_VERSION)
        if version != MODEL_VERSION:
            # Version 1 filled IsValidForCreate/IsValidForUpdate the page did not state: not comparable.
            raise InputError.at(name, None, "catalog written by another model version; parse its pages again",
                                found=f"model_version {json.dumps(version)}", expected=f'"{MODEL_VERSION}"')
        validate_document(data, "catalog.schema.json", name)
        return Catalog.model_validate(data)
    validate_document(data, "table.schema.json", name)
    table = Table.model_validate(data)
    return Catalog(tables={table.logical_name: table})
