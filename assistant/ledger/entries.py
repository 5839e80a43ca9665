"""What a person confirms, closes or asks of the ledger, checked with messages naming the field.

Confirming: every commitment needs an action, an owner and a due date that is not in the past;
one the scorer flagged as a vague promise is told exactly which of those it lacks. Closing:
"done" needs its proof (words or a link), "missed" and "dropped" a reason. The views sort
entries by what a leader must see first: overdue, then due soon.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse

from pydantic import ValidationError

from assistant.errors import InputError, validation_lines
from assistant.ledger_models import ENTRY_STATUSES, LedgerEntry, LedgerEntryDraft

CLOSING_STATUSES = ("done", "missed", "dropped")
_WITHIN = re.compile(r"^\s*(\d{1,4})\s*([dw]?)\s*$", re.I)


def parse_date(value: object, where: str) -> dt.date:
    """A date from a form or a command line (``YYYY-MM-DD``); InputError naming ``where``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        raise InputError(f"{where}: missing (give a date as YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{where}: '{text}' is not a date (use YYYY-MM-DD)") from None


def parse_within(value: str, where: str = "--within") -> int:
    """Days from ``7d``, ``2w`` or ``7``."""
    m = _WITHIN.match(value or "")
    if m is None:
        raise InputError(f"{where}: '{value}' is not a number of days (use e.g. 7d or 2w)")
    return int(m.group(1)) * (7 if m.group(2).lower() == "w" else 1)


def parse_statuses(values: Iterable[str], where: str = "--status") -> list[str]:
    """Statuses from a list (each may be comma-separated); InputError naming a bad one."""
    wanted = [s.strip().lower() for v in values for s in v.split(",") if s.strip()]
    for status in wanted:
        if status not in ENTRY_STATUSES:
            raise InputError(
                f"{where}: '{status}' is not a status (use {', '.join(ENTRY_STATUSES)})"
            )
    return wanted


def _row_problems(row: Mapping[str, object], today: dt.date) -> list[str]:
    problems: list[str] = []
    vague = bool(row.get("vague"))
    why = " (the scorer flagged this as a vague promise: name who will do it)" if vague else ""
    when = " (the scorer flagged this as a vague promise: say by when)" if vague else ""
    if not str(row.get("action") or "").strip():
        problems.append("action: missing (say what will be done)")
    if not str(row.get("owner") or "").strip():
        problems.append(f"owner: missing{why}")
    raw_due = row.get("due")
    if raw_due in (None, "") and vague:
        problems.append(f"due date: missing{when}")
    else:
        try:
            due = parse_date(raw_due, "due date")
        except InputError as err:
            problems.append(str(err))
        else:
            if due < today:
                problems.append(
                    f"due date: {due.isoformat()} is in the past (today is {today.isoformat()})"
                )
    return problems


def confirm_entries(
    rows: Sequence[Mapping[str, object]], today: dt.date
) -> list[LedgerEntryDraft]:
    """The rows a person kept, as entries to save; InputError listing every problem by row.

    Each row holds ``action``, ``owner``, ``due``, ``checkpoint``, ``include`` (false skips it)
    and ``vague`` (the scorer flagged it). Rows are named as the form numbers them
    ("Commitment 2: owner: missing").
    """
    kept: list[LedgerEntryDraft] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        if not row.get("include", True):
            continue
        found = _row_problems(row, today)
        if not found:
            try:
                kept.append(
                    LedgerEntryDraft(
                        action=str(row.get("action") or ""),
                        owner=str(row.get("owner") or ""),
                        due=parse_date(row.get("due"), "due date"),
                        checkpoint=str(row.get("checkpoint") or "").strip() or None,
                    )
                )
            except ValidationError as err:
                found = validation_lines(err)
        problems += [f"Commitment {number}: {p}" for p in found]
    if problems:
        raise InputError("these commitments cannot be saved yet:\n" + "\n".join(
            f"  - {p}" for p in problems
        ))
    return kept


def check_closing(status: str, proof: str, link: str, reason: str) -> None:
    """InputError naming the field when closing ``status`` lacks what it needs."""
    if status not in CLOSING_STATUSES:
        raise InputError(f"status: '{status}' is not one of {', '.join(CLOSING_STATUSES)}")
    link = link.strip()
    if link:
        parsed = urlparse(link)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InputError(f"proof link: '{link}' is not a web address (https://...)")
    if status == "done" and not proof.strip() and not link:
        raise InputError(
            "proof: say what was done and what they can see (or give a link to it)"
        )
    if status in ("missed", "dropped") and not reason.strip():
        raise InputError(f"reason: say why it was {status}, so the history explains it")


@dataclass
class DueView:
    """Entries sorted for a leader: overdue first, then due within the window, then the rest."""

    today: dt.date
    within: int
    overdue: list[LedgerEntry] = field(default_factory=list)
    due_soon: list[LedgerEntry] = field(default_factory=list)
    later: list[LedgerEntry] = field(default_factory=list)
    done: list[LedgerEntry] = field(default_factory=list)
    closed: list[LedgerEntry] = field(default_factory=list)


def due_view(entries: Iterable[LedgerEntry], today: dt.date, within: int = 7) -> DueView:
    """Split entries by urgency (each list keeps the store's order: oldest due first)."""
    view = DueView(today=today, within=within)
    horizon = today + dt.timedelta(days=within)
    for entry in entries:
        if entry.status == "done":
            view.done.append(entry)
        elif entry.status != "open":
            view.closed.append(entry)
        elif entry.overdue(today):
            view.overdue.append(entry)
        elif entry.due <= horizon:
            view.due_soon.append(entry)
        else:
            view.later.append(entry)
    return view
