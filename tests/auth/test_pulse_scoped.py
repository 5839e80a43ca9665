"""The trust pulse in a team deployment: the same checks as the ledger, on the server side.

Pulses are read by anyone who may see the case and written by its drafters and reviewers; a
user of another team can neither read nor write them by id, and every write is audited.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.auth import audit
from assistant.auth.permissions import PermissionDenied
from assistant.pulse import check_answers, delete_pulse, pulses, save_pulse
from assistant.survey import Survey, load_survey
from tests.auth.conftest import Team

SURVEY = Path(__file__).resolve().parents[2] / "surveys" / "trust_pulse.yaml"


def _answers(survey: Survey) -> object:
    values: dict[str, object] = {"date": "2026-11-12", "moment": "checkpoint"}
    values.update({item.id: 5 for item in survey.items})
    answers, problems = check_answers(survey, values)
    assert problems == [] and answers is not None
    return answers


def test_pulses_follow_the_case_team_and_are_audited(team: Team) -> None:
    survey = load_survey(SURVEY)
    dora, rita, bill = team.scoped("dora"), team.scoped("rita"), team.scoped("bill")
    case = dora.create_case("Support case")
    saved = save_pulse(dora, case.id, survey, _answers(survey))  # type: ignore[arg-type]
    assert [p.id for p in pulses(rita, case.id)] == [saved.id]  # a reviewer of the team reads
    with pytest.raises(PermissionDenied):
        pulses(bill, case.id)  # another team's case, asked for by id
    with pytest.raises(PermissionDenied):
        save_pulse(bill, case.id, survey, _answers(survey))  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        delete_pulse(bill, saved.id)
    assert [p.id for p in pulses(team.store, case.id)] == [saved.id]  # nothing was removed
    actions = [row.action for row in audit.events(team.store)]
    assert "pulse.update" in actions
