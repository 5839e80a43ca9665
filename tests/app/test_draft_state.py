"""The Draft page's state codec, checks and wording, tested directly on a plain dict (the page's
widget keys are the contract: AppTest drives the same keys in tests/app/test_app_pages.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant import draft_state as ds
from assistant.drafting import draft
from assistant.forms import form_from_incident
from assistant.gallery import load_gallery


def example_facts() -> dict[str, Any]:
    return form_from_incident(load_gallery()[0].incident)


def test_facts_round_trip_through_the_widget_keys() -> None:
    facts = example_facts()
    state: dict[str, Any] = {}
    ds.fill_facts(state, facts, force=True)
    assert state["f.title"] == facts["title"]
    assert isinstance(state["f.aa.0.due"], dt.date), "the date input needs a date"
    assert state["draft.actions_n"] == len(facts["approved_actions"])
    again = ds.facts_form(state)
    assert again["title"] == facts["title"]
    assert again["approved_actions"] == facts["approved_actions"]


def test_fill_keeps_what_is_typed_unless_forced() -> None:
    state: dict[str, Any] = {"f.title": "typed by the user"}
    ds.fill_facts(state, {"title": "saved"}, force=False)
    assert state["f.title"] == "typed by the user"
    ds.fill_facts(state, {"title": "saved"}, force=True)
    assert state["f.title"] == "saved"
    assert state["f.tone"] == "direct", "a missing choice gets the form's default"


def test_a_generated_draft_fills_every_part_and_the_email() -> None:
    state: dict[str, Any] = {}
    ds.fill_facts(state, example_facts(), force=True)
    incident, problems = ds.incident(state)
    assert incident is not None and not problems
    result = draft(incident)
    ds.apply_draft(state, result.parts(), result.subject, result.body)
    assert state["d.body"] == result.body and state["d.subject"] == result.subject
    assert result.ask is not None
    assert state["p.ask.questions"].splitlines() == result.ask.questions
    parts, problems = ds.valid_parts(state)
    assert parts is not None and not problems and set(parts) == set(result.parts())


def test_problems_are_named_by_the_forms_labels_in_one_wording() -> None:
    state: dict[str, Any] = {}
    ds.fill_facts(state, {"title": "x"}, force=True)
    incident, problems = ds.incident(state)
    assert incident is None and problems
    assert all("." not in p.split(":")[0] for p in problems), problems  # labels, not paths
    message = ds.problem_list(ds.INCIDENT_HEADING, problems, lambda p: p.upper())
    assert message.startswith("Fix these fields of the incident first:\n\n- ")
    assert message.count("\n- ") == len(problems) and problems[0].upper() in message


def test_no_parts_and_bad_parts_are_told_apart() -> None:
    assert ds.valid_parts({}) == (None, [ds.NO_PARTS])
    state = {"p.ask.questions": "Is that all", "p.rebuild.n": 1,
             "p.rebuild.actions.0.what": "Fix it", "p.rebuild.actions.0.owner": ""}
    parts, problems = ds.valid_parts(state)
    assert parts is None
    assert any(p.startswith("Ask: questions") for p in problems), problems
    assert any("Rebuild action 1" in p for p in problems), problems


def test_action_rows_grow_and_shrink_but_never_below_one() -> None:
    state: dict[str, Any] = {"draft.actions_n": 1}
    ds.add_row(state)
    state["f.aa.1.what"] = "second"
    assert state["draft.actions_n"] == 2
    assert ds.remove_row(state) and "f.aa.1.what" not in state
    assert not ds.remove_row(state) and state["draft.actions_n"] == 1


def test_clear_forgets_the_form_and_nothing_else() -> None:
    state = {"f.title": "t", "p.ask.questions": "q", "d.body": "b", "draft.actions_n": 2,
             "draft.loaded_case": 3, "settings.model_choice": "offline", "active_case": 3}
    ds.clear(state)
    assert state == {"settings.model_choice": "offline", "active_case": 3}


def test_hand_edited_means_not_what_amends_wrote_last() -> None:
    assert not ds.hand_edited("", ["x"])
    assert ds.hand_edited("mine", [])
    assert not ds.hand_edited("made", ["older", "made"])
    assert ds.hand_edited("made", ["made", "newer"])
