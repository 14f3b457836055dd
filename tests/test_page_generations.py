"""The 2019 and 2017–18 generations: blank options tables, broken property tables, lost headings, list style."""

from __future__ import annotations

import pytest

from conftest import CORPUS, parsed
from dvschema.diagnostics import InputError
from dvschema.metaschema.fidelity import format_independent_dump
from dvschema.parsers import detect_format, parse_text

COMMITMENT = CORPUS / "y2019/commitment.md"
ORDER_LINE = CORPUS / "y2019/msdyn_orderlinetransaction.md"
SIMILARITY_RULE = CORPUS / "y2018/advancedsimilarityrule.md"
MESSAGE_FILTER = CORPUS / "y2018/sdkmessagefilter.md"
USER_LICENSES = CORPUS / "y2018/systemuserlicenses.md"


def test_an_options_table_of_one_blank_row_means_no_options():
    text = COMMITMENT.read_text(encoding="utf-8")
    assert "| Value | Label | State |\n|-------|-------|-------|\n|       |       |       |\n" in text
    table = parsed(COMMITMENT).table
    assert table.column("statuscode").options == () and table.column("statecode").options == ()


def test_a_blank_row_among_options_is_still_an_error():
    text = COMMITMENT.read_text(encoding="utf-8").replace(
        "|       |       |       |\n", "|       |       |       |\n|1|Open|0|\n", 1)
    with pytest.raises(InputError) as error:
        parse_text(text, "edited.md")
    assert str(error.value).startswith("edited.md:350: error: an option needs a whole-number value")


def test_broken_property_table_keeps_every_property_of_the_column():
    result = parsed(ORDER_LINE)
    assert result.warnings == []
    column = result.table.column("msdyn_amountmethod")
    assert (column.schema_name, column.type, column.required_level, column.display_name, column.extra) == (
        "msdyn_AmountMethod", "Picklist", "None", "Amount Method", {})


def test_description_continued_on_pipe_free_lines_directly_after_its_row_is_one_description():
    text = ORDER_LINE.read_text(encoding="utf-8")
    broken = "Valid values are: |\n\n0: Multiply Quantity By Price"
    assert broken in text
    adjacent = parse_text(text.replace(broken, "Valid values are:\n0: Multiply Quantity By Price"), "edited.md")
    assert adjacent.warnings == []
    column = adjacent.table.column("msdyn_amountmethod")
    original = parsed(ORDER_LINE).table.column("msdyn_amountmethod")
    assert column.model_dump(exclude={"description"}) == original.model_dump(exclude={"description"})
    # Lines right after the row are rows of their own (a line each, as a browser shows them); the original's
    # lines after the blank line are one paragraph, its soft line breaks spaces.
    assert column.description.split("\n")[1:] == ["0: Multiply Quantity By Price", "1: Fixed Price",
                                                   "2: Multiply Basis Quantity By Price",
                                                   "3: Multiply Basis Amount By Percent"]
    assert original.description.split("\n")[1:] == [
        "0: Multiply Quantity By Price 1: Fixed Price 2: Multiply Basis Quantity By Price 3: Multiply Basis Amount "
        "By Percent"]


def test_broken_table_rows_keep_their_page_lines():
    text = ORDER_LINE.read_text(encoding="utf-8").replace("|Type|Picklist|\n\n#### msdyn_AmountMethod Options",
                                                          "|Type|Pick list|\n\n#### msdyn_AmountMethod Options", 1)
    table = parse_text(text, "edited.md").table
    assert table.column("msdyn_amountmethod").type == "Pick list"
    lines = text.split("\n")
    assert lines[204] == "|Type|Pick list|"  # line 205 of the page
    text = text.replace("|RequiredLevel|None|\n|Type|Pick list|", "|RequiredLevel|Mandatory|\n|Type|Pick list|", 1)
    with pytest.raises(InputError) as error:
        parse_text(text, "edited.md")
    assert str(error.value).startswith("edited.md:204: error: bad value for RequiredLevel (found 'Mandatory'")


def test_two_property_tables_under_one_heading_warn_and_keep_both_columns():
    text = COMMITMENT.read_text(encoding="utf-8")
    heading = '### <a name="BKMK_CommitmentId"></a> CommitmentId\n'
    assert heading in text
    result = parse_text(text.replace(heading, ""), "lost.md")
    names = [column.logical_name for column in result.table.columns]
    start = names.index("activityid")
    assert names[start:start + 4] == ["activityid", "activitytypecode", "commitmentid", "effort"]
    assert len(names) == 20 and result.table.column("commitmentid").type == "Uniqueidentifier"
    [warning] = result.warnings
    assert warning.render() == (
        "lost.md:189: warning: two property tables under the heading ActivityTypeCode (a lost heading?): columns "
        "activitytypecode and commitmentid; both are kept, the second under its logical name (found 'commitmentid')")
    from plaintext_render import render_plain_text

    plain = parse_text(render_plain_text(text.replace(heading, "")), "lost.txt")
    assert [column.logical_name for column in plain.table.columns] == names
    assert [w.message for w in plain.warnings] == [warning.message]


def test_list_style_is_detected_as_its_own_format():
    assert detect_format(MESSAGE_FILTER.read_text(encoding="utf-8")) == "markdown-2018"
    assert detect_format(COMMITMENT.read_text(encoding="utf-8")) == "markdown-2020"


def test_list_style_table_properties():
    table = parsed(MESSAGE_FILTER).table
    assert (table.logical_name, table.schema_name, table.display_name, table.display_collection_name,
            table.entity_set_name, table.primary_id_attribute, table.primary_name_attribute, table.ownership_type,
            table.extra, table.description) == (
        "sdkmessagefilter", "SdkMessageFilter", "Sdk Message Filter", "Sdk Message Filters", "sdkmessagefilters",
        "sdkmessagefilterid", None, "OrganizationOwned", {"IsBPFEntity": "False"},
        "Filter that defines which SDK messages are valid for each type of entity.")


def test_list_style_state_options_keep_default_status_and_invariant_name():
    options = parsed(SIMILARITY_RULE).table.column("statecode").options
    assert [(o.value, o.label, o.default_status, o.invariant_name) for o in options] == [
        (0, "Active", 1, "Active"), (1, "Inactive", 2, "Inactive")]


def test_list_style_relationship_cascade_and_menu_from_bullet_lists():
    table = parsed(SIMILARITY_RULE).table
    relationship = next(r for r in table.relationships
                        if r.schema_name == "advancedsimilarityrule_textanalyticsentitymapping")
    assert (relationship.kind, relationship.referencing_entity, relationship.referencing_attribute,
            relationship.is_customizable) == ("one_to_many", "textanalyticsentitymapping",
                                              "advancedsimilarityruleid", False)
    assert relationship.cascade == {"Assign": "NoCascade", "Delete": "Cascade", "Merge": "NoCascade",
                                    "Reparent": "NoCascade", "Share": "NoCascade", "Unshare": "NoCascade"}
    assert relationship.associated_menu == {"Behavior": "DoNotDisplay", "Group": "Details", "Label": "",
                                            "Order": "1000"}


def test_list_style_bad_value_is_located_at_its_line():
    text = MESSAGE_FILTER.read_text(encoding="utf-8").replace("**MaxValue**: 255<br />", "**MaxValue**: lots<br />")
    with pytest.raises(InputError) as error:
        parse_text(text, "edited.md")
    assert str(error.value) == ("edited.md:109: error: bad value for MaxValue (found 'lots', expected a number such "
                                "as 100, -1.5 or 1E-12)")


def test_list_style_and_table_style_of_the_same_facts_give_the_same_column():
    table_style = """# x Entity Reference

## Writable attributes

### <a name="BKMK_Availability"></a> Availability

|Property|Value|
|--------|-----|
|Description|Identifies where a method will be exposed.|
|DisplayName|Availability|
|LogicalName|availability|
|RequiredLevel|SystemRequired|
|Type|Picklist|

#### Availability Options

|Value|Label|
|-----|-----|
|0|Server|
|1|Client|
"""
    list_style = """# x Entity Reference

## Writable attributes

### <a name="BKMK_Availability"></a> Availability

**Description**: Identifies where a method will be exposed.<br />
**DisplayName**: Availability<br />
**LogicalName**: availability<br />
**RequiredLevel**: SystemRequired<br />
**Type**: Picklist<br />
**Options**:

- **Value**: 0 **Label**: Server
- **Value**: 1 **Label**: Client
"""
    first = parse_text(table_style, "a.md")
    second = parse_text(list_style, "b.md")
    assert second.table.source.format == "markdown-2018" and second.warnings == []
    assert format_independent_dump(first.table) == format_independent_dump(second.table)


# What Chromium shows of the broken msdyn_AmountMethod table (document.body.innerText of the page rendered by
# the corpus tools/browser_render.py): the paragraph's lines are joined with spaces, rows and all.
BROWSER_BROKEN_ROWS = (
    "0: Multiply Quantity By Price 1: Fixed Price 2: Multiply Basis Quantity By Price 3: Multiply Basis Amount By "
    "Percent | |DisplayName|Amount Method| |IsValidForForm|True| |IsValidForRead|True| "
    "|LogicalName|msdyn_amountmethod| |RequiredLevel|None| |Type|Picklist|")


def test_broken_table_rendered_as_text_parses_with_its_rows_split_or_joined():
    from plaintext_render import render_plain_text

    rendered = render_plain_text(ORDER_LINE.read_text(encoding="utf-8"))
    # Soft line breaks are spaces: the renderer shows the paragraph as Chromium does.
    assert BROWSER_BROKEN_ROWS + "\n" in rendered
    assert detect_format(rendered) == "plain-text"
    markdown_column = parsed(ORDER_LINE).table.column("msdyn_amountmethod")
    joined = parse_text(rendered, "page.txt")
    assert joined.warnings == []
    assert joined.table.column("msdyn_amountmethod") == markdown_column
    split_rows = ("0: Multiply Quantity By Price\n1: Fixed Price\n2: Multiply Basis Quantity By Price\n3: Multiply "
                  "Basis Amount By Percent |\n|DisplayName|Amount Method|\n|IsValidForForm|True|\n|IsValidForRead|True|"
                  "\n|LogicalName|msdyn_amountmethod|\n|RequiredLevel|None|\n|Type|Picklist|\n")
    split = parse_text(rendered.replace(BROWSER_BROKEN_ROWS + "\n", split_rows), "page.txt")
    assert split.warnings == []
    column = split.table.column("msdyn_amountmethod")
    assert column.model_dump(exclude={"description"}) == markdown_column.model_dump(exclude={"description"})
    assert column.description.endswith("Valid values are:\n0: Multiply Quantity By Price\n1: Fixed Price\n2: "
                                       "Multiply Basis Quantity By Price\n3: Multiply Basis Amount By Percent")


def test_list_style_rendered_as_text_keeps_options_states_and_cascades():
    from plaintext_render import render_plain_text

    rendered = render_plain_text(SIMILARITY_RULE.read_text(encoding="utf-8"))
    assert "Options:\n\nValue: 1 Label: Active State: 0\nValue: 2 Label: Inactive State: 1\n" in rendered
    assert "CascadeConfiguration:\n\nAssign: NoCascade\n" in rendered
    plain = parse_text(rendered, "page.txt")
    assert plain.table.source.format == "plain-text" and plain.warnings == []
    assert format_independent_dump(plain.table) == format_independent_dump(parsed(SIMILARITY_RULE).table)


def _without_last_line(text: str) -> str:
    return text.rstrip("\n").rsplit("\n", 1)[0] + "\n"


@pytest.mark.parametrize("page, name_line, cut_end", [(MESSAGE_FILTER, 614, 613), (USER_LICENSES, 100, 97)],
                         ids=["sdkmessagefilter", "systemuserlicenses"])
def test_the_closing_name_on_the_last_line_is_the_page_end_in_markdown_and_plain_text(page, name_line, cut_end):
    from plaintext_render import render_plain_text

    # 2018 pages end with their logical name alone on the last line: sdkmessagefilter right under the last
    # relationship's sentence (one paragraph in markdown, one line in a browser's text), systemuserlicenses
    # after a blank line (a paragraph of its own). It is the page's end, not text of what comes before it.
    text = page.read_text(encoding="utf-8")
    name = page.stem
    assert text.split("\n")[name_line - 1] == name and not text.split("\n")[name_line:][0].strip()
    markdown = parse_text(text, "page.md")
    plain = parse_text(render_plain_text(text), "page.txt")
    assert markdown.warnings == plain.warnings == []
    assert format_independent_dump(plain.table) == format_independent_dump(markdown.table)
    for table in (markdown.table, plain.table):
        assert all(column.extra.get("Text") is None for column in table.columns)
        assert all((relationship.summary or "").split()[-1:] != [name] for relationship in table.relationships)
    # Without that line the model is the same; the page has lost its end, which is a warning.
    cut = parse_text(_without_last_line(text), "cut.md")
    assert format_independent_dump(cut.table) == format_independent_dump(markdown.table)
    assert [(w.line, w.message) for w in cut.warnings] == [
        (cut_end, "the page ends without its 'See also' or 'Related information' footer; it may be truncated here")]


def test_closing_name_facts_of_the_two_2018_pages():
    user_licenses = parse_text(USER_LICENSES.read_text(encoding="utf-8"), "systemuserlicenses.md").table
    assert [(c.logical_name, c.type, c.extra) for c in user_licenses.columns] == [
        ("systemuserlicenseid", "Uniqueidentifier", {}), ("licenseid", "Uniqueidentifier", {}),
        ("systemuserid", "Uniqueidentifier", {}), ("versionnumber", "BigInt", {})]
    message_filter = parse_text(MESSAGE_FILTER.read_text(encoding="utf-8"), "sdkmessagefilter.md").table
    assert len(message_filter.relationships) == 8
    assert message_filter.relationships[-1].summary == (
        "See systemuser Entity lk_sdkmessagefilter_modifiedonbehalfby One-To-Many relationship.")


def test_diff_of_a_2018_page_with_and_without_its_closing_name_reports_nothing(tmp_path):
    from click.testing import CliRunner

    from dvschema.cli import main

    cut = tmp_path / "systemuserlicenses.md"
    cut.write_text(_without_last_line(USER_LICENSES.read_text(encoding="utf-8")), encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(USER_LICENSES), str(cut)])
    assert result.exit_code == 0
    assert result.output.strip().endswith(": 0 breaking, 0 warning, 0 info")


def test_a_word_equal_to_the_name_inside_the_page_stays_text():
    # Only the page's last word is its end: the same name closing a paragraph earlier is the page's text.
    text = MESSAGE_FILTER.read_text(encoding="utf-8").rstrip("\n")
    body, _, closing = text.rpartition("\n")
    edited = body + " sdkmessagefilter\n" + closing + "\n"
    table = parse_text(edited, "page.md").table
    assert table.relationships[-1].summary == (
        "See systemuser Entity lk_sdkmessagefilter_modifiedonbehalfby One-To-Many relationship. sdkmessagefilter")


def test_list_style_rows_keep_their_source_line_when_two_share_one():
    text = MESSAGE_FILTER.read_text(encoding="utf-8")
    joined = text.replace("**Format**: None<br />\n**MaxValue**: 255<br />",
                          "**Format**: None<br />**MaxValue**: lots<br />", 1)
    assert joined != text
    with pytest.raises(InputError) as error:
        parse_text(joined, "edited.md")
    assert str(error.value).startswith("edited.md:108: error: bad value for MaxValue (found 'lots'")


def test_2018_page_cut_right_after_an_options_or_cascade_key_is_located_not_a_crash():
    # The page ends on "**Options**:" or "**CascadeConfiguration**:" before the bullet list they introduce.
    lines = MESSAGE_FILTER.read_text(encoding="utf-8").split("\n")
    assert (lines[89], lines[508], lines[567]) == ("**Options**:", "**Options**:", "**CascadeConfiguration**:")
    with pytest.raises(InputError) as error:
        parse_text("\n".join(lines[:90]), "cut.md")
    assert str(error.value).startswith("cut.md:47: error: page looks truncated: the Writable attributes section "
                                       "lists 3 columns that have no section of their own: RestrictionLevel, "
                                       "SdkMessageFilterId, SdkMessageId")
    for end in (509, 568):
        result = parse_text("\n".join(lines[:end]), "cut.md")
        assert [(w.line, w.message) for w in result.warnings] == [
            (end, "the page ends without its 'See also' or 'Related information' footer; it may be truncated here")]
