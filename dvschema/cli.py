"""The ``dvschema`` command: a thin click layer over the library.

Commands call the core, which returns results; reporters turn results into text. Exit
codes follow ruff: 0 clean, 1 findings, 2 usage or input error (a located message on
stderr, never a traceback).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click

from dvschema import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_INPUT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a command whose reader went away

FORMAT_NAMES = ("markdown-generated", "markdown-2023", "markdown-2020", "markdown-2018", "plain-text")


def _reports_input_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputError into its located message and exit code 2; an interrupt into exit 130 and a
    closed standard output into exit 141 (the codes a shell gives a command SIGINT or SIGPIPE
    stopped). Output files are written through :mod:`dvschema.outputs`, so none is left behind."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from dvschema.diagnostics import InputError, WorkerError

        try:
            return command(*args, **kwargs)
        except InputError as error:
            for diagnostic in getattr(error, "diagnostics", None) or [error.diagnostic]:
                click.echo(diagnostic.render(), err=True)
            sys.exit(EXIT_INPUT_ERROR)
        except WorkerError as error:
            click.echo(f"dvschema: {error}; no output was written", err=True)
            sys.exit(EXIT_INPUT_ERROR)
        except KeyboardInterrupt:
            click.echo("dvschema: interrupted; no output was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()
            click.echo("dvschema: standard output was closed (broken pipe); stopped, no output was written",
                       err=True)
            sys.exit(EXIT_BROKEN_PIPE)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - the user gets a message, never a traceback
            import os

            if os.environ.get("DVSCHEMA_DEBUG"):
                raise
            click.echo(f"dvschema: internal error: {type(error).__name__}: {error} "
                       "(set DVSCHEMA_DEBUG=1 for the traceback, and please report it)", err=True)
            sys.exit(EXIT_INPUT_ERROR)

    return wrapper


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that flushing it at exit does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _out(text: str | bytes) -> None:
    """Write ``text`` to standard output. A large text is written by this process in chunks: Python's
    buffered stream reports a single large write that the reader left in the middle of as a success
    (the rest silently lost), where a chunk written after it fails with BrokenPipeError (exit 141)."""
    import os

    try:
        fd = sys.stdout.fileno()
        direct = len(text) > 8192 and (isinstance(text, bytes) or
                                       (sys.stdout.encoding or "").lower().replace("-", "") == "utf8")
    except (AttributeError, OSError, ValueError):  # a stream without a file (a test runner's capture)
        direct = False
    if not direct:
        click.echo(text, nl=False)
        return
    sys.stdout.flush()
    data = memoryview(text if isinstance(text, bytes) else text.encode("utf-8"))
    while data:
        data = data[os.write(fd, data[:1 << 16]):]


def _print_warnings(warnings: list, quiet: bool) -> None:
    if not quiet:
        for warning in warnings:
            click.echo(warning.render(), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dvschema")
def main() -> None:
    """Parse Dataverse table reference pages, validate records against them, report schema drift."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a catalog of every table parsed to this file.")
@click.option("--format", "format_name", type=click.Choice(FORMAT_NAMES), default=None,
              help="Force the document format instead of detecting it.")
@click.option("--keep-going", is_flag=True,
              help="When pages fail, still write the catalog of the pages that parsed (and exit 2).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Parse a folder's pages in this many processes.")
@click.option("--indent", is_flag=True, help="Indent the catalog JSON for humans (default: compact).")
@click.option("--show-layers", is_flag=True,
              help="Print, instead of JSON, which page each fact of a layered table came from.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings.")
@_reports_input_errors
def parse(paths: tuple[Path, ...], output: Path | None, format_name: str | None, keep_going: bool, jobs: int,
          indent: bool, show_layers: bool, quiet: bool) -> None:
    """Parse table reference documents into canonical JSON.

    One FILE prints that table; several paths or a folder (searched recursively) make a
    catalog, printed or written with -o. Every page that fails is reported; extension pages
    are layered on their base page.
    """
    from dvschema.metaschema import dump_json
    from dvschema.outputs import check_outputs, write_atomically
    from dvschema.parsers import build_catalog, parse_file

    if len(paths) == 1 and paths[0].is_file() and output is None and not show_layers:
        result = parse_file(paths[0], format_name)
        _print_warnings(result.warnings, quiet)
        _out(dump_json(result.table))
        return
    if output is not None:
        from dvschema.parsers import iter_document_paths

        check_outputs({"-o": output}, [document for document, _ in iter_document_paths(paths)])
    build = build_catalog(paths, format_name, jobs=jobs)
    _print_warnings(build.warnings, quiet)
    for error in build.errors:
        click.echo(error.render(), err=True)
    if build.errors and not keep_going:
        click.echo(f"{len(build.errors)} of the pages failed; no catalog written (--keep-going writes the others)",
                   err=True)
        sys.exit(EXIT_INPUT_ERROR)
    catalog = build.catalog
    if not catalog.tables and not build.errors:
        from dvschema.diagnostics import InputError

        raise InputError.at(", ".join(map(str, paths)), None, "no table reference page to parse; no catalog written",
                            found="no page (.md or .txt) that describes a table",
                            expected="table reference pages or folders of them")
    if show_layers:
        from dvschema.parsers.layers import describe_layers

        _out("".join(describe_layers(table) for table in catalog.tables.values()))
    else:
        text = dump_json(catalog, indent=indent)
        if output is None:
            _out(text)
        else:
            write_atomically(output, text.encode("utf-8"))
            if not quiet:
                click.echo(f"wrote {len(catalog.tables)} table{'' if len(catalog.tables) == 1 else 's'} to {output}", err=True)
    if build.errors:
        click.echo(f"left out {len(build.left_out)} pages that failed: " + ", ".join(build.left_out), err=True)
        sys.exit(EXIT_INPUT_ERROR)


SEVERITY_NAMES = ("breaking", "warning", "info", "none")


DRIFT_FORMATS = ["text", "json", "markdown", "sarif", "junit", "github"]
VALIDATION_FORMATS = ["text", "json", "sarif", "junit", "github", "markdown"]
CSV_DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
CONFIG_OPTION = click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                             help="Configuration file (default: the nearest pyproject.toml with [tool.dvschema]).")


def _drift(old_catalog: Any, new_catalog: Any, old: str, new: str, report_format: str, fail_on: str,
           ignore_file: Path | None, output: Path | None, quiet: bool = False) -> None:
    from dvschema.drift import SEVERITY_RANK, diff
    from dvschema.drift.ignore import IgnoreFile, apply_ignores, load_ignore_file
    from dvschema.reports.drift import DRIFT_REPORTERS, DriftReport

    if ignore_file is not None and not ignore_file.exists():
        if not quiet:
            click.echo(f"note: {ignore_file}: no such ignore file; no changes are ignored", err=True)
        ignore_file = None
    ignores = load_ignore_file(ignore_file) if ignore_file else IgnoreFile()
    changes = diff(old_catalog, new_catalog, severities=ignores.severities)
    kept, ignored = apply_ignores(changes, ignores.entries)
    paths = {name: table.source.path for catalog in (old_catalog, new_catalog)
             for name, table in catalog.tables.items() if table.source}
    report = DriftReport(old, new, kept, len(ignored), paths, fail_on)
    text = DRIFT_REPORTERS[report_format](report)
    if output is None:
        _out(text)
    else:
        from dvschema.outputs import write_atomically

        write_atomically(output, text.encode("utf-8"))
    if fail_on != "none" and any(SEVERITY_RANK[c.severity] >= SEVERITY_RANK[fail_on] for c in kept):
        sys.exit(EXIT_FINDINGS)


@main.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "report_format", type=click.Choice(DRIFT_FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), default=None,
              help="Exit 1 when a change at or above this severity remains (default breaking).")
@click.option("--ignore-file", "ignore_file", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file of accepted changes (kind, target, reason) and severity overrides (default: "
                   "drift-ignore in [tool.dvschema]).")
@click.option("--ignore", "deprecated_ignore_file", type=click.Path(dir_okay=False, path_type=Path), hidden=True,
              help="Deprecated name of --ignore-file (validate's --ignore takes rule codes).")
@click.option("--table", "table_names", multiple=True,
              help="Compare only this table (logical name; repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("-q", "--quiet", is_flag=True, help="No notes on stderr.")
@CONFIG_OPTION
@_reports_input_errors
def diff_command(old: Path, new: Path, report_format: str, fail_on: str | None, ignore_file: Path | None,
                 deprecated_ignore_file: Path | None, table_names: tuple[str, ...], output: Path | None,
                 quiet: bool, config_file: Path | None) -> None:
    """Compare two versions of table metadata and report every change by severity.

    OLD and NEW are each a document, a folder of documents (one release) or a catalog JSON. When
    one side is a single document and the other holds more tables, only the tables of that
    document are compared.
    """
    from dvschema.config import load_config
    from dvschema.parsers import load_metadata

    from dvschema.outputs import check_outputs

    if deprecated_ignore_file is not None:
        if not quiet:
            click.echo("note: --ignore is deprecated for diff; use --ignore-file", err=True)
        ignore_file = ignore_file or deprecated_ignore_file
    config = load_config(config_file)
    ignore_file = ignore_file or config.drift_ignore
    check_outputs({"-o": output}, [old, new, *([ignore_file] if ignore_file else [])])
    old_catalog, new_catalog = load_metadata(old), load_metadata(new)
    old_catalog, new_catalog = _compared_tables(old, old_catalog, new, new_catalog, table_names, quiet)
    _drift(old_catalog, new_catalog, str(old), str(new), report_format,
           fail_on or config.drift_fail_on or "breaking", ignore_file, output, quiet)


def _is_one_document(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() != ".json"


def _compared_tables(old: Path, old_catalog: Any, new: Path, new_catalog: Any, table_names: tuple[str, ...],
                     quiet: bool) -> tuple[Any, Any]:
    """The two sides restricted to the tables to compare: those named with --table, or, when one side
    is a single document, the table it describes (a note says how many others were left out)."""
    from dvschema.metaschema.model import Catalog

    def keep(catalog: Any, names: set[str]) -> Any:
        kept = {name: table for name, table in catalog.tables.items() if name in names}
        return Catalog.model_construct(tables=kept)

    if table_names:
        known = set(old_catalog.tables) | set(new_catalog.tables)
        for name in table_names:
            if name not in known:
                raise _no_such_table(f"{old}, {new}", name, sorted(known))
        return keep(old_catalog, set(table_names)), keep(new_catalog, set(table_names))
    for document, document_catalog, other, other_catalog in ((old, old_catalog, new, new_catalog),
                                                             (new, new_catalog, old, old_catalog)):
        if _is_one_document(document) and not _is_one_document(other):
            names = set(document_catalog.tables)
            left_out = len(set(other_catalog.tables) - names)
            if left_out and not quiet:
                click.echo(f"note: {document} is one page: {left_out} other tables of {other} are not compared "
                           "(name them with --table, or compare two catalogs or folders)", err=True)
            restricted = keep(other_catalog, names)
            return (document_catalog, restricted) if document is old else (restricted, document_catalog)
    return old_catalog, new_catalog


@main.command("drift-check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--baseline", type=click.Path(exists=True, path_type=Path),
              help="The committed baseline catalog (default: baseline in [tool.dvschema]).")
@click.option("--format", "report_format", type=click.Choice(DRIFT_FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), default=None,
              help="Exit 1 when a change at or above this severity remains (default: drift-fail-on in "
                   "[tool.dvschema], else breaking).")
@CONFIG_OPTION
@_reports_input_errors
def drift_check(files: tuple[Path, ...], baseline: Path | None, report_format: str, fail_on: str | None,
                config_file: Path | None) -> None:
    """Compare the configured documents (the schema sources) with the baseline catalog: the drift hook."""
    from dvschema.config import load_config
    from dvschema.diagnostics import InputError
    from dvschema.parsers import load_metadata

    config = load_config(config_file)
    baseline = baseline or config.baseline
    if baseline is None:
        raise InputError.at(str(config.path or "pyproject.toml"), None, "no baseline catalog configured",
                            found="no baseline", expected="baseline = \"path/to/catalog.json\" or --baseline")
    if not config.schema:
        raise InputError.at(str(config.path or "pyproject.toml"), None, "no schema sources configured",
                            found="no schema", expected="schema = [\"docs/tables\"] in [tool.dvschema]")
    # the sources read as validate reads them: an extension page layered on its base, and two full
    # descriptions of one table an error rather than the last one silently kept
    _drift(load_metadata(baseline), _layered_catalog(tuple(config.schema)), str(baseline),
           ", ".join(map(str, config.schema)),
           report_format, fail_on or config.drift_fail_on or "breaking", config.drift_ignore, None)


@main.command("docs")
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="A file that is no table reference page is an error, not skipped.")
@click.option("--lint", is_flag=True, help="Also check what the pages say (DL rules: bounds, options, targets, "
                                           "primary attributes); a finding exits 1.")
@_reports_input_errors
def docs_command(files: tuple[Path, ...], strict: bool, lint: bool) -> None:
    """Check that table reference documents (files or folders) parse cleanly and match the metaschema.

    Every page that fails is reported (exit 2); warnings, and with --lint lint findings, exit 1.
    """
    import json

    from dvschema.diagnostics import InputError, NotATableReference
    from dvschema.metaschema import dump_json, validate_document
    from dvschema.parsers import iter_document_paths, parse_file

    findings = 0
    checked = 0
    failed = 0
    for path, _ in iter_document_paths(files):
        try:
            result = parse_file(path)
            validate_document(json.loads(dump_json(result.table)), "table.schema.json", str(path))
        except NotATableReference as error:
            if strict:
                click.echo(error.diagnostic.render(), err=True)
                failed += 1
            else:
                click.echo(f"{path}: skipped: not a table reference page ({error.diagnostic.found})", err=True)
            continue
        except InputError as error:
            click.echo(error.diagnostic.render(), err=True)
            failed += 1
            continue
        checked += 1
        for warning in result.warnings:
            click.echo(warning.render())
            findings += 1
        if lint:
            from dvschema.lint import lint_page

            for finding in lint_page(result.table, result.locations, str(path)):
                click.echo(finding.render())
                findings += 1
    kind = "findings" if lint else "warnings"
    click.echo(f"{checked} documents checked, {findings} {kind}" + (f", {failed} failed" if failed else ""), err=True)
    if failed:
        sys.exit(EXIT_INPUT_ERROR)
    if findings:
        sys.exit(EXIT_FINDINGS)


def _select_table(schema: tuple[Path, ...], table_name: str | None):
    """Load the schema sources and pick the table to validate against."""
    from dvschema.diagnostics import InputError

    catalog = _load_catalog(schema)
    tables = catalog.tables
    where = ", ".join(map(str, schema))
    if table_name is not None:
        if table_name not in tables:
            raise _no_such_table(where, table_name, tables)
        return catalog, tables[table_name]
    if len(tables) != 1:
        raise InputError.at(where, None, "the schema holds several tables; name one with --table",
                            found=", ".join(sorted(tables)), expected="--table NAME")
    return catalog, next(iter(tables.values()))


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--schema", "schema", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Table reference document, folder of documents, or catalog JSON (repeatable; default: "
                   "schema in [tool.dvschema]).")
@click.option("--table", "table_name", help="Logical name of the table the records belong to (default: the "
                                            "[tool.dvschema.tables] glob a file matches).")
@click.option("--operation", type=click.Choice(["read", "create", "update", "full"]), default=None,
              help="What the records are: read (Web API GET responses: values checked, nothing required, "
                   "read-only columns, _x_value and annotations fine, unknown keys such as aggregation aliases "
                   "info), create (default; POST bodies, deep "
                   "insert and binds), update (PATCH bodies), or full (complete exported rows: CSV exports, "
                   "data-lake copies).")
@click.option("--format", "report_format", type=click.Choice(VALIDATION_FORMATS), default="text",
              show_default=True, help="Report format: text lines, a JSON report, or a CI format.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "none"]), default=None,
              help="Exit 1 when a finding at or above this severity exists (default error).")
@click.option("--required-severity", "required_severities", multiple=True, metavar="LEVEL=SEVERITY",
              help="Severity of required-missing per required level, e.g. ApplicationRequired=warning "
                   "(repeatable; default: required-severity in [tool.dvschema]).")
@click.option("--delimiter", type=click.Choice(list(CSV_DELIMITERS)), default=None,
              help="CSV delimiter (default: sniffed from each file: comma, semicolon, tab or pipe).")
@click.option("--select", multiple=True, help="Enable rules by code, prefix or name (default ALL).")
@click.option("--extend-select", multiple=True, help="Enable rules in addition to the selection.")
@click.option("--ignore", "ignore_rules", multiple=True, help="Disable rules by code, prefix or name.")
@click.option("--max-violations", type=click.IntRange(min=1), help="Stop after this many findings.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--previous", type=click.Path(exists=True, path_type=Path),
              help="Previous versions of the records (by primary id), for the invalid-transition rule.")
@click.option("--valid-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write records without findings at --fail-on or above here (JSONL).")
@click.option("--rejected-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write rejected records with their findings here (JSONL).")
@click.option("-q", "--quiet", is_flag=True, help="No notices or progress on stderr.")
@CONFIG_OPTION
@_reports_input_errors
def validate(files: tuple[Path, ...], schema: tuple[Path, ...], table_name: str | None, operation: str | None,
             report_format: str, fail_on: str | None, required_severities: tuple[str, ...], delimiter: str | None,
             select: tuple[str, ...], extend_select: tuple[str, ...],
             ignore_rules: tuple[str, ...], max_violations: int | None, jobs: int, previous: Path | None,
             valid_out: Path | None, rejected_out: Path | None, quiet: bool, config_file: Path | None) -> None:
    """Validate record files (JSON, JSONL, CSV, Parquet) against a table's metadata.

    FILES are record files or folders of them; - reads records from standard input (JSON, JSONL or
    CSV, told from the content). A file no table is found for is an error for that file; the
    others are still checked (exit 2 then).
    """
    from dvschema.config import load_config
    from dvschema.diagnostics import InputError
    from dvschema.outputs import atomic_outputs, check_outputs
    from dvschema.reports.validation import VALIDATION_REPORTERS
    from dvschema.validation import Validator
    from dvschema.validation.run import RunSummary, load_previous, validate_files

    from dvschema.validation.readers import expand_record_paths

    config = load_config(config_file)
    files = tuple(expand_record_paths(files))
    if not files:
        raise click.UsageError("no record files given")
    sources = schema or config.schema
    if not sources:
        raise click.UsageError("no --schema given and no schema in [tool.dvschema]")
    check_outputs({"--valid-out": valid_out, "--rejected-out": rejected_out},
                  [*files, *map(Path, sources), *([previous] if previous else []),
                   *([config.path] if config.path else [])])
    catalog = _load_catalog(sources)
    if table_name is not None and table_name not in catalog.tables:
        raise _no_such_table(", ".join(map(str, sources)), table_name, catalog.tables)
    levels = _required_severities(required_severities) if required_severities else config.required_severity
    groups: dict[str, list[Path]] = {}
    unmatched = []
    for file in files:
        name = table_name or config.table_for(file)
        if name is None and not config.tables and len(catalog.tables) == 1:
            name = next(iter(catalog.tables))
        if name is None:
            unmatched.append(InputError.at(str(file), None, "no table for this file", found="no "
                                           "[tool.dvschema.tables] glob matches it",
                                           expected="--table NAME or a glob in [tool.dvschema.tables]"))
        elif name not in catalog.tables:
            unmatched.append(_no_such_table(str(file), name, catalog.tables))
        else:
            groups.setdefault(name, []).append(file)
    for error in unmatched:  # reported first; the files that have a table are still checked
        click.echo(error.diagnostic.render(), err=True)
    fail_on = fail_on or config.fail_on or "error"
    chosen = select or config.select
    reporter = VALIDATION_REPORTERS[report_format](fail_on)
    summary = RunSummary()
    _out(reporter.start())
    progress = _progress(quiet, len(files), sum(f.stat().st_size for f in files if f.exists()))
    with atomic_outputs() as outputs:
        valid = outputs.open(valid_out) if valid_out else None
        rejected = outputs.open(rejected_out) if rejected_out else None
        for name, group in groups.items():
            table = catalog.tables[name]
            try:
                validator = Validator(table, operation or config.operation or "create",
                                      select=(list(chosen) if chosen else ["ALL"]) + list(extend_select or
                                                                                          config.extend_select),
                                      ignore=ignore_rules or config.ignore or None, severities=config.severity,
                                      required_severities=levels, catalog=catalog)
            except ValueError as error:
                raise click.UsageError(str(error)) from None
            if not quiet:
                for notice in validator.notices:
                    click.echo(f"note: {notice}", err=True)
            previous_records = load_previous(previous, table) if previous else None
            remaining = None if max_violations is None else max_violations - summary.violations
            for violation in validate_files(validator, group, fail_on=fail_on, max_violations=remaining, jobs=jobs,
                                            valid_out=valid, rejected_out=rejected, previous=previous_records,
                                            summary=summary, progress=progress,
                                            csv_delimiter=CSV_DELIMITERS.get(delimiter)):
                text = reporter.finding(violation)
                if text:
                    _out(text)
        progress(None)
        if not quiet:
            for note in summary.notes:
                click.echo(f"note: {note}", err=True)
        _out(reporter.finish(summary))
        sys.stdout.flush()  # a closed pipe shows here, before the outputs are put in place
        outputs.commit()
    if unmatched:
        sys.exit(EXIT_INPUT_ERROR)
    if summary.rejected:
        sys.exit(EXIT_FINDINGS)


def _no_such_table(where: str, name: str, tables: Any):
    """The error for a table name the schema does not hold, with the closest name."""
    import difflib

    from dvschema.diagnostics import InputError

    close = difflib.get_close_matches(name, list(tables), n=1, cutoff=0.6) or \
        difflib.get_close_matches(name.lower(), list(tables), n=1, cutoff=0.6)
    listed = sorted(tables)
    hint = f"; did you mean {close[0]}?" if close else ""
    expected = "one of " + ", ".join(listed[:20]) + (f" (and {len(listed) - 20} more)" if len(listed) > 20 else "")
    return InputError.at(where, None, f"no table {name} in the schema{hint}", found=name, expected=expected)


def _required_severities(items: tuple[str, ...]) -> dict[str, str]:
    """``--required-severity LEVEL=SEVERITY`` items as a dict; a usage error names a bad one."""
    from dvschema.config import REQUIRED_LEVELS, SEVERITIES

    result = {}
    for item in items:
        level, _, severity = item.partition("=")
        if level.strip() not in REQUIRED_LEVELS or severity.strip() not in SEVERITIES:
            raise click.BadParameter(f"{item!r}: expected LEVEL=SEVERITY with LEVEL one of "
                                     f"{', '.join(REQUIRED_LEVELS)} and SEVERITY one of {', '.join(SEVERITIES)}",
                                     param_hint="--required-severity")
        result[level.strip()] = severity.strip()
    return result


def _load_catalog(sources: tuple[Path, ...] | tuple[str, ...]):
    """Every table of the schema sources, in one catalog to read (cached pages as read-only views)."""
    from dvschema.metaschema.dump import DumpedCatalog
    from dvschema.parsers import load_metadata_view

    views = [load_metadata_view(source) for source in sources]
    names = [name for view in views for name in view.tables]
    if not names:
        from dvschema.diagnostics import InputError

        raise InputError.at(", ".join(map(str, sources)), None, "the schema holds no table",
                            found="no table reference page or catalog table in it",
                            expected="table reference pages, a folder of them or a catalog JSON")
    if len(names) == len(set(names)):
        return DumpedCatalog({name: table for view in views for name, table in view.tables.items()})
    return _layered_catalog(sources)


def _layered_catalog(sources: tuple[Path, ...] | tuple[str, ...]):
    """The catalog of schema sources that describe one table more than once: its pages are layered
    (an extension page on its base), as they are when the pages share a folder; two full
    descriptions of one table are an error rather than one silently replacing the other."""
    from dvschema.diagnostics import InputError
    from dvschema.metaschema.model import Catalog
    from dvschema.parsers import load_metadata
    from dvschema.parsers.layers import combine

    described: dict[str, list[Any]] = {}
    for source in sources:
        for name, table in load_metadata(source).tables.items():
            described.setdefault(name, []).append(table)
    tables = {}
    for name, pages in described.items():
        table, problem = combine(pages)
        if table is None:
            raise InputError.at(", ".join(map(str, sources)), None, f"table {name} is {problem}",
                                found=f"{len(pages)} full descriptions of {name}",
                                expected="one document per table (or a base page and its extensions)")
        tables[name] = table
    return Catalog.model_construct(tables=dict(sorted(tables.items())))


def _progress(quiet: bool, file_count: int, total_bytes: int) -> Callable[[Any], None]:
    """A progress line on stderr for long runs (many files or a large file), only when stderr is a
    terminal: never in CI, in pipes or with --quiet."""
    import os

    if quiet or os.environ.get("CI") or not sys.stderr.isatty() or (file_count < 20 and total_bytes < 5_000_000):
        return lambda summary: None

    def update(summary: Any) -> None:
        if summary is None:
            click.echo("\r" + " " * 70 + "\r", err=True, nl=False)
        else:
            click.echo(f"\r{summary.records:,} records, {summary.files}/{file_count} files, "
                       f"{summary.violations:,} findings", err=True, nl=False)

    return update


@main.command("jsonschema")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--table", "table_name", help="Logical name of the table, when SOURCE holds several.")
@click.option("--operation", type=click.Choice(["create", "update", "full"]), default="create", show_default=True,
              help="What the records are for: decides the required and the writable columns.")
@_reports_input_errors
def jsonschema_command(source: Path, table_name: str | None, operation: str) -> None:
    """Export a Draft 2020-12 JSON Schema for the records of a table."""
    import json

    from dvschema.validation.export import record_json_schema

    _, table = _select_table((source,), table_name)
    _out(json.dumps(record_json_schema(table, operation), indent=2) + "\n")


@main.command()
@click.argument("code", required=False)
def rules(code: str | None) -> None:
    """List every validation rule and drift change kind, or document one (by code or name, in any case)."""
    from dvschema.reports.rules import find_rule_doc, rule_text, rules_table

    if code is None:
        _out(rules_table())
        return
    doc = find_rule_doc(code)
    if doc is None:
        click.echo(f"error: no rule or change kind {code!r} (see dvschema rules)", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    _out(rule_text(doc))


if __name__ == "__main__":
    main()
