"""The app's audience tabs, crisis posture and apology components, through AppTest on the real
app script with its own SQLite file and the offline composer."""

from __future__ import annotations

from pathlib import Path

import yaml
from streamlit.testing.v1 import AppTest

from assistant.drafting.audiences import AUDIENCES, label
from assistant.forms import form_from_incident
from assistant.storage import Store
from tests.app.conftest import ROOT, errors, open_page, page_text

INCIDENT = ROOT / "examples" / "incidents" / "outage-payments-api.yaml"


def _open_case(store: Store) -> tuple[AppTest, int]:
    """The payments incident saved as a case (as the form saves it), opened on the Draft page."""
    facts = form_from_incident(yaml.safe_load(INCIDENT.read_text(encoding="utf-8")))
    case = store.create_case(str(facts["title"]), facts, kind="draft")
    at = open_page("draft", case=str(case.id))
    return at, case.id


def test_the_form_shows_the_crisis_type_and_the_user_can_correct_it(
    app_env: Path, store: Store
) -> None:
    at, case_id = _open_case(store)
    text = page_text(at)
    assert "Preventable crisis" in text and "from the facts" in text
    assert "without running" in text  # the fact that led there
    at.selectbox(key="f.crisis_type").set_value("victim").run()
    assert not at.exception
    text = page_text(at)
    assert "Victim crisis" in text and "your choice" in text
    assert store.get_case(case_id).facts["crisis_type"] == "victim"
    fresh = open_page("draft", case=str(case_id))  # a refresh keeps the choice
    assert fresh.selectbox(key="f.crisis_type").value == "victim"


def test_every_audience_gets_a_tab_with_its_score_and_checks(
    app_env: Path, store: Store
) -> None:
    at, _ = _open_case(store)
    at.button(key="aud.draft").click().run()
    assert not at.exception and not at.error, errors(at)
    assert [t.label for t in at.tabs] == [label(a) for a in AUDIENCES]
    text = page_text(at)
    assert "Cross-check: every variant makes the same commitments" in text
    for audience in AUDIENCES:
        assert f"{label(audience)}: ready" in text
    bodies = [str(c.value) for c in at.code]
    assert any(b.startswith("Impact: 14 October 2026") for b in bodies)
    assert any(b.startswith("[Opening] Hello Dana") for b in bodies)
    assert sum(m.label == "Overall" for m in at.metric) >= len(AUDIENCES)


def test_the_email_and_the_check_page_show_the_apology_components(
    app_env: Path, store: Store
) -> None:
    at, _ = _open_case(store)
    at.button(key="draft.generate").click().run()
    assert not at.exception
    assert "Apology components" in [str(s.value) for s in at.subheader]
    assert "“I am sorry.” (cue)" in page_text(at)

    check = open_page("check")
    check.text_area(key="c.text").input(
        "Dear Sam,\n\nThis was our mistake. I am so sorry. We will refund your fee this week.\n"
    ).run()
    assert not check.exception
    text = page_text(check)
    assert "Apology components" in text and "“This was our mistake.” (cue)" in text
    assert "Not found." in text  # e.g. no request for forgiveness
