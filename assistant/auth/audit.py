"""The audit log: who did what to which case and version, and when; append-only, ids only.

Every create, edit, approval, send, delete, sign-in and failed sign-in is one row. A row holds
names, ids and a short ``detail`` made by our code (``"role reviewer in support"``), never draft
text, a password, a hash or a token, so the export can be handed to anyone who may see the ids.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select

from assistant.auth.tables import AuditRow
from assistant.storage import Store

AUDIT_ACTIONS = (
    "case.create",
    "case.edit",
    "case.delete",
    "case.restore",
    "version.create",
    "case.review",
    "case.approve",
    "case.send",
    "ledger.update",
    "pulse.update",
    "sign_in",
    "sign_in.failed",
    "sign_out",
    "user.add",
    "user.disable",
    "user.reset",
    "role.grant",
    "role.revoke",
)
EXPORT_FIELDS = ("id", "at", "actor", "action", "case_id", "version_id", "team_id", "detail")


def utcnow() -> datetime:
    """Naive UTC, as the storage module keeps times."""
    return datetime.now(UTC).replace(tzinfo=None)


Clock = Callable[[], datetime]


class AuditEvent(BaseModel):
    """One recorded action, as exported."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    actor: str
    action: str
    case_id: int | None = None
    version_id: int | None = None
    team_id: int | None = None
    detail: str = ""


def record(
    store: Store,
    actor: str,
    action: str,
    *,
    case_id: int | None = None,
    version_id: int | None = None,
    team_id: int | None = None,
    detail: str = "",
    clock: Clock = utcnow,
) -> None:
    """Append one row (the review flow calls this for approvals and sends)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with store._session() as session:
        session.add(
            AuditRow(
                at=clock(),
                actor=actor[:100],
                action=action,
                case_id=case_id,
                version_id=version_id,
                team_id=team_id,
                detail=detail[:300],
            )
        )


def events(store: Store, team_ids: Iterable[int] | None = None) -> list[AuditEvent]:
    """Every row, oldest first; with ``team_ids``, those teams' rows and the account rows."""
    with store._session() as session:
        query = select(AuditRow).order_by(AuditRow.id)
        if team_ids is not None:
            query = query.where(
                or_(AuditRow.team_id.in_(list(team_ids)), AuditRow.team_id.is_(None))
            )
        return [
            AuditEvent(
                id=row.id,
                at=row.at,
                actor=row.actor,
                action=row.action,
                case_id=row.case_id,
                version_id=row.version_id,
                team_id=row.team_id,
                detail=row.detail,
            )
            for row in session.scalars(query)
        ]


def export(rows: list[AuditEvent], fmt: Literal["csv", "json"]) -> str:
    """The rows as CSV (one header line) or a JSON list, times in ISO 8601 UTC."""
    plain = [
        {**row.model_dump(), "at": row.at.replace(tzinfo=UTC).isoformat()} for row in rows
    ]
    if fmt == "json":
        return json.dumps(plain, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(plain)
    return out.getvalue()
