"""Cancel a generation in a real browser: the model (litellm against a loopback server) hangs,
the page shows progress and a Cancel button, and a click frees the user at once: the facts are
kept, the page says it was cancelled, and no draft is saved. Then the model answers, and the
same page drafts to the end (the same background job, not cancelled)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.drafting.models import Incident
from assistant.forms import incident_data
from assistant.storage import Store
from tests.app.test_browser import (  # noqa: F401 - the browser fixture
    browser,
    fill_incident,
    pytestmark,
    running_app,
    shot,
    wait_idle,
)
from tests.drafting.fault_server import FaultServer, routed

MODEL = "openai/fake-model"


@pytest.fixture
def model_server() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture
def app_with_model(tmp_path: Path, model_server: FaultServer) -> Iterator[tuple[str, Path]]:
    env = {
        "AMENDS_MODEL": MODEL,
        "AMENDS_API_BASE": model_server.url,
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "AMENDS_TIMEOUT": "120",
        "AMENDS_DEADLINE": "300",
        "AMENDS_MAX_RETRIES": "0",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    with running_app(tmp_path, env) as url:
        yield url, tmp_path / "browser.db"


def test_cancel_frees_the_user_from_a_hung_model_and_saves_nothing(
    app_with_model: tuple[str, Path], model_server: FaultServer, browser  # noqa: F811
) -> None:
    url, db = app_with_model
    model_server.plan(("hang", 600))
    page = browser.new_context(viewport={"width": 1400, "height": 2400}).new_page()
    page.goto(url)
    page.get_by_role("heading", name="Draft a recovery email").wait_for(timeout=60_000)
    wait_idle(page)
    fill_incident(page, "Cancelled outage case")
    case_id = int(page.url.split("case=")[1].split("&")[0])

    page.get_by_role("button", name="Generate all four parts and the email").click()
    cancel = page.get_by_role("button", name="Cancel")
    cancel.wait_for(timeout=60_000)
    page.get_by_text("s so far").wait_for(timeout=30_000)  # progress while it waits
    for _ in range(240):  # litellm is imported in the job first: wait for its first request
        if model_server.requests:
            break
        page.wait_for_timeout(250)
    assert model_server.requests, "the model was called"
    assert page.get_by_role("button", name="Cancel").is_visible(), "still waiting for it"
    shot(page, "cancel-01-running")

    cancel.click()
    page.get_by_text("was cancelled").wait_for(timeout=30_000)
    wait_idle(page)
    shot(page, "cancel-02-cancelled")
    assert "Your facts are saved" in page.get_by_text("was cancelled").inner_text()
    assert page.get_by_label("Incident title", exact=True).input_value() == (
        "Cancelled outage case"
    )
    assert page.get_by_label("Body", exact=True).input_value() == ""
    assert page.get_by_role("button", name="Generate all four parts and the email").is_enabled()
    store = Store(f"sqlite:///{db}")
    try:
        case = store.get_case(case_id)
        assert case.facts["title"] == "Cancelled outage case"
        assert store.versions(case_id) == [], "no half-written draft was saved"
    finally:
        store.dispose()

    # the same page, the model now answering: drafted to the end and saved
    model_server.released.set()
    incident = Incident.model_validate(incident_data(case.facts))
    model_server.answer_for = routed(incident)
    model_server.plan(("route", None))
    page.get_by_role("button", name="Generate all four parts and the email").click()
    page.get_by_text("Draft ready").wait_for(timeout=120_000)
    wait_idle(page)
    assert "Alex" in page.get_by_label("Body", exact=True).input_value()
    store = Store(f"sqlite:///{db}")
    try:
        versions = store.versions(case_id)
        assert [v.source for v in versions] == ["generated"] and versions[0].model == MODEL
        assert versions[0].scores["net"]["passed"] is True
    finally:
        store.dispose()
    shot(page, "cancel-03-drafted")
