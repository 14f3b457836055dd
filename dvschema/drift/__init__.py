"""Schema drift: compare two versions of table metadata and name every change.

``diff(old, new)`` takes tables or catalogs and returns :class:`Change` objects, each named by
a registered kind (:mod:`dvschema.drift.kinds`) with its severity. ``load_metadata`` reads a
side given as a document, a folder of documents (one release) or a catalog JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Iterable

from dvschema.drift.kinds import (CHANGE_KINDS, KINDS_BY_NAME, SEVERITY_RANK, ChangeKind, claiming_kind, describe,
                                  shown_in_message)
from dvschema.drift.structural import Difference, diff_catalogs
from dvschema.metaschema.model import Catalog, Table
from dvschema.parsers import load_metadata

__all__ = ["Change", "diff", "diff_with_unclaimed", "load_metadata", "CHANGE_KINDS", "SEVERITY_RANK"]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class Change:
    """One named change between two versions of the metadata."""

    kind: str
    code: str
    severity: str
    table: str
    column: str | None
    item: str | None
    field: str | None
    old: Any
    new: Any
    message: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Return the change as JSON-ready data."""
        return {"kind": self.kind, "code": self.code, "severity": self.severity, "table": self.table,
                "column": self.column, "item": self.item, "field": self.field, "old": _plain(self.old),
                "new": _plain(self.new), "message": self.message, "reason": self.reason}

    @property
    def target(self) -> str:
        """``table`` or ``table.column``: what an ignore entry names."""
        return f"{self.table}.{self.column}" if self.column else self.table


def _as_catalog(side: Table | Catalog) -> Catalog:
    return side if isinstance(side, Catalog) else Catalog(tables={side.logical_name: side})


def _change(kind: ChangeKind, difference: Difference) -> Change:
    names = describe(difference)
    shown = {key: shown_in_message(value) for key, value in names.items()}
    return Change(kind=kind.name, code=kind.code, severity=kind.severity, table=difference.table,
                  column=names["column"], item=None if names["item"] is None else str(names["item"]),
                  field=None if names["field"] is None else str(names["field"]), old=names["old"],
                  new=names["new"], message=kind.template.format(**shown), reason=kind.reason)


def sort_changes(changes: Iterable[Change]) -> list[Change]:
    """Breaking first, then by table, code and what changed."""
    return sorted(changes, key=lambda c: (-SEVERITY_RANK[c.severity], c.table, c.code, c.column or "",
                                          c.item or "", c.field or ""))


def diff_with_unclaimed(old: Table | Catalog, new: Table | Catalog) -> tuple[list[Change], list[Difference]]:
    """Return the named changes and any structural differences no kind claims (always empty by design)."""
    changes: list[Change] = []
    unclaimed: list[Difference] = []
    for difference in diff_catalogs(_as_catalog(old), _as_catalog(new)):
        kind = claiming_kind(difference)
        if kind is None:
            unclaimed.append(difference)
        else:
            changes.append(_change(kind, difference))
    return sort_changes(changes), unclaimed


def diff(old: Table | Catalog, new: Table | Catalog, *, severities: dict[str, str] | None = None) -> list[Change]:
    """Compare two tables or catalogs; return every change, named and ranked.

    ``severities`` overrides the default severity of kinds by name.
    """
    changes, unclaimed = diff_with_unclaimed(old, new)
    if unclaimed:
        raise AssertionError(f"structural differences no change kind claims: {unclaimed}")
    if severities:
        for name, severity in severities.items():
            if name not in KINDS_BY_NAME:
                raise ValueError(f"unknown change kind {name!r}")
            if severity not in SEVERITY_RANK:
                raise ValueError(f"unknown severity {severity!r} for {name}")
        changes = sort_changes(replace(change, severity=severities.get(change.kind, change.severity))
                               for change in changes)
    return changes
