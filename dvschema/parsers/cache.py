"""A cache of parsed documents keyed by content hash, so hooks do not re-parse unchanged pages.

Entries live in ``$DVSCHEMA_CACHE_DIR`` (default ``$XDG_CACHE_HOME/dvschema`` or
``~/.cache/dvschema``); ``DVSCHEMA_NO_CACHE=1`` turns the cache off. Writes are atomic (a
temporary file renamed into place); an entry that cannot be read or validated is ignored and
rebuilt. The key covers the content, the forced format and the model version, never the path:
the path of a cached table is set back to the file being parsed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from dvschema import __version__
from dvschema.diagnostics import Diagnostic
from dvschema.metaschema.dump import MODEL_VERSION

if TYPE_CHECKING:
    from dvschema.metaschema.model import Table


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    if os.environ.get("DVSCHEMA_NO_CACHE"):
        return None
    configured = os.environ.get("DVSCHEMA_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dvschema"


def cache_key(data: bytes, format_name: str | None) -> str:
    """The entry name for a document's bytes parsed as ``format_name`` (None: detected)."""
    digest = hashlib.sha256(data)
    digest.update(f"\0{format_name}\0{MODEL_VERSION}\0{__version__}".encode())
    return digest.hexdigest()


def read_entry(key: str) -> dict[str, Any] | None:
    """The entry's JSON data (``table``: the table's dump, ``warnings``); None when absent or unreadable."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        entry = orjson.loads((folder / f"{key}.json").read_bytes())
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("table"), dict) else None


def load(key: str, path: str) -> tuple[Table, list[Diagnostic]] | None:
    """The cached table and warnings, re-located to ``path``; None when absent or unreadable."""
    from dvschema.metaschema.model import table_from_dump

    entry = read_entry(key)
    if entry is None:
        return None
    try:
        table = table_from_dump(entry["table"])  # written by store(): no validation needed
        warnings = [Diagnostic(path, w["line"], w["message"], w["severity"], w["found"], w["expected"])
                    for w in entry["warnings"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if table.source is not None:
        table = table.model_copy(update={"source": table.source.model_copy(update={"path": path})})
    return table, warnings


def store(key: str, table: Table, warnings: list[Diagnostic]) -> None:
    """Write an entry atomically; a cache that cannot be written is silently left alone."""
    folder = cache_dir()
    if folder is None:
        return
    entry = {"table": table.model_dump(mode="json"),
             "warnings": [{"line": w.line, "message": w.message, "severity": w.severity, "found": w.found,
                           "expected": w.expected} for w in warnings]}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "wb") as stream:
            stream.write(orjson.dumps(entry))
        os.replace(temporary, folder / f"{key}.json")
    except OSError:
        pass
