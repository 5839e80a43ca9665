"""A team on a private SQLite file: two teams, one account per role, and helpers that sign in
through the app's real sign-in form (AppTest) with ``[auth] mode = "local"`` in its secrets."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assistant.auth import gate
from assistant.auth.accounts import Accounts
from assistant.auth.audit import utcnow
from assistant.auth.config import AuthConfig
from assistant.auth.scoped import ScopedStore
from assistant.storage import Store
from tests.app.conftest import APP, KEY_VARS

PASSWORD = "correct-horse-battery-9"
# name -> (team, role); every account has PASSWORD.
PEOPLE = {
    "dora": ("support", "drafter"),
    "dan": ("support", "drafter"),
    "rita": ("support", "reviewer"),
    "adam": ("support", "admin"),
    "bill": ("billing", "drafter"),
}
LOCAL: dict[str, Any] = {"mode": "local", "session_minutes": 30, "max_failures": 3,
                         "lockout_minutes": 10}


class Clock:
    """A clock the test moves by hand (sessions and lock-outs age without sleeping)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class Team:
    db: Path
    store: Store
    accounts: Accounts
    clock: Clock

    def scoped(self, name: str) -> ScopedStore:
        return ScopedStore(self.store, self.accounts.principal(name), clock=self.clock)


@pytest.fixture(scope="session")
def team_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The accounts made once (each Argon2 hash takes about a second), copied for every test."""
    db = tmp_path_factory.mktemp("team-template") / "team.db"
    store = Store(f"sqlite:///{db}")
    accounts = Accounts(store, AuthConfig.model_validate(LOCAL))
    for name, (team_name, role) in PEOPLE.items():
        accounts.add_user(name, PASSWORD, actor="setup")
        accounts.grant(name, team_name, role, actor="setup")
    store.dispose()
    return db


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, team_template: Path) -> Iterator[Team]:
    """Accounts for every role in 'support' and a drafter in 'billing', on the app's database."""
    db = tmp_path / "team.db"
    shutil.copyfile(team_template, db)
    monkeypatch.setenv("AMENDS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AMENDS_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("AMENDS_MODEL", "offline")
    monkeypatch.delenv("AMENDS_RUBRICS", raising=False)
    for name in (*KEY_VARS, "AMENDS_USER", "AMENDS_PASSWORD", "AMENDS_AUTH_MODE"):
        monkeypatch.delenv(name, raising=False)
    clock = Clock()
    monkeypatch.setattr(gate, "clock", clock)
    store = Store(f"sqlite:///{db}")
    accounts = Accounts(store, AuthConfig.model_validate(LOCAL), clock=clock)
    yield Team(db, store, accounts, clock)
    store.dispose()


def team_app(**auth: object) -> AppTest:
    """A fresh browser session on the app with sign-in on (``[auth]`` in its secrets)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {**LOCAL, **auth}
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    """Type into the sign-in form and submit it, as a person would."""
    at.text_input(key="auth.name").input(name)
    at.text_input(key="auth.password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def signed_in(name: str, page: str = "draft", **query: str) -> AppTest:
    """A session signed in as ``name`` and opened on ``page`` with query parameters."""
    at = sign_in(team_app().run(), name)
    assert at.session_state["auth.user"].name == name
    if page != "draft" or query:
        at.switch_page(f"app_pages/{page}.py")
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
