"""The real app in a real browser: headless Chromium (Debian's package) through Playwright.

Starts ``streamlit run app.py`` on loopback with a private database, fills an incident, generates
with the offline composer, checks a hostile draft (no script may run), refreshes and finds the
case in History. Every request the page makes is logged: none may leave loopback. Other tests
open a deep link as a fresh server's first request, refresh in the middle of typing, keep the
model across a refresh, and upload a long and an over-limit file. Screenshots go to
``test-output/browser/``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.storage import Store
from assistant.textinput import MAX_INPUT_BYTES, size_message

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "browser"
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
HOSTILE = (
    "Dear Sam,\n\nWe're sorry if anyone felt let down. <script>window.__pwned = 1</script>\n"
    'We will do better. <img src=x onerror="window.__pwned = 2">\n'
    "We are committed to ensuring this never happens again.\n"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    # CI installs chromium (scripts/test), so there a missing browser is a failure, not a skip.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium at /usr/bin/chromium",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_app(home: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on a free loopback port, with the database in ``home``
    (``extra_env`` overrides, e.g. a model on a loopback server)."""
    port = _free_port()
    env = {
        **os.environ,
        "AMENDS_HOME": str(home),
        "AMENDS_DATABASE_URL": f"sqlite:///{home / 'browser.db'}",
        "AMENDS_MODEL": "offline",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        **(extra_env or {}),
    }
    log = (home / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((home / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module's ordinary flows."""
    with running_app(tmp_path_factory.mktemp("amends-browser")) as url:
        yield url


def log_requests(page) -> list[str]:
    """Every URL the page asks for (documents, scripts, fonts, images, websockets)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on("websocket", lambda socket_: seen.append(socket_.url))
    return seen


def off_loopback(urls: list[str]) -> list[str]:
    """The requests that would leave the machine (data: and blob: URLs never do)."""
    out = []
    for url in urls:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme in ("data", "blob", "about"):
            continue
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            out.append(url)
    return out


def show(page, url: str | None, heading: str) -> None:
    """Go to ``url`` (or reload when None) and wait for the page's heading and an idle script."""
    if url is None:
        page.reload()
    else:
        page.goto(url)
    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
    wait_idle(page)


def sidebar_links(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid=stSidebarNav] a").all_inner_texts()]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS,
                                      headless=True)
        yield launched
        launched.close()


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the rerun the last action triggered."""
    page.wait_for_timeout(250)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=60_000,
    )
    page.wait_for_timeout(150)


def type_in(page, label: str, value: str, *, area: bool = False) -> None:
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(value)
    box.press("Control+Enter" if area else "Enter")
    wait_idle(page)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fill_incident(page, title: str) -> None:
    """Fill an incident by typing, as a leader would."""
    type_in(page, "Incident title", title)
    type_in(page, "What happened", "Our booking site was down for four hours on Monday, so "
            "your customers could not book appointments.", area=True)
    type_in(page, "When", "Monday 16 November")
    type_in(page, "Impacts on them (one per line)", "About 300 bookings lost\nYour front desk "
            "took dozens of calls", area=True)
    type_in(page, "Cause", "A database migration we ran locked the bookings table.", area=True)
    type_in(page, "Whose failure was it?", "Our platform team")
    type_in(page, "Recipient's name", "Alex Moreno")
    type_in(page, "Your name", "Jordan Lee")
    type_in(page, "Your role", "Head of Operations")
    type_in(page, "Approved action", "Run migrations only in the Sunday maintenance window")
    type_in(page, "Owner", "Sam Patel")
    type_in(page, "Checkpoint they can see", "Maintenance calendar shared with you")
    page.get_by_role("spinbutton", name="year, Due").first.click()
    page.keyboard.type("20261204")
    page.keyboard.press("Tab")
    wait_idle(page)


def test_draft_check_refresh_history_in_chromium(server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests = log_requests(page)
    page.goto(server)
    page.get_by_role("heading", name="Draft a recovery email").wait_for(timeout=60_000)
    wait_idle(page)

    fill_incident(page, "Browser outage case")
    assert "case=" in page.url, "the case id must be in the URL once something is typed"
    case_query = page.url.split("case=")[1].split("&")[0]

    page.get_by_role("button", name="Generate all four parts and the email").click()
    wait_idle(page)
    page.get_by_text("Draft ready").wait_for(timeout=30_000)
    body = page.get_by_label("Body", exact=True)
    assert "Alex" in body.input_value()
    shot(page, "01-draft-generated")

    # check a hostile draft: highlighted flags, and nothing in it may run
    page.get_by_role("link", name="Check").click()
    page.get_by_role("heading", name="Check a draft").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="New check").click()
    wait_idle(page)
    type_in(page, "Draft", HOSTILE, area=True)
    marks = page.locator("mark.amends-flag")
    marks.first.wait_for(timeout=30_000)
    assert marks.count() >= 2
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.locator(".amends-highlight img").count() == 0
    assert page.locator(".amends-highlight script").count() == 0
    assert "<script>window.__pwned = 1</script>" in page.locator(".amends-highlight").inner_text()
    shot(page, "02-check-hostile")

    # refresh: the check is still there, and History lists the drafted case
    page.reload()
    page.get_by_role("heading", name="Check a draft").wait_for(timeout=60_000)
    wait_idle(page)
    assert "We will do better" in page.get_by_label("Draft", exact=True).input_value()
    assert page.evaluate("() => window.__pwned === undefined")
    page.get_by_role("link", name="History").click()
    page.get_by_role("heading", name="History").wait_for()
    wait_idle(page)
    # the table is drawn on a canvas; its accessible grid cells carry the text
    page.locator("td[role=gridcell]", has_text="Browser outage case").first.wait_for(
        state="attached", timeout=30_000
    )
    shot(page, "03-history")

    # reopen by URL, as after a closed tab: the facts come back from the database
    page.goto(f"{server}/?case={case_query}")
    page.get_by_role("heading", name="Draft a recovery email").wait_for(timeout=60_000)
    wait_idle(page)
    assert page.get_by_label("Incident title", exact=True).input_value() == "Browser outage case"
    assert "Alex" in page.get_by_label("Body", exact=True).input_value()
    shot(page, "04-reopened")

    # a trainer opens an example in Compare
    page.get_by_role("link", name="Examples").click()
    page.get_by_role("heading", name="Examples for trainers").wait_for()
    wait_idle(page)
    shot(page, "05-examples")
    page.get_by_role("button", name="Open in Compare").first.click()
    page.get_by_role("heading", name="Compare two drafts").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator(".amends-diff").count() == 1
    shot(page, "06-compare")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Settings").wait_for()
    wait_idle(page)
    assert not errors, errors
    assert requests and not off_loopback(requests), off_loopback(requests)
    context.close()


def test_a_deep_link_as_the_first_request_gets_the_apps_navigation(
    tmp_path: Path, browser
) -> None:
    """A fresh server whose first request is ``/draft?case=N``: the app's own navigation (not
    Streamlit's auto-discovered ``pages/`` list) and the linked case; History honours its link."""
    store = Store(f"sqlite:///{tmp_path / 'browser.db'}")
    linked = store.create_case("Linked from an email", {"title": "Linked from an email"})
    store.add_version(linked.id, "We are sorry the delivery was late.", source="edited")
    newer = store.create_case("A newer case", {"title": "A newer case"})
    store.add_version(newer.id, "We apologise for any inconvenience.", source="edited")
    store.dispose()
    with running_app(tmp_path) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1800})
        page = context.new_page()
        requests = log_requests(page)
        show(page, f"{url}/draft?case={linked.id}", "Draft a recovery email")
        shot(page, "07-deep-link-first-request")
        nav = page.locator("[data-testid=stSidebarNav]").inner_text()
        assert "Write" in nav and "Learn and keep" in nav, nav
        links = sidebar_links(page)
        assert "app" not in [link.lower() for link in links], links
        assert page.get_by_label("Incident title", exact=True).input_value() == linked.title

        show(page, f"{url}/history?case={linked.id}", "History")
        assert page.get_by_role("heading", name="Linked from an email").count() == 1
        assert page.get_by_role("heading", name="A newer case").count() == 0
        assert not off_loopback(requests), off_loopback(requests)
        context.close()


def test_a_refresh_in_the_middle_of_typing_loses_nothing(server: str, browser) -> None:
    """No Enter, no Ctrl+Enter, no click elsewhere: the field is saved after a pause anyway."""
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = context.new_page()
    show(page, server, "Draft a recovery email")
    page.get_by_role("button", name="New case").click()
    wait_idle(page)
    typed = {"Incident title": "Typed but never submitted",  # a text input
             "What happened": "Our site was down for four hours on Monday."}  # a text area
    for label, text in typed.items():
        page.get_by_label(label, exact=True).click()
        page.keyboard.type(text, delay=20)
        page.wait_for_timeout(2500)
        wait_idle(page)
    assert "case=" in page.url
    show(page, None, "Draft a recovery email")
    for label, text in typed.items():
        assert page.get_by_label(label, exact=True).input_value() == text, label
    context.close()


def test_the_model_choice_survives_page_switches_and_a_refresh(server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    show(page, server, "Draft a recovery email")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Settings").wait_for()
    wait_idle(page)
    box = page.get_by_role("textbox", name="Model", exact=True)
    box.click()
    box.fill("openai/gpt-4o-mini")
    box.press("Enter")
    wait_idle(page)
    page.get_by_role("link", name="Check").click()
    page.get_by_role("heading", name="Check a draft").wait_for()
    wait_idle(page)
    assert "model=openai" in page.url
    show(page, None, "Check a draft")
    assert page.get_by_text("Model: openai/gpt-4o-mini").count() >= 1
    context.close()


def test_a_long_upload_is_paged_and_an_oversized_one_gets_the_clis_message(
    server: str, browser, tmp_path: Path
) -> None:
    letter = ("We apologise for any inconvenience this may have caused. Unforeseen circumstances "
              "beyond our control delayed the files. We will do our best to do better.\n\n")
    long_file = tmp_path / "long.txt"
    long_file.write_text(letter * 5_000, encoding="utf-8")  # ~870 KB, under the limit
    big_file = tmp_path / "big.txt"
    big_file.write_text(letter * 9_000, encoding="utf-8")  # ~1.5 MB, over it
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = context.new_page()
    show(page, f"{server}/check", "Check a draft")
    page.get_by_role("button", name="New check").click()
    wait_idle(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(long_file))
    page.get_by_text("A long text: page 1 of").wait_for(timeout=120_000)
    wait_idle(page)
    html_size = page.evaluate(
        "() => [...document.querySelectorAll('.amends-highlight')]"
        ".reduce((n, el) => n + el.outerHTML.length, 0)"
    )
    assert 0 < html_size < 1_000_000, html_size
    shot(page, "08-long-upload-paged")

    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(big_file))
    expected = size_message("big.txt", big_file.stat().st_size, MAX_INPUT_BYTES)
    page.get_by_text(expected).wait_for(timeout=60_000)
    shot(page, "09-oversized-upload")
    context.close()
