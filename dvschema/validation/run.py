"""Validation of record files: streaming, optional worker processes, valid/rejected split.

The core yields :class:`FileResult` items (one per record that has findings, in file order);
reporters and the CLI decide what to print. Memory stays constant for JSONL and CSV: records
are read, checked and written one by one (in bounded batches with ``jobs > 1``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

import orjson

from dvschema.metaschema.model import Table
from dvschema.validation.model import SEVERITY_RANK, Violation
from dvschema.validation.readers import iter_record_file
from dvschema.validation.validator import RecordEntry, Validator

BATCH_SIZE = 2000


@dataclass
class RunSummary:
    """Counts of one validation run."""

    files: int = 0
    records: int = 0
    rejected: int = 0
    violations: int = 0
    by_severity: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    truncated: bool = False


@dataclass(frozen=True)
class ValidatorSettings:
    """What is needed to build the same validator in a worker process."""

    table_json: bytes
    operation: str
    select: tuple[str, ...] | None
    ignore: tuple[str, ...] | None
    severities: tuple[tuple[str, str], ...]

    def build(self) -> Validator:
        """Compile the validator."""
        table = Table.model_validate_json(self.table_json)
        return Validator(table, self.operation, select=self.select, ignore=self.ignore,
                         severities=dict(self.severities))


_worker_validator: Validator | None = None


def _worker_start(settings: ValidatorSettings) -> None:
    global _worker_validator
    _worker_validator = settings.build()


def _worker_check(batch: list[RecordEntry]) -> list[list[Violation]]:
    assert _worker_validator is not None
    return [list(_worker_validator.iter_violations(entry.record)) for entry in batch]


def _batches(entries: Iterable[RecordEntry], size: int) -> Iterator[list[RecordEntry]]:
    iterator = iter(entries)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def check_entries(validator: Validator, entries: Iterable[RecordEntry], jobs: int = 1,
                  settings: ValidatorSettings | None = None, previous: dict | None = None
                  ) -> Iterator[tuple[RecordEntry, list[Violation]]]:
    """Yield each record with its violations, in order; ``jobs > 1`` checks batches in worker processes."""
    if jobs <= 1 or settings is None or previous:
        primary = validator.table.primary_id_attribute
        for entry in entries:
            before = previous.get(entry.record.get(primary)) if previous and isinstance(entry.record, dict) else None
            yield entry, list(validator.iter_violations(entry.record, before))
        return
    import multiprocessing
    from collections import deque

    window: deque = deque()
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_start, initargs=(settings,)) as pool:
        # A bounded window of batches in flight keeps memory constant and results in order.
        for batch in _batches(entries, BATCH_SIZE):
            window.append((batch, pool.apply_async(_worker_check, (batch,))))
            if len(window) >= 2 * jobs:
                done, result = window.popleft()
                yield from zip(done, result.get())
        while window:
            done, result = window.popleft()
            yield from zip(done, result.get())


def validate_files(validator: Validator, paths: Iterable[str | Path], *, fail_on: str = "error",
                   max_violations: int | None = None, jobs: int = 1, valid_out: IO[bytes] | None = None,
                   rejected_out: IO[bytes] | None = None, previous: dict | None = None,
                   summary: RunSummary | None = None) -> Iterator[Violation]:
    """Validate record files; yield located violations; write the valid/rejected split if asked."""
    summary = summary if summary is not None else RunSummary()
    threshold = SEVERITY_RANK.get(fail_on, 99)
    settings = None
    if jobs > 1:
        settings = ValidatorSettings(orjson.dumps(validator.table.model_dump(mode="json")), validator.operation,
                                     tuple(sorted(validator.enabled)) or None,
                                     None if validator.enabled else ("DV",),
                                     tuple(validator.severity.items()))
    for path in paths:
        name = str(path)
        summary.files += 1
        entries = iter_record_file(name, validator.table)
        for entry, violations in check_entries(validator, entries, jobs, settings, previous):
            summary.records += 1
            rejected = any(SEVERITY_RANK[v.severity] >= threshold for v in violations)
            if rejected:
                summary.rejected += 1
            if rejected and rejected_out is not None:
                rejected_out.write(orjson.dumps({"path": name, "line": entry.line, "record": entry.record,
                                                 "findings": [v.to_dict() for v in violations]},
                                                default=str) + b"\n")
            elif not rejected and valid_out is not None:
                valid_out.write(orjson.dumps(entry.record, default=str) + b"\n")
            for violation in violations:
                if max_violations is not None and summary.violations >= max_violations:
                    summary.truncated = True
                    return
                summary.violations += 1
                summary.by_severity[violation.severity] += 1
                yield replace(violation, path=name, line=entry.line, record=entry.index)


def load_previous(path: str | Path, table: Table) -> dict[Any, dict]:
    """Read previous versions of records, keyed by the table's primary id."""
    primary = table.primary_id_attribute
    return {entry.record.get(primary): entry.record for entry in iter_record_file(path, table)
            if isinstance(entry.record, dict)}
