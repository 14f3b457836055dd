"""A cache of parsed documents keyed by content hash, so hooks do not re-parse unchanged pages.

Entries live in ``$DVSCHEMA_CACHE_DIR`` (default ``$XDG_CACHE_HOME/dvschema`` or
``~/.cache/dvschema``); ``DVSCHEMA_NO_CACHE=1`` turns the cache off. Writes are atomic (a
temporary file renamed into place). The folder is not trusted: only regular files are read (no
links followed, no FIFO or device opened), up to a size bound, and each entry carries the SHA-256
of its content, which must match. :func:`load` (the models) also validates the entry against the
model with pydantic's ``model_validate_json``, the model the JSON Schema is generated from;
:func:`read_entry` (read-only views, without pydantic) relies on the checksum. An entry in any doubt
is ignored and rebuilt. The key covers the content, the forced format, the model version and the parser code (its
modules' sizes and times), never the path:
the path of a cached table is set back to the file being parsed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
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


@functools.cache
def parser_fingerprint() -> str:
    """Size and modification time of every module that turns a page into a table (the parsers and the
    model): an edited or reinstalled parser makes new cache keys, so no parse made by older code is
    reused under the same version number (an editable install, a development checkout)."""
    here = Path(__file__).resolve().parent
    parts = []
    for folder in (here, here.parent / "metaschema"):
        for module in sorted(folder.glob("*.py")):
            with contextlib.suppress(OSError):
                status = module.stat()
                parts.append(f"{module.name}:{status.st_size}:{status.st_mtime_ns}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def cache_key(data: bytes, format_name: str | None) -> str:
    """The entry name for a document's bytes parsed as ``format_name`` (None: detected) by this code."""
    digest = hashlib.sha256(data)
    digest.update(f"\0{format_name}\0{MODEL_VERSION}\0{__version__}\0{parser_fingerprint()}".encode())
    return digest.hexdigest()


# An entry: a header line, the SHA-256 of the payload in hex and a newline, then the payload (JSON).
_MAGIC = b"dvschema-cache 1\n"
_DIGEST = 64
MAX_ENTRY_BYTES = 64 << 20  # far above the largest table; a bigger file is not an entry of ours


def _read_regular_file(path: Path) -> bytes | None:
    """The bytes of a regular file (links are not followed; a FIFO or a device is not read, a folder
    is refused), at most MAX_ENTRY_BYTES; None otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        return None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ENTRY_BYTES:
            return None
        chunks = []
        remaining = MAX_ENTRY_BYTES + 1
        while remaining > 0 and (chunk := os.read(handle, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= MAX_ENTRY_BYTES else None
    except OSError:
        return None
    finally:
        os.close(handle)


def _payload(key: str) -> bytes | None:
    """The JSON of an entry whose checksum matches; None when absent, not a regular file, too big or
    changed since it was written."""
    folder = cache_dir()
    if folder is None:
        return None
    data = _read_regular_file(folder / f"{key}.json")
    if data is None or not data.startswith(_MAGIC):
        return None
    payload = data[len(_MAGIC) + _DIGEST + 1:]
    if hashlib.sha256(payload).hexdigest().encode() != data[len(_MAGIC):len(_MAGIC) + _DIGEST]:
        return None
    return payload


def read_entry(key: str) -> dict[str, Any] | None:
    """The entry's JSON data (``table``: the table's dump, ``warnings``), its checksum verified; None
    when absent or in doubt."""
    payload = _payload(key)
    if payload is None:
        return None
    try:
        entry = orjson.loads(payload)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("table"), dict) else None


@functools.lru_cache(maxsize=1)
def _entry_model() -> Any:
    """The pydantic model of an entry (built on first use: the view path never imports pydantic)."""
    from typing import Literal

    from pydantic import BaseModel, ConfigDict

    from dvschema.metaschema.model import Table

    class CachedWarning(BaseModel):
        model_config = ConfigDict(frozen=True, extra="forbid")
        line: int | None
        message: str
        severity: Literal["error", "warning"]
        found: str | None
        expected: str | None

    class CacheEntry(BaseModel):
        """An entry: the parsed table, validated against the model, and the parse's warnings."""

        model_config = ConfigDict(frozen=True, extra="forbid")
        table: Table
        warnings: list[CachedWarning]

    return CacheEntry


def load(key: str, path: str) -> tuple[Table, list[Diagnostic]] | None:
    """The cached table and warnings, re-located to ``path``; None when absent or in any doubt (not a
    regular file, too big, a checksum that does not match, content the model refuses)."""
    payload = _payload(key)
    if payload is None:
        return None
    try:
        entry = _entry_model().model_validate_json(payload)
    except ValueError:  # pydantic's ValidationError is a ValueError
        return None
    table = entry.table
    if table.source is not None:
        table = table.model_copy(update={"source": table.source.model_copy(update={"path": path})})
    return table, [Diagnostic(path, w.line, w.message, w.severity, w.found, w.expected) for w in entry.warnings]


def store(key: str, table: Table, warnings: list[Diagnostic]) -> None:
    """Write an entry atomically; a cache that cannot be written is silently left alone (and no
    temporary file is left behind)."""
    folder = cache_dir()
    if folder is None:
        return
    payload = orjson.dumps({"table": table.model_dump(mode="json"),
                            "warnings": [{"line": w.line, "message": w.message, "severity": w.severity,
                                          "found": w.found, "expected": w.expected} for w in warnings]})
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "wb") as stream:
            stream.write(_MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        os.replace(temporary, folder / f"{key}.json")
        temporary = None
    except OSError:
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
