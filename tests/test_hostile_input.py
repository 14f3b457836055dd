"""Nothing crashes: hostile record files give findings or located input errors, never a traceback."""

from __future__ import annotations

import json
from decimal import Decimal

import orjson
import pytest
from click.testing import CliRunner

from conftest import SEED_BOTSESSION, SEED_LIVECONVERSATION_TEXT, parsed
from dvschema import Validator
from dvschema.cli import main
from dvschema.validation.jsonvalues import loads_exact, shown_value

DEPTH = 1000
DEEP = "[" * DEPTH + "]" * DEPTH


def _validate(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


@pytest.mark.parametrize("line, column, rule", [
    ('{"msdyn_name": %s}' % DEEP, "msdyn_name", "invalid-type"),
    ('{"msdyn_name": %s, "msdyn_csatscore": 1.5}' % DEEP, "msdyn_name", "invalid-type"),  # the exact re-read
    ('{"msdyn_name": "x", "nested": %s}' % DEEP, "nested", "unknown-column"),
])
@pytest.mark.parametrize("screen", [True, False])
def test_values_nested_a_thousand_deep_are_findings(line, column, rule, screen):
    validator = Validator(parsed(SEED_BOTSESSION).table)
    if not screen:
        validator.screen = None
    found = [(v.rule, v.key, v.value) for v in validator.iter_line_violations(line.encode())]
    assert found[0] == (rule, column, "[" * 59 + "…")
    assert found == [(v.rule, v.key, v.value) for v in validator.iter_violations(loads_exact(line))]


def test_deep_values_in_files_and_outputs(tmp_path):
    data = tmp_path / "deep.jsonl"
    data.write_text('{"msdyn_name": %s}\n' % DEEP)
    rejected = tmp_path / "rejected.jsonl"
    result = _validate("--schema", str(SEED_BOTSESSION), "--format", "json", "--rejected-out", str(rejected),
                       str(data))
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["findings"][0]["value"] == "[" * 59 + "…"
    assert rejected.read_bytes().startswith(b'{"file":"%s","line":1,"record":{"msdyn_name": %s}' % (
        str(data).encode(), DEEP.encode()))


def test_shown_value_is_bounded_however_deep():
    deep = orjson.loads(DEEP)
    assert shown_value(deep) == "[" * 200 + "…"
    assert shown_value({"a": [1, {"b": deep}]}).startswith('{"a":[1,{"b":[[[')


@pytest.mark.parametrize("value, message", [
    ([[1]], "[1] not among the options"),
    ([{}], "{} not among the options"),
    ([[1], [1], 192360000], "[1], [1] not among the options"),
])
def test_multi_select_holding_lists_or_objects_is_an_invalid_option(value, message):
    validator = Validator(parsed(SEED_LIVECONVERSATION_TEXT).table)
    record = {"msdyn_subject": "Chat", "msdyn_channel": value}
    found = [(v.rule, v.column, v.message) for v in validator.iter_violations(record)]
    assert [(rule, column) for rule, column, _ in found] == [("invalid-option", "msdyn_channel")]
    assert found[0][2].startswith(message)
    line = json.dumps(record).encode()
    assert [(v.rule, v.message) for v in validator.iter_line_violations(line)] == [(r, m) for r, _, m in found]


def test_a_csv_integer_of_5001_digits_is_out_of_range(tmp_path):
    data = tmp_path / "big.csv"
    digits = "9" * 5001
    data.write_text(f"msdyn_name,msdyn_csatscore\nx,{digits}\n")
    result = _validate("--schema", str(SEED_BOTSESSION), "--select", "DV103", str(data))
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"{data}:2: DV103 out-of-range msdyn_csatscore: {digits} is above the maximum 5\n")


def test_a_repeated_csv_header_column_is_an_error(tmp_path):
    data = tmp_path / "twice.csv"
    data.write_text("msdyn_name,msdyn_csatscore,msdyn_name\nfirst,3,second\n")
    result = _validate("--schema", str(SEED_BOTSESSION), str(data))
    assert result.exit_code == 2
    assert result.output == (f"{data}:1: error: a column is named twice in the CSV header (found 'msdyn_name', "
                             "expected each column once)\n")


@pytest.mark.parametrize("name, content", [("empty.json", b""), ("empty.jsonl", b""), ("blank.json", b" \n\n"),
                                           ("bom.json", b"\xef\xbb\xbf"), ("bom.jsonl", b"\xef\xbb\xbf\n")])
def test_empty_json_and_jsonl_files_behave_alike(tmp_path, name, content):
    data = tmp_path / name
    data.write_bytes(content)
    result = _validate("--schema", str(SEED_BOTSESSION), str(data))
    assert result.exit_code == 0, result.output
    assert result.output == "0 records in 1 file: 0 errors, 0 warnings, 0 info\n"


@pytest.mark.parametrize("line", [
    b'{"foo": null, "msdyn_csatscore": 99, "foo": 1}',
    b'{"foo": null, "bar": 2, "foo": 1}',
    b'{"msdyn_csatscore": 9, "msdyn_name": 5, "msdyn_csatscore": 7}',
])
def test_findings_of_a_record_with_a_duplicate_key_come_in_the_same_order_with_the_screen(line):
    validator = Validator(parsed(SEED_BOTSESSION).table)
    plain = Validator(parsed(SEED_BOTSESSION).table)
    plain.screen = None
    with_screen = [(v.rule, v.column) for v in validator.iter_line_violations(line)]
    assert with_screen == [(v.rule, v.column) for v in plain.iter_line_violations(line)]
    assert with_screen[:2] == [(v.rule, v.column) for v in plain.iter_violations(loads_exact(line))][:2]


@pytest.mark.parametrize("after_heading, line, start", [
    (0, 82, "page looks truncated: the Writable columns/attributes section lists 9 columns that have no section"),
    (5, 297, "page looks truncated: the property table of column msdyn_topicid ends without its LogicalName"),
])
def test_the_seed_page_cut_after_twelve_columns_is_an_error_naming_what_is_missing(after_heading, line, start):
    from dvschema.diagnostics import InputError
    from dvschema.parsers import parse_text

    lines = SEED_BOTSESSION.read_text(encoding="utf-8").split("\n")
    headings = [number for number, text in enumerate(lines) if text.startswith("### ")]
    with pytest.raises(InputError) as caught:  # the page: 12 of 33 columns, no relationship
        parse_text("\n".join(lines[:headings[12] + after_heading]), "cut.md")
    assert (caught.value.diagnostic.line, caught.value.diagnostic.message[:len(start)]) == (line, start)


@pytest.mark.parametrize("number, findings", [
    ("1" + "0" * 310, ["DV103"]),            # beyond a double: orjson calls it infinity
    ("9" * 4301, ["DV103"]),                 # beyond the digits int() converts
    ("1e5000", ["DV103", "DV108"]),           # a decimal number (exponent form) for an Integer column
    ("-1" + "0" * 310 + ".5", ["DV103", "DV108"]),
])
@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv"])
def test_numbers_beyond_a_double_are_findings_in_every_format(tmp_path, number, findings, suffix):
    data = tmp_path / f"big{suffix}"
    if suffix == ".csv":
        if "e" in number or "." in number:
            return  # a CSV Integer cell takes digits only; other text is reported in CSV terms
        data.write_text(f"msdyn_name,msdyn_csatscore\nx,{number}\n")
    else:
        record = '{"msdyn_name": "x", "msdyn_csatscore": %s}' % number
        data.write_text(record + "\n" if suffix == ".jsonl" else f"[{record}]")
    result = _validate("--schema", str(SEED_BOTSESSION), "--select", "DV103", "--select", "DV108", str(data))
    assert result.exit_code == 1, result.output
    assert [line.split()[1] for line in result.output.splitlines()[:-1]] == findings
    assert "is above the maximum 5" in result.output or "is below the minimum 1" in result.output


def test_a_csv_byte_that_is_not_utf8_is_reported_at_its_line(tmp_path):
    data = tmp_path / "latin1.csv"
    rows = "".join(f"Session {n},3\n" for n in range(3000))  # past the 64 KiB the delimiter is sniffed from
    data.write_bytes(b"msdyn_name,msdyn_csatscore\n" + rows.encode() + "Se\u00f1or,3\n".encode("latin-1"))
    result = _validate("--schema", str(SEED_BOTSESSION), "--select", "DV103", str(data))
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (f"{data}:3002: error: not UTF-8 text (found 'byte 0xf1', expected "
                                              "CSV in UTF-8 (or UTF-8 with a BOM))")


def test_a_csv_cell_longer_than_the_csv_module_default_is_read(tmp_path):
    data = tmp_path / "long.csv"
    data.write_text(f'msdyn_name,msdyn_csatscore\n"{"x" * 200_000}",3\n')
    result = _validate("--schema", str(SEED_BOTSESSION), "--select", "DV102", str(data))
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"{data}:2: DV102 max-length msdyn_name: 200000 characters (UTF-16 units), "
                                    "longer than MaxLength 100\n")


def test_a_broken_line_with_a_number_beyond_a_double_is_a_json_error():
    # found by the fuzz run: orjson stops at the number (infinity); the line is broken elsewhere too
    line = b'{"msdyn_name": "x", "msdyn_csatscore": 1e5000 "msdyn_channel": 1}'
    with pytest.raises(orjson.JSONDecodeError):
        loads_exact(line)
    assert loads_exact(b'{"msdyn_csatscore": 1e5000}') == {"msdyn_csatscore": Decimal("1E+5000")}
