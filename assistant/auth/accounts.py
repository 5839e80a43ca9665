"""Local accounts for a small team: Argon2 password hashes, lock-out, sessions that expire.

A session token is random, handed to the signed-in browser session once, and kept here only as
its SHA-256; it ends after ``session_minutes`` without use, on sign-out, on a password reset or
when the account is disabled. ``max_failures`` wrong passwords in a row lock the account for
``lockout_minutes`` (a reset unlocks it). The clock is injectable so tests age sessions without
sleeping. Nothing here logs; audit rows carry names and the action only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.auth import audit
from assistant.auth.config import AuthConfig
from assistant.auth.permissions import Principal
from assistant.auth.tables import ROLES, MembershipRow, SessionRow, TeamRow, UserRow
from assistant.errors import AmendsError, InputError
from assistant.storage import Store

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
MIN_PASSWORD_CHARS = 10
_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong
    password (made on first use: hashing takes about a second, not worth paying at import)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class SignInError(AmendsError):
    """Sign-in refused; the message never says whether the name or the password was wrong."""

    exit_code = 1


class Membership(BaseModel):
    """One role a user holds in one team."""

    model_config = ConfigDict(frozen=True)

    team: str
    role: str


class Account(BaseModel):
    """An account as ``amends users list`` shows it (no hash)."""

    model_config = ConfigDict(frozen=True)

    name: str
    active: bool
    locked: bool
    memberships: tuple[Membership, ...] = ()


def check_name(name: str, field: str = "user name") -> str:
    """The name stripped, or InputError saying what a name may hold."""
    cleaned = name.strip()
    if not NAME_PATTERN.fullmatch(cleaned):
        raise InputError(
            f"{field} {cleaned[:40]!r}: use 1 to 100 letters, digits or . _ @ + - "
            "(starting with a letter or digit)"
        )
    return cleaned


def check_password(password: str) -> str:
    """The password unchanged, or InputError (the message never quotes it)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"password: at least {MIN_PASSWORD_CHARS} characters, please")
    if password.strip() != password:
        raise InputError("password: no spaces at the start or end")
    return password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Account, team and session operations on the app's database."""

    def __init__(
        self, store: Store, config: AuthConfig | None = None, clock: audit.Clock = audit.utcnow
    ) -> None:
        self.store = store
        self.config = config or AuthConfig()
        self.clock = clock

    # accounts ------------------------------------------------------------------------------
    def _user(self, session: Session, name: str) -> UserRow:
        row = session.scalars(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            raise InputError(f"no account called {name!r} (see `amends users list`)")
        return row

    def add_user(self, name: str, password: str, actor: str) -> None:
        """A new active account; InputError when the name is taken or the password too short."""
        name, password = check_name(name), check_password(password)
        password_hash = _HASHER.hash(password)
        with self.store._session() as session:
            if session.scalars(select(UserRow).where(UserRow.name == name)).first():
                raise InputError(f"user name {name!r} is taken")
            session.add(UserRow(name=name, password_hash=password_hash, created_at=self.clock()))
        audit.record(self.store, actor, "user.add", detail=f"account {name}", clock=self.clock)

    def disable_user(self, name: str, actor: str) -> None:
        """The account can no longer sign in; its sessions end now."""
        with self.store._session() as session:
            row = self._user(session, name)
            row.active = False
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
        audit.record(self.store, actor, "user.disable", detail=f"account {name}", clock=self.clock)

    def reset_password(self, name: str, password: str, actor: str) -> None:
        """A new password; unlocks and re-enables the account and ends its sessions."""
        password_hash = _HASHER.hash(check_password(password))
        with self.store._session() as session:
            row = self._user(session, name)
            row.password_hash, row.failures, row.locked_until = password_hash, 0, None
            row.active = True
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
        audit.record(self.store, actor, "user.reset", detail=f"account {name}", clock=self.clock)

    def list_users(self) -> list[Account]:
        """Every account by name, with its roles; ``locked`` while a lock-out lasts."""
        now = self.clock()
        with self.store._session() as session:
            roles: dict[int, list[Membership]] = {}
            for membership, team in session.execute(
                select(MembershipRow, TeamRow).join(TeamRow, TeamRow.id == MembershipRow.team_id)
            ):
                roles.setdefault(membership.user_id, []).append(
                    Membership(team=team.name, role=membership.role)
                )
            return [
                Account(
                    name=row.name,
                    active=row.active,
                    locked=bool(row.locked_until and row.locked_until > now),
                    memberships=tuple(sorted(roles.get(row.id, []), key=lambda m: (m.team,
                                                                                  m.role))),
                )
                for row in session.scalars(select(UserRow).order_by(UserRow.name))
            ]

    # teams and roles -----------------------------------------------------------------------
    def team_id(self, team: str, create: bool = False) -> int:
        """The team's id (made on demand when ``create``); InputError when unknown."""
        team = check_name(team, "team name")
        with self.store._session() as session:
            row = session.scalars(select(TeamRow).where(TeamRow.name == team)).first()
            if row is None:
                if not create:
                    raise InputError(f"no team called {team!r}")
                row = TeamRow(name=team)
                session.add(row)
                session.flush()
            return row.id

    def grant(self, name: str, team: str, role: str, actor: str) -> None:
        """Give ``name`` the ``role`` in ``team`` (the team is made if new)."""
        if role not in ROLES:
            raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
        team_id = self.team_id(team, create=True)
        with self.store._session() as session:
            user = self._user(session, name)
            exists = session.scalars(
                select(MembershipRow).where(
                    MembershipRow.user_id == user.id,
                    MembershipRow.team_id == team_id,
                    MembershipRow.role == role,
                )
            ).first()
            if exists is None:
                session.add(MembershipRow(user_id=user.id, team_id=team_id, role=role))
        audit.record(self.store, actor, "role.grant", team_id=team_id,
                     detail=f"{name}: role {role} in {team}", clock=self.clock)

    def revoke(self, name: str, team: str, role: str, actor: str) -> None:
        """Take the role away (nothing happens when it was not held)."""
        team_id = self.team_id(team)
        with self.store._session() as session:
            user = self._user(session, name)
            session.execute(
                delete(MembershipRow).where(
                    MembershipRow.user_id == user.id,
                    MembershipRow.team_id == team_id,
                    MembershipRow.role == role,
                )
            )
        audit.record(self.store, actor, "role.revoke", team_id=team_id,
                     detail=f"{name}: role {role} in {team}", clock=self.clock)

    def principal(self, name: str) -> Principal:
        """The user with their roles per team, as the permission check needs them (a disabled
        account holds none)."""
        with self.store._session() as session:
            user = self._user(session, name)
            roles: dict[int, set[str]] = {}
            names: dict[int, str] = {}
            if not user.active:
                return Principal(name=name)
            for membership, team in session.execute(
                select(MembershipRow, TeamRow)
                .join(TeamRow, TeamRow.id == MembershipRow.team_id)
                .where(MembershipRow.user_id == user.id)
            ):
                roles.setdefault(team.id, set()).add(membership.role)
                names[team.id] = team.name
        return Principal(
            name=name, roles={t: frozenset(r) for t, r in roles.items()}, team_names=names
        )

    def has_admin(self) -> bool:
        """Whether any active account holds the admin role (else the local operator bootstraps)."""
        with self.store._session() as session:
            found = session.scalars(
                select(MembershipRow.id)
                .join(UserRow, UserRow.id == MembershipRow.user_id)
                .where(MembershipRow.role == "admin", UserRow.active.is_(True))
                .limit(1)
            ).first()
        return found is not None

    # signing in ----------------------------------------------------------------------------
    def verify(self, name: str, password: str) -> Principal:
        """The user when the password is right; SignInError (and an audit row) otherwise.

        Counts failures, locks the account at ``max_failures`` for ``lockout_minutes``.
        """
        now = self.clock()
        refused = "sign-in refused: the name or the password is wrong"
        with self.store._session() as session:
            row = session.scalars(select(UserRow).where(UserRow.name == name.strip())).first()
            if row is None:
                _matches(_dummy_hash(), password)
                outcome = "unknown"
            elif row.locked_until is not None and row.locked_until > now:
                outcome = "locked"
            elif not row.active:
                _matches(row.password_hash, password)
                outcome = "disabled"
            elif _matches(row.password_hash, password):
                row.failures, row.locked_until = 0, None
                if _HASHER.check_needs_rehash(row.password_hash):
                    row.password_hash = _HASHER.hash(password)
                outcome = "ok"
            else:
                row.failures += 1
                outcome = "wrong"
                if row.failures >= self.config.max_failures:
                    row.locked_until = now + timedelta(minutes=self.config.lockout_minutes)
                    row.failures = 0
                    outcome = "now locked"
            until = row.locked_until if row is not None else None
        # An unknown name is not recorded as typed: people type their password there by mistake.
        actor = name.strip()[:100] if row is not None else "(unknown name)"
        if outcome == "ok":
            audit.record(self.store, actor, "sign_in", clock=self.clock)
            return self.principal(row.name if row is not None else name)
        audit.record(self.store, actor, "sign_in.failed", detail=outcome, clock=self.clock)
        if outcome in ("locked", "now locked") and until is not None:
            raise SignInError(
                f"sign-in refused: too many failed attempts; the account is locked until "
                f"{until:%H:%M} UTC (an admin can unlock it with `amends users reset`)"
            )
        raise SignInError(refused)

    def sign_in(self, name: str, password: str) -> tuple[str, Principal]:
        """A new session token for the right password (see :meth:`verify`)."""
        user = self.verify(name, password)
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.store._session() as session:
            row = self._user(session, user.name)
            session.add(SessionRow(token_hash=_token_hash(token), user_id=row.id,
                                   created_at=now, last_seen=now))
        return token, user

    def resume(self, token: str) -> Principal | None:
        """The session's user while it is fresh (each use extends it); None once it expired."""
        now = self.clock()
        idle = timedelta(minutes=self.config.session_minutes)
        with self.store._session() as session:
            found = session.execute(
                select(SessionRow, UserRow)
                .join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.token_hash == _token_hash(token))
            ).first()
            if found is None:
                return None
            row, user = found
            if not user.active or now - row.last_seen > idle:
                session.delete(row)
                return None
            row.last_seen = now
            name = user.name
        return self.principal(name)

    def sign_out(self, token: str, actor: str) -> None:
        """End the session now."""
        with self.store._session() as session:
            session.execute(delete(SessionRow).where(SessionRow.token_hash == _token_hash(token)))
        audit.record(self.store, actor, "sign_out", clock=self.clock)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
