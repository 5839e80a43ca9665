"""The documented score formulas, checked on a small rubric whose hits we control."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.models import DetectorName
from assistant.rubric import load_rubric_set
from assistant.scoring import score

RULES: tuple[DetectorName, ...] = ("rule",)  # the formulas are checked on rule hits we control

RUBRIC = """\
id: toy
title: Toy
rules:
  - id: toy.err
    title: e
    category: defensive
    severity: error
    message: m
    suggestion: s
    phrases: [zork]
    examples: {flag: [zork], pass: [york]}
  - id: toy.warn
    title: w
    category: vague_promise
    severity: warning
    message: m
    suggestion: s
    phrases: [blip]
    span: sentence
    examples: {flag: [blip], pass: [blop]}
checks:
  - id: toy.ask
    element: ask
    title: a
    message: m
    suggestion: s
    evidence: [{phrases: [what do you need]}]
    examples: {present: ["What do you need?"], absent: ["Hello."]}
"""


@pytest.fixture
def toy(tmp_path: Path):
    path = tmp_path / "toy.yaml"
    path.write_text(RUBRIC, encoding="utf-8")
    return load_rubric_set(extra=[path], include_bundled=False)


def test_category_scores_and_overall_follow_the_formula(toy) -> None:
    report = score("Zork and zork. Blip blip blip. What do you need?", toy, RULES)
    assert [f.rule for f in report.flags] == ["toy.err", "toy.err", "toy.warn"]
    assert report.scores.defensive == 100 - 2 * 20
    assert report.scores.vague_promise == 100 - 10  # span: sentence flags a sentence once
    assert report.scores.self_orientation == 100
    mean = (60 + 90 + 100) / 3
    assert report.scores.overall == round(0.6 * mean + 0.4 * 20)
    assert report.earn["ask"].present and report.earn["ask"].evidence == "What do you need?"


def test_scores_floor_at_zero(toy) -> None:
    assert score("zork " * 10, toy, RULES).scores.defensive == 0


def test_trust_view_rises_with_intimacy_and_falls_with_flags(toy) -> None:
    asked = score("What do you need?", toy, RULES).trust
    plain = score("Hello there.", toy, RULES).trust
    defensive = score("Zork zork zork.", toy, RULES).trust
    assert asked.intimacy == 50 and plain.intimacy == 0
    assert asked.trust > plain.trust > defensive.trust
    assert plain.credibility == 50 and defensive.credibility == round(0.5 * 40)


def test_sentence_span_flag_covers_the_whole_sentence(toy) -> None:
    text = "First line.\n- We will blip the thing soon.\n"
    (flag,) = score(text, toy, RULES).flags
    assert flag.match == "We will blip the thing soon."
    assert (flag.line, flag.column) == (2, 3)
