"""The one permission check, ``require(user, action, case)``, used by every page and command.

Which role may do what is data (``permissions.toml``); the two rules a table cannot say are here:
nobody approves a draft they wrote, and a case with no team is nobody's in a team deployment.
In mode none the user is the local operator, who may do everything (today's app).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import AmendsError

PERMISSIONS_FILE = Path(__file__).with_name("permissions.toml")
CASE_ACTIONS = ("case.view", "case.edit", "case.delete", "case.approve", "case.send")


class PermissionDenied(AmendsError):
    """The signed-in user may not do this; exit status 1 (refused) at the command line."""

    exit_code = 1


class Principal(BaseModel):
    """Who is acting, with their roles per team (``operator``: everything, as in mode none)."""

    model_config = ConfigDict(frozen=True)

    name: str
    roles: Mapping[int, frozenset[str]] = Field(default_factory=dict)
    team_names: Mapping[int, str] = Field(default_factory=dict)
    operator: bool = False

    def teams_with(self, *roles: str) -> list[int]:
        """The teams (ids, by name) where the user holds any of ``roles``."""
        wanted = set(roles)
        found = [team for team, held in self.roles.items() if held & wanted]
        return sorted(found, key=lambda team: self.team_names.get(team, ""))


class CaseScope(BaseModel):
    """What a permission check needs to know about a case: its team and who wrote it."""

    model_config = ConfigDict(frozen=True)

    case_id: int
    team_id: int | None = None
    created_by: str = ""
    authors: frozenset[str] = frozenset()


@cache
def _table() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    data = tomllib.loads(PERMISSIONS_FILE.read_text(encoding="utf-8"))
    actions = {name: frozenset(roles) for name, roles in data["actions"].items()}
    return actions, dict(data.get("messages", {}))


def actions() -> list[str]:
    """Every action the table knows."""
    return sorted(_table()[0])


def denial(user: Principal, action: str, case: CaseScope | None = None,
           team_id: int | None = None) -> str | None:
    """Why ``user`` may not do ``action`` (None when allowed)."""
    table, messages = _table()
    if action not in table:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(sorted(table))}")
    if user.operator:
        return None
    message = messages.get(action, f"not allowed: {action}")
    roles = table[action]
    if case is not None:
        team_id = case.team_id
        if team_id is None:
            return messages["case.view"]
        if not user.roles.get(team_id, frozenset()) & table["case.view"]:
            return messages["case.view"]
    if team_id is not None:
        if not user.roles.get(team_id, frozenset()) & roles:
            return message
    elif not user.teams_with(*roles):
        return message
    if action == "case.approve" and case is not None and (
        user.name == case.created_by or user.name in case.authors
    ):
        return "nobody approves their own draft: another reviewer must approve it"
    return None


def allowed(user: Principal, action: str, case: CaseScope | None = None,
            team_id: int | None = None) -> bool:
    """True when ``require`` would let it through."""
    return denial(user, action, case, team_id) is None


def require(user: Principal, action: str, case: CaseScope | None = None,
            team_id: int | None = None) -> None:
    """Raise PermissionDenied (a plain message naming what is missing) unless allowed.

    ``case`` binds the check to the case's team (and, for approval, its authors); ``team_id``
    to a named team (managing its members); with neither, a role in any team will do.
    """
    reason = denial(user, action, case, team_id)
    if reason is not None:
        where = f"case #{case.case_id}: " if case is not None else ""
        raise PermissionDenied(f"{user.name} may not do this: {where}{reason}")
