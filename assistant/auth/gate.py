"""The app's sign-in gate and page gates: who the session is, and what each page lets them do.

``app.py`` calls :func:`sign_in` before any page runs: in mode none it returns at once (and warns
on the terminal when the server listens beyond loopback); otherwise it shows the sign-in form
and stops until the session is signed in. Each page calls :func:`page` first. The store the pages
get (``ui.store()``) is :func:`scoped` to the user, which is where case access is enforced; the
gates only turn a refusal into a message instead of an empty or broken page.
"""

from __future__ import annotations

import importlib
import ipaddress
import sys
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, ParamSpec

import streamlit as st

from assistant.auth import audit
from assistant.auth.accounts import Accounts, SignInError
from assistant.auth.config import AuthConfig, load_auth_config
from assistant.auth.permissions import PermissionDenied, Principal, allowed, denial
from assistant.auth.scoped import ScopedStore, case_scope
from assistant.errors import AmendsError
from assistant.identity import SESSION_USER_KEY
from assistant.storage import Store

TOKEN_KEY = "auth.token"
TEAM_KEY = "auth.team"
REFUSED_KEY = "auth.refused"
# What a page needs before it shows anything (pages not named here: any signed-in user).
PAGE_NEEDS = {"draft": "case.create", "check": "case.create", "audit": "audit.view"}
EDITING_PAGES = ("draft", "check")
# Session choices only an admin may make: they change the house rubrics scoring uses.
ADMIN_SETTINGS = ("settings.rubric_paths",)
# Tests (and nothing else) may replace the clock to age sessions without sleeping.
clock: audit.Clock = audit.utcnow
P = ParamSpec("P")
_warned: set[str] = set()


def app_config() -> AuthConfig:
    """The sign-in settings from ``st.secrets`` ``[auth]`` and ``AMENDS_AUTH_*``."""
    try:
        section: Any = st.secrets.get("auth")
    except Exception:  # no secrets file at all: the environment still decides
        section = None
    table = section.to_dict() if hasattr(section, "to_dict") else section
    return load_auth_config(table if isinstance(table, Mapping) else {})


def accounts(config: AuthConfig | None = None) -> Accounts:
    """Account operations on the app's database."""
    from assistant import ui

    return Accounts(ui.base_store(), config or app_config(), clock=lambda: clock())


def signed_in() -> Principal | None:
    """This session's user (None in mode none)."""
    user = st.session_state.get(SESSION_USER_KEY)
    return user if isinstance(user, Principal) else None


# --- mode none: where the server listens ----------------------------------------------------------


def is_loopback(address: str | None) -> bool:
    """Whether ``address`` (Streamlit's ``server.address``) accepts only this machine."""
    if not address:
        return False  # unset: Streamlit listens on every interface
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def warn_if_exposed(address: str | None) -> str | None:
    """Once per server: a warning on stderr when it listens beyond loopback without sign-in."""
    if is_loopback(address):
        return None
    shown = address or "every interface"
    message = (
        f"amends: WARNING: the app listens on {shown} with sign-in off ([auth] mode = \"none\"): "
        "anyone who can reach this machine can read and change every case. Bind to loopback "
        "(--server.address 127.0.0.1) or turn sign-in on (see the README, 'Team deployment')."
    )
    if shown not in _warned:
        _warned.add(shown)
        print(message, file=sys.stderr, flush=True)
    return message


# --- signing in ----------------------------------------------------------------------------------


def sign_in() -> Principal | None:
    """Run by ``app.py`` before every page: the signed-in user, or the sign-in form and a stop."""
    try:
        config = app_config()
    except AmendsError as exc:
        st.error(f"Sign-in is misconfigured, so the app stays closed: {_md(str(exc))}")
        st.stop()
    if not config.signs_in:
        st.session_state.pop(SESSION_USER_KEY, None)
        warn_if_exposed(st.get_option("server.address"))
        return None
    user = _oidc_user(config) if config.mode == "oidc" else _local_user(config)
    if user is None:
        st.session_state.pop(SESSION_USER_KEY, None)
        st.stop()
    st.session_state[SESSION_USER_KEY] = user
    for key in ADMIN_SETTINGS:
        if key in st.session_state and not allowed(user, "rubrics.manage"):
            del st.session_state[key]
    _sidebar(user, config)
    return user


def _local_user(config: AuthConfig) -> Principal | None:
    token = st.session_state.get(TOKEN_KEY)
    if isinstance(token, str):
        user = accounts(config).resume(token)
        if user is not None:
            return user
        del st.session_state[TOKEN_KEY]
        st.session_state["auth.expired"] = True
    _sign_in_form(config)
    return None


def _sign_in_form(config: AuthConfig) -> None:
    st.title("Sign in to Amends")
    if st.session_state.pop("auth.expired", False):
        st.info("Your session ended after "
                f"{config.session_minutes:g} minutes without use. Please sign in again.")
    with st.form("auth.form", clear_on_submit=True):
        name = st.text_input("User name", key="auth.name", autocomplete="username")
        password = st.text_input("Password", type="password", key="auth.password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        st.caption("Accounts are made by an admin with `amends users add`.")
        return
    if not name.strip() or not password:
        st.error("Enter your user name and your password.")
        return
    try:
        with st.spinner("Signing in…"):  # Argon2 takes about a second, on purpose
            token, _user = accounts(config).sign_in(name, password)
    except SignInError as exc:
        st.error(str(exc))
        return
    st.session_state[TOKEN_KEY] = token
    st.rerun()


def _oidc_identity() -> str | None:
    """The provider's name for the user: ``assistant.oidc.gate()`` when that module is installed
    (it checks the provider settings and shows its own sign-in and sign-out), else ``st.user``."""
    try:
        provider: Any = importlib.import_module("assistant.oidc")
    except ImportError:
        provider = None
    if provider is not None and (who := provider.gate()) is not None:
        return str(who)
    if not st.user.get("is_logged_in", False):
        st.title("Sign in to Amends")
        st.button("Sign in with your organisation's account", key="auth.oidc_sign_in",
                  on_click=st.login, type="primary")
        return None
    return str(st.user.get("email") or st.user.get("sub") or "")


def _oidc_user(config: AuthConfig) -> Principal | None:
    """The identity provider's user (``st.login``), with the roles an admin gave that name."""
    name = _oidc_identity()
    if name is None:
        return None
    try:
        return accounts(config).principal(name)
    except AmendsError:
        return Principal(name=name or "(unnamed)")


def sign_out() -> None:
    """Button callback: end the session here and in the database."""
    user = signed_in()
    token = st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(SESSION_USER_KEY, None)
    if isinstance(token, str) and user is not None:
        accounts().sign_out(token, user.name)
    if app_config().mode == "oidc":
        st.logout()


def _sidebar(user: Principal, config: AuthConfig) -> None:
    with st.sidebar:
        drafting = user.teams_with("drafter")
        if len(drafting) > 1:
            st.selectbox("New cases go to team", drafting, key=TEAM_KEY,
                         format_func=lambda team: user.team_names.get(team, str(team)))
        teams = ", ".join(
            f"{user.team_names.get(t, t)} ({', '.join(sorted(user.roles[t]))})"
            for t in user.teams_with("drafter", "reviewer", "admin")
        )
        st.caption(f"Signed in as **{_md(user.name)}** · {_md(teams) or 'no team yet'}")
        if config.mode == "local":
            st.button("Sign out", key="auth.sign_out", on_click=sign_out,
                      icon=":material/logout:")


def _md(text: str) -> str:
    from assistant.ui import md_escape

    return md_escape(text)


# --- the store and the pages ------------------------------------------------------------------


def _current_roles(user: Principal | None, config: AuthConfig | None) -> Principal | None:
    """The user with the roles the database holds now, not those of the last page run: widget
    callbacks (autosave) run before the gate does, so a role revoked a moment ago must not
    still be honoured there. A disabled or removed account holds no roles."""
    if user is None:
        return None
    if config is None:  # misconfigured sign-in: no roles at all
        return Principal(name=user.name)
    try:
        return accounts(config).principal(user.name)
    except AmendsError:
        return Principal(name=user.name)


def scoped(base: Store) -> Store:
    """The store this session may use: the plain one in mode none, else scoped to the user."""
    try:
        config: AuthConfig | None = app_config()
    except AmendsError:
        config = None  # misconfigured: treated as signing in, so nothing is open
    if config is not None and not config.signs_in:
        return base
    user = _current_roles(signed_in(), config) or Principal(name="(not signed in)")
    team = st.session_state.get(TEAM_KEY)
    return ScopedStore(base, user, team if isinstance(team, int) else None,
                       clock=lambda: clock())


def page(name: str) -> Principal | None:
    """Run first on every page: stop with a message when the user may not use it, and drop a
    ``?case=N`` they may not see (the same message whether it exists or not)."""
    user = signed_in()
    if user is None:
        return None
    if refused := st.session_state.pop(REFUSED_KEY, None):
        st.error(str(refused))
    need = PAGE_NEEDS.get(name)
    if need is not None and (reason := denial(user, need)) is not None:
        st.title(name.capitalize())
        st.warning(f"You ({_md(user.name)}) cannot use this page: {_md(reason)}.")
        st.stop()
    raw = st.query_params.get("case")
    if raw and str(raw).isdigit():
        from assistant import ui

        scope = case_scope(ui.base_store(), int(raw))
        if scope is None or not allowed(user, "case.view", scope):
            st.warning(f"Case #{int(raw)} is not available to you: it does not exist or "
                       "belongs to a team you are not in.")
            del st.query_params["case"]
            if st.session_state.get("active_case") == int(raw):
                del st.session_state["active_case"]
        elif name in EDITING_PAGES and (reason := denial(user, "case.edit", scope)):
            st.title(name.capitalize())
            st.info(f"Case #{scope.case_id} is read-only for you ({_md(reason)}); History "
                    "shows it.")
            st.stop()
    return user


def guarded(callback: Callable[P, None]) -> Callable[P, None]:
    """A button callback whose refusal becomes a message on the page, not a traceback."""

    @wraps(callback)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            callback(*args, **kwargs)
        except PermissionDenied as exc:
            st.session_state[REFUSED_KEY] = str(exc)

    return run
