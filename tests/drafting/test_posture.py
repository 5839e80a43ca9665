"""Crisis posture (Coombs): the type from the facts with its reason, the user's override, and the
net's posture checks on real drafts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.drafting import compose, draft
from assistant.drafting.facts import usable_facts
from assistant.drafting.models import Incident, load_incident, parse_incident
from assistant.drafting.posture import classify, posture_failures, posture_for
from assistant.errors import IncidentError
from assistant.patterns import compile_regex

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def victim() -> Incident:
    return load_incident(DATA / "victim-ransomware.yaml")


@pytest.fixture
def accidental() -> Incident:
    return load_incident(DATA / "accidental-disk.yaml")


def test_each_type_is_classified_with_the_facts_that_led_there(
    incident: Incident, victim: Incident, accidental: Incident
) -> None:
    kind, reason, cues = classify(victim)
    assert kind == "victim" and "ransomware" in reason and "what_happened" in reason
    assert {c.points_to for c in cues} == {"victim"}
    kind, reason, _ = classify(accidental)
    assert kind == "accidental" and "cause" in reason and "faulty controller" in reason
    kind, reason, _ = classify(incident)
    assert kind == "preventable" and "without running" in reason


def test_a_preventable_cause_outweighs_an_attacker(victim: Incident) -> None:
    """An attack through a door the organisation left open is a preventable crisis."""
    careless = victim.model_copy(
        update={"cause": "Criminals got in because we did not check the supplier accounts."}
    )
    kind, reason, _ = classify(careless)
    assert kind == "preventable" and "did not check" in reason and "outweighed" in reason


def test_a_storm_counts_only_when_it_caused_the_failure(accidental: Incident) -> None:
    story = accidental.model_copy(
        update={"what_happened": "After the storm, a storage controller in our print house failed"}
    )
    assert classify(story)[0] == "accidental"
    struck = accidental.model_copy(update={"cause": "A storm flooded the room that held the array."})
    kind, reason, _ = classify(struck)
    assert kind == "victim" and "cause: 'storm'" in reason


def test_a_missing_check_is_a_preventable_cue(accidental: Incident) -> None:
    unchecked = accidental.model_copy(
        update={"cause": "The controller failed and nobody on the night shift checked the alarms."}
    )
    kind, reason, _ = classify(unchecked)
    assert kind == "preventable" and "a check or safeguard that was missing" in reason


def test_a_crisis_history_raises_the_type(accidental: Incident) -> None:
    again = accidental.model_copy(
        update={"what_happened": accidental.what_happened + " again, as in March"}
    )
    kind, reason, _ = classify(again)
    assert kind == "preventable" and "raised to preventable" in reason and "again" in reason


def test_no_cue_takes_the_default_with_its_reason(incident: Incident) -> None:
    plain = incident.model_copy(
        update={"cause": "The routing table held a wrong entry.", "what_happened": "Payments failed"}
    )
    posture = posture_for(plain)
    assert posture.crisis_type == "preventable" and posture.source == "default"
    assert "no fact pointed" in posture.reason


def test_the_user_overrides_the_classifier(victim: Incident) -> None:
    chosen = victim.model_copy(update={"crisis_type": "preventable"})
    posture = posture_for(chosen)
    assert posture.crisis_type == "preventable" and posture.source == "user"
    assert "the facts pointed to victim" in posture.reason
    assert posture.forbids == ["justification", "scapegoat"]


def test_crisis_type_is_validated_by_name(incident: Incident) -> None:
    data = incident.model_dump(mode="json") | {"crisis_type": "unlucky"}
    with pytest.raises(IncidentError) as caught:
        parse_incident(yaml.safe_dump(data), "case.yaml")
    assert "crisis_type" in str(caught.value) and "preventable" in str(caught.value)
    assert parse_incident(yaml.safe_dump(data | {"crisis_type": " Victim "})).crisis_type == "victim"


def test_every_pattern_of_the_posture_data_compiles() -> None:
    data = yaml.safe_load((ROOT / "assistant/drafting/data/posture.yaml").read_text())
    for spec in data["types"].values():
        for cue in spec["cues"]:
            compile_regex(cue["pattern"])
    for behaviour in data["behaviours"].values():
        for cue in behaviour["cues"]:
            compile_regex(cue)
    assert set(data["postures"]) == set(data["types"]) == set(data["ladder"])


# --- the net ----------------------------------------------------------------------------------


def _with_statement(incident: Incident, extra: str) -> list[str]:
    """The offline draft's parts with ``extra`` added to Expose, composed and checked."""
    result = draft(incident)
    assert result.status == "ready", result.reasons()
    parts = result.parts()
    expose = parts["expose"]
    parts["expose"] = expose.model_copy(update={"statement": f"{expose.statement} {extra}"})  # type: ignore[attr-defined]
    checked = compose(incident, parts)
    return [f.check for f in checked.net]


def test_every_offline_draft_takes_its_posture(
    incident: Incident, victim: Incident, accidental: Incident
) -> None:
    for facts, kind in ((incident, "preventable"), (victim, "victim"), (accidental, "accidental")):
        result = draft(facts)
        assert result.status == "ready", result.reasons()
        assert result.posture is not None and result.posture.crisis_type == kind
        assert result.posture.line in result.body or kind  # the line is for the audience layouts


@pytest.mark.parametrize(
    ("extra", "check"),
    [
        ("In our defence, the change followed the process everyone in the industry uses.",
         "posture.justification"),
        ("Given how busy that week was, this was understandable.", "posture.justification"),
        ("The change was made by a junior engineer who did not follow our process.",
         "posture.scapegoat"),
        ("Our hosting provider's error is where this really started.", "posture.scapegoat"),
    ],
)
def test_a_preventable_draft_that_justifies_or_blames_is_refused(
    incident: Incident, extra: str, check: str
) -> None:
    assert check in _with_statement(incident, extra)


def test_a_victim_draft_may_explain_the_attack_but_never_blame_the_reader(
    victim: Incident,
) -> None:
    explains = _with_statement(victim, "The attack was beyond our control, and it still hurt you.")
    assert not [c for c in explains if c.startswith("posture.")]
    blames = _with_statement(victim, "If you had enabled two-factor sign-in, this would not have"
                             " reached your clinic.")
    assert "posture.blame_reader" in blames


def test_a_draft_without_an_apology_or_ownership_is_refused(incident: Incident) -> None:
    usable, _ = usable_facts(incident)
    posture = posture_for(usable)
    body = "The report is attached. Card payments work normally again.\n"
    failures = posture_failures(body, posture, usable)
    missing = " ".join(f.message for f in failures if f.check == "posture.missing_component")
    assert "Express regret" in missing and "Acknowledge responsibility" in missing
