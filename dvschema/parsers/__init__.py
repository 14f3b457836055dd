"""Parsers: table-reference documents in any format into the canonical model.

``parse_text`` and ``parse_file`` parse one document; ``parse_paths`` parses files and
folders into a :class:`~dvschema.metaschema.model.Catalog`. The format is detected from
the content and can be forced with ``format=``; :data:`FORMATS` is the registry.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from dvschema.diagnostics import Diagnostic, InputError, NotATableReference
from dvschema.parsers.blocks import Block

if TYPE_CHECKING:  # imported where used: reading cached tables as views needs neither (nor pydantic)
    from dvschema.metaschema.model import Catalog, Table
    from dvschema.parsers.builder import PageLocations

Reader = Callable[[str], tuple[dict, Iterator[Block]]]


def _read_markdown(text: str) -> tuple[dict, Iterator[Block]]:
    from dvschema.parsers.markdown import read_markdown

    return read_markdown(text)


def _read_list_style_markdown(text: str) -> tuple[dict, Iterator[Block]]:
    from dvschema.parsers.markdown import read_markdown

    return read_markdown(text, list_style=True)


def _read_plain_text(text: str) -> tuple[dict, Iterator[Block]]:
    from dvschema.parsers.plaintext import read_plain_text

    return {}, read_plain_text(text)


#: Every format name and the reader that turns it into blocks. The four markdown
#: generations share one token walker (the 2017–18 list style with its property lists read as
#: tables); the builder reads their differences from the blocks.
FORMATS: dict[str, Reader] = {
    "markdown-generated": _read_markdown,
    "markdown-2023": _read_markdown,
    "markdown-2020": _read_markdown,
    "markdown-2018": _read_list_style_markdown,
    "plain-text": _read_plain_text,
}

#: File name endings ``parse_paths`` picks up inside folders.
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")


def _no_locations() -> PageLocations:
    """No page locations (a result read from the parse cache); the builder is imported only when needed."""
    from dvschema.parsers.builder import PageLocations

    return PageLocations()


@dataclass(frozen=True)
class ParseResult:
    """A parsed table, the warnings its document raised, and where on the page its parts are.

    ``locations`` is empty for a result read from the parse cache.
    """

    table: Table
    warnings: list[Diagnostic] = field(default_factory=list)
    locations: PageLocations = field(default_factory=_no_locations)


def normalize_text(data: bytes, path: str) -> str:
    """Decode UTF-8 (a byte-order mark is dropped) and turn CRLF/CR line ends into LF."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError.at(path, line, "the file is not UTF-8 text", found=repr(data[error.start:error.start + 4]),
                            expected="a UTF-8 encoded document") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def detect_format(text: str) -> str:
    """Return the format name of a document from its content."""
    markdown = False
    generated = False
    legacy_2020 = False
    list_style = False
    for line in text.split("\n", 400)[:400]:
        stripped = line.strip()
        if stripped.startswith("#"):
            markdown = True
        if stripped.startswith("ms.topic: generated-reference") or stripped.startswith("| Name <br />Is Event?") \
                or stripped.startswith("|Value|Details|"):
            generated = True
        if stripped in ("## Entity Properties", "## Writable attributes", "## Read-only attributes"):
            legacy_2020 = True
        if stripped.startswith(("**LogicalName**:", "**SchemaName**:")):
            list_style = True
    # Pipes alone do not make markdown: a rendered page keeps the rows of a table its Description broke.
    if not markdown and not text.startswith("---\n"):
        return "plain-text"
    if list_style:
        return "markdown-2018"
    if generated:
        return "markdown-generated"
    return "markdown-2020" if legacy_2020 else "markdown-2023"


def parse_text(text: str, path: str = "<string>", format: str | None = None, *, sha256: str | None = None
               ) -> ParseResult:
    """Parse one document's text; raise :class:`InputError` for a malformed document."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if format is None:
        format = detect_format(text)
    reader = FORMATS.get(format)
    if reader is None:
        raise InputError.at(path, None, "unknown format", found=format, expected="one of " + ", ".join(FORMATS))
    if not text.strip():
        raise InputError.at(path, 1, "the document is empty", found="no text", expected="a table reference page")
    from dvschema.parsers.builder import TableBuilder

    builder = TableBuilder(path, format, sha256 or hashlib.sha256(text.encode()).hexdigest())
    front_matter, blocks = reader(text)
    builder.front_matter = front_matter
    for block in blocks:
        builder.feed(block)
    table = builder.build()
    return ParseResult(table, builder.warnings, builder.locations())


def parse_file(path: str | os.PathLike[str], format: str | None = None, *, use_cache: bool = False
               ) -> ParseResult:
    """Read and parse one document file; ``use_cache`` reuses an earlier parse of the same content."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InputError.at(name, None, "cannot read the file", found=error.strerror or str(error),
                            expected="a readable table reference document") from None
    key = None
    if use_cache:
        from dvschema.parsers import cache

        key = cache.cache_key(data, format)
        hit = cache.load(key, name)
        if hit is not None:
            return ParseResult(*hit)
    result = parse_text(normalize_text(data, name), name, format, sha256=hashlib.sha256(data).hexdigest())
    if key is not None:
        cache.store(key, result.table, result.warnings)
    return result


def iter_document_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, bool]]:
    """Yield ``(path, named)``: the files named, and the documents found (recursively, sorted) in folders."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in DOCUMENT_SUFFIXES:
                    yield child, False
        else:
            yield path, True


@dataclass(frozen=True)
class CatalogBuild:
    """What parsing many pages gave: the catalog, warnings, and every page that failed (each located)."""

    catalog: Catalog
    warnings: list[Diagnostic]
    errors: list[Diagnostic]
    left_out: list[str]


class PageErrors(InputError):
    """Several pages failed; ``diagnostics`` holds every error, ``diagnostic`` the first."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(diagnostics[0])
        self.diagnostics = diagnostics


def _parse_page(job: tuple[Path, bool, str | None, bool]) -> ParseResult | Diagnostic:
    """Parse one page of a catalog; a failure is returned as its diagnostic (also from a worker process)."""
    path, named, format, use_cache = job
    try:
        return parse_file(path, format, use_cache=use_cache)
    except NotATableReference as error:
        if named:
            return error.diagnostic
        return Diagnostic(error.diagnostic.path, error.diagnostic.line, "skipped: not a table reference page",
                          "warning", error.diagnostic.found)
    except InputError as error:
        return error.diagnostic


def _parse_pages(jobs: list[tuple[Path, bool, str | None, bool]], processes: int
                 ) -> tuple[list[ParseResult | Diagnostic], str | None]:
    """Parse pages in order, in ``processes`` worker processes when there are enough pages for it
    (forked, or spawned where there is no safe fork). Returns the results and, when workers could
    not be started, a note saying that one process parsed the pages."""
    if processes > 1 and len(jobs) > 1:
        import multiprocessing

        from dvschema.processes import worker_start_method

        method = worker_start_method()
        try:
            if method is None:
                raise ValueError("no start method for worker processes")
            with multiprocessing.get_context(method).Pool(min(processes, len(jobs))) as pool:
                return pool.map(_parse_page, jobs, chunksize=max(1, len(jobs) // (processes * 4))), None
        except (ValueError, OSError, AssertionError) as error:
            # No way to start processes here, or a daemonic process (which may not have children).
            return [_parse_page(job) for job in jobs], (
                f"--jobs {processes}: worker processes cannot be started here ({error}); one process parses "
                "the pages")
    return [_parse_page(job) for job in jobs], None


def build_catalog(paths: Iterable[str | os.PathLike[str]], format: str | None = None, *, use_cache: bool = False,
                  jobs: int = 1) -> CatalogBuild:
    """Parse files and folders into a catalog of the pages that parsed, and report every page that failed.

    Extension pages are layered on their base page (:mod:`dvschema.parsers.layers`); two full
    descriptions of one table are an error for the second page. A file found in a folder that
    is no table reference page (a README) is skipped with a warning; a file named explicitly
    must be one.
    """
    from dvschema.metaschema.model import Catalog
    from dvschema.parsers.layers import combine

    paths = list(paths)
    work = [(path, named, format, use_cache) for path, named in iter_document_paths(paths)]
    warnings: list[Diagnostic] = []
    errors: list[Diagnostic] = []
    left_out: list[str] = []
    pages: dict[str, list[Table]] = {}
    results, note = _parse_pages(work, jobs)
    if note is not None:
        warnings.append(Diagnostic(", ".join(map(str, paths)), None, note, "warning"))
    for (path, _, _, _), result in zip(work, results):
        if isinstance(result, Diagnostic):
            if result.severity == "warning":
                warnings.append(result)
            else:
                errors.append(result)
                left_out.append(str(path))
            continue
        warnings.extend(result.warnings)
        pages.setdefault(result.table.logical_name, []).append(result.table)
    tables: dict[str, Table] = {}
    for name, described in pages.items():
        table, problem = combine(described)
        if table is None:
            second = described[-1].source.path if described[-1].source else "?"
            errors.append(Diagnostic(second, None, f"table {name} is {problem}", "error", name,
                                     "one document per table in a catalog (or a base page and its extensions)"))
            left_out.append(second)
            table = described[0]
        tables[name] = table
    # tables are models already: constructing the catalog does not validate them again
    return CatalogBuild(Catalog.model_construct(tables=dict(sorted(tables.items()))), warnings, errors, left_out)


def parse_paths(paths: Iterable[str | os.PathLike[str]], format: str | None = None, *, use_cache: bool = False,
                jobs: int = 1) -> tuple[Catalog, list[Diagnostic]]:
    """Parse files and folders into a catalog; raise :class:`PageErrors` naming every page that failed."""
    build = build_catalog(paths, format, use_cache=use_cache, jobs=jobs)
    if build.errors:
        raise PageErrors(build.errors)
    return build.catalog, build.warnings


def load_metadata(path: str | Path, *, use_cache: bool = True) -> Catalog:
    """Read metadata from a catalog JSON file, a table reference document, or a folder of documents."""
    from dvschema.metaschema import load_catalog
    from dvschema.metaschema.model import Catalog

    path = Path(path)
    if not path.exists():
        raise InputError.at(str(path), None, "no such file or folder", found=str(path),
                            expected="a document, a folder of documents or a catalog JSON")
    if path.is_dir():
        return parse_paths([path], use_cache=use_cache)[0]
    if path.suffix.lower() == ".json":
        return load_catalog(path)
    table = parse_file(path, use_cache=use_cache).table
    return Catalog.model_construct(tables={table.logical_name: table})  # the table is a model already


def _cached_view(path: Path) -> Any:
    """The cached parse of a document as a read-only view (:func:`dvschema.metaschema.dump.dumped_table`),
    re-located to ``path``; None when it is not cached."""
    from dvschema.metaschema.dump import dumped_table
    from dvschema.parsers import cache

    try:
        entry = cache.read_entry(cache.cache_key(path.read_bytes(), None))
        if entry is None:
            return None
        data = entry["table"]
        if data.get("source") is not None:
            data = {**data, "source": {**data["source"], "path": str(path)}}
        return dumped_table(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def load_metadata_view(path: str | Path) -> Any:
    """What :func:`load_metadata` reads, for a command that only reads the tables: when every document
    of ``path`` (a document or a folder) has a cached parse, the tables come back as read-only views in
    a :class:`~dvschema.metaschema.dump.DumpedCatalog`, without importing pydantic; otherwise (a catalog
    JSON, an uncached or malformed document) as :func:`load_metadata` gives them."""
    from dvschema.metaschema.dump import DumpedCatalog
    from dvschema.parsers.cache import cache_dir

    path = Path(path)
    if cache_dir() is not None and path.exists() and path.suffix.lower() != ".json":
        tables: dict[str, Any] = {}
        for document, _ in iter_document_paths([path]):
            view = _cached_view(document)
            if view is None or view.logical_name in tables:
                break
            tables[view.logical_name] = view
        else:
            if tables:
                return DumpedCatalog(dict(sorted(tables.items())))
    return load_metadata(path)
