"""Revise on the Check page, for a drafted case: grounded in the case's facts, a rewrite that
keeps the facts, and the sentences it left as written named with the rule's suggestion."""

from __future__ import annotations

from pathlib import Path

from assistant.storage import Store
from tests.app.conftest import errors, new_app, page_text
from tests.app.test_app_pages import case_param, fill_incident

ADDED = "Your payroll export has been delayed again. We will do better."


def test_revise_a_drafted_case_in_check(app_env: Path, store: Store) -> None:
    at = fill_incident(new_app().run())
    at.button(key="draft.generate").click().run()
    body = str(at.text_area(key="d.body").value)
    at.text_area(key="d.body").input(body.rstrip() + "\n\n" + ADDED + "\n").run()
    at.button(key="draft.to_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Check a draft"
    assert "against this case's incident facts" in page_text(at)

    at.button(key="check.revise").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "Left as written" in [e.label.split(" (")[0] for e in at.expander]
    notes = page_text(at)
    assert "vague_promise.empty-pledge" in notes and "Replace the pledge" in notes
    at.button(key="check.accept").click().run()
    revised = str(at.text_area(key="c.text").value)
    assert "We have delayed your payroll export again." in revised
    assert "We will do better." in revised, "left as written, not deleted"
    assert revised.startswith(body.strip()[:200]), "unflagged sentences untouched"
    versions = store.versions(int(case_param(at)))
    assert versions[-1].source == "revised" and versions[-1].body == revised
