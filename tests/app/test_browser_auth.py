"""Sign-in in a real browser: ``streamlit run app.py`` with ``AMENDS_AUTH_MODE=local`` and headless
Chromium. A wrong password is refused on the page, the right one opens Draft, a crafted link to
another team's case shows nothing of it, and sign-out closes the app again. A second server in
mode none bound to every interface prints the warning on its terminal; one on loopback does not.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.auth.accounts import Accounts
from assistant.auth.scoped import ScopedStore
from assistant.storage import Store
from tests.app.test_browser import (
    CHROMIUM,
    LAUNCH_ARGS,
    ROOT,
    _free_port,
    running_app,
    shot,
    wait_idle,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium at /usr/bin/chromium",
    ),
]
PASSWORD = "browser-pass-123"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS,
                                      headless=True)
        yield launched
        launched.close()


def _sign_in(page, name: str, password: str) -> None:
    page.get_by_label("User name", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)


def test_local_sign_in_in_chromium(tmp_path: Path, browser, monkeypatch) -> None:
    store = Store(f"sqlite:///{tmp_path / 'browser.db'}")
    accounts = Accounts(store)
    for name, team in (("dora", "support"), ("bill", "billing")):
        accounts.add_user(name, PASSWORD, actor="setup")
        accounts.grant(name, team, "drafter", actor="setup")
    theirs = ScopedStore(store, accounts.principal("bill")).create_case("Billing secret case")
    store.dispose()
    monkeypatch.setenv("AMENDS_AUTH_MODE", "local")
    with running_app(tmp_path) as url:
        page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/history?case={theirs.id}")
        page.get_by_role("heading", name="Sign in to Amends").wait_for(timeout=60_000)
        wait_idle(page)
        assert "Billing secret" not in page.inner_text("body")
        _sign_in(page, "dora", "wrong-password-9")
        assert "the name or the password is wrong" in page.inner_text("body")
        _sign_in(page, "dora", PASSWORD)
        page.get_by_text("Signed in as").wait_for(timeout=60_000)
        wait_idle(page)
        body = page.inner_text("body")
        assert "Billing secret" not in body
        shot(page, "auth-signed-in")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Sign in to Amends").wait_for(timeout=60_000)
        assert not errors, errors
    log = (tmp_path / "streamlit.log").read_text(errors="replace")
    for secret in (PASSWORD, "wrong-password-9", "$argon2"):
        assert secret not in log


@contextlib.contextmanager
def _server(home: Path, address: str) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMENDS_AUTH_")}
    env.update({"AMENDS_HOME": str(home), "AMENDS_DATABASE_URL": f"sqlite:///{home / 'w.db'}",
                "AMENDS_MODEL": "offline", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"})
    log_path = home / f"streamlit-{address}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", address],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log_path.read_text(errors="replace")) from None
                    time.sleep(0.3)
            yield url, log_path
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.parametrize(("address", "warns"), [("0.0.0.0", True), ("127.0.0.1", False)])
def test_mode_none_warns_when_listening_beyond_loopback(tmp_path: Path, browser, address: str,
                                                        warns: bool) -> None:
    with _server(tmp_path, address) as (url, log_path):
        page = browser.new_context().new_page()
        page.goto(url)
        page.get_by_role("heading", name="Draft a recovery email").wait_for(timeout=60_000)
        wait_idle(page)
        log = log_path.read_text(errors="replace")
    assert ("WARNING: the app listens on 0.0.0.0 with sign-in off" in log) is warns, log
