"""Cases, their incident facts and every draft version, saved as the user works.

The app writes here on every field change and before any model call, so a refresh, a closed
tab or a crashed model call loses nothing typed. SQLite by default (from settings);
``AMENDS_DATABASE_URL`` selects any other SQLAlchemy database. API keys never reach this module:
facts and drafts are user text, and settings hold no keys.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)

from assistant.errors import StorageError
from assistant.models import Report

CASE_KINDS = ("draft", "check")
VERSION_SOURCES = ("generated", "composed", "edited", "revised", "uploaded", "duplicated", "saved")


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
    case: Mapped[_Case] = relationship(back_populates="versions")


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
    version_count: int = 0
    latest: VersionRecord | None = None


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
    )


def _case_row(session: Session, case_id: int) -> _Case:
    """The case's row, or StorageError: the one place a missing case is reported."""
    row = session.get(_Case, case_id)
    if row is None:
        raise StorageError(f"case {case_id} does not exist (it may have been deleted)")
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
        try:
            self._engine: Engine = create_engine(url, future=True)
            if self._engine.dialect.name == "sqlite":
                event.listen(self._engine, "connect", _sqlite_pragmas)
            _Base.metadata.create_all(self._engine)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot open the database ({redact_url(url)}): {exc}") from exc
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._lock = threading.Lock()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._lock, self._sessions() as session:
            try:
                yield session
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                raise StorageError(f"the database could not be updated: {exc}") from exc

    def dispose(self) -> None:
        """Close pooled connections (tests, shutdown)."""
        self._engine.dispose()

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
            version_count=int(count or 0),
            latest=_version(latest) if latest else None,
        )

    def list_cases(self, kind: str | None = None) -> list[CaseRecord]:
        """All cases, most recently touched first."""
        with self._session() as session:
            query = select(_Case).order_by(_Case.updated_at.desc(), _Case.id.desc())
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
    ) -> None:
        """Save whatever changed; called on every field edit, so it is cheap and idempotent."""
        with self._session() as session:
            row = _case_row(session, case_id)
            if title is not None and title.strip():
                row.title = title.strip()[:300]
            if facts is not None:
                row.facts = _jsonable(facts)
            if parts is not None:
                row.parts = _jsonable(parts)
            row.updated_at = _now()

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

    def delete_case(self, case_id: int) -> None:
        """Remove a case and all its versions."""
        with self._session() as session:
            row = _case_row(session, case_id)
            session.delete(row)

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
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the configured database"



# The team tables (accounts, roles, case ownership, audit log) share this metadata, so a fresh
# database gets them from ``create_all`` like the tables above.
from assistant.auth import tables as _auth_tables  # noqa: E402, F401
