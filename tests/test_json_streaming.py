"""JSON files are read record by record: arrays and Web API responses, with each record's line,
blocks split across --jobs like JSONL, a byte-order mark passed over, a broken structure located."""

from __future__ import annotations

import json
from decimal import Decimal

import orjson
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, SEED_BOTSESSION, parsed
from dvschema import Validator
from dvschema.cli import main
from dvschema.diagnostics import InputError
from dvschema.validation import jsonarray, run
from dvschema.validation.readers import iter_json, iter_record_file
from dvschema.validation.run import RunSummary, validate_files

WEBAPI = FIXTURES / "records" / "webapi"
RECORDS = FIXTURES / "records"
BOM = b"\xef\xbb\xbf"


@pytest.fixture(params=["native", "python"])
def splitter(request, monkeypatch):
    """Element bounds from the C extension, and from its Python fallback."""
    if request.param == "python":
        monkeypatch.setattr(jsonarray, "_native", None)
    elif jsonarray._native is None:
        pytest.skip("the C extension is not built")
    return request.param


def test_web_api_responses_give_each_record_its_line_and_exact_numbers(splitter):
    contacts = list(iter_json(str(WEBAPI / "contacts.page-results.json")))
    assert [(entry.line, entry.index, entry.record["fullname"]) for entry in contacts] == [
        (4, 0, "Yvonne McKay (sample)"), (9, 1, "Susanna Stubberod (sample)")]
    (account,) = iter_json(str(WEBAPI / "accounts.select-columns.json"))
    assert account.line == 4 and account.record["revenue"] == Decimal("20000.0000")
    assert str(account.record["revenue"]) == "20000.0000"


@pytest.mark.parametrize("name", ["contacts.page-results.json", "accounts.select-columns.json"])
def test_a_byte_order_mark_is_passed_over(tmp_path, name, splitter):
    plain = WEBAPI / name
    marked = tmp_path / name
    marked.write_bytes(BOM + plain.read_bytes())
    assert [(e.line, e.record) for e in iter_json(str(marked))] == [(e.line, e.record) for e in iter_json(str(plain))]
    lines = tmp_path / "records.jsonl"
    lines.write_bytes(BOM + b'{"msdyn_name": "a"}\n{"msdyn_name": 5}\n')
    table = parsed(SEED_BOTSESSION).table
    assert [e.record for e in iter_record_file(lines, table)] == [{"msdyn_name": "a"}, {"msdyn_name": 5}]
    found = list(validate_files(Validator(table, select=["DV108"]), [lines]))
    assert [(v.line, v.rule, v.column) for v in found] == [(2, "invalid-type", "msdyn_name")]


def test_cli_locates_findings_of_a_web_api_response(tmp_path):
    result = CliRunner().invoke(main, ["validate", "--schema", str(SEED_BOTSESSION), "--select", "DV111",
                                       str(WEBAPI / "contacts.page-results.json")])
    assert result.exit_code == 1
    path = WEBAPI / "contacts.page-results.json"
    assert result.output.splitlines()[:4] == [
        f"{path}:4: DV111 unknown-column fullname: not a column or navigation property of msdyn_botsession",
        f"{path}:4: DV111 unknown-column contactid: not a column or navigation property of msdyn_botsession",
        f"{path}:9: DV111 unknown-column fullname: not a column or navigation property of msdyn_botsession",
        f"{path}:9: DV111 unknown-column contactid: not a column or navigation property of msdyn_botsession"]


def _records() -> list[dict]:
    """The fixture records of msdyn_botsession, valid and invalid, with exact decimals."""
    lines = (RECORDS / "msdyn_botsession.valid.jsonl").read_bytes().splitlines()
    lines += (RECORDS / "msdyn_botsession.invalid.jsonl").read_bytes().splitlines()
    return [json.loads(line, parse_float=Decimal) for line in lines if line.strip()]


def _run(path, jobs: int, screen: bool, tmp_path, tag: str):
    validator = Validator(parsed(SEED_BOTSESSION).table)
    if not screen:
        validator.screen = None
    valid, rejected = tmp_path / f"valid-{tag}", tmp_path / f"rejected-{tag}"
    summary = RunSummary()
    with open(valid, "wb") as valid_out, open(rejected, "wb") as rejected_out:
        found = list(validate_files(validator, [path], jobs=jobs, valid_out=valid_out, rejected_out=rejected_out,
                                    summary=summary))
    return found, summary, valid.read_bytes(), rejected.read_bytes()


@pytest.mark.parametrize("jobs, screen", [(1, True), (1, False), (2, True), (3, False)])
def test_a_json_array_gives_the_findings_and_split_of_the_same_records_as_jsonl(tmp_path, monkeypatch, jobs, screen,
                                                                               splitter):
    monkeypatch.setattr(run, "BLOCK_SIZE", 700)  # many blocks: the jobs share them
    records = _records() * 3
    lines = tmp_path / "records.jsonl"
    lines.write_text("".join(json.dumps(record, default=str) + "\n" for record in records))
    array = tmp_path / "records.json"
    text = json.dumps(records, indent=2, default=str)  # one element over many lines
    array.write_text(text)
    starts = [number for number, line in enumerate(text.splitlines(), 1) if line == "  {"]
    from_lines = _run(lines, 1, True, tmp_path, "jsonl")
    from_array = _run(array, jobs, screen, tmp_path, f"json{jobs}{screen}")
    assert len(from_array[0]) == len(from_lines[0]) > 20
    assert [(v.record, v.rule, v.column, v.value) for v in from_array[0]] == \
        [(v.record, v.rule, v.column, v.value) for v in from_lines[0]]
    assert [v.line for v in from_array[0]] == [starts[v.record] for v in from_array[0]]
    assert (from_array[1].records, from_array[1].rejected) == (from_lines[1].records, from_lines[1].rejected)
    assert [orjson.loads(line) for line in from_array[2].splitlines()] == \
        [orjson.loads(line) for line in from_lines[2].splitlines()]
    array_rejected = [orjson.loads(line) for line in from_array[3].splitlines()]
    lines_rejected = [orjson.loads(line) for line in from_lines[3].splitlines()]
    assert [entry["record"] for entry in array_rejected] == [entry["record"] for entry in lines_rejected]
    assert [entry["line"] for entry in array_rejected] == [starts[entry["findings"][0]["record"]]
                                                          for entry in lines_rejected]


@pytest.mark.parametrize("content, line, reason", [
    (b'[\n{"msdyn_name": "a"},\n]', 2, "a comma after the last element"),
    (b'[\n{"msdyn_name": "a"}\n{"msdyn_name": "b"}]', 3, "expected a comma or ]"),
    (b'[\n{"msdyn_name": "a"}', 2, "the array is not closed"),
    (b'[{"msdyn_name": "a"}}]', 1, "expected a comma or ]"),
    (b'[{"msdyn_name": "a"}]\n[]', 2, "content after the end of the document"),
    (b'{"value": [{"msdyn_name": "a"}],\n "@odata.nextLink": }', 2, "not a JSON value"),
    (b'{"@odata.context": "x",\n"value": [{"msdyn_name": "a"}]\n"more": 1}', 3, "expected a comma or }"),
])
def test_a_broken_array_structure_is_a_located_error(tmp_path, content, line, reason, splitter):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        list(validate_files(Validator(parsed(SEED_BOTSESSION).table), [path]))
    diagnostic = caught.value.diagnostic
    assert (diagnostic.line, diagnostic.message) == (line, "not valid JSON")
    assert diagnostic.expected.endswith(f"({reason})")


def test_a_bad_record_inside_an_array_is_located_at_its_line(tmp_path, splitter):
    path = tmp_path / "bad.json"
    path.write_bytes(b'[\n  {"msdyn_name": "a"},\n  {"msdyn_name": tru}\n]')
    with pytest.raises(InputError) as caught:
        list(validate_files(Validator(parsed(SEED_BOTSESSION).table), [path]))
    assert caught.value.diagnostic.line == 3
    assert caught.value.diagnostic.render().startswith(f"{path}:3: error: not valid JSON (found "
                                                       "'{\"msdyn_name\": tru}', expected a JSON record (")


def test_a_single_object_and_a_scalar_are_one_record(tmp_path, splitter):
    one = tmp_path / "one.json"
    one.write_bytes(b'\n\n{"msdyn_name": 5}\n')
    scalar = tmp_path / "scalar.json"
    scalar.write_bytes(b"42")
    validator = Validator(parsed(SEED_BOTSESSION).table, select=["DV108"])
    assert [(v.line, v.record, v.column) for v in validate_files(validator, [one])] == [(3, 0, "msdyn_name")]
    assert [(v.line, v.message) for v in validate_files(validator, [scalar])] == [
        (1, "a record must be a JSON object, not a whole number")]
