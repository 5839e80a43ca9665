"""Audience variants: one set of grounded parts, five readers, each checked, all cross-checked.

Offline through the real composer and data layouts; the model path against the loopback server;
the CLI as a user runs it (a subprocess) and in process with the server's environment.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.cli import main
from assistant.drafting.audiences import (
    AUDIENCES,
    audience_failures,
    cross_check,
    draft_audiences,
    offline_layout,
    parse_audiences,
)
from assistant.drafting.facts import usable_facts
from assistant.drafting.models import Incident, load_incident
from assistant.drafting.posture import posture_for
from assistant.drafting.prompts import as_data, messages_for
from assistant.errors import InputError
from assistant.resources import bundled_dir
from tests.drafting.fault_server import FaultServer, offline_parts, routed

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
INCIDENTS = sorted((bundled_dir("examples") / "incidents").glob("*.yaml")) + sorted(
    DATA.glob("*.yaml")
)
INCIDENT = ROOT / "examples" / "incidents" / "outage-payments-api.yaml"
MODEL = "openai/gpt-4o-mini"


def _layouts(incident: Incident) -> dict[str, str]:
    usable, _ = usable_facts(incident)
    parts = {str(name): part for name, part in offline_parts(incident).items()}
    posture = posture_for(usable)
    return {a: offline_layout(a, usable, parts, posture)[1] for a in AUDIENCES}


@pytest.mark.parametrize("path", INCIDENTS, ids=lambda p: p.stem)
def test_every_incident_drafts_five_ready_variants_offline(path: Path) -> None:
    result = draft_audiences(load_incident(path))
    assert result.status == "ready", result.reasons()
    assert [v.audience for v in result.variants] == list(AUDIENCES)
    assert not result.crosscheck
    for variant in result.variants:
        draft = variant.draft
        assert draft.report is not None and draft.report.components
        assert draft.posture == result.posture and not draft.net


def test_the_variants_really_differ(incident: Incident) -> None:
    bodies = _layouts(incident)
    executive, technical = bodies["executive"], bodies["technical"]
    public, call = bodies["public"], bodies["call"]
    assert len(executive.split()) <= 250 and len(executive.split()) < len(technical.split())
    lead = executive.split("\n\n")[0]
    assert "14 October 2026" in lead and "2,140 of your customers" in lead
    assert "Why it happened: We deployed a configuration change" in technical
    assert "Timeline:" in technical and "15:03 UTC" in technical
    for owner, due in (("Priya Raman", "2026-10-24"), ("Tomas Berg", "2026-11-07")):
        line = next(ln for ln in technical.splitlines() if owner in ln)
        assert due in line
    for private in ("Dana", "Whitfield", "Brightwater", "Head of E-commerce", "twelve failed"):
        assert private not in public
    assert "one of our clients" in public
    assert not re.search(r"^\s*- ", call, re.M) and "Dear" not in call
    assert call.startswith("[Opening] Hello Dana")
    assert bodies["client"].startswith("Dear Dana Whitfield")


def test_a_clean_set_passes_the_cross_check(incident: Incident) -> None:
    assert cross_check(list(_layouts(incident).items()), usable_facts(incident)[0]) == []


def _tampered(incident: Incident, audience: str, old: str, new: str) -> list[str]:
    bodies = _layouts(incident)
    assert old in bodies[audience]
    bodies[audience] = bodies[audience].replace(old, new)
    failures = cross_check(list(bodies.items()), usable_facts(incident)[0])
    return [f"{f.check}: {f.message}" for f in failures]


def test_the_cross_check_catches_a_date_that_differs(incident: Incident) -> None:
    found = _tampered(incident, "executive", "by 24 October 2026", "by 31 October 2026")
    assert any(f.startswith("crosscheck.date") and "Executive summary: 31/10" in f for f in found)


def test_the_cross_check_catches_an_owner_that_differs(incident: Incident) -> None:
    found = _tampered(incident, "technical", "Owner: Priya Raman", "Owner: Tomas Berg")
    assert any(f.startswith("crosscheck.owner") and "Technical note: Tomas Berg" in f
               for f in found)


def test_the_cross_check_catches_a_commitment_left_out(incident: Incident) -> None:
    found = _tampered(
        incident, "public",
        "- Require a canary run on live traffic for every routing change. Owner: Tomas Berg,"
        " Platform Lead, by 7 November 2026.\n", "",
    )
    assert any(f.startswith("crosscheck.promise") and "not in Public statement" in f
               for f in found)


def test_the_cross_check_catches_a_promise_only_one_variant_makes(incident: Incident) -> None:
    found = _tampered(incident, "call", "[Close]",
                      "We will also waive your fees for the whole of November. [Close]")
    assert any(f.startswith("crosscheck.promise") and "Call script promises" in f for f in found)


def test_the_cross_check_catches_a_figure_that_differs(incident: Incident) -> None:
    found = _tampered(incident, "technical", "2,140 of your customers", "2,410 of your customers")
    assert any(f.startswith("crosscheck.amount") for f in found)


def test_each_variant_keeps_its_own_rules(incident: Incident) -> None:
    usable, _ = usable_facts(incident)
    bodies = _layouts(incident)
    assert all(audience_failures(a, b, usable) == [] for a, b in bodies.items())  # type: ignore[arg-type]
    leaked = bodies["public"].replace("one of our clients", "Brightwater Outdoor")
    assert "audience.private_detail" in {f.check for f in audience_failures("public", leaked, usable)}
    long = bodies["executive"] + "\n" + "This sentence pads the summary far past its limit. " * 20
    assert "audience.too_long" in {f.check for f in audience_failures("executive", long, usable)}
    late = "Overview of the quarter.\n\n" + bodies["executive"]
    assert "audience.lead" in {f.check for f in audience_failures("executive", late, usable)}
    listed = bodies["call"].replace("First, publish", "- First, publish")
    assert "audience.not_spoken" in {f.check for f in audience_failures("call", listed, usable)}
    bare = re.sub(r"Owner: Priya Raman[^\n]*", "", bodies["technical"])
    assert "audience.missing_fact" in {f.check for f in audience_failures("technical", bare, usable)}


def test_audiences_are_parsed_by_name() -> None:
    assert parse_audiences("all") == AUDIENCES
    assert parse_audiences("public, executive") == ("executive", "public")
    with pytest.raises(InputError, match=r"unknown audience 'board'.*client, executive"):
        parse_audiences("client,board")


def test_audience_prompts_fence_the_facts(incident: Incident) -> None:
    marked = Incident.model_validate(
        json.loads(json.dumps(incident.model_dump(mode="json")).replace("Dana", "Canary7"))
    )
    for audience in AUDIENCES[1:]:
        messages = messages_for(f"audience_{audience}", marked, parts=as_data({"x": "p"}),
                                posture="own it", brief="short")
        user = messages[1]["content"]
        outside = re.sub(r"<incident_facts>.*?</incident_facts>", "", user, flags=re.S)
        assert "Canary7" in user and "Canary7" not in outside
        assert f"AUDIENCE: {audience}" in user and "quoted material" in user


# --- the model path, against the loopback server ---------------------------------------------


def _model_answers(incident: Incident, change: dict[str, tuple[str, str]] | None = None) -> Any:
    """Parts and the client email as the offline composer writes them; each audience prompt
    answered with its offline layout, optionally with one text changed."""
    clean = routed(incident)
    bodies = _layouts(incident)

    def answer(body: dict[str, Any]) -> str:
        prompt = json.dumps(body.get("messages"))
        for audience in AUDIENCES[1:]:
            if f"AUDIENCE: {audience}" in prompt:
                text = bodies[audience]
                old, new = (change or {}).get(audience, ("", ""))
                text = text.replace(old, new) if old else text
                return json.dumps({"subject": f"{audience}: {incident.title}", "body": text})
        return str(clean(body))

    return answer


def test_a_model_writes_every_variant_and_passes(
    fault_server: FaultServer, incident: Incident
) -> None:
    fault_server.answer_for = _model_answers(incident)
    fault_server.plan(("route", None))
    result = draft_audiences(incident, model=MODEL)
    assert result.status == "ready", result.reasons()
    prompts = json.dumps([r["messages"] for r in fault_server.requests])
    assert all(f"AUDIENCE: {a}" in prompts for a in AUDIENCES[1:])
    assert {v.draft.generator for v in result.variants} == {f"litellm: {MODEL}"}


def test_cli_refuses_a_model_variant_that_contradicts_another(
    fault_server: FaultServer, incident: Incident, capsys: pytest.CaptureFixture[str]
) -> None:
    fault_server.answer_for = _model_answers(
        incident, {"executive": ("by 24 October 2026", "by 2 November 2026")}
    )
    fault_server.plan(("route", None))
    code = main(["draft", str(INCIDENT), "--model", MODEL, "--audience", "all"])
    captured = capsys.readouterr()
    assert code == 1
    assert "## Executive summary" in captured.out and "## Cross-check" in captured.out
    assert "cross-check: crosscheck.date" in captured.err and "2/11" in captured.err


# --- the CLI, as a user runs it -----------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "draft", *args],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=300,
    )


def test_cli_drafts_every_audience_as_text_and_json() -> None:
    done = _run(str(INCIDENT), "--audience", "all")
    assert done.returncode == 0, done.stderr
    for heading in ("Client email", "Executive summary", "Technical note", "Public statement",
                    "Call script"):
        assert f"## {heading}" in done.stdout
    assert "**Crisis type:** preventable (classifier)" in done.stdout
    assert "[x] Express regret" in done.stdout
    done = _run(str(INCIDENT), "--audience", "executive,public", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [v["audience"] for v in data["variants"]] == ["executive", "public"]
    assert data["status"] == "ready" and data["posture"]["crisis_type"] == "preventable"
    components = data["variants"][0]["draft"]["report"]["components"]
    assert {c["component"] for c in components if c["present"]} >= {"express_regret"}


def test_cli_json_draft_carries_posture_and_components() -> None:
    done = _run(str(INCIDENT), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["posture"]["crisis_type"] == "preventable" and data["posture"]["cues"]
    first = data["report"]["components"][0]
    assert first["component"] == "acknowledge_responsibility"


def test_cli_refuses_a_variant_that_breaks_its_rules(tmp_path: Path, incident: Incident) -> None:
    """Six long approved actions make an executive summary no leader would read."""
    subjects = ["card routing", "fraud rules", "settlement batches", "refund queues",
                "merchant onboarding", "currency conversion"]
    long = [
        {"what": f"Review every {subject} change made this year with the payments team and"
                 f" publish what was found and fixed in the {subject} service",
         "owner": "Priya Raman, Head of Reliability", "due": f"2026-11-{10 + n}",
         "checkpoint": "the review in your shared folder"}
        for n, subject in enumerate(subjects)
    ]
    path = tmp_path / "long.yaml"
    data = incident.model_dump(mode="json") | {"approved_actions": long}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = _run(str(path), "--audience", "executive")
    assert done.returncode == 1
    assert "executive: audience.too_long" in done.stderr
    assert "## Executive summary" in done.stdout  # still printed, marked
    assert "status: rejected" in done.stdout


def test_cli_names_an_unknown_audience() -> None:
    done = _run(str(INCIDENT), "--audience", "board")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unknown audience 'board'" in done.stderr


def test_the_public_statement_keeps_what_the_sender_shares_and_scrubs_possessives(
    incident: Incident,
) -> None:
    """An internal team shares the sender's organisation: naming it is not a private detail; the
    recipient's own name in an action is replaced, possessive and all."""
    internal = incident.model_copy(update={
        "recipient": incident.recipient.model_copy(
            update={"organisation": "Ledgerline", "relationship": "internal_team"}
        ),
        "approved_actions": [
            incident.approved_actions[0].model_copy(
                update={"what": "Send Dana's team the full incident report with the timeline"}
            ),
            incident.approved_actions[1],
        ],
    })
    result = draft_audiences(internal, ["client", "public"])
    assert result.status == "ready", result.reasons()
    public = result.variants[1].draft.body
    assert "Ledgerline" in public and "Dana" not in public
    assert "Send the client's team the full incident report" in public


def test_a_checkpoint_that_promises_is_part_of_its_action(incident: Incident) -> None:
    """'I will send you ...' as a checkpoint belongs to its approved action, so a variant that
    lists the action without the checkpoint does not contradict the one that has it."""
    promised = incident.model_copy(update={"approved_actions": [
        incident.approved_actions[0].model_copy(
            update={"checkpoint": "I will send you the report myself"}
        ),
        incident.approved_actions[1],
    ]})
    result = draft_audiences(promised)
    assert result.status == "ready", result.reasons()
    assert "I will send you the report myself" in result.variants[0].draft.body
