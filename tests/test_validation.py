"""Record validation: per-rule fixture records for every seed table, inputs, outputs, library API."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from conftest import (CORPUS, FIXTURES, SEED_BOTSESSION, SEED_COPILOTINTERACTION, SEED_JOURNEYRUNSESSION,
                      SEED_LIVECONVERSATION_TEXT, SEED_SESSIONEVENT_TEXT, parsed)
from dvschema import Validator
from dvschema.cli import main
from dvschema.validation import RULES, rule_selection
from dvschema.validation.export import record_json_schema
from dvschema.validation.readers import iter_record_file
from dvschema.validation.rules import utf16_length

RECORDS = FIXTURES / "records"
SEED_TABLES = {
    "msdyn_botsession": SEED_BOTSESSION,
    "msdyn_sessionevent": SEED_SESSIONEVENT_TEXT,
    "msdyn_copilotinteraction": SEED_COPILOTINTERACTION,
    "msdynmkt_journeyrunsession": SEED_JOURNEYRUNSESSION,
    "msdyn_liveconversation": SEED_LIVECONVERSATION_TEXT,
}
# table: [(line, rule, column)] — each line of <table>.invalid.jsonl breaks exactly one rule.
INVALID = {
    "msdyn_botsession": [
        (1, "required-missing", "msdyn_name"), (2, "max-length", "msdyn_name"), (3, "max-length", "msdyn_name"),
        (4, "out-of-range", "msdyn_csatscore"), (5, "out-of-range", "msdyn_csatscore"),
        (6, "out-of-range", "importsequencenumber"), (7, "invalid-option", "msdyn_outcome"),
        (8, "invalid-option", "msdyn_isengaged"), (9, "state-status-mismatch", "statuscode"),
        (10, "invalid-type", "msdyn_csatscore"), (11, "invalid-type", "msdyn_startedon"),
        (12, "invalid-type", "overriddencreatedon"), (13, "invalid-lookup", "msdyn_botid@odata.bind"),
        (14, "read-only-column", "createdon"), (15, "unknown-column", "msdyn_nmae")],
    "msdyn_sessionevent": [
        (1, "required-missing", "msdyn_name"), (2, "max-length", "msdyn_name"),
        (3, "out-of-range", "utcconversiontimezonecode"), (4, "invalid-option", "msdyn_eventtype"),
        (5, "invalid-type", "msdyn_eventtime"), (6, "invalid-lookup", "msdyn_omnichannelsession@odata.bind"),
        (7, "read-only-column", "modifiedon"), (8, "unknown-column", "msdyn_eventtypo")],
    "msdyn_copilotinteraction": [
        (1, "required-missing", "msdyn_scenariotype"), (2, "max-length", "msdyn_scenariorequestid"),
        (3, "out-of-range", "timezoneruleversionnumber"), (4, "invalid-option", "msdyn_interactiontype"),
        (5, "invalid-type", "msdyn_clienttimestamp"), (6, "invalid-lookup", "msdyn_interactiondataid"),
        (7, "read-only-column", "statecode"), (8, "unknown-column", "msdyn_scenario")],
    "msdynmkt_journeyrunsession": [
        (1, "required-missing", "msdynmkt_session"), (2, "max-length", "msdynmkt_journeyrunid"),
        (3, "out-of-range", "ttlinseconds"), (4, "invalid-type", "ttlinseconds"),
        (5, "read-only-column", "versionnumber"), (6, "unknown-column", "msdynmkt_nam")],
    "msdyn_liveconversation": [
        (1, "required-missing", "msdyn_subject"), (2, "max-length", "msdyn_subject"),
        (3, "out-of-range", "msdyn_escalationcount"), (4, "invalid-option", "msdyn_channel"),
        (5, "invalid-option", "msdyn_channel"), (6, "invalid-type", "msdyn_subject"),
        (7, "invalid-lookup", "msdyn_customer"), (8, "read-only-column", "createdon"),
        (9, "unknown-column", "msdyn_subjet")],
}


def _findings(table_name: str, path, operation: str = "create"):
    validator = Validator(parsed(SEED_TABLES[table_name]).table, operation)
    entries = iter_record_file(path, validator.table)
    return [(v.line, v.rule, v.subject) for v in validator.validate_records(entries, str(path))]


@pytest.mark.parametrize("table_name", sorted(SEED_TABLES))
def test_valid_records_including_exact_bounds_give_no_findings(table_name):
    path = RECORDS / f"{table_name}.valid.jsonl"
    assert len(path.read_text().splitlines()) >= 2
    assert _findings(table_name, path) == []


@pytest.mark.parametrize("table_name", sorted(SEED_TABLES))
def test_each_invalid_record_breaks_exactly_its_rule(table_name):
    assert _findings(table_name, RECORDS / f"{table_name}.invalid.jsonl") == INVALID[table_name]


@pytest.mark.parametrize("table_name", ["msdyn_sessionevent", "msdyn_liveconversation"])
def test_state_status_mismatch_on_update_of_2020_tables(table_name):
    assert _findings(table_name, RECORDS / f"{table_name}.update.jsonl", "update") == [
        (2, "state-status-mismatch", "statuscode")]


def test_every_value_rule_and_most_record_rules_are_exercised_by_seed_fixtures():
    exercised = {rule for expected in INVALID.values() for _, rule, _ in expected} | {"state-status-mismatch"}
    assert {rule.name for rule in RULES} - exercised == {"precision", "invalid-transition", "related-not-checked"}


def test_emoji_counts_two_utf16_units_toward_max_length():
    assert utf16_length("😀" * 50) == 100
    validator = Validator(parsed(SEED_BOTSESSION).table)
    base = json.loads((RECORDS / "msdyn_botsession.valid.jsonl").read_text().splitlines()[0])
    assert validator.validate({**base, "msdyn_name": "😀" * 50}) == []
    [violation] = validator.validate({**base, "msdyn_name": "😀" * 50 + "a"})
    assert violation.message == "101 characters (UTF-16 units), longer than MaxLength 100"


def test_messages_name_allowed_values_and_server_error():
    validator = Validator(parsed(SEED_BOTSESSION).table)
    [violation] = [v for v in validator.validate({"msdyn_outcome": 7}) if v.rule == "invalid-option"]
    assert "419550003 (abandoned)" in violation.message
    assert violation.server_error == "PicklistValueOutOfRange (0x8004431A)"
    assert violation.code == "DV105"


def test_precision_rule_on_discount_and_organization_precision_is_a_notice():
    table = parsed(CORPUS / "new/discount.md").table
    validator = Validator(table, "update")
    assert [(v.rule, v.column) for v in validator.validate({"lowquantity": Decimal("1.123456")})] == [
        ("precision", "lowquantity")]
    assert validator.validate({"lowquantity": Decimal("1.12345")}) == []
    assert validator.validate({"amount": Decimal("1.123456789")}) == []
    assert "precision of amount comes from 2 (TransactionCurrency.CurrencyPrecision); not checked" in \
        validator.notices
    # the 2019 page writes the bare number: the notice names what it stands for
    older = Validator(parsed(CORPUS / "y2019/discount.md").table, "update")
    assert "precision of amount comes from 2 (TransactionCurrency.CurrencyPrecision); not checked" in older.notices


def test_decimal_bounds_are_exact():
    table = parsed(CORPUS / "new/socialactivity.md").table
    validator = Validator(table, "full", select=["out-of-range"])
    assert validator.validate({"exchangerate": Decimal("1E-12")}) == []
    assert [v.rule for v in validator.validate({"exchangerate": Decimal("9E-13")})] == ["out-of-range"]
    assert validator.validate({"sentimentvalue": Decimal("-100000000000")}) == []
    assert [v.rule for v in validator.validate({"sentimentvalue": Decimal("-100000000000.0000001")})] == [
        "out-of-range"]


def test_big_integer_bounds_are_exact():
    validator = Validator(parsed(SEED_BOTSESSION).table, "full", select=["out-of-range"])
    assert validator.validate({"versionnumber": 9223372036854775807}) == []
    assert [v.rule for v in validator.validate({"versionnumber": 9223372036854775808})] == ["out-of-range"]


@pytest.mark.parametrize("form", ["jsonl", "json", "line"])
def test_json_numbers_are_read_exactly(tmp_path, form):
    # orjson reads -100000000000.0000001 as the float -1e11 (the limit) and -9223372036854775809 as
    # the float -2**63 (BigInt's minimum): both would pass. Read exactly, both are out of range.
    from dvschema.validation.run import validate_files

    validator = Validator(parsed(CORPUS / "new/socialactivity.md").table, "full", select=["out-of-range"])
    lines = [b'{"sentimentvalue": -100000000000.0000001}', b'{"sentimentvalue": -100000000000.0}',
             b'{"exchangerate": 0.000000000001}', b'{"exchangerate": 0.0000000000009}']
    bigint = Validator(parsed(SEED_BOTSESSION).table, "full", select=["out-of-range", "invalid-type"])
    big_lines = [b'{"versionnumber": -9223372036854775808}', b'{"versionnumber": -9223372036854775809}']
    found = []
    for checker, records, name in ((validator, lines, "decimal"), (bigint, big_lines, "bigint")):
        if form == "line":
            found += [[(v.rule, v.value) for v in checker.iter_line_violations(line)] for line in records]
            continue
        path = tmp_path / f"{name}.{form}"
        path.write_bytes(b"\n".join(records) if form == "jsonl" else b"[" + b",\n".join(records) + b"]")
        located = list(validate_files(checker, [path]))
        found += [[(v.rule, v.value) for v in located if v.line == number] for number in range(1, len(records) + 1)]
    assert found == [[("out-of-range", "-100000000000.0000001")], [], [], [("out-of-range", "9E-13")],
                     [], [("out-of-range", "-9223372036854775809")]]


def test_rejected_out_keeps_the_record_text_and_decimals_stay_numbers(tmp_path):
    records = tmp_path / "records.jsonl"
    records.write_bytes(b'{"sentimentvalue": -100000000000.0000001, "exchangerate": 1.50}\n')
    rejected = tmp_path / "rejected.jsonl"
    schema = tmp_path / "socialactivity.md"
    schema.write_bytes((CORPUS / "new/socialactivity.md").read_bytes())
    result = CliRunner().invoke(main, ["validate", "--schema", str(schema), "--operation", "full", "--select",
                                       "out-of-range", "--rejected-out", str(rejected), str(records)])
    assert result.exit_code == 1, result.output
    assert b'"record":{"sentimentvalue": -100000000000.0000001, "exchangerate": 1.50}' in rejected.read_bytes()
    csv_file = tmp_path / "records.csv"
    csv_file.write_text("sentimentvalue,exchangerate\n1.50,-100000000000.5\n")
    result = CliRunner().invoke(main, ["validate", "--schema", str(schema), "--operation", "full", "--select",
                                       "out-of-range", "--rejected-out", str(rejected), str(csv_file)])
    assert result.exit_code == 1, result.output
    assert b'"record":{"sentimentvalue":1.50,"exchangerate":-100000000000.5}' in rejected.read_bytes()


def test_invalid_transition_with_transition_data():
    table = _with_transition_data(parsed(SEED_BOTSESSION).table)
    validator = Validator(table, "update")
    [violation] = validator.validate({"statecode": 1, "statuscode": 2}, previous={"statuscode": 1})
    assert (violation.rule, violation.message) == ("invalid-transition", "status 1 may move to [1], not 2")
    assert validator.validate({"statecode": 0, "statuscode": 1}, previous={"statuscode": 2}) == []


def test_update_rejects_null_for_required_and_full_needs_system_required():
    table = parsed(SEED_BOTSESSION).table
    assert [(v.rule, v.column) for v in Validator(table, "update").validate({"msdyn_name": None})] == [
        ("required-missing", "msdyn_name")]
    assert Validator(table, "update").validate({"msdyn_topicname": None}) == []
    full = Validator(table, "full")
    missing = sorted(v.column for v in full.validate({}) if v.rule == "required-missing")
    # owneridtype is SystemRequired on the page, but it is the type of ownerid: never required on its own
    assert missing == ["msdyn_botsessionid", "ownerid", "statecode"]


def test_create_required_severity_is_configurable_and_recommended_is_info():
    table = parsed(SEED_BOTSESSION).table
    relaxed = Validator(table, required_severities={"ApplicationRequired": "warning"})
    assert {v.severity for v in relaxed.validate({}) if v.rule == "required-missing"} == {"warning"}
    catalog_table = parsed(CORPUS / "new/mspcat_catalogdescription.md").table
    recommended = [c.logical_name for c in catalog_table.columns if c.required_level == "Recommended"]
    found = {v.column: v.severity for v in Validator(catalog_table).validate({}) if v.rule == "required-missing"}
    assert recommended and all(found[name] == "info" for name in recommended)


def test_odata_annotations_are_set_aside_and_lookup_value_keys_checked():
    validator = Validator(parsed(SEED_BOTSESSION).table, "full", select=["unknown-column", "invalid-lookup"])
    record = {"@odata.etag": "W/\"1\"", "msdyn_outcome@OData.Community.Display.V1.FormattedValue": "resolved",
              "_msdyn_botid_value": "00000000-0000-0000-0000-000000000001",
              "_msdyn_botid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "bot"}
    assert validator.validate(record) == []
    assert [v.rule for v in validator.validate({"_msdyn_botid_value": "nope"})] == ["invalid-lookup"]


def test_customer_binds_through_per_target_navigation_names():
    validator = Validator(parsed(SEED_LIVECONVERSATION_TEXT).table, "update", select=["DV109", "DV111"])
    guid = "00000000-0000-0000-0000-000000000001"
    assert validator.validate({"msdyn_customer_contact@odata.bind": f"/contacts({guid})"}) == []
    assert [v.rule for v in validator.validate({"msdyn_customer_lead@odata.bind": f"/leads({guid})"})] == [
        "unknown-column"]


def test_bind_entity_set_checked_when_the_catalog_knows_the_target():
    from dvschema.metaschema.model import Catalog

    session = parsed(SEED_SESSIONEVENT_TEXT).table
    ocsession = parsed(CORPUS / "y2020/msdyn_ocsession.md").table
    catalog = Catalog(tables={"msdyn_ocsession": ocsession, "msdyn_sessionevent": session})
    validator = Validator(session, "update", catalog=catalog, select=["invalid-lookup"])
    guid = "00000000-0000-0000-0000-000000000001"
    assert validator.validate({"msdyn_omnichannelsession@odata.bind": f"/msdyn_ocsessions({guid})"}) == []
    [violation] = validator.validate({"msdyn_omnichannelsession@odata.bind": f"/accounts({guid})"})
    assert "msdyn_ocsessions" in violation.message


def test_unknown_column_suggests_closest_name():
    [violation] = Validator(parsed(SEED_BOTSESSION).table, "update").validate({"msdyn_topicnam": "x"})
    assert violation.labelled_message() == ("msdyn_topicnam: not a column or navigation property of "
                                            "msdyn_botsession; did you mean msdyn_topicname?")
    assert (violation.column, violation.key) == (None, "msdyn_topicnam")


@pytest.mark.parametrize("select,ignore,expected", [
    (None, None, {rule.name for rule in RULES}),
    (["DV10"], None, {"required-missing", "max-length", "out-of-range", "precision", "invalid-option",
                      "state-status-mismatch", "invalid-transition", "invalid-type", "invalid-lookup"}),
    (["ALL"], ["DV1"], set()),
    (["DV102"], ["DV1"], {"max-length"}),
    (["DV1"], ["DV102"], {rule.name for rule in RULES} - {"max-length"}),
    (["max-length"], ["DV102"], {"max-length"}),
    (["DV10"], ["DV10"], set()),
])
def test_select_and_ignore_longest_prefix_wins(select, ignore, expected):
    assert rule_selection(select, ignore) == expected


def test_unknown_selector_is_refused():
    with pytest.raises(ValueError, match="matches no rule"):
        Validator(parsed(SEED_BOTSESSION).table, select=["XX1"])


def test_csv_cells_are_converted_and_lines_follow_multiline_cells():
    findings = _findings("msdyn_botsession", RECORDS / "msdyn_botsession.csv")
    assert findings == [(3, "out-of-range", "msdyn_csatscore"), (5, "invalid-type", "msdyn_csatscore"),
                        (5, "required-missing", "msdyn_name")]


def test_json_array_reports_the_line_where_the_record_starts():
    assert _findings("msdyn_botsession", RECORDS / "msdyn_botsession.array.json") == [
        (8, "max-length", "msdyn_topicname")]


def _cli(*args):
    return CliRunner().invoke(main, ["validate", "--schema", str(SEED_BOTSESSION), *map(str, args)])


def test_cli_text_output_and_exit_codes(tmp_path):
    result = _cli(RECORDS / "msdyn_botsession.invalid.jsonl")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[3] == (f"{RECORDS / 'msdyn_botsession.invalid.jsonl'}:4: DV103 out-of-range "
                        "msdyn_csatscore: 6 is above the maximum 5")
    assert lines[12] == (f"{RECORDS / 'msdyn_botsession.invalid.jsonl'}:13: DV109 invalid-lookup "
                         "msdyn_botid@odata.bind: 'bots(123)' is not a record URL; expected /entityset(id), "
                         "/entityset(key=value) or an absolute URL of that form")
    assert lines[-1] == "15 records in 1 file: 14 errors, 1 warning, 0 info"
    assert _cli(RECORDS / "msdyn_botsession.valid.jsonl").exit_code == 0
    assert _cli("--fail-on", "none", RECORDS / "msdyn_botsession.invalid.jsonl").exit_code == 0


def test_cli_json_report_is_versioned_and_located():
    result = _cli("--format", "json", RECORDS / "msdyn_botsession.invalid.jsonl")
    report = json.loads(result.output)
    assert report["version"] == "2" and report["summary"]["error"] == 14
    first = report["findings"][0]
    assert (first["line"], first["record"], first["column"], first["rule"], first["code"], first["severity"]) == (
        1, 0, "msdyn_name", "required-missing", "DV101", "error")
    # column is the logical name, also for a bind; key is the record key as written
    bind = report["findings"][12]
    assert (bind["file"], bind["line"], bind["column"], bind["key"], bind["path"]) == (
        str(RECORDS / "msdyn_botsession.invalid.jsonl"), 13, "msdyn_botid", "msdyn_botid@odata.bind", None)


def test_cli_unreadable_input_is_exit_2_with_location(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"msdyn_name": "a"}\n{"msdyn_name": \n')
    result = _cli(bad)
    assert result.exit_code == 2
    assert f"{bad}:2: error: not valid JSON" in result.output
    assert "Traceback" not in result.output
    other = tmp_path / "records.xml"
    other.write_text("<x/>")
    assert "unknown record file type" in _cli(other).output


def test_cli_table_selection_errors():
    result = CliRunner().invoke(main, ["validate", "--schema", str(SEED_BOTSESSION), "--schema",
                                       str(SEED_COPILOTINTERACTION), str(RECORDS / "msdyn_botsession.valid.jsonl")])
    assert result.exit_code == 2 and "no table for this file" in result.output
    result = CliRunner().invoke(main, ["validate", "--schema", str(SEED_BOTSESSION), "--schema",
                                       str(SEED_COPILOTINTERACTION), "--table", "msdyn_botsession",
                                       str(RECORDS / "msdyn_botsession.valid.jsonl")])
    assert result.exit_code == 0


def test_cli_max_violations_and_valid_rejected_split(tmp_path):
    valid, rejected = tmp_path / "valid.jsonl", tmp_path / "rejected.jsonl"
    result = _cli("--valid-out", valid, "--rejected-out", rejected, RECORDS / "msdyn_botsession.valid.jsonl",
                  RECORDS / "msdyn_botsession.invalid.jsonl")
    assert result.exit_code == 1
    assert len(valid.read_text().splitlines()) == 7 + 1  # 7 valid records and the warning-only line 14
    rejected_lines = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert len(rejected_lines) == 14
    assert rejected_lines[0]["findings"][0]["rule"] == "required-missing" and rejected_lines[0]["line"] == 1
    limited = _cli("--max-violations", "3", RECORDS / "msdyn_botsession.invalid.jsonl")
    assert len([line for line in limited.output.splitlines() if ": DV" in line]) == 3
    assert "stopped at --max-violations" in limited.output


@pytest.mark.parametrize("jobs", [1, 2])
def test_max_violations_stops_at_the_exact_finding(tmp_path, jobs):
    from dvschema.validation.run import RunSummary, validate_files

    many = tmp_path / "many.jsonl"  # one finding on each of 15 lines, 1,000 times: several blocks
    many.write_text((RECORDS / "msdyn_botsession.invalid.jsonl").read_text() * 1000)
    assert many.stat().st_size > 3 << 20
    validator = Validator(parsed(SEED_BOTSESSION).table)
    everything = list(validate_files(validator, [many]))
    assert len(everything) == 15_000 and everything[-1].line == 15_000
    for limit in (0, 1, 9_000, 14_999, 15_000, 15_001):
        summary = RunSummary()
        found = list(validate_files(validator, [many], max_violations=limit, jobs=jobs, summary=summary))
        assert found == everything[:limit]
        assert (summary.violations, summary.truncated) == (min(limit, 15_000), limit < 15_000)
        # The records read: up to the one whose finding was cut (each record has one finding).
        assert summary.records == min(limit + 1, 15_000)


def test_cli_jobs_give_the_same_findings(tmp_path):
    many = tmp_path / "many.jsonl"
    lines = (RECORDS / "msdyn_botsession.invalid.jsonl").read_text().splitlines()
    many.write_text("\n".join(lines * 300) + "\n")
    one = _cli("--format", "json", many)
    two = _cli("--format", "json", "--jobs", "2", many)
    assert json.loads(one.output)["findings"] == json.loads(two.output)["findings"]
    assert json.loads(two.output)["summary"]["violations"] == 15 * 300


def _with_transition_data(table):
    """Seed 000's table with status 1 allowed to move only to itself (the page says TransitionData None)."""
    status = table.column("statuscode")
    data = '<allowedtransitions><allowedtransition sourcestatusid="1" tostatusid="1" /></allowedtransitions>'
    options = (status.options[0].model_copy(update={"transition_data": data}), status.options[1])
    columns = tuple(c.model_copy(update={"options": options}) if c.logical_name == "statuscode" else c
                    for c in table.columns)
    return table.model_copy(update={"columns": columns})


def test_cli_previous_file_drives_the_transition_rule(tmp_path):
    from dvschema.metaschema import dump_json
    from dvschema.metaschema.model import Catalog

    table = _with_transition_data(parsed(SEED_BOTSESSION).table)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(dump_json(Catalog(tables={table.logical_name: table})))
    guid = "00000000-0000-0000-0000-00000000000a"
    previous = tmp_path / "previous.jsonl"
    previous.write_text(f'{{"msdyn_botsessionid": "{guid}", "statuscode": 1}}\n')
    current = tmp_path / "current.jsonl"
    current.write_text(f'{{"msdyn_botsessionid": "{guid}", "statecode": 1, "statuscode": 2}}\n')
    args = ["validate", "--schema", str(catalog), "--operation", "update"]
    moved = CliRunner().invoke(main, [*args, "--previous", str(previous), str(current)])
    assert moved.exit_code == 1
    assert f"{current}:1: DV107 invalid-transition statuscode: status 1 may move to [1], not 2" in moved.output
    assert CliRunner().invoke(main, [*args, str(current)]).exit_code == 0   # no previous: nothing to check


def test_worker_processes_keep_the_catalog_and_required_severities(tmp_path):
    from dvschema.metaschema.model import Catalog
    from dvschema.validation.run import RunSummary, validate_files

    session = parsed(SEED_SESSIONEVENT_TEXT).table
    ocsession = parsed(CORPUS / "y2020/msdyn_ocsession.md").table
    catalog = Catalog(tables={"msdyn_ocsession": ocsession, "msdyn_sessionevent": session})
    validator = Validator(session, catalog=catalog, required_severities={"ApplicationRequired": "warning"})
    guid = "00000000-0000-0000-0000-000000000001"
    records = tmp_path / "records.jsonl"
    records.write_text(f'{{"msdyn_omnichannelsession@odata.bind": "/accounts({guid})"}}\n' * 3)
    found = {}
    for jobs in (1, 2):
        found[jobs] = [(v.line, v.rule, v.severity) for v in
                       validate_files(validator, [records], jobs=jobs, summary=RunSummary())]
    assert found[2] == found[1] == [(line, rule, severity) for line in (1, 2, 3) for rule, severity in
                                    (("invalid-lookup", "error"), ("required-missing", "warning"))]


def test_exported_json_schema_agrees_on_the_seed_fixtures():
    table = parsed(SEED_BOTSESSION).table
    schema = record_json_schema(table)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for line in (RECORDS / "msdyn_botsession.valid.jsonl").read_text().splitlines()[:4]:
        assert list(validator.iter_errors(json.loads(line))) == []
    invalid = [json.loads(line) for line in (RECORDS / "msdyn_botsession.invalid.jsonl").read_text().splitlines()]
    assert not validator.is_valid(invalid[1])   # max-length
    assert not validator.is_valid(invalid[3])   # out-of-range
    assert not validator.is_valid(invalid[6])   # invalid option
    assert not validator.is_valid(invalid[8])   # state/status pair
    assert schema["allOf"][0] == {"if": {"properties": {"statecode": {"const": 0}},
                                         "required": ["statecode", "statuscode"]},
                                  "then": {"properties": {"statuscode": {"enum": [1]}}}}


def test_cli_jsonschema_command():
    result = CliRunner().invoke(main, ["jsonschema", str(SEED_LIVECONVERSATION_TEXT)])
    schema = json.loads(result.output)
    assert schema["properties"]["msdyn_subject"]["anyOf"][0]["maxLength"] == 200
    assert schema["required"] == ["msdyn_subject"]


def test_cli_folder_argument_expands_to_record_files(tmp_path):
    import shutil

    (tmp_path / "nested").mkdir()
    shutil.copy(RECORDS / "msdyn_botsession.valid.jsonl", tmp_path / "a.jsonl")
    shutil.copy(RECORDS / "msdyn_botsession.csv", tmp_path / "nested" / "b.csv")
    (tmp_path / "notes.txt").write_text("not records")
    result = _cli(tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "10 records in 2 files: 3 errors, 0 warnings, 0 info"
