"""Catalogs of many pages: extension pages layered on their base, whole-folder runs, --jobs, metadata lint."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import CORPUS, FIXTURES, SEED_BOTSESSION
from dvschema.cli import main
from dvschema.metaschema.model import MODEL_VERSION
from dvschema.parsers import build_catalog, parse_file, parse_paths
from dvschema.validation import Validator

LAYERS = CORPUS / "layers"
BASE = LAYERS / "base/elasticfileattachment.md"
EXTENSION = LAYERS / "extensions/elasticfileattachment.md"
MESSAGE_BASE = LAYERS / "base/msdyn_ocsystemmessage.md"
MESSAGE_EXTENSION = LAYERS / "extensions/msdyn_ocsystemmessage.md"
EXTENSION_SOURCE = str(EXTENSION)
PACKAGE_BASE = LAYERS / "base/package.md"
PACKAGE_EXTENSION = LAYERS / "extensions/package.md"
# The Dataverse page's cascade of FileAttachment_package_DeploymentLog, which the Customer Service page customizes.
PACKAGE_CASCADE = {"Archive": "NoCascade", "Assign": "NoCascade", "Delete": "RemoveLink", "Merge": "NoCascade",
                   "Reparent": "NoCascade", "RollupView": "NoCascade", "Share": "NoCascade", "Unshare": "NoCascade"}
# A record that binds ObjectId to an msdyn_copilotevent: only the Dynamics 365 page adds that target
# and its relationship (navigation property objectid_msdyn_copilotevent).
COPILOT_BIND = {"objectid_msdyn_copilotevent@odata.bind": "/msdyn_copilotevents(5b7e3c1a-8a0f-4b52-9d55-0c6f2f0c2a11)",
                "filename": "transcript.txt"}


def test_extension_page_is_layered_on_its_base_with_the_source_of_each_change():
    catalog, warnings = parse_paths([LAYERS])
    assert warnings == [] and sorted(catalog.tables) == ["elasticfileattachment", "msdyn_ocsystemmessage", "package"]
    table = catalog.tables["elasticfileattachment"]
    assert table.source.path == str(BASE)
    assert table.column("objectid").targets == ("componentversionnrddatasource", "sourcecontrolcomponentpayload",
                                                "msdyn_copilotevent")
    assert len(table.columns) == 17 and len(table.relationships) == 7 and len(table.messages) == 13
    assert [(c.kind, c.column, c.item, c.source.path) for c in table.layers] == [
        ("target-added", "objectid", "msdyn_copilotevent", EXTENSION_SOURCE),
        ("relationship-added", None, "msdyn_copilotevent_ElasticFileAttachments", EXTENSION_SOURCE),
        ("relationship-added", None, "ElasticFileAttachment_msdyn_copilotevent_msdyn_interactiondata",
         EXTENSION_SOURCE)]


def test_customized_relationship_is_read_and_layered_on_the_base_relationship():
    extension = parse_file(PACKAGE_EXTENSION)
    assert extension.warnings == [] and extension.table.columns == ()
    [relationship] = extension.table.relationships
    assert (relationship.kind, relationship.schema_name, relationship.changes_from, relationship.cascade,
            relationship.referencing_entity) == (
        "many_to_one", "FileAttachment_package_DeploymentLog",
        "FileAttachment_package_DeploymentLog (Microsoft Dataverse)", {"Archive": "NoCascade"}, None)
    catalog, warnings = parse_paths([LAYERS])
    assert warnings == []
    table = catalog.tables["package"]
    assert table.source.path == str(PACKAGE_BASE) and len(table.relationships) == 16
    merged = next(r for r in table.relationships if r.schema_name == "FileAttachment_package_DeploymentLog")
    assert merged.cascade == PACKAGE_CASCADE and merged.referenced_entity == "fileattachment"
    assert merged.changes_from is None
    assert [(c.kind, c.relationship, c.item, c.value, c.source.path) for c in table.layers] == [
        ("relationship-changed", "FileAttachment_package_DeploymentLog", "cascade.Archive", "NoCascade",
         str(PACKAGE_EXTENSION))]


def test_a_changed_cascade_entry_of_a_customized_relationship_wins_over_the_base(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "ext").mkdir()
    shutil.copy(PACKAGE_BASE, tmp_path / "base/package.md")
    text = PACKAGE_EXTENSION.read_text(encoding="utf-8")
    edited = text.replace("|CascadeConfiguration|Archive: `NoCascade`|",
                          "|CascadeConfiguration|Archive: `NoCascade`<br />Delete: `Cascade`|")
    assert edited != text
    (tmp_path / "ext/package.md").write_text(edited, encoding="utf-8")
    catalog, warnings = parse_paths([tmp_path])
    assert warnings == []
    merged = next(r for r in catalog.tables["package"].relationships
                  if r.schema_name == "FileAttachment_package_DeploymentLog")
    assert merged.cascade == {**PACKAGE_CASCADE, "Delete": "Cascade"}
    result = CliRunner().invoke(main, ["parse", str(tmp_path), "--show-layers"])
    assert result.exit_code == 0 and result.output == (
        f"package: {tmp_path / 'base/package.md'}\n"
        f"  relationship FileAttachment_package_DeploymentLog.cascade.Archive = NoCascade  ({tmp_path / 'ext/package.md'})\n"
        f"  relationship FileAttachment_package_DeploymentLog.cascade.Delete = Cascade  ({tmp_path / 'ext/package.md'})\n")


def test_customized_relationships_of_the_sales_generation_one_to_many_spelling():
    result = parse_file(FIXTURES / "extensions/systemuser.sales.md")
    assert result.warnings == [] and result.table.logical_name == "systemuser"
    assert [(r.kind, r.schema_name, r.changes_from, r.referenced_entity_navigation_property_name)
            for r in result.table.relationships] == [
        ("one_to_many", "lk_territory_createdonbehalfby", "lk_territory_createdonbehalfby (Microsoft Dataverse)",
         "lk_territory_createdonbehalfby"),
        ("one_to_many", "lk_territory_modifiedonbehalfby", "lk_territory_modifiedonbehalfby (Microsoft Dataverse)",
         "lk_territory_modifiedonbehalfby")]


def test_options_and_a_column_the_customer_service_page_adds():
    catalog, _ = parse_paths([LAYERS])
    table = catalog.tables["msdyn_ocsystemmessage"]
    base = parse_file(MESSAGE_BASE).table
    assert (len(base.columns), len(table.columns)) == (28, 29)
    assert [(o.value, o.label) for o in base.column("msdyn_streamsource").options] == [(192350000, "Entity Records")]
    options = table.column("msdyn_streamsource").options
    assert len(options) == 16 and (options[9].value, options[9].label) == (192360000, "Live chat")
    # The base page's own facts of the customized column stay.
    assert (table.column("msdyn_streamsource").type, table.column("msdyn_streamsource").required_level) == (
        "Picklist", "ApplicationRequired")
    assert table.column("msdyn_widgetid").targets == ("msdyn_livechatconfig",)
    kinds = [(c.kind, c.column, c.item, c.value) for c in table.layers]
    assert kinds[:2] == [("column-added", "msdyn_widgetid", None, None),
                         ("option-added", "msdyn_streamsource", "19241000", "Microsoft Teams")]
    assert len(kinds) == 18 and {c.source.path for c in table.layers} == {str(MESSAGE_EXTENSION)}


def test_an_option_only_the_extension_page_lists_is_valid_in_the_merged_table(tmp_path):
    records = tmp_path / "messages.jsonl"
    records.write_text('{"msdyn_name": "Welcome", "msdyn_streamsource": 192360000}\n')
    base_run = CliRunner().invoke(main, ["validate", "--schema", str(MESSAGE_BASE), "--operation", "update",
                                         str(records)])
    assert base_run.exit_code == 1
    assert "DV105 invalid-option" in base_run.output and "192360000 is not an option" in base_run.output
    merged_run = CliRunner().invoke(main, ["validate", "--schema", str(LAYERS), "--table", "msdyn_ocsystemmessage",
                                           "--operation", "update", str(records)])
    assert merged_run.exit_code == 0, merged_run.output


def test_a_base_page_and_its_extension_given_as_two_schema_options_are_layered(tmp_path):
    records = tmp_path / "messages.jsonl"
    records.write_text('{"msdyn_name": "Welcome", "msdyn_streamsource": 192360000}\n')
    run = CliRunner().invoke(main, ["validate", "--schema", str(MESSAGE_BASE), "--schema", str(MESSAGE_EXTENSION),
                                    "--table", "msdyn_ocsystemmessage", "--operation", "update", str(records)])
    assert run.exit_code == 0, run.output
    # the extension named first: still layered on its base, not replaced by it
    run = CliRunner().invoke(main, ["validate", "--schema", str(MESSAGE_EXTENSION), "--schema", str(MESSAGE_BASE),
                                    "--table", "msdyn_ocsystemmessage", "--operation", "update", str(records)])
    assert run.exit_code == 0, run.output


def test_two_full_descriptions_of_one_table_as_schema_options_are_an_error(tmp_path):
    other = tmp_path / "copy.md"
    shutil.copy(MESSAGE_BASE, other)
    records = tmp_path / "messages.jsonl"
    records.write_text('{"msdyn_name": "Welcome"}\n')
    run = CliRunner().invoke(main, ["validate", "--schema", str(MESSAGE_BASE), "--schema", str(other),
                                    "--table", "msdyn_ocsystemmessage", str(records)])
    assert run.exit_code == 2
    assert "table msdyn_ocsystemmessage is described by" in run.output and "Traceback" not in run.output


def test_a_record_only_the_merged_table_accepts():
    catalog, _ = parse_paths([LAYERS])
    base = parse_file(BASE).table
    assert [(v.code, v.key) for v in Validator(base, catalog=catalog).iter_violations(COPILOT_BIND)] == [
        ("DV111", "objectid_msdyn_copilotevent@odata.bind")]
    assert list(Validator(catalog.tables["elasticfileattachment"], catalog=catalog).iter_violations(COPILOT_BIND)) == []


def test_show_layers_names_the_page_of_each_fact():
    result = CliRunner().invoke(main, ["parse", str(LAYERS), "--show-layers"])
    assert result.exit_code == 0
    lines = result.output.split("\n")
    assert lines[:5] == [
        f"elasticfileattachment: {BASE}",
        f"  objectid target msdyn_copilotevent added  ({EXTENSION})",
        f"  relationship msdyn_copilotevent_ElasticFileAttachments added  ({EXTENSION})",
        f"  relationship ElasticFileAttachment_msdyn_copilotevent_msdyn_interactiondata added  ({EXTENSION})",
        f"msdyn_ocsystemmessage: {MESSAGE_BASE}"]
    assert f"  msdyn_streamsource option 192360000 'Live chat' added  ({MESSAGE_EXTENSION})" in lines


def test_two_full_pages_of_one_table_are_still_an_error():
    build = build_catalog([CORPUS / "y2020/msdyn_liveconversation.2019.md",
                           CORPUS / "y2020/msdyn_liveconversation.2020-07.md"])
    [error] = build.errors
    assert error.path == str(CORPUS / "y2020/msdyn_liveconversation.2020-07.md")
    assert error.message.startswith("table msdyn_liveconversation is described by ")


@pytest.fixture
def folder(tmp_path):
    """Three good pages, two bad ones (a bad RequiredLevel, a bad MaxValue) and notes that are no page."""
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(SEED_BOTSESSION, pages / "a_botsession.md")
    shutil.copy(CORPUS / "y2018/sdkmessagefilter.md", pages / "b_sdkmessagefilter.md")
    shutil.copy(CORPUS / "y2019/commitment.md", pages / "c_commitment.md")
    text = (CORPUS / "new/discount.md").read_text(encoding="utf-8")
    (pages / "d_discount.md").write_text(text.replace("|RequiredLevel|None|", "|RequiredLevel|Maybe|", 1))
    text = (CORPUS / "y2018/sdkmessagefilter.md").read_text(encoding="utf-8")
    (pages / "e_filter.md").write_text(text.replace("**MaxValue**: 255<br />", "**MaxValue**: lots<br />", 1))
    (pages / "f_notes.md").write_text("Notes about these pages.\n")
    return pages


def _bad_lines(folder):
    text = (folder / "d_discount.md").read_text().split("\n")
    return text.index("|RequiredLevel|Maybe|") + 1


def test_folder_reports_every_bad_page_and_writes_nothing(folder, tmp_path):
    output = tmp_path / "catalog.json"
    result = CliRunner().invoke(main, ["parse", str(folder), "-o", str(output)])
    assert result.exit_code == 2 and not output.exists()
    lines = result.output.strip().split("\n")
    assert lines == [
        f"{folder}/f_notes.md:1: warning: skipped: not a table reference page (found 'Notes about these pages.')",
        f"{folder}/d_discount.md:{_bad_lines(folder)}: error: bad value for RequiredLevel (found 'Maybe', expected "
        "one of None, Recommended, ApplicationRequired, SystemRequired)",
        f"{folder}/e_filter.md:109: error: bad value for MaxValue (found 'lots', expected a number such as 100, "
        "-1.5 or 1E-12)",
        "2 of the pages failed; no catalog written (--keep-going writes the others)"]


def test_keep_going_writes_the_good_pages_compactly_and_lists_those_left_out(folder, tmp_path):
    output = tmp_path / "catalog.json"
    result = CliRunner().invoke(main, ["parse", str(folder), "-o", str(output), "--keep-going"])
    assert result.exit_code == 2
    assert result.output.strip().split("\n")[-1] == (
        f"left out 2 pages that failed: {folder}/d_discount.md, {folder}/e_filter.md")
    text = output.read_text()
    assert "\n" not in text.rstrip("\n")  # compact by default
    assert sorted(json.loads(text)["tables"]) == ["commitment", "msdyn_botsession", "sdkmessagefilter"]
    indented = tmp_path / "indented.json"
    CliRunner().invoke(main, ["parse", str(folder), "-o", str(indented), "--keep-going", "--indent"])
    assert indented.read_text().startswith(f'{{\n  "model_version": "{MODEL_VERSION}",\n  "tables": {{\n')
    assert json.loads(indented.read_text()) == json.loads(text)


def test_jobs_give_the_same_catalog_and_errors_as_one_process(folder):
    one = build_catalog([folder])
    two = build_catalog([folder], jobs=2)
    assert two.catalog == one.catalog and two.errors == one.errors and two.left_out == one.left_out
    assert len(one.errors) == 2 and len(one.catalog.tables) == 3


def test_jobs_fall_back_to_one_process_where_fork_is_unavailable(folder, monkeypatch):
    import multiprocessing

    def no_fork(method=None):
        raise ValueError("cannot find context for 'fork'")

    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    build = build_catalog([folder], jobs=2)
    assert sorted(build.catalog.tables) == ["commitment", "msdyn_botsession", "sdkmessagefilter"]
    # never silently one process: a warning says so
    assert [w.message for w in build.warnings if "--jobs" in w.message] == [
        "--jobs 2: worker processes cannot be started here (cannot find context for 'fork'); one process parses "
        "the pages"]


def test_jobs_spawn_workers_where_fork_is_not_used(folder, monkeypatch):
    import dvschema.processes

    monkeypatch.setattr(dvschema.processes, "worker_start_method", lambda: "spawn")
    one = build_catalog([folder])
    spawned = build_catalog([folder], jobs=2)
    assert spawned.catalog == one.catalog and spawned.errors == one.errors
    assert not [w for w in spawned.warnings if "--jobs" in w.message]


def test_docs_accepts_folders_and_reports_every_bad_page(folder):
    result = CliRunner().invoke(main, ["docs", str(folder)])
    assert result.exit_code == 2
    assert f"{folder}/d_discount.md:{_bad_lines(folder)}: error: bad value for RequiredLevel" in result.output
    assert f"{folder}/e_filter.md:109: error: bad value for MaxValue" in result.output
    assert f"{folder}/f_notes.md: skipped: not a table reference page" in result.output
    assert result.output.strip().split("\n")[-1] == "3 documents checked, 0 warnings, 2 failed"


# -- metadata lint: one edited real page per rule (the edit, the code, the page line) --------------------

FILTER = CORPUS / "y2018/sdkmessagefilter.md"
SIMILARITY = CORPUS / "y2018/advancedsimilarityrule.md"
COMMITMENT = CORPUS / "y2019/commitment.md"
_ACTIVITY_ID = COMMITMENT.read_text(encoding="utf-8").split("\n")[161:173]
LINT_CASES = [
    ("DL101", SEED_BOTSESSION, "|MaxValue|5|\n|MinValue|1|", "|MaxValue|5|\n|MinValue|9|", 143,
     "msdyn_csatscore: MinValue 9 is above MaxValue 5"),
    ("DL102", FILTER, "**MaxLength**: 48", "**MaxLength**: 2147483647", 78,
     "introducedversion: MaxLength 2147483647 is beyond the String limit 1073741823"),
    ("DL103", SIMILARITY, "- **Value**: 2 **Label**: Inactive **State**: 1",
     "- **Value**: 2 **Label**: Inactive **State**: 5", 265,
     "statuscode: status option 2 belongs to state 5, which is no state option (0, 1)"),
    ("DL104", FILTER, "- **Value**: 3 **Label**: Deleted Unpublished", "- **Value**: 2 **Label**: Deleted Unpublished",
     183, "componentstate: option value 2 (Deleted Unpublished) is already used by Deleted"),
    ("DL105", SIMILARITY, "**DefaultStatus**: 2 **InvariantName**: Inactive",
     "**DefaultStatus**: 7 **InvariantName**: Inactive", 249,
     "statecode: state 1 has DefaultStatus 7, which is no status option"),
    ("DL106", FILTER, "**Type**: Lookup<br />\n**Targets**: sdkmessage\n", "**Type**: Lookup<br />\n", 134,
     "sdkmessageid: a Lookup column without Targets"),
    ("DL107", COMMITMENT, '### <a name="BKMK_ImportSequenceNumber"></a>',
     "\n".join(_ACTIVITY_ID) + '\n\n### <a name="BKMK_ImportSequenceNumber"></a>', 162 + len(_ACTIVITY_ID) + 1,
     "activityid: listed both as a writable and as a read-only column"),
    ("DL108", CORPUS / "new/activityparty.md", None, None, 41,
     "PrimaryNameAttribute partyidname is no column of the table"),
]


@pytest.mark.parametrize("code,page,old,new,line,message", LINT_CASES, ids=[case[0] for case in LINT_CASES])
def test_lint_rule_finds_its_case_at_the_page_line(code, page, old, new, line, message, tmp_path):
    from dvschema.lint import lint_page
    from dvschema.parsers import parse_text

    text = page.read_text(encoding="utf-8")
    clean = parse_text(text, "page.md")
    if old is not None:
        assert text.count(old) >= 1
        assert [f.code for f in lint_page(clean.table, clean.locations, "page.md")] == []
        text = text.replace(old, new, 1)
    result = parse_text(text, "page.md")
    findings = lint_page(result.table, result.locations, "page.md")
    assert [(f.code, f.line, f.message) for f in findings] == [(code, line, message)]
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    run = CliRunner().invoke(main, ["docs", "--lint", str(path)])
    assert run.exit_code == 1
    assert f"{path}:{line}: {code} {findings[0].rule} {message}" in run.output


def test_lint_rules_are_in_the_rules_registry():
    result = CliRunner().invoke(main, ["rules", "DL106"])
    assert result.exit_code == 0 and result.output.startswith("DL106 lookup-without-targets (default severity: error)")


def test_drift_from_the_base_pages_to_the_layered_catalog_names_each_added_fact():
    from dvschema.drift import diff
    from dvschema.metaschema.model import Catalog

    layered, _ = parse_paths([LAYERS])
    base = Catalog(tables={t.logical_name: t for t in (parse_file(BASE).table, parse_file(MESSAGE_BASE).table,
                                                       parse_file(PACKAGE_BASE).table)})
    changes = diff(base, layered)
    kinds = sorted((c.table, c.kind) for c in changes)
    # One option becoming sixteen is fifteen option-added changes, not one changed value.
    assert kinds.count(("msdyn_ocsystemmessage", "option-added")) == 15
    assert ("msdyn_ocsystemmessage", "column-added") in kinds and ("elasticfileattachment", "targets-added") in kinds
    assert len(changes) == 21 and {c.severity for c in changes} == {"info"}


UNTITLED = FIXTURES / "untitled"


@pytest.mark.parametrize(("name", "expected"), [
    ("slaitem.notitle.md", ":24: error: a table reference page without its title: its Entity Properties section "
                           "comes with no title before it (found \"'Entity Properties' as the first heading\""),
    ("commitment.h2.md", ":18: error: the page's title is not a level-1 heading (a table reference page needs one; "
                         "its Messages section is at line 24) (found \"'## Commitment Entity Reference'\""),
])
def test_a_reference_page_without_its_title_is_a_located_error_not_a_skipped_page(tmp_path, name, expected):
    page = UNTITLED / name
    lint = CliRunner().invoke(main, ["docs", "--lint", str(page)])
    assert lint.exit_code == 2 and f"{page}{expected}" in lint.output and "skipped" not in lint.output
    # In a folder too: the page is not dropped from the catalog with a warning.
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(page, folder / name)
    (folder / "README.md").write_text("# Pages\n\nTable reference pages copied from the docs.\n", encoding="utf-8")
    out = tmp_path / "catalog.json"
    run = CliRunner().invoke(main, ["parse", str(folder), "-o", str(out)])
    assert run.exit_code == 2 and f"{folder / name}{expected}" in run.output and not out.exists()
    build = build_catalog([folder])
    assert [(d.path, d.line, d.severity) for d in build.errors] == [(str(folder / name), int(expected.split(":")[1]),
                                                                     "error")]
    assert [(d.path, d.message) for d in build.warnings] == [
        (str(folder / "README.md"), "skipped: not a table reference page")]


@pytest.mark.parametrize("page", [LAYERS / "extensions/package.md", FIXTURES / "extensions/systemuser.sales.md"])
def test_customized_relationships_read_the_same_from_the_rendered_text(tmp_path, page):
    from plaintext_render import render_plain_text

    text = tmp_path / f"{page.stem}.txt"
    text.write_text(render_plain_text(page.read_text(encoding="utf-8")), encoding="utf-8")
    markdown, plain = parse_file(page), parse_file(text)
    assert plain.warnings == [] and plain.table.relationships == markdown.table.relationships
    assert all(r.changes_from is not None for r in plain.table.relationships)
