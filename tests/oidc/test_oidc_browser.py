"""Sign-in with OpenID Connect, end to end: a real provider, the real app, a real browser.

The provider is npm's oidc-provider (a certified OpenID implementation; ``package.json`` and
its lock file here, installed by ``scripts/test`` with ``npm ci``) on a free loopback port, with
one client registered for the app's redirect URI and its development login form, which accepts
any login name. ``streamlit run app.py`` gets a secrets file with ``[auth] mode = "oidc"``
pointing at it, and headless Chromium signs in, sees the cases, and signs out (also at the
provider). The browser may not leave loopback (the provider's pages ask for a web font: refused).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.auth.accounts import Accounts
from assistant.auth.scoped import ScopedStore
from assistant.storage import Store
from tests.app.test_browser import CHROMIUM, LAUNCH_ARGS, SHOTS, _free_port, wait_idle

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CLIENT_ID = "amends-app"
USER = "ana.ortiz@example.test"  # the provider's email for the login name "ana.ortiz"
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.oidc,
    # CI installs chromium, Node.js and the provider (scripts/test): there, missing is failing.
    pytest.mark.skipif(
        not CI and not (CHROMIUM.exists() and shutil.which("node")
                        and (HERE / "node_modules" / "oidc-provider").is_dir()),
        reason="needs /usr/bin/chromium, node and `npm ci` in tests/oidc (bash scripts/test)",
    ),
]


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``url`` answers 200; the process's log as the error if it dies or never does."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log.read_text(errors="replace"))
        time.sleep(0.3)


@contextlib.contextmanager
def _process(command: list[str], log: Path, ready: str, **kwargs: object) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload]
        try:
            _wait_for(ready, process, log)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The provider and the app, wired together as an organisation would configure them."""
    home = tmp_path_factory.mktemp("amends-oidc")
    provider_port, app_port = _free_port(), _free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    # The app on "localhost" and the provider on "127.0.0.1": separate hosts, separate cookies.
    app_url = f"http://localhost:{app_port}"
    redirect = f"{app_url}/oauth2callback"
    client_secret = secrets.token_urlsafe(24)
    cookie_secret = secrets.token_urlsafe(32)
    secrets_file = home / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'mode = "oidc"\n'
        f'redirect_uri = "{redirect}"\n'
        f'cookie_secret = "{cookie_secret}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        # oidc-provider offers no account chooser; ask it for its login form instead.
        'client_kwargs = { prompt = "login" }\n'
    )
    db = home / "oidc.db"
    store = Store(f"sqlite:///{db}")
    # As an admin would: the provider's user is a drafter in Support; Billing is another team.
    accounts = Accounts(store)
    for name, team in ((USER, "support"), ("bill@example.test", "billing")):
        accounts.add_user(name, secrets.token_urlsafe(18), actor="setup")
        accounts.grant(name, team, "drafter", actor="setup")
    ScopedStore(store, accounts.principal(USER)).create_case(
        "Payroll outage on pay day", {"title": "Payroll outage on pay day"})
    ScopedStore(store, accounts.principal("bill@example.test")).create_case("Billing secret case")
    store.dispose()
    env = {
        **os.environ,
        "AMENDS_HOME": str(home),
        "AMENDS_DATABASE_URL": f"sqlite:///{db}",
        "AMENDS_MODEL": "offline",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    with (
        _process(["node", str(HERE / "provider.mjs"), str(provider_port), CLIENT_ID,
                  client_secret, redirect], home / "provider.log",
                 f"{issuer}/.well-known/openid-configuration", cwd=HERE),
        _process([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless",
                  "true", "--server.port", str(app_port), "--server.address", "127.0.0.1",
                  "--secrets.files", str(secrets_file)], home / "streamlit.log",
                 f"http://127.0.0.1:{app_port}/_stcore/health", cwd=ROOT, env=env),
    ):
        yield {"app": app_url, "issuer": issuer, "client_secret": client_secret,
               "cookie_secret": cookie_secret, "log": str(home / "streamlit.log")}


def _loopback_only(route) -> None:
    host = urllib.parse.urlparse(route.request.url).hostname
    if host in ("127.0.0.1", "localhost", "::1"):
        route.continue_()
    else:
        route.abort()


def test_sign_in_see_your_cases_sign_out(signed_app: dict[str, str]) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS,
                                     headless=True)
        page = browser.new_context(viewport={"width": 1300, "height": 1500}).new_page()
        page.route("**/*", _loopback_only)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # not signed in: the app shows only its sign-in page, no case, no form
        page.goto(signed_app["app"])
        page.get_by_role("heading", name="Sign in to Amends").wait_for(timeout=60_000)
        wait_idle(page)
        assert page.get_by_text("Payroll outage on pay day").count() == 0
        assert page.get_by_role("heading", name="Draft a recovery email").count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "oidc-1-sign-in.png"))

        # sign in at the provider: its login form, then its consent screen
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{signed_app['issuer']}/interaction/**", timeout=60_000)
        page.locator("input[name=login]").fill("ana.ortiz")
        page.locator("input[name=password]").fill("any password")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()

        # back in the app, signed in as the provider's account, with the cases there
        page.wait_for_url(f"{signed_app['app']}/**", timeout=60_000)
        wait_idle(page)
        page.screenshot(path=str(SHOTS / "oidc-2-back-in-the-app.png"))
        page.get_by_role("heading", name="Draft a recovery email").wait_for(timeout=60_000)
        wait_idle(page)
        sidebar = page.locator("[data-testid=stSidebar]")
        sidebar.get_by_text(f"Signed in as {USER}").wait_for(timeout=30_000)
        sidebar.get_by_role("link", name="History").click()
        page.get_by_role("heading", name="History").first.wait_for(timeout=60_000)
        wait_idle(page)
        page.get_by_text("Payroll outage on pay day").first.wait_for(timeout=30_000)
        assert page.get_by_text("Billing secret case").count() == 0, "another team's case"
        page.screenshot(path=str(SHOTS / "oidc-3-signed-in-history.png"))
        # a refresh keeps the sign-in (Streamlit's signed identity cookie)
        page.reload()
        sidebar.get_by_text(f"Signed in as {USER}").wait_for(timeout=60_000)
        html = page.content()
        assert signed_app["client_secret"] not in html and signed_app["cookie_secret"] not in html

        # sign out: the app's cookie goes, and the provider's session ends too
        sidebar.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Yes, sign me out").click()
        page.get_by_role("heading", name="Sign in to Amends").wait_for(timeout=60_000)
        wait_idle(page)
        assert page.locator("[data-testid=stSidebar]").get_by_text("Signed in as").count() == 0
        page.screenshot(path=str(SHOTS / "oidc-4-signed-out.png"))
        # and signing in again asks the provider for a login again
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{signed_app['issuer']}/interaction/**", timeout=60_000)
        assert page.locator("input[name=login]").count() == 1
        browser.close()
    assert not errors, errors
    log = Path(signed_app["log"]).read_text(errors="replace")
    assert signed_app["client_secret"] not in log and "Traceback" not in log
