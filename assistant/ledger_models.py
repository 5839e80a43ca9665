"""The promise ledger's records: what a Rebuild commitment is once a letter is approved.

Plain pydantic models with no storage in them, so drafting (follow-up updates), the trust pulse
and the ledger store can all speak about entries without importing each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EntryStatus = Literal["open", "done", "missed", "dropped"]
ENTRY_STATUSES: tuple[EntryStatus, ...] = ("open", "done", "missed", "dropped")


class LedgerEvent(BaseModel):
    """One change to an entry: who changed what, when, and why."""

    model_config = ConfigDict(frozen=True)

    at: dt.datetime
    actor: str
    change: str = Field(description="what changed, e.g. 'status open -> done'")
    reason: str = ""


class LedgerEntry(BaseModel):
    """A commitment made to the partner: action, owner, due date and the checkpoint they can see."""

    model_config = ConfigDict(frozen=True)

    id: int
    case_id: int
    version_id: int | None = None
    action: str
    owner: str
    due: dt.date
    checkpoint: str | None = None
    status: EntryStatus = "open"
    proof: str | None = None
    proof_link: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    history: tuple[LedgerEvent, ...] = ()

    def overdue(self, today: dt.date) -> bool:
        """Open and past its due date: the rows a leader must see first."""
        return self.status == "open" and self.due < today


class LedgerEntryDraft(BaseModel):
    """A commitment confirmed by the user at approval, before it is stored as an entry.

    Only its shape is checked here; :mod:`assistant.ledger.entries` checks it against today and
    the scorer's flags and names the field a person must fix.
    """

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    action: str = Field(min_length=1, max_length=500)
    owner: str = Field(min_length=1, max_length=200)
    due: dt.date
    checkpoint: str | None = Field(default=None, max_length=500)
