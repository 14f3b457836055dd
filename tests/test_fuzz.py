"""The fuzz targets of fuzz/ on their seed corpus, and a hypothesis differential test of the
compiled screen against the rules (records built from each column's edge values)."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, parsed
from dvschema import Validator
from dvschema.validation.jsonvalues import loads_exact
from dvschema.validation.screen import screen_available
from test_screen import _edge_values
from test_validation import SEED_TABLES

sys.path.insert(0, str(ROOT / "fuzz"))
import targets  # noqa: E402

TABLES = sorted(SEED_TABLES)


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_each_fuzz_target_passes_its_seed_corpus(name):
    inputs = targets.seed_inputs(name)
    assert len(inputs) >= 10
    for data in inputs:
        targets.TARGETS[name](data)


def test_the_screen_target_catches_a_screen_that_disagrees(monkeypatch):
    screened, _ = targets._validators(0)
    if screened.screen is None:
        pytest.skip("the C screen is not built")
    monkeypatch.setattr(screened, "screen", type("Lenient", (), {"check": staticmethod(lambda line: True)})())
    with pytest.raises(AssertionError):
        targets.screen_target(b"\x00" + b'{"msdyn_csatscore": 6}')


def _records(table):
    columns = table.columns
    keys = [column.logical_name for column in columns]
    keys += [f"{c.logical_name}@odata.bind" for c in columns if c.type in ("Lookup", "Customer", "Owner")]
    keys += [f"_{c.logical_name}_value" for c in columns[:4]] + ["msdyn_nmae", "@odata.etag", ""]
    edge = {column.logical_name: _edge_values(column) for column in columns}
    values = st.sampled_from(sorted({json.dumps(v) for vs in edge.values() for v in vs}))
    pairs = st.lists(st.tuples(st.sampled_from(keys), values), max_size=8)
    return pairs


def _spell(pairs, spacing: str, duplicate: str) -> bytes:
    """A record's JSON text; ``duplicate`` repeats a key with null after the pairs or before them (the
    JSON reader keeps a key in its first place with its last value)."""
    items = [f"{json.dumps(key)}:{value}" for key, value in pairs]
    if duplicate == "null after" and pairs:
        items.append(f"{json.dumps(pairs[0][0])}:null")
    elif duplicate == "null before" and pairs:
        items.insert(0, f"{json.dumps(pairs[-1][0])}:null")
    elif duplicate == "unknown null before":  # an unknown column, null first and with a value last
        items = ['"msdyn_nmae":null', *items, '"msdyn_nmae":1']
    return ("{" + spacing.join(items) + "}").encode()


@pytest.mark.skipif(not screen_available(), reason="the C screen is not built")
@pytest.mark.parametrize("table_name", TABLES)
def test_hypothesis_screen_agrees_with_the_rules(table_name):
    table = parsed(SEED_TABLES[table_name]).table
    screened = Validator(table)
    plain = Validator(table)
    plain.screen = None

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(pairs=_records(table), spacing=st.sampled_from([",", ", ", " ,\t"]), duplicate=st.sampled_from(["none", "null after", "null before", "unknown null before"]))
    def check(pairs, spacing, duplicate):
        line = _spell(pairs, spacing, duplicate)
        expected = [(v.rule, v.column, v.value, v.message) for v in plain.iter_violations(loads_exact(line))]
        assert [(v.rule, v.column, v.value, v.message) for v in screened.iter_line_violations(line)] == expected

    check()
