"""The app with a database it cannot open: one plain message naming the host, no traceback.

Every page opens the store first, so a wrong ``AMENDS_DATABASE_URL`` or a server that is down
stops the page with the message (never the password); nothing else runs against it.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.app.conftest import errors, new_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("page", ["draft", "history"])
def test_an_unreachable_server_is_one_plain_message(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    pytest.importorskip("psycopg")
    port = _closed_port()
    monkeypatch.setenv("AMENDS_DATABASE_URL", f"postgresql://amends:T0pS3cret@127.0.0.1:{port}/cases")
    at = new_app().run()
    if page != "draft":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = errors(at)
    assert "Amends cannot open its database" in shown
    assert f"the database server at 127.0.0.1, port {port}" in shown
    assert "T0pS3cret" not in shown and "Traceback" not in shown


def test_a_url_that_is_no_url_is_named_not_repeated(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMENDS_DATABASE_URL", "amends:T0pS3cret@db.example")
    at = new_app().run()
    assert not at.exception
    assert "AMENDS_DATABASE_URL is not a database URL" in errors(at)
    assert "T0pS3cret" not in errors(at)
