"""Property-based drift: random pairs of tables never crash the diff, and each difference gets exactly one kind."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dvschema.drift import CHANGE_KINDS, diff, diff_with_unclaimed
from dvschema.drift.structural import diff_catalogs
from dvschema.metaschema.model import Catalog, Column, Message, Option, Relationship, Source, Table

# Small pools of names, so two independently drawn tables share most items and differ in some.
WORDS = st.sampled_from(["", "a", "Active", "Inactive", "x  y", "x y", "None", "False", "0", "1"])
MAYBE_WORD = st.none() | WORDS
MAYBE_BOOL = st.none() | st.booleans()
NUMBER = st.none() | st.integers(-3, 3) | st.sampled_from([Decimal("0.5"), Decimal("1E-12"), Decimal("-2")])
EXTRA = st.dictionaries(st.sampled_from(["ImeMode", "IsLocalizable", "SourceTypeMask"]), WORDS, max_size=3)


def _options(column_type: str | None) -> st.SearchStrategy[tuple[Option, ...]]:
    option = st.builds(Option, value=st.integers(0, 4), label=MAYBE_WORD, state=st.none() | st.integers(0, 2),
                       default_status=st.none() | st.integers(0, 2), transition_data=MAYBE_WORD,
                       description=MAYBE_WORD, extra=EXTRA)
    return st.lists(option, max_size=5 if column_type in ("Picklist", "Status", None) else 0,
                    unique_by=lambda o: o.value).map(tuple)


@st.composite
def columns(draw, logical_name: str, column_type: str | None, derived_from: str | None = None) -> Column:
    return Column(
        schema_name=logical_name, logical_name=logical_name, type=column_type, derived_from=derived_from,
        display_name=draw(MAYBE_WORD), description=draw(MAYBE_WORD),
        required_level=draw(st.none() | st.sampled_from(["None", "Recommended", "ApplicationRequired",
                                                         "SystemRequired"])),
        writable=draw(st.booleans()), is_valid_for_create=draw(MAYBE_BOOL), is_valid_for_update=draw(MAYBE_BOOL),
        max_length=draw(st.none() | st.integers(1, 4)), min_value=draw(NUMBER), max_value=draw(NUMBER),
        precision=draw(st.none() | st.integers(0, 4)), format=draw(MAYBE_WORD),
        date_time_behavior=draw(st.none() | st.sampled_from(["UserLocal", "DateOnly"])),
        default_value=draw(st.none() | st.sampled_from(["False", "0", "True", "1", "x"])),
        targets=tuple(draw(st.lists(st.sampled_from(["account", "contact", "team"]), unique=True, max_size=3))
                      if column_type == "Lookup" else ()),
        options=draw(_options(column_type)), extra=draw(EXTRA))


# (logical name, type, lookup it derives from): "ownername" is the name column of lookup "owner".
COLUMN_POOL = [("name", "String", None), ("amount", "Integer", None), ("status", "Status", None),
               ("choice", "Picklist", None), ("owner", "Lookup", None), ("ownername", "String", "owner"),
               ("misc", None, None)]
RELATIONSHIP_POOL = ["rel_a", "rel_b", "rel_c", "rel_d"]
MESSAGE_POOL = ["Create", "Update", "Associate", "Disassociate", "Retain", "Upsert"]
# The page generation decides whether an Upsert one side lacks is removed or merely not documented.
SOURCES = st.none() | st.builds(Source, path=st.just("page.md"), sha256=st.just("0"),
                                format=st.sampled_from(["markdown-generated", "markdown-2023", "plain-text"]))


@st.composite
def relationships(draw, schema_name: str) -> Relationship:
    return Relationship(
        kind=draw(st.sampled_from(["many_to_one", "one_to_many", "many_to_many"])), schema_name=schema_name,
        summary=draw(MAYBE_WORD), related_entity=draw(MAYBE_WORD), referenced_attribute=draw(MAYBE_WORD),
        is_hierarchical=draw(MAYBE_BOOL), added_by=draw(MAYBE_WORD), extra=draw(EXTRA),
        cascade=draw(st.dictionaries(st.sampled_from(["Assign", "Delete", "Archive"]),
                                     st.sampled_from(["Cascade", "NoCascade"]), max_size=3)),
        associated_menu=draw(st.dictionaries(st.sampled_from(["Behavior", "Order"]), WORDS, max_size=2)))


@st.composite
def tables(draw) -> Table:
    chosen = draw(st.lists(st.sampled_from(COLUMN_POOL), unique=True, max_size=len(COLUMN_POOL)))
    return Table(
        logical_name="t", display_name=draw(MAYBE_WORD), description=draw(MAYBE_WORD), source=draw(SOURCES),
        table_type=draw(st.none() | st.sampled_from(["Standard", "Elastic"])),
        ownership_type=draw(st.none() | st.sampled_from(["UserOwned", "OrganizationOwned"])),
        added_by=draw(MAYBE_WORD), extra=draw(EXTRA),
        columns=tuple(draw(columns(*spec)) for spec in chosen),
        relationships=tuple(draw(relationships(name)) for name in draw(
            st.lists(st.sampled_from(RELATIONSHIP_POOL), unique=True, max_size=4))),
        messages=tuple(Message(name=name, is_event=draw(MAYBE_BOOL), event_only=draw(st.booleans()))
                       for name in draw(st.lists(st.sampled_from(MESSAGE_POOL), unique=True, max_size=5))))


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(tables(), tables())
def test_random_pairs_never_crash_and_every_difference_has_exactly_one_kind(old, new):
    changes, unclaimed = diff_with_unclaimed(old, new)
    assert unclaimed == []
    differences = diff_catalogs(Catalog(tables={"t": old}), Catalog(tables={"t": new}))
    for difference in differences:
        claimers = [kind.name for kind in CHANGE_KINDS if kind.claims(difference)]
        assert len(claimers) == 1, (difference, claimers)
    assert len(changes) == len(differences)
    # Reversed, every addition is a removal and every change a change: as many changes.
    assert len(diff(new, old)) == len(changes)


@settings(PROPERTY_SETTINGS, max_examples=25)
@given(tables())
def test_a_table_against_itself_has_no_change(table):
    assert diff(table, table) == []


# Found by the property test on the earlier diff, which crashed (IndexError) or left differences unclaimed
# whenever deepdiff reported a whole container: a table going from nothing to two items.
def _relationship(name: str) -> Relationship:
    return Relationship(kind="many_to_one", schema_name=name)


# A page that lists no relationships (messages) at all does not state them: the items are newly documented.
def test_from_no_relationships_to_two():
    no_relationships = Table(logical_name="t")
    two = Table(logical_name="t", relationships=(_relationship("rel_a"), _relationship("rel_b")))
    assert [(c.kind, c.item) for c in diff(no_relationships, two)] == [("newly-documented", "rel_a"),
                                                                       ("newly-documented", "rel_b")]
    three = Table(logical_name="t", relationships=two.relationships + (_relationship("rel_c"),))
    assert [(c.kind, c.item) for c in diff(two, three)] == [("relationship-added", "rel_c")]


def test_from_no_messages_to_two():
    changes = diff(Table(logical_name="t"), Table(logical_name="t", messages=(Message(name="Create"),
                                                                              Message(name="Update"))))
    assert [(c.kind, c.item) for c in changes] == [("newly-documented", "Create"), ("newly-documented", "Update")]


def test_a_lookup_whose_targets_were_not_stated_gets_them_documented():
    def table(*targets):
        return Table(logical_name="t", columns=(Column(schema_name="owner", logical_name="owner", type="Lookup",
                                                       targets=targets),))
    changes = diff(table(), table("account", "contact"))
    assert [(c.kind, c.column, c.field) for c in changes] == [("newly-documented", "owner", "targets")]
    assert [(c.kind, c.item) for c in diff(table("account"), table("contact", "team"))] == [
        ("targets-removed", "account"), ("targets-added", "contact"), ("targets-added", "team")]
