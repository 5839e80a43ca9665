"""Property-based tests: the scorer never crashes, and every span it reports is exact."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.rubric import load_rubric_set
from assistant.scoring import score
from assistant.sentences import split_sentences

RUBRICS = load_rubric_set()
FRAGMENTS = [
    "We are sorry if",
    "any inconvenience this may have caused",
    "mistakes were made",
    "We will do better.",
    "our team worked tirelessly",
    "by Friday 12 May",
    "Dr. Smith",
    "U.S.",
    "- ",
    "1. ",
    "# ",
    "\n",
    "\r\n",
    "  ",
    "é",
    "😀",
    "<script>alert(1)</script>",
    "What would good look like from here?",
    "only a small number of",
    "we take this seriously",
    "Thank you for reporting the bug on 3 June.",
    "…",
    "\u2028",
    "\t",
    "'",
    "’",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=30).map(
    "".join
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_scorer_never_crashes_and_spans_are_exact(text: str) -> None:
    report = score(text, RUBRICS)
    for flag in report.flags:
        assert 0 <= flag.start < flag.end <= len(text)
        assert text[flag.start : flag.end] == flag.match
        line_start = text.rfind("\n", 0, flag.start) + 1
        assert flag.line == text.count("\n", 0, flag.start) + 1
        assert flag.column == flag.start - line_start + 1
        sentence = report.sentences[flag.sentence]
        assert sentence.start <= flag.start and flag.end <= sentence.end
    for name, evidence in report.earn.items():
        if evidence.present:
            assert evidence.start is not None and evidence.end is not None, name
            assert text[evidence.start : evidence.end] == evidence.evidence
    for value in report.scores.model_dump().values():
        assert 0 <= value <= 100


@settings(max_examples=300, deadline=None)
@given(texts)
def test_sentences_are_ordered_non_empty_and_trimmed(text: str) -> None:
    previous_end = 0
    for start, end in split_sentences(text):
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        assert "\n" not in text[start:end]
        previous_end = end


@settings(max_examples=200, deadline=None)
@given(texts)
def test_one_pass_pattern_sets_agree_with_each_regex_alone(text: str) -> None:
    """The scorer skips triggers the set says cannot fire; that must never hide a match."""
    live = RUBRICS.triggers.matching(text)
    matchers = [c.matcher for c in RUBRICS.rules] + [m for c in RUBRICS.checks for m in c.matchers]
    for matcher in matchers:
        assert (matcher.trigger.search(text) is not None) == (matcher.trigger_id in live)
