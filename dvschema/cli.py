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

FORMAT_NAMES = ("markdown-generated", "markdown-2023", "markdown-2020", "plain-text")


def _reports_input_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputError into its located message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from dvschema.diagnostics import InputError

        try:
            return command(*args, **kwargs)
        except InputError as error:
            click.echo(error.diagnostic.render(), err=True)
            sys.exit(EXIT_INPUT_ERROR)
        except BrokenPipeError:
            sys.exit(EXIT_CLEAN)

    return wrapper


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
@click.option("-q", "--quiet", is_flag=True, help="Do not print warnings.")
@_reports_input_errors
def parse(paths: tuple[Path, ...], output: Path | None, format_name: str | None, quiet: bool) -> None:
    """Parse table reference documents into canonical JSON.

    One FILE prints that table; several paths or a folder (searched recursively) make a
    catalog, printed or written with -o.
    """
    from dvschema.metaschema import dump_json
    from dvschema.parsers import parse_file, parse_paths

    if len(paths) == 1 and paths[0].is_file() and output is None:
        result = parse_file(paths[0], format_name)
        _print_warnings(result.warnings, quiet)
        click.echo(dump_json(result.table), nl=False)
        return
    catalog, warnings = parse_paths(paths, format_name)
    _print_warnings(warnings, quiet)
    text = dump_json(catalog)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        if not quiet:
            click.echo(f"wrote {len(catalog.tables)} tables to {output}", err=True)


SEVERITY_NAMES = ("breaking", "warning", "info", "none")


@main.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "report_format", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Report format.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), default="breaking", show_default=True,
              help="Exit 1 when a change at or above this severity remains.")
@click.option("--ignore", "ignore_file", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file of accepted changes (kind, target, reason) and severity overrides.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@_reports_input_errors
def diff_command(old: Path, new: Path, report_format: str, fail_on: str, ignore_file: Path | None,
                 output: Path | None) -> None:
    """Compare two versions of table metadata and report every change by severity.

    OLD and NEW are each a document, a folder of documents (one release) or a catalog JSON.
    """
    from dvschema.drift import SEVERITY_RANK, diff, load_metadata
    from dvschema.drift.ignore import IgnoreFile, apply_ignores, load_ignore_file
    from dvschema.reports.drift import DRIFT_REPORTERS, DriftReport

    ignores = load_ignore_file(ignore_file) if ignore_file else IgnoreFile()
    changes = diff(load_metadata(old), load_metadata(new), severities=ignores.severities)
    kept, ignored = apply_ignores(changes, ignores.entries)
    report = DriftReport(str(old), str(new), kept, len(ignored))
    text = DRIFT_REPORTERS[report_format](report)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    if fail_on != "none" and any(SEVERITY_RANK[c.severity] >= SEVERITY_RANK[fail_on] for c in kept):
        sys.exit(EXIT_FINDINGS)


def _select_table(schema: tuple[Path, ...], table_name: str | None):
    """Load the schema sources and pick the table to validate against."""
    from dvschema.diagnostics import InputError
    from dvschema.metaschema.model import Catalog
    from dvschema.parsers import load_metadata

    tables = {}
    for source in schema:
        tables.update(load_metadata(source).tables)
    catalog = Catalog(tables=tables)
    where = ", ".join(map(str, schema))
    if table_name is not None:
        if table_name not in tables:
            raise InputError.at(where, None, "no such table in the schema", found=table_name,
                                expected="one of " + ", ".join(sorted(tables)))
        return catalog, tables[table_name]
    if len(tables) != 1:
        raise InputError.at(where, None, "the schema holds several tables; name one with --table",
                            found=", ".join(sorted(tables)), expected="--table NAME")
    return catalog, next(iter(tables.values()))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--schema", "schema", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="Table reference document, folder of documents, or catalog JSON (repeatable).")
@click.option("--table", "table_name", help="Logical name of the table the records belong to.")
@click.option("--operation", type=click.Choice(["create", "update", "full"]), default="create", show_default=True,
              help="What the records are for: create, update, or full (exported rows).")
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "none"]), default="error",
              show_default=True, help="Exit 1 when a finding at or above this severity exists.")
@click.option("--select", multiple=True, help="Enable rules by code, prefix or name (default ALL).")
@click.option("--ignore", "ignore_rules", multiple=True, help="Disable rules by code, prefix or name.")
@click.option("--max-violations", type=click.IntRange(min=1), help="Stop after this many findings.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--previous", type=click.Path(exists=True, path_type=Path),
              help="Previous versions of the records (by primary id), for the invalid-transition rule.")
@click.option("--valid-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write records without findings at --fail-on or above here (JSONL).")
@click.option("--rejected-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write rejected records with their findings here (JSONL).")
@click.option("-q", "--quiet", is_flag=True, help="No notices on stderr.")
@_reports_input_errors
def validate(files: tuple[Path, ...], schema: tuple[Path, ...], table_name: str | None, operation: str,
             report_format: str, fail_on: str, select: tuple[str, ...], ignore_rules: tuple[str, ...],
             max_violations: int | None, jobs: int, previous: Path | None, valid_out: Path | None,
             rejected_out: Path | None, quiet: bool) -> None:
    """Validate record files (JSON, JSONL, CSV) against a table's metadata."""
    import contextlib

    from dvschema.reports.validation import VALIDATION_REPORTERS
    from dvschema.validation import Validator
    from dvschema.validation.run import RunSummary, load_previous, validate_files

    catalog, table = _select_table(schema, table_name)
    try:
        validator = Validator(table, operation, select=select or None, ignore=ignore_rules or None, catalog=catalog)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if not quiet:
        for notice in validator.notices:
            click.echo(f"note: {notice}", err=True)
    reporter = VALIDATION_REPORTERS[report_format]()
    summary = RunSummary()
    previous_records = load_previous(previous, table) if previous else None
    with contextlib.ExitStack() as stack:
        valid = stack.enter_context(open(valid_out, "wb")) if valid_out else None
        rejected = stack.enter_context(open(rejected_out, "wb")) if rejected_out else None
        click.echo(reporter.start(), nl=False)
        for violation in validate_files(validator, files, fail_on=fail_on, max_violations=max_violations,
                                        jobs=jobs, valid_out=valid, rejected_out=rejected,
                                        previous=previous_records, summary=summary):
            text = reporter.finding(violation)
            if text:
                click.echo(text, nl=False)
    click.echo(reporter.finish(summary), nl=False)
    if summary.rejected:
        sys.exit(EXIT_FINDINGS)


@main.command("jsonschema")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--table", "table_name", help="Logical name of the table, when SOURCE holds several.")
@click.option("--operation", type=click.Choice(["create", "update", "full"]), default="create", show_default=True)
@_reports_input_errors
def jsonschema_command(source: Path, table_name: str | None, operation: str) -> None:
    """Export a Draft 2020-12 JSON Schema for the records of a table."""
    import json

    from dvschema.validation.export import record_json_schema

    _, table = _select_table((source,), table_name)
    click.echo(json.dumps(record_json_schema(table, operation), indent=2))


if __name__ == "__main__":
    main()
