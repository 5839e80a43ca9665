"""The per-user model limit on the Draft page: each signed-in person has their own, and a
refusal says when to try again and keeps every field (the limiter's clock is stepped)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from assistant import ratelimit
from assistant.oidc import SESSION_KEY
from assistant.ratelimit import Limit, RateLimiter
from assistant.storage import Store
from tests.app.conftest import errors, new_app
from tests.app.test_app_pages import FACTS, case_param, fill_incident


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_user_over_the_limit_is_told_when_and_loses_nothing(
    app_env: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [5000.0]
    monkeypatch.setattr(ratelimit, "LIMITER", RateLimiter(lambda: now[0]))
    monkeypatch.setenv("AMENDS_RATE_LIMIT", "1/hour")
    monkeypatch.setenv("AMENDS_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("AMENDS_API_BASE", f"http://127.0.0.1:{_closed_port()}/v1")
    monkeypatch.setenv("AMENDS_MAX_RETRIES", "0")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-shown-0123456789")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    ratelimit.LIMITER.acquire("ana@example.test", Limit(1, 3600))
    now[0] += 600

    at = new_app()
    at.session_state[SESSION_KEY] = "ana@example.test"
    at = fill_incident(at.run())
    at.button(key="draft.generate").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    shown = errors(at)
    assert "ana@example.test has made 1 model request in the last hour" in shown
    assert "try again in 3000 s" in shown
    assert str(at.text_input(key="f.title").value) == FACTS["f.title"]
    assert store.get_case(int(case_param(at))).facts["cause"] == FACTS["f.cause"]

    # Ben is someone else: his request is let through (and fails at the closed port instead)
    other = new_app()
    other.session_state[SESSION_KEY] = "ben@example.test"
    other = fill_incident(other.run())
    other.button(key="draft.generate").click().run(timeout=180)
    assert not other.exception
    assert "Drafting failed" in errors(other) and "try again in" not in errors(other)
