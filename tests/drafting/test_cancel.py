"""Cancelling a generation: a real drafting run in a background job against a loopback server
that hangs or streams slowly. The job ends without a result, and the drafting code stops at its
next step (no composing after the parts, no more chunks after the cancel)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from assistant import background
from assistant.drafting import compose, draft
from assistant.drafting.models import Incident
from tests.drafting.fault_server import FaultServer, email_json, offline_parts, ok

MODEL = "openai/fake-model"


@pytest.fixture
def own_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    """A server of this test's own: releasing its hung requests must not touch other tests'."""
    server = FaultServer().start()
    monkeypatch.setenv("AMENDS_API_BASE", server.url)
    monkeypatch.setenv("AMENDS_TIMEOUT", "30")
    monkeypatch.setenv("AMENDS_DEADLINE", "60")
    monkeypatch.setenv("AMENDS_MAX_RETRIES", "0")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    yield server
    server.stop()


def until(condition: object, what: str) -> None:
    """Wait for something the server or the job will do (a bounded wait, not a timing claim)."""
    for _ in range(1200):
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def test_cancelling_a_hung_draft_ends_it_without_a_result_and_composes_nothing(
    own_server: FaultServer, incident: Incident
) -> None:
    own_server.plan(("hang", 120))
    job = background.start(
        "generate", "Drafting",
        lambda j: draft(incident, model=MODEL, on_progress=j.on_progress, on_text=j.on_text),
    )
    until(lambda: len(own_server.requests) >= 3, "the part requests reach the server")
    assert not job.done, "the provider hangs: the job is still waiting for it"
    job.cancel()
    assert job.cancelled
    own_server.released.set()  # the hung HTTP calls now return (with nothing)
    assert job.wait(120)
    assert job.result is None, "a cancelled job has no draft to save"
    prompts = [json.dumps(r["messages"]) for r in own_server.requests]
    assert not any("Compose the" in p for p in prompts), "nothing is composed after a cancel"
    assert job.progress and not any("composing" in p for p in job.progress)


def test_cancelling_a_slow_stream_stops_between_chunks(
    own_server: FaultServer, incident: Incident
) -> None:
    full = json.loads(email_json(incident))["body"]
    own_server.plan(ok(email_json(incident)))
    own_server.chunk_chars = 8
    own_server.chunk_delay = 0.2
    job = background.start(
        "compose", "Composing",
        lambda j: compose(incident, offline_parts(incident), MODEL, on_text=j.on_text),
    )
    until(lambda: len(job.snapshot()[1]) > 0, "the first streamed words reach the job")
    job.cancel()
    assert job.wait(120)
    _, text = job.snapshot()
    assert job.result is None and job.error is None, job.error
    assert 0 < len(text) < len(full), "the stream stopped part way"
    assert len(own_server.requests) == 1, "no fallback call after the cancel"


def test_a_job_that_is_not_cancelled_returns_its_draft(incident: Incident) -> None:
    job = background.start("generate", "Drafting", lambda j: draft(incident, on_progress=j.on_progress))
    assert job.wait(120) and job.error is None and not job.cancelled
    assert job.result.body and job.result.status == "ready"


def test_a_failing_job_keeps_its_error_for_the_page() -> None:
    def fail(_: background.Job) -> None:
        raise ValueError("the model said no")

    job = background.start("generate", "Drafting", fail)
    assert job.wait(30) and isinstance(job.error, ValueError) and job.result is None
