"""The Draft page shows the validation net: its status, each named check, grounding issues beside
their sentence; a refused draft is kept as a rejected version and History says so. Real app
(AppTest), real SQLite file, offline composer."""

from __future__ import annotations

from pathlib import Path

from assistant.drafting import draft
from assistant.net_verdict import by_sentence, rejected, status_label, verdict, version_scores
from assistant.scoring import score
from assistant.storage import Store
from tests.app.conftest import errors, new_app, page_text
from tests.app.test_app_pages import case_param, fill_incident

UNGROUNDED = "Our payroll platform was down for six hours on your pay day"


def test_a_draft_that_passes_says_so_and_keeps_the_verdict(app_env: Path, store: Store) -> None:
    at = fill_incident(new_app().run())
    at.button(key="draft.generate").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "Passed the validation net" in page_text(at)
    latest = store.versions(int(case_param(at)))[-1]
    assert latest.source == "generated" and latest.scores["net"]["passed"] is True
    assert status_label(latest.scores) == "passed" and "overall" in latest.scores


def test_a_refused_draft_is_kept_as_rejected_with_its_reasons_beside_the_sentence(
    app_env: Path, store: Store
) -> None:
    at = fill_incident(new_app().run())
    at.button(key="draft.generate").click().run()
    at.text_area(key="p.expose.what_happened").input(UNGROUNDED).run()
    at.button(key="draft.compose").click().run()
    assert not at.exception
    shown = errors(at)
    assert shown.startswith("Rejected by the validation net")
    assert "The email: grounding.number: 'six hours'" in shown, shown
    # the grounding issue sits beside the sentence that holds it
    quoted = [m.value for m in at.markdown if m.value.startswith("> ")]
    assert any("six hours" in q for q in quoted), quoted
    assert any("'six hours' is not a quantity" in w.value for w in at.warning)

    case_id = int(case_param(at))
    latest = store.versions(case_id)[-1]
    assert latest.source == "composed" and "six hours" in latest.body, "kept, not thrown away"
    assert rejected(latest.scores)
    checks = {f["check"] for f in latest.scores["net"]["failures"]}
    assert "grounding.number" in checks

    at.switch_page("app_pages/history.py").run()
    assert not at.exception
    assert f"v{latest.number} was rejected by the validation net" in errors(at)
    table = at.dataframe[-1].value
    column = list(table["Net"])
    assert column[0] == "rejected" and "passed" in column, column


def test_verdict_as_data_places_each_issue_beside_its_sentence(app_env: Path) -> None:
    facts = {
        "title": "Late delivery", "what_happened": "Your order arrived four days late.",
        "when": "3 March 2026", "impacts": "You missed the opening", "cause":
        "We booked the wrong courier slot.", "cause_owner": "Our warehouse team",
        "recipient.name": "Sam Ortiz", "sender.name": "Lee Park", "sender.role": "COO",
        "approved_actions": [{"what": "Book two courier slots for every launch order",
                              "owner": "Our warehouse team", "due": "2026-03-20",
                              "checkpoint": "the booking log, sent to you"}],
    }
    from assistant.forms import check_incident

    incident, problems = check_incident(facts)
    assert incident is not None, problems
    result = draft(incident)
    assert verdict(result)["passed"] is True
    result.body += "\nWe will refund $500 by 9 March 2026.\n"
    from assistant.drafting.engine import finish

    result = finish(incident, result)
    found = verdict(result)
    assert found["passed"] is False
    placed = dict(by_sentence(result.body, found))
    sentence = next(s for s in placed if "$500" in s)
    assert any("500" in message for message in placed[sentence])
    scores = version_scores(score(result.body), result)
    assert rejected(scores) and scores["overall"] == score(result.body).scores.overall
