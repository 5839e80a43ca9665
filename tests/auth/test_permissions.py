"""The one permission check and the scoped store on a real database: every role against every
action of permissions.toml, team isolation, nobody approving their own draft, and the audit log
being append-only in the database itself."""

from __future__ import annotations

import inspect
import sqlite3
import tomllib

import pytest

from assistant.auth import audit
from assistant.auth.permissions import (
    PERMISSIONS_FILE,
    CaseScope,
    PermissionDenied,
    Principal,
    actions,
    allowed,
    require,
)
from assistant.auth.scoped import ScopedStore, case_scope
from assistant.storage import Store
from tests.auth.conftest import PEOPLE, Team

TABLE = tomllib.loads(PERMISSIONS_FILE.read_text())["actions"]


def test_every_action_has_a_message() -> None:
    messages = tomllib.loads(PERMISSIONS_FILE.read_text())["messages"]
    assert set(messages) == set(TABLE) == set(actions())


@pytest.mark.parametrize("name", sorted(PEOPLE))
@pytest.mark.parametrize("action", sorted(TABLE))
def test_each_role_may_do_exactly_what_the_table_says(team: Team, name: str, action: str) -> None:
    user = team.accounts.principal(name)
    team_name, role = PEOPLE[name]
    support = team.accounts.team_id("support")
    case = CaseScope(case_id=1, team_id=support, created_by="someone-else")
    scope = case if action.startswith("case.") else None
    expected = role in TABLE[action] and (scope is None or team_name == "support")
    assert allowed(user, action, scope) is expected
    if not expected:
        with pytest.raises(PermissionDenied, match=f"{name} may not do this"):
            require(user, action, scope)


def test_nobody_approves_their_own_draft(team: Team) -> None:
    rita = team.accounts.principal("rita")
    support = team.accounts.team_id("support")
    team.accounts.grant("rita", "support", "drafter", actor="adam")
    rita = team.accounts.principal("rita")
    own = CaseScope(case_id=3, team_id=support, created_by="rita")
    edited = CaseScope(case_id=4, team_id=support, created_by="dora", authors=frozenset({"rita"}))
    other = CaseScope(case_id=5, team_id=support, created_by="dora", authors=frozenset({"dora"}))
    for case in (own, edited):
        with pytest.raises(PermissionDenied, match="nobody approves their own draft"):
            require(rita, "case.approve", case)
    require(rita, "case.approve", other)


def test_a_case_without_a_team_is_nobodys_but_the_operators() -> None:
    admin = Principal(name="a", roles={1: frozenset({"admin", "drafter", "reviewer"})})
    orphan = CaseScope(case_id=9, team_id=None)
    assert not any(allowed(admin, action, orphan) for action in TABLE if action.startswith("case"))
    assert allowed(Principal(name="me", operator=True), "case.delete", orphan)


def test_the_scoped_store_overrides_every_public_store_method() -> None:
    public = {name for name, _ in inspect.getmembers(Store, inspect.isfunction)
              if not name.startswith("_")} - {"dispose"}
    assert {"get_case", "list_cases", "delete_case", "add_version"} <= public
    missing = [name for name in public if getattr(ScopedStore, name) is getattr(Store, name)]
    assert not missing, f"unscoped store methods (add them to ScopedStore): {missing}"


def test_drafters_work_in_their_team_and_see_no_other(team: Team) -> None:
    dora, bill = team.scoped("dora"), team.scoped("bill")
    mine = dora.create_case("Support incident", {"what": "x"})
    theirs = bill.create_case("Billing incident")
    assert [c.id for c in dora.list_cases()] == [mine.id]
    assert [c.id for c in bill.list_cases()] == [theirs.id]
    assert dora.find_case(theirs.id) is None
    for attempt in (
        lambda: dora.get_case(theirs.id),
        lambda: dora.versions(theirs.id),
        lambda: dora.export_case(theirs.id),
        lambda: dora.update_case(theirs.id, title="mine now"),
        lambda: dora.add_version(theirs.id, "text", source="edited"),
        lambda: dora.duplicate_case(theirs.id),
        lambda: dora.delete_case(theirs.id),
    ):
        with pytest.raises(PermissionDenied, match="not one of your teams' cases"):
            attempt()
    assert team.store.get_case(theirs.id).title == "Billing incident"
    # a missing case is refused in the same words as another team's
    with pytest.raises(PermissionDenied, match="not one of your teams' cases"):
        dora.get_case(9999)


def test_reviewers_and_admins_read_but_only_drafters_write(team: Team) -> None:
    case = team.scoped("dora").create_case("Support incident")
    team.scoped("dora").add_version(case.id, "Dear Sam,", source="edited")
    rita, adam = team.scoped("rita"), team.scoped("adam")
    assert rita.get_case(case.id).title == "Support incident" and rita.versions(case.id)
    for store in (rita, adam):
        with pytest.raises(PermissionDenied, match="drafter role"):
            store.create_case("not allowed")
        with pytest.raises(PermissionDenied, match="editing this case needs the drafter"):
            store.update_case(case.id, title="renamed")
        with pytest.raises(PermissionDenied, match="editing this case needs the drafter"):
            store.add_version(case.id, "changed", source="edited")
        with pytest.raises(PermissionDenied, match="drafter role"):
            store.duplicate_case(case.id)
    with pytest.raises(PermissionDenied, match="deleting this case needs"):
        rita.delete_case(case.id)
    adam.delete_case(case.id)  # admins may delete their team's cases
    assert team.store.find_case(case.id) is None


def test_authors_are_recorded_for_the_approval_check(team: Team) -> None:
    case = team.scoped("dora").create_case("Support incident")
    team.scoped("dan").add_version(case.id, "Dear Sam, v1", source="edited")
    scope = case_scope(team.store, case.id)
    assert scope is not None and scope.created_by == "dora" and scope.authors == {"dan"}
    team.accounts.grant("dan", "support", "reviewer", actor="adam")
    with pytest.raises(PermissionDenied, match="own draft"):
        require(team.accounts.principal("dan"), "case.approve", scope)
    require(team.accounts.principal("rita"), "case.approve", scope)


def test_every_write_leaves_an_audit_row_with_ids_only(team: Team) -> None:
    dora = team.scoped("dora")
    case = dora.create_case("Secret-ish title", {"what_happened": "SENSITIVE FACT"})
    dora.update_case(case.id, facts={"what_happened": "SENSITIVE FACT 2"})
    version = dora.add_version(case.id, "SENSITIVE DRAFT BODY", source="edited")
    copy = dora.duplicate_case(case.id)
    dora.delete_case(copy.id)
    rows = [r for r in audit.events(team.store) if r.case_id is not None]
    assert [(r.actor, r.action, r.case_id) for r in rows] == [
        ("dora", "case.create", case.id),
        ("dora", "case.edit", case.id),
        ("dora", "version.create", case.id),
        ("dora", "case.create", copy.id),
        ("dora", "version.create", copy.id),
        ("dora", "case.delete", copy.id),
    ]
    assert version is not None and rows[2].version_id == version.id
    assert {r.team_id for r in rows} == {team.accounts.team_id("support")}
    exported = audit.export(rows, "csv") + audit.export(rows, "json")
    for text in ("SENSITIVE", "Secret-ish"):
        assert text not in exported


def test_the_audit_log_refuses_updates_and_deletes_in_the_database(team: Team) -> None:
    audit.record(team.store, "dora", "case.create", case_id=1)
    with sqlite3.connect(team.db) as db:
        for sql in ("update audit_events set actor = 'x'", "delete from audit_events"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(sql)
        assert db.execute("select count(*) from audit_events").fetchone()[0] > 0


def test_audit_export_formats(team: Team) -> None:
    audit.record(team.store, "dora", "case.create", case_id=7, team_id=1, detail="x")
    rows = [r for r in audit.events(team.store) if r.case_id == 7]
    csv_text = audit.export(rows, "csv")
    assert csv_text.splitlines()[0] == "id,at,actor,action,case_id,version_id,team_id,detail"
    assert ",dora,case.create,7,,1,x" in csv_text.splitlines()[1]
    assert '"action": "case.create"' in audit.export(rows, "json")
    assert audit.events(team.store, team_ids=[2]) == [
        r for r in audit.events(team.store) if r.team_id in (None, 2)
    ]


def test_review_steps_are_checked_for_the_review_flow(team: Team) -> None:
    case = team.scoped("dora").create_case("Support case")
    version = team.scoped("dora").add_version(case.id, "Dear Sam,", source="edited")
    assert version is not None
    team.scoped("dora").require_status(version.id, "in_review")
    for name, status, reason in (("dora", "approved", "reviewer role"),
                                 ("bill", "approved", "not one of your teams"),
                                 ("dora", "sent", "reviewer role"),
                                 ("rita", "in_review", "drafter role")):
        with pytest.raises(PermissionDenied, match=reason):
            team.scoped(name).require_status(version.id, status)
    with pytest.raises(PermissionDenied, match="not one of your teams"):
        team.scoped("rita").require_status(version.id + 100, "approved")  # no such version
    team.accounts.grant("dora", "support", "reviewer", actor="adam")
    with pytest.raises(PermissionDenied, match="nobody approves their own draft"):
        team.scoped("dora").require_status(version.id, "approved")
    rita = team.scoped("rita")
    rita.record_status(rita.require_status(version.id, "approved"), version.id, "approved")
    rita.record_status(rita.require_status(version.id, "sent"), version.id, "sent")
    steps = [(r.actor, r.action, r.version_id) for r in audit.events(team.store)
             if r.action in ("case.review", "case.approve", "case.send")]
    assert steps == [("rita", "case.approve", version.id), ("rita", "case.send", version.id)]
