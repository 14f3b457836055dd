"""Validation on Apache Spark: Dataverse records checked where the data lake is.

``validate(df, table)`` gives a DataFrame of findings, ``split(df, table)`` the valid rows and the
rejected rows with their findings, and ``validate_lines(text_df, table)`` checks JSON lines read
with ``spark.read.text`` through the compiled screen, as ``dvschema validate`` does on one machine.

Every function is one ``mapInArrow`` over the DataFrame: each Python worker rebuilds the
:class:`~dvschema.validation.validator.Validator` once from its constructor arguments (the table
and the catalog travel as their JSON) and keeps it for every later batch and task, never per row.
Typed values become the Web API's JSON forms first (:mod:`dvschema.validation.arrowvalues`).

Positions: a finding carries the file (a DataFrame read from files: Spark's ``_metadata``), the
line (``validate_lines``) and the record index within that file, numbered as the CLI numbers them,
and the record's id (a column named with ``key``, else the table's primary id column when the
DataFrame has it). Workers number the rows of each file block they see and, after a partition's
findings, add one row per block with its counts of rows and records; a window over the findings
of each file turns the counts of the blocks before a finding into its offset. So the input is read
once, and only the findings and one row per block are exchanged (``index=False`` skips the window
and leaves ``line`` and ``record`` null).

pyspark and pyarrow (the ``dvschema[spark]`` extra) are imported when a function is called.
"""

from __future__ import annotations

import gc
import hashlib
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from dvschema.metaschema.model import Catalog, Table
from dvschema.validation.model import SEVERITY_RANK, Violation, rejects
from dvschema.validation.validator import Validator

_FILE, _BLOCK, _ROW, _RECORD = "_dv_file", "_dv_block", "_dv_row", "_dv_record"
#: a block's counts, in the one row per block a worker adds after its findings (null in a finding's row)
_BLOCK_ROWS, _BLOCK_RECORDS = "_dv_block_rows", "_dv_block_records"
_FINDINGS, _REJECTED = "findings", "_dv_rejected"
_VALIDATORS: dict[str, Validator] = {}


def _require_spark() -> tuple[Any, Any]:
    """pyspark.sql.functions and pyarrow, or an ImportError that says what to install."""
    try:
        import pyarrow
        from pyspark.sql import functions
    except ImportError as error:
        missing = (error.name or "pyspark").partition(".")[0]
        raise ImportError(f"dvschema.spark needs pyspark and pyarrow ({missing} is missing): "
                          "pip install 'dvschema[spark]'") from None
    return functions, pyarrow


def finding_columns() -> dict[str, int]:
    """The columns a finding contributes to a row after its place (file, line, record), named as in the
    JSON report (``Violation.to_dict``: ``column``, ``key``, ``path``, ``value``, ``rule``, ...), each with
    the position of the Violation field it holds (read once from ``to_dict`` itself)."""
    probe = Violation.from_fields(tuple(range(len(Violation._fields))))
    return {name: position for name, position in probe.to_dict().items() if name not in ("file", "line", "record")}


@dataclass(frozen=True)
class ValidatorSpec:
    """A validator's constructor arguments as they travel to the workers: table and catalog as JSON."""

    table_json: str
    operation: str = "create"
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severities: tuple[tuple[str, str], ...] | None = None
    required_severities: tuple[tuple[str, str], ...] | None = None
    catalog_json: str | None = None

    @property
    def cache_key(self) -> str:
        """What identifies the validator in a worker's cache."""
        return hashlib.sha256(repr(self).encode()).hexdigest()

    def build(self) -> Validator:
        """Build the validator (raises ValueError for a bad operation, rule or severity)."""
        return Validator(Table.model_validate_json(self.table_json), self.operation, select=self.select,
                         ignore=self.ignore, severities=dict(self.severities) if self.severities else None,
                         required_severities=dict(self.required_severities) if self.required_severities else None,
                         catalog=Catalog.model_validate_json(self.catalog_json) if self.catalog_json else None)


def worker_validator(spec: ValidatorSpec, key: str) -> Validator:
    """The validator of ``spec`` in this process: built on the first call, then reused (Spark keeps
    its Python workers for later tasks). In a Spark worker, the objects alive then are frozen out of
    the cyclic garbage collector (see :func:`_freeze_worker_objects`)."""
    validator = _VALIDATORS.get(key)
    if validator is None:
        validator = _VALIDATORS[key] = spec.build()
        _freeze_worker_objects()
    return validator


def _freeze_worker_objects() -> None:
    """``gc.freeze()`` in a Spark Python worker. The worker holds pyspark's, pyarrow's and pandas'
    objects (and the validator's) for its whole life, and pyspark's daemon runs a full ``gc.collect()``
    after every task, which walked them all again: in a mapInArrow that does nothing, freezing took the
    worker from 1.4 to 0.3 CPU seconds per million lines. Frozen objects are skipped, and they were never
    garbage; what a task makes is still collected. Outside a Spark task (a test, a driver) nothing is frozen."""
    from pyspark import TaskContext

    if TaskContext.get() is not None:
        gc.freeze()


def _spec(table: Table | str | Path, operation: str, select: Iterable[str] | None, ignore: Iterable[str] | None,
          severities: dict[str, str] | None, required_severities: dict[str, str] | None,
          catalog: Catalog | None) -> tuple[ValidatorSpec, Validator]:
    """The spec, checked by building its validator here once: a bad argument fails before any job."""
    from dvschema.metaschema import dump_json

    if not isinstance(table, Table):
        from dvschema.parsers import parse_file

        table = parse_file(Path(table)).table
    spec = ValidatorSpec(dump_json(table, indent=False), operation, tuple(select) if select is not None else None,
                         tuple(ignore) if ignore is not None else None,
                         tuple(sorted(severities.items())) if severities else None,
                         tuple(sorted(required_severities.items())) if required_severities else None,
                         dump_json(catalog, indent=False) if catalog is not None else None)
    return spec, spec.build()


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _positional_names(df: Any) -> list[str]:
    """``df``'s columns named by position: Spark's mapInArrow resolves each column by name, and a Web
    API name such as ``x@odata.bind`` reads as a nested field there."""
    return [f"_c{position}" for position in range(len(df.columns))]


#: logical plan nodes that keep a file read's rows in their order: a read with columns selected or added, a hint,
#: a limit (a prefix); with them a block's rows are its lines. (A Repartition without a shuffle, a coalesce, too.)
_ROW_KEEPING_NODES = frozenset({"LogicalRelation", "Project", "SubqueryAlias", "ResolvedHint", "GlobalLimit",
                                "LocalLimit"})


def _rows_as_read(df: Any) -> bool:
    """Whether ``df``'s rows are its files' rows in their order, so that counting a block's rows numbers
    its lines and records. False after a filter, a shuffle, a sort, a sample, ...; True where the plan
    cannot be read (Spark Connect has no JVM plan here)."""
    from py4j.protocol import Py4JError

    try:
        pending = [df._jdf.queryExecution().analyzed()]
    except (AttributeError, Py4JError):
        return True
    while pending:
        node = pending.pop()
        name = node.nodeName()
        if name not in _ROW_KEEPING_NODES and not (name == "Repartition" and not node.shuffle()):
            return False
        children = node.children()
        pending.extend(children.apply(position) for position in range(children.size()))
    return True


def _with_blocks(df: Any, functions: Any) -> tuple[Any, bool]:
    """``df`` with its columns named by position, and the file and the file block of each row
    (``_metadata`` of a file source) or, for a DataFrame not read from files, no file and the
    Spark partition; and whether rows can be placed (numbered as the file or the DataFrame holds them):
    not when the rows of a file read were filtered or moved since."""
    from pyspark.errors import AnalysisException

    names = _positional_names(df) + [_FILE, _BLOCK]
    if df.inputFiles():
        try:
            return (df.select("*", functions.col("_metadata.file_path"),
                              functions.col("_metadata.file_block_start")).toDF(*names), _rows_as_read(df))
        except AnalysisException:
            pass  # read from files, but transformed since (a union): numbered by partition, as below
    return df.select("*", functions.lit(""), functions.spark_partition_id().cast("long")).toDF(*names), True


def _runs(batch: Any) -> Iterator[tuple[int, int, str, int]]:
    """The runs of rows of one file block in a batch: (offset, length, file, block). A block's rows
    are contiguous in a partition, so a batch whose first and last rows share a block is one run."""
    files, blocks = batch.column(_FILE), batch.column(_BLOCK)
    count = batch.num_rows
    if count == 0:
        return
    if files[0] == files[count - 1] and blocks[0] == blocks[count - 1]:
        yield 0, count, files[0].as_py(), blocks[0].as_py()
        return
    keys = list(zip(files.to_pylist(), blocks.to_pylist()))
    start = 0
    for position in range(1, count + 1):
        if position == count or keys[position] != keys[start]:
            yield start, position - start, *keys[start]
            start = position


class _Findings:
    """Findings rows of one worker's partition, built column by column into Arrow batches, and the
    counts of rows and records of each file block the partition held."""

    def __init__(self, pyarrow: Any):
        self.pyarrow = pyarrow
        columns = finding_columns()
        self.names = [name for name, _ in _raw_columns()]
        self.types = [pyarrow.int64() if kind == "long" else pyarrow.string() for _, kind in _raw_columns()]
        self.fields = operator.itemgetter(*columns.values())  # a Violation's fields in the order of the columns
        self.rows: list[tuple] = []
        #: (file, block) -> [rows, records] seen so far; a block's rows come in order, in one partition
        self.counts: dict[tuple[str, int], list[int]] = {}
        self._no_counts = (None, None)
        self._no_finding = (None,) * (3 + len(columns))

    def seen(self, file: str, block: int) -> list[int]:
        """The counts [rows, records] of the block so far: the first row and record of the next part."""
        return self.counts.setdefault((file, block), [0, 0])

    def add(self, file: str, block: int, row: int, record: int, record_id: str | None,
            violations: list[Violation]) -> None:
        """One row per finding of one record."""
        place, fields, no_counts = (file, block, row, record, record_id), self.fields, self._no_counts
        self.rows.extend(place + fields(violation) + no_counts for violation in violations)

    def batch(self) -> Any:
        """The rows so far as one Arrow batch (then empty again)."""
        columns = list(zip(*self.rows)) if self.rows else [()] * len(self.names)
        self.rows = []
        arrays = [self.pyarrow.array(values, type=kind) for values, kind in zip(columns, self.types)]
        return self.pyarrow.RecordBatch.from_arrays(arrays, names=self.names)

    def last_batch(self) -> Any:
        """The rows so far and one row per block with its counts, as the partition's last batch."""
        self.rows.extend((file, block) + self._no_finding + (rows, records)
                         for (file, block), (rows, records) in self.counts.items())
        self.counts = {}
        return self.batch()


def _raw_columns() -> list[tuple[str, str]]:
    """The columns of the workers' rows, with their Spark types: the place, the finding's fields, and a
    block's counts (null in a finding's row)."""
    return ([(_FILE, "string"), (_BLOCK, "long"), (_ROW, "long"), (_RECORD, "long"), ("id", "string")]
            + [(name, "string") for name in finding_columns()] + [(_BLOCK_ROWS, "long"), (_BLOCK_RECORDS, "long")])


def _raw_schema() -> str:
    return ", ".join(f"{_quoted(name)} {kind}" for name, kind in _raw_columns())


def _record_id(value: Any) -> str | None:
    from dvschema.validation.jsonvalues import shown_value

    return None if value is None else shown_value(value)


def _typed_findings(spec: ValidatorSpec, key: str, fields: list[tuple[int, str]], id_position: int | None,
                    ignore_nulls: bool) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow

        from dvschema.validation.arrowvalues import batch_converters, column_values

        validator = worker_validator(spec, key)
        findings = _Findings(pyarrow)
        converters = None
        for batch in batches:
            if converters is None:
                converters = batch_converters(batch.schema)
            for start, length, file, block in _runs(batch):
                part = batch.slice(start, length)
                seen = findings.seen(file, block)
                before = seen[0]
                ids = column_values(part.column(id_position), converters[id_position]) \
                    if id_position is not None else None
                for offset, record in enumerate(_records(part, converters, fields, ignore_nulls)):
                    violations = validator.validate(record)
                    if violations:
                        findings.add(file, block, before + offset, before + offset,
                                     _record_id(ids[offset]) if ids is not None else None, violations)
                seen[0] = seen[1] = before + length
            yield findings.batch()
        yield findings.last_batch()

    return run


def _records(batch: Any, converters: list[Any], fields: list[tuple[int, str]], ignore_nulls: bool
             ) -> Iterator[dict]:
    from dvschema.validation.arrowvalues import batch_records

    records = batch_records(batch, converters, fields)
    if not ignore_nulls:
        return records
    return ({key: value for key, value in record.items() if value is not None} for record in records)


def _line_findings(spec: ValidatorSpec, key: str, text: str, primary: str
                   ) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The worker function of validate_lines; ``text`` is the column's name, for messages (its
    values are the batch's first column)."""
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import orjson
        import pyarrow
        import pyarrow.compute as compute

        from dvschema.validation.readers import jsonl_line_error
        from dvschema.validation.run import check_block

        validator = worker_validator(spec, key)
        findings = _Findings(pyarrow)
        quoted_primary = orjson.dumps(primary)
        for batch in batches:
            for start, length, file, block in _runs(batch):
                lines = batch.column(0).slice(start, length).cast(pyarrow.binary())
                if lines.null_count:
                    lines = compute.fill_null(lines, b"")
                seen = findings.seen(file, block)
                rows, records = seen
                # One buffer of newline-separated lines, joined in C: the screen scans it as it scans a file.
                data = compute.binary_join(pyarrow.ListArray.from_arrays(pyarrow.array([0, length], pyarrow.int32()),
                                                                         lines), b"\n")[0].as_py()
                result = check_block(validator, data, 0, len(data), SEVERITY_RANK["info"])
                # The buffer's last line is not counted when it is empty: more lines mean a value held a
                # newline (a DataFrame not from spark.read.text), and the numbering would be wrong.
                if (result.lines + (not lines[length - 1].as_py()) != length if result.bad_line is None
                        else data.count(b"\n") != length - 1):
                    raise ValueError(f"{file or 'the DataFrame'}: a value of column {text!r} holds a newline; "
                                     "expected one JSON line per row (spark.read.text)")
                for finding in result.findings:
                    record_id = None
                    if data.find(quoted_primary, finding.start, finding.end) >= 0:  # most records (creates) have none
                        record = orjson.loads(data[finding.start:finding.end])
                        record_id = _record_id(record.get(primary)) if type(record) is dict else None
                    findings.add(file, block, rows + finding.line, records + finding.index, record_id,
                                 finding.violations)
                if result.bad_line is not None:
                    number, line, reason = result.bad_line
                    number += rows + 1
                    exact = bool(file) and block == 0  # the line number in the file; else within a part
                    message = jsonl_line_error(file or "the DataFrame", number if exact else None, line,
                                               reason).diagnostic.render()
                    if not exact:
                        message += (f" (line {number} of the part of the file from byte {block})" if file
                                    else f" (row {number} of partition {block})")
                    raise ValueError(message)
                seen[0], seen[1] = rows + length, records + result.records
            yield findings.batch()
        yield findings.last_batch()

    return run


def _placed_findings(raw: Any, functions: Any, index: bool, lines: bool) -> Any:
    """The findings with their file, line (``lines``: rows are lines, else null) and record index: a
    block's offset is the sum of the rows (and records) of the blocks before it in its file, from the
    workers' rows of block counts."""
    from pyspark.sql import Window

    fields = [functions.col(_quoted(name)) for name in finding_columns()]
    file = functions.when(functions.col(_FILE) == "", None).otherwise(functions.col(_FILE)).alias("file")
    null = functions.lit(None).cast("long")
    if not index:
        return raw.filter(functions.col(_BLOCK_ROWS).isNull()).select(file, null.alias("line"), null.alias("record"),
                                                                       "id", *fields)
    # Blocks start at distinct byte offsets (or are distinct partitions): a range of the blocks up to the
    # one before is every row of the earlier blocks, whose count rows hold their counts.
    before = Window.partitionBy(_FILE).orderBy(_BLOCK).rangeBetween(Window.unboundedPreceding, -1)
    zero = functions.lit(0)
    earlier = {"rec0": _BLOCK_RECORDS, **({"row0": _BLOCK_ROWS} if lines else {})}
    offsets = raw.select("*", *(functions.coalesce(functions.sum(count).over(before), zero).alias(name)
                                for name, count in earlier.items()))
    line = functions.col("row0") + functions.col(_ROW) + 1 if lines else null
    return offsets.filter(functions.col(_BLOCK_ROWS).isNull()).select(
        file, line.alias("line"), (functions.col("rec0") + functions.col(_RECORD)).alias("record"), "id", *fields)


def _id_position(df: Any, table: Table, key: str | None) -> int | None:
    if key is not None:
        if key not in df.columns:
            raise ValueError(f"key column {key!r} is not in the DataFrame (columns: {', '.join(df.columns)})")
        return df.columns.index(key)
    primary = table.primary_id_attribute
    return df.columns.index(primary) if primary in df.columns else None


def _record_fields(df: Any, validator: Validator, key: str | None) -> list[tuple[int, str]]:
    """The columns that make a record, by position: all of them but a ``key`` column that is no
    column of the table."""
    return [(position, name) for position, name in enumerate(df.columns) if name != key or name in validator.facts]


def validate(df: Any, table: Table | str | Path, operation: str = "create", *, select: Iterable[str] | None = None,
             ignore: Iterable[str] | None = None, severities: dict[str, str] | None = None,
             required_severities: dict[str, str] | None = None, catalog: Catalog | None = None,
             key: str | None = None, index: bool = True, ignore_nulls: bool = False) -> Any:
    """A DataFrame of the findings of ``df``'s rows, each row a record of ``table`` (a Table or the path
    of its reference page): one row per finding with ``file``, ``line`` (null: rows have no lines),
    ``record`` (the row's index in its file, or in the DataFrame), ``id`` (the ``key`` column's value,
    else the primary id's, as JSON text) and the finding's fields as the JSON report names them
    (``column``, ``key``, ``path``, ``value``, ``rule``, ``code``, ``severity``, ``message``, ...), the
    same as ``Validator.iter_violations`` gives. When the rows of a file read were filtered, shuffled or
    sorted before (anything but selecting columns, a limit or a coalesce), they cannot be numbered as
    the file holds them: ``record`` is null, and the file is still given.

    A null cell is a JSON null (the key is there, as for an empty CSV cell: an update clears the
    column); ``ignore_nulls=True`` leaves the key out instead, as a sink that ignores null values
    (Azure Data Factory's "Ignore null values") sends it. The other arguments are
    :class:`~dvschema.validation.validator.Validator`'s. Lazy, as any DataFrame.
    """
    functions, _ = _require_spark()
    spec, validator = _spec(table, operation, select, ignore, severities, required_severities, catalog)
    id_position = _id_position(df, validator.table, key)
    blocks, placeable = _with_blocks(df, functions)
    raw = blocks.mapInArrow(_typed_findings(spec, spec.cache_key, _record_fields(df, validator, key), id_position,
                                            ignore_nulls),
                            _raw_schema())
    return _placed_findings(raw, functions, index and placeable, lines=False)


def validate_lines(df: Any, table: Table | str | Path, operation: str = "create", *, column: str = "value",
                   select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                   severities: dict[str, str] | None = None, required_severities: dict[str, str] | None = None,
                   catalog: Catalog | None = None, index: bool = True) -> Any:
    """A DataFrame of the findings of JSON lines: ``df`` has one line per row in ``column`` (what
    ``spark.read.text`` gives). The fast path: lines are scanned by the compiled screen as
    ``dvschema validate`` scans a JSONL file, and only the lines it cannot vouch for are parsed.
    Findings are those of the CLI on the same file: ``file``, ``line``, ``record`` (blank lines are
    no records), ``id`` (the primary id of the record, when it has one) and the finding's fields.
    A line that is not JSON fails the job with the CLI's located message. Lines filtered, shuffled or
    sorted after the read cannot be numbered as the file holds them: ``line`` and ``record`` are null.
    """
    functions, _ = _require_spark()
    spec, validator = _spec(table, operation, select, ignore, severities, required_severities, catalog)
    if column not in df.columns:
        raise ValueError(f"no column {column!r} in the DataFrame (columns: {', '.join(df.columns)})")
    blocks, placeable = _with_blocks(df.select(functions.col(_quoted(column))), functions)
    raw = blocks.mapInArrow(_line_findings(spec, spec.cache_key, column, validator.table.primary_id_attribute),
                            _raw_schema())
    return _placed_findings(raw, functions, index and placeable, lines=True)


def _split_rows(spec: ValidatorSpec, key: str, fields: list[tuple[int, str]], width: int, threshold: int,
                ignore_nulls: bool) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow

        from dvschema.validation.arrowvalues import batch_converters

        validator = worker_validator(spec, key)
        columns = finding_columns()
        finding_type = pyarrow.list_(pyarrow.struct([(name, pyarrow.string()) for name in columns]))
        converters = None
        for batch in batches:
            if converters is None:
                converters = batch_converters(batch.schema)
            found, rejected = [], []
            for record in _records(batch, converters, fields, ignore_nulls):
                violations = validator.validate(record)
                found.append([{name: violation[position] for name, position in columns.items()}
                              for violation in violations])
                rejected.append(rejects(violations, threshold))
            arrays = [batch.column(i) for i in range(width)]
            arrays += [pyarrow.array(found, type=finding_type), pyarrow.array(rejected, type=pyarrow.bool_())]
            yield pyarrow.RecordBatch.from_arrays(arrays, names=[*batch.schema.names[:width], _FINDINGS, _REJECTED])

    return run


def split(df: Any, table: Table | str | Path, operation: str = "create", *, fail_on: str = "error",
          select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
          severities: dict[str, str] | None = None, required_severities: dict[str, str] | None = None,
          catalog: Catalog | None = None, key: str | None = None, ignore_nulls: bool = False) -> tuple[Any, Any]:
    """``(valid_df, rejected_df)``: the rows without a finding at or above ``fail_on`` (as ``--fail-on``),
    and the others with a ``findings`` column (an array of the findings' fields). Every row lands in
    exactly one of them. ``key`` and ``ignore_nulls`` are :func:`validate`'s. The two are filters of
    one lazily checked DataFrame, so writing both checks the rows twice: persist ``df`` first when
    that costs more than caching it (or when its source is not deterministic).
    """
    functions, _ = _require_spark()
    from pyspark.sql.types import ArrayType, BooleanType, StringType, StructField, StructType

    if fail_on not in SEVERITY_RANK:
        raise ValueError(f"fail_on must be one of {', '.join(SEVERITY_RANK)}, not {fail_on!r}")
    if _FINDINGS in df.columns:
        raise ValueError(f"the DataFrame has a column {_FINDINGS!r} already; rename it before split")
    spec, validator = _spec(table, operation, select, ignore, severities, required_severities, catalog)
    finding = StructType([StructField(name, StringType()) for name in finding_columns()])
    columns = [StructField(name, field.dataType, field.nullable)
               for name, field in zip(_positional_names(df), df.schema.fields)]
    schema = StructType(columns + [StructField(_FINDINGS, ArrayType(finding, False)),
                                   StructField(_REJECTED, BooleanType())])
    checked = df.toDF(*_positional_names(df)).mapInArrow(_split_rows(spec, spec.cache_key, _record_fields(df, validator, key),
                                                     len(df.columns), SEVERITY_RANK[fail_on], ignore_nulls),
                                         schema)
    checked = checked.toDF(*df.columns, _FINDINGS, _REJECTED)
    valid = checked.filter(~functions.col(_REJECTED)).drop(_FINDINGS, _REJECTED)
    return valid, checked.filter(functions.col(_REJECTED)).drop(_REJECTED)
