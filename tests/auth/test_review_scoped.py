"""The review flow and the ledger through the scoped store, once their store methods exist
(branch ledger): approval by the case's own author is refused, another reviewer's is recorded
under their name, and another team sees neither the trail nor the commitments."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from assistant.auth import audit
from assistant.auth.permissions import PermissionDenied
from assistant.storage import Store
from tests.auth.conftest import Team

pytestmark = pytest.mark.skipif(
    not hasattr(Store, "change_status"),
    reason="the review flow's store methods arrive with branch ledger",
)


def test_review_and_ledger_through_the_scoped_store(team: Team) -> None:
    entry_draft = importlib.import_module("assistant.ledger_models").LedgerEntryDraft

    dora, rita, bill = team.scoped("dora"), team.scoped("rita"), team.scoped("bill")
    case = dora.create_case("Support case")
    version = dora.add_version(case.id, "Dear Sam, Mei will fix it by Friday.", source="edited")
    assert version is not None
    dora.change_status(version.id, "in_review", actor="spoofed")
    team.accounts.grant("dora", "support", "reviewer", actor="adam")
    with pytest.raises(PermissionDenied, match="nobody approves their own draft"):
        team.scoped("dora").change_status(version.id, "approved", actor="dora")
    with pytest.raises(PermissionDenied):
        bill.change_status(version.id, "approved", actor="bill")
    entry = entry_draft(action="Fix the export", owner="Mei", due=dt.date(2030, 1, 4))
    rita.change_status(version.id, "approved", actor="rita", entries=[entry])
    trail = rita.review_trail(case.id)
    assert [(step.actor, step.to_status) for step in trail][-2:] == [
        ("dora", "in_review"), ("rita", "approved")]
    assert len(rita.ledger_entries(case.id)) == 1 and rita.ledger_entries()
    assert bill.ledger_entries() == []
    with pytest.raises(PermissionDenied):
        bill.review_trail(case.id)
    with pytest.raises(PermissionDenied):
        bill.ledger_entries(case.id)
    actions = [(r.actor, r.action) for r in audit.events(team.store) if r.case_id == case.id]
    assert ("rita", "case.approve") in actions and ("dora", "case.review") in actions
