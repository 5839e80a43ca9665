"""Fixtures for the app tests: a private database and offline settings for every test.

The database is SQLite unless a test is parametrized with ``tests.conftest.both_databases``; then
it runs once on SQLite and once on a fresh PostgreSQL database (marker ``postgres``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.storage import Store
from tests.conftest import BACKENDS

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AZURE_API_KEY")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every app test that touches the database runs on SQLite and on PostgreSQL (the browser
    tests start their own servers on SQLite and stay single)."""
    if "db_backend" not in metafunc.fixturenames or metafunc.definition.get_closest_marker(
        "browser"
    ):
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        if "db_backend" in str(marker.args[0]):
            return  # already chose (both_databases, or one of them)
    metafunc.parametrize("db_backend", BACKENDS, indirect=True)


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """A fresh database and the embedded defaults (offline model, bundled rubrics).

    Returns the SQLite file's path (where a SQLite test database lives, or would).
    """
    db = tmp_path / "amends-test.db"
    monkeypatch.setenv("AMENDS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AMENDS_DATABASE_URL", database_url)
    monkeypatch.setenv("AMENDS_MODEL", "offline")
    monkeypatch.delenv("AMENDS_RUBRICS", raising=False)
    monkeypatch.delenv("AMENDS_API_BASE", raising=False)
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    return db


@pytest.fixture
def store(app_env: Path, database_url: str) -> Iterator[Store]:
    """A store on the same database the app under test writes to."""
    opened = Store(database_url)
    yield opened
    opened.dispose()


def new_app() -> AppTest:
    """A fresh browser session on the app (a new AppTest is what a refresh or new tab is)."""
    return AppTest.from_file(APP, default_timeout=60)


def open_page(page: str, **query: str) -> AppTest:
    """A new session opened directly on ``app_pages/<page>.py`` with query parameters."""
    at = new_app()
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "draft":
        at.switch_page(f"app_pages/{page}.py")
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(markdown: str) -> str:
    """Markdown as a reader sees it: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def errors(at: AppTest) -> str:
    """All error messages on the page, as plain text."""
    return "\n".join(plain(str(e.value)) for e in at.error)


def page_text(at: AppTest) -> str:
    """Everything rendered as text, markdown, captions, alerts and HTML, for assertions."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "html", "title",
                 "subheader", "code", "text"):
        parts.extend(str(el.value) for el in getattr(at, kind))
    for kind in ("text_input", "text_area"):
        parts.extend(str(w.value) for w in getattr(at, kind))
    return plain("\n".join(parts))
