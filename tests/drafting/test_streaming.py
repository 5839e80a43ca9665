"""The composed email streams from a real SSE server on loopback, and falls back when it cannot."""

from __future__ import annotations

import itertools
import json

import pytest

from assistant.cli import main
from assistant.drafting import compose, draft
from assistant.drafting.models import ALL_PARTS, Incident, RecoveryDraft
from assistant.errors import ModelUnavailableError
from tests.drafting.conftest import EXAMPLES
from tests.drafting.fault_server import FaultServer, email_json, offline_parts, ok, routed

MODEL = "openai/fake-model"
INCIDENT = next(p for p in EXAMPLES if p.stem == "outage-payments-api")


def assert_growing(pieces: list[str]) -> None:
    assert len(pieces) >= 5, pieces
    for shorter, longer in itertools.pairwise(pieces):
        assert len(longer) > len(shorter) and longer.startswith(shorter)


def test_compose_streams_the_body_then_returns_the_checked_draft(
    fault_server: FaultServer, incident: Incident
) -> None:
    fault_server.plan(ok(email_json(incident)))
    pieces: list[str] = []
    result = compose(incident, offline_parts(incident), MODEL, on_text=pieces.append)
    assert [r.get("stream") for r in fault_server.requests] == [True]
    assert_growing(pieces)
    assert pieces[-1].strip() == result.body.strip()
    RecoveryDraft.model_validate(result.model_dump())
    assert result.generator == f"litellm: {MODEL}"
    assert result.report is not None
    assert [f for f in result.report.flags if f.severity == "error"] == []
    assert not any("stream" in note for note in result.notes), result.notes
    assert result.usage.calls == 1 and result.usage.total_tokens > 0


def test_without_a_callback_nothing_is_streamed(
    fault_server: FaultServer, incident: Incident
) -> None:
    fault_server.plan(ok(email_json(incident)))
    compose(incident, offline_parts(incident), MODEL)
    assert [r.get("stream") for r in fault_server.requests] == [None]


@pytest.mark.parametrize(
    ("mode", "why"),
    [("error", "refused the request"), ("json", "sent no streamed answer")],
    ids=["refuses-stream", "ignores-stream"],
)
def test_a_provider_that_cannot_stream_falls_back(
    fault_server: FaultServer, incident: Incident, mode: str, why: str
) -> None:
    fault_server.stream_mode = mode
    fault_server.plan(ok(email_json(incident)))
    pieces: list[str] = []
    before = incident.model_dump()
    result = compose(incident, offline_parts(incident), MODEL, on_text=pieces.append)
    assert [r.get("stream") for r in fault_server.requests] == [True, None]
    assert pieces == []
    assert result.body.strip() == json.loads(email_json(incident))["body"].strip()
    RecoveryDraft.model_validate(result.model_dump())
    fallback = [n for n in result.notes if "without streaming" in n]
    assert len(fallback) == 1 and why in fallback[0], result.notes
    assert incident.model_dump() == before


def test_a_streamed_email_that_fails_the_rubric_is_reasked(
    fault_server: FaultServer, incident: Incident
) -> None:
    clean = json.loads(email_json(incident))["body"]
    flagged = "We apologize for any inconvenience this may have caused.\n\n" + clean
    fault_server.plan(ok(email_json(incident, flagged)), ok(email_json(incident)))
    pieces: list[str] = []
    result = compose(incident, offline_parts(incident), MODEL, on_text=pieces.append)
    assert [r.get("stream") for r in fault_server.requests] == [True, None]
    assert_growing(pieces)
    assert "inconvenience" in pieces[-1] and "inconvenience" not in result.body
    reask = fault_server.requests[1]["messages"]
    assert reask[-2] == {"role": "assistant", "content": email_json(incident, flagged)}
    assert "Correct your JSON" in reask[-1]["content"] and "inconvenience" in reask[-1]["content"]
    assert any("re-asked without streaming" in n for n in result.notes), result.notes
    assert result.usage.calls == 2


def test_a_streamed_email_that_fails_the_schema_is_reasked(
    fault_server: FaultServer, incident: Incident
) -> None:
    broken = json.dumps({"subject": "Hi", "body": "Too short to be an email."})
    fault_server.plan(ok(broken), ok(email_json(incident)))
    result = compose(incident, offline_parts(incident), MODEL, on_text=lambda _: None)
    assert [r.get("stream") for r in fault_server.requests] == [True, None]
    assert fault_server.requests[1]["messages"][-2]["content"] == broken
    assert "subject" in fault_server.requests[1]["messages"][-1]["content"]
    assert result.body.strip() == json.loads(email_json(incident))["body"].strip()


def test_a_rejected_key_is_not_tried_again_without_streaming(
    fault_server: FaultServer, incident: Incident
) -> None:
    fault_server.plan(("status", (401, {})))
    with pytest.raises(ModelUnavailableError) as caught:
        compose(incident, offline_parts(incident), MODEL, on_text=lambda _: None)
    assert "API key" in str(caught.value) and "sk-test" not in str(caught.value)
    assert len(fault_server.requests) == 1


def test_draft_streams_only_the_composed_email(
    fault_server: FaultServer, incident: Incident
) -> None:
    fault_server.answer_for = routed(incident)
    fault_server.plan(("route", None))
    pieces: list[str] = []
    result = draft(incident, MODEL, on_text=pieces.append)
    streamed = [r for r in fault_server.requests if r.get("stream")]
    assert len(fault_server.requests) == 5 and len(streamed) == 1
    assert "Compose the" in json.dumps(streamed[0]["messages"])
    assert_growing(pieces)
    assert pieces[-1].strip() == result.body.strip()
    assert set(result.parts()) == set(ALL_PARTS)


def test_offline_draft_never_calls_on_text(incident: Incident) -> None:
    pieces: list[str] = []
    draft(incident, "offline", on_text=pieces.append)
    assert pieces == []


def test_cli_stream_markdown_prints_the_body_once_then_the_checks(
    fault_server: FaultServer, incident: Incident, capsys: pytest.CaptureFixture[str]
) -> None:
    fault_server.answer_for = routed(incident)
    fault_server.plan(("route", None))
    code = main(["draft", str(INCIDENT), "--model", MODEL, "--stream"])
    out = capsys.readouterr().out
    body = json.loads(email_json(incident))["body"].strip()
    assert code == 0
    assert out.count(body) == 1 and out.index(body) < out.index("**Subject:**")
    assert sum(1 for r in fault_server.requests if r.get("stream")) == 1


def test_cli_stream_json_keeps_stdout_one_document(
    fault_server: FaultServer, incident: Incident, capsys: pytest.CaptureFixture[str]
) -> None:
    fault_server.answer_for = routed(incident)
    fault_server.plan(("route", None))
    code = main(["draft", str(INCIDENT), "--model", MODEL, "--stream", "--format", "json"])
    captured = capsys.readouterr()
    body = json.loads(email_json(incident))["body"].strip()
    assert code == 0
    assert json.loads(captured.out)["body"].strip() == body
    assert body in captured.err


def test_cli_does_not_stream_into_a_pipe_by_default(
    fault_server: FaultServer, incident: Incident, capsys: pytest.CaptureFixture[str]
) -> None:
    fault_server.answer_for = routed(incident)
    fault_server.plan(("route", None))
    main(["draft", str(INCIDENT), "--model", MODEL])
    out = capsys.readouterr().out
    assert out.index("**Subject:**") < out.index(json.loads(email_json(incident))["body"][:40])
    assert not any(r.get("stream") for r in fault_server.requests)
