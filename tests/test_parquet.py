"""dvschema validate on Parquet files (a lake export): typed values in their Web API form, record indexes."""

from __future__ import annotations

import datetime as dt
import sys
import types
from decimal import Decimal

import orjson
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, SEED_BOTSESSION

from dvschema.cli import main

DISCOUNT = FIXTURES / "corpus/new/discount.md"
LIVECONVERSATION = FIXTURES / "seeds/004_25187856fee8e0ca.txt"


def _write(path, columns: dict, types: dict):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[spark]')")
    import pyarrow.parquet as parquet

    schema = pa.schema([(name, types[name]) for name in columns])
    parquet.write_table(pa.table(columns, schema=schema), path)
    return path


def test_parquet_records_are_checked_by_record_index(tmp_path):
    pa = pytest.importorskip("pyarrow")
    path = _write(tmp_path / "discount.parquet",
                  {"name": ["ok", "precise", None],
                   "highquantity": [Decimal("10.500000"), Decimal("10.123456"), Decimal("1.000000")],
                   "lowquantity": [Decimal("1.000010"), Decimal("0.000000"), Decimal("1.000000")]},
                  {"name": pa.string(), "highquantity": pa.decimal128(18, 6), "lowquantity": pa.decimal128(18, 6)})
    result = CliRunner().invoke(main, ["validate", "-q", "--schema", str(DISCOUNT), "--ignore", "DV101", str(path)])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        f"{path}:record 1: DV104 precision [warning] highquantity: 10.123456 has 6 decimal places; Precision is 5",
        f"{path}:record 1: DV103 out-of-range lowquantity: 0 is below the minimum 0.00001",
        "3 records in 1 file: 1 error, 1 warning, 0 info",
    ]
    assert "record 0" not in result.output  # 10.500000 is 10.5: the column's scale pads it, nothing is wrong


def test_parquet_timestamps_dates_and_arrays_take_web_api_forms(tmp_path):
    pa = pytest.importorskip("pyarrow")
    path = _write(tmp_path / "conversations.parquet",
                  {"msdyn_subject": ["a", "b"],
                   "msdyn_startedon": [dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
                                       dt.datetime(1700, 1, 1, tzinfo=dt.timezone.utc)],
                   "msdyn_closedon": [dt.datetime(2024, 5, 1, 10, 0), None],
                   "overriddencreatedon": [dt.date(2024, 5, 1), dt.date(1700, 1, 1)],
                   "msdyn_channel": [[192360000, 192370000], [192360000, 1]]},
                  {"msdyn_subject": pa.string(), "msdyn_startedon": pa.timestamp("us", tz="Europe/Paris"),
                   "msdyn_closedon": pa.timestamp("us"), "overriddencreatedon": pa.date32(),
                   "msdyn_channel": pa.list_(pa.int32())})
    result = CliRunner().invoke(main, ["validate", "--schema", str(LIVECONVERSATION), "--format", "json",
                                       "--ignore", "DV110", str(path)])
    findings = [(f["record"], f["line"], f["code"], f["column"], f["value"], f["severity"])
                for f in orjson.loads(result.output)["findings"]]
    assert findings == [
        # a timestamp without a zone keeps no offset: the rules judge it as they judge such JSON text
        (0, None, "DV108", "msdyn_closedon", "2024-05-01T10:00:00", "warning"),
        (1, None, "DV108", "msdyn_startedon", "1700-01-01T00:00:00Z", "error"),
        (1, None, "DV108", "overriddencreatedon", "1700-01-01", "error"),
        (1, None, "DV105", "msdyn_channel", "[192360000,1]", "error"),
    ]


def test_parquet_valid_out_writes_exact_json(tmp_path):
    pa = pytest.importorskip("pyarrow")
    path = _write(tmp_path / "d.parquet", {"name": ["x"], "highquantity": [Decimal("2.50000")]},
                  {"name": pa.string(), "highquantity": pa.decimal128(12, 5)})
    out = tmp_path / "valid.jsonl"
    result = CliRunner().invoke(main, ["validate", "--schema", str(DISCOUNT), "--ignore", "DV101", "--valid-out", str(out), str(path)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == b'{"name":"x","highquantity":2.5}\n'


def test_a_file_that_is_not_parquet_is_a_located_input_error(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "export.parquet"
    path.write_bytes(b"PAR1 not really")
    result = CliRunner().invoke(main, ["validate", "--schema", str(SEED_BOTSESSION), str(path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"{path}: error: not a readable Parquet file (found ")
    assert "expected a Parquet file (a table export))" in result.output


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "export.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = CliRunner().invoke(main, ["validate", "--schema", str(SEED_BOTSESSION), str(path)])
    assert result.exit_code == 2
    assert result.output == (f"{path}: error: reading Parquet needs pyarrow (found 'pyarrow is not installed', "
                             "expected pip install 'dvschema[spark]' (or pyarrow))\n")


def test_parquet_files_are_found_in_folders(tmp_path):
    pa = pytest.importorskip("pyarrow")
    (tmp_path / "export").mkdir()
    _write(tmp_path / "export/part-0.parquet", {"msdyn_name": ["x" * 101]}, {"msdyn_name": pa.string()})
    result = CliRunner().invoke(main, ["validate", "--schema", str(SEED_BOTSESSION), "--select", "DV102",
                                       str(tmp_path / "export")])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (f"{tmp_path / 'export/part-0.parquet'}:record 0: DV102 max-length "
                                             "msdyn_name: 101 characters (UTF-16 units), longer than MaxLength 100")


def test_arrow_values_take_their_web_api_json_forms():
    pa = pytest.importorskip("pyarrow")
    from dvschema.validation.arrowvalues import batch_converters, batch_records

    paris = dt.timezone(dt.timedelta(hours=2))
    batch = pa.RecordBatch.from_pydict({
        "d": pa.array([Decimal("1.500000"), Decimal("100"), None], pa.decimal128(12, 6)),
        "f64": pa.array([0.1, 3.0, float("nan")], pa.float64()),
        "f32": pa.array([0.1, 2.5, None], pa.float32()),
        "ts": pa.array([dt.datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=paris)] * 3, pa.timestamp("us", tz="UTC")),
        "ntz": pa.array([dt.datetime(2024, 5, 1, 12, 0)] * 3, pa.timestamp("ms")),
        "day": pa.array([dt.date(1999, 12, 31)] * 3, pa.date32()),
        "bin": pa.array([b"\x00\xff", b"", None], pa.binary()),
        "many": pa.array([[1, 2], [], None], pa.list_(pa.int64())),
        "deep": pa.array([{"name": "x", "at": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), "n": Decimal("2.50")}] * 3,
                         pa.struct([("name", pa.string()), ("at", pa.timestamp("s", tz="UTC")),
                                    ("n", pa.decimal128(5, 2))])),
        "tags": pa.array([[("a", dt.date(2024, 1, 2))], [], None], pa.map_(pa.string(), pa.date32())),
    })
    records = list(batch_records(batch, batch_converters(batch.schema)))
    assert records[0] == {
        "d": Decimal("1.5"), "f64": Decimal("0.1"), "f32": Decimal("0.1"), "ts": "2024-05-01T10:00:00.250000Z",
        "ntz": "2024-05-01T12:00:00", "day": "1999-12-31", "bin": "AP8=", "many": [1, 2],
        "deep": {"name": "x", "at": "2024-01-01T00:00:00Z", "n": Decimal("2.5")}, "tags": {"a": "2024-01-02"}}
    assert str(records[1]["d"]) == "100" and str(records[1]["f64"]) == "3.0" and records[1]["f32"] == Decimal("2.5")
    assert records[2]["d"] is None and records[2]["f64"] != records[2]["f64"] and records[2]["many"] is None


def test_spark_functions_without_pyspark_say_what_to_install(monkeypatch):
    from dvschema import spark as dvspark

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    # pyarrow present (a stand-in where the spark extra is not installed), so pyspark is what is missing.
    monkeypatch.setitem(sys.modules, "pyarrow", sys.modules.get("pyarrow") or types.ModuleType("pyarrow"))
    for function in (dvspark.validate, dvspark.validate_lines, dvspark.split):
        with pytest.raises(ImportError, match=r"dvschema.spark needs pyspark and pyarrow \(pyspark is missing\): "
                                              r"pip install 'dvschema\[spark\]'"):
            function(None, SEED_BOTSESSION)


def test_nan_infinity_and_whole_decimals_in_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    doubles = _write(tmp_path / "doubles.parquet", {"msdyn_csatscore": [float("nan"), float("inf"), 4.0]},
                     {"msdyn_csatscore": pa.float64()})
    result = CliRunner().invoke(main, ["validate", "-q", "--schema", str(SEED_BOTSESSION), "--select", "DV103",
                                       "--select", "DV108", str(doubles)])
    # NaN and infinity are findings, not an internal error; 4.0 is a decimal number for an Integer column
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[:3] == [
        f"{doubles}:record 0: DV108 invalid-type msdyn_csatscore: nan is not a number (NaN and infinity have no "
        "JSON form)",
        f"{doubles}:record 1: DV108 invalid-type msdyn_csatscore: inf is not a number (NaN and infinity have no "
        "JSON form)",
        f"{doubles}:record 2: DV108 invalid-type msdyn_csatscore: a decimal number for an Integer column; expected "
        "a whole number"]
    # a decimal column holding a whole value is sent as a whole number (3, not 3.000), as the JSON form is
    decimals = _write(tmp_path / "decimals.parquet", {"msdyn_csatscore": [Decimal("3"), Decimal("6")]},
                      {"msdyn_csatscore": pa.decimal128(38, 0)})
    scaled = _write(tmp_path / "scaled.parquet", {"msdyn_csatscore": [Decimal("3.000"), Decimal("6.000")]},
                    {"msdyn_csatscore": pa.decimal128(10, 3)})
    for path in (decimals, scaled):
        result = CliRunner().invoke(main, ["validate", "-q", "--schema", str(SEED_BOTSESSION), "--select", "DV103",
                                           "--select", "DV108", str(path)])
        assert result.output.splitlines()[:-1] == [
            f"{path}:record 1: DV103 out-of-range msdyn_csatscore: 6 is above the maximum 5"]
