"""The Ledger page and History's review panel through the real app (AppTest, real SQLite)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from assistant.drafting import draft
from assistant.drafting.models import load_incident
from assistant.forms import form_from_incident
from assistant.ledger_models import LedgerEntryDraft
from assistant.storage import Store
from tests.app.conftest import errors, open_page, page_text
from tests.conftest import both_databases

# Storage-facing: run on SQLite and on the suite's PostgreSQL server alike.
pytestmark = both_databases

ROOT = Path(__file__).resolve().parents[2]
INCIDENT = ROOT / "examples" / "incidents" / "outage-payments-api.yaml"
TODAY = dt.date.today()
EXTRA = "\n\nYou will be fully compensated. We will also give you a free year of service."


def _seed_ledger(store: Store) -> tuple[int, int, int]:
    case = store.create_case("Card payments failed")
    late, soon = store.add_ledger_entries(case.id, [
        LedgerEntryDraft(action="Publish the incident report", owner="Priya Raman",
                         due=TODAY - dt.timedelta(days=3), checkpoint="report in your folder"),
        LedgerEntryDraft(action="Require canary runs", owner="Tomas Berg",
                         due=TODAY + dt.timedelta(days=2)),
    ], actor="ann")
    other = store.create_case("Missed filing")
    (done,) = store.add_ledger_entries(other.id, [
        LedgerEntryDraft(action="File the return", owner="Sam Lee",
                         due=TODAY + dt.timedelta(days=30)),
    ], actor="ann")
    store.update_ledger_entry(done.id, actor="ann", status="done", proof="Filed; receipt sent")
    return late.id, soon.id, case.id


def test_ledger_page_shows_overdue_first_and_closing_asks_for_proof(
    app_env: Path, store: Store
) -> None:
    late, soon, case_id = _seed_ledger(store)
    at = open_page("ledger")
    text = page_text(at)
    assert [s.value for s in at.subheader] == [
        "Overdue (1)", "Due this week (1)", "Done, with proof (1)"
    ]
    assert "OVERDUE by 3 days" in text and "due in 2 days" in text
    assert "Proof: Filed; receipt sent" in text
    assert [m.value for m in at.metric][:2] == ["1", "1"]

    at.button(key=f"l.close.{late}").click().run()  # proof left empty
    assert "proof: say what was done" in errors(at)
    assert store.ledger_entry(late).status == "open"

    at.text_area(key=f"l.proof.{late}").input("Report published in your folder on Monday")
    at.button(key=f"l.close.{late}").click().run()
    assert not at.exception
    closed = store.ledger_entry(late)
    assert closed.status == "done" and closed.proof == "Report published in your folder on Monday"
    assert [h.change for h in closed.history][-2:] == ["status open -> done", "proof added"]
    assert "Overdue" not in " ".join(s.value for s in at.subheader)

    at.radio(key=f"l.status.{soon}").set_value("dropped").run()
    at.button(key=f"l.close.{soon}").click().run()
    assert "reason: say why it was dropped" in errors(at)

    one = open_page("ledger", case=str(case_id))  # a link to one case's ledger
    assert one.selectbox(key="l.case").value == case_id
    assert "File the return" not in page_text(one)


def test_ledger_page_without_entries_says_where_they_come_from(app_env: Path) -> None:
    at = open_page("ledger")
    assert "Approve a draft in History" in page_text(at)


@pytest.fixture(scope="module")
def offline_body() -> str:
    return draft(load_incident(INCIDENT), model="offline").body


def test_history_review_approve_with_reason_then_send(
    app_env: Path, store: Store, offline_body: str
) -> None:
    facts = form_from_incident(yaml.safe_load(INCIDENT.read_text()))
    case = store.create_case("Card payments", facts)
    store.add_version(case.id, offline_body + EXTRA, source="edited")

    at = open_page("history", case=str(case.id))
    assert "Review status of v1: Draft" in page_text(at)
    at.button(key="h.submit").click().run()
    text = page_text(at)
    assert "Review status of v1: In review" in text
    assert "block approval unless you give a reason" in text
    assert "free year of service" in text and "fully compensated" in text

    version = store.versions(case.id)[0]
    prefix = f"h.c.{version.id}"
    owners = [str(w.value) for w in at.text_input if str(w.key).startswith(prefix)
              and str(w.key).endswith(".owner")]
    assert "Priya Raman" in " ".join(owners)  # found in the draft's own sentences

    at.button(key="h.approve").click().run()
    assert "approval needs a reason" in errors(at)
    at.text_area(key=f"h.reason.{version.id}").input("Legal approved the offer").run()
    at.button(key="h.approve").click().run()
    assert "Commitment 1: due date: 2026-10-24 is in the past" in errors(at)
    assert store.version(version.id).status == "in_review" and store.ledger_entries() == []

    future = (TODAY + dt.timedelta(days=10)).isoformat()
    dues = [w for w in at.text_input if str(w.key).startswith(prefix) and str(w.key).endswith(".due")]
    # the plan lines' dates, then the extra promise the draft makes, with no date
    assert [w.value for w in dues] == ["2026-10-24", "2026-11-07", ""]
    assert "free year" in str(at.text_input(key=f"{prefix}.2.action").value)
    for widget in dues[:2]:
        widget.input(future)
    at.checkbox(key=f"{prefix}.2.include").uncheck()  # not kept: approved with a reason
    count = 2
    at.run()
    at.button(key="h.approve").click().run()
    assert not errors(at), errors(at)
    assert store.version(version.id).status == "approved"
    assert len(store.ledger_entries(case.id)) == count
    (event,) = [e for e in store.review_trail(case.id) if e.to_status == "approved"]
    assert event.reason == "Legal approved the offer"
    assert "Legal approved the offer" in str(at.dataframe[-1].value.to_dict())

    at.button(key="h.send").click().run()
    assert "Sent: this version is frozen" in page_text(at)
    assert [e.to_status for e in store.review_trail(case.id)] == ["in_review", "approved", "sent"]


def test_history_delete_is_soft_and_restorable(app_env: Path, store: Store) -> None:
    keep = store.create_case("Keep me")
    gone = store.create_case("Delete me")
    store.add_version(gone.id, "Body.", source="edited")
    at = open_page("history", case=str(gone.id))
    at.button(key="h.delete").click().run()  # not confirmed: nothing happens
    assert store.find_case(gone.id) is not None
    at.checkbox(key=f"h.confirm.{gone.id}").check().run()
    at.button(key="h.delete").click().run()
    assert store.find_case(gone.id) is None and store.find_case(keep.id) is not None
    assert "Recently deleted (1)" in str([e.label for e in at.expander])
    at.button(key=f"h.restore.{gone.id}").click().run()
    assert not at.exception
    restored = store.find_case(gone.id)
    assert restored is not None and restored.version_count == 1
