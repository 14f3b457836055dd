"""What a first-time user meets in the first hour: CLI help, stdin, CSV as users have it, table names,
required-level severities, one unmatched file, drift options, --max-violations counts."""

from __future__ import annotations

import json
import shutil

import click
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, SEED_BOTSESSION, SEED_LIVECONVERSATION_TEXT
from dvschema.cli import main

RECORDS = FIXTURES / "records"
RELEASES = FIXTURES / "drift"


def _run(*args, stdin: bytes | None = None):
    return CliRunner().invoke(main, [str(arg) for arg in args], input=stdin)


def _finding_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": DV" in line]


def _commands(group: click.Group):
    for name, command in group.commands.items():
        yield name, command
        if isinstance(command, click.Group):
            yield from _commands(command)


def test_every_option_of_every_command_has_help_text():
    missing = [f"{name} {'/'.join(param.opts)}" for name, command in _commands(main) for param in command.params
               if isinstance(param, click.Option) and not param.help]
    assert missing == []
    assert all(command.help for _, command in _commands(main))


@pytest.mark.parametrize("spelling", ["dv105", "DV105", "Invalid-Option", "invalid-option"])
def test_rules_finds_a_rule_in_any_case_and_prints_it_without_rest_backticks(spelling):
    result = _run("rules", spelling)
    assert result.exit_code == 0
    assert result.output.startswith("DV105 invalid-option (default severity: error)")
    assert "``" not in result.output
    assert 'Example: "msdyn_outcome": 5 where the options are 419550000-419550003.' in result.output


@pytest.mark.parametrize("path", [RECORDS / "msdyn_botsession.invalid.jsonl", RECORDS / "msdyn_botsession.array.json",
                                  RECORDS / "msdyn_botsession.csv"], ids=["jsonl", "json", "csv"])
def test_dash_reads_records_from_standard_input_in_any_format(path):
    from_file = _run("validate", "--schema", SEED_BOTSESSION, path)
    from_stdin = _run("validate", "--schema", SEED_BOTSESSION, "-", stdin=path.read_bytes())
    assert from_stdin.exit_code == from_file.exit_code == 1
    expected = [line.split(":", 1)[1] for line in _finding_lines(from_file.output)]
    assert len(expected) >= 1
    assert [line.split(":", 1)[1] for line in _finding_lines(from_stdin.output)] == expected
    assert all(line.startswith("-:") for line in _finding_lines(from_stdin.output))


def test_dash_jsonl_on_stdin_gives_lines_and_exact_findings():
    result = _run("validate", "--schema", SEED_BOTSESSION, "-",
                  stdin=(RECORDS / "msdyn_botsession.invalid.jsonl").read_bytes())
    assert "-:4: DV103 out-of-range msdyn_csatscore: 6 is above the maximum 5" in result.output
    assert "15 records in 1 file: 14 errors, 1 warning, 0 info" in result.output


def test_a_mistyped_table_name_suggests_the_closest():
    result = _run("validate", "--schema", SEED_BOTSESSION, "--table", "msdyn_botsesion",
                  RECORDS / "msdyn_botsession.valid.jsonl")
    assert result.exit_code == 2
    assert "no table msdyn_botsesion in the schema; did you mean msdyn_botsession? (found 'msdyn_botsesion', " \
           "expected one of msdyn_botsession)" in result.output


def test_a_schema_folder_without_tables_is_said_plainly(tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\n\nNothing here describes a table.\n")
    records = tmp_path / "records.jsonl"
    records.write_text('{"msdyn_name": "x"}\n')
    for extra in ([], ["--table", "msdyn_botsession"]):
        result = _run("validate", "--schema", tmp_path, *extra, records)
        assert result.exit_code == 2
        assert f"{tmp_path}: error: the schema holds no table (found 'no table reference page or catalog table " \
               "in it'" in result.output
    schema = _run("jsonschema", SEED_BOTSESSION, "--table", "MSDYN_BOTSESSION")
    assert schema.exit_code == 2 and "did you mean msdyn_botsession?" in schema.output


# -- CSV as users have it --------------------------------------------------------------------------------

def test_semicolon_csv_with_display_name_headers_is_read_with_a_note_and_numbers_in_csv_terms():
    path = RECORDS / "msdyn_botsession.display-names.csv"
    result = _run("validate", "--schema", SEED_BOTSESSION, path)
    assert result.exit_code == 1
    assert _finding_lines(result.output) == [
        f"{path}:3: DV108 invalid-type msdyn_csatscore: '3.0' is not a whole number",
        f"{path}:4: DV108 invalid-type msdyn_csatscore: '1,000.00' is not a number; expected a whole number",
    ]
    assert (f"note: {path}:1: 7 header cells are display names, read as the columns they name: Name as msdyn_name, "
            "Bot Session IsEngaged as msdyn_isengaged, Bot Session Outcome as msdyn_outcome, Bot Session Outcome "
            "Reason as msdyn_outcomereason, Source Session Id as msdyn_sourcesessionid, Bot Session Created On as "
            "msdyn_startedon, Bot Session CSAT Score as msdyn_csatscore") in result.output
    quiet = _run("validate", "--schema", SEED_BOTSESSION, path, "--quiet")
    assert "note:" not in quiet.output


def test_tab_csv_with_an_ambiguous_display_name_gets_a_finding_naming_the_logical_names():
    path = RECORDS / "msdyn_liveconversation.tab.csv"
    result = _run("validate", "--schema", SEED_LIVECONVERSATION_TEXT, "--operation", "update", path)
    assert _finding_lines(result.output) == [
        f"{path}:2: DV111 unknown-column Status Reason: not a column of msdyn_liveconversation; it is the display "
        "name of msdyn_statuscode and statuscode: use a logical name",
        f"{path}:3: DV108 invalid-type msdyn_escalationcount: '2.5' is not a whole number",
        f"{path}:3: DV111 unknown-column Status Reason: not a column of msdyn_liveconversation; it is the display "
        "name of msdyn_statuscode and statuscode: use a logical name",
    ]


def test_delimiter_option_overrides_the_sniffed_one(tmp_path):
    path = tmp_path / "pipes.csv"
    path.write_text("msdyn_name|msdyn_csatscore\nA|6\n", encoding="utf-8")
    sniffed = _run("validate", "--schema", SEED_BOTSESSION, "--operation", "update", path)
    assert _finding_lines(sniffed.output) == [f"{path}:2: DV103 out-of-range msdyn_csatscore: 6 is above the maximum 5"]
    forced = _run("validate", "--schema", SEED_BOTSESSION, "--operation", "update", "--delimiter", "comma", path)
    assert _finding_lines(forced.output) == [
        f"{path}:2: DV111 unknown-column msdyn_name|msdyn_csatscore: not a column or navigation property of msdyn_botsession; "
        "did you mean msdyn_csatscore?"]


def test_sniffing_tells_comma_semicolon_and_tab():
    from dvschema.validation.readers import sniff_delimiter

    assert sniff_delimiter((RECORDS / "msdyn_botsession.csv").read_text()) == ","
    assert sniff_delimiter((RECORDS / "msdyn_botsession.display-names.csv").read_text()) == ";"
    assert sniff_delimiter((RECORDS / "msdyn_liveconversation.tab.csv").read_text()) == "\t"
    assert sniff_delimiter("msdyn_name\nA\n") == ","


# -- configuration -----------------------------------------------------------------------------------------

@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    shutil.copy(SEED_BOTSESSION, tmp_path / "docs" / "msdyn_botsession.md")
    (tmp_path / "data").mkdir()
    (tmp_path / "stray").mkdir()
    shutil.copy(RECORDS / "msdyn_botsession.invalid.jsonl", tmp_path / "data" / "bad.jsonl")
    shutil.copy(RECORDS / "msdyn_botsession.valid.jsonl", tmp_path / "stray" / "unmatched.jsonl")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _pyproject(project, body: str):
    (project / "pyproject.toml").write_text('[project]\nname = "data"\n\n[tool.dvschema]\nschema = ["docs"]\n' + body)


def test_required_level_severity_from_configuration_and_command_line(project):
    _pyproject(project, '[tool.dvschema.tables]\n"data/*.jsonl" = "msdyn_botsession"\n\n'
                        '[tool.dvschema.required-severity]\nApplicationRequired = "warning"\n')
    configured = _run("validate", "data/bad.jsonl")
    assert "data/bad.jsonl:1: DV101 required-missing [warning] msdyn_name: ApplicationRequired but missing " \
           "(create)" in configured.output
    overridden = _run("validate", "data/bad.jsonl", "--required-severity", "ApplicationRequired=info")
    assert "data/bad.jsonl:1: DV101 required-missing [info] msdyn_name" in overridden.output
    bad = _run("validate", "data/bad.jsonl", "--required-severity", "Mandatory=error")
    assert bad.exit_code == 2 and "LEVEL one of SystemRequired, ApplicationRequired, Recommended" in bad.output
    _pyproject(project, '[tool.dvschema.required-severity]\nMandatory = "warning"\n')
    unknown = _run("validate", "data/bad.jsonl")
    assert unknown.exit_code == 2
    assert "pyproject.toml:7: error: unknown required level in [tool.dvschema.required-severity] (found " \
           "'Mandatory'" in unknown.output


def test_one_unmatched_file_is_an_error_for_that_file_and_the_others_are_checked(project):
    _pyproject(project, '[tool.dvschema.tables]\n"data/*.jsonl" = "msdyn_botsession"\n')
    result = _run("validate", "stray/unmatched.jsonl", "data/bad.jsonl")
    assert result.exit_code == 2
    assert "stray/unmatched.jsonl: error: no table for this file" in result.output
    assert "data/bad.jsonl:4: DV103 out-of-range msdyn_csatscore: 6 is above the maximum 5" in result.output
    assert "15 records in 1 file: 14 errors, 1 warning, 0 info" in result.output


def test_a_missing_drift_ignore_file_is_empty_with_a_note(project):
    assert _run("parse", "docs", "-o", "baseline.json").exit_code == 0
    _pyproject(project, 'baseline = "baseline.json"\ndrift-ignore = "no-such-ignore.toml"\n')
    result = _run("drift-check")
    assert result.exit_code == 0
    assert "no-such-ignore.toml: no such ignore file; no changes are ignored" in result.output
    assert "0 breaking, 0 warning, 0 info" in result.output


# -- diff ----------------------------------------------------------------------------------------------------

def test_diff_ignore_file_option_and_the_deprecated_ignore(tmp_path):
    ignore = tmp_path / "drift-ignore.toml"
    ignore.write_text('[[ignore]]\nkind = "table-removed"\ntarget = "msdyn_sessionevent"\nreason = "Moved."\n')
    args = ["diff", RELEASES / "release-1", RELEASES / "release-2"]
    new = _run(*args, "--ignore-file", ignore)
    old = _run(*args, "--ignore", ignore)
    assert new.exit_code == old.exit_code == 0
    assert new.output.rstrip().endswith("(1 ignored)") and old.output.rstrip().endswith("(1 ignored)")
    assert "note: --ignore is deprecated for diff; use --ignore-file" in old.output
    assert "deprecated" not in new.output
    assert "--ignore " not in _run("diff", "--help").output


def test_diff_table_restricts_the_comparison(tmp_path):
    args = ["diff", RELEASES / "release-1", RELEASES / "release-2", "--format", "json"]
    only = json.loads(_run(*args, "--table", "msdyn_botsession").output)
    assert {change["table"] for change in only["changes"]} == {"msdyn_botsession"}
    assert len(only["changes"]) == 4
    wrong = _run(*args, "--table", "msdyn_botsesion")
    assert wrong.exit_code == 2 and "did you mean msdyn_botsession?" in wrong.output


def test_a_catalog_against_one_page_compares_only_that_pages_table(tmp_path):
    catalog = tmp_path / "catalog.json"
    assert _run("parse", RELEASES / "release-1", "-o", catalog).exit_code == 0
    assert len(json.loads(catalog.read_text())["tables"]) == 3
    page = RELEASES / "release-2" / "msdyn_botsession.md"
    result = _run("diff", catalog, page, "--format", "json")
    assert result.exit_code == 0
    changes = json.loads(result.output[result.output.index("{"):])["changes"]
    assert [(c["kind"], c["column"]) for c in changes] == [
        ("column-added", "msdyn_convtranscriptid"), ("column-added", "msdyn_lastsessionoutcome"),
        ("column-added", "msdyn_lastsessionoutcomereason"), ("column-added", "msdyn_mcsbotsessionid")]
    assert f"note: {page} is one page: 2 other tables of {catalog} are not compared" in result.output
    # the page as the old side: the same four columns, removed, and the other tables still not compared
    result = _run("diff", page, catalog, "--format", "json", "--fail-on", "none")
    changes = json.loads(result.output[result.output.index("{"):])["changes"]
    assert result.exit_code == 0 and [(c["kind"], c["column"]) for c in changes] == [
        ("column-removed", "msdyn_convtranscriptid"), ("column-removed", "msdyn_lastsessionoutcome"),
        ("column-removed", "msdyn_lastsessionoutcomereason"), ("column-removed", "msdyn_mcsbotsessionid")]
    assert f"note: {page} is one page: 2 other tables of {catalog} are not compared" in result.output


# -- --max-violations -------------------------------------------------------------------------------------

def test_max_violations_says_how_many_findings_were_not_shown_and_agrees_with_rejected_out(tmp_path):
    records = tmp_path / "many.jsonl"
    records.write_text('{"msdyn_csatscore": 9, "msdyn_name": 5, "msdyn_nmae": 1}\n{"msdyn_csatscore": 9}\n')
    rejected = tmp_path / "rejected.jsonl"
    result = _run("validate", "--schema", SEED_BOTSESSION, "--max-violations", "2", "--rejected-out", rejected,
                  records)
    written = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert len(written) == 1 and len(written[0]["findings"]) == 10
    assert len(_finding_lines(result.output)) == 2
    assert "1 record in 1 file: 2 errors, 0 warnings, 0 info (stopped at --max-violations; 8 more findings of " \
           "the last record not shown)" in result.output
    report = json.loads(_run("validate", "--schema", SEED_BOTSESSION, "--max-violations", "2", "--format", "json",
                             records).output)
    assert report["summary"]["violations"] == 2 and report["summary"]["not_shown"] == 8
    assert report["summary"]["rejected"] == 1 and report["summary"]["records"] == 1


# -- --jobs without fork --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def many_records(tmp_path_factory):
    path = tmp_path_factory.mktemp("jobs") / "many.jsonl"  # 15 findings a copy, several 1 MB blocks
    path.write_text((RECORDS / "msdyn_botsession.invalid.jsonl").read_text() * 600)
    assert path.stat().st_size > 2 << 20
    return path


def test_jobs_spawns_worker_processes_where_fork_is_not_used(monkeypatch, many_records):
    from dvschema import Validator, parse_file
    from dvschema.validation import run

    validator = Validator(parse_file(SEED_BOTSESSION).table)
    one = list(run.validate_files(validator, [many_records]))
    monkeypatch.setattr(run, "worker_start_method", lambda: "spawn")
    summary = run.RunSummary()
    spawned = list(run.validate_files(validator, [many_records], jobs=2, summary=summary))
    assert spawned == one and len(one) == 9_000
    assert summary.processes == 2 and summary.notes == []


def test_jobs_says_plainly_when_it_runs_one_process(monkeypatch, many_records):
    from dvschema.validation import run

    monkeypatch.setattr(run, "worker_start_method", lambda: None)
    result = _run("validate", "--schema", SEED_BOTSESSION, "--jobs", "2", many_records)
    assert result.exit_code == 1 and len(_finding_lines(result.output)) == 9_000
    assert f"note: {many_records}: --jobs 2: worker processes cannot be started here (no fork, inside a " \
           "daemonic process, or spawned workers cannot reopen standard input); one process checks the file" \
        in result.output


def test_spawned_workers_do_not_reread_standard_input(monkeypatch, many_records):
    from dvschema.validation import run

    monkeypatch.setattr(run, "worker_start_method", lambda: "spawn")
    result = _run("validate", "--schema", SEED_BOTSESSION, "--jobs", "2", "-", stdin=many_records.read_bytes())
    assert result.exit_code == 1 and len(_finding_lines(result.output)) == 9_000
    assert "note: -: --jobs 2: worker processes cannot be started here" in result.output


def test_worker_start_method_by_platform(monkeypatch):
    from dvschema.validation import run

    assert run.worker_start_method() == "fork"  # Linux, where the suite runs
    monkeypatch.setattr(run.sys, "platform", "darwin")
    assert run.worker_start_method() == "spawn"
    monkeypatch.setattr(run.sys, "platform", "win32")
    monkeypatch.delattr(run.os, "fork")
    assert run.worker_start_method() == "spawn"


def test_change_messages_name_a_tables_extra_key_and_show_values_as_json_not_python():
    from conftest import CORPUS

    result = _run("diff", CORPUS / "y2023/mspp_columnpermission.2024-06.md", CORPUS / "new/mspp_columnpermission.md",
                  "--format", "json", "--fail-on", "none")
    changes = json.loads(result.output)["changes"]
    messages = [change["message"] for change in changes]
    # The newer page generation states none of these (issue 11: not a change, no longer / newly documented).
    assert "extra.IsBPFEntity is no longer documented (False)" in messages
    assert next(c for c in changes if c["message"].startswith("extra.IsBPFEntity"))["field"] == "extra.IsBPFEntity"
    assert "mspp_columnpermissionid: is_valid_for_update is no longer documented (false)" in messages
    assert "mspp_createdon: extra.CanChangeDateTimeBehavior is newly documented (True)" in messages
    assert ('relationship mspp_systemuser_mspp_columnpermission_createdby: cascade is newly documented ({"Archive": '
            '"NoCascade", "Assign": "NoCascade", "Delete": "NoCascade", "Merge": "NoCascade", "Reparent": '
            '"NoCascade", "RollupView": "NoCascade", "Share": "NoCascade", "Unshare": "NoCascade"})') in messages
    assert "message Create: is_event is newly documented (true)" in messages
    assert not [message for message in messages if "{'" in message or "('" in message]


# -- start-up: cached pages without pydantic ---------------------------------------------------------------

def test_cached_tables_rebuilt_from_their_dump_equal_the_parsed_ones():
    from conftest import ALL_DOCUMENTS, parsed
    from dvschema.metaschema.dump import dumped_table
    from dvschema.metaschema.model import Table

    checked = 0
    for path in ALL_DOCUMENTS:
        try:
            table = parsed(path).table
        except Exception:  # noqa: BLE001 - documents that are errors by design have no table to rebuild
            continue
        dump = table.model_dump(mode="json")
        assert table == Table.model_validate(dump), path
        view = dumped_table(dump)
        for column, seen in zip(table.columns, view.columns):
            assert (seen.logical_name, seen.min_value, seen.max_value, seen.targets, seen.options and
                    seen.options[0].value) == (column.logical_name, column.min_value, column.max_value,
                                               column.targets, column.options and column.options[0].value)
            assert type(seen.min_value) is type(column.min_value)
        checked += 1
    assert checked >= 30


@pytest.mark.parametrize("records,seed", [
    ("msdyn_botsession.invalid.jsonl", SEED_BOTSESSION),
    ("msdyn_liveconversation.invalid.jsonl", SEED_LIVECONVERSATION_TEXT),
])
def test_a_validator_on_a_cached_view_finds_exactly_what_one_on_the_model_finds(records, seed):
    from conftest import parsed
    from dvschema import Validator
    from dvschema.metaschema.dump import dumped_table
    from dvschema.validation.run import validate_files

    table = parsed(seed).table
    on_model = list(validate_files(Validator(table), [RECORDS / records]))
    on_view = list(validate_files(Validator(dumped_table(table.model_dump(mode="json"))), [RECORDS / records]))
    assert on_view == on_model and len(on_model) >= 9


def test_validate_of_a_cached_page_does_not_import_pydantic(tmp_path):
    import os
    import subprocess
    import sys

    environment = {**os.environ, "DVSCHEMA_CACHE_DIR": str(tmp_path)}
    program = ("import sys\nfrom dvschema.cli import main\ntry:\n    main()\nexcept SystemExit as end:\n"
               "    print('exit', end.code, 'pydantic' in sys.modules, file=sys.stderr)\n")
    arguments = ["validate", "--schema", str(SEED_BOTSESSION), str(RECORDS / "msdyn_botsession.invalid.jsonl")]
    runs = [subprocess.run([sys.executable, "-c", program, *arguments], capture_output=True, text=True,
                           env=environment) for _ in range(2)]
    assert runs[0].stderr.strip().endswith("exit 1 True")   # parsed: the model is built and cached
    assert runs[1].stderr.strip().endswith("exit 1 False")  # cached: read-only views, no pydantic
    assert runs[0].stdout == runs[1].stdout
    assert "DV103 out-of-range msdyn_csatscore: 6 is above the maximum 5" in runs[1].stdout


def test_finding_messages_show_values_as_json_not_python():
    records = (b'{"msdyn_isengaged": {"a": 1}, "msdyn_name": "x"}\n'
               b'{"msdyn_botsessionid": [1, null], "msdyn_name": "y"}\n')
    result = _run("validate", "--schema", SEED_BOTSESSION, "--operation", "update", "-", stdin=records)
    assert _finding_lines(result.output) == [
        "-:1: DV105 invalid-option msdyn_isengaged: {\"a\":1} is not a boolean; expected true or false",
        "-:2: DV108 invalid-type msdyn_botsessionid: [1,null] is not a GUID",
    ]


def test_the_dump_rebuilder_knows_every_tuple_model_and_number_field_of_the_model():
    import typing

    from pydantic import BaseModel

    from dvschema.metaschema import model
    from dvschema.metaschema.dump import MODEL_FIELDS, NUMBER_FIELDS, TUPLE_FIELDS

    def models_in(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return {annotation.__name__}
        found = set()
        for part in typing.get_args(annotation):
            found |= models_in(part)
        return found

    for name in ("Table", "Column", "Option", "Relationship", "Message", "Source", "LayerChange"):
        for field, info in getattr(model, name).model_fields.items():
            annotation = info.annotation
            text = str(annotation)
            if typing.get_origin(annotation) is tuple:
                (item,) = models_in(annotation) or {None}
                assert TUPLE_FIELDS.get(name, {}).get(field, "missing") == item, (name, field)
            elif models_in(annotation):
                assert MODEL_FIELDS.get(name, {}).get(field) in models_in(annotation), (name, field)
            if "Decimal" in text:
                assert field in NUMBER_FIELDS.get(name, ()), (name, field)


def test_parse_of_a_folder_without_pages_writes_no_empty_catalog(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.md").write_text("# Notes\n\nNothing here describes a table.\n")
    (tmp_path / "in" / "data.json").write_text("{}")
    result = _run("parse", tmp_path / "in", "-o", tmp_path / "catalog.json")
    assert result.exit_code == 2
    assert "error: no table reference page to parse; no catalog written" in result.output
    assert not (tmp_path / "catalog.json").exists()
