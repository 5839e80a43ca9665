"""What the URL and the database keep across a refresh, and what Draft does with edited parts.

A fresh AppTest with query parameters is a browser refresh or an opened link: History must show
(and act on) the case in the URL, the model and detector choices must come back, an edit of an
Expose box must reach the composed email, and a part's validation message must use the labels
the editor shows.
"""

from __future__ import annotations

from pathlib import Path

from assistant.storage import Store
from tests.app.conftest import errors, new_app, open_page, page_text, plain
from tests.app.test_app_pages import case_param, fill_incident


def test_history_shows_and_acts_on_the_case_in_the_url(app_env: Path, store: Store) -> None:
    older = store.create_case("Older case: the one linked")
    store.add_version(older.id, "We are sorry the files were late.", source="edited")
    newer = store.create_case("Newer case: listed first")
    store.add_version(newer.id, "We apologise for any inconvenience.", source="edited")
    assert store.list_cases()[0].id == newer.id

    at = open_page("history", case=str(older.id))
    assert at.selectbox(key="h.case").value == older.id
    assert any("Older case" in plain(h.value) for h in at.subheader)
    at.button(key="h.duplicate").click().run()
    copies = [c for c in store.list_cases() if c.title.startswith("Copy of")]
    assert [c.title for c in copies] == ["Copy of Older case: the one linked"]
    assert case_param(at) == str(copies[0].id), "the URL follows the case on screen"

    # choosing another case moves the URL, so a refresh shows that case again
    at.selectbox(key="h.case").select(newer.id).run()
    assert case_param(at) == str(newer.id)
    again = open_page("history", case=case_param(at))
    assert again.selectbox(key="h.case").value == newer.id


def test_model_and_detector_choices_survive_a_refresh(app_env: Path) -> None:
    at = open_page("settings")
    at.text_input(key="settings.model").input("openai/gpt-4o-mini").run()
    at.button_group(key="settings.detector_pick").set_value(["rule"]).run()
    assert at.query_params["model"] == "openai/gpt-4o-mini"
    assert at.query_params["detectors"] == "rule"

    # a refresh: a new session with only the URL
    again = open_page("draft", model="openai/gpt-4o-mini", detectors="rule")
    assert "Model: openai/gpt\\-4o\\-mini" in "\n".join(c.value for c in again.caption)
    again.switch_page("app_pages/settings.py").run()
    assert again.text_input(key="settings.model").value == "openai/gpt-4o-mini"
    assert again.button_group(key="settings.detector_pick").value == ["rule"]
    # back to the defaults: the URL is clean again
    again.text_input(key="settings.model").input("offline").run()
    again.button_group(key="settings.detector_pick").set_value(["rule", "model"]).run()
    assert "model" not in again.query_params and "detectors" not in again.query_params


def test_an_edit_of_exposes_what_happened_or_why_reaches_the_email(
    app_env: Path, store: Store
) -> None:
    at = fill_incident(new_app().run())
    at.button(key="draft.generate").click().run()
    assert not at.exception and not at.error
    new_what = "Our payroll platform was down for six hours on your pay day"
    new_why = "We let a certificate expire because its renewal was still done by hand."
    at.text_area(key="p.expose.what_happened").input(new_what).run()
    at.text_area(key="p.expose.why").input(new_why).run()
    statement = str(at.text_area(key="p.expose.statement").value)
    assert "our payroll platform was down for six hours on your pay day." in statement
    assert new_why in statement and "renewal was manual" not in statement
    at.button(key="draft.compose").click().run()
    assert not at.exception
    # "six hours" is not in the facts: the email is composed, shown and kept, but refused
    assert errors(at).startswith("Rejected by the validation net"), errors(at)
    assert "grounding.number: 'six hours'" in errors(at)
    body = str(at.text_area(key="d.body").value)
    assert "down for six hours" in body and new_why in body
    assert "07:10 to 13:25" not in body, "the old wording was replaced, not repeated"
    saved = store.get_case(int(case_param(at))).parts["expose"]
    assert saved["statement"] == statement


def test_part_problems_are_named_by_the_editors_labels(app_env: Path) -> None:
    at = fill_incident(new_app().run())
    at.button(key="draft.generate").click().run()
    at.text_input(key="p.rebuild.actions.0.owner").input("").run()
    at.text_area(key="p.ask.questions").input("Is that all").run()
    at.button(key="draft.compose").click().run()
    assert not at.exception
    message = errors(at)
    assert "Rebuild action 1: owner" in message
    assert "Ask: questions (one per line)" in message
    assert "actions.0" not in message and "questions:" not in message.replace(
        "questions (one per line)", ""
    )
    assert "Fix these parts before composing" in page_text(at)


def test_generate_also_asks_before_replacing_a_hand_edited_email(
    app_env: Path, store: Store
) -> None:
    at = fill_incident(new_app().run())
    at.button(key="draft.generate").click().run()
    edited = str(at.text_area(key="d.body").value) + "\nA line of my own.\n"
    at.text_area(key="d.body").input(edited).run()
    at.button(key="draft.generate").click().run()
    assert "Generating writes a new email over it" in "\n".join(w.value for w in at.warning)
    assert at.text_area(key="d.body").value == edited
    at.button(key="draft.confirm_replace").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "A line of my own." not in str(at.text_area(key="d.body").value)
    sources = [v.source for v in store.versions(int(case_param(at)))]
    assert sources == ["generated", "edited", "generated"]
