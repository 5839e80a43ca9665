"""The apology-components checklist: real scorer, real encoder, real data file, real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assistant.models import APOLOGY_COMPONENTS
from assistant.patterns import compile_regex
from assistant.scoring import score
from assistant.scoring.components import DATA, component_specs

ROOT = Path(__file__).resolve().parents[2]
LETTER = (
    "Dear Ms Okafor,\n\n"
    "On 4 May we sent your order of 300 chairs to the wrong depot. "
    "This was our mistake, and nobody else's. "
    "It happened because our new routing table still held your old address. "
    "I am truly sorry for the two days your showroom stood half empty. "
    "We have changed the routing so that every address is confirmed before dispatch. "
    "We will refund the delivery charge in full this week. "
    "I hope you will give us the chance to earn back your trust.\n\n"
    "Jo Reyes\nHead of Logistics\n"
)


def _by_name(text: str, detectors: tuple[str, ...] = ("rule", "model")) -> dict[str, object]:
    report = score(text, detectors=detectors)  # type: ignore[arg-type]
    return {c.component: c for c in report.components}


def test_every_component_is_found_with_its_own_sentence() -> None:
    found = _by_name(LETTER)
    assert list(found) == list(APOLOGY_COMPONENTS)
    expected = {
        "acknowledge_responsibility": "This was our mistake",
        "explain": "It happened because",
        "express_regret": "I am truly sorry",
        "declare_repentance": "We have changed the routing",
        "offer_repair": "We will refund",
        "request_forgiveness": "earn back your trust",
    }
    for name, words in expected.items():
        item = found[name]
        assert item.present, name  # type: ignore[attr-defined]
        assert words in item.evidence, (name, item.evidence)  # type: ignore[attr-defined]
        assert LETTER[item.start : item.end] == item.evidence  # type: ignore[attr-defined]


def test_a_letter_with_no_apology_shows_none() -> None:
    text = "Dear team,\n\nThe portal opens on Monday. The new login page is attached.\n\nSam\n"
    assert not any(c.present for c in score(text).components)


def test_a_conditional_apology_is_not_regret() -> None:
    found = _by_name("We are sorry if anyone felt let down by the delay.")
    assert not found["express_regret"].present  # type: ignore[attr-defined]


def test_similarity_finds_wording_no_cue_matches() -> None:
    """Owning it in words no cue pattern matches."""
    sentence = "The blame belongs to my team and to me alone."
    spec = next(s for s in component_specs() if s.name == "acknowledge_responsibility")
    assert not any(p.search(sentence) for p in spec.cues)
    with_model = _by_name(sentence)["acknowledge_responsibility"]
    rules_only = _by_name(sentence, ("rule",))["acknowledge_responsibility"]
    assert with_model.present and with_model.how == "similar"  # type: ignore[attr-defined]
    assert with_model.exemplar in spec.exemplars  # type: ignore[attr-defined]
    assert not rules_only.present  # type: ignore[attr-defined]


def test_rules_only_uses_cues_alone() -> None:
    found = score(LETTER, detectors=("rule",)).components
    assert all(c.how in (None, "cue") for c in found)
    assert sum(c.present for c in found) >= 5


def test_the_data_file_is_well_formed_and_holds_no_evaluation_sentence() -> None:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    assert list(data["components"]) == list(APOLOGY_COMPONENTS)
    written = [e for spec in data["components"].values() for e in spec["exemplars"]]
    written += data["negatives"]
    assert all(isinstance(e, str) and e.strip() for e in written)
    for spec in data["components"].values():
        for pattern in [*spec.get("cues", []), *spec.get("unless", [])]:
            compile_regex(pattern)
    labelled = ROOT / "benchmarks" / "components" / "labels.jsonl"
    evaluated = {json.loads(line)["text"].strip() for line in labelled.read_text().splitlines()}
    copied = evaluated & {e.strip() for e in written}
    assert evaluated and all(len(c.split()) <= 2 for c in copied), copied  # "Yours sincerely,"


def test_check_json_carries_the_checklist(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_text(LETTER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "check", str(path), "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    components = json.loads(done.stdout)["files"][0]["components"]
    assert [c["component"] for c in components] == list(APOLOGY_COMPONENTS)
    regret = next(c for c in components if c["component"] == "express_regret")
    assert regret["present"] and "sorry" in regret["evidence"]
    assert LETTER[regret["start"] : regret["end"]] == regret["evidence"]


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_text_has_an_empty_checklist(text: str) -> None:
    assert not any(c.present for c in score(text).components)
