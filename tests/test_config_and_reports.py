"""[tool.dvschema] configuration, CI report formats, rule documentation."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from conftest import CORPUS, FIXTURES, ROOT, SEED_BOTSESSION
from dvschema.cli import main
from dvschema.config import load_config
from dvschema.diagnostics import InputError
from dvschema.reports.rules import rules_markdown

RECORDS = FIXTURES / "records"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A data repository: a table page, record files under data/, and a pyproject.toml."""
    (tmp_path / "docs").mkdir()
    shutil.copy(SEED_BOTSESSION, tmp_path / "docs" / "msdyn_botsession.md")
    (tmp_path / "data" / "sessions").mkdir(parents=True)
    shutil.copy(RECORDS / "msdyn_botsession.invalid.jsonl", tmp_path / "data" / "sessions" / "bad.jsonl")
    shutil.copy(RECORDS / "msdyn_botsession.valid.jsonl", tmp_path / "data" / "sessions" / "good.jsonl")
    (tmp_path / "data" / "other.jsonl").write_text('{"a": 1}\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _pyproject(project, body: str):
    (project / "pyproject.toml").write_text("[project]\nname = \"data\"\n\n[tool.dvschema]\n" + body)


def _validate(*args):
    return CliRunner().invoke(main, ["validate", *map(str, args)])


def test_schema_and_table_globs_come_from_the_configuration(project):
    _pyproject(project, 'schema = ["docs"]\n[tool.dvschema.tables]\n"data/sessions/*.jsonl" = "msdyn_botsession"\n')
    assert _validate("data/sessions/good.jsonl").exit_code == 0
    result = _validate("data/sessions/bad.jsonl")
    assert result.exit_code == 1 and "data/sessions/bad.jsonl:4: DV103 out-of-range" in result.output
    unmatched = _validate("data/other.jsonl")
    assert unmatched.exit_code == 2
    assert unmatched.output.startswith("data/other.jsonl: error: no table for this file")


def test_select_ignore_severity_and_fail_on_from_configuration(project):
    _pyproject(project, 'schema = ["docs"]\nselect = ["DV10"]\nextend-select = ["DV111"]\nignore = ["DV103"]\n'
                        'fail-on = "warning"\n[tool.dvschema.severity]\nmax-length = "warning"\n')
    output = _validate("--format", "json", "data/sessions/bad.jsonl").output
    found = {(f["rule"], f["severity"]) for f in json.loads(output)["findings"]}
    assert ("out-of-range", "error") not in found                 # ignored by prefix DV103
    assert ("max-length", "warning") in found                     # severity override
    assert ("unknown-column", "error") in found                   # extend-select
    assert not any(rule == "read-only-column" for rule, _ in found)   # DV110 not selected
    assert _validate("data/sessions/bad.jsonl").exit_code == 1


def test_command_line_overrides_the_configuration(project):
    _pyproject(project, 'schema = ["docs"]\nignore = ["ALL"]\nfail-on = "info"\noperation = "full"\n')
    assert _validate("data/sessions/bad.jsonl").exit_code == 0            # everything ignored
    overridden = _validate("--ignore", "DV111", "--operation", "create", "--fail-on", "error",
                           "data/sessions/bad.jsonl")
    assert overridden.exit_code == 1
    assert "DV111" not in overridden.output and "DV103 out-of-range" in overridden.output


@pytest.mark.parametrize("body,message,found", [
    ('colour = "blue"\n', "unknown key in [tool.dvschema]", "colour"),
    ('fail-on = "fatal"\n', "bad value for fail-on", "fatal"),
    ('operation = 3\n', "bad value for operation", "3"),
    ('select = "DV1"\n', "bad value for select", "DV1"),
    ('select = ["XX9"]\n', "bad value for select", '["XX9"]'),
    ('[tool.dvschema.severity]\nno-such-rule = "error"\n', "unknown rule in [tool.dvschema.severity]",
     "no-such-rule"),
    ('[tool.dvschema.severity]\nmax-length = "fatal"\n', "bad value for max-length", "fatal"),
    ('[tool.dvschema.tables]\n"*.jsonl" = 1\n', "bad value for tables", '{"*.jsonl": 1}'),
])
def test_configuration_errors_name_the_key(project, body, message, found):
    _pyproject(project, body)
    with pytest.raises(InputError) as error:
        load_config(project / "pyproject.toml")
    diagnostic = error.value.diagnostic
    assert (diagnostic.message, diagnostic.found) == (message, found)
    assert diagnostic.line is not None and diagnostic.path.endswith("pyproject.toml")
    result = _validate("--schema", "docs", "data/sessions/good.jsonl")
    assert result.exit_code == 2 and message in result.output


def test_explicit_config_file(project):
    config = project / "dvschema.toml"
    config.write_text('schema = ["docs"]\nignore = ["DV1"]\n')
    assert _validate("--config", config, "data/sessions/bad.jsonl").exit_code == 0


def _formats(args):
    return {fmt: CliRunner().invoke(main, [*args, "--format", fmt]) for fmt in ("sarif", "junit", "github")}


def test_validate_sarif_junit_and_github_formats():
    outputs = _formats(["validate", "--schema", str(SEED_BOTSESSION), str(RECORDS / "msdyn_botsession.invalid.jsonl"),
                        str(RECORDS / "msdyn_botsession.valid.jsonl")])
    sarif = json.loads(outputs["sarif"].output)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    assert len(run["results"]) == 15
    first = run["results"][0]
    assert first["ruleId"] == "DV101" and first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} >= {"DV101", "DV102", "DV110"}
    assert next(r for r in run["results"] if r["ruleId"] == "DV110")["level"] == "warning"

    suite = ET.fromstring(outputs["junit"].output).find("testsuite")
    cases = suite.findall("testcase")
    assert [case.get("name").rsplit("/", 1)[-1] for case in cases] == [
        "msdyn_botsession.invalid.jsonl", "msdyn_botsession.valid.jsonl"]
    # the DV110 warning is below --fail-on error: the case's output, not a failure
    assert len(cases[0].findall("failure")) == 14 and cases[1].findall("failure") == []
    assert suite.get("failures") == "14"
    assert cases[0].find("system-out").text.endswith(
        "msdyn_botsession.invalid.jsonl:14: DV110 read-only-column [warning] createdon: not valid for create; "
        "the server ignores the value")
    warning_fails = ET.fromstring(CliRunner().invoke(main, [
        "validate", "--schema", str(SEED_BOTSESSION), str(RECORDS / "msdyn_botsession.invalid.jsonl"),
        "--format", "junit", "--fail-on", "warning"]).output).find("testsuite")
    assert warning_fails.get("failures") == "15"

    lines = outputs["github"].output.splitlines()
    assert len(lines) == 15
    pattern = re.compile(r"^::(error|warning|notice) file=[^,]+,line=\d+,title=DV\d{3} [a-z-]+::.+$")
    assert all(pattern.match(line) for line in lines)
    assert lines[3].endswith("::msdyn_csatscore: 6 is above the maximum 5")


def test_diff_sarif_junit_and_github_formats(monkeypatch):
    monkeypatch.chdir(ROOT)
    outputs = _formats(["diff", "fixtures/drift/release-1", "fixtures/drift/release-2"])
    sarif = json.loads(outputs["sarif"].output)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"DD101", "DD102", "DD203"}
    suite = ET.fromstring(outputs["junit"].output).find("testsuite")
    names = sorted(case.get("name") for case in suite.findall("testcase"))
    assert names == ["msdyn_botsession", "msdyn_copilotinteraction", "msdyn_sessionevent", "package"]
    assert outputs["github"].output.startswith(
        "::error file=fixtures/drift/release-1/msdyn_sessionevent.md,title=DD101 table-removed::")
    # one breaking change fails; the five info additions are below --fail-on breaking
    assert suite.get("failures") == "1"
    assert len(suite.find("testcase[@name='package']").findall("failure")) == 0
    assert "DD102 table-added [info] table package was added" in \
        suite.find("testcase[@name='package']").find("system-out").text
    info_run = CliRunner().invoke(main, ["diff", "fixtures/drift/release-1", "fixtures/drift/release-2",
                                         "--format", "junit", "--fail-on", "info"])
    assert ET.fromstring(info_run.output).find("testsuite").get("failures") == "6"


def test_rules_command_and_generated_docs_are_current():
    listing = CliRunner().invoke(main, ["rules"]).output
    assert "DV102  max-length" in listing and "DD303  option-label-changed" in listing
    assert "StringLengthTooLong" in CliRunner().invoke(main, ["rules", "max-length"]).output
    assert CliRunner().invoke(main, ["rules", "DV999"]).exit_code == 2
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run python -m dvschema.reports.rules")


def test_docs_hook_command(tmp_path):
    good = tmp_path / "bot.md"
    shutil.copy(SEED_BOTSESSION, good)
    readme = tmp_path / "README.md"
    readme.write_text("# About\n")
    result = CliRunner().invoke(main, ["docs", str(good), str(readme)])
    assert result.exit_code == 0 and "skipped: not a table reference page" in result.output
    broken = tmp_path / "broken.md"
    broken.write_text(good.read_text().replace("|RequiredLevel|None|", "|RequiredLevel|Maybe|", 1))
    assert CliRunner().invoke(main, ["docs", str(broken)]).exit_code == 2


def test_drift_check_against_baseline(project):
    baseline = project / "baseline.json"
    assert CliRunner().invoke(main, ["parse", "docs", "-o", str(baseline)]).exit_code == 0
    _pyproject(project, 'schema = ["docs"]\nbaseline = "baseline.json"\n')
    assert CliRunner().invoke(main, ["drift-check"]).exit_code == 0
    shutil.copy(CORPUS / "new/package.md", project / "docs" / "package.md")
    (project / "docs" / "msdyn_botsession.md").unlink()
    result = CliRunner().invoke(main, ["drift-check"])
    assert result.exit_code == 1 and "DD101 table-removed: table msdyn_botsession was removed" in result.output
    # two sources that both describe a table fully: an error, as for validate, not the last one kept
    (project / "later").mkdir()
    shutil.copy(CORPUS / "new/package.md", project / "later" / "package.md")
    _pyproject(project, 'schema = ["docs", "later"]\nbaseline = "baseline.json"\n')
    result = CliRunner().invoke(main, ["drift-check"])
    assert result.exit_code == 2 and "table package is" in result.output and "full descriptions of package" in \
        result.output


def test_sarif_output_is_valid_against_the_official_schema(monkeypatch):
    from jsonschema import Draft4Validator

    schema = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    checker = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    validate = CliRunner().invoke(main, ["validate", "--schema", str(SEED_BOTSESSION), "--format", "sarif",
                                         str(RECORDS / "msdyn_botsession.invalid.jsonl")]).output
    monkeypatch.chdir(ROOT)
    drift = CliRunner().invoke(main, ["diff", "fixtures/drift/release-1", "fixtures/drift/release-2",
                                      "--format", "sarif"]).output
    for output in (validate, drift):
        log = json.loads(output)
        assert log["runs"][0]["results"]
        assert [error.message for error in checker.iter_errors(log)] == []
    broken = json.loads(validate)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not checker.is_valid(broken)


def test_progress_line_only_on_a_terminal_outside_ci(monkeypatch, capsys):
    import io
    import sys

    from dvschema.cli import _progress
    from dvschema.validation.run import RunSummary

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("CI", raising=False)
    _progress(False, 1, 10)(RunSummary(records=5))          # a small run: no line
    _progress(True, 100, 10**9)(RunSummary(records=5))      # --quiet: no line
    assert terminal.getvalue() == ""
    _progress(False, 100, 10)(RunSummary(files=3, records=20000, violations=7))
    assert "20,000 records, 3/100 files, 7 findings" in terminal.getvalue()
    monkeypatch.setenv("CI", "true")
    before = terminal.getvalue()
    _progress(False, 100, 10**9)(RunSummary(records=5))
    assert terminal.getvalue() == before
