"""Tables rebuilt from their own JSON dump, without pydantic.

The parse cache stores each table as ``Table.model_dump(mode="json")``. :func:`dumped_table` makes
read-only attribute views of it, for a command that only reads a cached table (``dvschema validate``)
and so need not import pydantic at all (its import and the models' validators were most of that
command's start-up); ``cache.load`` validates the dump into the models instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

#: Version of the serialized model; bump when a field changes meaning.
#: 2: ``is_valid_for_create``/``is_valid_for_update`` are None unless the page states them (version 1 filled
#: True from the writable section); ``Column.derived_from``.
MODEL_VERSION = "2"
#: Column types whose value refers to a record of another table (set with a bind in a write, with a name
#: column Dataverse derives from it); PartyList, written through activity parties, is not among them.
LOOKUP_TYPES = frozenset({"Lookup", "Customer", "Owner"})

#: Builds one object of the model from its fields: called with the model's name and the fields.
Maker = Callable[[str, dict[str, Any]], Any]


#: What a dump stores differently from the model, by model name: fields that are tuples (of models,
#: or of text when None), fields that hold one model, and exact numbers (decimals are strings in JSON).
#: tests/test_everyday.py checks these against the model's own fields.
TUPLE_FIELDS: dict[str, dict[str, str | None]] = {
    "Table": {"notes": None, "includes": None, "messages": "Message", "columns": "Column",
              "relationships": "Relationship", "layers": "LayerChange"},
    "Column": {"targets": None, "options": "Option"},
}
MODEL_FIELDS: dict[str, dict[str, str]] = {"Table": {"source": "Source"}, "LayerChange": {"source": "Source"}}
NUMBER_FIELDS: dict[str, tuple[str, ...]] = {"Column": ("min_value", "max_value")}


def column_accepts_value_on(column: Any, operation: str) -> bool:
    """Whether a column (model or dumped view) takes a value on ``"create"`` or ``"update"``: the page's
    statement when it makes one (an ``IsValidForCreate``/``IsValidForUpdate`` row, or the read-only section),
    else its section: a column listed as writable (or customized) takes it."""
    stated = column.is_valid_for_create if operation == "create" else column.is_valid_for_update
    return column.writable if stated is None else stated


def _number(value: int | str | None) -> int | Decimal | None:
    return Decimal(value) if isinstance(value, str) else value


def _rebuild(name: str, data: dict[str, Any], make: Maker) -> Any:
    fields = dict(data)
    for field, item in TUPLE_FIELDS.get(name, {}).items():
        if field in fields:
            fields[field] = tuple(fields[field] if item is None else (_rebuild(item, part, make)
                                                                       for part in fields[field]))
    for field, model in MODEL_FIELDS.get(name, {}).items():
        if fields.get(field) is not None:
            fields[field] = _rebuild(model, fields[field], make)
    for field in NUMBER_FIELDS.get(name, ()):
        if field in fields:
            fields[field] = _number(fields[field])
    return make(name, fields)


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
    """Read-only attribute views of a table's JSON dump (see the module's docstring): lists back to
    tuples and decimal bounds (strings in JSON) back to ``Decimal``, as the models hold them."""
    return _rebuild("Table", data, DumpedModel)
