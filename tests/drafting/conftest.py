from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.drafting.models import Incident, load_incident
from assistant.resources import bundled_dir
from tests.drafting.fault_server import FaultServer

EXAMPLES = sorted((bundled_dir("examples") / "incidents").glob("*.yaml"))


@pytest.fixture
def incident() -> Incident:
    return load_incident(Path(bundled_dir("examples") / "incidents" / "outage-payments-api.yaml"))


@pytest.fixture(scope="session")
def fault_server_session() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture
def fault_server(fault_server_session: FaultServer, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    monkeypatch.setenv("AMENDS_API_BASE", fault_server_session.url)
    monkeypatch.setenv("AMENDS_TIMEOUT", "1.5")
    monkeypatch.setenv("AMENDS_MAX_RETRIES", "2")
    monkeypatch.setenv("AMENDS_MAX_REASKS", "2")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    fault_server_session.delay = 0.0
    fault_server_session.stream_mode = "sse"
    return fault_server_session
