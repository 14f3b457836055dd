"""Fuzz targets: each takes one input's bytes and raises AssertionError (or any unexpected
exception) when dvschema misbehaves on it.

- ``screen``: the compiled screen against the rules. The first byte picks a seed table, the rest
  is a JSONL line; on every line that parses, ``iter_line_violations`` (screened in C) must give
  exactly the findings of the rules alone on ``loads_exact(line)``; a line that does not parse must
  be refused by both.
- ``readers``: the record readers. The first byte picks .json, .jsonl or .csv; the rest is the
  file. Validating it may give findings or a located :class:`InputError`, nothing else.
- ``parsers``: the page parsers. The first byte picks markdown (detected generation) or plain
  text; the rest is the page. Parsing may give a table or a located :class:`InputError`.

Run them with atheris (``python fuzz/run.py TARGET``, see fuzz/README.md); ``tests/test_fuzz.py``
runs each on its seed corpus, and ``.ci/run`` runs each for a few seconds.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
RECORD_KINDS = (".jsonl", ".json", ".csv")
PAGE_FORMATS = (None, "plain-text")


@functools.lru_cache(maxsize=None)
def _validators(index: int):
    from dvschema import Validator
    from dvschema.parsers import parse_file

    table = parse_file(SEEDS[index % len(SEEDS)]).table
    screened = Validator(table)
    plain = Validator(table)
    plain.screen = None
    return screened, plain


def _findings(violations) -> list[tuple]:
    return [(v.rule, v.column, v.value, v.message, v.severity) for v in violations]


def screen_target(data: bytes) -> None:
    """The screen's verdict agrees with the rules on every line that parses."""
    import orjson

    from dvschema.validation.jsonvalues import loads_exact

    if not data:
        return
    screened, plain = _validators(data[0])
    line = data[1:]
    try:
        record = loads_exact(line)
    except orjson.JSONDecodeError:
        try:
            list(screened.iter_line_violations(line))
        except orjson.JSONDecodeError:
            return
        raise AssertionError("the screened path accepted a line that is not JSON")
    expected = _findings(plain.iter_violations(record))
    assert _findings(screened.iter_line_violations(line)) == expected, line
    assert _findings(plain.iter_line_violations(line)) == expected, line


def readers_target(data: bytes) -> None:
    """Any record file gives findings or a located input error."""
    from dvschema.diagnostics import InputError
    from dvschema.validation.run import validate_files

    if not data:
        return
    screened, _ = _validators(0)
    suffix = RECORD_KINDS[data[0] % len(RECORD_KINDS)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"records{suffix}"
        path.write_bytes(data[1:])
        valid, rejected = Path(folder) / "valid.jsonl", Path(folder) / "rejected.jsonl"
        try:
            with open(valid, "wb") as valid_out, open(rejected, "wb") as rejected_out:
                for _ in validate_files(screened, [path], valid_out=valid_out, rejected_out=rejected_out):
                    pass
        except InputError as error:
            assert error.diagnostic.path == str(path)


def parsers_target(data: bytes) -> None:
    """Any page gives a table or a located input error."""
    from dvschema.diagnostics import InputError
    from dvschema.parsers import normalize_text, parse_text

    if not data:
        return
    format_name = PAGE_FORMATS[data[0] % len(PAGE_FORMATS)]
    try:
        parse_text(normalize_text(data[1:], "page.md"), "page.md", format_name)
    except InputError as error:
        assert error.diagnostic.path == "page.md"


TARGETS: dict[str, Callable[[bytes], None]] = {"screen": screen_target, "readers": readers_target,
                                               "parsers": parsers_target}


def seed_inputs(target: str) -> list[bytes]:
    """The seed corpus of a target, from fixtures/: record lines, record files, pages."""
    records = sorted((FIXTURES / "records").rglob("*.json*")) + sorted((FIXTURES / "records").glob("*.csv"))
    if target == "screen":  # each fixture line, led by the byte that picks its own table
        inputs = []
        for path in sorted((FIXTURES / "records").glob("*.jsonl")):
            table = path.name.split(".")[0]
            index = next((number for number, seed in enumerate(SEEDS) if _table_name(seed) == table), 0)
            inputs += [bytes([index]) + line for line in path.read_bytes().splitlines()]
        return inputs
    if target == "readers":
        return [bytes([RECORD_KINDS.index(".jsonl" if p.suffix in (".jsonl", ".ndjson") else p.suffix)]) + p.read_bytes()
                for p in records]
    pages = SEEDS + sorted((FIXTURES / "corpus").rglob("*.md"))[:12]
    return [bytes([1 if path.suffix == ".txt" else 0]) + path.read_bytes() for path in pages]


@functools.lru_cache(maxsize=None)
def _table_name(seed: Path) -> str:
    from dvschema.parsers import parse_file

    return parse_file(seed).table.logical_name


def write_seed_corpus(target: str, folder: Path) -> None:
    """Fill ``folder`` with the target's seed inputs (when it is empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        return
    for number, data in enumerate(seed_inputs(target)):
        (folder / f"seed-{number:04d}").write_bytes(data)
