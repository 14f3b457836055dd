"""Tables rebuilt from their own JSON dump, without pydantic.

The parse cache stores each table as ``Table.model_dump(mode="json")``. Two readers rebuild it:
:func:`dvschema.metaschema.model.table_from_dump` makes the pydantic models without validating
them again, and :func:`dumped_table` makes read-only attribute views, for a command that only
reads a cached table (``dvschema validate``) and so need not import pydantic at all (its import
and the models' validators were most of that command's start-up). Both walk the dump with
:func:`rebuild_table`, so the two agree on every field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

#: Version of the serialized model; bump when a field changes meaning.
MODEL_VERSION = "1"

#: Builds one object of the model from its fields: called with the model's name and the fields.
Maker = Callable[[str, dict[str, Any]], Any]


def _number(value: int | str | None) -> int | Decimal | None:
    return Decimal(value) if isinstance(value, str) else value


def rebuild_table(data: dict[str, Any], make: Maker) -> Any:
    """A table from its JSON dump: nested models made with ``make``, lists back to tuples and
    decimal bounds (strings in JSON) back to ``Decimal``."""
    def column(fields: dict[str, Any]) -> Any:
        return make("Column", {**fields, "targets": tuple(fields.get("targets", ())),
                               "options": tuple(make("Option", dict(option)) for option in fields.get("options", ())),
                               "min_value": _number(fields.get("min_value")),
                               "max_value": _number(fields.get("max_value"))})

    fields = {**data, "notes": tuple(data.get("notes", ())), "includes": tuple(data.get("includes", ())),
              "messages": tuple(make("Message", dict(message)) for message in data.get("messages", ())),
              "columns": tuple(column(dict(item)) for item in data.get("columns", ())),
              "relationships": tuple(make("Relationship", dict(item)) for item in data.get("relationships", ()))}
    if data.get("source") is not None:
        fields["source"] = make("Source", dict(data["source"]))
    return make("Table", fields)


class DumpedModel:
    """A read-only view of one model object's fields (the attributes of the pydantic model)."""

    __slots__ = ("_kind", "__dict__")

    def __init__(self, kind: str, fields: dict[str, Any]):
        object.__setattr__(self, "_kind", kind)
        self.__dict__.update(fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._kind} is read-only")

    def __reduce__(self) -> tuple:
        """Pickled as its kind and fields (it sends to spawned worker processes)."""
        return DumpedModel, (self._kind, self.__dict__)

    def __repr__(self) -> str:
        name = self.__dict__.get("logical_name") or self.__dict__.get("name") or self.__dict__.get("value")
        return f"<dumped {self._kind} {name}>"


class DumpedCatalog:
    """Tables keyed by logical name, as :class:`~dvschema.metaschema.model.Catalog` holds them."""

    __slots__ = ("tables",)

    def __init__(self, tables: dict[str, Any]):
        self.tables = tables

    def __reduce__(self) -> tuple:
        """Pickled as its tables."""
        return DumpedCatalog, (self.tables,)


def dumped_table(data: dict[str, Any]) -> DumpedModel:
    """Read-only attribute views of a table's JSON dump (see the module's docstring)."""
    return rebuild_table(data, DumpedModel)
