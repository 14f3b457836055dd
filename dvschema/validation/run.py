"""Validation of record files: streaming, optional worker processes, valid/rejected split.

JSONL files are mapped into memory and checked in blocks of whole lines (about 1 MB). The
compiled screen (:mod:`dvschema.validation.screen`) passes over the records it can vouch for; the
others are parsed and checked by the rules. With ``jobs > 1`` this process and forked workers
each claim the next block when they are free; workers send their findings back through pipes and
this process yields them in file order, so memory stays constant. JSON files are checked the same way, in
blocks of whole array elements (:mod:`dvschema.validation.jsonarray`). CSV files, and runs with previous
records, are checked record by record in this process. The core yields located :class:`Violation` objects; reporters and the
CLI decide what to print.
"""

from __future__ import annotations

import gc
import marshal
import mmap
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, IO, Any, Callable, Iterable, Iterator, NamedTuple

import orjson

from dvschema.processes import worker_start_method
from dvschema.diagnostics import InputError, WorkerError
from dvschema.validation.jsonvalues import dumps_record
from dvschema.validation.model import SEVERITY_RANK, Violation, rejects
from dvschema.validation.jsonarray import JsonLayout, array_spans, count_newlines, json_layout, skip_bom
from dvschema.validation.readers import (Buffer, iter_record_file, json_record_error, jsonl_line_error,
                                         mapped_file, record_format)
from dvschema.validation.validator import RecordEntry, Validator

if TYPE_CHECKING:  # the model is only named in annotations: validation never imports pydantic itself
    from dvschema.metaschema.model import Table

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
    #: findings of the record where --max-violations stopped the run that were cut (its record is in
    #: --rejected-out with all of them)
    not_shown: int = 0
    file_names: list[str] = field(default_factory=list)
    #: what the readers noticed (a CSV header read by display name), for the CLI to show
    notes: list[str] = field(default_factory=list)
    #: the most processes that checked one file (--jobs)
    processes: int = 1


class BlockFinding(NamedTuple):
    """A record with findings: its line and record index, its bytes' place in the buffer, its
    findings, and whether they reject it. Straight from :func:`check_block` the numbers count from
    the block's start and the findings have no place; :func:`located` places them in the file."""

    line: int
    index: int
    start: int
    end: int
    violations: list[Violation]
    rejected: bool

    #: A BlockFinding from a tuple of its six fields, in C (one is built per record with findings).
    from_fields = classmethod(tuple.__new__)


def _placed(line: int, index: int, start: int, end: int, violations: list[Violation], rejected: bool, path: str,
            first_line: int, first_index: int) -> BlockFinding:
    """A finding numbered from its block's start, placed in the file (``violations`` may be plain
    tuples of a Violation's fields, as they come from a worker)."""
    number, position = first_line + line, first_index + index
    at = Violation.at
    return BlockFinding.from_fields((number, position, start, end,
                                     [at(violation, path, number, position) for violation in violations], rejected))


class BlockResult(NamedTuple):
    """What checking one block of JSONL lines found.

    ``bad_line`` is ``(line number, line, reason)`` for the first line that is not JSON; the
    block's findings stop there.
    """

    lines: int
    records: int
    findings: list[BlockFinding]
    bad_line: tuple[int, bytes, str] | None = None


def _every_record(data: Buffer, start: int, stop: int) -> tuple[int, int, list[tuple[int, int, int, int, bool]]]:
    """Without the screen: every non-blank line is a record for the rules (the shape of ``scan``)."""
    candidates = []
    lines = records = 0
    position = start
    while position < stop:
        newline = data.find(b"\n", position, stop)
        end = stop if newline < 0 else newline + 1
        if data[position:end].strip():
            candidates.append((lines, records, position, end, False))
            records += 1
        lines += 1
        position = end
    return lines, records, candidates


def _every_element(data: Buffer, start: int, stop: int) -> tuple[int, int, list[tuple[int, int, int, int, bool]]]:
    """Without the screen: every element of a JSON array block is a record for the rules (the shape
    of ``scan_elements``: lines count newlines)."""
    candidates = []
    lines = 0
    counted = start
    for index, (begin, end) in enumerate(array_spans(data, start, stop)):
        lines += count_newlines(data, counted, begin)
        counted = begin
        candidates.append((lines, index, begin, end, False))
    return lines + count_newlines(data, counted, stop), len(candidates), candidates


def check_block(validator: Validator, data: Buffer, start: int, stop: int, threshold: int,
                place: tuple[str, int, int] | None = None, elements: bool = False) -> BlockResult:
    """Check the whole JSONL lines of ``data[start:stop]``: their counts, and the records with
    findings, judged against the ``threshold`` rank. Numbered from the block's first line (0) and
    not placed in the file, unless ``place`` gives the path, the block's first line number and its
    first record index (then the result is :func:`located` already, its findings built once).
    ``elements``: the block holds elements of a JSON array (:mod:`~dvschema.validation.jsonarray`),
    not lines. A record itself is not kept: its bytes are in ``data`` (see :func:`record_at`).
    """
    path, first_line, first_index = place if place is not None else (None, 0, 0)
    _populate(data, start, stop)
    screen = validator.screen
    if elements:
        lines, records, candidates = (screen.scan_elements(data, start, stop) if screen is not None
                                      else _every_element(data, start, stop))
    else:
        lines, records, candidates = (screen.scan(data, start, stop) if screen is not None
                                      else _every_record(data, start, stop))
    findings = []
    check = validator.screened_line_violations
    for line, index, begin, end, verdict in candidates:
        raw = data[begin:end]
        try:
            violations = check(raw, verdict)
        except orjson.JSONDecodeError as error:
            return BlockResult(line, index, findings, (first_line + line, bytes(raw), error.msg))
        if violations:
            rejected = rejects(violations, threshold)
            if place is not None:  # _placed, inline: a call per finding costs ~2.5% of a one-job run
                line, index = first_line + line, first_index + index
                violations = [violation.at(path, line, index) for violation in violations]
            findings.append(BlockFinding.from_fields((line, index, begin, end, violations, rejected)))
    return BlockResult(lines, records, findings)


def located(result: BlockResult, path: str, first_line: int, first_index: int) -> BlockResult:
    """A block's result placed in its file: the block starts at line ``first_line`` (1-based) and
    record ``first_index``."""
    findings = [_placed(*finding, path, first_line, first_index) for finding in result.findings]
    bad_line = result.bad_line
    if bad_line is not None:
        bad_line = (first_line + bad_line[0], *bad_line[1:])
    return BlockResult(result.lines, result.records, findings, bad_line)


def record_at(data: Buffer, finding: BlockFinding) -> orjson.Fragment:
    """The record of a finding as its JSON text, to be written as it is (only rejected records
    are asked for): one line, as a JSON array's element spread over lines is joined."""
    return orjson.Fragment(one_line(data[finding.start:finding.end].strip()))


def one_line(text: bytes) -> bytes:
    """JSON text on one line: outside strings a line break is white space, and inside a string it is
    always escaped, so replacing breaks with spaces keeps the value."""
    return text.replace(b"\r", b" ").replace(b"\n", b" ") if b"\n" in text or b"\r" in text else text


# Worker results cross the pipe as marshal data of plain tuples: several times cheaper to write and
# read than pickled named tuples, whose pickling calls Python code for every finding.
_RESULT, _ERROR = b"R", b"E"


def pack_result(number: int, result: BlockResult) -> bytes:
    """Block ``number``'s result, as :func:`check_block` gives it, as bytes for the pipe."""
    findings = [(line, index, start, end, [tuple(violation) for violation in violations], rejected)
                for line, index, start, end, violations, rejected in result.findings]
    return _RESULT + number.to_bytes(8, "little") + marshal.dumps((result.lines, result.records, findings,
                                                                    result.bad_line))


def payload_block(payload: bytes) -> int:
    """The block number of a payload that :func:`pack_result` wrote; re-raises a worker's error."""
    if payload[:1] == _ERROR:
        import pickle

        raise pickle.loads(payload[1:])
    return int.from_bytes(payload[1:9], "little")


def located_payload(payload: bytes, path: str, first_line: int, first_index: int) -> BlockResult:
    """A worker's block result placed in its file (as :func:`located`)."""
    return located(BlockResult(*marshal.loads(memoryview(payload)[9:])), path, first_line, first_index)


# Linux's MADV_POPULATE_READ (5.14+; Python 3.11 has no name for it): map a range's cached pages in
# one call rather than one page fault at a time. Done per block by the process that checks it, so
# processes share the work (mapping the whole file up front cost a worker its first 15 ms).
_MADV_POPULATE_READ = getattr(mmap, "MADV_POPULATE_READ", 22 if sys.platform == "linux" else None)


def _populate(data: Buffer, start: int, stop: int) -> None:
    if _MADV_POPULATE_READ is not None and isinstance(data, mmap.mmap):
        page = start - start % mmap.PAGESIZE
        try:
            data.madvise(_MADV_POPULATE_READ, page, stop - page)
        except (OSError, ValueError):
            pass  # an older kernel: the pages are mapped as they are read


def block_bounds(data: Buffer, size: int = BLOCK_SIZE, start: int = 0) -> Iterator[tuple[int, int]]:
    """Byte ranges of about ``size`` that hold whole lines, covering ``data`` from ``start``."""
    total = len(data)
    while start < total:
        newline = data.find(b"\n", start + size) if start + size < total else -1
        stop = total if newline < 0 else newline + 1
        yield start, stop
        start = stop


class _Claims:
    """Which process checks which block: each takes the next unclaimed block when it is free, so a
    busy or slower process simply takes fewer. Shared memory, written under one lock."""

    UNCLAIMED = -1

    def __init__(self, context: Any, blocks: int):
        self.lock = context.Lock()
        # [0] is the next unclaimed block; [1 + n] is the share that claimed block n
        self.table = context.RawArray("q", [0] + [self.UNCLAIMED] * blocks)
        self.blocks = blocks

    def claim(self, share: int, below: int | None = None) -> int | None:
        """Claim the next block for ``share``; None when every block is taken (or the next is not
        below ``below``)."""
        with self.lock:
            number = self.table[0]
            if number >= self.blocks or (below is not None and number >= below):
                return None
            self.table[0] = number + 1
            self.table[1 + number] = share
        return number

    def owner(self, number: int) -> int:
        """The share that claimed block ``number`` (UNCLAIMED if none has yet)."""
        with self.lock:
            return self.table[1 + number]


def _worker_main(sender: Any, validator: Validator, data: Buffer, bounds: list[tuple[int, int]],
                 claims: _Claims, threshold: int, share: int, elements: bool) -> None:
    """A forked worker: claim blocks one at a time, check each and send its result to the parent
    (the pipe's buffer bounds how far it runs ahead)."""
    # Ctrl-C reaches the whole process group: the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while (number := claims.claim(share)) is not None:
            start, stop = bounds[number]
            sender.send_bytes(pack_result(number, check_block(validator, data, start, stop, threshold,
                                                              elements=elements)))
    except Exception as error:  # shown by the parent, which knows how to report it
        import pickle

        sender.send_bytes(_ERROR + pickle.dumps(error))
    finally:
        sender.close()


def _spawned_worker_main(sender: Any, validator: Validator, path: str, bounds: list[tuple[int, int]],
                         claims: _Claims, threshold: int, share: int, elements: bool) -> None:
    """A worker started without fork (spawn): it maps the file itself, then works as a forked one."""
    with mapped_file(path) as data:
        _worker_main(sender, validator, data, bounds, claims, threshold, share, elements)


def _widen_pipe(connection: Any) -> None:
    """Let a worker run several blocks ahead of the parent (a 64 KiB pipe holds about two results)."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass  # not Linux, or above /proc/sys/fs/pipe-max-size: the default size works, only slower


def check_jsonl(validator: Validator, data: Buffer, path: str, threshold: int, jobs: int = 1,
                summary: RunSummary | None = None, layout: JsonLayout | None = None
                ) -> Iterator[tuple[BlockResult, int, int]]:
    """Check JSONL bytes block by block; yield ``(result, start, stop)`` in file order, located.
    With a ``layout``, the bytes are a JSON file and its blocks of array elements are checked.

    With ``jobs > 1``, this process and ``jobs - 1`` forked workers each claim the next unchecked
    block whenever they are free (:class:`_Claims`); workers send their results through their own
    pipes. This process yields the results in order, placing each in the file as the line counts
    of the blocks before it become known, and checks blocks itself while it would otherwise wait
    (at most a few blocks ahead, so memory stays constant; a full pipe stops a worker that runs
    ahead). Workers are forked where :func:`worker_start_method` says so, else spawned (they map the
    file and rebuild the validator); when neither can start, one process checks the file and a
    note in ``summary.notes`` says so (``summary.processes`` is the most processes a file used).
    """
    elements = layout is not None
    bounds = layout.blocks if layout is not None else list(block_bounds(data, BLOCK_SIZE, skip_bom(data)))
    method = worker_start_method() if jobs > 1 and len(bounds) >= 2 else None
    if jobs > 1 and len(bounds) >= 2 and (method is None or (method == "spawn" and not _can_spawn(path))):
        if summary is not None:
            summary.notes.append(f"{path}: --jobs {jobs}: worker processes cannot be started here (no fork, "
                                 "inside a daemonic process, or spawned workers cannot reopen standard input); "
                                 "one process checks the file")
        method = None
    if method is None:
        jobs = 1
    if summary is not None:
        summary.processes = max(summary.processes, jobs)
    first_line, first_index = layout.first_line if layout is not None else 1, 0
    if jobs <= 1:
        for start, stop in bounds:
            result = check_block(validator, data, start, stop, threshold, (path, first_line, first_index), elements)
            yield result, start, stop
            first_line += result.lines
            first_index += result.records
        return
    import multiprocessing

    context = multiprocessing.get_context(method)
    claims = _Claims(context, len(bounds))
    receivers: list[Any] = []
    workers: list[int] = []
    spawned: list[Any] = []
    ahead = 2 * jobs  # how far past the next block to yield this process may claim
    # Objects that exist before the fork are left out of the workers' garbage collection, so the
    # collector does not touch (and copy) every shared page.
    gc.freeze()
    try:
        for share in range(1, jobs):
            receiver, sender = context.Pipe(duplex=False)
            _widen_pipe(sender)
            if method == "spawn":
                process = context.Process(target=_spawned_worker_main, daemon=True,
                                          args=(sender, validator, path, bounds, claims, threshold, share,
                                                elements))
                process.start()
                sender.close()
                receivers.append(receiver)
                spawned.append(process)
                continue
            # os.fork, not multiprocessing.Process: that refuses to start inside a daemonic process,
            # such as a multiprocessing.Pool worker in an ETL job.
            worker = os.fork()
            if worker == 0:
                try:
                    receiver.close()
                    _worker_main(sender, validator, data, bounds, claims, threshold, share, elements)
                finally:
                    os._exit(0)  # no atexit handlers, no flushing of the parent's buffers
            sender.close()
            receivers.append(receiver)
            workers.append(worker)
        gc.unfreeze()
        pending: dict[int, bytes | tuple[BlockResult, tuple[str, int, int] | None]] = {}
        for number, (start, stop) in enumerate(bounds):
            while number not in pending:
                owner = claims.owner(number)
                receiver = receivers[owner - 1] if owner > 0 else None
                if receiver is None or not receiver.poll():
                    mine = claims.claim(0, below=number + ahead)
                    if mine is not None:  # placed at once when it is the next block to yield
                        place = (path, first_line, first_index) if mine == number else None
                        pending[mine] = (check_block(validator, data, *bounds[mine], threshold, place, elements),
                                         place)
                        continue
                if receiver is not None:
                    try:
                        payload = receiver.recv_bytes()
                    except (EOFError, OSError):  # closed, or closed in the middle of a result
                        raise _worker_lost((workers or spawned)[owner - 1]) from None
                    pending[payload_block(payload)] = payload
            item = pending.pop(number)
            if isinstance(item, bytes):
                result = located_payload(item, path, first_line, first_index)
            else:
                result, place = item
                if place is None:
                    result = located(result, path, first_line, first_index)
            yield result, start, stop
            first_line += result.lines
            first_index += result.records
    finally:
        gc.unfreeze()
        for worker in workers:
            try:
                if os.waitpid(worker, os.WNOHANG) == (0, 0):  # still running: the caller stopped early
                    os.kill(worker, signal.SIGTERM)
                    os.waitpid(worker, 0)
            except ChildProcessError:
                pass  # already reaped by _worker_lost
        for process in spawned:
            process.join(timeout=0)
            if process.is_alive():  # still running: the caller stopped early
                process.terminate()
            process.join()
        for receiver in receivers:
            receiver.close()


def _can_spawn(path: str) -> bool:
    """Whether spawned workers can check ``path``: they reopen it, so it must be a regular file (not
    standard input or a pipe), and a daemonic process (a multiprocessing.Pool worker) may not start
    children."""
    import multiprocessing

    return os.path.isfile(path) and not multiprocessing.current_process().daemon


def _worker_lost(worker: Any) -> WorkerError:
    """The error for a worker (a forked pid, or a spawned process) whose pipe closed before it sent a
    block it had claimed."""
    if isinstance(worker, int):
        pid = worker
        try:
            status = os.waitpid(pid, 0)[1]
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        except ChildProcessError:
            code = None
    else:
        worker.join()
        pid, code = worker.pid, worker.exitcode
    if code is not None and code < 0:
        try:
            how = f"killed by signal {-code}, {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = "no status" if code is None else f"exit status {code}"
    return WorkerError(f"worker process {pid} ended unexpectedly ({how})")


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
        rejected = rejects(violations, self.threshold)
        if rejected:
            self.summary.rejected += 1
        return rejected

    def write_rejected(self, path: str, line: int | None, record: Any, violations: list[Violation]) -> None:
        """Write a rejected record with its findings to --rejected-out."""
        if self.rejected_out is not None:
            self.rejected_out.write(dumps_record({"file": path, "line": line, "record": record,
                                                  "findings": [v.to_dict() for v in violations]}) + b"\n")

    def counted_findings(self, violations: list[Violation]) -> list[Violation]:
        """Count located findings and return them, cut short at --max-violations."""
        summary = self.summary
        if self.max_violations is not None and summary.violations + len(violations) > self.max_violations:
            shown = max(self.max_violations - summary.violations, 0)
            summary.not_shown += len(violations) - shown
            violations = violations[:shown]
            summary.truncated = True
        summary.violations += len(violations)
        by_severity = summary.by_severity
        for violation in violations:
            by_severity[violation.severity] += 1
        return violations

    @property
    def stopped(self) -> bool:
        """True once --max-violations is reached."""
        return self.summary.truncated


def validate_files(validator: Validator, paths: Iterable[str | Path], *, fail_on: str = "error",
                   max_violations: int | None = None, jobs: int = 1, valid_out: IO[bytes] | None = None,
                   rejected_out: IO[bytes] | None = None, previous: dict | None = None,
                   summary: RunSummary | None = None, progress: Callable[[RunSummary], None] | None = None,
                   csv_delimiter: str | None = None) -> Iterator[Violation]:
    """Validate record files (``-``: standard input); yield located violations; write the valid/rejected
    split if asked.

    JSONL and JSON records go to ``valid_out`` as their original text (one line each); CSV and Parquet
    records as JSON.
    CSV files are read with ``csv_delimiter``, or the one sniffed from each file.
    ``progress`` is called with the running summary about every 10,000 records and after each file.
    """
    run = _Run(summary if summary is not None else RunSummary(), fail_on, max_violations, valid_out,
               rejected_out, progress)
    for path in paths:
        name = str(path)
        run.summary.files += 1
        run.summary.file_names.append(name)
        kind = record_format(name)
        if not previous and kind in ("json", "jsonl"):
            yield from _validate_buffer(validator, name, kind, jobs, run)
        else:
            yield from _validate_entries(validator, name, previous, run, csv_delimiter)
        if run.stopped:
            return
        if progress is not None:
            progress(run.summary)


def _validate_entries(validator: Validator, name: str, previous: dict | None, run: _Run,
                      delimiter: str | None = None) -> Iterator[Violation]:
    entries = iter_record_file(name, validator.table, delimiter, run.summary.notes)
    for entry, violations in check_entries(validator, entries, previous=previous):
        run.counted(run.summary.records + 1)
        try:
            if run.is_rejected(violations):
                run.write_rejected(name, entry.line, entry.record, violations)
            elif run.valid_out is not None:
                run.valid_out.write(dumps_record(entry.record) + b"\n")
        except TypeError as error:  # orjson writes at most 254 levels of nesting
            raise InputError.at(name, entry.line, "cannot write the record to the output", found=str(error),
                                expected="a record nested less deeply") from None
        yield from run.counted_findings([violation.at(name, entry.line, entry.index) for violation in violations])
        if run.stopped:
            return


def _validate_buffer(validator: Validator, name: str, kind: str, jobs: int, run: _Run) -> Iterator[Violation]:
    """A JSONL or JSON file, mapped and checked in blocks (of lines, or of a JSON array's elements)."""
    summary = run.summary
    before = summary.records  # the records of the files before this one
    with mapped_file(name) as data:
        layout = json_layout(data, name, BLOCK_SIZE) if kind == "json" else None
        for result, start, stop in check_jsonl(validator, data, name, run.threshold, jobs, summary, layout):
            for finding in result.findings:
                if finding.rejected:
                    summary.rejected += 1
                    if run.rejected_out is not None:
                        run.write_rejected(name, finding.line, record_at(data, finding), finding.violations)
                yield from run.counted_findings(finding.violations)
                if run.stopped:  # finding.index counts from the file's first record
                    summary.records = before + finding.index + 1
                    return
            if result.bad_line is not None:
                raise (jsonl_line_error if layout is None else json_record_error)(name, *result.bad_line)
            if run.valid_out is not None:
                rejected = [f for f in result.findings if f.rejected]
                (_write_valid if layout is None else _write_valid_elements)(run.valid_out, data, start, stop, rejected)
            run.counted(summary.records + result.records)


def _write_valid(out: IO[bytes], data: Buffer, start: int, stop: int, rejected: list[BlockFinding]) -> None:
    """Copy the lines of ``data[start:stop]`` to ``out``, without the rejected records' lines."""
    position = start
    for finding in rejected:
        out.write(data[position:finding.start])
        position = finding.end
    tail = data[position:stop]
    out.write(tail)
    if tail and not tail.endswith(b"\n"):
        out.write(b"\n")


def _write_valid_elements(out: IO[bytes], data: Buffer, start: int, stop: int, rejected: list[BlockFinding]) -> None:
    """Write the elements of a JSON array block to ``out``, one per line, without the rejected ones."""
    skipped = {finding.start for finding in rejected}
    for begin, end in array_spans(data, start, stop):
        if begin not in skipped:
            out.write(one_line(data[begin:end]) + b"\n")


def load_previous(path: str | Path, table: Table) -> dict[Any, dict]:
    """Read previous versions of records, keyed by the table's primary id."""
    primary = table.primary_id_attribute
    return {entry.record.get(primary): entry.record for entry in iter_record_file(path, table)
            if isinstance(entry.record, dict)}
