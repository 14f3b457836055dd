"""The C screen is a pure speed-up: with it or without it, every record gets the same findings.

Records are the seed tables' fixture records, mutated with the values at the edges of what the
screen decides (bounds, UTF-16 lengths, escapes, dates, binds, duplicates, annotations, nested
values), and written in several JSON spellings.
"""

from __future__ import annotations

import json
import random

import orjson
import pytest

from conftest import CORPUS, FIXTURES, parsed
from dvschema import Validator
from dvschema.diagnostics import InputError
from dvschema.metaschema.model import Catalog
from dvschema.validation.jsonvalues import loads_exact
from dvschema.validation import run
from dvschema.validation.run import RunSummary, validate_files
from dvschema.validation.screen import screen_available
from test_validation import SEED_TABLES

RECORDS = FIXTURES / "records"
GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
EMOJI = "\U0001F600"


def _edge_values(column) -> list:
    values = [None, True, False, 0, -1, 1, 6, 1.5, 1.0, 1e2, -0.0, 2147483647, 2147483648, -2147483649,
              9223372036854775807, 9223372036854775808, 10 ** 30, "", "5", "a\nb", "caf\u00e9", [1, 2],
              {"a": 1}, "1,2", GUID, GUID.upper(), GUID + "\n", GUID[:-1] + "g", "{" + GUID + "}",
              "2024-05-01T10:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T23:59:59.123456+05:30",
              "2024-05-01T10:00:00.1234567Z", "2024-05-01T10:00", "2024-05-01 10:00:00Z", "2024-05-01t10:00:00z",
              "1799-12-31T00:00:00Z", "1753-01-01T00:00:00Z", "1752-12-31T23:59:59Z", "2024-02-29T00:00:00Z",
              "2023-02-29T00:00:00Z", "2024-05-01", "2024-05-01\n", "0001-01-01", "2024-05-01T10:00:00+24:00",
              "/accounts(" + GUID + ")", "accounts(" + GUID + ")", "/bots(" + GUID + ")",
              "https://org.crm.dynamics.com/api/data/v9.2/accounts(" + GUID + ")", "/accounts(1)"]
    limit = column.max_length
    if limit:
        for length in (limit - 1, limit, limit + 1):
            values.append("x" * length)
        values += [EMOJI * (limit // 2), EMOJI * (limit // 2) + "x", "x" * (limit - 1) + "\u00e9",
                   EMOJI * ((limit + 1) // 2)]
    for bound in (column.min_value, column.max_value):
        if bound is not None:
            values += [bound, bound + 1, bound - 1] if isinstance(bound, int) else [float(bound)]
    values += [option.value for option in column.options]
    values += [option.value + 1 for option in column.options[:2]]
    return values


def _mutations(table, valid: list[dict], count: int, seed: int) -> list[bytes]:
    """Lines of JSON: the valid records, each changed in one or two places, in several spellings."""
    rng = random.Random(seed)
    columns = [column for column in table.columns]
    keys = [column.logical_name for column in columns] + [f"_{c.logical_name}_value" for c in columns[:5]]
    keys += [f"{c.logical_name}@odata.bind" for c in columns if c.type in ("Lookup", "Customer", "Owner")]
    lines = []
    for _ in range(count):
        record = dict(rng.choice(valid))
        for _ in range(rng.choice((1, 1, 2))):
            action = rng.random()
            if action < 0.65:
                column = rng.choice(columns)
                key = rng.choice([column.logical_name, column.logical_name, rng.choice(keys)])
                record[key] = rng.choice(_edge_values(column))
            elif action < 0.75 and record:
                record.pop(rng.choice(list(record)))
            elif action < 0.8:
                record["@odata.etag"] = 'W/"1"'
            elif action < 0.85:
                record[f"{rng.choice(keys)}@OData.Community.Display.V1.FormattedValue"] = rng.choice(["x", [1], None])
            elif action < 0.9:
                record[rng.choice(["msdyn_nmae", "", "_x_value", "Msdyn_Name"])] = rng.choice([1, None, "x", [1]])
            elif action < 0.95:
                bound = [key for key in record if key.endswith("@odata.bind")]
                if bound:
                    record[bound[0].upper().replace("@ODATA.BIND", "@odata.bind")] = record.pop(bound[0])
        spelling = rng.random()
        if spelling < 0.5:
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
        elif spelling < 0.8:
            line = json.dumps(record, ensure_ascii=True).encode()  # \\u escapes, surrogate pairs
        else:
            line = json.dumps(record, ensure_ascii=False, indent=None, separators=(" , ", " : ")).encode()
        if rng.random() < 0.05 and record:  # a duplicate key: the reader keeps the last value
            key = rng.choice(list(record))
            line = line[:-1] + b', "' + key.encode() + b'": ' + rng.choice([b"null", b"1"]) + b'}'
        lines.append(line)
    return lines


def _validators(table, operation: str, catalog: Catalog | None = None) -> tuple[Validator, Validator]:
    screened = Validator(table, operation, catalog=catalog)
    plain = Validator(table, operation, catalog=catalog)
    plain.screen = None
    return screened, plain


def test_the_screen_is_built_and_used():
    assert screen_available()
    validator = Validator(parsed(SEED_TABLES["msdyn_botsession"]).table)
    line = (RECORDS / "msdyn_botsession.valid.jsonl").read_bytes().splitlines()[0]
    assert validator.screen.check(line) is True
    assert validator.screen.check(b'{"msdyn_name": 5}') == (("msdyn_name",), True)
    # An unknown column goes to the rules by name; a duplicate one sends the whole record.
    assert validator.screen.check(b'{"msdyn_nmae": 5}') == (("msdyn_nmae",), True)
    assert validator.screen.check(b'{"msdyn_nmae": 5, "msdyn_name": "a", "msdyn_nmae": 6}') is False
    assert validator.screen.check(b'{"msdyn_nmae": null, ' + line[1:]) is True
    assert validator.screen.count(b'{}\n\n  \n{}') == (4, 2)


@pytest.mark.parametrize("table_name", sorted(SEED_TABLES))
@pytest.mark.parametrize("operation", ["create", "update", "full"])
def test_screened_lines_get_exactly_the_findings_of_the_rules(table_name, operation):
    table = parsed(SEED_TABLES[table_name]).table
    valid = [orjson.loads(line) for line in (RECORDS / f"{table_name}.valid.jsonl").read_bytes().splitlines()]
    screened, plain = _validators(table, operation)
    certainly_clean = with_findings = 0
    for line in _mutations(table, valid, 1500, seed=len(table_name) * 10 + len(operation)):
        expected = list(plain.iter_violations(loads_exact(line)))
        assert list(screened.iter_line_violations(line)) == expected, line
        if screened.screen.check(line) is True:
            certainly_clean += 1
            assert expected == [], line
        with_findings += bool(expected)
    # The mutations reach both sides of the screen's decision (the create records lack what an
    # exported row must hold, such as the primary id, so for "full" every record has a finding).
    assert (certainly_clean > 10 or operation == "full") and with_findings > 300


def test_bind_entity_sets_from_the_catalog_are_screened_too():
    session = parsed(SEED_TABLES["msdyn_sessionevent"]).table
    ocsession = parsed(CORPUS / "y2020/msdyn_ocsession.md").table
    catalog = Catalog(tables={"msdyn_ocsession": ocsession, "msdyn_sessionevent": session})
    screened, plain = _validators(session, "create", catalog)
    good = orjson.loads((RECORDS / "msdyn_sessionevent.valid.jsonl").read_bytes().splitlines()[0])
    for entity_set in ("msdyn_ocsessions", "accounts", "Msdyn_ocsessions"):
        record = {**good, "msdyn_omnichannelsession@odata.bind": f"/{entity_set}({GUID})"}
        line = json.dumps(record).encode()
        expected = list(plain.iter_violations(record))
        assert list(screened.iter_line_violations(line)) == expected
        assert (expected == []) == (entity_set == "msdyn_ocsessions")


@pytest.mark.parametrize("block_size", [None, 2048])
def test_files_give_the_same_findings_and_split_with_and_without_the_screen(tmp_path, monkeypatch, block_size):
    if block_size:  # hundreds of blocks: processes claim many, and this one runs ahead of the others
        monkeypatch.setattr(run, "BLOCK_SIZE", block_size)
    table = parsed(SEED_TABLES["msdyn_botsession"]).table
    valid = [orjson.loads(line) for line in (RECORDS / "msdyn_botsession.valid.jsonl").read_bytes().splitlines()]
    lines = _mutations(table, valid, 3000, seed=11)
    body = b"".join(line + (b"\r\n" if number % 7 == 0 else b"\n") + (b"\n   \n" if number % 50 == 0 else b"")
                    for number, line in enumerate(lines))
    records = tmp_path / "records.jsonl"
    records.write_bytes(body.rstrip(b"\n"))  # the last line has no newline
    outcomes = []
    for jobs, use_screen in ((1, False), (1, True), (2, True), (3, False)):
        screened, plain = _validators(table, "create")
        validator = screened if use_screen else plain
        valid_out, rejected_out = tmp_path / f"valid{jobs}{use_screen}", tmp_path / f"rejected{jobs}{use_screen}"
        summary = RunSummary()
        with open(valid_out, "wb") as good, open(rejected_out, "wb") as bad:
            found = list(validate_files(validator, [records], jobs=jobs, valid_out=good, rejected_out=bad,
                                        summary=summary))
        outcomes.append((found, summary.records, summary.rejected, summary.by_severity,
                         valid_out.read_bytes(), rejected_out.read_bytes()))
    assert all(outcome == outcomes[0] for outcome in outcomes[1:])
    found, record_count, rejected, _, valid_bytes, rejected_bytes = outcomes[0]
    assert record_count == 3000 and 0 < rejected < 3000
    assert len([line for line in valid_bytes.splitlines() if line.strip()]) + rejected == 3000
    assert len(rejected_bytes.splitlines()) == rejected
    # Line numbers count the blank lines: two follow every 50th record.
    assert found and all(v.line == v.record + 1 + 2 * len(range(0, v.record, 50)) for v in found)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bad_line_deep_in_a_big_file_is_located(tmp_path, jobs):
    line = (RECORDS / "msdyn_botsession.valid.jsonl").read_bytes().splitlines()[0]
    records = tmp_path / "records.jsonl"
    records.write_bytes(line + b"\n" + (line + b"\n") * 6000 + b'{"msdyn_name": "x",}\n' + line + b"\n")
    validator = Validator(parsed(SEED_TABLES["msdyn_botsession"]).table)
    with pytest.raises(InputError) as raised:
        list(validate_files(validator, [records], jobs=jobs))
    assert raised.value.diagnostic.line == 6002
    assert "not valid JSON" in raised.value.diagnostic.message


def test_clean_tests_end_at_the_end_of_the_text():
    """$ in a regex also matches before a final newline; the clean tests must not."""
    table = parsed(SEED_TABLES["msdyn_botsession"]).table
    good = orjson.loads((RECORDS / "msdyn_botsession.valid.jsonl").read_bytes().splitlines()[0])
    plain = _validators(table, "create")[1]
    for column, value, rule in (("msdyn_startedon", "2024-05-01T10:00:00Z\n", "invalid-type"),
                                ("msdyn_startedon", "2024-05-01T24:00:00Z", "invalid-type"),
                                ("msdyn_botid@odata.bind", f"/bots({GUID})\n", "invalid-lookup")):
        findings = plain.validate({**good, column: value})
        assert [(v.rule, v.key) for v in findings] == [(rule, column)], value


def test_blocks_are_claimed_once_each_in_order():
    import multiprocessing

    claims = run._Claims(multiprocessing.get_context("fork"), 5)
    assert claims.owner(0) == claims.UNCLAIMED
    assert [claims.claim(1), claims.claim(0), claims.claim(2)] == [0, 1, 2]
    assert claims.claim(0, below=3) is None  # no further ahead than asked
    assert [claims.claim(0, below=4), claims.claim(1), claims.claim(1)] == [3, 4, None]
    assert [claims.owner(number) for number in range(5)] == [1, 0, 2, 0, 1]


def test_an_error_in_a_worker_reaches_the_caller(tmp_path, monkeypatch):
    import os
    import time

    parent, check_block = os.getpid(), run.check_block

    def failing_in_workers(*args, **kwargs):
        if os.getpid() != parent:
            raise ValueError("failed in a worker")
        time.sleep(0.002)  # leave the worker, which starts a little later, blocks to claim
        return check_block(*args, **kwargs)

    monkeypatch.setattr(run, "BLOCK_SIZE", 1024)
    monkeypatch.setattr(run, "check_block", failing_in_workers)
    records = tmp_path / "records.jsonl"
    records.write_bytes((RECORDS / "msdyn_botsession.valid.jsonl").read_bytes() * 50)
    validator = Validator(parsed(SEED_TABLES["msdyn_botsession"]).table)
    assert len(list(validate_files(validator, [records], jobs=1))) == 0
    with pytest.raises(ValueError, match="failed in a worker"):
        list(validate_files(validator, [records], jobs=2))


def _findings_in_a_daemon(connection, path):  # module level: the child runs it
    validator = Validator(parsed(SEED_TABLES["msdyn_botsession"]).table)
    connection.send([(v.line, v.rule) for v in validate_files(validator, [path], jobs=2)])


def test_jobs_work_inside_a_daemonic_process(tmp_path, monkeypatch):
    """A multiprocessing.Pool worker is daemonic, and multiprocessing refuses it children of its own."""
    import multiprocessing

    monkeypatch.setattr(run, "BLOCK_SIZE", 1024)
    records = tmp_path / "records.jsonl"
    records.write_bytes((RECORDS / "msdyn_botsession.invalid.jsonl").read_bytes() * 40)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    daemon = context.Process(target=_findings_in_a_daemon, args=(sender, records), daemon=True)
    daemon.start()
    found = receiver.recv() if receiver.poll(60) else None
    daemon.join()
    assert found is not None and len(found) == 15 * 40
    assert found[:2] == [(1, "required-missing"), (2, "max-length")] and found[-1] == (600, "unknown-column")


WEB_API = FIXTURES / "webapi"
WEB_API_VALUES = [None, {"subject": "x"}, {"subject": 5}, [{"subject": "x"}], [{"description": "no subject"}], [],
                  [1], {"@odata.id": "tasks(" + GUID + ")"}, "/accounts(" + GUID + ")", "/tasks(" + GUID + ")",
                  "/accounts(accountnumber='A1')", "/accounts(accountid=" + GUID + ")", ["/tasks(" + GUID + ")"],
                  "https://org.crm.dynamics.com/api/data/v9.2/accounts(" + GUID + ")", "/systemusers(" + GUID + ")",
                  "systemuser", "user", GUID, "x" * 161, "2024-05-01", "2024-05-01T07:00:00Z"]


@pytest.mark.parametrize("operation", ["read", "create", "update", "full"])
def test_web_api_shapes_get_the_same_findings_with_and_without_the_screen(operation):
    """Navigation properties, deep inserts, expansions, binds of every form, _x_value keys and columns
    derived from lookups: the screen sends what it cannot vouch for to the rules."""
    pages = {name: parsed(WEB_API / f"{name}.excerpt.md").table for name in ("account", "contact", "task")}
    catalog = Catalog(tables=pages)
    table = pages["account"]
    valid = [orjson.loads(line) for line in (WEB_API / "shapes.create.valid.jsonl").read_bytes().splitlines()]
    screened, plain = _validators(table, operation, catalog)
    keys = list(screened.navigation) + [f"{name}@odata.bind" for name in screened.navigation]
    keys += ["_parentaccountid_value", "owneridtype", "owneridname", "PrimaryContactId@odata.bind",
             "parentaccountid_account@odata.bind", "Account_Tasks", "name", "overriddencreatedon", "statecode",
             "ParentAccountId@odata.bind", "PrimaryContactId", "count", "contact_fullname"]
    rng = random.Random(len(operation))
    checked = with_findings = clean = 0
    for _ in range(1500):
        record = dict(rng.choice(valid))
        for _ in range(rng.choice((1, 2, 3))):
            record[rng.choice(keys)] = rng.choice(WEB_API_VALUES)
        line = json.dumps(record).encode()
        expected = list(plain.iter_violations(loads_exact(line)))
        assert list(screened.iter_line_violations(line)) == expected, line
        checked += 1
        with_findings += bool(expected)
        clean += screened.screen.check(line) is True
    assert checked == 1500 and with_findings > 300 and (clean > 5 or operation == "full")
