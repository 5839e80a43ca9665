"""The ledger as files: iCalendar for calendars, CSV for spreadsheets, JSON for scripts.

Each entry is an all-day event on its due date; an entry with a checkpoint gets a second event
that day for what the partner will be able to see, so a calendar shows both the work and the
proof owed. UIDs are stable (entry id), so re-importing updates rather than duplicates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence

from icalendar import Calendar, Event

from assistant import __version__
from assistant.ledger_models import LedgerEntry

FORMATS = ("ics", "csv", "json")
CSV_FIELDS = (
    "id", "case_id", "case", "action", "owner", "due", "checkpoint", "status", "proof",
    "proof_link", "created_at", "updated_at",
)
_ICS_STATUS = {"open": "CONFIRMED", "done": "CONFIRMED", "missed": "CONFIRMED",
               "dropped": "CANCELLED"}


def to_json(entries: Sequence[LedgerEntry], titles: Mapping[int, str]) -> str:
    """Every entry with its history and its case title."""
    rows = [{**e.model_dump(mode="json"), "case": titles.get(e.case_id, "")} for e in entries]
    return json.dumps({"entries": rows}, indent=2, ensure_ascii=False) + "\n"


def to_csv(entries: Sequence[LedgerEntry], titles: Mapping[int, str]) -> str:
    """One row per entry (history left out: it is a list)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        data = entry.model_dump(mode="json")
        writer.writerow({key: data.get(key) or "" for key in CSV_FIELDS}
                        | {"case": titles.get(entry.case_id, "")})
    return out.getvalue()


def _event(uid: str, summary: str, day: dt.date, description: str, status: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("description", description)
    event.add("status", status)
    event.add("transp", "TRANSPARENT")
    return event


def to_ics(entries: Sequence[LedgerEntry], titles: Mapping[int, str]) -> str:
    """An iCalendar file with a due-date event (and a checkpoint event) per entry."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Amends//Promise ledger {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Amends promise ledger")
    for entry in entries:
        case = titles.get(entry.case_id, f"case {entry.case_id}")
        status = _ICS_STATUS.get(entry.status, "CONFIRMED")
        lines = [f"Owner: {entry.owner}", f"Status: {entry.status}", f"Case: {case}"]
        if entry.checkpoint:
            lines.append(f"Checkpoint: {entry.checkpoint}")
        if entry.proof or entry.proof_link:
            lines.append(f"Proof: {' '.join(p for p in (entry.proof, entry.proof_link) if p)}")
        calendar.add_component(
            _event(f"amends-ledger-{entry.id}-due", f"Due: {entry.action} ({entry.owner})",
                   entry.due, "\n".join(lines), status)
        )
        if entry.checkpoint:
            calendar.add_component(
                _event(f"amends-ledger-{entry.id}-checkpoint", f"Checkpoint: {entry.checkpoint}",
                       entry.due, f"What they will be able to see for: {entry.action}\n"
                       + "\n".join(lines), status)
            )
    return bytes(calendar.to_ical()).decode("utf-8")


def export(fmt: str, entries: Sequence[LedgerEntry], titles: Mapping[int, str]) -> str:
    """The entries in ``fmt`` (one of :data:`FORMATS`)."""
    writers = {"ics": to_ics, "csv": to_csv, "json": to_json}
    return writers[fmt](entries, titles)
