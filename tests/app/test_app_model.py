"""The Draft page with a real model path: litellm and instructor talking to an OpenAI-compatible
server on loopback (the misbehaving server from the drafting tests, here behaving), the composed
email streamed into the page, and everything saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.drafting.models import Incident
from assistant.forms import incident_data
from assistant.storage import Store
from tests.app.conftest import new_app, page_text
from tests.app.test_app_pages import case_param, fill_incident
from tests.drafting.fault_server import FaultServer, routed


@pytest.fixture
def model_server(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    server = FaultServer().start()
    monkeypatch.setenv("AMENDS_MODEL", "openai/fake-model")
    monkeypatch.setenv("AMENDS_API_BASE", server.url)
    monkeypatch.setenv("AMENDS_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-shown-abcdef")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    yield server
    server.stop()


@pytest.mark.slow
def test_generate_with_a_model_streams_the_email_and_saves_a_version(
    model_server: FaultServer, store: Store
) -> None:
    at = fill_incident(new_app().run())
    case = store.get_case(int(case_param(at)))
    incident = Incident.model_validate(incident_data(case.facts))
    model_server.answer_for = routed(incident)
    model_server.plan(("route", None))

    at.button(key="draft.generate").click().run(timeout=180)

    assert not at.exception, [e.value for e in at.exception]
    assert len(model_server.requests) == 5, "four parts and the composed email"
    assert [r.get("stream") for r in model_server.requests].count(True) == 1
    body = at.text_area(key="d.body").value
    assert body and incident.recipient.name.split()[0] in body
    versions = store.versions(case.id)
    assert versions and versions[-1].model == "openai/fake-model"
    assert "sk-test-never-shown" not in page_text(at)
