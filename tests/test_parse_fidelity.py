"""Format independence, input variants, losslessness, the metaschema and diagnostics."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from conftest import (CORPUS, MARKDOWN_DOCUMENTS, SEED_BOTSESSION, SEED_LIVECONVERSATION_TEXT, doc_id, parsed)
from dvschema.cli import main
from dvschema.diagnostics import InputError
from dvschema.metaschema import SCHEMA_DIR, dump_json, generated_schemas, load_catalog, load_schema
from dvschema.metaschema.fidelity import format_independent_dump
from dvschema.metaschema.model import Table
from dvschema.parsers import detect_format, parse_text
from plaintext_render import render_plain_text


@pytest.mark.parametrize("path", MARKDOWN_DOCUMENTS, ids=doc_id)
@pytest.mark.parametrize("separator", [" ", "\t"], ids=["spaces", "tabs"])
def test_markdown_and_its_plain_text_rendering_give_the_same_model(path, separator):
    markdown = parsed(path).table
    text = render_plain_text(path.read_text(encoding="utf-8"), separator)
    assert detect_format(text) == "plain-text"
    plain = parse_text(text, "rendered.txt")
    assert plain.warnings == []
    assert format_independent_dump(plain.table) == format_independent_dump(markdown)


def test_renderer_reproduces_seed_004_from_the_2020_07_markdown_apart_from_the_included_text():
    rendered = render_plain_text((CORPUS / "y2020/msdyn_liveconversation.2020-07.md").read_text(encoding="utf-8"))
    seed = SEED_LIVECONVERSATION_TEXT.read_text(encoding="utf-8").split("\n")
    assert seed[2].startswith("Omnichannel for Customer Service offers")
    assert rendered.rstrip("\n").split("\n") == seed[:2] + seed[4:]


@pytest.mark.parametrize("variant", ["crlf", "bom", "bom+crlf", "tabs"])
def test_line_ends_byte_order_mark_and_tabs_parse_the_same(variant, tmp_path):
    from dvschema.parsers import parse_file

    text = SEED_LIVECONVERSATION_TEXT.read_text(encoding="utf-8")
    if variant == "tabs":
        text = render_plain_text((CORPUS / "y2020/msdyn_liveconversation.2020-07.md").read_text(), "\t")
    data = text.encode("utf-8")
    if "crlf" in variant:
        data = data.replace(b"\n", b"\r\n")
    if "bom" in variant:
        data = b"\xef\xbb\xbf" + data
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    result = parse_file(path)
    expected = parsed(SEED_LIVECONVERSATION_TEXT).table
    assert format_independent_dump(result.table) | {"notes": []} == format_independent_dump(expected) | {"notes": []}


def test_invented_property_row_is_kept_in_extra_in_markdown_and_plain_text():
    text = SEED_BOTSESSION.read_text(encoding="utf-8").replace(
        "|MaxLength|100|\n\n### <a name=\"BKMK_msdyn_outcome\"></a>",
        "|MaxLength|100|\n|IsInventedProperty|Banana|\n\n### <a name=\"BKMK_msdyn_outcome\"></a>", 1)
    table = parse_text(text, "edited.md").table
    assert table.column("msdyn_name").extra == {"ImeMode": "Auto", "IsLocalizable": "False",
                                                "IsInventedProperty": "Banana"}
    plain = parse_text(render_plain_text(text), "edited.txt").table
    assert plain.column("msdyn_name").extra["IsInventedProperty"] == "Banana"


@pytest.mark.parametrize("path", MARKDOWN_DOCUMENTS[:3] + [SEED_LIVECONVERSATION_TEXT], ids=doc_id)
def test_serialized_json_validates_and_round_trips(path):
    table = parsed(path).table
    data = json.loads(dump_json(table))
    assert list(Draft202012Validator(load_schema("table.schema.json")).iter_errors(data)) == []
    assert Table.model_validate(data) == table


def test_every_document_serializes_to_valid_json():
    validator = Draft202012Validator(load_schema("table.schema.json"))
    for path in MARKDOWN_DOCUMENTS:
        assert list(validator.iter_errors(json.loads(dump_json(parsed(path).table)))) == [], path


def test_checked_in_metaschema_is_not_stale():
    for name, text in generated_schemas().items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == text, (
            f"{name} is stale: run python -m dvschema.metaschema")


def test_exact_decimal_bound_survives_json():
    data = json.loads(dump_json(parsed(CORPUS / "new/socialactivity.md").table))
    column = next(c for c in data["columns"] if c["logical_name"] == "exchangerate")
    assert column["min_value"] == "1E-12" and column["max_value"] == 100000000000


def test_catalog_with_a_bad_value_reports_the_json_path(tmp_path):
    catalog = tmp_path / "catalog.json"
    runner = CliRunner()
    assert runner.invoke(main, ["parse", str(SEED_BOTSESSION), str(CORPUS / "new/discount.md"), "-o",
                                str(catalog)]).exit_code == 0
    assert sorted(load_catalog(catalog).tables) == ["discount", "msdyn_botsession"]
    data = json.loads(catalog.read_text())
    data["tables"]["discount"]["columns"][3]["required_level"] = "Mandatory"
    catalog.write_text(json.dumps(data))
    with pytest.raises(InputError) as error:
        load_catalog(catalog)
    assert "$.tables.discount.columns[3].required_level" in str(error.value)


def _edit(old: str, new: str) -> str:
    text = SEED_BOTSESSION.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def test_bad_required_level_names_file_line_found_and_expected():
    with pytest.raises(InputError) as error:
        parse_text(_edit("|RequiredLevel|ApplicationRequired|", "|RequiredLevel|Mandatory|"), "bad.md")
    diagnostic = error.value.diagnostic
    assert (diagnostic.path, diagnostic.line, diagnostic.found) == ("bad.md", 115, "Mandatory")
    assert "ApplicationRequired" in diagnostic.expected


def test_truncated_document_is_an_error_at_the_last_heading():
    text = SEED_BOTSESSION.read_text(encoding="utf-8")
    cut = text[: text.index("|Property|Value|\n|---|---|\n|Description|**Sequence")]
    with pytest.raises(InputError) as error:
        parse_text(cut, "cut.md")
    assert error.value.diagnostic.line == 92
    assert "ImportSequenceNumber has no property table" in error.value.diagnostic.message


def test_options_for_an_unknown_column_and_stray_property_rows_are_warnings():
    text = _edit("#### msdyn_outcome Choices/Options", "#### msdyn_nosuchcolumn Choices/Options")
    text = text.replace("These columns/attributes return true for either **IsValidForCreate**",
                        "|Property|Value|\n|---|---|\n|Stray|Row|\n\nThese columns/attributes return true for either "
                        "**IsValidForCreate**", 1)
    result = parse_text(text, "warn.md")
    messages = [(w.line, w.message.split(";")[0]) for w in result.warnings]
    assert (213, "options table for an unknown column") in messages
    assert any(line == 70 and m.startswith("property row outside a column") for line, m in messages)


def test_cli_parse_exit_codes_and_messages(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["parse", str(SEED_LIVECONVERSATION_TEXT)])
    assert result.exit_code == 0
    assert json.loads(result.output)["primary_name_attribute"] == "msdyn_subject"
    bad = tmp_path / "bad.md"
    bad.write_text("# Notes\n\nnothing\n")
    result = runner.invoke(main, ["parse", str(bad)])
    assert result.exit_code == 2
    assert result.output.startswith(f"{bad}:1: error: the title does not name a table")
    assert "Traceback" not in result.output


def test_cli_parse_folder_skips_readme_with_a_warning(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "README.md").write_text("# About these pages\n")
    (folder / "bot.md").write_bytes(SEED_BOTSESSION.read_bytes())
    result = CliRunner().invoke(main, ["parse", str(folder), "-o", str(tmp_path / "c.json")])
    assert result.exit_code == 0
    assert "README.md:1: warning: skipped: not a table reference page" in result.output
    assert list(load_catalog(tmp_path / "c.json").tables) == ["msdyn_botsession"]
