"""Sign-in through the organisation's OpenID Connect provider, with Streamlit's own st.login.

Turned on by ``mode = "oidc"`` in the ``[auth]`` section of ``.streamlit/secrets.toml``, beside
Streamlit's own settings for it (``redirect_uri``, ``cookie_secret``, ``client_id``,
``client_secret``, ``server_metadata_url``; Authlib does the protocol). :func:`gate` is what the
app's auth-mode switch (``assistant.auth.gate``) calls on every run: without a signed-in user it
shows a sign-in button and stops the page; with one it returns the identity (``st.user.email``,
else ``sub``) and puts a sign-out button in the sidebar (the gate says who is signed in). The
secrets' values are registered with the redactor by ``ui.load_secret_keys`` and never shown.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

import streamlit as st

MODE = "oidc"
REQUIRED = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
SESSION_KEY = "auth.identity"


def auth_section() -> Mapping[str, Any]:
    """The ``[auth]`` section of the secrets, or empty when there is none (or no file)."""
    try:
        section = st.secrets.get("auth", {})
    except Exception:  # no secrets file, or one that is not TOML: sign-in is simply off
        return {}
    return section if isinstance(section, Mapping) else {}


def enabled() -> bool:
    """Whether ``[auth] mode = "oidc"`` asks for sign-in with an OpenID provider."""
    return str(auth_section().get("mode", "")).strip().lower() == MODE


def problems(section: Mapping[str, Any]) -> list[str]:
    """What stops sign-in from working, each naming the setting or package (empty: none)."""
    found = [f"[auth] {key} is missing" for key in REQUIRED if not section.get(key)]
    redirect = str(section.get("redirect_uri") or "")
    if redirect and not redirect.rstrip("/").endswith("/oauth2callback"):
        found.append("[auth] redirect_uri must be the app's address ending in /oauth2callback")
    if importlib.util.find_spec("authlib") is None:
        found.append("Authlib is not installed (pip install 'amends[auth]')")
    return found


def identity() -> str | None:
    """The signed-in user's identity (email, else the provider's subject), or None."""
    user = st.user
    if not user.get("is_logged_in", False):  # absent (not only False) until a sign-in
        return None
    for claim in ("email", "sub"):
        value = user.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def gate() -> str | None:
    """Sign-in first when ``mode = "oidc"``; the signed-in identity, or None when it is off.

    Stops the page (``st.stop``) until the user has signed in; a misconfiguration is one plain
    message naming the missing settings, never a traceback.
    """
    if not enabled():
        return None
    missing = problems(auth_section())
    if missing:
        st.error("Sign-in with your organisation's identity provider is turned on"
                 ' ([auth] mode = "oidc") but cannot work yet:\n\n'
                 + "\n".join(f"- {line}" for line in missing))
        st.stop()
    who = identity()
    if who is None:
        st.session_state.pop(SESSION_KEY, None)
        st.title("Sign in to Amends")
        st.write("Your organisation signs you in with its identity provider; the cases and"
                 " drafts here are shown only after that.")
        if st.button("Sign in", key="auth.sign_in", type="primary", icon=":material/login:"):
            st.login()
        st.stop()
    st.session_state[SESSION_KEY] = who
    with st.sidebar:  # "Signed in as" is the auth gate's (assistant.auth.gate), with the teams
        if st.button("Sign out", key="auth.sign_out", icon=":material/logout:"):
            st.session_state.pop(SESSION_KEY, None)
            st.logout()
    return who
