"""Review before sending: blockers from the real scorer and grounding, approval with a reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from assistant.drafting import draft
from assistant.drafting.models import load_incident
from assistant.errors import InputError
from assistant.forms import form_from_incident
from assistant.review import ApprovalRefused, approve, blockers, incident_of, mark_sent, submit
from assistant.scoring import score
from assistant.storage import Store

ROOT = Path(__file__).resolve().parents[2]
INCIDENT = ROOT / "examples" / "incidents" / "outage-payments-api.yaml"
FACTS = form_from_incident(yaml.safe_load(INCIDENT.read_text()))
EXTRA = ("\n\nYou will be fully compensated. We will also give you a free year of service."
         " We apologise for any inconvenience this may have caused.")


@pytest.fixture(scope="module")
def clean_body() -> str:
    result = draft(load_incident(INCIDENT), model="offline")
    assert result.status == "ready"
    return result.body


def test_a_clean_offline_draft_has_no_blockers(clean_body: str) -> None:
    assert blockers(clean_body, score(clean_body), incident_of(FACTS)) == []


def test_each_kind_of_blocker_is_found(clean_body: str) -> None:
    body = clean_body + EXTRA
    found = blockers(body, score(body), incident_of(FACTS))
    kinds = {b.kind for b in found}
    assert kinds == {"error_flag", "unapproved_commitment", "must_not_say"}
    assert any("free year of service" in b.message for b in found)
    assert any("'fully compensated'" in b.message for b in found if b.kind == "must_not_say")
    # without incident facts (a pasted draft) only the scorer's errors can be checked
    assert {b.kind for b in blockers(body, score(body), incident_of({}))} == {"error_flag"}


def test_approval_with_blockers_needs_a_reason_which_is_kept(
    tmp_path: Path, clean_body: str
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    case = store.create_case("Card payments", FACTS)
    body = clean_body + EXTRA
    version = store.add_version(case.id, body, source="edited")
    assert version is not None
    submit(store, version, actor="ann")
    found = blockers(body, score(body), incident_of(FACTS))
    commitments = [{"action": "Publish the incident report", "owner": "Priya Raman",
                    "due": "2026-10-24", "checkpoint": "report in your folder"}]
    today = dt.date(2026, 10, 20)
    with pytest.raises(ApprovalRefused, match="approval needs a reason: this draft has 6"):
        approve(store, version, found, commitments=commitments, today=today, actor="bob")
    with pytest.raises(InputError, match="Commitment 1: due date: 2026-10-24 is in the past"):
        approve(store, version, found, reason="Legal agreed the offer", today=dt.date(2026, 11, 1),
                commitments=commitments, actor="bob")
    assert store.version(version.id).status == "in_review" and store.ledger_entries() == []

    event = approve(store, version, found, reason="Legal agreed the offer on 19 Oct",
                    commitments=commitments, today=today, actor="bob")
    assert (event.to_status, event.actor, event.reason) == (
        "approved", "bob", "Legal agreed the offer on 19 Oct")
    (entry,) = store.ledger_entries(case.id)
    assert entry.version_id == version.id and entry.owner == "Priya Raman"
    mark_sent(store, version, actor="bob")
    assert [e.to_status for e in store.review_trail(case.id)] == ["in_review", "approved", "sent"]
    assert ApprovalRefused("x").exit_code == 1
