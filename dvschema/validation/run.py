"""Validation of record files: streaming, optional worker processes, valid/rejected split.

JSONL files are read in blocks of whole lines (about 1 MB). The compiled screen
(:mod:`dvschema.validation.screen`) passes over the records it can vouch for; the others are
parsed and checked by the rules. With ``jobs > 1`` each worker process reads and checks its own
blocks, and the parent only puts the findings in file order, so memory stays constant and the
parent does little. JSON and CSV files, and runs with previous records, are checked record by
record in this process. The core yields located :class:`Violation` objects; reporters and the
CLI decide what to print.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, NamedTuple

import orjson

from dvschema.metaschema.model import Table
from dvschema.validation.model import SEVERITY_RANK, Violation
from dvschema.validation.readers import iter_record_file, jsonl_line_error, open_record_file, record_format
from dvschema.validation.validator import RecordEntry, Validator

BLOCK_SIZE = 1 << 20
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


class BlockFinding(NamedTuple):
    """A record of a block with findings: its line and record offsets, its bytes' place, and the findings."""

    line: int
    index: int
    start: int
    end: int
    record: Any
    violations: list[Violation]


class BlockResult(NamedTuple):
    """What checking one block of JSONL lines found.

    ``bad_line`` is ``(line offset, line, reason)`` for the first line that is not JSON; the block's
    findings stop there.
    """

    lines: int
    records: int
    findings: list[BlockFinding]
    bad_line: tuple[int, bytes, str] | None = None


def _every_record(block: bytes) -> tuple[int, int, list[tuple[int, int, int, int, bool]]]:
    """Without the screen: every non-blank line is a record for the rules (same shape as ``scan``)."""
    candidates = []
    pieces = block.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    start = records = 0
    for line, piece in enumerate(pieces):
        end = min(start + len(piece) + 1, len(block))
        if piece.strip():
            candidates.append((line, records, start, end, False))
            records += 1
        start = end
    return len(pieces), records, candidates


def check_block(validator: Validator, block: bytes, keep_records: bool = True) -> BlockResult:
    """Check a block of whole JSONL lines; return the counts and the records with findings.

    ``keep_records=False`` leaves the parsed records out of the findings (a worker process then
    sends less to the parent).
    """
    screen = validator.screen
    lines, records, candidates = screen.scan(block) if screen is not None else _every_record(block)
    findings = []
    loads = orjson.loads
    check = validator.screened_violations
    for line, index, start, end, verdict in candidates:
        raw = block[start:end]
        try:
            record = loads(raw)
        except orjson.JSONDecodeError as error:
            return BlockResult(line, index, findings, (line, raw, error.msg))
        violations = list(check(record, verdict))
        if violations:
            findings.append(BlockFinding(line, index, start, end, record if keep_records else None, violations))
    return BlockResult(lines, records, findings)


def block_bounds(path: str, size: int = BLOCK_SIZE) -> Iterator[tuple[int, int]]:
    """Byte ranges of about ``size`` that hold whole lines, covering the file."""
    with open_record_file(path) as handle:
        total = os.fstat(handle.fileno()).st_size
        start = 0
        while start < total:
            stop = start + size
            if stop >= total:
                yield start, total
                return
            handle.seek(stop)
            while True:
                piece = handle.read(1 << 16)
                newline = piece.find(b"\n")
                if newline >= 0:
                    stop += newline + 1
                    break
                if not piece:
                    break
                stop += len(piece)
            yield start, min(stop, total)
            start = stop


def read_block(handle: IO[bytes], start: int, stop: int) -> bytes:
    """The bytes of one block."""
    handle.seek(start)
    return handle.read(stop - start)


def _worker_main(sender: Any, validator: Validator, path: str, jobs: int, share: int, keep_records: bool) -> None:
    """A forked worker: check every ``jobs``-th block of the file, starting at ``share``, and send
    each result to the parent in order (the pipe's buffer bounds how far it runs ahead)."""
    try:
        with open_record_file(path) as handle:
            for number, (start, stop) in enumerate(block_bounds(path)):
                if number % jobs == share:
                    sender.send(check_block(validator, read_block(handle, start, stop), keep_records))
    except Exception as error:  # shown by the parent, which knows how to report it
        sender.send(error)
    finally:
        sender.close()


def check_jsonl(validator: Validator, path: str, jobs: int = 1, keep_records: bool = True
                ) -> Iterator[tuple[BlockResult, int, int]]:
    """Check a JSONL file block by block, in file order: yields ``(result, start, stop)``.

    With ``jobs > 1``, forked worker processes take the blocks in turn (block n goes to worker
    n mod jobs), read and check them, and send the results through a pipe each; the parent only
    reads the results in order. There is no task queue, so the parent stays nearly idle, and a
    full pipe stops a worker that runs ahead, so memory stays constant.
    ``keep_records=False``: findings come without their records.
    """
    import multiprocessing

    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        with open_record_file(path) as handle:
            for start, stop in block_bounds(path):
                yield check_block(validator, read_block(handle, start, stop), keep_records), start, stop
        return
    context = multiprocessing.get_context("fork")
    receivers, workers = [], []
    try:
        for share in range(jobs):
            receiver, sender = context.Pipe(duplex=False)
            worker = context.Process(target=_worker_main, args=(sender, validator, path, jobs, share, keep_records),
                                     daemon=True)
            worker.start()
            sender.close()
            receivers.append(receiver)
            workers.append(worker)
        for number, (start, stop) in enumerate(block_bounds(path)):
            result = receivers[number % jobs].recv()
            if isinstance(result, Exception):
                raise result
            yield result, start, stop
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        for receiver in receivers:
            receiver.close()


def check_entries(validator: Validator, entries: Iterable[RecordEntry], previous: dict | None = None
                  ) -> Iterator[tuple[RecordEntry, list[Violation]]]:
    """Yield each record with its violations, in order, in this process."""
    primary = validator.table.primary_id_attribute
    for entry in entries:
        before = previous.get(entry.record.get(primary)) if previous and isinstance(entry.record, dict) else None
        yield entry, list(validator.iter_violations(entry.record, before))


class _Run:
    """The bookkeeping of one validate_files call: counts, the valid/rejected split, the limit."""

    def __init__(self, summary: RunSummary, fail_on: str, max_violations: int | None,
                 valid_out: IO[bytes] | None, rejected_out: IO[bytes] | None,
                 progress: Callable[[RunSummary], None] | None):
        self.summary = summary
        self.threshold = SEVERITY_RANK.get(fail_on, 99)
        self.max_violations = max_violations
        self.valid_out = valid_out
        self.rejected_out = rejected_out
        self.progress = progress
        self.next_progress = summary.records + PROGRESS_EVERY

    def counted(self, records: int) -> None:
        """Set the running record count (and show progress about every 10,000 records)."""
        self.summary.records = records
        if self.progress is not None and records >= self.next_progress:
            self.progress(self.summary)
            self.next_progress = records + PROGRESS_EVERY

    def is_rejected(self, violations: list[Violation]) -> bool:
        """Whether findings reject their record (at or above --fail-on); counts it if so."""
        rejected = any(SEVERITY_RANK[v.severity] >= self.threshold for v in violations)
        if rejected:
            self.summary.rejected += 1
        return rejected

    def write_rejected(self, path: str, line: int | None, record: Any, violations: list[Violation]) -> None:
        """Write a rejected record with its findings to --rejected-out."""
        if self.rejected_out is not None:
            self.rejected_out.write(orjson.dumps({"path": path, "line": line, "record": record,
                                                  "findings": [v.to_dict() for v in violations]},
                                                 default=str) + b"\n")

    def located(self, violations: list[Violation], path: str, line: int | None, index: int | None
                ) -> Iterator[Violation]:
        """Count and place the findings of one record; stop at --max-violations."""
        summary = self.summary
        for violation in violations:
            if self.max_violations is not None and summary.violations >= self.max_violations:
                summary.truncated = True
                return
            summary.violations += 1
            summary.by_severity[violation.severity] += 1
            yield violation.at(path, line, index)

    @property
    def stopped(self) -> bool:
        """True once --max-violations is reached."""
        return self.summary.truncated


def validate_files(validator: Validator, paths: Iterable[str | Path], *, fail_on: str = "error",
                   max_violations: int | None = None, jobs: int = 1, valid_out: IO[bytes] | None = None,
                   rejected_out: IO[bytes] | None = None, previous: dict | None = None,
                   summary: RunSummary | None = None, progress: Callable[[RunSummary], None] | None = None
                   ) -> Iterator[Violation]:
    """Validate record files; yield located violations; write the valid/rejected split if asked.

    JSONL records go to ``valid_out`` as their original lines; JSON and CSV records as JSON.
    ``progress`` is called with the running summary about every 10,000 records and after each file.
    """
    run = _Run(summary if summary is not None else RunSummary(), fail_on, max_violations, valid_out,
               rejected_out, progress)
    for path in paths:
        name = str(path)
        run.summary.files += 1
        run.summary.file_names.append(name)
        if not previous and record_format(name) == "jsonl":
            yield from _validate_jsonl(validator, name, jobs, run)
        else:
            yield from _validate_entries(validator, name, previous, run)
        if run.stopped:
            return
        if progress is not None:
            progress(run.summary)


def _validate_entries(validator: Validator, name: str, previous: dict | None, run: _Run) -> Iterator[Violation]:
    entries = iter_record_file(name, validator.table)
    for entry, violations in check_entries(validator, entries, previous=previous):
        run.counted(run.summary.records + 1)
        if run.is_rejected(violations):
            run.write_rejected(name, entry.line, entry.record, violations)
        elif run.valid_out is not None:
            run.valid_out.write(orjson.dumps(entry.record, default=str) + b"\n")
        yield from run.located(violations, name, entry.line, entry.index)
        if run.stopped:
            return


def _validate_jsonl(validator: Validator, name: str, jobs: int, run: _Run) -> Iterator[Violation]:
    first_line, first_index = 1, 0
    base = run.summary.records
    # The valid lines are copied from the file itself (the blocks stay in the worker processes).
    reread = open_record_file(name) if run.valid_out is not None else None
    try:
        for result, start, stop in check_jsonl(validator, name, jobs, keep_records=run.rejected_out is not None):
            rejected = []
            for finding in result.findings:
                line = first_line + finding.line
                run.counted(base + first_index + finding.index + 1)
                if run.is_rejected(finding.violations):
                    rejected.append(finding)
                    run.write_rejected(name, line, finding.record, finding.violations)
                yield from run.located(finding.violations, name, line, first_index + finding.index)
                if run.stopped:
                    return
            if result.bad_line is not None:
                offset, raw, reason = result.bad_line
                raise jsonl_line_error(name, first_line + offset, raw, reason)
            if reread is not None:
                _write_valid(run.valid_out, read_block(reread, start, stop), rejected)
            first_line += result.lines
            first_index += result.records
            run.counted(base + first_index)
    finally:
        if reread is not None:
            reread.close()


def _write_valid(out: IO[bytes], block: bytes, rejected: list[BlockFinding]) -> None:
    """Copy a block's lines to ``out``, without the rejected records' lines."""
    position = 0
    for finding in rejected:
        out.write(block[position:finding.start])
        position = finding.end
    tail = block[position:]
    out.write(tail)
    if tail and not tail.endswith(b"\n"):
        out.write(b"\n")


def load_previous(path: str | Path, table: Table) -> dict[Any, dict]:
    """Read previous versions of records, keyed by the table's primary id."""
    primary = table.primary_id_attribute
    return {entry.record.get(primary): entry.record for entry in iter_record_file(path, table)
            if isinstance(entry.record, dict)}
