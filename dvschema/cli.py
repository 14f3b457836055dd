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


if __name__ == "__main__":
    main()
