"""A bundled recovery arc, for trainers: one incident from the first letter through follow-up
updates and pulses (``examples/arcs/<name>/``).

An arc folder holds ``incident.yaml``, ``arc.yaml`` (the ledger's entries and every change to
them, dated, and the days updates are drafted) and ``pulses.csv``. :func:`entries_on` replays
the ledger to any day, so the updates are drafted from the ledger exactly as it stood then;
:func:`load_arc` puts the whole arc into a case (letters dated as they were sent, pulses
imported) so the Pulse page and ``amends pulse show`` tell the story.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import InputError, validation_message
from assistant.ledger_models import EntryStatus, LedgerEntry, LedgerEvent
from assistant.resources import bundled_dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArcEvent(_Strict):
    """One recorded change to an entry: a status (``status open -> done``) or a due date."""

    at: dt.date
    change: str = Field(min_length=3)
    actor: str = Field(min_length=1)
    reason: str = ""
    proof: str = ""
    proof_link: str = ""


class ArcEntry(_Strict):
    """One commitment as first approved, and what happened to it."""

    action: str = Field(min_length=5)
    owner: str = Field(min_length=2)
    due: dt.date
    checkpoint: str | None = None
    events: list[ArcEvent] = Field(default_factory=list)


class Arc(_Strict):
    """The arc's story: when the first letter went, when updates are drafted, the ledger."""

    title: str
    first_letter: dt.date
    followups: list[dt.date] = Field(min_length=1)
    entries: list[ArcEntry] = Field(min_length=1)


def arcs_dir() -> Path:
    """The bundled arcs folder."""
    return bundled_dir("examples") / "arcs"


def arc_folder(name_or_path: str | Path) -> Path:
    """An arc by bundled name (``cartons-late``) or by folder path."""
    path = Path(name_or_path)
    if not path.is_dir():
        path = arcs_dir() / str(name_or_path)
    if not (path / "arc.yaml").is_file():
        names = sorted(p.name for p in arcs_dir().iterdir() if (p / "arc.yaml").is_file())
        raise InputError(f"{name_or_path}: not an arc folder (no arc.yaml); bundled arcs:"
                         f" {', '.join(names)}")
    return path


def load_arc(folder: Path) -> Arc:
    """``arc.yaml`` validated; errors name the file and the field."""
    source = folder / "arc.yaml"
    try:
        data: Any = yaml.safe_load(source.read_text(encoding="utf-8"))
        return Arc.model_validate(data)
    except yaml.YAMLError as err:
        raise InputError(f"{source}: invalid YAML: {err}") from None
    except ValidationError as err:
        raise InputError(validation_message(err, str(source))) from None


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0))


def entries_on(arc: Arc, day: dt.date, case_id: int = 0) -> list[LedgerEntry]:
    """The ledger's entries as they stood at the end of ``day``: events after it not yet made."""
    out: list[LedgerEntry] = []
    created = _stamp(arc.first_letter)
    for number, spec in enumerate(arc.entries, 1):
        status: EntryStatus = "open"
        due, proof, link = spec.due, "", ""
        history: list[LedgerEvent] = []
        updated = created
        for event in spec.events:
            if event.at > day:
                break
            change = event.change.strip()
            if change.startswith("status") and "->" in change:
                status = change.rsplit("->", 1)[1].strip()  # type: ignore[assignment]
            if change.startswith("due") and "->" in change:
                due = dt.date.fromisoformat(change.rsplit("->", 1)[1].strip())
            proof = event.proof or proof
            link = event.proof_link or link
            updated = _stamp(event.at)
            history.append(LedgerEvent(at=updated, actor=event.actor, change=change,
                                       reason=event.reason))
        out.append(LedgerEntry(
            id=number, case_id=case_id, action=spec.action, owner=spec.owner, due=due,
            checkpoint=spec.checkpoint, status=status, proof=proof or None,
            proof_link=link or None, created_at=created, updated_at=updated,
            history=tuple(history),
        ))
    return out


def incident_data(folder: Path) -> dict[str, Any]:
    """The arc's incident facts as plain data (validated when drafted)."""
    source = folder / "incident.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InputError(f"{source}: incident facts must be a mapping of fields")
    return data


def backdate_version(store: Any, version_id: int, day: dt.date) -> None:
    """A letter dated as it was sent in the story, so charts place it where it belongs."""
    from assistant.storage import _Version

    with store._session() as session:
        row = session.get(_Version, version_id)
        if row is not None:
            row.created_at = _stamp(day)


def load_into_store(store: Any, folder: Path, progress: Any = None) -> int:
    """Put the whole arc into a new case: the first letter, each update drafted from the ledger
    as it stood that day, and the pulses. Returns the case id."""
    from assistant.drafting import draft
    from assistant.drafting.models import incident_from_data
    from assistant.drafting.update import draft_update
    from assistant.forms import form_from_incident
    from assistant.pulse import parse_csv, save_pulses
    from assistant.survey import load_survey

    arc = load_arc(folder)
    raw = incident_data(folder)
    incident = incident_from_data(raw, str(folder / "incident.yaml"))
    survey = load_survey()
    pulses_csv = folder / "pulses.csv"
    answers = parse_csv(survey, pulses_csv.read_bytes(), str(pulses_csv))
    case = store.create_case(arc.title, form_from_incident(raw))
    letters = [(arc.first_letter, draft(incident))]
    first_version: int | None = None
    for day in arc.followups:
        letters.append((day, draft_update(incident, entries_on(arc, day, case.id), as_of=day)))
    for day, letter in letters:
        saved = store.add_version(case.id, letter.body, source="composed",
                                  subject=letter.subject, model=letter.model,
                                  report=letter.report)
        if saved is not None:
            backdate_version(store, saved.id, day)
            first_version = first_version or saved.id
        if progress:
            progress(f"letter of {day.isoformat()}: {letter.status}")
    store_ledger(store, arc, case.id, first_version)
    save_pulses(store, case.id, survey, answers)
    return int(case.id)


def store_ledger(store: Any, arc: Arc, case_id: int, version_id: int | None) -> None:
    """The arc's ledger into the case, replayed change by change through the ledger's own
    methods, each change then dated as the story has it (so the Pulse chart counts the ledger
    as it stood on each pulse's date)."""
    from assistant.ledger_models import LedgerEntryDraft
    from assistant.storage import _LedgerEntry

    drafts = [
        LedgerEntryDraft(action=e.action, owner=e.owner, due=e.due, checkpoint=e.checkpoint)
        for e in arc.entries
    ]
    actor = next((ev.actor for e in arc.entries for ev in e.events), "trainer")
    saved = store.add_ledger_entries(case_id, drafts, actor=actor, version_id=version_id)
    for row, spec in zip(saved, arc.entries, strict=True):
        _date_events(store, _LedgerEntry, row.id, _stamp(arc.first_letter), created=True)
        for event in spec.events:
            change = event.change.strip()
            kwargs: dict[str, Any] = {"actor": event.actor, "reason": event.reason}
            if change.startswith("status") and "->" in change:
                kwargs["status"] = change.rsplit("->", 1)[1].strip()
            if change.startswith("due") and "->" in change:
                kwargs["due"] = dt.date.fromisoformat(change.rsplit("->", 1)[1].strip())
            kwargs["proof"] = event.proof or None
            kwargs["proof_link"] = event.proof_link or None
            seen = _event_ids(store, _LedgerEntry, row.id)
            store.update_ledger_entry(row.id, **kwargs)
            _date_events(store, _LedgerEntry, row.id, _stamp(event.at), skip=seen)


def _event_ids(store: Any, table: Any, entry_id: int) -> set[int]:
    with store._session() as session:
        return {e.id for e in session.get(table, entry_id).events}


def _date_events(store: Any, table: Any, entry_id: int, at: dt.datetime, *,
                 skip: set[int] | None = None, created: bool = False) -> None:
    """Date an entry's newest changes (those not in ``skip``) as the story has them."""
    with store._session() as session:
        entry = session.get(table, entry_id)
        for event in entry.events:
            if skip is None or event.id not in skip:
                event.at = at
        entry.updated_at = at
        if created:
            entry.created_at = at
