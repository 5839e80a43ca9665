"""One formatter for validation errors: the CLI, the app and drafting name a bad field alike."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.drafting.models import PART_MODELS, Incident, incident_from_data
from assistant.errors import (
    IncidentError,
    field_label,
    field_path,
    validation_lines,
    validation_message,
)
from assistant.forms import form_labels, part_labels

FORM = {"title": ("Incident title", "help"), "impacts": ("Impacts on them (one per line)", "")}
ACTIONS = {"what": ("Approved action", ""), "owner": ("Owner", ""), "due": ("Due", "")}


def invalid_incident() -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Incident.model_validate(
            {
                "title": "",
                "impacts": ["x" * 3000],
                "approved_actions": [
                    {"what": "Publish the runbook", "owner": "Dana", "due": "2026-01-05",
                     "checkpoint": "shared with you"},
                    {"what": "Add a monitor", "owner": "Sam", "due": "next week",
                     "checkpoint": "a dashboard link"},
                ],
            }
        )
    return caught.value


def test_paths_read_like_the_yaml_they_point_into() -> None:
    assert field_path(("approved_actions", 0, "due")) == "approved_actions[0].due"
    assert field_path(("fail_on",), prefix="tool.amends.") == "tool.amends.fail_on"
    assert field_path(()) == ""


def test_labels_match_exact_paths_wildcards_and_prefixes() -> None:
    labels = form_labels(FORM, ACTIONS)
    assert field_label(("approved_actions", 1, "due"), labels) == "Approved action 2: due"
    assert field_label(("approved_actions", 0, "what"), labels) == "Approved action 1"
    assert field_label(("impacts", 2), labels) == "Impacts on them, item 3"
    assert field_label(("title",), labels) == "Incident title"
    assert field_label(("cause",), labels) is None


def test_incident_errors_name_form_labels_or_paths() -> None:
    err = invalid_incident()
    plain = validation_lines(err)
    assert any(line.startswith("approved_actions[1].due: ") for line in plain), plain
    labelled = validation_lines(err, form_labels(FORM, ACTIONS))
    assert any(line.startswith("Approved action 2: due: ") for line in labelled), labelled
    assert any(line.startswith("Incident title: ") for line in labelled), labelled
    assert any(line.startswith("Impacts on them, item 1: ") for line in labelled), labelled
    assert not any("approved_actions" in line for line in labelled), labelled


def test_one_problem_is_one_line_several_are_a_list() -> None:
    with pytest.raises(ValidationError) as one:
        PART_MODELS["name_them"].model_validate({"statement": "too short"})
    assert validation_message(one.value, "part.json") == (
        "part.json: statement: String should have at least 20 characters"
    )
    several = validation_message(invalid_incident(), "incident.yaml")
    first, *rest = several.splitlines()
    assert first.startswith("incident.yaml: ") and first.endswith(" problems:")
    assert rest and all(line.startswith("  - ") for line in rest)


def test_whole_model_checks_carry_no_path_and_no_pydantic_prefix() -> None:
    with pytest.raises(ValidationError) as caught:
        PART_MODELS["ask"].model_validate({"questions": ["Which?", "How so?", "Who knew?"]})
    lines = validation_lines(caught.value, part_labels("ask", "Ask"))
    assert lines == ["Ask: questions (one per line): one question must ask, in the sender's voice,"
                     " what good would look like"], lines


def test_part_labels_follow_the_editor() -> None:
    with pytest.raises(ValidationError) as caught:
        PART_MODELS["rebuild"].model_validate(
            {"actions": [{"what": "Publish it", "owner": "Dana", "due": "soon",
                          "checkpoint": "shared"}], "review_cadence": "weekly"}
        )
    lines = validation_lines(caught.value, part_labels("rebuild", "Rebuild"))
    assert any(line.startswith("Rebuild action 1: due: ") for line in lines), lines


def test_incident_from_data_uses_the_labels_it_is_given() -> None:
    with pytest.raises(IncidentError) as caught:
        incident_from_data({"title": "x"}, "The incident form", form_labels(FORM, ACTIONS))
    message = str(caught.value)
    assert message.startswith("The incident form: the incident facts are not valid:\n  - ")
    assert "Approved actions: Field required" in message and "what_happened" in message
