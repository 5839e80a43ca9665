"""A per-user limit on model calls, so one person cannot spend everyone's provider budget.

``AMENDS_RATE_LIMIT`` is ``N/unit`` (``10/hour``, ``30/minute``, ``200/day``; empty or ``off``:
no limit). The drafting entry points (``draft``, ``generate_part``, ``compose``) take one
permit per request that uses a model; the offline composer uses none, so it is never limited.
A sliding window per user (``assistant.identity.current_actor``) kept in this process: the app's
sessions share one server process; each CLI run is a process of its own. The clock is
injectable so tests step time instead of waiting.
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from assistant.errors import ConfigError, RateLimitError

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Limit:
    """At most ``calls`` model requests per ``window`` seconds, per user."""

    calls: int
    window: float


def parse_limit(text: str | None) -> Limit | None:
    """``"10/hour"`` as a Limit; None for no limit; ConfigError naming the variable otherwise."""
    if text is None or text.strip().lower() in ("", "off", "none", "0"):
        return None
    match = _SPEC.match(text)
    if not match or int(match.group(1)) < 1:
        raise ConfigError(
            f"AMENDS_RATE_LIMIT: {text!r} is not a limit; write calls per unit, like 10/hour,"
            " 30/minute or 200/day (or off)"
        )
    return Limit(int(match.group(1)), float(UNITS[match.group(2).lower()]))


class RateLimiter:
    """Sliding-window counts of model requests per user."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, user: str, limit: Limit | None) -> None:
        """Take one permit for ``user``, or RateLimitError saying when to try again."""
        if limit is None:
            return
        with self._lock:
            now = self._clock()
            calls = self._calls.setdefault(user, deque())
            while calls and calls[0] <= now - limit.window:
                calls.popleft()
            if len(calls) >= limit.calls:
                wait = max(1, math.ceil(calls[0] + limit.window - now))
                raise RateLimitError(
                    f"{user} has made {limit.calls} model request"
                    f"{'s' if limit.calls != 1 else ''} in the last {_window(limit.window)}"
                    f" (the limit, AMENDS_RATE_LIMIT); try again in {wait} s. The offline"
                    " composer is not limited.",
                    wait,
                )
            calls.append(now)


def _window(seconds: float) -> str:
    for unit, size in sorted(UNITS.items(), key=lambda item: -item[1]):
        if seconds == size:
            return unit
    return f"{seconds:g} s"


LIMITER = RateLimiter()


# Set for work done on someone's behalf off the page's thread (``assistant.background`` jobs).
_ACTING_FOR: ContextVar[str | None] = ContextVar("amends_acting_for", default=None)


@contextlib.contextmanager
def acting_as(user: str) -> Iterator[None]:
    """Count the model calls made inside as ``user``'s (a job started by them, in its thread)."""
    token = _ACTING_FOR.set(user)
    try:
        yield
    finally:
        _ACTING_FOR.reset(token)


def acting_user() -> str:
    """Whom to count: the user a job acts for, else the signed-in user in an app session
    (``assistant.oidc``), else the actor.

    Until the auth modes' own identity lands in ``assistant.identity``, the app's signed-in
    identity is read here from the session, so two signed-in people have two limits. Streamlit
    is only asked when it is already loaded (the app), never imported for the CLI.
    """
    from assistant.identity import current_actor

    delegated = _ACTING_FOR.get()
    if delegated:
        return delegated
    if "streamlit" in sys.modules:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is not None:
            import streamlit as st

            from assistant.oidc import SESSION_KEY

            who = st.session_state.get(SESSION_KEY)
            if isinstance(who, str) and who:
                return who
    return current_actor()


def check_model_call(model: str) -> None:
    """Take a permit for the acting user when ``model`` (resolved) is not the offline composer."""
    from assistant.settings import OFFLINE_MODEL, get_settings

    if model == OFFLINE_MODEL:
        return
    LIMITER.acquire(acting_user(), parse_limit(get_settings().rate_limit))
