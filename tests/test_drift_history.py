"""Drift on real page history: the same page at two commits (fixtures/drift/history, see fixtures/README.md).

Each expected list is the true change list of the pair, worked out by reading the textual diff of the two files.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from dvschema.drift import diff_with_unclaimed
from dvschema.parsers import parse_file, parse_text
from plaintext_render import render_plain_text

HISTORY = FIXTURES / "drift" / "history"

# (old file, new file): sorted (kind, column, item) of every change.
TRUE_CHANGES = {
    # Front matter (ms.date, ms.service as a list) and a deprecation note: no metadata changed.
    ("msdyn_systemuser_msdyn_omnichannelqueue.1333d03c.md", "msdyn_systemuser_msdyn_omnichannelqueue.9a8090e7.md"): [],
    # Front matter, and three empty Description cells filled in.
    ("msdyn_presence.00a59e36.md", "msdyn_presence.4e2993d2.md"): [
        ("column-description-changed", "msdyn_basepresencestatus", ""),
        ("column-description-changed", "msdyn_canuserset", ""),
        ("column-description-changed", "msdyn_presencestatustext", "")],
    # The page moved from omnichannel/developer to customer-service/develop: front matter, relative links, the
    # API version in the operation cells and a footer changed; six messages were added.
    ("msdyn_octag.omnichannel.9d109667.md", "msdyn_octag.customer-service.01969140.md"): [
        ("message-added", "", name) for name in ("Assign", "GrantAccess", "ModifyAccess", "RetrievePrincipalAccess",
                                                 "RetrieveSharedPrincipalsAndAccess", "RevokeAccess")],
}


def _summary(changes):
    return sorted((c.kind, c.column or "", c.item or "") for c in changes)


@pytest.mark.parametrize("pair", sorted(TRUE_CHANGES), ids=lambda pair: pair[1])
def test_real_page_pair_reports_exactly_its_true_changes(pair):
    old, new = (parse_file(HISTORY / name).table for name in pair)
    changes, unclaimed = diff_with_unclaimed(old, new)
    assert unclaimed == []
    assert _summary(changes) == TRUE_CHANGES[pair]


# Not the deprecated queue page: rendered as plain text, its "> [!IMPORTANT]" note reads as the table's
# description (a plain-text parser limit, outside drift).
@pytest.mark.parametrize("pair", sorted(pair for pair in TRUE_CHANGES if "omnichannelqueue" not in pair[0]),
                         ids=lambda pair: pair[1])
def test_the_newer_page_as_plain_text_gives_the_same_changes(pair):
    old = parse_file(HISTORY / pair[0]).table
    new = parse_text(render_plain_text((HISTORY / pair[1]).read_text(encoding="utf-8")), "rendered.txt").table
    assert _summary(diff_with_unclaimed(old, new)[0]) == TRUE_CHANGES[pair]


def test_filled_in_description_keeps_its_old_and_new_text():
    changes, _ = diff_with_unclaimed(parse_file(HISTORY / "msdyn_presence.00a59e36.md").table,
                                     parse_file(HISTORY / "msdyn_presence.4e2993d2.md").table)
    described = next(c for c in changes if c.column == "msdyn_canuserset")
    assert (described.old, described.new, described.severity) == (
        None, "Indicates if this status can be set by the user", "info")
