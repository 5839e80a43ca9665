"""Follow-up updates: the next letter, written from the promise ledger's state.

What was done (with its proof), what slipped (the date missed, the reason owned, the new date),
what is still open and when it is due, and the next checkpoint. The same pipeline as a first
letter: the offline composer by default (wording in ``data/update.yaml``), any model when chosen
(``prompts/update.j2``), then the same scoring, grounding and validation net. Grounding is
against the incident *plus the ledger* (:func:`update_facts`): the ledger's entries are the only
commitments an update may make. A missed entry the draft leaves out is a named net failure
(``update.missed_left_out``), re-asked with a model and refused if it persists.

The functions take ``list[LedgerEntry]``, so they run on entries built in a test as well as on
``Store.ledger_entries(case_id)``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from assistant.drafting import composer, lexicon, net
from assistant.drafting.drafters import (
    CHANNEL_LABEL,
    LocalDrafter,
    ModelDrafter,
    drafter_for,
    run_sync,
)
from assistant.drafting.engine import _usage, finish
from assistant.drafting.grounding import long_date
from assistant.drafting.models import (
    OFFLINE_LABEL,
    ApprovedAction,
    ComposedEmail,
    Incident,
    NetFailure,
    RebuildAction,
    RebuildPlan,
    RecoveryDraft,
    _Part,
)
from assistant.drafting.prompts import as_data, messages_for, prompt_version
from assistant.errors import DraftingError, InputError
from assistant.ledger_models import LedgerEntry
from assistant.redact import redact

Progress = Callable[[str], None] | None
_REDATED = re.compile(r"\bdue\b\D*(\d{4}-\d{2}-\d{2})\s*->\s*(\d{4}-\d{2}-\d{2})")
MENTIONED = 0.6  # share of a missed action's meaning the draft must carry to have named it


@cache
def _words() -> dict[str, Any]:
    return lexicon.data("update")


def _say(key: str, **values: Any) -> str:
    return str(_words()[key]).format(**values)


class Slipped(BaseModel):
    """An entry that slipped: missed, or open past its date, or given a new date."""

    model_config = ConfigDict(frozen=True)

    entry: LedgerEntry
    was_due: dt.date
    new_due: dt.date | None
    reason: str
    missed: bool  # marked missed in the ledger (else: open and overdue, or re-dated)


class LedgerState(BaseModel):
    """The ledger on one day, sorted into what an update says."""

    model_config = ConfigDict(frozen=True)

    as_of: dt.date
    done: list[LedgerEntry]
    slipped: list[Slipped]
    open: list[LedgerEntry]
    dropped: list[LedgerEntry]

    def next_checkpoint(self) -> LedgerEntry | None:
        """The earliest commitment still to come: an open entry, or a slipped one's new date."""
        coming = [e for e in self.open if e.due >= self.as_of]
        coming += [s.entry for s in self.slipped if s.new_due and s.new_due >= self.as_of]
        return min(coming, key=lambda e: (e.due, e.id), default=None)


def _redating(entry: LedgerEntry) -> tuple[dt.date, dt.date] | None:
    """The first and latest due dates when the ledger moved the entry's date (``due A -> B``)."""
    moves = [m for e in entry.history if (m := _REDATED.search(e.change))]
    if not moves:
        return None
    return dt.date.fromisoformat(moves[0].group(1)), dt.date.fromisoformat(moves[-1].group(2))


def _reason(entry: LedgerEntry) -> str:
    """The reason recorded on the change that marked it missed (else the latest reason given)."""
    events = sorted(entry.history, key=lambda e: e.at, reverse=True)
    for event in events:
        if "missed" in event.change and event.reason.strip():
            return event.reason.strip()
    return next((e.reason.strip() for e in events if e.reason.strip()), "")


def ledger_state(entries: Iterable[LedgerEntry], as_of: dt.date | None = None) -> LedgerState:
    """Sort the entries into done, slipped, open and dropped as of ``as_of`` (default today).

    Missed, overdue-open and re-dated entries are all "slipped": none may go unmentioned.
    Raises InputError for a done entry with no proof, naming the entry and the field.
    """
    day = as_of or dt.date.today()
    done: list[LedgerEntry] = []
    slipped: list[Slipped] = []
    still_open: list[LedgerEntry] = []
    dropped: list[LedgerEntry] = []
    for entry in sorted(entries, key=lambda e: (e.due, e.id)):
        if entry.status == "done":
            if not (entry.proof or "").strip() and not (entry.proof_link or "").strip():
                raise InputError(
                    f"ledger entry {entry.id} ('{entry.action}') is done but its proof is empty:"
                    " add the proof (field 'proof') in the Ledger before drafting an update"
                )
            done.append(entry)
            continue
        if entry.status == "dropped":
            dropped.append(entry)
            continue
        moved = _redating(entry)
        if entry.status == "missed":
            was = moved[0] if moved else entry.due
            new = entry.due if moved else None
            slipped.append(Slipped(entry=entry, was_due=was, new_due=new,
                                   reason=_reason(entry), missed=True))
        elif moved:
            slipped.append(Slipped(entry=entry, was_due=moved[0], new_due=entry.due,
                                   reason=_reason(entry), missed=False))
        elif entry.due < day:
            slipped.append(Slipped(entry=entry, was_due=entry.due, new_due=None,
                                   reason=_reason(entry), missed=False))
        else:
            still_open.append(entry)
    return LedgerState(as_of=day, done=done, slipped=slipped, open=still_open, dropped=dropped)


def _done_on(entry: LedgerEntry) -> dt.date:
    closing = [e.at for e in entry.history if "done" in e.change]
    return (max(closing) if closing else entry.updated_at).date()


def _checkpoint_line(entry: LedgerEntry) -> str:
    if entry.checkpoint:
        return composer._checkpoint(entry.checkpoint)
    return f"You will hear from {entry.owner.split(',')[0].strip()} on {long_date(entry.due)}."


def _was_late(entry: LedgerEntry) -> dt.date | None:
    """The first due date of a done entry that slipped on the way (missed or re-dated)."""
    moved = _redating(entry)
    if moved:
        return moved[0]
    if any("missed" in e.change for e in entry.history):
        return entry.due
    return None


def _done_line(entry: LedgerEntry) -> str:
    values = {"action": composer._upper_first(entry.action.rstrip(".")),
              "date": long_date(_done_on(entry)),
              "proof": (entry.proof or "see the link").strip().rstrip("."),
              "link": (entry.proof_link or "").strip()}
    line = _say("done_link" if values["link"] else "done", **values)
    late = _was_late(entry)
    return f"{line} {_say('late', was_due=long_date(late))}" if late else line


def _slipped_line(item: Slipped) -> str:
    action = composer._upper_first(item.entry.action.rstrip("."))
    first = _say("missed" if item.missed else "overdue", action=action,
                 was_due=long_date(item.was_due))
    first += "" if item.reason else _say("no_reason")
    first += "" if item.new_due else _say("no_new_date")
    lines = [first + "."]
    if item.reason:
        reason = item.reason.rstrip(".")
        lines.append(_say("reason", reason=reason[:1].lower() + reason[1:]))
    if item.new_due:
        lines.append(_say("new_date", new_date=long_date(item.new_due), owner=item.entry.owner))
    return " ".join(lines)


def _open_line(entry: LedgerEntry) -> str:
    return _say("open", action=composer._upper_first(entry.action.rstrip(".")),
                owner=entry.owner, date=long_date(entry.due), checkpoint=_checkpoint_line(entry))


def _dropped_line(entry: LedgerEntry) -> str:
    reason = _reason(entry).rstrip(".")
    why = (_say("dropped_reason", reason=reason[:1].lower() + reason[1:]) if reason
           else _say("dropped_no_reason"))
    return _say("dropped", action=composer._upper_first(entry.action.rstrip(".")), reason=why)


def _next_line(state: LedgerState) -> str:
    nxt = state.next_checkpoint()
    if nxt is None:
        return _say("no_next" if state.slipped else "all_closed")
    return _say("next_checkpoint", date=long_date(nxt.due), action=nxt.action.rstrip("."))


def update_facts(incident: Incident, state: LedgerState) -> Incident:
    """The incident with the ledger as its facts: the ledger's entries (not dropped) become the
    approved actions, what was done and what slipped become actions taken, and the next
    checkpoint the review cadence, so grounding and the net allow exactly what the ledger holds."""
    held = sorted([*state.done, *state.open, *(s.entry for s in state.slipped)],
                  key=lambda e: (e.due, e.id))
    approved = [
        ApprovedAction.model_construct(what=e.action, owner=e.owner, due=e.due,
                                       checkpoint=e.checkpoint)
        for e in held
    ] or list(incident.approved_actions)
    taken = [*incident.actions_taken, *(_done_line(e) for e in state.done),
             *(_slipped_line(s) for s in state.slipped), *(_dropped_line(e) for e in state.dropped)]
    return incident.model_copy(update={
        "approved_actions": approved,
        "actions_taken": taken,
        "review_cadence": _next_line(state),
    })


def _plan(state: LedgerState) -> RebuildPlan | None:
    coming = [*state.open, *(s.entry for s in state.slipped if s.new_due)]
    if not coming:
        return None
    actions = [
        RebuildAction.model_construct(
            what=e.action.rstrip("."), owner=e.owner, due=e.due,
            checkpoint=(e.checkpoint or f"word from {e.owner.split(',')[0].strip()} on"
                        f" {long_date(e.due)} that it is done").rstrip("."),
        )
        for e in sorted(coming, key=lambda e: (e.due, e.id))
    ]
    return RebuildPlan.model_construct(actions=actions, review_cadence=_next_line(state))


def compose_update(incident: Incident, state: LedgerState) -> tuple[str, str]:
    """The offline update: subject and body, slipped entries first, named plainly."""
    reader = incident.recipient.name.strip()
    full = incident.recipient.relationship == "client" or incident.tone == "formal"
    greeting = reader if full or not reader else reader.split()[0]
    late = state.slipped or any(_was_late(e) for e in state.done)
    intro = _say("intro" if late else "intro_on_time")
    lines = [f"Dear {greeting}," if greeting else "Hello,", "", intro, ""]
    sections = _words()["sections"]
    for key, items in (
        ("slipped", [_slipped_line(s) for s in state.slipped]),
        ("done", [_done_line(e) for e in state.done]),
        ("open", [_open_line(e) for e in state.open]),
        ("dropped", [_dropped_line(e) for e in state.dropped]),
    ):
        if items:
            lines.append(str(sections[key]))
            lines += [f"- {item}" for item in items]
            lines.append("")
    lines += [_next_line(state), "", _say("close"), ""]
    sender = incident.sender
    signature = ", ".join(s for s in (sender.role.strip(), sender.organisation or "") if s)
    lines += [line for line in (sender.name.strip(), signature) if line]
    title = incident.title.strip() or "Our recovery plan"
    return _say("subject", title=title), "\n".join(lines).strip() + "\n"


def missed_left_out(body: str, state: LedgerState) -> list[NetFailure]:
    """Slipped entries the body does not name (by the meaning of the action and its date)."""
    failures: list[NetFailure] = []
    for item in state.slipped:
        action = item.entry.action
        named = any(
            lexicon.overlap(action, body[a:b]) >= MENTIONED
            for a, b in _sentences(body)
        )
        if not named:
            failures.append(NetFailure(
                check="update.missed_left_out",
                message=f"'{action}' slipped (due {item.was_due.isoformat()}) and the update"
                " does not say so: name it plainly, with the reason and the new date",
                text=action[:200], part="body",
            ))
    return failures


def _sentences(text: str) -> list[tuple[int, int]]:
    from assistant.sentences import split_sentences

    return list(split_sentences(text))


def _update_checker(state: LedgerState) -> Callable[[_Part, Incident | None, Any], list[str]]:
    """The net's checker plus the slipped-entry check, for instructor's re-asks."""

    def check(part: _Part, incident: Incident | None, rubric_set: Any = None) -> list[str]:
        problems = net.checker(part, incident, rubric_set)
        if isinstance(part, ComposedEmail):
            problems += [f.message for f in missed_left_out(part.body, state)]
        return problems

    return check


def state_data(state: LedgerState) -> dict[str, Any]:
    """The ledger's state as plain data for the model prompt (quoted as data there)."""
    return {
        "as_of": state.as_of.isoformat(),
        "slipped": [
            {"action": s.entry.action, "owner": s.entry.owner, "was_due": s.was_due.isoformat(),
             "new_due": s.new_due.isoformat() if s.new_due else None, "reason": s.reason,
             "marked_missed": s.missed}
            for s in state.slipped
        ],
        "done": [
            {"action": e.action, "owner": e.owner, "done_on": _done_on(e).isoformat(),
             "proof": e.proof or "", "proof_link": e.proof_link or ""}
            for e in state.done
        ],
        "open": [
            {"action": e.action, "owner": e.owner, "due": e.due.isoformat(),
             "checkpoint": e.checkpoint or ""}
            for e in state.open
        ],
        "dropped": [
            {"action": e.action, "owner": e.owner, "reason": _reason(e)} for e in state.dropped
        ],
        "next_checkpoint": _next_line(state),
    }


def draft_update(
    incident: Incident,
    entries: Iterable[LedgerEntry],
    *,
    model: str | None = None,
    as_of: dt.date | None = None,
    on_progress: Progress = None,
    rubric_set: Any = None,
) -> RecoveryDraft:
    """The follow-up update for ``incident`` from the ledger's ``entries``, scored, grounded and
    net-checked like any draft (status "rejected" with reasons when it fails)."""
    entries = list(entries)
    if not entries:
        raise DraftingError(
            "the ledger holds no entries for this case, so there is nothing to update on;"
            " approve a letter first so its commitments become ledger entries"
        )
    state = ledger_state(entries, as_of)
    facts = update_facts(incident, state)
    drafter = drafter_for(model, rubric_set)
    notes = [
        f"'{s.entry.action}' has no new date in the ledger: set one before sending"
        for s in state.slipped if s.new_due is None
    ]
    usage = None
    if isinstance(drafter, ModelDrafter) and not isinstance(drafter, LocalDrafter):
        if on_progress:
            on_progress(f"drafting the update with {drafter.model}")
        messages = messages_for(
            "update", facts, ledger=as_data(state_data(state)),
            channel_label=CHANNEL_LABEL[incident.channel], tone=incident.tone,
        )
        result = run_sync(drafter.client.generate(
            ComposedEmail, messages, incident=facts, max_tokens=1200,
            validation={"rubric_set": rubric_set, "checker": _update_checker(state)},
        ))
        email = result.value
        assert isinstance(email, ComposedEmail)
        subject, body = email.subject, email.body.strip() + "\n"
        notes += [f"update: {n}" for n in result.notes]
        notes += [f"update: still has a problem after re-asks: {p}" for p in result.problems]
        usage = _usage([result])
        versions = {n: prompt_version(n) for n in ("_system", "_facts", "update")}
        label, used = drafter.label, drafter.model
    else:
        if isinstance(drafter, LocalDrafter):
            notes.append("the bundled local model writes parts, not whole letters; the update"
                         " was laid out by the offline templates")
        subject, body = compose_update(facts, state)
        versions, label, used = {}, OFFLINE_LABEL, drafter.model
        notes.insert(0, "Drafted by the offline composer from the incident and the ledger only;"
                        " no model was used.")
    plan = _plan(state)
    draft = RecoveryDraft(
        subject=subject, body=body, channel=incident.channel, rebuild=plan,
        generator=label, model=used, prompt_versions=versions,
        notes=[redact(n) for n in notes], **({"usage": usage} if usage else {}),
    )
    draft = finish(facts, draft, rubric_set=rubric_set, first_letter=False)
    left_out = missed_left_out(body, state)
    if left_out:
        draft.net = [*draft.net, *left_out]
        draft.status = "rejected"
    return draft


def case_incident(facts: dict[str, Any], case_id: int) -> Incident:
    """A saved case's incident (its facts as the Draft form saved them), or InputError naming
    each field the case still lacks."""
    from assistant.forms import check_incident

    incident, problems = check_incident(facts)
    if incident is None:
        raise InputError(f"case {case_id}: its incident facts are not complete:\n"
                         + "\n".join(f"  - {p}" for p in problems))
    return incident


def draft_case_update(
    case_id: int,
    *,
    model: str | None = None,
    as_of: dt.date | None = None,
    on_progress: Progress = None,
    store: Any = None,
) -> RecoveryDraft:
    """The update for a saved case, from ``store.ledger_entries(case_id=...)`` (the configured
    database when no store is given)."""
    from assistant.settings import get_settings
    from assistant.storage import Store

    opened: Any = store or Store(get_settings().resolved_database_url())
    try:
        case = opened.get_case(case_id)
        incident = case_incident(case.facts, case_id)
        entries = opened.ledger_entries(case_id=case_id)
    finally:
        if store is None:
            opened.dispose()
    return draft_update(incident, entries, model=model, as_of=as_of, on_progress=on_progress)
