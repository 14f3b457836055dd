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
    # The same table in two page generations (2020 "Entity Reference" and the 2023 "columns/attributes" style) and
    # two folders. Eight messages and eleven columns were added (msdyn_assignreason ApplicationRequired and
    # writable: breaking), an option and a description changed, owningbusinessunit became valid for forms. The
    # newer page lists no relationships and adds owningbusinessunitname, the name column of a lookup both list.
    ("msdyn_sessionparticipant.omnichannel.f6d7f43c.md",
     "msdyn_sessionparticipant.customer-service.01969140.md"): sorted(
        [("required-column-added", "msdyn_assignreason", ""),
         ("no-longer-documented", "", "msdyn_ocsession_sessionparticipant_nested"),
         ("newly-documented", "owningbusinessunitname", ""),
         ("column-description-changed", "msdyn_mode", ""), ("option-added", "msdyn_mode", "192350005"),
         ("column-property-changed", "owningbusinessunit", "")]
        + [("column-added", name, "") for name in (
            "msdyn_activetime", "msdyn_externalparticipantchannel", "msdyn_externalparticipantchanneltype",
            "msdyn_idletime", "msdyn_inactivetime", "msdyn_lastupdatedon", "msdyn_leftonreason",
            "msdyn_startactivetime", "msdyn_startidletime", "msdyn_startinactivetime")]
        + [("message-added", "", name) for name in (
            "BulkRetain", "CreateMultiple", "PurgeRetainedContent", "Restore", "Retain", "RollbackRetain",
            "UpdateMultiple", "ValidateRetentionConfig")]),
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


def test_two_generations_changes_keep_their_values_and_severities():
    old = parse_file(HISTORY / "msdyn_sessionparticipant.omnichannel.f6d7f43c.md").table
    new = parse_file(HISTORY / "msdyn_sessionparticipant.customer-service.01969140.md").table
    changes, _ = diff_with_unclaimed(old, new)
    assert [(c.kind, c.column) for c in changes if c.severity == "breaking"] == [
        ("required-column-added", "msdyn_assignreason")]
    form = next(c for c in changes if c.column == "owningbusinessunit")
    assert (form.field, form.old, form.new) == ("is_valid_for_form", False, True)
    relationship = next(c for c in changes if c.item == "msdyn_ocsession_sessionparticipant_nested")
    assert relationship.message == ("relationship msdyn_ocsession_sessionparticipant_nested (one of the pages lists "
                                    "no relationships) is no longer documented")
