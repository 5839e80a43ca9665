"""`amends users` and `amends audit export` as real subprocesses on a real SQLite file: the first
admin bootstraps, then every command needs an admin signed in through AMENDS_USER and
AMENDS_PASSWORD; each other role is refused (exit 1); bad input exits 2 with one plain line; no
password, hash or token appears in any output or in the export."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.conftest import ROOT
from tests.auth.conftest import PASSWORD, Team

pytestmark = pytest.mark.slow  # each run starts Python and hashes or verifies with Argon2


def amends(db: Path, *args: str, user: str | None = None, password: str | None = PASSWORD,
           stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMENDS_")}
    env.update({"AMENDS_DATABASE_URL": f"sqlite:///{db}", "AMENDS_HOME": str(db.parent)})
    if user is not None:
        env["AMENDS_USER"] = user
        if password is not None:
            env["AMENDS_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
                          start_new_session=True)  # no terminal: prompts must not wait


def test_the_first_admin_bootstraps_then_admins_only(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    first = amends(db, "users", "add", "ada", "--grant", "ops:admin", "--password-stdin",
                   stdin="first-admin-pass\n")
    assert first.returncode == 0, first.stderr
    assert "added ada, admin in ops" in first.stdout
    again = amends(db, "users", "add", "eve", "--password-stdin", stdin="another-pass-1\n")
    assert again.returncode == 1 and "sign in first: set AMENDS_USER" in again.stderr
    ok = amends(db, "users", "add", "eve", "--grant", "ops:drafter", "--password-stdin",
                stdin="another-pass-1\n", user="ada", password="first-admin-pass")
    assert ok.returncode == 0, ok.stderr
    listing = amends(db, "users", "list", "--format", "json", user="ada",
                     password="first-admin-pass")
    rows = {row["name"]: row for row in json.loads(listing.stdout)}
    assert rows["eve"]["memberships"] == [{"team": "ops", "role": "drafter"}]
    for output in (first, again, ok, listing):
        for secret in ("first-admin-pass", "another-pass-1", "$argon2"):
            assert secret not in output.stdout + output.stderr


@pytest.mark.parametrize("name", ["dora", "rita", "bill"])
@pytest.mark.parametrize("command", [
    ("users", "list"),
    ("users", "add", "mallory", "--password-stdin"),
    ("users", "disable", "adam"),
    ("users", "reset", "adam", "--password-stdin"),
    ("users", "grant", "{name}", "support", "admin"),
    ("users", "revoke", "adam", "support", "admin"),
    ("audit", "export"),
])
def test_other_roles_are_refused_every_command(team: Team, name: str,
                                               command: tuple[str, ...]) -> None:
    args = [part.format(name=name) for part in command]
    result = amends(team.db, *args, user=name, stdin="mallory-password-1\n")
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert f"{name} may not do this" in result.stderr and "Traceback" not in result.stderr
    assert [a.name for a in team.accounts.list_users()] == ["adam", "bill", "dan", "dora", "rita"]
    assert team.accounts.principal(name).teams_with("admin") == []


def test_a_wrong_password_is_refused_and_audited(team: Team) -> None:
    result = amends(team.db, "audit", "export", user="adam", password="Not-Adams-Password")
    assert result.returncode == 1 and "the name or the password is wrong" in result.stderr
    assert "Not-Adams-Password" not in result.stdout + result.stderr
    export = amends(team.db, "audit", "export", "--format", "json", user="adam")
    rows = json.loads(export.stdout)
    assert {"actor": "adam", "action": "sign_in.failed"}.items() <= rows[-2].items()
    assert "Not-Adams-Password" not in export.stdout


def test_admin_manages_accounts_and_exports_the_log(team: Team, tmp_path: Path) -> None:
    adam = {"user": "adam"}
    assert amends(team.db, "users", "disable", "bill", **adam).returncode == 0
    reset = amends(team.db, "users", "reset", "rita", "--password-stdin", stdin="ritas-new-pass\n",
                   **adam)
    assert reset.returncode == 0 and "unlocked" in reset.stdout
    assert amends(team.db, "users", "grant", "dora", "support", "reviewer", **adam).returncode == 0
    listing = amends(team.db, "users", "list", **adam).stdout
    assert "bill" in listing and "disabled" in listing and "reviewer in support" in listing
    out = tmp_path / "audit.csv"
    export = amends(team.db, "audit", "export", "--output", str(out), **adam)
    assert export.returncode == 0, export.stderr
    text = out.read_text()
    assert text.startswith("id,at,actor,action,case_id,version_id,team_id,detail\n")
    for action in ("user.disable", "user.reset", "role.grant", "sign_in"):
        assert f",adam,{action}," in text
    with sqlite3.connect(team.db) as db:
        hashes = [r[0] for r in db.execute("select password_hash from users")]
    for secret in (PASSWORD, "ritas-new-pass", *hashes):
        assert secret not in text and secret not in listing


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("users", "add", "newbie", "--password-stdin"), "short\n", "password: at least 10"),
    (("users", "add", "bad name", "--password-stdin"), "long-enough-pass\n", "user name"),
    (("users", "disable", "ghost"), "", "no account called 'ghost'"),
    (("users", "add", "x1", "--grant", "support", "--password-stdin"), "long-enough-pass\n",
     "write TEAM:ROLE"),
    (("users", "add", "newbie"), "", "give it on stdin with --password-stdin"),
])
def test_bad_input_exits_2_with_one_plain_line(team: Team, args: tuple[str, ...], stdin: str,
                                               message: str) -> None:
    result = amends(team.db, *args, user="adam", stdin=stdin)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_ledger_commands_see_and_change_only_the_users_teams_commitments(team: Team) -> None:
    from assistant.ledger_models import LedgerEntryDraft

    dora, rita = team.scoped("dora"), team.scoped("rita")
    case = dora.create_case("Support case")
    version = dora.add_version(case.id, "Dear Sam, Mei will fix it by Friday.", source="edited")
    assert version is not None
    dora.change_status(version.id, "in_review", actor="dora")
    rita.change_status(version.id, "approved", actor="rita", entries=[
        LedgerEntryDraft(action="Fix the export", owner="Mei", due=dt.date(2030, 1, 4))])
    (entry,) = rita.ledger_entries(case.id)
    theirs = amends(team.db, "ledger", "list", "--format", "json", user="bill")
    assert theirs.returncode == 0, theirs.stderr
    assert json.loads(theirs.stdout)["entries"] == []
    ours = amends(team.db, "ledger", "list", "--format", "json", user="rita")
    assert [e["id"] for e in json.loads(ours.stdout)["entries"]] == [entry.id]
    refused = amends(team.db, "ledger", "done", str(entry.id), "--proof", "shipped", user="bill")
    assert refused.returncode == 1 and "bill may not do this" in refused.stderr
    nobody = amends(team.db, "ledger", "list")
    assert nobody.returncode == 1 and "sign in first" in nobody.stderr
    done = amends(team.db, "ledger", "done", str(entry.id), "--proof", "shipped", user="dora")
    assert done.returncode == 0, done.stderr
    assert "proof recorded by dora" in done.stdout
    assert rita.ledger_entry(entry.id).status == "done"
