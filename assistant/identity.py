"""Who is acting: the one place pages and commands ask for the current user.

In the single-user default (no sign-in) the actor is the local user, who may do everything.
With sign-in, it is the account signed in to this browser session (kept in the session state by
the sign-in gate) or, for a command, the account the command signed in as. Every audit,
approval and ledger change records what :func:`current_actor` returns.
"""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.auth.permissions import Principal

LOCAL_ACTOR_FALLBACK = "local user"
SESSION_USER_KEY = "auth.user"
_command_user: list[Principal] = []


def local_name() -> str:
    """The operating-system user, or a fallback when it cannot be found."""
    try:
        return getpass.getuser() or LOCAL_ACTOR_FALLBACK
    except (KeyError, OSError):
        return LOCAL_ACTOR_FALLBACK


def set_command_user(user: Principal | None) -> None:
    """A command signed in as ``user`` (None: back to the local user)."""
    _command_user.clear()
    if user is not None:
        _command_user.append(user)


def _session_user() -> Principal | None:
    """The user signed in to the current Streamlit session, when running inside one."""
    if not _in_session():
        return None
    import streamlit as st

    from assistant.auth.permissions import Principal

    user = st.session_state.get(SESSION_USER_KEY)
    return user if isinstance(user, Principal) else None


def current_user() -> Principal | None:
    """The signed-in account (app session, else command); None in the single-user default."""
    return _session_user() or (_command_user[0] if _command_user else None)


def current_principal() -> Principal:
    """The signed-in account; else, in the single-user default, the local user as operator
    (allowed everything). An app session that must sign in and has not gets no rights at all."""
    from assistant.auth.permissions import Principal

    user = current_user()
    if user is not None:
        return user
    if _in_session():
        from assistant.auth.gate import app_config

        if app_config().signs_in:
            return Principal(name="(not signed in)")
    return Principal(name=local_name(), operator=True)


def _in_session() -> bool:
    if "streamlit" not in sys.modules:  # a command: do not import Streamlit just to ask
        return False
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return False
    return get_script_run_ctx(suppress_warning=True) is not None


def current_actor() -> str:
    """The name recorded on approvals, ledger changes and audit rows."""
    user = current_user()
    return user.name if user is not None else local_name()
