"""The Ledger page in real Chromium: an overdue row stands out, and closing one asks for proof.

Same harness as ``test_browser.py`` (a real ``streamlit run``, Debian's Chromium through
Playwright, nothing may leave loopback). The database is seeded before the server starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.ledger_models import LedgerEntryDraft
from assistant.storage import Store
from tests.app.test_browser import (
    CHROMIUM,
    LAUNCH_ARGS,
    log_requests,
    off_loopback,
    running_app,
    shot,
    show,
    wait_idle,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("amends-ledger-browser")
    store = Store(f"sqlite:///{home / 'browser.db'}")
    case = store.create_case("Card payments failed")
    store.add_ledger_entries(case.id, [
        LedgerEntryDraft(action="Publish the incident report", owner="Priya Raman",
                         due=TODAY - dt.timedelta(days=4), checkpoint="report in your folder"),
        LedgerEntryDraft(action="Require canary runs", owner="Tomas Berg",
                         due=TODAY + dt.timedelta(days=3)),
    ], actor="ann")
    store.dispose()
    with running_app(home) as url:
        yield url, home / "browser.db"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS,
                                      headless=True)
        yield launched
        launched.close()


def _style(page, selector: str) -> dict[str, str]:
    style: dict[str, str] = page.locator(selector).first.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {border: s.borderLeftColor, width: s.borderLeftWidth, bg: s.backgroundColor}; }"
    )
    return style


def test_overdue_stands_out_and_closing_asks_for_proof(seeded: tuple[str, Path], browser) -> None:
    url, db = seeded
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests = log_requests(page)
    show(page, f"{url}/ledger", "Ledger")
    page.get_by_text("OVERDUE by 4 days").wait_for(timeout=30_000)

    overdue = _style(page, ".st-key-ledger-overdue-1")
    soon = _style(page, ".st-key-ledger-soon-2")
    assert overdue["bg"] != soon["bg"]  # the overdue row has its own background
    assert overdue["border"] == "rgb(198, 40, 40)" and overdue["width"] == "6px"
    assert soon["border"] != overdue["border"]
    shot(page, "ledger-overdue")

    row = page.locator(".st-key-ledger-overdue-1")
    row.get_by_text("Close this entry").click()
    wait_idle(page)
    row.locator("button", has_text="Save").click()
    wait_idle(page)
    page.get_by_text("proof: say what was done").wait_for(timeout=30_000)
    assert Store(f"sqlite:///{db}").ledger_entry(1).status == "open"

    row = page.locator(".st-key-ledger-overdue-1")
    proof = row.get_by_label("Proof: what was done, and what they can see")
    proof.fill("Report published in your shared folder")
    proof.press("Control+Enter")
    wait_idle(page)
    row.locator("button", has_text="Save").click()
    wait_idle(page)
    page.get_by_text("Done, with proof (1)").wait_for(timeout=30_000)
    assert page.locator(".st-key-ledger-overdue-1").count() == 0
    assert page.locator(".st-key-ledger-done-1").count() == 1
    entry = Store(f"sqlite:///{db}").ledger_entry(1)
    assert entry.status == "done" and entry.proof == "Report published in your shared folder"
    shot(page, "ledger-closed")
    assert not errors, errors
    assert off_loopback(requests) == []
    context.close()
