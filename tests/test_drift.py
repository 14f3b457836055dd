"""Schema drift: real drift in the corpus, one minimal edited pair per change kind, folders, CLI."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner

from conftest import (CORPUS, FIXTURES, ROOT, MARKDOWN_DOCUMENTS, SEED_BOTSESSION, SEED_COPILOTINTERACTION,
                      SEED_LIVECONVERSATION_TEXT, SEED_SESSIONEVENT_TEXT, doc_id, parsed)
from dvschema.cli import main
from dvschema.drift import CHANGE_KINDS, diff, diff_with_unclaimed
from dvschema.metaschema.model import Catalog
from dvschema.parsers import parse_text
from plaintext_render import render_plain_text

DISCOUNT = CORPUS / "new/discount.md"


def _changes(old, new):
    changes, unclaimed = diff_with_unclaimed(old, new)
    assert unclaimed == []
    return changes


def _summary(changes):
    return sorted((c.kind, c.column, c.item) for c in changes)


def test_botsession_newer_page_adds_exactly_four_optional_columns():
    changes = _changes(parsed(SEED_BOTSESSION).table, parsed(CORPUS / "new/msdyn_botsession.md").table)
    assert _summary(changes) == [("column-added", name, None) for name in (
        "msdyn_convtranscriptid", "msdyn_lastsessionoutcome", "msdyn_lastsessionoutcomereason",
        "msdyn_mcsbotsessionid")]
    assert {c.severity for c in changes} == {"info"}


LIVECONVERSATION_DESCRIBED_IN_2020_ONLY = [
    "msdyn_activeagentassignedon", "msdyn_activeagentid", "msdyn_closedon", "msdyn_createdon", "msdyn_customer",
    "msdyn_escalationcount", "msdyn_initiatedon", "msdyn_liveconversationid", "msdyn_liveworkstreamid",
    "msdyn_modifiedon", "msdyn_oclastsessionid", "msdyn_startedon", "msdyn_statusupdatedon", "msdyn_title",
    "msdyn_transfercount"]


def test_text_seed_004_against_the_2019_markdown_reports_only_visible_differences():
    changes = _changes(parsed(SEED_LIVECONVERSATION_TEXT).table,
                       parsed(CORPUS / "y2020/msdyn_liveconversation.2019.md").table)
    assert _summary(changes) == sorted(
        [("column-removed", "msdyn_channel", None), ("column-removed", "msdyn_workstreamworkdistributionmode", None),
         # The 2019 page states IsValidForUpdate False; the plain text of the older page has no row for it.
         ("newly-documented", "msdyn_liveconversationid", None),
         ("relationship-removed", None, "msdyn_msdyn_omnichannelqueue_msdyn_liveconversation")]
        + [("option-label-changed", "msdyn_customersentimentlabel", value) for value in ("11", "13", "7", "9")]
        + [("column-description-changed", name, None) for name in LIVECONVERSATION_DESCRIBED_IN_2020_ONLY])
    label = next(c for c in changes if c.kind == "option-label-changed" and c.item == "7")
    assert (label.old, label.new, label.severity) == ("Very negative", "Very Negative", "warning")
    described = next(c for c in changes if c.column == "msdyn_title")
    assert (described.old, described.new) == ("Conversation Title", None)


def test_the_two_corpus_versions_of_liveconversation():
    changes = _changes(parsed(CORPUS / "y2020/msdyn_liveconversation.2019.md").table,
                       parsed(CORPUS / "y2020/msdyn_liveconversation.2020-07.md").table)
    assert Counter(c.kind for c in changes) == {"column-description-changed": 15, "option-label-changed": 4,
                                                "column-added": 2, "no-longer-documented": 1, "relationship-added": 1}
    # The 2019 page states IsValidForUpdate False for the primary key, the 2020 one has no row for it: it did
    # not "become writable" (the parser used to fill True from the writable section).
    dropped = next(c for c in changes if c.kind == "no-longer-documented")
    assert (dropped.column, dropped.field, dropped.old, dropped.new) == (
        "msdyn_liveconversationid", "is_valid_for_update", False, None)
    assert [c.column for c in changes if c.kind == "column-added"] == [
        "msdyn_channel", "msdyn_workstreamworkdistributionmode"]


def test_sessionevent_text_seed_against_markdown_shows_the_renumbered_reasons():
    changes = _changes(parsed(SEED_SESSIONEVENT_TEXT).table, parsed(CORPUS / "y2020/msdyn_sessionevent.md").table)
    relabelled = {c.item: (c.old, c.new) for c in changes if c.kind == "option-label-changed"}
    assert relabelled == {"192350021": ("Disconnect", "Item"), "192350022": ("Timeout", "Disconnect"),
                          "192350023": ("End", "Timeout"), "192350024": ("BotTransferSession", "End")}
    removed = Counter(c.column for c in changes if c.kind == "option-removed")
    assert removed == {"msdyn_eventreason": 18, "msdyn_eventtype": 10}
    assert len(changes) == 32


def test_copilotinteraction_seed_and_corpus_page_have_no_drift():
    assert _changes(parsed(SEED_COPILOTINTERACTION).table,
                    parsed(CORPUS / "y2023/msdyn_copilotinteraction.md").table) == []


def test_columnpermission_across_two_formats_and_dates():
    changes = _changes(parsed(CORPUS / "y2023/mspp_columnpermission.2024-06.md").table,
                       parsed(CORPUS / "new/mspp_columnpermission.md").table)
    # The newest generation omits the lookup name columns, IsValidForCreate/IsValidForUpdate rows, "Added by"
    # and IsBPFEntity, and adds TableType, cascades, Associate/Disassociate: nothing breaking changed.
    assert [c for c in changes if c.severity != "info"] == []
    # Upsert/UpsertMultiple: only the newest generation lists them (no markdown-2023 page does), so they are
    # newly documented, not added.
    assert Counter(c.kind for c in changes) == {"newly-documented": 38, "no-longer-documented": 11}
    derived = [c for c in changes if c.kind == "no-longer-documented" and c.field is None]
    assert [c.column for c in derived] == ["mspp_columnpermissionprofileidname", "mspp_createdbyname",
                                           "mspp_createdbyyominame", "mspp_modifiedbyname",
                                           "mspp_modifiedbyyominame"]
    assert derived[1].message == ("column mspp_createdbyname (the name of lookup mspp_createdby, derived from it) "
                                  "is no longer documented")
    assert sorted((c.column or "", c.field) for c in changes if c.kind == "no-longer-documented" and c.field) == [
        ("", "added_by"), ("", "added_by"), ("", "added_by"), ("", "extra.IsBPFEntity"),
        ("mspp_columnpermissionid", "is_valid_for_update"), ("statecode", "is_valid_for_create")]
    assert sorted(c.item for c in changes if c.kind == "newly-documented" and c.field is None) == [
        "Associate", "Disassociate", "Upsert", "UpsertMultiple"]
    table_type = next(c for c in changes if c.field == "table_type")
    assert (table_type.kind, table_type.old, table_type.new) == ("newly-documented", None, "Virtual")
    # The relationship sentences differ in wording only ("See the ... one-to-many relationship for the ...
    # table/entity." / "One-To-Many Relationship: ..."): no relationship-changed.
    assert not [c for c in changes if c.kind.startswith("relationship") or c.kind == "cascade-changed"]


DISCOUNT_2019 = CORPUS / "y2019/discount.md"
UPSERT_ROWS = [line + "\n" for line in (CORPUS / "new/mspp_columnpermission.md").read_text(encoding="utf-8")
               .splitlines() if line.startswith(("| `Upsert`", "| `UpsertMultiple`"))]


def _not_breaking(changes):
    return sorted((c.kind, c.column, c.item, c.field) for c in changes if c.severity != "info")


def test_discount_2019_to_newest_generation_states_the_same_precision_source_and_documents_upsert():
    old, new = parsed(DISCOUNT_2019).table, parsed(DISCOUNT).table
    assert (old.source.format, new.source.format) == ("markdown-2020", "markdown-generated")
    # The pages write |PrecisionSource|2| and |PrecisionSource|2 (TransactionCurrency.CurrencyPrecision)|.
    assert {c.logical_name: c.precision_source for c in new.columns if c.precision_source} == {
        "amount": "2 (TransactionCurrency.CurrencyPrecision)", "amount_base": "2 (TransactionCurrency.CurrencyPrecision)"}
    for before, after in ((old, new), (new, old)):
        changes = _changes(before, after)
        assert not [c for c in changes if c.field == "precision_source"]
        upsert = [(c.kind, c.severity) for c in changes if c.item == "Upsert"]
        assert upsert == [("newly-documented" if before is old else "no-longer-documented", "info")]
    backwards = _changes(new, old)
    # What is left breaking going back is real: the 2019 page's exchangerate precision 10 and MinValue 1E-10.
    assert _not_breaking(backwards) == [("precision-decreased", "exchangerate", None, "precision"),
                                        ("range-narrowed", "exchangerate", None, "min_value")]
    upsert = next(c for c in backwards if c.item == "Upsert")
    assert upsert.message == ("message Upsert (only markdown-generated pages list it; the other page's generation "
                              "never does) is no longer documented")


def test_a_real_precision_source_change_is_still_reported():
    old = parse_text(DISCOUNT_2019.read_text(encoding="utf-8").replace("|PrecisionSource|2|", "|PrecisionSource|1|", 1),
                     "discount-2019-edited.md").table
    changes = [c for c in _changes(old, parsed(DISCOUNT).table) if c.field == "precision_source"]
    assert [(c.code, c.kind, c.column, c.old, c.new) for c in changes] == [
        ("DD221", "column-property-changed", "amount", "1", "2")]


def test_upsert_listed_by_one_generation_only_is_not_removed_across_generations():
    newest = parsed(CORPUS / "new/mspp_columnpermission.md").table
    older = parsed(CORPUS / "y2023/mspp_columnpermission.2024-06.md").table
    changes = _changes(newest, older)
    assert _not_breaking(changes) == []
    assert sorted((c.code, c.kind, c.item) for c in changes if c.item in ("Upsert", "UpsertMultiple")) == [
        ("DD002", "no-longer-documented", "Upsert"), ("DD002", "no-longer-documented", "UpsertMultiple")]


def test_plain_text_tells_no_generation_so_upsert_is_newly_documented_against_it():
    rendered = render_plain_text((CORPUS / "y2023/mspp_columnpermission.2024-06.md").read_text(encoding="utf-8"))
    older = parse_text(rendered, "mspp_columnpermission-2024-06.txt").table
    assert older.source.format == "plain-text"
    changes = _changes(older, parsed(CORPUS / "new/mspp_columnpermission.md").table)
    assert sorted((c.kind, c.item) for c in changes if c.item in ("Upsert", "UpsertMultiple")) == [
        ("newly-documented", "Upsert"), ("newly-documented", "UpsertMultiple")]
    assert not [c for c in changes if c.kind.startswith("message")]


def test_upsert_removed_between_two_pages_of_the_newest_generation_is_breaking():
    text = (CORPUS / "new/mspp_columnpermission.md").read_text(encoding="utf-8")
    assert len(UPSERT_ROWS) == 2
    for row in UPSERT_ROWS:
        text = text.replace(row, "")
    edited = parse_text(text, "mspp_columnpermission-without-upsert.md").table
    newest = parsed(CORPUS / "new/mspp_columnpermission.md").table
    assert edited.source.format == newest.source.format == "markdown-generated"
    removed = _changes(newest, edited)
    assert [(c.code, c.kind, c.severity, c.item) for c in removed] == [
        ("DD501", "message-removed", "breaking", "Upsert"), ("DD501", "message-removed", "breaking", "UpsertMultiple")]
    assert [(c.kind, c.item) for c in _changes(edited, newest)] == [
        ("message-added", "Upsert"), ("message-added", "UpsertMultiple")]


@pytest.mark.parametrize("path", MARKDOWN_DOCUMENTS, ids=doc_id)
def test_a_page_against_its_own_plain_text_rendering_has_no_drift(path):
    plain = parse_text(render_plain_text(path.read_text(encoding="utf-8")), "rendered.txt").table
    assert _changes(parsed(path).table, plain) == []


# -- one minimal edited pair per change kind ------------------------------------------------------------

def _section_edit(text: str, anchor: str, old: str, new: str) -> str:
    start = text.index(f'<a name="BKMK_{anchor}"></a>')
    end = min(i for i in (text.find("\n### ", start), text.find("\n## ", start), len(text)) if i != -1)
    section = text[start:end]
    assert old in section, (anchor, old)
    return text[:start] + section.replace(old, new, 1) + text[end:]


def _edit(old: str, new: str):
    def apply(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return apply


def _in(anchor: str, old: str, new: str):
    return lambda text: _section_edit(text, anchor, old, new)


NEW_COLUMN = """### <a name="BKMK_msdyn_extra"></a> msdyn_extra

|Property|Value|
|---|---|
|Description|**Extra**|
|DisplayName|**Extra**|
|IsValidForForm|True|
|IsValidForRead|True|
|LogicalName|`msdyn_extra`|
|RequiredLevel|{level}|
|Type|String|
|MaxLength|100|

### <a name="BKMK_OverriddenCreatedOn"></a>"""


def _add_column(level: str):
    """Add a column section and its entry in the section's list of columns."""
    add_section = _edit('### <a name="BKMK_OverriddenCreatedOn"></a>', NEW_COLUMN.format(level=level))
    add_entry = _edit("- [OverriddenCreatedOn](#BKMK_OverriddenCreatedOn)",
                      "- [msdyn_extra](#BKMK_msdyn_extra)\n- [OverriddenCreatedOn](#BKMK_OverriddenCreatedOn)")
    return lambda text: add_entry(add_section(text))


def _remove_between(start: str, end: str):
    def apply(text: str) -> str:
        first = text.index(start)
        return text[:first] + text[text.index(end, first):]
    return apply


def _remove_relationship(name: str):
    """Remove the relationship's entry and its line in the section's bullet list (which alone still names it)."""
    remove_entry = _remove_between(f'### <a name="BKMK_{name}"></a>', "## One-to-Many relationships")
    return lambda text: _edit(f"- [{name}](#BKMK_{name})\n", "")(remove_entry(text))


RESTORE_ROW = ("| `Restore`<br />Event: True |<xref:Microsoft.Dynamics.CRM.Restore?displayProperty=nameWithType /> "
               "|[Learn to use messages with the SDK for .NET](/power-apps/developer/data-platform/org-service/"
               "use-messages)|\n")

# kind: (document, edit producing the NEW side from the document, swap sides)
KIND_CASES = {
    "primary-key-changed": (SEED_BOTSESSION, _edit("| **PrimaryIdAttribute** | `msdyn_botsessionid` |",
                                                   "| **PrimaryIdAttribute** | `msdyn_id` |"), False),
    "primary-name-changed": (SEED_BOTSESSION, _edit("| **PrimaryNameAttribute** |`msdyn_name` |",
                                                    "| **PrimaryNameAttribute** |`msdyn_topicname` |"), False),
    "ownership-type-changed": (SEED_BOTSESSION, _edit("`UserOwned`", "`OrganizationOwned`"), False),
    "table-type-changed": (SEED_BOTSESSION, _edit("| **TableType** | `Standard` |", "| **TableType** | `Elastic` |"),
                           False),
    "entity-set-name-changed": (SEED_BOTSESSION, _edit("| **EntitySetName** | `msdyn_botsessions`|",
                                                       "| **EntitySetName** | `msdyn_botsessionset`|"), False),
    "table-display-name-changed": (SEED_BOTSESSION, _edit("| **DisplayName** | **Bot Session** |",
                                                          "| **DisplayName** | **Bot Sessions** |"), False),
    "table-description-changed": (SEED_BOTSESSION, _edit("Bot specific sessions", "Sessions of bots"), False),
    "table-property-changed": (SEED_BOTSESSION, _edit("| **CollectionSchemaName** | `msdyn_botsessions` |",
                                                      "| **CollectionSchemaName** | `msdyn_BotSessions` |"), False),
    "column-removed": (SEED_BOTSESSION, _add_column("None"), True),
    "column-added": (SEED_BOTSESSION, _add_column("None"), False),
    "required-column-added": (SEED_BOTSESSION, _add_column("ApplicationRequired"), False),
    "type-changed": (SEED_BOTSESSION, _in("msdyn_topicid", "|Type|String|", "|Type|Memo|"), False),
    "max-length-decreased": (SEED_BOTSESSION, _in("msdyn_Name", "|MaxLength|100|", "|MaxLength|50|"), False),
    "max-length-increased": (SEED_BOTSESSION, _in("msdyn_Name", "|MaxLength|100|", "|MaxLength|200|"), False),
    "range-narrowed": (SEED_BOTSESSION, _in("msdyn_csatscore", "|MaxValue|5|", "|MaxValue|4|"), False),
    "range-widened": (SEED_BOTSESSION, _in("msdyn_csatscore", "|MinValue|1|", "|MinValue|0|"), False),
    "precision-decreased": (DISCOUNT, _in("Amount", "|Precision|4|", "|Precision|2|"), False),
    "precision-increased": (DISCOUNT, _in("Amount", "|Precision|4|", "|Precision|5|"), False),
    "required-level-raised": (SEED_BOTSESSION, _in("msdyn_topicid", "|RequiredLevel|None|",
                                                   "|RequiredLevel|ApplicationRequired|"), False),
    "required-level-lowered": (SEED_BOTSESSION, _in("msdyn_Name", "|RequiredLevel|ApplicationRequired|",
                                                    "|RequiredLevel|Recommended|"), False),
    # Both sides state IsValidForCreate (a row the page does not have is not stated: newly-documented).
    "became-read-only": (SEED_COPILOTINTERACTION, _in("statecode", "|IsValidForCreate|False|",
                                                      "|IsValidForCreate|True|"), True),
    "became-writable": (SEED_COPILOTINTERACTION, _in("statecode", "|IsValidForCreate|False|",
                                                     "|IsValidForCreate|True|"), False),
    "newly-documented": (SEED_BOTSESSION, _in("msdyn_Name", "|ImeMode|Auto|\n", ""), True),
    "no-longer-documented": (SEED_BOTSESSION, _in("msdyn_Name", "|ImeMode|Auto|\n", ""), False),
    "date-time-behavior-changed": (SEED_BOTSESSION, _in("msdyn_endedon", "|DateTimeBehavior|TimeZoneIndependent|",
                                                        "|DateTimeBehavior|UserLocal|"), False),
    "format-changed": (SEED_BOTSESSION, _in("msdyn_endedon", "|Format|DateAndTime|", "|Format|DateOnly|"), False),
    "targets-removed": (SEED_BOTSESSION, _in("OwnerId", "|Targets|systemuser, team|", "|Targets|systemuser|"),
                        False),
    "targets-added": (SEED_BOTSESSION, _in("OwnerId", "|Targets|systemuser, team|", "|Targets|systemuser|"), True),
    "column-display-name-changed": (SEED_BOTSESSION, _in("msdyn_topicname", "**Bot Session Topic Name**",
                                                         "**Topic Name**"), False),
    "column-description-changed": (SEED_BOTSESSION, _in("msdyn_topicname", "**The display name of",
                                                        "**The name of"), False),
    "column-property-changed": (SEED_BOTSESSION, _in("msdyn_Name", "|ImeMode|Auto|", "|ImeMode|Disabled|"), False),
    "option-removed": (SEED_BOTSESSION, _edit("|419550003|**abandoned**|\n", ""), False),
    "option-added": (SEED_BOTSESSION, _edit("|419550003|**abandoned**|\n", ""), True),
    "option-label-changed": (SEED_BOTSESSION, _edit("|419550003|**abandoned**|", "|419550003|**Abandoned**|"),
                             False),
    "status-state-changed": (SEED_BOTSESSION, _edit("|2|Label: **Inactive**<br />State:1<br />",
                                                    "|2|Label: **Inactive**<br />State:0<br />"), False),
    "default-status-changed": (SEED_BOTSESSION, _edit("|1|Label: **Inactive**<br />DefaultStatus: 2<br />",
                                                      "|1|Label: **Inactive**<br />DefaultStatus: 1<br />"), False),
    "option-property-changed": (SEED_BOTSESSION, _edit("InvariantName: `Inactive`", "InvariantName: `Closed`"),
                                False),
    "relationship-removed": (SEED_BOTSESSION, _remove_relationship("user_msdyn_botsession"), False),
    "relationship-added": (SEED_BOTSESSION, _remove_relationship("user_msdyn_botsession"), True),
    "cascade-changed": (SEED_BOTSESSION, _in("msdyn_msdyn_botsession_botid_bot", "Delete: `RemoveLink`",
                                             "Delete: `Cascade`"), False),
    "relationship-changed": (SEED_BOTSESSION, _in("msdyn_msdyn_botsession_botid_bot",
                                                  "|ReferencingEntityNavigationPropertyName|`msdyn_botid`|",
                                                  "|ReferencingEntityNavigationPropertyName|`msdyn_bot`|"), False),
    "message-removed": (SEED_BOTSESSION, _edit(RESTORE_ROW, ""), False),
    "message-added": (SEED_BOTSESSION, _edit(RESTORE_ROW, ""), True),
    "message-changed": (SEED_BOTSESSION, _edit("| `Upsert`<br />Event: False", "| `Upsert`<br />Event: True"),
                        False),
}


def test_every_change_kind_has_a_minimal_case():
    assert sorted([*KIND_CASES, "table-added", "table-removed"]) == sorted(k.name for k in CHANGE_KINDS)


@pytest.mark.parametrize("kind_name", sorted(KIND_CASES))
def test_minimal_pair_produces_exactly_that_kind(kind_name):
    document, edit, swap = KIND_CASES[kind_name]
    original = parse_text(document.read_text(encoding="utf-8"), "old.md").table
    edited = parse_text(edit(document.read_text(encoding="utf-8")), "new.md").table
    old, new = (edited, original) if swap else (original, edited)
    changes = _changes(old, new)
    kind = next(k for k in CHANGE_KINDS if k.name == kind_name)
    assert [(c.kind, c.code, c.severity) for c in changes] == [(kind.name, kind.code, kind.severity)]


def test_table_added_and_removed():
    table = parsed(SEED_BOTSESSION).table
    assert [(c.kind, c.severity) for c in diff(Catalog(), Catalog(tables={table.logical_name: table}))] == [
        ("table-added", "info")]
    assert [(c.kind, c.severity) for c in diff(Catalog(tables={table.logical_name: table}), Catalog())] == [
        ("table-removed", "breaking")]


def test_severity_override():
    old = parsed(SEED_BOTSESSION).table
    new = parse_text(_edit("|419550003|**abandoned**|", "|419550003|**Abandoned**|")(
        SEED_BOTSESSION.read_text()), "n.md").table
    assert [c.severity for c in diff(old, new, severities={"option-label-changed": "breaking"})] == ["breaking"]


# -- folders, CLI, ignore file ------------------------------------------------------------------------

RELEASES = FIXTURES / "drift"


def test_folder_to_folder_release_diff_markdown_matches_expected_file(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["diff", "fixtures/drift/release-1", "fixtures/drift/release-2",
                                       "--format", "markdown"])
    assert result.exit_code == 1
    expected = (RELEASES / "expected-release-1-to-2.md").read_text(encoding="utf-8")
    assert result.output == expected


def test_folder_to_folder_json_report():
    result = CliRunner().invoke(main, ["diff", str(RELEASES / "release-1"), str(RELEASES / "release-2"),
                                       "--format", "json"])
    report = json.loads(result.output)
    assert report["version"] == "1"
    tables = {(c["kind"], c["table"]) for c in report["changes"] if c["kind"].startswith("table-")}
    assert tables == {("table-removed", "msdyn_sessionevent"), ("table-added", "package")}
    assert report["summary"]["breaking"] == 1


def test_fail_on_and_exit_codes(tmp_path):
    runner = CliRunner()
    args = ["diff", str(SEED_BOTSESSION), str(CORPUS / "new/msdyn_botsession.md")]
    assert runner.invoke(main, args).exit_code == 0
    assert runner.invoke(main, args + ["--fail-on", "info"]).exit_code == 1
    assert runner.invoke(main, args + ["--fail-on", "none"]).exit_code == 0
    missing = runner.invoke(main, ["diff", str(tmp_path / "nope"), str(SEED_BOTSESSION)])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output


def _ignore_file(tmp_path, body: str):
    path = tmp_path / "drift-ignore.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_ignore_file_applies_to_every_format_and_is_counted(tmp_path):
    ignore = _ignore_file(tmp_path, '[[ignore]]\nkind = "table-removed"\ntarget = "msdyn_sessionevent"\n'
                                    'reason = "Moved to another solution."\n')
    runner = CliRunner()
    base = ["diff", str(RELEASES / "release-1"), str(RELEASES / "release-2"), "--ignore-file", str(ignore)]
    text = runner.invoke(main, base)
    assert text.exit_code == 0
    assert text.output.rstrip().endswith("(1 ignored)")
    report = json.loads(runner.invoke(main, base + ["--format", "json"]).output)
    assert report["ignored"] == 1 and report["summary"]["breaking"] == 0
    assert "(1 ignored)" in runner.invoke(main, base + ["--format", "markdown"]).output


@pytest.mark.parametrize("body,message", [
    ('[[ignore]]\nkind = "column-removed"\nreason = "x"\n', "a global ignore by kind alone is refused"),
    ('[[ignore]]\nkind = "no-such-kind"\ntarget = "t"\nreason = "x"\n', "unknown change kind"),
    ('[[ignore]]\nkind = "column-removed"\ntarget = "t.c"\n', "every ignore needs a reason"),
    ('[severity]\ncolumn-removed = "fatal"\n', "bad severity override"),
    ('[[ignore]\n', "not valid TOML"),
])
def test_bad_ignore_files_are_input_errors(tmp_path, body, message):
    ignore = _ignore_file(tmp_path, body)
    result = CliRunner().invoke(main, ["diff", str(SEED_BOTSESSION), str(SEED_BOTSESSION), "--ignore-file", str(ignore)])
    assert result.exit_code == 2
    assert message in result.output and str(ignore) in result.output


def test_catalog_json_side(tmp_path):
    catalog = tmp_path / "baseline.json"
    assert CliRunner().invoke(main, ["parse", str(SEED_BOTSESSION), "-o", str(catalog)]).exit_code == 0
    result = CliRunner().invoke(main, ["diff", str(catalog), str(CORPUS / "new/msdyn_botsession.md"),
                                       "--format", "json"])
    assert [c["column"] for c in json.loads(result.output)["changes"]] == [
        "msdyn_convtranscriptid", "msdyn_lastsessionoutcome", "msdyn_lastsessionoutcomereason",
        "msdyn_mcsbotsessionid"]


# -- relationship sections that are only a bullet list ------------------------------------------------------

COLUMNMAPPING = CORPUS / "y2023/columnmapping.md"


def _bullets_only(text: str, cross_page_links: bool) -> str:
    """The real columnmapping page with its Many-To-One section shrunk to its bullet list (entries removed);
    with ``cross_page_links`` each bullet links where its entry's sentence did (``systemuser.md#BKMK_...``)."""
    start = text.index('### <a name="BKMK_lk_columnmapping_createdonbehalfby"></a>')
    end = text.index("### See also")
    section, text = text[start:end], text[:start] + text[end:]
    if cross_page_links:
        for name, page in (("lk_columnmapping_createdonbehalfby", "systemuser"), ("lk_columnmapping_createdby",
                           "systemuser"), ("ColumnMapping_ImportMap", "importmap"),
                           ("lk_columnmapping_modifiedonbehalfby", "systemuser"),
                           ("lk_columnmapping_modifiedby", "systemuser")):
            assert f"({page}.md#BKMK_{name})" in section
            text = _edit(f"- [{name}](#BKMK_{name})", f"- [{name}]({page}.md#BKMK_{name})")(text)
    return text


def test_a_bullet_only_relationship_section_gives_its_relationships():
    text = COLUMNMAPPING.read_text(encoding="utf-8")
    listed = parse_text(_bullets_only(text, cross_page_links=True), "listed.md").table
    many_to_one = [(r.schema_name, r.related_entity, r.referencing_entity, r.referenced_entity)
                   for r in listed.relationships if r.kind == "many_to_one"]
    assert many_to_one == [
        ("lk_columnmapping_createdonbehalfby", "systemuser", "columnmapping", "systemuser"),
        ("lk_columnmapping_createdby", "systemuser", "columnmapping", "systemuser"),
        ("ColumnMapping_ImportMap", "importmap", "columnmapping", "importmap"),
        ("lk_columnmapping_modifiedonbehalfby", "systemuser", "columnmapping", "systemuser"),
        ("lk_columnmapping_modifiedby", "systemuser", "columnmapping", "systemuser")]
    # The full page states the same relationships: nothing changed, nothing is no longer documented.
    assert _changes(parsed(COLUMNMAPPING).table, listed) == []
    # The bullet list of a section that has entries adds nothing: two one-to-many, five many-to-one.
    assert Counter(r.kind for r in parsed(COLUMNMAPPING).table.relationships) == {"one_to_many": 2,
                                                                                 "many_to_one": 5}


def test_a_section_shrunk_to_same_page_bullets_keeps_the_relationships_by_name():
    text = COLUMNMAPPING.read_text(encoding="utf-8")
    changes = _changes(parsed(COLUMNMAPPING).table, parse_text(_bullets_only(text, False), "shrunk.md").table)
    # The related table is no longer stated (the bullets link to the page itself); nothing was removed.
    assert sorted((c.kind, c.item, c.field) for c in changes) == sorted(
        [("no-longer-documented", name, field) for name in (
            "lk_columnmapping_createdonbehalfby", "lk_columnmapping_createdby", "ColumnMapping_ImportMap",
            "lk_columnmapping_modifiedonbehalfby", "lk_columnmapping_modifiedby")
         for field in ("referenced_entity", "related_entity")])


PRESENTATION_ONLY = {
    "boolean default spelled 0": _in("msdyn_isengaged", "|DefaultValue|False|", "|DefaultValue|0|"),
    "line break in a description": _in("msdyn_topicname", "**The display name of", "**The display<br />name of"),
    "relationship sentence of another generation": _edit(
        "One-To-Many Relationship: [systemuser user_msdyn_botsession](systemuser.md#BKMK_user_msdyn_botsession)",
        "See the [user_msdyn_botsession](systemuser.md#BKMK_user_msdyn_botsession) one-to-many relationship for "
        "the [systemuser](systemuser.md) table/entity."),
}


@pytest.mark.parametrize("edit", sorted(PRESENTATION_ONLY))
def test_presentation_is_not_a_change(edit):
    text = SEED_BOTSESSION.read_text(encoding="utf-8")
    edited = parse_text(PRESENTATION_ONLY[edit](text), "edited.md").table
    # The model keeps what the page says ...
    assert edited.model_copy(update={"source": None}) != parsed(SEED_BOTSESSION).table.model_copy(
        update={"source": None})
    # ... and the diff knows it is presentation.
    assert _changes(parsed(SEED_BOTSESSION).table, edited) == []


def test_a_catalog_diffs_like_its_pages(tmp_path):
    old_page = CORPUS / "y2023/mspp_columnpermission.2024-06.md"
    catalog = tmp_path / "baseline.json"
    assert CliRunner().invoke(main, ["parse", str(old_page), "-o", str(catalog)]).exit_code == 0
    args = [str(CORPUS / "new/mspp_columnpermission.md"), "--format", "json", "--fail-on", "none"]
    from_catalog = json.loads(CliRunner().invoke(main, ["diff", str(catalog), *args]).output)["changes"]
    from_page = json.loads(CliRunner().invoke(main, ["diff", str(old_page), *args]).output)["changes"]
    assert from_catalog == from_page and len(from_page) == 49
    assert {c["kind"] for c in from_catalog} == {"newly-documented", "no-longer-documented"}


def test_a_catalog_of_the_earlier_model_version_is_refused(tmp_path):
    catalog = tmp_path / "baseline.json"
    assert CliRunner().invoke(main, ["parse", str(SEED_BOTSESSION), "-o", str(catalog)]).exit_code == 0
    data = json.loads(catalog.read_text())
    data["model_version"] = "1"
    catalog.write_text(json.dumps(data))
    result = CliRunner().invoke(main, ["diff", str(catalog), str(SEED_BOTSESSION)])
    assert result.exit_code == 2
    assert str(catalog) in result.output and 'model_version "1"' in result.output


def test_the_same_metadata_in_another_format_has_equal_canonical_json_and_no_difference():
    from dvschema.drift.structural import canonical_json, diff_tables, identity_view

    page = parsed(SEED_BOTSESSION).table
    rendered = parse_text(render_plain_text(SEED_BOTSESSION.read_text(encoding="utf-8")), "rendered.txt").table
    assert canonical_json(identity_view(rendered)) == canonical_json(identity_view(page))
    assert diff_tables(page, rendered) == []
    edited = parse_text(_edit("|419550003|**abandoned**|", "|419550003|**Abandoned**|")(
        SEED_BOTSESSION.read_text(encoding="utf-8")), "edited.md").table
    assert canonical_json(identity_view(edited)) != canonical_json(identity_view(page))
    assert [(d.op, d.path, d.old, d.new) for d in diff_tables(page, edited)] == [
        ("changed", ("columns", "msdyn_outcome", "options", 419550003, "label"), "abandoned", "Abandoned")]