"""Commitments found in real drafts, and what a person must give before they become entries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from assistant.errors import InputError
from assistant.ledger.entries import (
    check_closing,
    confirm_entries,
    due_view,
    parse_statuses,
    parse_within,
)
from assistant.ledger.extract import candidates, from_plan, sender_name
from assistant.ledger_models import LedgerEntry
from assistant.scoring import score

ROOT = Path(__file__).resolve().parents[2]
GALLERY = yaml.safe_load((ROOT / "examples" / "gallery" / "payroll-outage.yaml").read_text())
TODAY = dt.date(2026, 11, 10)


def test_a_pasted_good_letter_yields_its_commitments_with_owner_date_and_checkpoint() -> None:
    body = GALLERY["good"]["body"]
    found = candidates(source="uploaded", parts={}, body=body, report=score(body), today=TODAY,
                       writer="Daniel Okafor")
    by_owner = {(c.owner, c.due) for c in found}
    assert ("Mei Lin", "2026-11-20") in by_owner  # "Mei Lin, our Head of ..., is automating"
    assert ("Daniel Okafor", "2026-11-13") in by_owner  # "I will confirm ..." by the signer
    runbook = next(c for c in found if "runbook" in c.action)
    assert runbook.checkpoint == "the runbook and the result of the alert test"
    assert not any(c.vague for c in found)
    assert all("Thank you" not in c.action for c in found)  # recognition is not a commitment


def test_vague_promises_are_marked_and_told_exactly_what_is_missing() -> None:
    body = GALLERY["poor"]["body"]
    found = candidates(source="edited", parts={}, body=body, report=score(body), today=TODAY)
    pledge = next(c for c in found if "do our best" in c.action)
    assert pledge.vague and pledge.missing() == ["owner", "due"]
    rows = [{**pledge.model_dump(), "include": True}]
    with pytest.raises(InputError) as err:
        confirm_entries(rows, TODAY)
    message = str(err.value)
    assert "Commitment 1: owner: missing (the scorer flagged this as a vague promise" in message
    assert "Commitment 1: due date: missing (the scorer flagged this as a vague promise" in message
    fixed = [{**rows[0], "owner": "Daniel Okafor", "due": "2026-11-30"}]
    (entry,) = confirm_entries(fixed, TODAY)
    assert entry.owner == "Daniel Okafor" and entry.due == dt.date(2026, 11, 30)


def test_a_generated_version_uses_the_structured_plan() -> None:
    parts = {"rebuild": {"actions": [
        {"what": "Automate renewal", "owner": "Mei Lin", "due": "2026-11-20",
         "checkpoint": "runbook shared"},
        {"what": "", "owner": "", "due": "", "checkpoint": ""},  # an empty form row
    ], "review_cadence": "weekly"}}
    body = GALLERY["good"]["body"]
    planned = candidates(source="generated", parts=parts, body=body, report=score(body),
                         today=TODAY)
    assert [(c.action, c.owner, c.due, c.origin) for c in planned] == [
        ("Automate renewal", "Mei Lin", "2026-11-20", "plan")
    ]
    # an edited version is read from its sentences, even when the case has a plan
    edited = candidates(source="edited", parts=parts, body=body, report=score(body), today=TODAY)
    assert {c.origin for c in edited} == {"text"}
    assert from_plan({}) == []
    assert sender_name({"sender.name": " Daniel "}) == "Daniel"
    assert sender_name({"sender": {"name": "Ann"}}) == "Ann"


def test_bad_rows_are_named_by_row_and_field_and_skipped_rows_are_not_checked() -> None:
    rows: list[dict[str, object]] = [
        {"action": "Ship fix", "owner": "Sam", "due": "2026-11-01"},
        {"action": "", "owner": "Sam", "due": "2026-13-01"},
        {"action": "Not kept", "owner": "", "due": "", "include": False},
        {"action": "Fine", "owner": "Sam", "due": "2026-11-10", "checkpoint": " "},
    ]
    with pytest.raises(InputError) as err:
        confirm_entries(rows, TODAY)
    lines = str(err.value).splitlines()[1:]
    assert lines == [
        "  - Commitment 1: due date: 2026-11-01 is in the past (today is 2026-11-10)",
        "  - Commitment 2: action: missing (say what will be done)",
        "  - Commitment 2: due date: '2026-13-01' is not a date (use YYYY-MM-DD)",
    ]
    (kept,) = confirm_entries(rows[3:], TODAY)
    assert kept.checkpoint is None and kept.due == TODAY


def test_closing_asks_for_what_each_status_needs() -> None:
    with pytest.raises(InputError, match=r"^proof: say what was done"):
        check_closing("done", "  ", "", "")
    with pytest.raises(InputError, match=r"^proof link: 'status page' is not a web address"):
        check_closing("done", "", "status page", "")
    with pytest.raises(InputError, match=r"^reason: say why it was dropped"):
        check_closing("dropped", "", "", "")
    with pytest.raises(InputError, match=r"^status: 'open' is not one of done, missed, dropped"):
        check_closing("open", "x", "", "")
    check_closing("done", "", "https://status.example/7", "")
    check_closing("missed", "", "", "supplier failed")


def test_arguments_are_parsed_or_named() -> None:
    assert parse_within("7d") == 7 and parse_within("2w") == 14 and parse_within(" 3 ") == 3
    with pytest.raises(InputError, match="--within: 'soon' is not a number of days"):
        parse_within("soon")
    assert parse_statuses(["open,done", "missed"]) == ["open", "done", "missed"]
    with pytest.raises(InputError, match="--status: 'closed' is not a status"):
        parse_statuses(["open,closed"])


def _entry(entry_id: int, due: dt.date, status: str = "open") -> LedgerEntry:
    now = dt.datetime(2026, 11, 1)
    return LedgerEntry(id=entry_id, case_id=1, action=f"a{entry_id}", owner="o", due=due,
                       status=status, created_at=now, updated_at=now)


def test_the_due_view_puts_overdue_first_and_respects_the_window() -> None:
    entries = [_entry(1, TODAY - dt.timedelta(days=1)), _entry(2, TODAY),
               _entry(3, TODAY + dt.timedelta(days=7)), _entry(4, TODAY + dt.timedelta(days=8)),
               _entry(5, TODAY - dt.timedelta(days=5), "done"),
               _entry(6, TODAY - dt.timedelta(days=5), "dropped")]
    view = due_view(entries, TODAY, within=7)
    assert [e.id for e in view.overdue] == [1]
    assert [e.id for e in view.due_soon] == [2, 3]
    assert [e.id for e in view.later] == [4]
    assert [e.id for e in view.done] == [5] and [e.id for e in view.closed] == [6]
