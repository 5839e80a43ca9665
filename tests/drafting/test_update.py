"""Follow-up updates from the ledger: done with proof, slipped named plainly, open with dates,
the next checkpoint; the same scoring, grounding and net, offline and through a model."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.arc import arc_folder, entries_on, incident_data, load_arc
from assistant.drafting.grounding import long_date
from assistant.drafting.models import Incident, incident_from_data
from assistant.drafting.update import (
    compose_update,
    draft_update,
    ledger_state,
    missed_left_out,
    update_facts,
)
from assistant.errors import DraftingError, InputError
from assistant.ledger_models import LedgerEntry, LedgerEvent
from tests.drafting.fault_server import FaultServer, ok

MODEL = "openai/fake-model"
ARC = arc_folder("cartons-late")
REASON = "we sent the refund request to the wrong approver and did not chase it"


@pytest.fixture
def cartons() -> Incident:
    return incident_from_data(incident_data(ARC), str(ARC / "incident.yaml"))


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T12:00")


def entry(number: int, action: str, due: str, status: str = "open", *,
          events: tuple[tuple[str, str, str], ...] = (), proof: str | None = None,
          checkpoint: str | None = None, owner: str = "Lucy Grant, Finance Manager") -> LedgerEntry:
    """A ledger entry as the ledger stores it, with its history of (day, change, reason)."""
    return LedgerEntry(
        id=number, case_id=1, action=action, owner=owner, due=dt.date.fromisoformat(due),
        checkpoint=checkpoint, status=status, proof=proof,
        created_at=_at("2026-11-10"), updated_at=_at(events[-1][0] if events else "2026-11-10"),
        history=tuple(LedgerEvent(at=_at(d), actor="Lucy Grant", change=c, reason=r)
                      for d, c, r in events),
    )


REFUND = "Refund the airfreight cost of the 2,000 replacement cartons"
CONFIRM = "Confirm delivery dates only after the press schedule is checked by the planning lead"
SLOT = "Hold a reserve press slot for your December order"


def _ledger() -> list[LedgerEntry]:
    return [
        entry(1, CONFIRM, "2026-11-20", "done", owner="Sam Okafor, Planning Lead",
              proof="Order confirmations since 16 November show the booked press slot",
              events=(("2026-11-19", "status open -> done", ""),)),
        entry(2, REFUND, "2026-11-27", "missed", checkpoint="the refund on your account statement",
              events=(("2026-11-21", "status open -> missed", REASON),
                      ("2026-11-21", "due 2026-11-20 -> 2026-11-27", REASON))),
        entry(3, SLOT, "2026-12-04", owner="Hannah Cole",
              checkpoint="the slot booking reference in your December order confirmation"),
    ]


def test_a_missed_entry_is_named_plainly_with_its_reason_and_new_date(cartons: Incident) -> None:
    result = draft_update(cartons, _ledger(), as_of=dt.date(2026, 11, 23))
    body = result.body
    missed = next(line for line in body.splitlines() if REFUND in line)
    assert "was due on 20 November 2026, and we missed that date" in missed
    assert f"That is on us: {REASON}." in missed
    assert "The new date is 27 November 2026, owner Lucy Grant, Finance Manager." in missed
    assert body.index("What slipped:") < body.index("What is done")  # the bad news first
    assert result.status == "ready", result.reasons()
    assert result.report is not None and result.report.flags == []


def test_the_check_refuses_an_update_that_leaves_the_missed_entry_out(cartons: Incident) -> None:
    state = ledger_state(_ledger(), dt.date(2026, 11, 23))
    _, body = compose_update(update_facts(cartons, state), state)
    assert missed_left_out(body, state) == []
    without = "\n".join(line for line in body.splitlines() if REFUND not in line)
    (failure,) = missed_left_out(without, state)
    assert failure.check == "update.missed_left_out" and REFUND in failure.message


def test_done_open_and_next_checkpoint(cartons: Incident) -> None:
    result = draft_update(cartons, _ledger(), as_of=dt.date(2026, 11, 23))
    body = result.body
    assert (f"- {CONFIRM}. Done on 19 November 2026. Proof: Order confirmations since 16 November"
            " show the booked press slot.") in body
    assert (f"- {SLOT}. Owner: Hannah Cole, by 4 December 2026. You will see the slot booking"
            " reference in your December order confirmation.") in body
    # the refund's new date comes before the slot's: it is the next checkpoint
    assert f"Next checkpoint: 27 November 2026, for “{REFUND}”." in body
    assert result.subject.endswith(": an update on what we committed to")
    assert result.body.startswith("Dear Peter Novak,") and "Hannah Cole\n" in result.body
    assert result.rebuild is not None
    assert [a.what for a in result.rebuild.actions] == [REFUND, SLOT]


def test_an_open_entry_past_its_date_is_named_as_slipped(cartons: Incident) -> None:
    late = [entry(1, SLOT, "2026-11-21", owner="Hannah Cole")]
    result = draft_update(cartons, late, as_of=dt.date(2026, 11, 25))
    assert (f"“{SLOT}” was due on 21 November 2026, and it is not done yet; no reason is"
            " recorded yet, and explaining it is on us; it has no new date yet.") in result.body
    assert "no new date in the ledger: set one before sending" in " ".join(result.notes)
    assert "There is no next checkpoint until the missing dates above are set." in result.body
    assert result.status == "ready", result.reasons()


def test_done_late_says_it_was_late(cartons: Incident) -> None:
    arc = load_arc(ARC)
    result = draft_update(cartons, entries_on(arc, arc.followups[1]), as_of=arc.followups[1])
    refund = next(line for line in result.body.splitlines() if REFUND in line)
    assert "Done on 27 November 2026" in refund
    assert "It was due on 20 November 2026, so it came later than we told you." in refund
    assert "Every commitment in the ledger is now done or closed." in result.body
    assert result.status == "ready", result.reasons()


def test_done_without_proof_names_the_entry_and_the_field(cartons: Incident) -> None:
    closed = [entry(7, REFUND, "2026-11-20", "done", proof="  ")]
    with pytest.raises(InputError) as caught:
        draft_update(cartons, closed, as_of=dt.date(2026, 11, 23))
    message = str(caught.value)
    assert "ledger entry 7" in message and REFUND in message and "field 'proof'" in message


def test_an_empty_ledger_is_a_plain_message(cartons: Incident) -> None:
    with pytest.raises(DraftingError, match="the ledger holds no entries"):
        draft_update(cartons, [])


def test_every_state_of_the_example_arc_passes_the_net(cartons: Incident) -> None:
    arc = load_arc(ARC)
    days = [arc.first_letter + dt.timedelta(days=n) for n in range(0, 30, 3)]
    for day in days:
        result = draft_update(cartons, entries_on(arc, day), as_of=day)
        assert result.status == "ready", (day, result.reasons())
        assert result.report is not None and not result.report.flags, day


def test_a_model_writes_the_update_from_the_ledger(
    cartons: Incident, fault_server: FaultServer
) -> None:
    state = ledger_state(_ledger(), dt.date(2026, 11, 23))
    subject, body = compose_update(update_facts(cartons, state), state)
    fault_server.plan(ok(json.dumps({"subject": subject, "body": body})))
    result = draft_update(cartons, _ledger(), model=MODEL, as_of=dt.date(2026, 11, 23))
    assert result.generator == f"litellm: {MODEL}" and result.status == "ready", result.reasons()
    assert result.prompt_versions == {"_system": 2, "_facts": 1, "update": 1}
    prompt = fault_server.requests[0]["messages"][1]["content"]
    assert "<ledger>" in prompt and REASON in prompt and '"was_due": "2026-11-20"' in prompt


def test_a_model_that_leaves_the_missed_entry_out_is_re_asked_then_refused(
    cartons: Incident, fault_server: FaultServer
) -> None:
    state = ledger_state(_ledger(), dt.date(2026, 11, 23))
    subject, body = compose_update(update_facts(cartons, state), state)
    quiet = "\n".join(line for line in body.splitlines()
                      if REFUND not in line and "What slipped" not in line
                      and "Next checkpoint" not in line)
    fault_server.plan(ok(json.dumps({"subject": subject, "body": quiet})))
    result = draft_update(cartons, _ledger(), model=MODEL, as_of=dt.date(2026, 11, 23))
    assert any("slipped (due 2026-11-20) and the update does not say so" in r
               for r in fault_server.reasks())
    assert result.status == "rejected"
    assert "update.missed_left_out" in {f.check for f in result.net}


def test_a_model_that_adds_a_commitment_is_refused(
    cartons: Incident, fault_server: FaultServer
) -> None:
    state = ledger_state(_ledger(), dt.date(2026, 11, 23))
    subject, body = compose_update(update_facts(cartons, state), state)
    extra = body.replace("If anything here", "We will also give you a 10% discount on your next"
                         " order.\n\nIf anything here")
    fault_server.plan(ok(json.dumps({"subject": subject, "body": extra})))
    result = draft_update(cartons, _ledger(), model=MODEL, as_of=dt.date(2026, 11, 23))
    assert result.status == "rejected"
    checks = {f.check for f in result.net}
    assert checks & {"grounding.commitment", "grounding.number"}, result.reasons()


def test_update_wording_is_data() -> None:
    path = Path(__file__).resolve().parents[2] / "assistant" / "drafting" / "data" / "update.yaml"
    assert "{action}" in path.read_text(encoding="utf-8")
    assert long_date(dt.date(2026, 11, 20)) == "20 November 2026"


def test_a_dropped_entry_is_said_with_its_reason(cartons: Incident) -> None:
    ledger = [*_ledger()[:2], entry(3, SLOT, "2026-12-04", "dropped", owner="Hannah Cole",
                                    events=(("2026-11-22", "status open -> dropped",
                                             "you told us you no longer need a December slot"),))]
    result = draft_update(cartons, ledger, as_of=dt.date(2026, 11, 23))
    assert "What we stopped:" in result.body
    assert (f"- “{SLOT}” is no longer planned. The reason: you told us you no longer need a"
            " December slot.") in result.body
    assert result.status == "ready", result.reasons()
