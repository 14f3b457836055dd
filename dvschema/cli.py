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


if __name__ == "__main__":
    main()
