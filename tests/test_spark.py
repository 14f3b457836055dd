"""dvschema.spark on a real local Spark (local[2]): the same findings as the CLI, row for row.

One Spark session serves the whole module (starting one takes seconds). The module is skipped only
when pyspark is not installed; ``.ci/run`` installs it (``.[test,spark]``), so CI runs it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from decimal import Decimal

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]'; .ci/run installs it)")
pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[spark]')")

from conftest import FIXTURES, ROOT, SEED_BOTSESSION, SEEDS, parsed  # noqa: E402

RECORDS = FIXTURES / "records"
SEED_OF = {"msdyn_botsession": SEED_BOTSESSION, "msdyn_sessionevent": SEEDS / "001_f5dc07776c538126.txt",
           "msdyn_copilotinteraction": SEEDS / "002_48bf6d517ae19c73.txt",
           "msdynmkt_journeyrunsession": SEEDS / "003_b46588e9ea878d12.txt",
           "msdyn_liveconversation": SEEDS / "004_25187856fee8e0ca.txt"}
DISCOUNT = FIXTURES / "corpus/new/discount.md"
FINDING_FIELDS = ("column", "key", "path", "value", "rule", "code", "severity", "message", "server_error")


@pytest.fixture(scope="module")
def spark():
    """One local Spark session for the module; its session time zone is not UTC on purpose."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("dvschema-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "America/New_York")
               .config("spark.sql.adaptive.enabled", "false")  # tiny queries: no re-planning between stages
               .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")  # short jobs: quick JIT
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _record_files(table_name: str) -> dict[str, list]:
    """The table's fixture JSONL files by operation: *.update.jsonl are updates, the others creates."""
    files = sorted(RECORDS.glob(f"{table_name}.*.jsonl"))
    groups = {"create": [f for f in files if ".update." not in f.name],
              "update": [f for f in files if ".update." in f.name]}
    return {operation: group for operation, group in groups.items() if group}


def _cli_findings(schema, files, operation: str) -> list[dict]:
    """The findings of ``dvschema validate --format json`` (run in this process)."""
    from click.testing import CliRunner

    from dvschema.cli import main

    result = CliRunner().invoke(main, ["validate", "-q", "--schema", str(schema), "--format", "json", "--operation",
                                       operation, "--fail-on", "none", *map(str, files)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["findings"]


def _keyed(rows: list[dict], place) -> list[tuple]:
    return sorted((place(row), *(row[name] for name in FINDING_FIELDS)) for row in rows)


CASES = [(name, operation) for name in SEED_OF for operation in _record_files(name)]
CASE_IDS = [f"{name}-{operation}" for name, operation in CASES]


def _spark_type(values: list):
    """The Spark type for one key's JSON values across a group of records (all of one JSON type)."""
    from pyspark.sql import types

    value = next((v for v in values if v is not None), None)
    if isinstance(value, bool):
        return types.BooleanType()
    if isinstance(value, int):
        return types.LongType()
    if isinstance(value, Decimal):
        return types.DecimalType(38, max(-v.as_tuple().exponent for v in values if v is not None))
    if isinstance(value, list):
        return types.ArrayType(_spark_type([item for v in values if v for item in v]))
    return types.StringType()


def _signature(record: dict) -> tuple:
    def kind(value):
        return (type(value).__name__, tuple(sorted({type(item).__name__ for item in value}))) \
            if isinstance(value, list) else type(value).__name__

    return tuple((key, kind(value)) for key, value in record.items())


def _typed_frames(spark, records: list[tuple[str, dict]]):
    """Records as typed DataFrames, one per shape (keys and JSON types), each row keyed by its place."""
    from pyspark.sql import types

    groups: dict[tuple, list[tuple[str, dict]]] = {}
    for place, record in records:
        groups.setdefault(_signature(record), []).append((place, record))
    for group in groups.values():
        keys = list(group[0][1])
        schema = types.StructType([types.StructField("place", types.StringType())] + [
            types.StructField(key, _spark_type([record[key] for _, record in group])) for key in keys])
        yield spark.createDataFrame([(place, *record.values()) for place, record in group], schema).coalesce(1)


@pytest.fixture(scope="module")
def fixture_runs(spark):
    """For every seed table and operation: the CLI's findings on its fixture files, and dvschema.spark's
    on the same records, as JSON lines (validate_lines) and as typed DataFrames (validate). All Spark
    findings come from two jobs (one per function), each the union of every case's findings."""
    from functools import reduce

    from pyspark.sql import functions

    from dvschema.spark import validate, validate_lines
    from dvschema.validation.jsonvalues import loads_exact

    runs, lines, typed = {}, [], []
    for number, (table_name, operation) in enumerate(CASES):
        files = _record_files(table_name)[operation]
        runs[number] = {"cli": _cli_findings(SEED_OF[table_name], files, operation), "lines": [], "typed": []}
        table = parsed(SEED_OF[table_name]).table
        text = spark.read.text([str(path) for path in files])
        lines.append(validate_lines(text, table, operation).withColumn("case", functions.lit(number)))
        records = [(f"{path.name}#{index}", loads_exact(line)) for path in files
                   for index, line in enumerate(line for line in path.read_bytes().splitlines() if line.strip())]
        typed += [validate(frame, table, operation, key="place", index=False).withColumn("case", functions.lit(number))
                  for frame in _typed_frames(spark, records)]
    for name, frames in (("lines", lines), ("typed", typed)):
        for row in reduce(lambda a, b: a.unionByName(b), frames).collect():
            runs[row.case][name].append(row.asDict())
    return runs


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_validate_lines_gives_the_cli_findings(fixture_runs, case):
    expected, found = fixture_runs[case]["cli"], fixture_runs[case]["lines"]
    assert len(found) == len(expected) > 0
    # The same file, line and record index as the CLI, and the same finding, field by field.
    place = lambda row: (row["file"].rsplit("/", 1)[-1], row["line"], row["record"])  # noqa: E731
    assert _keyed(found, place) == _keyed(expected, place)


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASE_IDS)
def test_validate_of_typed_frames_gives_the_cli_findings(fixture_runs, case):
    """Each record in a DataFrame typed after its own JSON values (a column holds one type, so records
    of other shapes go into other frames); ``key`` names the column that says where it came from."""
    expected, found = fixture_runs[case]["cli"], fixture_runs[case]["typed"]
    assert all(row["line"] is None and row["record"] is None for row in found)
    assert _keyed(found, lambda row: row["id"]) == \
        _keyed(expected, lambda row: f"{row['file'].rsplit('/', 1)[-1]}#{row['record']}")


def test_fixture_findings_include_known_ones(fixture_runs):
    """A few findings of the fixture files, stated exactly (the CLI's own tests state the rest)."""
    case = CASES.index(("msdyn_liveconversation", "create"))
    lines = {(row["file"].rsplit("/", 1)[-1], row["line"], row["record"], row["code"], row["column"], row["key"])
             for row in fixture_runs[case]["lines"]}
    assert ("msdyn_liveconversation.invalid.jsonl", 2, 1, "DV102", "msdyn_subject", "msdyn_subject") in lines
    assert ("msdyn_liveconversation.invalid.jsonl", 9, 8, "DV111", None, "msdyn_subjet") in lines
    typed = {(row["id"], row["code"], row["value"]) for row in fixture_runs[case]["typed"]}
    assert ("msdyn_liveconversation.invalid.jsonl#4", "DV105", "[192360000,192360000]") in typed


def test_split_keeps_every_record_exactly_once(spark):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from validate_bench import make_records

    from dvschema import Validator
    from dvschema.spark import split

    table = parsed(SEED_BOTSESSION).table
    records = [record for record in make_records(3000, 11) if not isinstance(record.get("msdyn_csatscore"), str)]
    keys = sorted({key for record in records for key in record})
    rows = [{"n": number, **{key: record.get(key) for key in keys}} for number, record in enumerate(records)]
    frame = spark.createDataFrame(rows).repartition(3)
    valid, rejected = split(frame, table, key="n")
    valid_keys = [row.n for row in valid.select("n").collect()]
    rejected_rows = {row.n: row.findings for row in rejected.select("n", "findings").collect()}
    assert sorted(valid_keys + list(rejected_rows)) == list(range(len(records)))
    assert valid.columns == frame.columns and rejected.columns == [*frame.columns, "findings"]
    validator = Validator(table)
    expected = {number: validator.validate({key: record.get(key) for key in keys})
                for number, record in enumerate(records)}
    expected_rejected = {n for n, violations in expected.items() if any(v.severity == "error" for v in violations)}
    assert set(rejected_rows) == expected_rejected and 200 < len(expected_rejected) < 400
    for number, findings in rejected_rows.items():
        assert [(f.rule, f.column, f.message) for f in findings] == \
            [(v.rule, v.column, v.message) for v in expected[number]]


def _typed_records():
    """msdyn_liveconversation and discount records with timestamps, dates, choice arrays and decimals,
    as Python values (for Spark) and as the Web API's JSON (for the CLI)."""
    utc = dt.timezone.utc
    guid = "00000000-0000-0000-0000-{:012d}"
    conversations = [
        {"msdyn_liveconversationid": guid.format(1), "msdyn_subject": "ok",
         "msdyn_startedon": dt.datetime(2024, 5, 1, 10, 0, tzinfo=utc), "overriddencreatedon": dt.date(2024, 5, 1),
         "msdyn_channel": [192360000, 192370000]},
        {"msdyn_liveconversationid": guid.format(2), "msdyn_subject": "old",
         "msdyn_startedon": dt.datetime(1700, 1, 1, 0, 0, tzinfo=utc), "overriddencreatedon": dt.date(1700, 1, 1),
         "msdyn_channel": [192360000, 192360000]},
        {"msdyn_liveconversationid": guid.format(3), "msdyn_subject": None,
         "msdyn_startedon": dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=2))),
         "overriddencreatedon": None, "msdyn_channel": [1]},
    ]
    discounts = [
        {"discountid": guid.format(11), "name": "ok", "highquantity": Decimal("10.5"),
         "lowquantity": Decimal("1.00001"), "percentage": Decimal("12.5")},
        {"discountid": guid.format(12), "name": "precise", "highquantity": Decimal("10.123456"),
         "lowquantity": Decimal("0"), "percentage": Decimal("1000000000.5")},
    ]
    return {"msdyn_liveconversation": (SEED_OF["msdyn_liveconversation"], conversations),
            "discount": (DISCOUNT, discounts)}


def _web_api_json(record: dict) -> dict:
    def value(item):
        if isinstance(item, dt.datetime):
            return item.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(item, dt.date):
            return item.isoformat()
        return item

    return {key: value(item) for key, item in record.items()}


@pytest.fixture(scope="module")
def typed_runs(spark, tmp_path_factory):
    """For each typed table: findings of the records as a typed DataFrame written to Parquet and read
    back (validate), as JSON lines (validate_lines), and the CLI's on the JSON lines and on the Parquet file."""
    from pyspark.sql import types

    from dvschema.spark import validate, validate_lines
    from dvschema.validation.jsonvalues import dumps_record

    runs = {}
    for table_name, (schema_path, records) in _typed_records().items():
        folder = tmp_path_factory.mktemp(table_name)
        spark_types = {str: types.StringType(), dt.datetime: types.TimestampType(), dt.date: types.DateType(),
                       Decimal: types.DecimalType(18, 6), list: types.ArrayType(types.IntegerType())}
        schema = types.StructType([types.StructField(key, spark_types[type(value)])
                                   for key, value in records[0].items()])
        spark.createDataFrame([tuple(record.values()) for record in records], schema) \
            .coalesce(1).write.parquet(str(folder / "export"))
        exported = spark.read.parquet(str(folder / "export"))
        assert [field.dataType for field in exported.schema.fields] == [field.dataType for field in schema.fields]
        jsonl = folder / f"{table_name}.jsonl"
        jsonl.write_bytes(b"".join(dumps_record(_web_api_json(record)) + b"\n" for record in records))
        runs[table_name] = {
            "records": records,
            "json": _cli_findings(schema_path, [jsonl], "create"),
            "parquet": _cli_findings(schema_path, [next((folder / "export").glob("*.parquet"))], "create"),
            "validate": [row.asDict() for row in validate(exported, schema_path).collect()],
            "lines": [row.asDict() for row in validate_lines(spark.read.text(str(jsonl)), schema_path).collect()]}
    return runs


@pytest.mark.parametrize("table_name", ["msdyn_liveconversation", "discount"])
def test_parquet_typed_frames_give_the_findings_of_the_same_records_as_json(typed_runs, table_name):
    run = typed_runs[table_name]
    records = run["records"]
    primary = next(iter(records[0]))
    expected = run["json"]
    assert len(expected) >= 4
    # Keyed by record index and id: the typed rows in their Parquet file, the JSON records in theirs.
    assert _keyed(run["validate"], lambda row: (row["record"], row["id"])) == \
        _keyed(expected, lambda row: (row["record"], records[row["record"]][primary]))
    assert _keyed(run["lines"], lambda row: (row["line"], row["id"])) == \
        _keyed(expected, lambda row: (row["line"], records[row["record"]][primary]))
    # The CLI on the Parquet part file itself: the same findings, by record index, and no lines.
    assert _keyed(run["parquet"], lambda row: (row["record"], row["line"])) == \
        _keyed(expected, lambda row: (row["record"], None))


def test_typed_values_reach_the_rules_in_web_api_form(typed_runs):
    by_record = {}
    for row in typed_runs["msdyn_liveconversation"]["validate"]:
        by_record.setdefault(row["record"], []).append((row["code"], row["column"], row["value"]))
    assert ("DV108", "msdyn_startedon", "1700-01-01T00:00:00Z") in by_record[1]
    assert ("DV108", "overriddencreatedon", "1700-01-01") in by_record[1]
    assert ("DV105", "msdyn_channel", "[192360000,192360000]") in by_record[1]
    assert ("DV105", "msdyn_channel", "[1]") in by_record[2]
    assert not any(code == "DV108" for code, _, _ in by_record.get(0, []) + by_record[2])
    ids = {row["id"] for row in typed_runs["msdyn_liveconversation"]["validate"] if row["record"] == 2}
    assert ids == {"00000000-0000-0000-0000-000000000003"}


def test_decimals_stay_exact(typed_runs):
    shown = {(row["record"], row["code"], row["column"]): (row["value"], row["message"])
             for row in typed_runs["discount"]["validate"]}
    # decimal(18,6) pads 10.5 to 10.500000: the value sent is 10.5, with no finding
    assert not any(key[0] == 0 and key[1] in ("DV103", "DV104") for key in shown)
    assert shown[(1, "DV104", "highquantity")] == ("10.123456", "10.123456 has 6 decimal places; Precision is 5")
    assert shown[(1, "DV103", "lowquantity")][1] == "0 is below the minimum 0.00001"
    assert shown[(1, "DV103", "percentage")][1] == "1000000000.5 is above the maximum 1000000000"


def test_null_cells_are_null_unless_ignored(spark):
    from dvschema.spark import validate

    table = parsed(SEED_OF["msdyn_liveconversation"]).table
    frame = spark.createDataFrame([("a", None)], "msdyn_liveconversationid string, msdyn_subject string")
    kept = [(row.column, row.message) for row in validate(frame, table, index=False).collect()]
    ignored = [(row.column, row.message) for row in validate(frame, table, index=False, ignore_nulls=True).collect()]
    assert ("msdyn_subject", "ApplicationRequired but null (create)") in kept
    assert ("msdyn_subject", "ApplicationRequired but missing (create)") in ignored


def test_bind_column_names_with_at_and_dots_work(spark):
    from dvschema.spark import split, validate

    table = parsed(SEED_BOTSESSION).table
    frame = spark.createDataFrame([("s", "bots(1)"), ("t", "/bots(00000000-0000-0000-0000-000000000001)")],
                                  ["msdyn_name", "msdyn_botid@odata.bind"])
    rows = validate(frame, table, select=["DV109"]).collect()
    assert [(row.record, row.column, row.key, row.value) for row in rows] == \
        [(0, "msdyn_botid", "msdyn_botid@odata.bind", "bots(1)")]
    valid, rejected = split(frame, table, select=["DV109"])
    assert [row["msdyn_botid@odata.bind"] for row in valid.collect()] == \
        ["/bots(00000000-0000-0000-0000-000000000001)"]
    assert rejected.columns == ["msdyn_name", "msdyn_botid@odata.bind", "findings"]


def test_a_line_that_is_not_json_fails_the_job_with_the_cli_message(spark, tmp_path):
    from pyspark.errors import PythonException

    from dvschema.spark import validate_lines

    path = tmp_path / "bad.jsonl"
    path.write_text('{"msdyn_name": "ok"}\n\n{"msdyn_name": \n')
    with pytest.raises(PythonException, match=r"bad\.jsonl:3: error: not valid JSON"):
        validate_lines(spark.read.text(str(path)), SEED_BOTSESSION).collect()


def test_bad_arguments_fail_before_any_job(spark):
    from dvschema.spark import split, validate

    frame = spark.createDataFrame([("x",)], ["msdyn_name"])
    with pytest.raises(ValueError, match="matches no rule"):
        validate(frame, SEED_BOTSESSION, select=["DV999"])
    with pytest.raises(ValueError, match="key column 'nope' is not in the DataFrame"):
        validate(frame, SEED_BOTSESSION, key="nope")
    with pytest.raises(ValueError, match="fail_on must be one of"):
        split(frame, SEED_BOTSESSION, fail_on="fatal")


def test_readme_at_scale_example_runs(spark, capsys):
    """The README's Spark example, run in this process: its getOrCreate() reuses this module's session."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python spark\n(.+?)\n```", readme, re.S).group(1)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(block, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    output = capsys.readouterr().out.splitlines()
    assert output == [
        "msdyn_botsession.invalid.jsonl 1 DV101 msdyn_name: ApplicationRequired but missing (create)",
        "msdyn_botsession.invalid.jsonl 2 DV102 msdyn_name: 101 characters (UTF-16 units), longer than MaxLength 100",
        "msdyn_botsession.invalid.jsonl 3 DV102 msdyn_name: 101 characters (UTF-16 units), longer than MaxLength 100",
        "msdyn_botsession.invalid.jsonl 4 DV103 msdyn_csatscore: 6 is above the maximum 5",
        "1 [Row(msdyn_name='Session 2', message=['6 is above the maximum 5'])]",
    ]


def test_each_worker_builds_the_validator_once(monkeypatch):
    """The worker function, run here as Spark runs it: three tasks of four batches build one validator."""
    import pyarrow

    from dvschema import spark as dvspark

    spec, _ = dvspark._spec(SEED_BOTSESSION, "create", None, None, None, None, None)
    builds = []
    build = dvspark.ValidatorSpec.build
    monkeypatch.setattr(dvspark.ValidatorSpec, "build", lambda self: builds.append(1) or build(self))
    monkeypatch.setattr(dvspark, "_VALIDATORS", {})
    batch = pyarrow.RecordBatch.from_pydict({"_c0": ["x" * 101, "ok"], "_dv_file": ["", ""], "_dv_block": [0, 0]})
    spec = dvspark.ValidatorSpec(spec.table_json, select=("DV102",))
    run = dvspark._typed_findings(spec, spec.cache_key, [(0, "msdyn_name")], None, False)
    tasks = [list(run(iter([batch] * 4))) for _ in range(3)]
    assert builds == [1]
    findings = tasks[0][3].to_pydict()
    # the fourth batch of a block continues its numbering: rows 6 and 7 of the block
    assert (findings["_dv_row"], findings["_dv_record"], findings["rule"]) == ([6], [6], ["max-length"])
    # after a task's findings, one row per block with its counts: where the next block's numbers start
    counts = tasks[0][4].to_pydict()
    assert (counts["_dv_block"], counts["_dv_block_rows"], counts["_dv_block_records"], counts["rule"]) == \
        ([0], [8], [8], [None])


def test_a_spark_worker_freezes_its_objects_out_of_the_collector_once(monkeypatch):
    """In a Spark task the worker's long-lived objects are frozen when the validator is built (full
    collections walked them again and again); outside a task, nothing is frozen."""
    import gc

    import pyspark

    from dvschema import spark as dvspark

    spec, _ = dvspark._spec(SEED_BOTSESSION, "create", None, None, None, None, None)
    monkeypatch.setattr(dvspark, "_VALIDATORS", {})
    freezes = []
    freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(1) or freeze())
    gc.unfreeze()
    try:
        dvspark.worker_validator(spec, "outside a task")
        assert (freezes, gc.get_freeze_count()) == ([], 0)
        monkeypatch.setattr(pyspark.TaskContext, "get", classmethod(lambda cls: object()))
        dvspark.worker_validator(spec, "in a task")
        assert freezes == [1] and gc.get_freeze_count() > 1000
        dvspark.worker_validator(spec, "in a task")  # reused: not frozen again
        assert freezes == [1]
    finally:
        gc.unfreeze()


def test_lines_of_a_frame_not_read_from_files_are_numbered_in_order(spark):
    from pyspark.errors import PythonException

    from dvschema.spark import validate_lines

    lines = ['{"msdyn_name": "ok"}', "", '{"msdyn_name": "' + "x" * 101 + '"}', '{"msdyn_nmae": "typo"}']
    frame = spark.createDataFrame([(line,) for line in lines], "json string").repartition(1)
    rows = validate_lines(frame, SEED_BOTSESSION, column="json", select=["DV102", "DV111"]).collect()
    assert [(row.file, row.line, row.record, row.code) for row in rows] == [(None, 3, 1, "DV102"), (None, 4, 2, "DV111")]
    pretty = spark.createDataFrame([('{"msdyn_name":\n "ok"}',)], "value string")
    with pytest.raises(PythonException, match="a value of column 'value' holds a newline"):
        validate_lines(pretty, SEED_BOTSESSION).collect()
    broken = spark.createDataFrame([("{}",), ('{"msdyn_name": ',)], "value string").repartition(1)
    with pytest.raises(PythonException, match=r"the DataFrame: error: not valid JSON .* \(row 2 of partition 0\)"):
        validate_lines(broken, SEED_BOTSESSION).collect()


def test_struct_columns_reach_the_rules_as_nested_records(spark):
    from dvschema.spark import validate

    frame = spark.createDataFrame(
        [({"at": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), "n": Decimal("2.50")},)],
        "msdyn_name struct<at: timestamp, n: decimal(5,2)>")
    rows = validate(frame, SEED_BOTSESSION, select=["DV108"]).collect()
    assert [(row.column, row.value) for row in rows] == [("msdyn_name", '{"at":"2024-01-01T00:00:00Z","n":2.5}')]


def test_a_file_split_into_blocks_is_numbered_as_one_file(spark):
    """Spark splits a large file into blocks read by different tasks: lines and records still count from
    the file's start (here with blocks of 1 KB, a file of 15 lines makes several)."""
    from dvschema.spark import validate_lines

    path = RECORDS / "msdyn_botsession.invalid.jsonl"
    spark.conf.set("spark.sql.files.maxPartitionBytes", "1024")
    try:
        text = spark.read.text(str(path))
        blocks = text.select("_metadata.file_block_start").distinct().count()
        found = [row.asDict() for row in validate_lines(text, SEED_BOTSESSION).collect()]
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert blocks >= 3
    place = lambda row: (row["file"].rsplit("/", 1)[-1], row["line"], row["record"])  # noqa: E731
    assert _keyed(found, place) == _keyed(_cli_findings(SEED_BOTSESSION, [path], "create"), place)


def test_rows_filtered_or_moved_after_the_read_are_not_numbered_as_the_file(spark):
    """A filter or a shuffle after spark.read.text leaves rows that are no longer the file's lines in order:
    their findings keep the file but get no line or record (numbering the kept rows put 82 of 88 findings at
    wrong lines); a limit or a coalesce keeps the file's numbering."""
    from pyspark.sql import functions

    from dvschema.spark import validate, validate_lines

    path = RECORDS / "msdyn_botsession.invalid.jsonl"
    text = spark.read.text(str(path))
    place = lambda row: (row["file"].rsplit("/", 1)[-1], row["line"], row["record"])  # noqa: E731
    cli = _keyed(_cli_findings(SEED_BOTSESSION, [path], "create"), place)
    for moved in (text.filter(~functions.col("value").contains("Session 1")), text.repartition(3),
                  text.orderBy("value")):
        found = [row.asDict() for row in validate_lines(moved, SEED_BOTSESSION).collect()]
        assert found and {(row["file"].rsplit("/", 1)[-1], row["line"], row["record"]) for row in found} == \
            {(path.name, None, None)}
    for kept in (text.limit(1000), text.coalesce(1)):
        assert _keyed([row.asDict() for row in validate_lines(kept, SEED_BOTSESSION).collect()], place) == cli
    typed = spark.read.json(str(path))
    assert {row.record for row in validate(typed.filter(functions.col("msdyn_name").isNotNull()),
                                           SEED_BOTSESSION).collect()} == {None}
