"""Plain text as real browsers produce it: Chromium's renderings of corpus pages give the markdown's model.

The fixtures under ``fixtures/browser-text/`` are committed renderings (innerText with tabs, the same
with spaces, a select-all copy); truncated and cut-up variants of them, and of the markdown pages, must
fail loudly with the file, the line and what is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, FIXTURES, SEED_BOTSESSION, parsed
from dvschema.cli import main
from dvschema.diagnostics import InputError
from dvschema.metaschema.fidelity import format_independent_dump
from dvschema.parsers import detect_format, parse_text

BROWSER_TEXT = FIXTURES / "browser-text"
BROWSER_TEXTS = sorted(BROWSER_TEXT.glob("*/*.txt"))
SENTIMENT = BROWSER_TEXT / "new/msdyn_ocsentimentdailytopic.innertext.txt"


def _markdown_of(path: Path) -> Path:
    return CORPUS / path.parent.name / (path.name.split(".")[0] + ".md")


def _text_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_generation_and_shape_is_present():
    generations = {path.parent.name for path in BROWSER_TEXTS}
    shapes = {path.name.split(".")[-2] for path in BROWSER_TEXTS}
    assert generations == {"new", "y2023", "y2020", "y2019", "y2018"}
    assert shapes == {"innertext", "spaces", "selection"}
    assert len(BROWSER_TEXTS) == 33


@pytest.mark.parametrize("path", BROWSER_TEXTS, ids=_text_id)
def test_browser_text_gives_the_model_of_its_markdown_page(path):
    text = path.read_text(encoding="utf-8")
    assert detect_format(text) == "plain-text"
    result = parse_text(text, str(path))
    assert result.warnings == []
    markdown = parsed(_markdown_of(path)).table
    assert format_independent_dump(result.table) == format_independent_dump(markdown)
    if "\t" in text:
        # Tab-separated rows keep the Web API and SDK cells apart, so messages compare whole.
        assert result.table.messages == markdown.messages


def _table(name: str, shape: str = "innertext"):
    path = next(BROWSER_TEXT.glob(f"*/{name}.{shape}.txt"))
    return parse_text(path.read_text(encoding="utf-8"), str(path)).table


@pytest.mark.parametrize("shape", ["innertext", "spaces", "selection"])
def test_description_written_as_a_numbered_list_and_every_column_and_relationship(shape):
    table = _table("msdyn_ocsentimentdailytopic", shape)
    assert table.description == ("store properties regarding each topic cluster\n"
                                 "used for dashboard visualization (like topic example) and calculation for topic "
                                 "mapping")
    assert (len(table.columns), len(table.relationships), len(table.messages)) == (33, 20, 25)
    assert sum(column.writable for column in table.columns) == 21
    impact = table.column("msdyn_sentimentdriverintradayweightimpact")
    assert (impact.type, impact.min_value, impact.max_value, impact.precision) == ("Double", -100, 100, 3)


def test_markdown_description_written_as_a_numbered_list_is_the_description():
    table = parsed(CORPUS / "new/msdyn_ocsentimentdailytopic.md").table
    assert table.description.split("\n") == [
        "store properties regarding each topic cluster",
        "used for dashboard visualization (like topic example) and calculation for topic mapping"]
    assert table.notes == ()


def test_soft_line_break_inside_a_paragraph_is_a_space():
    text = SEED_BOTSESSION.read_text(encoding="utf-8")
    assert "\nBot specific sessions\n" in text
    table = parse_text(text.replace("\nBot specific sessions\n", "\nBot specific\nsessions\n", 1), "soft.md").table
    assert table.description == "Bot specific sessions"


@pytest.mark.parametrize("shape", ["innertext", "spaces", "selection"])
def test_html_list_inside_a_cell_continues_the_cell(shape):
    column = _table("msdyn_sessionparticipant", shape).column("msdyn_assignreason")
    lines = column.description.split("\n")
    assert lines[0].endswith("Possible values include:")
    assert (lines[1], lines[-1], len(lines)) == ("AgentConsult", "SupervisorTransferToAgent", 14)
    assert (column.display_name, column.max_length, column.required_level) == ("Assign Reason", 100,
                                                                               "ApplicationRequired")


@pytest.mark.parametrize("shape", ["innertext", "spaces", "selection"])
def test_note_paragraph_and_boolean_default_after_its_options(shape):
    table = _table("columnmapping", shape)
    assert table.notes == ("Unsure about table vs. entity? See Developers: Understand terminology in Microsoft "
                           "Dataverse.",)
    managed = table.column("ismanaged")
    assert [(o.value, o.label) for o in managed.options] == [(1, "Managed"), (0, "Unmanaged")]
    assert managed.default_value == "False"


@pytest.mark.parametrize("shape", ["innertext", "spaces", "selection"])
def test_extension_page_with_a_note_and_a_customized_column(shape):
    table = _table("elasticfileattachment", shape)
    column = table.column("objectid")
    assert (column.changes_from, column.targets) == ("ObjectId (Microsoft Dataverse)", ("msdyn_copilotevent",))
    assert [r.schema_name for r in table.relationships] == [
        "msdyn_copilotevent_ElasticFileAttachments", "ElasticFileAttachment_msdyn_copilotevent_msdyn_interactiondata"]


def test_tab_separated_messages_keep_their_web_api_and_sdk_cells():
    create = next(m for m in _table("package").messages if m.name == "Create")
    assert (create.is_event, create.web_api, create.sdk) == (True, "POST /packages\nSee Create", "Create records")
    spaced = next(m for m in _table("package", "spaces").messages if m.name == "Create")
    assert (spaced.is_event, spaced.web_api, spaced.sdk) == (True, None, None)


@pytest.mark.parametrize("shape", ["innertext", "spaces", "selection"])
def test_2018_list_style_and_a_2019_table_its_description_broke(shape):
    rule = _table("advancedsimilarityrule", shape)
    assert [(o.value, o.label, o.state) for o in rule.column("statuscode").options] == [(1, "Active", 0),
                                                                                          (2, "Inactive", 1)]
    cascades = [r.cascade for r in rule.relationships if r.cascade]
    assert cascades and cascades[0]["Delete"] == "Cascade"
    amount = _table("msdyn_orderlinetransaction", shape).column("msdyn_amountmethod")
    assert (amount.display_name, amount.type, amount.logical_name) == ("Amount Method", "Picklist",
                                                                        "msdyn_amountmethod")
    assert amount.description.endswith("Valid values are:\n0: Multiply Quantity By Price 1: Fixed Price 2: "
                                       "Multiply Basis Quantity By Price 3: Multiply Basis Amount By Percent")


@pytest.mark.parametrize("shape", ["innertext", "spaces", "selection"])
def test_single_relationship_without_a_list_and_2019_pages(shape):
    octag = _table("msdyn_octag", shape)
    assert [(r.kind, r.schema_name, r.related_entity) for r in octag.relationships if r.kind == "many_to_many"] == [
        ("many_to_many", "msdyn_msdyn_personalmessage_msdyn_octag", "msdyn_personalmessage")]
    config = _table("sdkmessageprocessingstepsecureconfig", shape)
    assert (len(config.columns), len(config.relationships)) == (17, 7)


# -- truncated and cut-up pages fail loudly -------------------------------------------------------

def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def _error(text: str, name: str = "cut.txt"):
    with pytest.raises(InputError) as error:
        parse_text(text, name)
    return error.value.diagnostic


def test_browser_text_cut_after_a_table_names_the_listed_columns_it_lost():
    lines = _lines(SENTIMENT)
    assert lines[259] == "msdyn_weeklytopicid"  # the 13th of 21 writable columns
    diagnostic = _error("\n".join(lines[:259]))
    assert diagnostic.line == 100  # where the list names msdyn_weeklytopicid
    assert diagnostic.message.startswith("page looks truncated: the Writable columns/attributes section lists 9 "
                                         "columns that have no section of their own: msdyn_weeklytopicid, ")
    assert "UTCConversionTimeZoneCode" in diagnostic.message
    assert diagnostic.found == "12 of 21 listed columns"


@pytest.mark.parametrize("shape", ["innertext", "spaces", "selection"])
def test_browser_text_cut_inside_a_property_table_names_the_missing_rows(shape):
    lines = _lines(BROWSER_TEXT / f"new/msdyn_ocsentimentdailytopic.{shape}.txt")
    cut = next(number for number, line in enumerate(lines) if line.startswith("CanChangeDateTimeBehavior"))
    diagnostic = _error("\n".join(lines[:cut + 1]))
    assert diagnostic.line == cut + 1
    assert diagnostic.message == ("page looks truncated: the property table of column msdyn_topicdate ends without "
                                  "its DateTimeBehavior, Format rows")


def test_browser_text_with_a_column_moved_to_another_section_is_an_error():
    lines = _lines(SENTIMENT)
    start = lines.index("msdyn_topicindex", 110)
    end = lines.index("msdyn_topicname", start)
    moved = lines[start:end]
    rest = lines[:start] + lines[end:]
    at = rest.index("VersionNumber", rest.index("Read-only columns/attributes") + 15)
    diagnostic = _error("\n".join(rest[:at] + moved + rest[at:]))
    assert diagnostic.line == 97
    assert "lists 1 columns that have no section of their own: msdyn_topicindex" in diagnostic.message


def test_browser_text_with_a_column_its_section_does_not_list_keeps_it_with_a_warning():
    lines = _lines(SENTIMENT)
    read_only = lines.index("Read-only columns/attributes")
    first_item = lines.index("Property\tValue", read_only) - 1
    assert lines[first_item] == "CreatedBy"
    stray = ["msdyn_stray", "Property\tValue", "LogicalName\tmsdyn_stray", "RequiredLevel\tNone",
             "Type\tUniqueidentifier"]
    result = parse_text("\n".join(lines[:first_item] + stray + lines[first_item:]), "stray.txt")
    assert [(w.line, w.found) for w in result.warnings] == [(first_item + 1, "msdyn_stray")]
    assert result.warnings[0].message.startswith(f"msdyn_stray is not among the columns the Read-only "
                                                 f"columns/attributes section lists at line {read_only + 5}")
    assert result.table.column("msdyn_stray").type == "Uniqueidentifier"


def test_markdown_page_cut_inside_a_property_table_and_after_a_table():
    text = (CORPUS / "new/msdyn_ocsentimentdailytopic.md").read_text(encoding="utf-8")
    inside = text[: text.index("|FormatName|Text|", text.index("BKMK_msdyn_weeklyid\"></a>"))]
    diagnostic = _error(inside, "cut.md")
    assert (diagnostic.line, diagnostic.message) == (
        274, "page looks truncated: the property table of column msdyn_weeklyid ends without its MaxLength row")
    after = text[: text.index('### <a name="BKMK_msdyn_weeklytopicid">')]
    diagnostic = _error(after, "cut.md")
    assert diagnostic.line == 83
    assert diagnostic.found == "12 of 21 listed columns"


@pytest.mark.parametrize(("heading", "kind"), [("Many-To-Many Relationships", "relationships"),
                                               ("Messages", "messages"), ("Entity Properties", "properties")])
def test_section_heading_with_nothing_under_it_is_an_error(heading, kind):
    lines = _lines(BROWSER_TEXT / "y2020/msdyn_octag.innertext.txt")
    end = lines.index(heading) + 1
    while lines[end].strip() and "\t" not in lines[end] and lines[end] != "msdyn_msdyn_personalmessage_msdyn_octag":
        end += 1  # keep the section's introductory paragraph, cut before its content
    diagnostic = _error("\n".join(lines[:end]))
    assert diagnostic.message == f"page looks truncated: the {heading} section has no {kind}"
    assert diagnostic.line == lines.index(heading) + 1


def test_cli_reports_a_truncated_browser_text_with_exit_code_2(tmp_path):
    page = tmp_path / "copied.txt"
    page.write_text("\n".join(_lines(SENTIMENT)[:259]), encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(page)])
    assert result.exit_code == 2
    assert result.output.startswith(f"{page}:100: error: page looks truncated: the Writable columns/attributes "
                                    "section lists 9 columns")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("path", [BROWSER_TEXT / "new/package.selection.txt",
                                  BROWSER_TEXT / "y2020/msdyn_octag.spaces.txt",
                                  BROWSER_TEXT / "y2023/columnmapping.innertext.txt",
                                  BROWSER_TEXT / "y2019/sdkmessageprocessingstepsecureconfig.innertext.txt",
                                  BROWSER_TEXT / "y2018/advancedsimilarityrule.selection.txt",
                                  CORPUS / "y2020/msdyn_octag.md",
                                  # Pages whose sections have no link lists: only their end tells a cut.
                                  CORPUS / "new/bot_botcomponent.md",
                                  CORPUS / "new/elasticfileattachment.md",
                                  BROWSER_TEXT / "new/elasticfileattachment.innertext.txt"], ids=_text_id)
def test_no_truncation_point_gives_a_different_model_silently(path):
    lines = _lines(path)
    full = format_independent_dump(parse_text("\n".join(lines), path.name).table)
    silent = []
    cuts = 60 if path.suffix == ".md" else 150  # enough to cut inside every kind of block, and quick
    step = 1 if len(lines) <= 250 else len(lines) // cuts  # a short page is cut at every line
    for end in range(1, len(lines), step):
        try:
            result = parse_text("\n".join(lines[:end]), path.name)
        except InputError:
            continue
        if not result.warnings and format_independent_dump(result.table) != full:
            silent.append(end)
    assert silent == []


def test_page_cut_before_its_columns_is_an_error_and_without_its_footer_a_warning():
    lines = _lines(BROWSER_TEXT / "new/package.innertext.txt")
    properties = lines.index("Properties")
    diagnostic = _error("\n".join(lines[:properties - 3]))
    assert (diagnostic.line, diagnostic.message) == (  # the line where its last row (Upsert) starts
        properties - 4, "page looks truncated: it ends in its Messages section (line 2), before any Properties section")
    writable = lines.index("Writable columns/attributes")
    diagnostic = _error("\n".join(lines[:writable]))
    assert diagnostic.message == ("page looks truncated: it ends in its Properties section (line 41), before any "
                                  "columns section")
    footer = lines.index("See also")
    result = parse_text("\n".join(lines[:footer]), "cut.txt")
    assert lines[726].startswith("AssociatedMenuConfiguration\t")  # the last row; its cell runs on to the cut
    assert [(w.line, w.message) for w in result.warnings] == [
        (727, "the page ends without its 'See also' or 'Related information' footer; it may be truncated here")]


def test_relationships_section_that_is_only_its_list_keeps_them_by_name_in_both_formats():
    lines = _lines(BROWSER_TEXT / "y2023/columnmapping.innertext.txt")
    entries = lines.index("lk_columnmapping_createdonbehalfby", lines.index("Many-To-One Relationships") + 5)
    shrunk = lines[:entries] + lines[lines.index("See also"):]  # the section's entries gone, its list kept
    plain = parse_text("\n".join(shrunk), "shrunk.txt")
    markdown_text = (CORPUS / "y2023/columnmapping.md").read_text(encoding="utf-8")
    start = markdown_text.index('### <a name="BKMK_lk_columnmapping_createdonbehalfby"></a>')
    markdown = parse_text(markdown_text[:start] + markdown_text[markdown_text.index("### See also"):], "shrunk.md")
    assert plain.warnings == markdown.warnings == []
    assert format_independent_dump(plain.table) == format_independent_dump(markdown.table)
    assert [r.schema_name for r in plain.table.relationships if r.kind == "many_to_one"] == [
        "lk_columnmapping_createdonbehalfby", "lk_columnmapping_createdby", "ColumnMapping_ImportMap",
        "lk_columnmapping_modifiedonbehalfby", "lk_columnmapping_modifiedby"]


@pytest.mark.parametrize("shape", ["markdown", "plain text"])
def test_page_without_section_lists_cut_after_a_section_warns(shape):
    from plaintext_render import render_plain_text

    # The real bot_botcomponent page lists no names under its sections; cut after its Writable section it
    # keeps 1 of its 11 columns and none of its relationship. The generator's "Listed by SchemaName" under the
    # columns heading marks it published, so the missing 'See also' footer is a warning, in both formats.
    text = (CORPUS / "new/bot_botcomponent.md").read_text(encoding="utf-8")
    full = parse_text(text, "bot_botcomponent.md")
    assert (len(full.table.columns), len(full.table.relationships), full.warnings) == (11, 1, [])
    for end in (57, 58, 59):
        cut = "\n".join(text.split("\n")[:end])
        if shape == "markdown":
            result, line = parse_text(cut, "cut.md"), 57  # the Type row, the last line of the table
        else:
            cut = render_plain_text(cut)
            result, line = parse_text(cut, "cut.txt"), len(cut.rstrip("\n").split("\n"))
        assert [c.logical_name for c in result.table.columns] == ["iscustomizable"]
        assert result.table.relationships == ()
        assert [(w.line, w.message) for w in result.warnings] == [
            (line, "the page ends without its 'See also' or 'Related information' footer; it may be truncated here")]


def test_hand_made_page_without_the_generator_boilerplate_needs_no_footer():
    # A page put together by hand (no section lists, no "Listed by SchemaName") is not held to a footer.
    text = (CORPUS / "new/bot_botcomponent.md").read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[44].endswith("Listed by **SchemaName**.")
    hand_made = "\n".join(lines[:44] + lines[45:58])
    assert parse_text(hand_made, "hand.md").warnings == []
