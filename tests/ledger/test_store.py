"""The store's review trail and ledger rows, in a real SQLite file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.errors import InputError, StorageError
from assistant.ledger_models import LedgerEntryDraft
from assistant.storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'ledger.db'}")


def _draft(action: str, due: dt.date, owner: str = "Priya Shah") -> LedgerEntryDraft:
    return LedgerEntryDraft(action=action, owner=owner, due=due, checkpoint="log shared")


def test_a_version_moves_through_review_and_a_sent_one_is_frozen(store: Store) -> None:
    case = store.create_case("Outage")
    v1 = store.add_version(case.id, "Draft one.", source="edited")
    assert v1 is not None and v1.status == "draft"
    with pytest.raises(InputError, match="version 1 is draft; it can go to in review, not sent"):
        store.change_status(v1.id, "sent", actor="ann")
    store.change_status(v1.id, "in_review", actor="ann")
    store.change_status(v1.id, "approved", actor="bob", reason="legal signed off")
    store.change_status(v1.id, "sent", actor="bob")
    with pytest.raises(InputError, match="it can go to nothing: it is sent"):
        store.change_status(v1.id, "draft", actor="bob")
    with pytest.raises(InputError, match="status: 'published' is not one of"):
        store.change_status(v1.id, "published", actor="bob")

    trail = store.review_trail(case.id)
    assert [(e.from_status, e.to_status, e.actor) for e in trail] == [
        ("draft", "in_review", "ann"), ("in_review", "approved", "bob"), ("approved", "sent", "bob")
    ]
    assert trail[1].reason == "legal signed off" and trail[1].version_number == 1

    # an edit typed right after sending does not merge into the sent version: a new one
    v2 = store.add_version(case.id, "Draft one, edited.", source="edited", merge_within=600)
    assert v2 is not None and v2.number == 2 and v2.status == "draft"
    assert store.version(v1.id).body == "Draft one." and store.version(v1.id).status == "sent"


def test_approval_and_its_entries_are_one_transaction(store: Store) -> None:
    case = store.create_case("Outage")
    version = store.add_version(case.id, "Body.", source="edited")
    assert version is not None
    store.change_status(version.id, "in_review", actor="ann")
    due = dt.date(2027, 1, 15)
    store.change_status(version.id, "approved", actor="bob",
                        entries=[_draft("Automate renewals", due), _draft("Share runbook", due)])
    entries = store.ledger_entries(case.id)
    assert [(e.action, e.version_id, e.status) for e in entries] == [
        ("Automate renewals", version.id, "open"), ("Share runbook", version.id, "open")
    ]
    assert entries[0].history[0].actor == "bob" and entries[0].history[0].change == "created"
    # a failed approval (wrong step) saves no entries
    with pytest.raises(InputError):
        store.change_status(version.id, "approved", actor="bob", entries=[_draft("Extra", due)])
    assert len(store.ledger_entries(case.id)) == 2


def test_entries_are_oldest_due_first_across_cases_and_filtered(store: Store) -> None:
    a, b = store.create_case("A"), store.create_case("B")
    store.add_ledger_entries(a.id, [_draft("late", dt.date(2027, 3, 1))], actor="ann")
    store.add_ledger_entries(b.id, [_draft("early", dt.date(2027, 1, 1))], actor="ann")
    (done,) = store.add_ledger_entries(a.id, [_draft("middle", dt.date(2027, 2, 1))], actor="ann")
    store.update_ledger_entry(done.id, actor="bob", status="done", proof="Shipped; see log")
    assert [e.action for e in store.ledger_entries()] == ["early", "middle", "late"]
    assert [e.action for e in store.ledger_entries(a.id)] == ["middle", "late"]
    assert [e.action for e in store.ledger_entries(statuses=["open"])] == ["early", "late"]
    assert [e.action for e in store.ledger_entries(a.id, ("done",))] == ["middle"]
    with pytest.raises(InputError, match="status: 'closed' is not one of open, done"):
        store.ledger_entries(statuses=["closed"])
    store.delete_case(b.id)  # a deleted case's promises leave the ledger with it
    assert [e.action for e in store.ledger_entries()] == ["middle", "late"]


def test_every_change_to_an_entry_is_in_its_history(store: Store) -> None:
    case = store.create_case("A")
    (entry,) = store.add_ledger_entries(case.id, [_draft("Fix", dt.date(2027, 1, 1))], actor="ann")
    store.update_ledger_entry(entry.id, actor="bob", due=dt.date(2027, 1, 8), owner="Sam Lee",
                              reason="supplier delay")
    closed = store.update_ledger_entry(entry.id, actor="cat", status="done", proof="Done",
                                       proof_link="https://status.example/42")
    assert closed.proof == "Done" and closed.proof_link == "https://status.example/42"
    assert [(h.actor, h.change, h.reason) for h in closed.history] == [
        ("ann", "created", ""),
        ("bob", "owner Priya Shah -> Sam Lee", "supplier delay"),
        ("bob", "due 2027-01-01 -> 2027-01-08", "supplier delay"),
        ("cat", "status open -> done", ""),
        ("cat", "proof added", ""),
        ("cat", "proof link added", ""),
    ]
    assert store.ledger_entry(entry.id) == closed


def test_unknown_ids_name_the_id(store: Store) -> None:
    with pytest.raises(StorageError, match="ledger entry 77 does not exist"):
        store.ledger_entry(77)
    with pytest.raises(StorageError, match="ledger entry 77 does not exist"):
        store.update_ledger_entry(77, actor="x", status="done")
    with pytest.raises(StorageError, match="version 5 does not exist"):
        store.change_status(5, "in_review", actor="x")
    with pytest.raises(StorageError, match="case 9 does not exist"):
        store.ledger_entries(9)
