"""Validation of record files: streaming, optional worker processes, valid/rejected split.

The core yields :class:`FileResult` items (one per record that has findings, in file order);
reporters and the CLI decide what to print. Memory stays constant for JSONL and CSV: records
are read, checked and written one by one (in bounded batches with ``jobs > 1``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

import orjson

from dvschema.metaschema.model import Table
from dvschema.validation.model import SEVERITY_RANK, Violation
from dvschema.diagnostics import InputError
from dvschema.validation.readers import iter_record_file, jsonl_line_error, open_record_file, record_format
from dvschema.validation.validator import RecordEntry, Validator

BATCH_SIZE = 5000
PROGRESS_EVERY = 10_000


@dataclass
class RunSummary:
    """Counts of one validation run."""

    files: int = 0
    records: int = 0
    rejected: int = 0
    violations: int = 0
    by_severity: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    truncated: bool = False
    file_names: list[str] = field(default_factory=list)


_worker_validator: Validator | None = None


def _worker_start(arguments: tuple) -> None:
    global _worker_validator
    table, operation, options = arguments
    _worker_validator = Validator(table, operation, **options)


def _worker_check_lines(lines: list[bytes]) -> tuple[int, list[tuple[int, int, Any, list[Violation]]]]:
    """Parse and check a batch of raw JSONL lines; return the non-empty count and only the records
    with findings, as (position in batch, record index in batch, record, violations)."""
    assert _worker_validator is not None
    check = _worker_validator.iter_violations
    found = []
    index = 0
    for position, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            return index, [(position, index, jsonl_line_error("", None, line, error), [])]
        violations = list(check(record))
        if violations:
            found.append((position, index, record, violations))
        index += 1
    return index, found


def check_jsonl_in_workers(path: str, arguments: tuple, jobs: int
                           ) -> Iterator[tuple[list[bytes], int, int, list]]:
    """Check a JSONL file in worker processes, batch by batch, in order.

    Yields ``(lines, first line number, first record index, findings)`` where findings holds
    ``(position, index in batch, record, violations)`` for the records that have any. The parent
    only reads lines; a bounded window of batches in flight keeps memory constant.
    """
    import multiprocessing
    from collections import deque

    handle = open_record_file(path)
    window: deque = deque()
    first_line, first_index = 1, 0
    with handle, multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_start,
                                                          initargs=(arguments,)) as pool:
        def drain() -> Iterator[tuple[list[bytes], int, int, list]]:
            nonlocal first_index
            lines, line_number, result = window.popleft()
            count, findings = result.get()
            for position, _, problem, _ in findings:
                if isinstance(problem, InputError):
                    raise InputError.at(path, line_number + position, problem.diagnostic.message,
                                        found=problem.diagnostic.found, expected=problem.diagnostic.expected)
            yield lines, line_number, first_index, findings
            first_index += count

        while lines := list(itertools.islice(handle, BATCH_SIZE)):
            window.append((lines, first_line, pool.apply_async(_worker_check_lines, (lines,))))
            first_line += len(lines)
            if len(window) >= 2 * jobs:
                yield from drain()
        while window:
            yield from drain()


def check_entries(validator: Validator, entries: Iterable[RecordEntry], previous: dict | None = None
                  ) -> Iterator[tuple[RecordEntry, list[Violation]]]:
    """Yield each record with its violations, in order, in this process."""
    primary = validator.table.primary_id_attribute
    for entry in entries:
        before = previous.get(entry.record.get(primary)) if previous and isinstance(entry.record, dict) else None
        yield entry, list(validator.iter_violations(entry.record, before))


def validate_files(validator: Validator, paths: Iterable[str | Path], *, fail_on: str = "error",
                   max_violations: int | None = None, jobs: int = 1, valid_out: IO[bytes] | None = None,
                   rejected_out: IO[bytes] | None = None, previous: dict | None = None,
                   summary: RunSummary | None = None, progress: Callable[[RunSummary], None] | None = None
                   ) -> Iterator[Violation]:
    """Validate record files; yield located violations; write the valid/rejected split if asked.

    ``progress`` is called with the running summary about every 10,000 records and after each file.
    """
    summary = summary if summary is not None else RunSummary()
    threshold = SEVERITY_RANK.get(fail_on, 99)
    for path in paths:
        name = str(path)
        summary.files += 1
        summary.file_names.append(name)
        if jobs > 1 and not previous and record_format(name) == "jsonl":
            results = _results_from_workers(name, validator.arguments, jobs, valid_out)
        else:
            entries = iter_record_file(name, validator.table)
            results = ((entry, violations, 1) for entry, violations
                       in check_entries(validator, entries, previous=previous))
        for entry, violations, count in results:
            summary.records += count
            if progress is not None and summary.records % PROGRESS_EVERY < count:
                progress(summary)
            rejected = any(SEVERITY_RANK[v.severity] >= threshold for v in violations)
            if rejected:
                summary.rejected += 1
            if rejected and rejected_out is not None:
                rejected_out.write(orjson.dumps({"path": name, "line": entry.line, "record": entry.record,
                                                 "findings": [v.to_dict() for v in violations]},
                                                default=str) + b"\n")
            elif not rejected and valid_out is not None and entry is not None and count:
                valid_out.write(orjson.dumps(entry.record, default=str) + b"\n")
            for violation in violations:
                if max_violations is not None and summary.violations >= max_violations:
                    summary.truncated = True
                    return
                summary.violations += 1
                summary.by_severity[violation.severity] += 1
                yield replace(violation, path=name, line=entry.line, record=entry.index)
        if progress is not None:
            progress(summary)


def _results_from_workers(path: str, arguments: tuple, jobs: int, valid_out: IO[bytes] | None
                          ) -> Iterator[tuple[RecordEntry | None, list[Violation], int]]:
    """Adapt worker batches to ``(entry, violations, records counted)``: records with findings one by
    one; clean records are counted per batch (and copied raw to ``valid_out``)."""
    for lines, first_line, first_index, findings in check_jsonl_in_workers(path, arguments, jobs):
        flagged = {position for position, _, _, _ in findings}
        if valid_out is not None:
            for position, line in enumerate(lines):
                if position not in flagged and line.strip():
                    valid_out.write(line.rstrip(b"\r\n") + b"\n")
        clean = sum(1 for line in lines if line.strip()) - len(findings)
        yield None, [], clean
        for position, index, record, violations in findings:
            yield RecordEntry(record, first_line + position, first_index + index), violations, 1


def load_previous(path: str | Path, table: Table) -> dict[Any, dict]:
    """Read previous versions of records, keyed by the table's primary id."""
    primary = table.primary_id_attribute
    return {entry.record.get(primary): entry.record for entry in iter_record_file(path, table)
            if isinstance(entry.record, dict)}
