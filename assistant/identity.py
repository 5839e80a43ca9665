"""Who is acting: the one place pages and commands ask for the current user's name.

In the single-user default (no sign-in) the actor is the local user. Sign-in modes replace this
with the signed-in account; every audit, approval and ledger change records what this returns.
"""

from __future__ import annotations

import getpass

LOCAL_ACTOR_FALLBACK = "local user"


def current_actor() -> str:
    """The name recorded on approvals, ledger changes and audit rows."""
    try:
        return getpass.getuser() or LOCAL_ACTOR_FALLBACK
    except (KeyError, OSError):
        return LOCAL_ACTOR_FALLBACK
