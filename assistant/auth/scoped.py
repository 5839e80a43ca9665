"""The store as one signed-in user may use it: the single layer where case access is enforced.

Pages and commands get a :class:`ScopedStore` instead of the plain store when people sign in, so
every read is limited to the user's teams' cases and every write passes ``require`` and leaves
an audit row, whatever page, button or crafted URL asked for it. Each public method of
``Store`` is overridden here (a test checks that, so a new store method cannot slip past).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from assistant.auth import audit
from assistant.auth.permissions import CaseScope, PermissionDenied, Principal, require
from assistant.auth.tables import CaseOwnerRow, VersionAuthorRow
from assistant.errors import StorageError
from assistant.models import Report
from assistant.storage import CaseRecord, Store, VersionRecord, _Case, _Version

# The review flow's status changes and the permission each needs (and the audit action it leaves).
STATUS_ACTIONS = {"in_review": "case.edit", "draft": "case.edit", "approved": "case.approve",
                  "sent": "case.send"}
STATUS_AUDIT = {"in_review": "case.review", "draft": "case.review", "approved": "case.approve",
                "sent": "case.send"}


def case_scope(store: Store, case_id: int) -> CaseScope | None:
    """The case's team and authors (None when there is no such case)."""
    with store._session() as session:
        if session.get(_Case, case_id) is None:
            return None
        owner = session.get(CaseOwnerRow, case_id)
        authors = session.scalars(
            select(VersionAuthorRow.author)
            .join(_Version, _Version.id == VersionAuthorRow.version_id)
            .where(_Version.case_id == case_id)
        ).all()
        return CaseScope(
            case_id=case_id,
            team_id=owner.team_id if owner else None,
            created_by=owner.created_by if owner else "",
            authors=frozenset(authors),
        )


def require_case(store: Store, user: Principal, action: str, case_id: int) -> CaseScope:
    """``require`` for a case by id; a missing case is refused like another team's one."""
    scope = case_scope(store, case_id)
    if scope is None:
        if user.operator:
            raise StorageError(f"case {case_id} does not exist (it may have been deleted)")
        scope = CaseScope(case_id=case_id)
    require(user, action, scope)
    return scope


def version_case(store: Store, version_id: int) -> int | None:
    """The case a version belongs to (None when there is no such version)."""
    with store._session() as session:
        row = session.get(_Version, version_id)
        return row.case_id if row is not None else None


class ScopedStore(Store):
    """A view of ``base`` for ``user``; new cases go to ``team_id`` (default: their first)."""

    def __init__(
        self, base: Store, user: Principal, team_id: int | None = None,
        clock: audit.Clock = audit.utcnow,
    ) -> None:
        self.__dict__.update(base.__dict__)  # the same engine, sessions and lock
        self.base = base
        self.user = user
        self.clock = clock
        drafting = user.teams_with("drafter")
        self.team_id = team_id if team_id is not None else (drafting[0] if drafting else None)

    def _audit(self, action: str, scope: CaseScope, version_id: int | None = None,
               detail: str = "") -> None:
        audit.record(self, self.user.name, action, case_id=scope.case_id, version_id=version_id,
                     team_id=scope.team_id, detail=detail, clock=self.clock)

    def _own(self, case_id: int, team_id: int | None) -> CaseScope:
        with self._session() as session:
            session.add(CaseOwnerRow(case_id=case_id, team_id=team_id, created_by=self.user.name))
        return CaseScope(case_id=case_id, team_id=team_id, created_by=self.user.name)

    def visible_ids(self) -> set[int] | None:
        """The ids of the cases this user may see (None: all of them, for the operator)."""
        if self.user.operator:
            return None
        teams = self.user.teams_with("drafter", "reviewer", "admin")
        with self._session() as session:
            return set(session.scalars(
                select(CaseOwnerRow.case_id).where(CaseOwnerRow.team_id.in_(teams))
            ))

    # cases ---------------------------------------------------------------------------------
    def create_case(
        self,
        title: str = "",
        facts: Mapping[str, Any] | None = None,
        kind: str = "draft",
        parts: Mapping[str, Any] | None = None,
        *,
        team_id: int | None = None,
        detail: str = "",
    ) -> CaseRecord:
        """A new case owned by the chosen team (drafters only)."""
        team = team_id if team_id is not None else self.team_id
        if team is None and not self.user.operator:
            require(self.user, "case.create")  # no drafter team at all: says so
        if team is not None:
            require(self.user, "case.create", team_id=team)
        record = self.base.create_case(title, facts, kind, parts)
        self._audit("case.create", self._own(record.id, team), detail=detail)
        return record

    def get_case(self, case_id: int) -> CaseRecord:
        """One case of the user's teams; PermissionDenied for any other (or a missing) one."""
        require_case(self.base, self.user, "case.view", case_id)
        return self.base.get_case(case_id)

    def find_case(self, case_id: int) -> CaseRecord | None:
        """None for a missing case and for another team's: a crafted URL shows nothing."""
        try:
            return self.get_case(case_id)
        except (StorageError, PermissionDenied):
            return None

    def list_cases(self, kind: str | None = None) -> list[CaseRecord]:
        """The user's teams' cases only."""
        visible = self.visible_ids()
        cases = self.base.list_cases(kind)
        return cases if visible is None else [c for c in cases if c.id in visible]

    def update_case(
        self,
        case_id: int,
        *,
        title: str | None = None,
        facts: Mapping[str, Any] | None = None,
        parts: Mapping[str, Any] | None = None,
    ) -> None:
        """Save an edit (drafters of the case's team)."""
        scope = require_case(self.base, self.user, "case.edit", case_id)
        self.base.update_case(case_id, title=title, facts=facts, parts=parts)
        changed = [name for name, value in (("title", title), ("facts", facts),
                                            ("parts", parts)) if value is not None]
        self._audit("case.edit", scope, detail=", ".join(changed))

    def duplicate_case(self, case_id: int) -> CaseRecord:
        """A copy in the same team, by a drafter of it."""
        scope = require_case(self.base, self.user, "case.view", case_id)
        original = self.base.get_case(case_id)
        copy = self.create_case(f"Copy of {original.title}", original.facts, original.kind,
                                original.parts, team_id=scope.team_id,
                                detail=f"copy of case {case_id}")
        if original.latest is not None:
            self.add_version(copy.id, original.latest.body, source="duplicated",
                             subject=original.latest.subject, model=original.latest.model,
                             scores=original.latest.scores)
        return self.base.get_case(copy.id)

    def delete_case(self, case_id: int) -> None:
        """Remove a case (drafters or admins of its team); the audit row stays."""
        scope = require_case(self.base, self.user, "case.delete", case_id)
        self.base.delete_case(case_id)
        self._audit("case.delete", scope)

    def authorize_status(self, version_id: int, status: str) -> CaseScope:
        """Check a review step on a version (approve: a reviewer of its team who wrote none of
        it) and record it; the review flow's store method calls this before changing status."""
        case_id = version_case(self.base, version_id)
        scope = require_case(self.base, self.user, STATUS_ACTIONS.get(status, "case.edit"),
                             case_id if case_id is not None else -1)
        self._audit(STATUS_AUDIT.get(status, "case.review"), scope, version_id,
                    detail=f"status {status}")
        return scope

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
        """Save a draft version (drafters of the case's team), its author and an audit row."""
        scope = require_case(self.base, self.user, "case.edit", case_id)
        version = self.base.add_version(case_id, body, source=source, subject=subject, model=model,
                                      report=report, scores=scores, merge_within=merge_within)
        if version is not None:
            with self._session() as session:
                row = session.get(VersionAuthorRow, version.id)
                if row is None:
                    session.add(VersionAuthorRow(version_id=version.id, author=self.user.name))
                else:
                    row.author = self.user.name
            self._audit("version.create", scope, version.id, detail=f"v{version.number} {source}")
        return version

    def versions(self, case_id: int) -> list[VersionRecord]:
        """Every version of a case the user may see."""
        require_case(self.base, self.user, "case.view", case_id)
        return self.base.versions(case_id)

    def export_case(self, case_id: int) -> dict[str, Any]:
        """The whole case, when the user may see it."""
        require_case(self.base, self.user, "case.view", case_id)
        return self.base.export_case(case_id)
