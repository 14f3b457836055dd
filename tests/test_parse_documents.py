"""Facts read from every seed and corpus document, checked against the parsed model."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import (ALL_DOCUMENTS, CORPUS, SEED_BOTSESSION, SEED_COPILOTINTERACTION, SEED_JOURNEYRUNSESSION,
                      SEED_LIVECONVERSATION_TEXT, SEED_SESSIONEVENT_TEXT, doc_id, parsed)

# document: (format, logical name, columns, relationships, messages), counted in the document itself
# (headings under the column and relationship sections, rows of the Messages/Events tables).
SHAPES = {
    "new/activityparty.md": ("markdown-generated", "activityparty", 25, 18, 4),
    "new/agentprompt.md": ("markdown-generated", "agentprompt", 29, 8, 20),
    "new/bot_botcomponent.md": ("markdown-generated", "bot_botcomponent", 11, 1, 7),
    "new/discount.md": ("markdown-generated", "discount", 24, 12, 8),
    "new/elasticfileattachment.md": ("markdown-generated", "elasticfileattachment", 1, 2, 0),
    "new/msdyn_adjustmenthistory.md": ("markdown-generated", "msdyn_adjustmenthistory", 18, 6, 18),
    "new/msdyn_botsession.md": ("markdown-generated", "msdyn_botsession", 37, 18, 25),
    "new/msdyn_nottoexceed.md": ("markdown-generated", "msdyn_nottoexceed", 34, 7, 25),
    "new/mspcat_catalogdescription.md": ("markdown-generated", "mspcat_catalogdescription", 29, 0, 17),
    "new/mspp_columnpermission.md": ("markdown-generated", "mspp_columnpermission", 10, 3, 17),
    "new/package.md": ("markdown-generated", "package", 28, 16, 13),
    "new/msdyn_ocsentimentdailytopic.md": ("markdown-generated", "msdyn_ocsentimentdailytopic", 33, 20, 25),
    "new/searchtelemetry.md": ("markdown-generated", "searchtelemetry", 12, 0, 16),
    "new/socialactivity.md": ("markdown-generated", "socialactivity", 70, 42, 15),
    "y2020/msdyn_consoleapplicationsessiontemplate.md": ("markdown-2020", "msdyn_consoleapplicationsessiontemplate",
                                                         41, 2, 13),
    "y2020/msdyn_liveconversation.2019.md": ("markdown-2020", "msdyn_liveconversation", 57, 1, 13),
    "y2020/msdyn_liveconversation.2020-07.md": ("markdown-2020", "msdyn_liveconversation", 59, 2, 13),
    "y2020/msdyn_ocsession.md": ("markdown-2020", "msdyn_ocsession", 101, 4, 13),
    "y2020/msdyn_octag.md": ("markdown-2020", "msdyn_octag", 25, 1, 13),
    "y2020/msdyn_presence.md": ("markdown-2020", "msdyn_presence", 29, 0, 7),
    "y2020/msdyn_sessionevent.md": ("markdown-2020", "msdyn_sessionevent", 36, 1, 13),
    "y2020/msdyn_systemuser_msdyn_omnichannelqueue.md": ("markdown-2020", "msdyn_systemuser_msdyn_omnichannelqueue",
                                                         4, 0, 1),
    "y2019/sdkmessageprocessingstepsecureconfig.md": ("markdown-2020", "sdkmessageprocessingstepsecureconfig", 17, 7,
                                                      5),
    "y2023/columnmapping.md": ("markdown-2023", "columnmapping", 31, 7, 4),
    "y2023/msdyn_agentcapacityupdatehistory.md": ("markdown-2023", "msdyn_agentcapacityupdatehistory", 48, 0, 13),
    "y2023/msdyn_agentstatus.md": ("markdown-2023", "msdyn_agentstatus", 41, 0, 15),
    "y2023/msdyn_copilotinteraction.md": ("markdown-2023", "msdyn_copilotinteraction", 34, 0, 14),
    "y2023/msdyn_sessionparticipant.md": ("markdown-2023", "msdyn_sessionparticipant", 53, 0, 21),
    "y2023/mspp_adplacement.md": ("markdown-2023", "mspp_adplacement", 16, 16, 13),
    "y2023/mspp_columnpermission.2024-06.md": ("markdown-2023", "mspp_columnpermission", 15, 3, 13),
    "y2019/commitment.md": ("markdown-2020", "commitment", 20, 7, 3),
    "y2019/msdyn_orderlinetransaction.md": ("markdown-2020", "msdyn_orderlinetransaction", 96, 35, 13),
    "y2019/discount.md": ("markdown-2020", "discount", 34, 13, 5),
    "y2018/advancedsimilarityrule.md": ("markdown-2018", "advancedsimilarityrule", 36, 7, 0),
    "y2018/sdkmessagefilter.md": ("markdown-2018", "sdkmessagefilter", 32, 8, 0),
    "y2018/systemuserlicenses.md": ("markdown-2018", "systemuserlicenses", 4, 0, 0),
    "seeds/000_9c7df8c6ddd75b92.txt": ("markdown-generated", "msdyn_botsession", 33, 18, 25),
    "seeds/001_f5dc07776c538126.txt": ("plain-text", "msdyn_sessionevent", 36, 1, 13),
    "seeds/002_48bf6d517ae19c73.txt": ("markdown-2023", "msdyn_copilotinteraction", 34, 0, 14),
    "seeds/003_b46588e9ea878d12.txt": ("markdown-generated", "msdynmkt_journeyrunsession", 15, 4, 15),
    "seeds/004_25187856fee8e0ca.txt": ("plain-text", "msdyn_liveconversation", 59, 2, 13),
}

# document, column: the facts its property table and options table state.
COLUMN_FACTS = [
    ("seeds/000_9c7df8c6ddd75b92.txt", "msdyn_name", dict(type="String", required_level="ApplicationRequired",
                                                          max_length=100, schema_name="msdyn_Name")),
    ("seeds/000_9c7df8c6ddd75b92.txt", "msdyn_csatscore", dict(type="Integer", min_value=1, max_value=5)),
    ("seeds/000_9c7df8c6ddd75b92.txt", "ownerid", dict(type="Owner", required_level="SystemRequired",
                                                       targets=("systemuser", "team"))),
    ("seeds/000_9c7df8c6ddd75b92.txt", "msdyn_botid", dict(type="Lookup", targets=("bot",))),
    ("seeds/000_9c7df8c6ddd75b92.txt", "msdyn_endedon", dict(date_time_behavior="TimeZoneIndependent",
                                                             format="DateAndTime")),
    ("seeds/000_9c7df8c6ddd75b92.txt", "versionnumber", dict(type="BigInt", min_value=-9223372036854775808,
                                                             max_value=9223372036854775807, writable=False,
                                                             is_valid_for_create=False)),
    ("seeds/000_9c7df8c6ddd75b92.txt", "msdyn_isengaged", dict(type="Boolean", default_value="False",
                                                               global_choice_name="msdyn_botsession_msdyn_isengaged")),
    ("seeds/001_f5dc07776c538126.txt", "msdyn_name", dict(type="String", max_length=100,
                                                          required_level="ApplicationRequired")),
    ("seeds/001_f5dc07776c538126.txt", "msdyn_omnichannelsession", dict(type="Lookup", targets=("msdyn_ocsession",))),
    ("seeds/002_48bf6d517ae19c73.txt", "msdyn_interactioncontext", dict(type="Memo", max_length=1048576)),
    # The page states IsValidForCreate False and no IsValidForUpdate row: not stated, so None (the writable
    # section says only "true for either"); accepts_value_on reads the section for it.
    ("seeds/002_48bf6d517ae19c73.txt", "statecode", dict(type="State", is_valid_for_create=False,
                                                         is_valid_for_update=None, writable=True)),
    ("seeds/000_9c7df8c6ddd75b92.txt", "owneridyominame", dict(type="String", derived_from="ownerid")),
    ("seeds/000_9c7df8c6ddd75b92.txt", "msdyn_topicname", dict(type="String", derived_from=None)),
    ("y2023/mspp_columnpermission.2024-06.md", "mspp_columnpermissionprofileidname",
     dict(derived_from="mspp_columnpermissionprofileid", is_valid_for_create=False, is_valid_for_update=False)),
    ("y2023/mspp_columnpermission.2024-06.md", "mspp_columnpermissionid",
     dict(is_valid_for_create=None, is_valid_for_update=False, derived_from=None)),
    ("seeds/003_b46588e9ea878d12.txt", "msdynmkt_session", dict(type="Memo", max_length=1048575,
                                                                required_level="ApplicationRequired")),
    ("seeds/004_25187856fee8e0ca.txt", "msdyn_escalationcount", dict(type="Integer", min_value=0,
                                                                     max_value=2147483647)),
    ("seeds/004_25187856fee8e0ca.txt", "msdyn_customer", dict(type="Customer", targets=("account", "contact"))),
    ("seeds/004_25187856fee8e0ca.txt", "msdyn_channel", dict(type="MultiSelectPicklist",
                                                             added_by="Omnichannel - Base Patch Solution")),
    ("seeds/004_25187856fee8e0ca.txt", "msdyn_customeridtype", dict(type="EntityName", description=None,
                                                                    display_name=None)),
    ("new/discount.md", "amount", dict(type="Money", precision=4, min_value=0, max_value=1000000000000,
                                       precision_source="2 (TransactionCurrency.CurrencyPrecision)")),
    ("new/discount.md", "highquantity", dict(type="Decimal", precision=5, min_value=Decimal("1E-05"))),
    ("new/discount.md", "statuscode", dict(type="Status", default_form_value="-1", options=())),
    ("new/socialactivity.md", "exchangerate", dict(type="Decimal", min_value=Decimal("1E-12"),
                                                   max_value=100000000000)),
    ("new/socialactivity.md", "from", dict(type="PartyList", targets=("account", "contact", "systemuser"))),
    ("new/socialactivity.md", "sentimentvalue", dict(type="Double", min_value=-100000000000)),
    ("new/msdyn_nottoexceed.md", "msdyn_amount", dict(type="Money",
                                                      precision_source="1 (Organization.PricingDecimalPrecision)")),
    ("new/msdyn_nottoexceed.md", "msdyn_ntetype", dict(default_form_value="192350100")),
    ("new/package.md", "deploymentlog", dict(type="File", max_size_in_kb=256000)),
    ("new/mspcat_catalogdescription.md", "mspcat_icon", dict(type="Image", max_size_in_kb=10240,
                                                             extra={"CanStoreFullImage": "True",
                                                                    "IsPrimaryImage": "True",
                                                                    "MaxHeight": "144", "MaxWidth": "144"})),
    ("new/agentprompt.md", "experimentmetadata", dict(type="Memo", max_length=1000000)),
    ("new/searchtelemetry.md", "ttlinseconds", dict(type="Integer", min_value=1)),
    ("new/msdyn_adjustmenthistory.md", "msdyn_adjustmenthistory", dict(type="Memo", format_name="Json")),
    ("new/elasticfileattachment.md", "objectid", dict(targets=("msdyn_copilotevent",),
                                                      changes_from="ObjectId (Microsoft Dataverse)")),
    ("y2020/msdyn_presence.md", "msdyn_canuserset", dict(type="Boolean", default_value="True")),
    ("y2020/msdyn_ocsession.md", "bcc", dict(type="PartyList", targets=("account", "contact", "lead", "systemuser"))),
    ("y2023/columnmapping.md", "ismanaged", dict(type="Boolean", default_value="False")),
    ("y2019/commitment.md", "statecode", dict(type="State", required_level="SystemRequired", options=())),
    ("y2019/commitment.md", "statuscode", dict(type="Status", required_level="None", options=())),
    ("y2019/msdyn_orderlinetransaction.md", "msdyn_amountmethod", dict(
        type="Picklist", required_level="None", display_name="Amount Method", is_valid_for_form=True,
        description="Select the amount calculation method used for this project contract estimate line. Valid "
                    "values are:\n0: Multiply Quantity By Price 1: Fixed Price 2: Multiply Basis Quantity By "
                    "Price 3: Multiply Basis Amount By Percent")),  # one paragraph: soft line breaks are spaces
    ("y2018/sdkmessagefilter.md", "availability", dict(type="Integer", required_level="SystemRequired",
                                                       min_value=-2147483648, max_value=2147483647, format="None",
                                                       writable=True, is_valid_for_form=False)),
    ("y2018/sdkmessagefilter.md", "restrictionlevel", dict(type="Integer", min_value=0, max_value=255,
                                                           is_valid_for_update=False)),
    ("y2018/sdkmessagefilter.md", "introducedversion", dict(type="String", max_length=48,
                                                            format_name="VersionNumber",
                                                            display_name="Introduced Version",
                                                            extra={"IsLocalizable": "False"})),
    ("y2018/sdkmessagefilter.md", "sdkmessageid", dict(type="Lookup", targets=("sdkmessage",),
                                                       display_name="SDK Message ID")),
    ("y2018/sdkmessagefilter.md", "iscustomprocessingstepallowed", dict(type="Boolean", default_value="False")),
    ("y2018/sdkmessagefilter.md", "createdby", dict(type="Lookup", targets=("systemuser",), writable=False)),
    ("y2018/advancedsimilarityrule.md", "ngramsize", dict(type="Integer", min_value=1, max_value=3,
                                                          display_name="Maximum Key Phrase Words")),
    ("y2018/advancedsimilarityrule.md", "azureserviceconnectionid", dict(
        type="Lookup", targets=("azureserviceconnection",), required_level="ApplicationRequired")),
    ("y2023/mspp_columnpermission.2024-06.md", "mspp_columnname", dict(type="String", max_length=400)),
]

# document, column: [(value, label)] in document order.
OPTION_FACTS = [
    ("seeds/000_9c7df8c6ddd75b92.txt", "msdyn_outcome",
     [(419550000, "none"), (419550001, "resolved"), (419550002, "escalated"), (419550003, "abandoned")]),
    ("seeds/000_9c7df8c6ddd75b92.txt", "msdyn_isengaged", [(1, "Yes"), (0, "No")]),
    ("seeds/004_25187856fee8e0ca.txt", "msdyn_customersentimentlabel",
     [(0, "N/A"), (7, "Very negative"), (8, "Negative"), (9, "Slightly negative"), (10, "Neutral"),
      (11, "Slightly positive"), (12, "Positive"), (13, "Very positive")]),
    ("y2020/msdyn_liveconversation.2019.md", "msdyn_customersentimentlabel",
     [(0, "N/A"), (7, "Very Negative"), (8, "Negative"), (9, "Slightly Negative"), (10, "Neutral"),
      (11, "Slightly Positive"), (12, "Positive"), (13, "Very Positive")]),
    ("seeds/001_f5dc07776c538126.txt", "msdyn_eventinfo", [(192350000, "Default")]),
    ("new/socialactivity.md", "community", [(0, "Other"), (1, "Facebook"), (2, "Twitter")]),
    ("y2023/columnmapping.md", "ismanaged", [(1, "Managed"), (0, "Unmanaged")]),
    ("new/activityparty.md", "donotemail", [(1, "Do Not Allow"), (0, "Allow")]),
    ("y2019/msdyn_orderlinetransaction.md", "msdyn_amountmethod",
     [(192350000, "Multiply Quantity By Price"), (192350001, "Fixed Price"),
      (192350002, "Multiply Basis Quantity By Price"), (192350003, "Multiply Basis Amount By Percent"),
      (690970000, "Tax Calculation")]),
    ("y2018/sdkmessagefilter.md", "componentstate",
     [(0, "Published"), (1, "Unpublished"), (2, "Deleted"), (3, "Deleted Unpublished")]),
    ("y2018/sdkmessagefilter.md", "iscustomprocessingstepallowed", [(1, "Yes"), (0, "No")]),
    ("y2018/advancedsimilarityrule.md", "isazuremlrequired", [(1, "Yes"), (0, "No")]),
]

# document: {status value: state} and {state value: default status}.
STATE_FACTS = [
    ("seeds/000_9c7df8c6ddd75b92.txt", {1: 0, 2: 1}, {0: 1, 1: 2}),
    ("seeds/004_25187856fee8e0ca.txt", {1: 0, 2: 1, 3: 2, 4: 3, 5: 4}, {0: 1, 1: 2, 2: 3, 3: 4, 4: 5}),
    ("new/socialactivity.md", {1: 1, 2: 1, 3: 1, 4: 0, 5: 2}, {0: 4, 1: 3, 2: 5}),
    ("y2020/msdyn_ocsession.md", {1: 0, 2: 1, 3: 2, 4: 3}, {0: 1, 1: 2, 2: 3, 3: 4}),
    ("y2023/columnmapping.md", {1: 0}, {0: 1}),
    ("y2018/advancedsimilarityrule.md", {1: 0, 2: 1}, {0: 1, 1: 2}),
]


def _path(name: str):
    from conftest import FIXTURES

    return (FIXTURES / name) if name.startswith("seeds/") else (CORPUS / name)


def test_every_fixture_document_has_a_shape_entry():
    assert sorted(SHAPES) == sorted(doc_id(path) for path in ALL_DOCUMENTS)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_document_parses_without_warnings_with_the_documented_shape(name):
    result = parsed(_path(name))
    table = result.table
    source_format, logical_name, columns, relationships, messages = SHAPES[name]
    assert result.warnings == []
    assert table.source.format == source_format
    assert table.logical_name == logical_name
    assert (len(table.columns), len(table.relationships), len(table.messages)) == (columns, relationships, messages)


@pytest.mark.parametrize("name,column,facts", COLUMN_FACTS, ids=[f"{n}:{c}" for n, c, _ in COLUMN_FACTS])
def test_column_facts(name, column, facts):
    actual = parsed(_path(name)).table.column(column)
    assert {key: getattr(actual, key) for key in facts} == facts


@pytest.mark.parametrize("name,column,options", OPTION_FACTS, ids=[f"{n}:{c}" for n, c, _ in OPTION_FACTS])
def test_option_values_and_labels(name, column, options):
    actual = parsed(_path(name)).table.column(column).options
    assert [(option.value, option.label) for option in actual] == options


@pytest.mark.parametrize("name,status_states,state_defaults", STATE_FACTS, ids=[f[0] for f in STATE_FACTS])
def test_state_and_status_pairs(name, status_states, state_defaults):
    table = parsed(_path(name)).table
    assert {o.value: o.state for o in table.column("statuscode").options} == status_states
    assert {o.value: o.default_status for o in table.column("statecode").options} == state_defaults


def test_generated_format_option_details_keep_invariant_name_and_transition_data():
    table = parsed(SEED_BOTSESSION).table
    assert table.column("statecode").options[1].invariant_name == "Inactive"
    assert table.column("statuscode").options[0].transition_data == "None"


def test_table_properties_of_the_newest_format():
    table = parsed(SEED_JOURNEYRUNSESSION).table
    assert (table.display_name, table.schema_name, table.entity_set_name, table.primary_name_attribute,
            table.table_type, table.ownership_type) == (
        "Journey Run Session", "msdynmkt_journeyrunsession", "msdynmkt_journeyrunsessions", "msdynmkt_name",
        "Elastic", "OrganizationOwned")
    events = [m.name for m in table.messages if m.event_only]
    assert events == ["BulkRetain", "PurgeRetainedContent", "Retain", "RollbackRetain", "ValidateRetentionConfig"]
    assert table.messages[0].name == "Create" and table.messages[0].is_event is True


def test_upsert_is_not_an_event_in_seed_000():
    messages = {m.name: m for m in parsed(SEED_BOTSESSION).table.messages}
    assert messages["Upsert"].is_event is False
    assert messages["Assign"].sdk == "AssignRequest"


def test_2020_table_properties_added_by_and_unmapped_property_in_extra():
    table = parsed(SEED_LIVECONVERSATION_TEXT).table
    assert table.added_by == "Omnichannel – Base Solution"
    assert table.description == "Tracks the interactions between the agents and customer"
    assert table.extra == {"IsBPFEntity": "False"}
    assert table.column("createdby").added_by == "Active Solution Solution"


def test_relationship_with_cascade_configuration():
    table = parsed(SEED_BOTSESSION).table
    rel = next(r for r in table.relationships if r.schema_name == "msdyn_msdyn_botsession_botid_bot")
    assert (rel.kind, rel.referenced_entity, rel.referenced_attribute, rel.referencing_attribute) == (
        "many_to_one", "bot", "botid", "msdyn_botid")
    assert rel.cascade["Delete"] == "RemoveLink" and rel.cascade["Archive"] == "NoCascade"


def test_many_to_many_relationship_of_package():
    table = parsed(CORPUS / "new/package.md").table
    rel = next(r for r in table.relationships if r.kind == "many_to_many")
    assert (rel.schema_name, rel.intersect_entity_name, rel.intersect_attribute, rel.navigation_property_name,
            rel.is_customizable) == ("package_solution", "package_solution", "packageid", "package_solution", False)


def test_single_entry_relationship_sections_without_bullet_list():
    table = parsed(CORPUS / "new/msdyn_nottoexceed.md").table
    one_to_many = [r for r in table.relationships if r.kind == "one_to_many"]
    assert len(one_to_many) == 1


def test_2020_relationship_sentence_gives_the_related_table():
    table = parsed(SEED_LIVECONVERSATION_TEXT).table
    assert [(r.schema_name, r.referenced_entity, r.referencing_entity) for r in table.relationships] == [
        ("msdyn_msdyn_liveworkstream_msdyn_liveconversation", "msdyn_liveworkstream", "msdyn_liveconversation"),
        ("msdyn_msdyn_omnichannelqueue_msdyn_liveconversation", "msdyn_omnichannelqueue", "msdyn_liveconversation"),
    ]


def test_escaped_underscore_is_read_as_underscore():
    table = parsed(CORPUS / "new/activityparty.md").table
    assert "activity_party" in (table.description or "") + "".join(c.description or "" for c in table.columns)


def test_copilotinteraction_seed_and_corpus_differ_only_in_source_and_front_matter():
    seed = parsed(SEED_COPILOTINTERACTION).table
    corpus = parsed(CORPUS / "y2023/msdyn_copilotinteraction.md").table
    assert seed.model_copy(update={"source": None, "front_matter": {}}) == corpus.model_copy(
        update={"source": None, "front_matter": {}})
    assert seed.front_matter["ms.reviewer"] == "mgandham" and "ms.reviewer" not in corpus.front_matter


def test_sessionevent_text_seed_and_markdown_differ_in_the_renumbered_option():
    text = {o.value: o.label for o in parsed(SEED_SESSIONEVENT_TEXT).table.column("msdyn_eventreason").options}
    markdown = {o.value: o.label for o in parsed(CORPUS / "y2020/msdyn_sessionevent.md").table
                .column("msdyn_eventreason").options}
    assert {text[192350021], markdown[192350021]} == {"Disconnect", "Item"}


def test_validity_a_page_does_not_state_comes_from_its_section():
    table = parsed(_path("seeds/002_48bf6d517ae19c73.txt")).table
    statecode = table.column("statecode")
    assert (statecode.accepts_value_on("create"), statecode.accepts_value_on("update")) == (False, True)
    versionnumber = parsed(_path("seeds/000_9c7df8c6ddd75b92.txt")).table.column("versionnumber")
    assert (versionnumber.accepts_value_on("create"), versionnumber.accepts_value_on("update")) == (False, False)
