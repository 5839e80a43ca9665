"""Cases, their incident facts and every draft version, saved as the user works.

The app writes here on every field change and before any model call, so a refresh, a closed
tab or a crashed model call loses nothing typed. SQLite by default (from settings);
``AMENDS_DATABASE_URL`` selects any other SQLAlchemy database (``postgresql://`` uses psycopg 3,
the ``postgres`` extra, with a connection pool). API keys never reach this module: facts and
drafts are user text, and settings hold no keys.

The tables declared here (``metadata``) are the schema's single source of truth; opening a store
creates, stamps or upgrades the database with the Alembic revisions in ``assistant.migrations``.
A version moves draft -> in_review -> approved -> sent (a sent one is frozen); deleting a case
is soft, restorable for 30 days. The promise ledger's rows live here too.

Two people may have one case open: every case carries a ``revision`` that each save of its
title, facts or parts raises by one, and a save made from an older revision is refused with a
:class:`~assistant.errors.ConflictError` (optimistic versioning) instead of overwriting theirs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)

from assistant.errors import ConflictError, InputError, StorageError
from assistant.ledger_models import (
    ENTRY_STATUSES,
    LedgerEntry,
    LedgerEntryDraft,
    LedgerEvent,
)
from assistant.models import Report

CASE_KINDS = ("draft", "check")
VERSION_SOURCES = ("generated", "composed", "edited", "revised", "uploaded", "duplicated", "saved")
REVIEW_STATUSES = ("draft", "in_review", "approved", "sent")
# Where a version may go next: back to draft from review or approval, never out of "sent".
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "draft": ("in_review",),
    "in_review": ("approved", "draft"),
    "approved": ("sent", "draft"),
    "sent": (),
}
RESTORE_DAYS = 30


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class _Base(DeclarativeBase):
    pass


class _Case(_Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="draft")
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    # Raised by one on every save of title, facts or parts; a save from an older one is refused.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, default=None)
    versions: Mapped[list[_Version]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="_Version.id"
    )


class _Version(_Base):
    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    case: Mapped[_Case] = relationship(back_populates="versions")


class _ReviewEvent(_Base):
    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=_now)


class _LedgerEntry(_Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[dt.date] = mapped_column(Date, index=True)
    checkpoint: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    proof: Mapped[str | None] = mapped_column(Text, nullable=True)
    proof_link: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    events: Mapped[list[_LedgerEvent]] = relationship(
        cascade="all, delete-orphan", order_by="_LedgerEvent.id"
    )


class _LedgerEvent(_Base):
    __tablename__ = "ledger_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_entries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    actor: Mapped[str] = mapped_column(String(200))
    change: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")


metadata = _Base.metadata


class VersionRecord(BaseModel):
    """One saved draft version, with the scores it had when saved."""

    model_config = ConfigDict(frozen=True)

    id: int
    case_id: int
    number: int
    source: str
    subject: str
    body: str
    model: str
    scores: dict[str, Any]
    created_at: datetime
    status: str = "draft"


class ReviewEventRecord(BaseModel):
    """One step of a version's review trail: who moved it, from what to what, when and why."""

    model_config = ConfigDict(frozen=True)

    id: int
    case_id: int
    version_id: int
    version_number: int
    from_status: str
    to_status: str
    actor: str
    reason: str
    at: datetime


class CaseRecord(BaseModel):
    """A case as the pages see it: facts, edited parts and (optionally) its versions."""

    model_config = ConfigDict(frozen=True)

    id: int
    title: str
    kind: str
    facts: dict[str, Any]
    parts: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    revision: int = 1
    version_count: int = 0
    latest: VersionRecord | None = None
    deleted_at: datetime | None = None

    def restorable_until(self) -> datetime | None:
        """When a deleted case is purged (None when it is not deleted)."""
        return self.deleted_at + timedelta(days=RESTORE_DAYS) if self.deleted_at else None


def scores_of(report: Report | None) -> dict[str, Any]:
    """The part of a report worth keeping over time: scores, trust and flag counts."""
    if report is None:
        return {}
    counts: dict[str, int] = {}
    for flag in report.flags:
        counts[flag.category] = counts.get(flag.category, 0) + 1
    return {
        **report.scores.model_dump(),
        "trust": report.trust.trust,
        "flags": len(report.flags),
        "by_category": counts,
        "earn": sorted(name for name, ev in report.earn.items() if ev.present),
    }


def _version(row: _Version) -> VersionRecord:
    return VersionRecord(
        id=row.id,
        case_id=row.case_id,
        number=row.number,
        source=row.source,
        subject=row.subject,
        body=row.body,
        model=row.model,
        scores=dict(row.scores or {}),
        created_at=row.created_at,
        status=row.status or "draft",
    )


def _entry(row: _LedgerEntry) -> LedgerEntry:
    return LedgerEntry(
        id=row.id,
        case_id=row.case_id,
        version_id=row.version_id,
        action=row.action,
        owner=row.owner,
        due=row.due,
        checkpoint=row.checkpoint,
        status=row.status,
        proof=row.proof,
        proof_link=row.proof_link,
        created_at=row.created_at,
        updated_at=row.updated_at,
        history=tuple(
            LedgerEvent(at=e.at, actor=e.actor, change=e.change, reason=e.reason)
            for e in row.events
        ),
    )


def _case_row(session: Session, case_id: int, *, deleted: bool = False) -> _Case:
    """The case's row, or StorageError: the one place a missing case is reported.

    A soft-deleted case counts as missing unless ``deleted`` asks for it (restore, purge).
    """
    row = session.get(_Case, case_id)
    if row is None:
        raise StorageError(f"case {case_id} does not exist (it may have been deleted)")
    if row.deleted_at is not None and not deleted:
        until = row.deleted_at + timedelta(days=RESTORE_DAYS)
        raise StorageError(
            f"case {case_id} does not exist: it was deleted on {row.deleted_at:%Y-%m-%d} and can"
            f" be restored from History until {until:%Y-%m-%d}"
        )
    return row


def _version_row(session: Session, version_id: int) -> _Version:
    row = session.get(_Version, version_id)
    if row is None:
        raise StorageError(f"version {version_id} does not exist")
    _case_row(session, row.case_id)
    return row


def _entry_row(session: Session, entry_id: int) -> _LedgerEntry:
    row = session.get(_LedgerEntry, entry_id)
    if row is None:
        raise StorageError(f"ledger entry {entry_id} does not exist")
    return row


def _jsonable(value: Mapping[str, Any]) -> dict[str, Any]:
    """Round-trip through JSON so dates and models are stored as plain data, never as objects."""
    try:
        return dict(json.loads(json.dumps(dict(value), default=str)))
    except (TypeError, ValueError) as exc:
        raise StorageError(f"could not save these values: {exc}") from exc


class Store:
    """All reads and writes of cases and versions; every method is one short transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = database_url(url)
        self._engine: Engine = _engine(parsed)
        server = parsed.get_backend_name() != "sqlite"
        try:
            from assistant.migrations.runner import prepare

            self.revision = prepare(self._engine, metadata)
        except (SQLAlchemyError, OSError) as exc:
            self._engine.dispose()
            if server and isinstance(exc, OperationalError):
                raise StorageError(connection_message(parsed, exc)) from None
            detail = _first_line(exc, parsed) if isinstance(exc, SQLAlchemyError) else str(exc)
            raise StorageError(f"cannot open the database ({redact_url(url)}): {detail}") from None
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        # SQLite allows one writer: one Store's threads take turns. A server database has a
        # pool of connections and its own locking, so sessions there run side by side.
        self._lock: AbstractContextManager[Any] = (
            contextlib.nullcontext() if server else threading.Lock()
        )
        self.purge_deleted()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._lock, self._sessions() as session:
            try:
                yield session
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                raise StorageError(
                    f"the database could not be updated: {_first_line(exc, make_url(self.url))}"
                ) from exc

    def dispose(self) -> None:
        """Close pooled connections (tests, shutdown)."""
        self._engine.dispose()

    def schema_version(self) -> str | None:
        """The Alembic revision the database is at (the schema version)."""
        from assistant.migrations.runner import current

        with self._engine.connect() as connection:
            return current(connection)

    # cases ---------------------------------------------------------------------------------
    def create_case(
        self,
        title: str = "",
        facts: Mapping[str, Any] | None = None,
        kind: str = "draft",
        parts: Mapping[str, Any] | None = None,
    ) -> CaseRecord:
        """A new case; the title falls back to a dated placeholder."""
        if kind not in CASE_KINDS:
            raise StorageError(f"unknown case kind '{kind}'")
        with self._session() as session:
            row = _Case(
                title=(title.strip() or f"Untitled {_now():%Y-%m-%d %H:%M}")[:300],
                kind=kind,
                facts=_jsonable(facts or {}),
                parts=_jsonable(parts or {}),
            )
            session.add(row)
            session.flush()
            case_id = row.id
        return self.get_case(case_id)

    def get_case(self, case_id: int) -> CaseRecord:
        """One case with its latest version; StorageError when it does not exist."""
        with self._session() as session:
            row = _case_row(session, case_id)
            return self._record(session, row)

    def find_case(self, case_id: int) -> CaseRecord | None:
        """Like ``get_case`` but None when missing (a stale link in the URL)."""
        try:
            return self.get_case(case_id)
        except StorageError:
            return None

    def _record(self, session: Session, row: _Case) -> CaseRecord:
        latest = session.scalars(
            select(_Version).where(_Version.case_id == row.id).order_by(_Version.id.desc()).limit(1)
        ).first()
        count = session.scalar(
            select(func.count()).select_from(_Version).where(_Version.case_id == row.id)
        )
        return CaseRecord(
            id=row.id,
            title=row.title,
            kind=row.kind,
            facts=dict(row.facts or {}),
            parts=dict(row.parts or {}),
            created_at=row.created_at,
            updated_at=row.updated_at,
            revision=row.revision,
            version_count=int(count or 0),
            latest=_version(latest) if latest else None,
            deleted_at=row.deleted_at,
        )

    def list_cases(self, kind: str | None = None) -> list[CaseRecord]:
        """All cases not deleted, most recently touched first."""
        with self._session() as session:
            query = (
                select(_Case)
                .where(_Case.deleted_at.is_(None))
                .order_by(_Case.updated_at.desc(), _Case.id.desc())
            )
            if kind:
                query = query.where(_Case.kind == kind)
            return [self._record(session, row) for row in session.scalars(query)]

    def update_case(
        self,
        case_id: int,
        *,
        title: str | None = None,
        facts: Mapping[str, Any] | None = None,
        parts: Mapping[str, Any] | None = None,
        expected_revision: int | None = None,
    ) -> int:
        """Save whatever changed and return the case's new revision; called on every field edit.

        With ``expected_revision`` (the revision the caller read), the save happens only if
        nobody saved the case since: one conditional UPDATE, so of two saves racing from the
        same revision exactly one wins and the other gets a ConflictError (nothing of it is
        written; the caller still has its text).
        """
        values: dict[str, Any] = {"updated_at": _now(), "revision": _Case.revision + 1}
        if title is not None and title.strip():
            values["title"] = title.strip()[:300]
        if facts is not None:
            values["facts"] = _jsonable(facts)
        if parts is not None:
            values["parts"] = _jsonable(parts)
        with self._session() as session:
            statement = update(_Case).where(_Case.id == case_id, _Case.deleted_at.is_(None))
            if expected_revision is not None:
                statement = statement.where(_Case.revision == expected_revision)
            result = session.execute(
                statement.values(**values).returning(_Case.revision),
                execution_options={"synchronize_session": False},
            )
            revision = result.scalar_one_or_none()
            if revision is not None:
                return int(revision)
            current = _case_row(session, case_id).revision
        raise ConflictError(
            f"case {case_id} was saved by someone else while you were editing (it is now at"
            f" revision {current}, you started from {expected_revision}); nothing of yours was"
            " saved over it",
            current,
        )

    def duplicate_case(self, case_id: int) -> CaseRecord:
        """A copy with the same facts, parts and latest draft, to try another approach."""
        original = self.get_case(case_id)
        copy = self.create_case(
            f"Copy of {original.title}", original.facts, original.kind, original.parts
        )
        if original.latest is not None:
            self.add_version(
                copy.id,
                original.latest.body,
                source="duplicated",
                subject=original.latest.subject,
                model=original.latest.model,
                scores=original.latest.scores,
            )
        return self.get_case(copy.id)

    def delete_case(self, case_id: int) -> CaseRecord:
        """Soft delete: the case leaves every list but can be restored for 30 days."""
        with self._session() as session:
            row = _case_row(session, case_id)
            row.deleted_at = _now()
            return self._record(session, row)

    def deleted_cases(self) -> list[CaseRecord]:
        """Cases deleted in the last 30 days, most recently deleted first (restorable)."""
        with self._session() as session:
            query = (
                select(_Case)
                .where(_Case.deleted_at.is_not(None))
                .order_by(_Case.deleted_at.desc(), _Case.id.desc())
            )
            return [self._record(session, row) for row in session.scalars(query)]

    def restore_case(self, case_id: int) -> CaseRecord:
        """Undo a delete (StorageError when the case was purged or never deleted)."""
        with self._session() as session:
            row = _case_row(session, case_id, deleted=True)
            if row.deleted_at is None:
                raise StorageError(f"case {case_id} is not deleted")
            row.deleted_at = None
            row.updated_at = _now()
        return self.get_case(case_id)

    def purge_deleted(self, now: datetime | None = None) -> int:
        """Remove for good the cases deleted more than 30 days ago; returns how many."""
        cutoff = (now or _now()) - timedelta(days=RESTORE_DAYS)
        with self._session() as session:
            rows = list(session.scalars(select(_Case).where(_Case.deleted_at < cutoff)))
            for row in rows:
                session.delete(row)
            return len(rows)

    # versions ------------------------------------------------------------------------------
    def add_version(
        self,
        case_id: int,
        body: str,
        *,
        source: str,
        subject: str = "",
        model: str = "",
        report: Report | None = None,
        scores: Mapping[str, Any] | None = None,
        merge_within: float = 0,
    ) -> VersionRecord | None:
        """Append a version unless it repeats the latest one word for word (returns None then).

        With ``merge_within`` (seconds), an "edited" version that follows an "edited" version
        saved less than that long ago replaces it: the app saves as the user types, and a pause
        in typing should not be a version of its own in History.
        """
        if source not in VERSION_SOURCES:
            raise StorageError(f"unknown version source '{source}'")
        with self._session() as session:
            row = _case_row(session, case_id)
            last = session.scalars(
                select(_Version)
                .where(_Version.case_id == case_id)
                .order_by(_Version.id.desc())
                .limit(1)
            ).first()
            if last is not None and last.body == body and last.subject == subject:
                return None
            new_scores = _jsonable(scores) if scores is not None else scores_of(report)
            now = _now()
            if (
                merge_within > 0
                and last is not None
                and source == last.source == "edited"
                and last.status == "draft"  # one under review, approved or sent is frozen
                and (now - last.created_at).total_seconds() < merge_within
            ):
                last.body, last.subject, last.model = body, subject, model
                last.scores, last.created_at = new_scores, now
                row.updated_at = now
                session.flush()
                return _version(last)
            version = _Version(
                case_id=case_id,
                number=(last.number + 1) if last else 1,
                source=source,
                subject=subject,
                body=body,
                model=model,
                scores=new_scores,
                created_at=now,
            )
            session.add(version)
            row.updated_at = now
            session.flush()
            return _version(version)

    def versions(self, case_id: int) -> list[VersionRecord]:
        """Every version of a case, oldest first."""
        with self._session() as session:
            rows = session.scalars(
                select(_Version).where(_Version.case_id == case_id).order_by(_Version.id)
            )
            return [_version(row) for row in rows]

    def version(self, version_id: int) -> VersionRecord:
        """One version by id; StorageError naming the id when unknown."""
        with self._session() as session:
            return _version(_version_row(session, version_id))

    # review --------------------------------------------------------------------------------
    def change_status(
        self,
        version_id: int,
        to_status: str,
        *,
        actor: str,
        reason: str = "",
        entries: Sequence[LedgerEntryDraft] = (),
    ) -> ReviewEventRecord:
        """Move a version along draft -> in_review -> approved -> sent, in one transaction with
        the ledger entries its approval creates. The rules for *whether* it may be approved
        live in :mod:`assistant.review`; here only the order of steps is enforced."""
        if to_status not in REVIEW_STATUSES:
            raise InputError(
                f"status: '{to_status}' is not one of {', '.join(REVIEW_STATUSES)}"
            )
        with self._session() as session:
            row = _version_row(session, version_id)
            allowed = NEXT_STATUSES.get(row.status, ())
            if to_status not in allowed:
                raise InputError(
                    f"version {row.number} is {row.status.replace('_', ' ')}; it can go to "
                    + (" or ".join(s.replace("_", " ") for s in allowed) or "nothing: it is sent")
                    + f", not {to_status.replace('_', ' ')}"
                )
            now = _now()
            review = _ReviewEvent(
                case_id=row.case_id,
                version_id=row.id,
                from_status=row.status,
                to_status=to_status,
                actor=actor[:200],
                reason=reason.strip(),
                at=now,
            )
            row.status = to_status
            session.add(review)
            for draft in entries:
                session.add(self._new_entry(row.case_id, row.id, draft, actor, now))
            session.flush()
            return self._review(review, row.number)

    @staticmethod
    def _review(row: _ReviewEvent, number: int) -> ReviewEventRecord:
        return ReviewEventRecord(
            id=row.id,
            case_id=row.case_id,
            version_id=row.version_id,
            version_number=number,
            from_status=row.from_status,
            to_status=row.to_status,
            actor=row.actor,
            reason=row.reason,
            at=row.at,
        )

    def review_trail(self, case_id: int) -> list[ReviewEventRecord]:
        """Every status change of a case's versions, oldest first."""
        with self._session() as session:
            rows = session.execute(
                select(_ReviewEvent, _Version.number)
                .join(_Version, _Version.id == _ReviewEvent.version_id)
                .where(_ReviewEvent.case_id == case_id)
                .order_by(_ReviewEvent.id)
            )
            return [self._review(event, number) for event, number in rows]

    # ledger --------------------------------------------------------------------------------
    @staticmethod
    def _new_entry(
        case_id: int, version_id: int | None, draft: LedgerEntryDraft, actor: str, now: datetime
    ) -> _LedgerEntry:
        row = _LedgerEntry(
            case_id=case_id,
            version_id=version_id,
            action=draft.action,
            owner=draft.owner,
            due=draft.due,
            checkpoint=draft.checkpoint or None,
            status="open",
            created_at=now,
            updated_at=now,
        )
        row.events.append(_LedgerEvent(at=now, actor=actor[:200], change="created", reason=""))
        return row

    def add_ledger_entries(
        self,
        case_id: int,
        entries: Sequence[LedgerEntryDraft],
        *,
        actor: str,
        version_id: int | None = None,
    ) -> list[LedgerEntry]:
        """Save confirmed commitments as open entries (approval does this itself)."""
        with self._session() as session:
            _case_row(session, case_id)
            now = _now()
            rows = [self._new_entry(case_id, version_id, d, actor, now) for d in entries]
            session.add_all(rows)
            session.flush()
            return [_entry(row) for row in rows]

    def ledger_entries(
        self, case_id: int | None = None, statuses: Iterable[str] | None = None
    ) -> list[LedgerEntry]:
        """Entries of one case (or of every case not deleted), oldest due first, with history."""
        wanted = list(statuses) if statuses is not None else None
        for status in wanted or ():
            if status not in ENTRY_STATUSES:
                raise InputError(f"status: '{status}' is not one of {', '.join(ENTRY_STATUSES)}")
        with self._session() as session:
            query = (
                select(_LedgerEntry)
                .join(_Case, _Case.id == _LedgerEntry.case_id)
                .where(_Case.deleted_at.is_(None))
                .order_by(_LedgerEntry.due, _LedgerEntry.id)
            )
            if case_id is not None:
                _case_row(session, case_id)
                query = query.where(_LedgerEntry.case_id == case_id)
            if wanted is not None:
                query = query.where(_LedgerEntry.status.in_(wanted))
            return [_entry(row) for row in session.scalars(query)]

    def ledger_entry(self, entry_id: int) -> LedgerEntry:
        """One entry with its history; StorageError naming the id when unknown."""
        with self._session() as session:
            return _entry(_entry_row(session, entry_id))

    def update_ledger_entry(
        self,
        entry_id: int,
        *,
        actor: str,
        status: str | None = None,
        proof: str | None = None,
        proof_link: str | None = None,
        owner: str | None = None,
        due: dt.date | None = None,
        reason: str = "",
    ) -> LedgerEntry:
        """Change an entry and record each change in its history (who, when, why)."""
        if status is not None and status not in ENTRY_STATUSES:
            raise InputError(f"status: '{status}' is not one of {', '.join(ENTRY_STATUSES)}")
        with self._session() as session:
            row = _entry_row(session, entry_id)
            now = _now()
            changes: list[str] = []
            if status is not None and status != row.status:
                changes.append(f"status {row.status} -> {status}")
                row.status = status
            for name, value in (("proof", proof), ("proof_link", proof_link)):
                if value is not None and value.strip() and value.strip() != getattr(row, name):
                    setattr(row, name, value.strip())
                    changes.append(f"{name.replace('_', ' ')} added")
            if owner is not None and owner.strip() and owner.strip() != row.owner:
                changes.append(f"owner {row.owner} -> {owner.strip()}")
                row.owner = owner.strip()[:200]
            if due is not None and due != row.due:
                changes.append(f"due {row.due.isoformat()} -> {due.isoformat()}")
                row.due = due
            for change in changes:
                row.events.append(
                    _LedgerEvent(at=now, actor=actor[:200], change=change, reason=reason.strip())
                )
            if changes:
                row.updated_at = now
            session.flush()
            return _entry(row)

    # export --------------------------------------------------------------------------------
    def export_case(self, case_id: int) -> dict[str, Any]:
        """The whole case as plain data (for a JSON download or a backup)."""
        case = self.get_case(case_id)
        return {
            "id": case.id,
            "title": case.title,
            "kind": case.kind,
            "facts": case.facts,
            "parts": case.parts,
            "created_at": case.created_at.isoformat(),
            "updated_at": case.updated_at.isoformat(),
            "review": [
                {**e.model_dump(exclude={"case_id", "id"}), "at": e.at.isoformat()}
                for e in self.review_trail(case_id)
            ],
            "ledger": [e.model_dump(mode="json") for e in self.ledger_entries(case_id)],
            "versions": [
                {**v.model_dump(exclude={"case_id", "id"}), "created_at": v.created_at.isoformat()}
                for v in self.versions(case_id)
            ],
        }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (so deletes cascade) and a busy timeout for two tabs writing at once."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def redact_url(url: str) -> str:
    """A database URL without its password, safe to show."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the configured database"


def database_url(url: str) -> URL:
    """The parsed URL, ``postgresql://`` (and Heroku-style ``postgres://``) meaning psycopg 3.

    A string that is no URL is a StorageError that does not repeat it (it may hold a password).
    """
    text = url.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise StorageError(
            "AMENDS_DATABASE_URL is not a database URL; write it like"
            " postgresql://user:password@host:5432/amends or sqlite:///path/to/amends.db"
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _pool_size() -> int:
    """``AMENDS_DATABASE_POOL_SIZE`` connections kept open to a server database (default 5)."""
    raw = os.environ.get("AMENDS_DATABASE_POOL_SIZE", "5")
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= 100:
        raise StorageError(f"AMENDS_DATABASE_POOL_SIZE must be a whole number 1-100, not {raw!r}")
    return size


def _engine(url: URL) -> Engine:
    """An engine for ``url``: SQLite with its pragmas, a server database with a checked pool."""
    options: dict[str, Any] = {}
    if url.get_backend_name() != "sqlite":
        options = {"pool_size": _pool_size(), "max_overflow": 10, "pool_pre_ping": True,
                   "pool_recycle": 1800}
        if url.get_backend_name() == "postgresql":
            options["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(url, **options)
    except NoSuchModuleError:
        raise StorageError(
            f"AMENDS_DATABASE_URL names an unknown kind of database '{url.drivername}'"
            " (use postgresql:// or sqlite:///)"
        ) from None
    except ModuleNotFoundError as exc:
        hint = " (pip install 'amends[postgres]')" if url.get_backend_name() == "postgresql" else ""
        raise StorageError(
            f"the database driver '{exc.name}' for {url.drivername} is not installed{hint}"
        ) from None
    except (ArgumentError, TypeError) as exc:
        raise StorageError(f"AMENDS_DATABASE_URL cannot be used: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _first_line(exc: BaseException, url: URL) -> str:
    """The driver's own message, first line only (no SQL, no parameters), without the password."""
    original = getattr(exc, "orig", None) or exc
    text = (str(original).strip().splitlines() or [type(original).__name__])[0]
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def connection_message(url: URL, exc: BaseException) -> str:
    """Why the server could not be reached, naming the host (never the password)."""
    port = url.port or (5432 if url.get_backend_name() == "postgresql" else None)
    host = url.host or "localhost (its socket)"
    target = f"the database server at {host}" + (f", port {port}" if port else "")
    return (
        f"cannot connect to {target} (database '{url.database or ''}', user"
        f" '{url.username or ''}'): {_first_line(exc, url)}. Check AMENDS_DATABASE_URL and that"
        " the server is running."
    )


# The trust pulse's and the team tables (accounts, roles, case ownership, audit log) share this
# metadata, so a fresh database gets them from ``create_all`` like the tables above, and every
# process (not only one that imported those modules first) migrates the same schema.
from assistant import pulse as _pulse_tables  # noqa: E402, F401
from assistant.auth import tables as _auth_tables  # noqa: E402, F401
