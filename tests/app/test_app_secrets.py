"""The Draft page against a provider that echoes the API key in its 401: the key appears nowhere,
not on the page, not in the database, not in the process's output; the message names the variable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.conftest import errors, new_app, page_text
from tests.app.test_app_pages import fill_incident
from tests.drafting.fault_server import FaultServer

KEY = "sk-app-test-9876543210fedcbaSECRET"


@pytest.fixture
def echoing_server(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    server = FaultServer().start()
    server.plan(("auth_echo", None))
    monkeypatch.setenv("AMENDS_MODEL", "openai/fake-model")
    monkeypatch.setenv("AMENDS_API_BASE", server.url)
    monkeypatch.setenv("AMENDS_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    yield server
    server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)  # reads the database file's bytes
def test_echoed_key_reaches_no_page_record_or_log(
    echoing_server: FaultServer, app_env: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    at = fill_incident(new_app().run())
    at.button(key="draft.generate").click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    assert KEY in echoing_server.headers[0]["authorization"]  # sent, and echoed back
    message = errors(at)
    assert "Drafting failed" in message and "OPENAI_API_KEY" in message, message
    assert KEY not in page_text(at)
    stored = b"".join(p.read_bytes() for p in app_env.parent.glob(app_env.name + "*"))
    assert stored and KEY.encode() not in stored  # the database file (and its journal)
    out, err = capfd.readouterr()
    assert KEY not in out + err
