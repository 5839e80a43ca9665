"""Local accounts on a real SQLite file: Argon2 hashes, lock-out, sessions that expire on an
injected clock, disable and reset, and that no password, hash or token reaches the log."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from assistant.auth import audit
from assistant.auth.accounts import SignInError
from assistant.errors import InputError
from tests.auth.conftest import LOCAL, PASSWORD, Team


def _hashes(team: Team) -> list[str]:
    with sqlite3.connect(team.db) as db:
        return [row[0] for row in db.execute("select password_hash from users")]


def _token_hashes(team: Team) -> list[str]:
    with sqlite3.connect(team.db) as db:
        return [row[0] for row in db.execute("select token_hash from auth_sessions")]


def test_passwords_are_stored_as_argon2id_hashes_only(team: Team) -> None:
    hashes = _hashes(team)
    assert len(hashes) == 5 and all(h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD.encode() not in team.db.read_bytes()


def test_sign_in_gives_a_token_kept_only_as_its_hash(team: Team) -> None:
    token, user = team.accounts.sign_in("dora", PASSWORD)
    assert user.name == "dora" and user.teams_with("drafter")
    assert len(token) >= 40 and token not in _token_hashes(team)
    assert token.encode() not in team.db.read_bytes()
    resumed = team.accounts.resume(token)
    assert resumed is not None and resumed.name == "dora"
    assert team.accounts.resume(token + "x") is None


def test_wrong_password_and_unknown_name_get_the_same_message(team: Team) -> None:
    with pytest.raises(SignInError) as wrong:
        team.accounts.sign_in("dora", "not-the-password")
    with pytest.raises(SignInError) as unknown:
        team.accounts.sign_in("nobody", "not-the-password")
    assert str(wrong.value) == str(unknown.value)
    assert "name or the password is wrong" in str(wrong.value)


def test_lock_out_after_repeated_failures_even_with_the_right_password(team: Team) -> None:
    for _ in range(LOCAL["max_failures"]):
        with pytest.raises(SignInError):
            team.accounts.sign_in("rita", "wrong-password-1")
    with pytest.raises(SignInError, match="locked until"):
        team.accounts.sign_in("rita", PASSWORD)
    assert next(a for a in team.accounts.list_users() if a.name == "rita").locked
    team.clock.advance(LOCAL["lockout_minutes"] + 1)
    assert team.accounts.sign_in("rita", PASSWORD)[1].name == "rita"


def test_a_success_resets_the_failure_count(team: Team) -> None:
    for _ in range(LOCAL["max_failures"] - 1):
        with pytest.raises(SignInError):
            team.accounts.sign_in("rita", "wrong-password-1")
    team.accounts.sign_in("rita", PASSWORD)
    with pytest.raises(SignInError, match="wrong"):
        team.accounts.sign_in("rita", "wrong-password-1")
    team.accounts.sign_in("rita", PASSWORD)  # not locked: the count started again


def test_reset_unlocks_and_ends_sessions(team: Team) -> None:
    token, _ = team.accounts.sign_in("rita", PASSWORD)
    for _ in range(LOCAL["max_failures"]):
        with pytest.raises(SignInError):
            team.accounts.sign_in("rita", "wrong-password-1")
    team.accounts.reset_password("rita", "a-brand-new-pass", actor="adam")
    assert team.accounts.resume(token) is None
    assert team.accounts.sign_in("rita", "a-brand-new-pass")[1].name == "rita"
    with pytest.raises(SignInError):
        team.accounts.sign_in("rita", PASSWORD)


def test_sessions_expire_after_the_idle_timeout_and_each_use_extends_them(team: Team) -> None:
    token, _ = team.accounts.sign_in("dora", PASSWORD)
    for _ in range(3):  # used every 20 minutes: 60 minutes in all, still signed in
        team.clock.advance(LOCAL["session_minutes"] - 10)
        assert team.accounts.resume(token) is not None
    team.clock.advance(LOCAL["session_minutes"] + 1)
    assert team.accounts.resume(token) is None
    assert team.accounts.resume(token) is None  # and it stays ended


def test_disable_ends_sessions_and_refuses_sign_in(team: Team) -> None:
    token, _ = team.accounts.sign_in("bill", PASSWORD)
    team.accounts.disable_user("bill", actor="adam")
    assert team.accounts.resume(token) is None
    with pytest.raises(SignInError):
        team.accounts.sign_in("bill", PASSWORD)
    assert not next(a for a in team.accounts.list_users() if a.name == "bill").active


def test_sign_out_ends_the_session(team: Team) -> None:
    token, _ = team.accounts.sign_in("dora", PASSWORD)
    team.accounts.sign_out(token, "dora")
    assert team.accounts.resume(token) is None


@pytest.mark.parametrize(
    ("name", "password", "field"),
    [("", PASSWORD, "user name"), ("has space", PASSWORD, "user name"),
     ("dora", PASSWORD, "taken"), ("newbie", "short", "password: at least")],
)
def test_bad_account_input_names_the_field(team: Team, name: str, password: str,
                                           field: str) -> None:
    with pytest.raises(InputError, match=field) as err:
        team.accounts.add_user(name, password, actor="adam")
    assert password not in str(err.value)


def test_grant_rejects_an_unknown_role(team: Team) -> None:
    with pytest.raises(InputError, match="role 'owner' is not one of drafter, reviewer, admin"):
        team.accounts.grant("dora", "support", "owner", actor="adam")


def test_sign_ins_and_failures_are_audited_without_secrets(
    team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token, _ = team.accounts.sign_in("dora", PASSWORD)
    with pytest.raises(SignInError):
        team.accounts.sign_in("dora", "Wrong-Password-77")
    with pytest.raises(SignInError):
        team.accounts.sign_in("Typed-My-Password-Here", "x")
    rows = audit.events(team.store)
    actions = [(r.actor, r.action) for r in rows if r.action.startswith("sign_in")]
    assert actions == [("dora", "sign_in"), ("dora", "sign_in.failed"),
                       ("(unknown name)", "sign_in.failed")]
    exported = audit.export(rows, "json") + audit.export(rows, "csv")
    secrets = [PASSWORD, "Wrong-Password-77", "Typed-My-Password-Here", token, *_hashes(team),
               *_token_hashes(team)]
    for secret in secrets:
        assert secret not in exported
        assert secret not in caplog.text
