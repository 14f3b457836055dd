"""Validation that speaks the Dataverse Web API, on real request and response bodies from Microsoft's Web API
documentation and on one minimal record per shape: navigation properties, binds, deep insert, expansions,
read responses, lookup-derived columns, dates, and findings that name their column in every output."""

from __future__ import annotations

import json

import orjson
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, parsed
from dvschema import Validator
from dvschema.cli import main
from dvschema.metaschema.model import Catalog
from dvschema.validation.readers import iter_record_file
from dvschema.validation.run import validate_files
from dvschema.validation.webapi import derived_columns, navigation_properties

WEBAPI = FIXTURES / "webapi"
PAGES = {name: WEBAPI / f"{name}.excerpt.md" for name in ("account", "contact", "task")}
G1 = "00000000-0000-0000-0000-000000000001"


def _catalog(*names: str) -> Catalog:
    return Catalog(tables={name: parsed(PAGES[name]).table for name in names})


def _validator(operation: str, *names: str, table: str = "account", **options) -> Validator:
    catalog = _catalog(*(names or ("account", "contact", "task")))
    return Validator(catalog.tables[table], operation, catalog=catalog, **options)


def _findings(validator: Validator, path) -> list[tuple]:
    return [(v.line, v.code, v.subject, v.severity)
            for v in validator.validate_records(iter_record_file(path, validator.table), str(path))]


# -- the metadata ------------------------------------------------------------------------------------

def test_navigation_properties_come_from_the_relationships():
    task = navigation_properties(parsed(PAGES["task"]).table)
    assert {name: (nav.collection, nav.targets, nav.lookup) for name, nav in task.items()} == {
        "Task_Annotation": (True, ("annotation",), None),
        "regardingobjectid_account_task": (False, ("account",), "regardingobjectid"),
        "regardingobjectid_contact_task": (False, ("contact",), "regardingobjectid"),
        "ownerid_task": (False, ("owner",), "ownerid"),
        "ownerid": (False, ("systemuser", "team"), "ownerid")}
    account = navigation_properties(parsed(PAGES["account"]).table)
    # the 2023 page names no many-to-one navigation properties: a lookup's usual spellings stand in
    assert account["Account_Tasks"].filled == "regardingobjectid" and account["Account_Tasks"].collection
    assert account["primarycontactid"].targets == ("contact",) and not account["primarycontactid"].collection
    assert "contact_customer_accounts" in account and "parentaccountid_account" in account


def test_lookup_name_and_type_columns_are_derived():
    assert derived_columns(parsed(PAGES["contact"]).table) == {
        "owneridtype": "ownerid", "parentcustomeridname": "parentcustomerid",
        "parentcustomeridyominame": "parentcustomerid", "parentcustomeridtype": "parentcustomerid"}
    assert derived_columns(parsed(PAGES["task"]).table) == {
        "owneridname": "ownerid", "owneridtype": "ownerid", "regardingobjecttypecode": "regardingobjectid"}


def test_derived_columns_are_never_required():
    # the contact page says ParentCustomerIdName is ApplicationRequired and OwnerIdType SystemRequired
    for operation in ("create", "update", "full"):
        validator = _validator(operation, table="contact")
        assert not {"parentcustomeridname", "parentcustomeridyominame", "owneridtype"} & {
            facts.name for facts in validator.required_columns}, operation
    assert _validator("read").required_columns == []


# -- real bodies and responses from the Web API documentation ------------------------------------------

REAL = [
    ("create-basic.request.json", "create", [(1, "DV104", "address1_latitude", "warning")]),
    ("create-basic.response.json", "read", []),
    ("create-deep-insert.request.json", "create", [(1, "DV111", "opportunity_customer_accounts", "error")]),
    ("create-associate.request.json", "create", []),
    ("create-associate.response.json", "read", []),
    ("initializefrom.response.json", "read", []),
    ("initializefrom-create.request.json", "create", [(1, "DV108", "numberofemployees", "error")]),
    ("retrieve-select.response.json", "read", []),
    ("retrieve-expand.response.json", "read", []),
    ("retrieve-expand-ref.response.json", "read", []),
    ("select-formatted.response.json", "read", []),
    ("select-owner.response.json", "read", []),
    ("update-basic.request.json", "update", [(1, "DV104", "address1_latitude", "warning")]),
    ("update-disassociate-bind.request.json", "update", []),
    ("update-disassociate-navigation.request.json", "update", []),
    ("batch-reference.update.request.json", "update", []),
    ("task:batch-tasks.response.json", "read", []),
    ("task:batch-errors.tasks.request.json", "create", [(2, "DV102", "subject", "error")]),
]


@pytest.mark.parametrize("name,operation,expected", REAL, ids=[case[0] for case in REAL])
def test_real_web_api_payloads_give_exactly_their_real_problems(name, operation, expected):
    """The docs' create sends address1_latitude 47.639583 and the server answers 47.63958 (Precision 5):
    rounded, as the warning says. InitializeFrom's example sends numberofemployees as "200". The deep
    insert example relates opportunities, a Dynamics 365 Sales table the Dataverse account page does not
    list. The batch example's first task has a 204-character subject, and the documented server answer is
    0x80044331, "The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed
    length of '200'". Everything else, with its annotations, expansions, entity references, binds and
    "$2" change-set references, is clean."""
    table, _, name = name.rpartition(":")
    assert _findings(_validator(operation, table=table or "account"), WEBAPI / name) == expected


def test_related_tables_outside_the_schema_are_noted_once_not_errors():
    validator = _validator("read", "account", "task")  # no contact page
    findings = validator.validate(json.loads((WEBAPI / "create-associate.response.json").read_text()))
    assert [(v.code, v.severity, v.key, v.message) for v in findings] == [
        ("DV112", "info", "primarycontactid",
         "related table contact is not in the schema; the records of primarycontactid were not checked")]
    deep = json.loads((WEBAPI / "create-deep-insert.request.json").read_text())
    assert [(v.code, v.subject) for v in _validator("create", "account", "task").validate(deep)] == [
        ("DV112", "primarycontactid"), ("DV111", "opportunity_customer_accounts")]


# -- one minimal record per shape ----------------------------------------------------------------------

INVALID_CREATE = [
    (1, "DV109", "parentaccountid@odata.bind", "error"),
    (2, "DV109", "ownerid@odata.bind", "error"),
    (3, "DV109", "Account_Tasks@odata.bind", "error"),
    (4, "DV109", "primarycontactid@odata.bind", "error"),
    (5, "DV109", "parentaccountid@odata.bind", "error"),
    (6, "DV102", "Account_Tasks[1].subject", "error"),
    (7, "DV101", "Account_Tasks[0].subject", "error"),
    (8, "DV108", "Account_Tasks", "error"),
    (9, "DV109", "_parentaccountid_value", "error"),
    (10, "DV111", "owneridtype", "error"),
    (11, "DV111", "ParentAccountId_account@odata.bind", "error"),
    (12, "DV111", "Description", "error"),
    (13, "DV109", "primarycontactid", "error"),
    (14, "DV109", "Account_Tasks[0].regardingobjectid_account_task@odata.bind", "error"),
    (15, "DV108", "primarycontactid.birthdate", "error"),
    (15, "DV101", "primarycontactid.firstname", "info"),
]


@pytest.mark.parametrize("screened", [True, False])
def test_each_shape_gets_exactly_its_findings(screened):
    validator = _validator("create")
    if not screened:
        validator.screen = None
    assert list(validate_files(validator, [WEBAPI / "shapes.create.valid.jsonl"])) == []
    found = list(validate_files(validator, [WEBAPI / "shapes.create.invalid.jsonl"]))
    assert [(v.line, v.code, v.subject, v.severity) for v in found] == INVALID_CREATE


def test_shape_messages_name_what_to_write_instead():
    found = {v.line: v for v in validate_files(_validator("create"), [WEBAPI / "shapes.create.invalid.jsonl"])}
    assert found[1].message == "entity set 'tasks' is not a target of parentaccountid; allowed: accounts"
    assert found[2].message == ("entity set 'accounts' is the account table's, not a target of ownerid "
                                "(systemuser, team)")
    assert found[9].message == ("a _x_value property is read-only; set the lookup with parentaccountid@odata.bind "
                                "or parentaccountid_account@odata.bind")
    assert found[10].message == ("not a Web API property: it belongs to the lookup ownerid, which is set with "
                                 "ownerid@odata.bind or ownerid_systemuser@odata.bind or ownerid_team@odata.bind")
    assert found[11].message == ("not a property of account: property names are case-sensitive; "
                                 "write parentaccountid_account@odata.bind")
    assert found[12].message == "not a property of account: property names are case-sensitive; write description"
    # a nested finding names the nested column, the record key as written and the path from the top record
    nested = found[14]
    assert (nested.column, nested.key, nested.record_path, nested.line, nested.record) == (
        "regardingobjectid", "regardingobjectid_account_task@odata.bind",
        "Account_Tasks[0].regardingobjectid_account_task@odata.bind", 14, 13)


def test_unknown_keys_get_the_closest_column_or_navigation_property_ignoring_case():
    validator = _validator("create")
    [typo] = validator.validate({"name": "A", "ACCOUNT_TASK": []})
    assert typo.message == "not a column or navigation property of account; did you mean Account_Tasks?"
    [bind] = validator.validate({"name": "A", "primarycontact@odata.bind": f"/contacts({G1})"})
    assert bind.message == "not a navigation property of account; did you mean primarycontactid@odata.bind?"


def test_a_system_lookup_is_bound_by_its_logical_name_never_its_schema_name():
    """The account page of 2023 names no many-to-one navigation property. For system lookups the Web API's
    navigation property is the logical name (the docs' bodies write primarycontactid@odata.bind and
    parentaccountid@odata.bind); the schema-name spelling is an undeclared property the server rejects."""
    for operation in ("create", "update"):
        validator = _validator(operation)
        for key, value, right in (("PrimaryContactId@odata.bind", f"/contacts({G1})", "primarycontactid@odata.bind"),
                                  ("ParentAccountId@odata.bind", f"/accounts({G1})", "parentaccountid@odata.bind"),
                                  ("PrimaryContactId", {"firstname": "J", "lastname": "S"}, "primarycontactid")):
            line = json.dumps({"name": "A", key: value}).encode()
            for found in (validator.validate({"name": "A", key: value}), list(validator.iter_line_violations(line))):
                assert [(v.code, v.severity, v.key, v.message) for v in found] == [
                    ("DV111", "error", key, f"not a property of account: property names are case-sensitive; "
                                            f"write {right}")], (operation, key)
        assert validator.validate({"name": "A", "primarycontactid@odata.bind": f"/contacts({G1})",
                                   "parentaccountid@odata.bind": f"/accounts({G1})"}) == []
    account = navigation_properties(parsed(PAGES["account"]).table)
    assert "PrimaryContactId" not in account and "ParentAccountId" not in account


def test_a_custom_lookup_is_bound_by_its_schema_name_or_its_logical_name():
    """msdyn_orderlinetransaction (a 2019 page, no navigation property names): msdyn_product has the
    SchemaName msdyn_Product. A custom lookup's navigation property is named when its relationship is
    made, by default the SchemaName (the docs bind new_CheckedoutItem as new_CheckedoutItem_new_book),
    but Microsoft's solutions name many in lower case: both are accepted. Its system lookups are not."""
    table = parsed(FIXTURES / "corpus" / "y2019" / "msdyn_orderlinetransaction.md").table
    validator = Validator(table, "create", select=["DV109", "DV111"])  # required columns set aside
    product = f"/products({G1})"
    for key in ("msdyn_Product@odata.bind", "msdyn_product@odata.bind", "msdyn_Product_product@odata.bind"):
        assert validator.validate({"msdyn_description": "T", key: product}) == [], key
    found = {v.key: v.message for v in validator.validate(
        {"msdyn_description": "T", "MSDYN_PRODUCT@odata.bind": product,
         "TransactionCurrencyId@odata.bind": f"/transactioncurrencies({G1})"})}
    assert found == {
        "MSDYN_PRODUCT@odata.bind": "not a property of msdyn_orderlinetransaction: property names are "
                                    "case-sensitive; write msdyn_product@odata.bind",
        "TransactionCurrencyId@odata.bind": "not a property of msdyn_orderlinetransaction: property names are "
                                            "case-sensitive; write transactioncurrencyid@odata.bind"}


AGGREGATES = [  # the real responses of "Aggregate data using OData", with the aliases $apply named
    ("aggregate-count.response.json", [(4, "count"), (10, "count")]),
    ("aggregate-sum.response.json", [(4, "total")]),
    ("aggregate-groupby-sum.response.json", [(4, "total"), (10, "total")]),
    ("aggregate-groupby-contact.response.json", [(4, "contact_fullname"), (7, "contact_fullname"),
                                                 (10, "contact_fullname")]),
    ("aggregate-max.response.json", [(4, "lastCreate")]),
    ("aggregate-distinct.response.json", []),
]


@pytest.mark.parametrize("name,aliases", AGGREGATES, ids=[case[0] for case in AGGREGATES])
def test_aggregate_responses_are_read_without_errors(name, aliases):
    """A read response's keys come from the server: an alias of $apply (count, total, contact_fullname) is
    no request the server would reject, so an unknown key is an info finding in read. The grouped
    values (statuscode 1 and 2, statecode, accountcategorycode) are still checked, and clean."""
    findings = list(validate_files(_validator("read"), [WEBAPI / name]))
    assert [(v.line, v.code, v.severity, v.key) for v in findings] == [
        (line, "DV111", "info", key) for line, key in aliases]
    for finding in findings:
        assert finding.message == ("not a column or navigation property of account; in a read response the server "
                                   "wrote it: an alias of $apply or FetchXML aggregation, or a column the metadata "
                                   "does not list")
    result = _cli("--operation", "read", WEBAPI / name)
    assert result.exit_code == 0, result.output


def test_unknown_keys_stay_errors_outside_read_and_where_the_user_says_so():
    record = {"name": "A", "count": 8}
    for operation in ("create", "update", "full"):
        [finding] = [v for v in _validator(operation).validate(record) if v.code == "DV111"]
        assert (finding.severity, finding.message) == (
            "error", "not a column or navigation property of account; did you mean accountid?"), operation
    [finding] = _validator("read", severities={"unknown-column": "error"}).validate(record)
    assert finding.severity == "error"
    [finding] = _validator("read").validate({"statuscode": 3})  # values in a read response are still checked
    assert (finding.code, finding.severity) == ("DV105", "error")


def test_read_responses_check_values_and_require_nothing():
    assert _findings(_validator("read"), WEBAPI / "shapes.read.jsonl") == [
        (3, "DV108", "Account_Tasks[0].subject", "error"), (3, "DV102", "primarycontactid.fullname", "error"),
        (4, "DV109", "_ownerid_value", "error"), (4, "DV108", "primarycontactid", "error")]


def test_full_rows_hold_lookup_types_that_name_a_target():
    findings = list(validate_files(_validator("full"), [WEBAPI / "shapes.full.csv"]))
    assert [(v.line, v.code, v.column, v.message) for v in findings] == [
        (3, "DV105", "owneridtype", "'user' is not a target of the lookup ownerid; expected systemuser, team")]


def test_a_null_bind_or_navigation_property_disassociates_in_an_update():
    validator = _validator("update")
    assert validator.validate({"parentaccountid@odata.bind": None, "primarycontactid": None,
                               "Account_Tasks@odata.bind": None}) == []


def test_dates_are_date_only_by_behavior_not_by_format():
    contact, account = _validator("create", table="contact"), _validator("create")
    assert contact.facts["birthdate"].date_only and not account.facts["overriddencreatedon"].date_only
    assert account.validate({"name": "A", "overriddencreatedon": "2024-05-01T07:00:00Z"}) == []
    [finding] = contact.validate({"lastname": "S", "firstname": "J", "birthdate": "1990-05-01T00:00:00Z"})
    assert (finding.code, finding.column) == ("DV108", "birthdate")


def test_a_navigation_property_reaches_the_rules_when_unknown_columns_are_ignored():
    validator = _validator("create", ignore=["unknown-column"])
    line = json.dumps({"name": "A", "Account_Tasks": [{"subject": "x" * 201}]}).encode()
    assert [(v.code, v.subject) for v in validator.iter_line_violations(line)] == [
        ("DV102", "Account_Tasks[0].subject")]


# -- every output names the column ---------------------------------------------------------------------

def _cli(*args):
    schema = [arg for page in PAGES.values() for arg in ("--schema", str(page))]
    return CliRunner().invoke(main, ["validate", "-q", *schema, "--table", "account", *map(str, args)])


@pytest.mark.parametrize("report_format,expected", [
    ("text", "shapes.create.invalid.jsonl:6: DV102 max-length Account_Tasks[1].subject: 201 characters"),
    ("github", "title=DV102 max-length::Account_Tasks[1].subject: 201 characters"),
    ("markdown", "| DV102 | `max-length` | error | Account_Tasks[1].subject: 201 characters"),
    ("junit", 'message="Account_Tasks[1].subject: 201 characters'),
    ("sarif", '"text": "max-length: Account_Tasks[1].subject: 201 characters'),
])
def test_every_output_format_names_the_column(report_format, expected):
    result = _cli("--format", report_format, WEBAPI / "shapes.create.invalid.jsonl")
    assert result.exit_code == 1 and expected in result.output


def test_json_findings_carry_column_key_and_path():
    report = json.loads(_cli("--format", "json", WEBAPI / "shapes.create.invalid.jsonl").output)
    by_line = {finding["line"]: finding for finding in report["findings"]}
    assert {key: by_line[3][key] for key in ("column", "key", "path")} == {
        "column": None, "key": "Account_Tasks@odata.bind", "path": None}
    assert {key: by_line[1][key] for key in ("column", "key", "path")} == {
        "column": "parentaccountid", "key": "parentaccountid@odata.bind", "path": None}
    assert {key: by_line[6][key] for key in ("file", "column", "key", "path")} == {
        "file": str(WEBAPI / "shapes.create.invalid.jsonl"), "column": "subject", "key": "subject",
        "path": "Account_Tasks[1].subject"}


def test_cli_operation_read_on_a_response_file():
    result = _cli("--operation", "read", WEBAPI / "select-formatted.response.json")
    assert result.exit_code == 0 and "1 record in 1 file: 0 errors" in result.output
    help_text = " ".join(CliRunner().invoke(main, ["validate", "--help"]).output.split())
    assert "read (Web API GET responses: values checked, nothing required" in help_text
    assert "full (complete exported rows: CSV exports, data-lake copies)" in help_text


def test_unstated_validity_is_read_from_the_section():
    """A page that states no IsValidForCreate for a column: its section decides (column_accepts_value_on):
    a writable column is required by its RequiredLevel and never read-only."""
    table = parsed(PAGES["account"]).table
    name = table.column("name").model_copy(update={"is_valid_for_create": None, "is_valid_for_update": None})
    created_on = table.column("createdon").model_copy(update={"is_valid_for_create": None, "writable": True})
    unstated = table.model_copy(update={"columns": (name, created_on)})
    validator = Validator(unstated, "create")
    assert [facts.name for facts in validator.required_columns] == ["name"]
    assert validator.validate({"name": "A", "createdon": "2024-05-01T10:00:00Z"}) == []
    hidden = name.model_copy(update={"writable": False})
    assert Validator(unstated.model_copy(update={"columns": (hidden,)}), "create").required_columns == []


def test_whole_record_rule_helpers():
    validator = _validator("create")
    assert [(v.code, v.column) for v in validator.read_only_columns({"createdon": "2024-05-01T10:00:00Z"})] == [
        ("DV110", "createdon")]
    assert [(v.code, v.key) for v in validator.unknown_columns({"nmae": "x"})] == [("DV111", "nmae")]


def test_many_to_many_navigation_properties_are_collections():
    from conftest import CORPUS

    package = navigation_properties(parsed(CORPUS / "new/package.md").table)
    assert (package["package_solution"].collection, package["package_solution"].targets) == (True, ("solution",))


def test_the_deep_insert_example_is_clean_once_the_dynamics_365_extension_is_layered_on_the_account_page():
    """opportunity_customer_accounts comes from Dynamics 365 Sales: its account page extends the Dataverse one.
    With both pages (one folder: the extension is layered on its base), the docs' deep insert is clean; only
    the opportunity records are noted as not checked, the opportunity page not being in the schema."""
    from dvschema.parsers import parse_paths

    catalog, _ = parse_paths([PAGES["account"], WEBAPI / "account.d365.excerpt.md", PAGES["contact"], PAGES["task"]])
    validator = Validator(catalog.tables["account"], "create", catalog=catalog)
    deep = json.loads((WEBAPI / "create-deep-insert.request.json").read_text())
    assert [(v.code, v.severity, v.subject) for v in validator.validate(deep)] == [
        ("DV112", "info", "opportunity_customer_accounts")]
    assert validator.navigation["accountleads_association"].collection  # many-to-many, from the extension
    result = CliRunner().invoke(main, ["validate", "-q", "--schema", str(WEBAPI), "--table", "account",
                                       str(WEBAPI / "create-deep-insert.request.json")])
    assert result.exit_code == 0 and "0 errors, 0 warnings, 1 info" in result.output


def test_numbers_in_a_related_record_are_read_exactly_as_at_the_top():
    """The docs' create body, sent whole as a related record (parentaccountid, a deep insert): a latitude
    whose 21st decimal a double loses gets the same precision finding nested as at the top level, with
    the compiled screen and without it (it used to pass: only top-level floats were read exactly)."""
    body = json.loads((WEBAPI / "create-basic.request.json").read_text())
    body["address1_latitude"] = "LATITUDE"
    latitude = b"47.639580000000000000001"  # a double reads 47.63958, within Precision 5
    top = orjson.dumps(body).replace(b'"LATITUDE"', latitude)
    nested = orjson.dumps({"name": "Parent", "parentaccountid": body}).replace(b'"LATITUDE"', latitude)
    for screened in (True, False):
        validator = Validator(parsed(PAGES["account"]).table, "create")
        if not screened:
            validator.screen = None
        found = [v.to_dict() for v in validator.iter_line_violations(top)]
        assert [(v["code"], v["key"], v["path"]) for v in found] == [("DV104", "address1_latitude", None)]
        found = [v.to_dict() for v in validator.iter_line_violations(nested)]
        assert [(v["code"], v["key"], v["path"], v["message"]) for v in found] == [
            ("DV104", "address1_latitude", "parentaccountid.address1_latitude",
             "47.639580000000000000001 has 21 decimal places; Precision is 5")]
