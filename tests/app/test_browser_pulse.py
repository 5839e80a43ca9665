"""The Pulse page in a real browser: headless Chromium (Debian's package) through Playwright.

The example arc is loaded into a private database; the page is opened by a deep link to the
case, the trust chart and the ledger chart are drawn (Vega-Lite, shipped with Streamlit), the
plain-text survey is shown, and no request leaves loopback. Screenshots go to
``test-output/browser/``. Same harness as ``tests/app/test_browser.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.arc import arc_folder, load_into_store
from assistant.storage import Store
from tests.app.test_browser import (
    CHROMIUM,
    browser,
    log_requests,
    off_loopback,
    running_app,
    shot,
    wait_idle,
)

__all__ = ["browser"]  # the shared Chromium fixture

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium at /usr/bin/chromium",
    ),
]


@pytest.fixture(scope="module")
def arc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A server whose database holds the example arc (first letter, two updates, three pulses)."""
    home: Path = tmp_path_factory.mktemp("amends-pulse-browser")
    store = Store(f"sqlite:///{home / 'browser.db'}")
    case_id = load_into_store(store, arc_folder("cartons-late"))
    store.dispose()
    with running_app(home) as url:
        yield url, case_id


def test_survey_chart_beside_the_ledger_in_chromium(arc_server: tuple[str, int], browser) -> None:
    url, case_id = arc_server
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests = log_requests(page)
    page.goto(f"{url}/pulse?case={case_id}")
    page.get_by_role("heading", name="Pulse").wait_for(timeout=60_000)
    wait_idle(page)

    survey = page.locator("[data-testid=stCode]").first
    assert "What would good look like from here?" in survey.inner_text()

    page.get_by_role("tab", name="Trust over time").click()
    wait_idle(page)
    page.get_by_text("Trust is coming back").wait_for(timeout=30_000)
    charts = page.locator("[data-testid=stVegaLiteChart]")
    charts.nth(2).wait_for(timeout=30_000)
    assert charts.count() == 3  # trust per dimension; the ledger; the letters' scores
    for index in range(3):
        drawn = charts.nth(index).locator("canvas, svg").first
        drawn.wait_for(timeout=30_000)
        box = drawn.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100, box
    assert page.get_by_text("Lagging: Reliability").count() == 1
    shot(page, "pulse-01-trust-over-time")

    page.get_by_role("tab", name="Draft an update").click()
    wait_idle(page)
    page.get_by_role("button", name="Draft an update").click()
    wait_idle(page)
    page.get_by_label("Update", exact=True).wait_for(timeout=30_000)
    assert page.get_by_label("Update", exact=True).input_value().startswith("Dear Peter Novak,")
    shot(page, "pulse-02-update")

    assert errors == []
    assert off_loopback(requests) == [], off_loopback(requests)
    context.close()
