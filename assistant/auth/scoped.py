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

    def update_case(self, case_id: int, **changes: Any) -> Any:
        """Save an edit (drafters of the case's team); ``changes`` as ``Store.update_case``
        takes them (title, facts, parts and any others it grows, such as a revision check)."""
        scope = require_case(self.base, self.user, "case.edit", case_id)
        result = self._forward("update_case")(case_id, **changes)
        edited = [name for name in ("title", "facts", "parts") if changes.get(name) is not None]
        self._audit("case.edit", scope, detail=", ".join(edited))
        return result

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

    def delete_case(self, case_id: int) -> Any:
        """Remove a case (drafters or admins of its team); the audit row stays."""
        scope = require_case(self.base, self.user, "case.delete", case_id)
        deleted = self._forward("delete_case")(case_id)  # a soft delete returns the case
        self._audit("case.delete", scope)
        return deleted

    def require_status(self, version_id: int, status: str) -> CaseScope:
        """Check a review step on a version: approve needs a reviewer of its team who wrote none
        of it, sent a reviewer, the other steps a drafter (the review flow calls this)."""
        case_id = version_case(self.base, version_id)
        return require_case(self.base, self.user, STATUS_ACTIONS.get(status, "case.edit"),
                            case_id if case_id is not None else -1)

    def record_status(self, scope: CaseScope, version_id: int, status: str) -> None:
        """The audit row for a review step that was made."""
        self._audit(STATUS_AUDIT.get(status, "case.review"), scope, version_id,
                    detail=f"status {status}")

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

    # the review flow and the promise ledger (their store methods arrive with branch ledger;
    # until then these forward to nothing and are never called) -----------------------------
    def _forward(self, name: str) -> Any:
        return getattr(self.base, name)

    def version(self, version_id: int) -> Any:
        """One version, when the user may see its case."""
        case_id = version_case(self.base, version_id)
        require_case(self.base, self.user, "case.view", case_id if case_id is not None else -1)
        return self._forward("version")(version_id)

    def change_status(self, version_id: int, to_status: str, **kwargs: Any) -> Any:
        """A review step, checked (nobody approves their own draft), recorded as this user."""
        scope = self.require_status(version_id, to_status)
        kwargs["actor"] = self.user.name
        result = self._forward("change_status")(version_id, to_status, **kwargs)
        self.record_status(scope, version_id, to_status)
        return result

    def review_trail(self, case_id: int) -> Any:
        """A case's review steps, when the user may see it."""
        require_case(self.base, self.user, "case.view", case_id)
        return self._forward("review_trail")(case_id)

    def deleted_cases(self) -> Any:
        """The user's teams' deleted (restorable) cases only."""
        visible = self.visible_ids()
        cases = self._forward("deleted_cases")()
        return cases if visible is None else [c for c in cases if c.id in visible]

    def restore_case(self, case_id: int) -> Any:
        """Undo a delete (who may delete may restore)."""
        scope = require_case(self.base, self.user, "case.delete", case_id)
        restored = self._forward("restore_case")(case_id)
        self._audit("case.restore", scope)
        return restored

    def purge_deleted(self, *args: Any, **kwargs: Any) -> Any:
        """Housekeeping by the 30-day rule, not a user's choice: no check."""
        return self._forward("purge_deleted")(*args, **kwargs)

    def schema_version(self) -> Any:
        """The database's schema revision (no case data)."""
        return self._forward("schema_version")()

    def ledger_entries(self, case_id: int | None = None, *args: Any, **kwargs: Any) -> Any:
        """Commitments of the user's teams' cases only."""
        if case_id is not None:
            require_case(self.base, self.user, "case.view", case_id)
            return self._forward("ledger_entries")(case_id, *args, **kwargs)
        visible = self.visible_ids()
        entries = self._forward("ledger_entries")(None, *args, **kwargs)
        return entries if visible is None else [e for e in entries if e.case_id in visible]

    def ledger_entry(self, entry_id: int) -> Any:
        """One commitment, when the user may see its case."""
        entry = self._forward("ledger_entry")(entry_id)
        require_case(self.base, self.user, "case.view", int(entry.case_id))
        return entry

    def add_ledger_entries(self, case_id: int, *args: Any, **kwargs: Any) -> Any:
        """New commitments on a case (those who may approve or edit it)."""
        scope = case_scope(self.base, case_id) or CaseScope(case_id=case_id)
        require(self.user, "ledger.update", scope)
        kwargs["actor"] = self.user.name
        added = self._forward("add_ledger_entries")(case_id, *args, **kwargs)
        self._audit("ledger.update", scope, detail=f"{len(added)} new commitment(s)")
        return added

    def update_ledger_entry(self, entry_id: int, **kwargs: Any) -> Any:
        """A commitment's status, proof, owner or date (drafters and reviewers of its team)."""
        entry = self._forward("ledger_entry")(entry_id)
        scope = case_scope(self.base, int(entry.case_id)) or CaseScope(case_id=entry.case_id)
        require(self.user, "ledger.update", scope)
        kwargs["actor"] = self.user.name
        updated = self._forward("update_ledger_entry")(entry_id, **kwargs)
        self._audit("ledger.update", scope, detail=f"commitment {entry_id}")
        return updated
