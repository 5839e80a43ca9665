"""Review before sending: what stands in the way of approving a draft, and the steps themselves.

A version goes draft -> in review -> approved -> sent (``assistant.storage`` keeps the order and
the trail). Approval is refused, unless the approver writes a reason that is kept, when the
draft has error-level flags, commitments that match none of the incident's approved actions, or
phrases from its must-not-say list: the same checks the drafting net runs on a generated draft.
Approving also saves the commitments the approver confirmed as ledger entries, in one step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from assistant.drafting.grounding import check_grounding
from assistant.drafting.models import Incident
from assistant.errors import AmendsError
from assistant.forms import check_incident
from assistant.identity import current_actor
from assistant.ledger.entries import confirm_entries
from assistant.models import Report
from assistant.storage import ReviewEventRecord, Store, VersionRecord

BlockerKind = Literal["error_flag", "unapproved_commitment", "must_not_say"]
STATUS_LABELS = {"draft": "Draft", "in_review": "In review", "approved": "Approved",
                 "sent": "Sent"}


class ApprovalRefused(AmendsError):
    """The draft has blockers and the approver gave no reason (exit 1: refused, not bad input)."""

    exit_code = 1


class Blocker(BaseModel):
    """One reason a draft should not go out as it is."""

    kind: BlockerKind
    message: str
    text: str = ""


def incident_of(facts: Mapping[str, Any]) -> Incident | None:
    """The case's incident, when its facts are complete enough to be one (a pasted draft has
    none: its commitments cannot be compared with approved actions)."""
    incident, _ = check_incident(facts) if facts else (None, [])
    return incident


def blockers(body: str, report: Report, incident: Incident | None) -> list[Blocker]:
    """Error-level flags, commitments beyond the approved actions, must-not-say phrases."""
    found = [
        Blocker(kind="error_flag", text=f.match,
                message=f"'{f.match}' ({f.rule}): {f.message}")
        for f in report.flags
        if f.severity == "error"
    ]
    if incident is not None:
        for issue in check_grounding(body, incident):
            if issue.kind in ("commitment", "promise"):
                found.append(Blocker(kind="unapproved_commitment", text=issue.text,
                                     message=f"'{issue.text}': {issue.message}"))
            elif issue.kind == "must_not_say":
                found.append(Blocker(kind="must_not_say", text=issue.text,
                                     message=issue.message))
    return found


def submit(store: Store, version: VersionRecord, actor: str | None = None) -> ReviewEventRecord:
    """Send a draft version for review."""
    return store.change_status(version.id, "in_review", actor=actor or current_actor())


def approve(
    store: Store,
    version: VersionRecord,
    found: Sequence[Blocker],
    *,
    reason: str = "",
    commitments: Sequence[Mapping[str, object]] = (),
    today: dt.date | None = None,
    actor: str | None = None,
) -> ReviewEventRecord:
    """Approve a version in review and save its confirmed commitments as ledger entries.

    With blockers, a reason is required (and kept on the trail); commitments are checked first
    (owner, a due date not in the past), so nothing is saved unless all of it can be.
    """
    if found and not reason.strip():
        raise ApprovalRefused(
            f"approval needs a reason: this draft has {len(found)} problem(s) — "
            + "; ".join(b.message for b in found[:3])
        )
    entries = confirm_entries(commitments, today or dt.date.today())
    return store.change_status(version.id, "approved", actor=actor or current_actor(),
                               reason=reason, entries=entries)


def mark_sent(store: Store, version: VersionRecord, actor: str | None = None) -> ReviewEventRecord:
    """Record that an approved version was sent; it is frozen from now on."""
    return store.change_status(version.id, "sent", actor=actor or current_actor())


def reopen(
    store: Store, version: VersionRecord, reason: str = "", actor: str | None = None
) -> ReviewEventRecord:
    """Send a version in review (or approved, not yet sent) back to draft."""
    return store.change_status(version.id, "draft", actor=actor or current_actor(),
                               reason=reason)
