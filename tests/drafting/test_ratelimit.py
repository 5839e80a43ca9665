"""Per-user limit on model requests, through the drafting entry points the app and CLI use.

A real loopback OpenAI-compatible server answers; the limiter's clock is stepped by the test
(no waiting, no timed assertions). The offline composer is never limited.
"""

from __future__ import annotations

import pytest

from assistant import ratelimit
from assistant.cli import main
from assistant.drafting import compose, draft
from assistant.drafting.models import Incident
from assistant.errors import ConfigError, RateLimitError
from assistant.ratelimit import Limit, RateLimiter, parse_limit
from tests.drafting.conftest import EXAMPLES
from tests.drafting.fault_server import FaultServer, email_json, offline_parts, ok

MODEL = "openai/fake-model"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    stepped = Clock()
    monkeypatch.setattr(ratelimit, "LIMITER", RateLimiter(stepped))
    return stepped


def test_limits_are_parsed_and_bad_ones_are_named() -> None:
    assert parse_limit("10/hour") == Limit(10, 3600)
    assert parse_limit(" 30 / Minutes ") == Limit(30, 60)
    assert parse_limit("") is None and parse_limit("off") is None
    for bad in ("ten/hour", "10/week", "10", "0/hour"):
        with pytest.raises(ConfigError, match=r"AMENDS_RATE_LIMIT: .* is not a limit"):
            parse_limit(bad)


def test_a_sliding_window_per_user_says_when_to_try_again() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    limit = Limit(2, 60)
    limiter.acquire("ana", limit)
    clock.now += 20
    limiter.acquire("ana", limit)
    clock.now += 10
    with pytest.raises(RateLimitError) as err:
        limiter.acquire("ana", limit)
    assert err.value.retry_after == 30
    assert "try again in 30 s" in str(err.value) and "in the last minute" in str(err.value)
    limiter.acquire("ben", limit)  # someone else has a limit of their own
    clock.now += 30  # the first request leaves the window
    limiter.acquire("ana", limit)
    with pytest.raises(RateLimitError, match="try again in 20 s"):
        limiter.acquire("ana", limit)


def test_draft_and_compose_share_the_limit_and_offline_is_free(
    fault_server: FaultServer, incident: Incident, clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AMENDS_RATE_LIMIT", "1/hour")
    fault_server.plan(ok(email_json(incident)))
    compose(incident, offline_parts(incident), MODEL)
    asked = len(fault_server.requests)
    with pytest.raises(RateLimitError) as err:
        draft(incident, model=MODEL)
    assert err.value.retry_after == 3600 and "try again in 3600 s" in str(err.value)
    assert len(fault_server.requests) == asked, "a refused request reaches no model"
    for _ in range(3):
        assert draft(incident, model="offline").status == "ready"
    clock.now += 3600
    fault_server.plan(ok(email_json(incident)))
    compose(incident, offline_parts(incident), MODEL)


def test_the_cli_refuses_with_exit_1_and_the_wait(
    fault_server: FaultServer, clock: Clock, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AMENDS_RATE_LIMIT", "1/minute")
    path = str(next(p for p in EXAMPLES if p.stem == "outage-payments-api"))
    ratelimit.LIMITER.acquire(_actor(), Limit(1, 60))
    asked = len(fault_server.requests)
    clock.now += 15
    assert main(["draft", path, "--model", MODEL]) == 1
    stderr = capsys.readouterr().err
    assert "try again in 45 s" in stderr and "Traceback" not in stderr
    assert len(fault_server.requests) == asked


def _actor() -> str:
    from assistant.identity import current_actor

    return current_actor()
