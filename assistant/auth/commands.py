"""`amends users ...` and `amends audit export`: accounts, roles and the audit log from a shell.

A command acts as the account named by ``AMENDS_USER`` (password from ``AMENDS_PASSWORD`` or a
prompt) and passes the same ``require`` as the app. Until an admin account exists, whoever can
open the database is the local operator (that is how the first admin is made). New passwords are
read from stdin (``--password-stdin``) or a prompt, never from the command line, where other
users of the machine could see them. Heavy imports wait until a command runs.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.auth.accounts import Accounts
    from assistant.auth.permissions import Principal
    from assistant.storage import Store

USER_VAR, PASSWORD_VAR = "AMENDS_USER", "AMENDS_PASSWORD"


def register(commands: Any) -> None:
    """Add the `users` and `audit` sub-commands."""
    users = commands.add_parser(
        "users",
        help="manage local accounts, teams and roles",
        description=f"Local accounts for [auth] mode = \"local\". Acts as ${USER_VAR} "
        f"(password: ${PASSWORD_VAR} or a prompt) once an admin exists. Exit 0 done, "
        "1 refused, 2 bad input.",
    )
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--grant", action="append", default=[], metavar="TEAM:ROLE",
                     help="a role to give in a team (drafter, reviewer, admin); repeatable")
    _password_option(add)
    add.set_defaults(func=run_users, action="add")
    listing = actions.add_parser("list", help="every account with its roles")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(func=run_users, action="list")
    disable = actions.add_parser("disable", help="stop an account signing in; end its sessions")
    disable.add_argument("name")
    disable.set_defaults(func=run_users, action="disable")
    reset = actions.add_parser("reset", help="set a new password; unlocks the account")
    reset.add_argument("name")
    _password_option(reset)
    reset.set_defaults(func=run_users, action="reset")
    for verb in ("grant", "revoke"):
        role = actions.add_parser(verb, help=f"{verb} a role in a team")
        role.add_argument("name")
        role.add_argument("team")
        role.add_argument("role", choices=("drafter", "reviewer", "admin"))
        role.set_defaults(func=run_users, action=verb)

    audit_parser = commands.add_parser("audit", help="export the audit log (admins)")
    audit_actions = audit_parser.add_subparsers(dest="audit_command", metavar="ACTION",
                                                required=True)
    export = audit_actions.add_parser("export", help="every audit row as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", type=Path, default=None,
                        help="write to this file instead of stdout")
    export.set_defaults(func=run_audit_export)


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the new password from the first line of stdin")


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = _ask(f"New password for {args.name}: ",
                 "password: give it on stdin with --password-stdin, or run in a terminal")
    if _ask("Again: ", "password: no terminal to ask in") != first:
        raise InputError("password: the two entries differ")
    return first


def _ask(prompt: str, no_terminal: str) -> str:
    """A password typed at the terminal (getpass reads the terminal, not stdin, which may be
    carrying the new password); InputError ``no_terminal`` when there is none."""
    try:
        with open("/dev/tty", "rb"):
            pass
    except OSError:
        raise InputError(no_terminal) from None
    return getpass.getpass(prompt)


def _accounts() -> Accounts:
    from assistant.auth.accounts import Accounts
    from assistant.auth.config import load_auth_config
    from assistant.settings import get_settings
    from assistant.storage import Store

    return Accounts(Store(get_settings().resolved_database_url()), load_auth_config())


def command_user(accounts: Accounts) -> Principal:
    """Who this command acts as: ``AMENDS_USER`` signed in, else the operator until an admin
    exists; PermissionDenied when an admin exists and no one signed in."""
    from assistant import identity
    from assistant.auth.permissions import PermissionDenied, Principal

    name = os.environ.get(USER_VAR, "").strip()
    if name:
        password = os.environ.get(PASSWORD_VAR)
        if password is None:
            password = _ask(f"Password for {name}: ",
                            f"{PASSWORD_VAR}: not set, and there is no terminal to ask in")
        user = accounts.verify(name, password)
        identity.set_command_user(user)
        return user
    if accounts.has_admin():
        raise PermissionDenied(
            f"sign in first: set {USER_VAR} to an admin's account (and {PASSWORD_VAR}, or type "
            "it when asked)"
        )
    return Principal(name=identity.local_name(), operator=True)


def command_store(store: Store) -> Store:
    """The store a case command may use: scoped to ``AMENDS_USER`` once accounts are in use
    (an admin exists, or a user is named), else the plain store of the single-user default."""
    from assistant.auth.accounts import Accounts
    from assistant.auth.config import load_auth_config
    from assistant.auth.scoped import ScopedStore

    accounts = Accounts(store, load_auth_config())
    if not os.environ.get(USER_VAR, "").strip() and not accounts.has_admin():
        return store
    user = command_user(accounts)
    return store if user.operator else ScopedStore(store, user)


def run_users(args: argparse.Namespace) -> int:
    """One `amends users` action, after the permission check."""
    from assistant.auth.permissions import require

    accounts = _accounts()
    user = command_user(accounts)
    if args.action == "list":
        require(user, "users.manage")
        _print_accounts(accounts, args.format)
        return 0
    if args.action in ("grant", "revoke"):
        _require_team(accounts, user, args.team)
        getattr(accounts, args.action)(args.name, args.team, args.role, user.name)
        print(f"amends: {args.action}ed {args.role} in {args.team} for {args.name}")
        return 0
    require(user, "users.manage")
    if args.action == "add":
        grants = [_grant(value) for value in args.grant]
        for team, _role in grants:
            _require_team(accounts, user, team)
        accounts.add_user(args.name, _new_password(args), user.name)
        for team, role in grants:
            accounts.grant(args.name, team, role, user.name)
        print(f"amends: added {args.name}" + "".join(f", {r} in {t}" for t, r in grants))
    elif args.action == "disable":
        accounts.disable_user(args.name, user.name)
        print(f"amends: disabled {args.name}; their sessions have ended")
    elif args.action == "reset":
        accounts.reset_password(args.name, _new_password(args), user.name)
        print(f"amends: new password set for {args.name}; the account is unlocked")
    return 0


def _grant(value: str) -> tuple[str, str]:
    team, _, role = value.partition(":")
    if not team or role not in ("drafter", "reviewer", "admin"):
        raise InputError(f"--grant {value!r}: write TEAM:ROLE, ROLE one of drafter, reviewer, "
                         "admin")
    return team, role


def _require_team(accounts: Accounts, user: Principal, team: str) -> None:
    """Managing a team's members needs its admin role (a new team: any admin)."""
    from assistant.auth.permissions import require

    try:
        team_id = accounts.team_id(team)
    except InputError:
        require(user, "users.manage")
        return
    require(user, "team.manage", team_id=team_id)


def _print_accounts(accounts: Accounts, fmt: str) -> None:
    rows = accounts.list_users()
    if fmt == "json":
        json.dump([row.model_dump() for row in rows], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for row in rows:
        state = "active" if row.active else "disabled"
        if row.locked:
            state += ", locked"
        roles = ", ".join(f"{m.role} in {m.team}" for m in row.memberships) or "no roles"
        print(f"{row.name:<30} {state:<18} {roles}")
    if not rows:
        print("no accounts yet: `amends users add NAME --grant TEAM:admin --password-stdin`")


def run_audit_export(args: argparse.Namespace) -> int:
    """Every audit row the user may see (an admin's teams and the account rows)."""
    from assistant.auth import audit
    from assistant.auth.permissions import require

    accounts = _accounts()
    user = command_user(accounts)
    require(user, "audit.view")
    teams = None if user.operator else user.teams_with("admin")
    text = audit.export(audit.events(accounts.store, teams), args.format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--output {args.output}: cannot write: {exc.strerror}") from None
        print(f"amends: wrote the audit log to {args.output}", file=sys.stderr)
    return 0
