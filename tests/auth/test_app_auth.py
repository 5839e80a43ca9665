"""The real app (AppTest) with ``[auth] mode = "local"`` in its secrets: the sign-in form, lock-out
and expiry on an injected clock, and every role trying every forbidden action directly, on every
page, including crafted ``?case=N`` links to another team's case."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from assistant.auth import audit
from tests.app.conftest import APP, page_text
from tests.auth.conftest import LOCAL, PASSWORD, Team, sign_in, signed_in, team_app

PAGES = ("draft", "check", "compare", "examples", "history", "settings", "audit")


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _titles(at: AppTest) -> list[str]:
    return [str(t.value) for t in at.title]


def test_nothing_shows_before_sign_in_whatever_the_page_or_link(team: Team) -> None:
    case = team.scoped("dora").create_case("Private support case")
    for page in PAGES:
        at = team_app()
        at.query_params["case"] = str(case.id)
        at.run()
        if page != "draft":
            at.switch_page(f"app_pages/{page}.py").run()
        _no_exception(at)
        assert _titles(at) == ["Sign in to Amends"], page
        assert "Private support case" not in page_text(at)
        assert at.text_input(key="auth.password").proto.type == 1  # a password box


def test_sign_in_wrong_then_right(team: Team, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    at = sign_in(team_app().run(), "dora", "not-my-password")
    assert "the name or the password is wrong" in page_text(at)
    assert _titles(at) == ["Sign in to Amends"]
    at = sign_in(at, "dora")
    assert _titles(at) == ["Draft a recovery email"]
    assert "Signed in as" in page_text(at) and "support (drafter)" in page_text(at)
    token = at.session_state["auth.token"]
    actions = [(r.actor, r.action) for r in audit.events(team.store)
               if r.action.startswith("sign_in")]
    assert actions == [("dora", "sign_in.failed"), ("dora", "sign_in")]
    with sqlite3.connect(team.db) as db:
        hashes = [r[0] for r in db.execute("select password_hash from users")]
    for secret in (PASSWORD, "not-my-password", token, *hashes):
        assert secret not in caplog.text
        assert secret not in page_text(at)
    assert "auth.password" not in at.session_state or not at.session_state["auth.password"]


def test_lock_out_in_the_app_and_unlock_after_the_lock_out(team: Team) -> None:
    at = team_app().run()
    for _ in range(LOCAL["max_failures"]):
        at = sign_in(at, "rita", "guessing-wrong-1")
    at = sign_in(at, "rita")
    assert "locked until" in page_text(at) and _titles(at) == ["Sign in to Amends"]
    team.clock.advance(LOCAL["lockout_minutes"] + 1)
    at = sign_in(at, "rita")
    assert "Signed in as" in page_text(at)


def test_an_idle_session_expires_and_asks_to_sign_in_again(team: Team) -> None:
    at = signed_in("dora", "history")
    team.clock.advance(LOCAL["session_minutes"] - 1)
    at.run()
    assert _titles(at) == ["History"]
    team.clock.advance(LOCAL["session_minutes"] + 1)
    at.run()
    _no_exception(at)
    assert _titles(at) == ["Sign in to Amends"]
    assert "Your session ended after 30 minutes without use" in page_text(at)
    assert "auth.user" not in at.session_state


def test_sign_out_ends_the_session(team: Team) -> None:
    at = signed_in("dora")
    token = at.session_state["auth.token"]
    at.button(key="auth.sign_out").click().run()
    assert _titles(at) == ["Sign in to Amends"]
    assert team.accounts.resume(token) is None


def test_a_drafter_creates_cases_in_their_team_on_check(team: Team) -> None:
    at = signed_in("dora", "check")
    at.text_area(key="c.text").input("Dear Sam, we are sorry if you felt let down.").run()
    _no_exception(at)
    cases = team.store.list_cases()
    assert len(cases) == 1
    scope = team.scoped("dora").get_case(cases[0].id)
    assert scope.latest is not None
    owner = team.scoped("adam").find_case(cases[0].id)
    assert owner is not None  # in support, so support's admin sees it
    assert team.scoped("bill").find_case(cases[0].id) is None
    assert {r.action for r in audit.events(team.store) if r.case_id == cases[0].id} == {
        "case.create", "version.create"}


@pytest.mark.parametrize("page", ["draft", "check", "history", "compare"])
def test_a_crafted_link_to_another_teams_case_shows_nothing_of_it(team: Team, page: str) -> None:
    theirs = team.scoped("bill").create_case("Billing secret case", {"title": "Billing secret"})
    team.scoped("bill").add_version(theirs.id, "Billing secret draft body", source="edited")
    at = signed_in("dora", page, case=str(theirs.id))
    _no_exception(at)
    text = page_text(at)
    assert "Billing secret" not in text
    assert f"Case #{theirs.id} is not available to you" in text
    assert str(theirs.id) not in list(at.query_params.get("case") or [])
    assert team.store.get_case(theirs.id).version_count == 1  # untouched


def test_a_link_to_a_missing_case_gets_the_same_message(team: Team) -> None:
    at = signed_in("dora", "history", case="4242")
    assert "Case #4242 is not available to you: it does not exist or belongs to a team" in (
        page_text(at))


def test_history_lists_only_the_users_teams_cases(team: Team) -> None:
    team.scoped("dora").create_case("Support case one")
    team.scoped("bill").create_case("Billing case two")
    text = page_text(signed_in("rita", "history"))
    at = signed_in("bill", "history")
    assert "Support case one" in text and "Billing case two" not in text
    assert "Billing case two" in page_text(at) and "Support case one" not in page_text(at)


@pytest.mark.parametrize("name", ["rita", "adam"])
@pytest.mark.parametrize("page", ["draft", "check"])
def test_non_drafters_cannot_use_the_editing_pages(team: Team, name: str, page: str) -> None:
    at = signed_in(name, page)
    _no_exception(at)
    assert "cannot use this page: creating cases needs the drafter role" in page_text(at)
    assert not at.text_area  # no form to type into
    assert team.store.list_cases() == []


def test_a_drafter_in_another_role_for_the_case_gets_it_read_only(team: Team) -> None:
    case = team.scoped("dora").create_case("Support case")
    team.accounts.grant("bill", "support", "reviewer", actor="adam")
    at = signed_in("bill", "draft", case=str(case.id))
    assert f"Case #{case.id} is read-only for you" in page_text(at)
    assert not at.text_input


def test_a_reviewer_cannot_delete_or_duplicate_from_history(team: Team) -> None:
    case = team.scoped("dora").create_case("Support case")
    at = signed_in("rita", "history", case=str(case.id))
    at.checkbox(key=f"h.confirm.{case.id}").check().run()
    at.button(key="h.delete").click().run()
    _no_exception(at)
    assert "deleting this case needs the drafter or admin role" in page_text(at)
    at.button(key="h.duplicate").click().run()
    _no_exception(at)
    assert "creating cases needs the drafter role" in page_text(at)
    assert [c.id for c in team.store.list_cases()] == [case.id]


def test_a_drafter_deletes_their_teams_case_and_it_is_audited(team: Team) -> None:
    case = team.scoped("dora").create_case("Support case")
    at = signed_in("dan", "history", case=str(case.id))
    at.checkbox(key=f"h.confirm.{case.id}").check().run()
    at.button(key="h.delete").click().run()
    _no_exception(at)
    assert team.store.list_cases() == []
    assert ("dan", "case.delete", case.id) in [
        (r.actor, r.action, r.case_id) for r in audit.events(team.store)]


def test_only_admins_get_the_audit_log(team: Team) -> None:
    team.scoped("dora").create_case("Support case")
    at = signed_in("adam", "audit")
    _no_exception(at)
    assert _titles(at) == ["Audit log"]
    shown = at.dataframe[0].value
    assert "case.create" in set(shown["action"]) and "sign_in" in set(shown["action"])
    for name in ("dora", "rita", "bill"):
        at = signed_in(name)
        at.switch_page("app_pages/audit.py").run()
        _no_exception(at)
        assert "cannot use this page: the audit log is for admins" in page_text(at)
        assert not at.dataframe and not at.get("download_button")


def test_only_admins_change_the_house_rubrics(team: Team, tmp_path) -> None:
    house = tmp_path / "house"
    house.mkdir()
    for name, allowed in (("rita", False), ("adam", True)):
        at = signed_in(name, "settings")
        at.text_area(key="settings.rubric_input").input(str(house)).run()
        _no_exception(at)
        assert ("settings.rubric_paths" in at.session_state) is allowed, name


# What Streamlit's st.login needs beside the mode (never contacted: AppTest seeds st.user).
OIDC = {"mode": "oidc", "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "cookie-secret-for-tests", "client_id": "amends",
        "client_secret": "client-secret-for-tests",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def test_oidc_users_get_the_roles_of_their_account_and_nothing_before_login(team: Team) -> None:
    case = team.scoped("dora").create_case("Support case")
    at = team_app(**OIDC)
    at.user = {"is_logged_in": False}
    at.run()
    _no_exception(at)
    assert _titles(at) == ["Sign in to Amends"] and "Support case" not in page_text(at)
    at = team_app(**OIDC)
    at.user = {"is_logged_in": True, "email": "rita", "name": "Rita"}
    at.run()
    at.switch_page("app_pages/history.py").run()
    _no_exception(at)
    assert "Support case" in page_text(at) and "support (reviewer)" in page_text(at)
    at = team_app(**OIDC)
    at.user = {"is_logged_in": True, "email": "stranger@example.org"}
    at.run()
    at.switch_page("app_pages/history.py")
    at.query_params["case"] = str(case.id)
    at.run()
    _no_exception(at)
    assert "Support case" not in page_text(at)
    assert "stranger@example.org" in page_text(at) and "no team yet" in page_text(at)


def test_a_drafter_types_an_incident_on_draft_and_it_is_their_teams(team: Team) -> None:
    at = signed_in("dora")
    at.text_input(key="f.title").input("Payroll outage on pay day").run()
    _no_exception(at)
    (case,) = team.store.list_cases()
    assert case.title == "Payroll outage on pay day"
    assert team.scoped("rita").find_case(case.id) is not None
    assert team.scoped("bill").find_case(case.id) is None
    assert ("dora", "case.create") in [(r.actor, r.action) for r in audit.events(team.store)]


def test_mode_none_is_todays_app_with_nothing_recorded(team: Team) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()  # no [auth] at all
    _no_exception(at)
    assert _titles(at) == ["Draft a recovery email"] and "auth.user" not in at.session_state
    at.text_input(key="f.title").input("Single-user case").run()
    _no_exception(at)
    assert [c.title for c in team.store.list_cases()] == ["Single-user case"]
    with sqlite3.connect(team.db) as db:
        assert db.execute("select count(*) from case_owners").fetchone()[0] == 0
        actions = {r[0] for r in db.execute("select action from audit_events")}
    assert actions <= {"user.add", "role.grant"}  # only the fixture's account setup


def test_a_misconfigured_mode_keeps_the_app_closed_with_one_message(team: Team) -> None:
    team.scoped("dora").create_case("Support case")
    at = team_app(mode="ldap").run()
    _no_exception(at)
    assert "Sign-in is misconfigured" in page_text(at) and "[auth] mode" in page_text(at)
    assert "'ldap'" in page_text(at) and "Support case" not in page_text(at)
    assert not at.text_input and not at.text_area


def test_a_role_revoked_mid_session_is_a_message_when_the_next_edit_saves(team: Team) -> None:
    """Autosave runs in widget callbacks: a refusal there used to end in a traceback. The edit
    is refused with the permission's message, and nothing of the case is changed."""
    at = signed_in("dora")
    at.text_input(key="f.title").input("Payroll outage on pay day").run()
    _no_exception(at)
    (case,) = team.store.list_cases()
    team.accounts.revoke("dora", "support", "drafter", actor="adam")
    at.text_input(key="f.title").input("Renamed after the revoke").run()
    _no_exception(at)
    assert "drafter role" in page_text(at)
    assert team.store.get_case(case.id).title == "Payroll outage on pay day"
