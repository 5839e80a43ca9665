"""Every bundled rule proves itself: its 'flag' examples flag and its 'pass' examples do not.

The same goes for document checks: 'present' examples show the element, 'absent' ones do not.
These run against the real rubric files, the way `amends check` loads them.
"""

from __future__ import annotations

import pytest

from assistant.rubric import load_rubric_set
from assistant.scoring import score

RUBRICS = load_rubric_set()
RULE_EXAMPLES = [
    pytest.param(compiled.rule.id, text, expected, id=f"{compiled.rule.id}-{kind}{i}")
    for compiled in RUBRICS.rules
    for kind, texts, expected in (
        ("flag", compiled.rule.examples.flag, True),
        ("pass", compiled.rule.examples.pass_, False),
    )
    for i, text in enumerate(texts)
]
CHECK_EXAMPLES = [
    pytest.param(compiled.check.element, text, expected, id=f"{compiled.check.id}-{kind}{i}")
    for compiled in RUBRICS.checks
    for kind, texts, expected in (
        ("present", compiled.check.examples.present, True),
        ("absent", compiled.check.examples.absent, False),
    )
    for i, text in enumerate(texts)
]


def test_bundled_rubrics_have_rules_in_every_core_category() -> None:
    categories = {compiled.category for compiled in RUBRICS.rules}
    assert {"defensive", "vague_promise", "self_orientation"} <= categories
    elements = {compiled.check.element for compiled in RUBRICS.checks}
    assert elements == {"expose_impact", "expose_cause", "ask", "rebuild_specific", "name_them"}


@pytest.mark.parametrize(("rule_id", "text", "should_flag"), RULE_EXAMPLES)
def test_rule_example(rule_id: str, text: str, should_flag: bool) -> None:
    hits = [flag for flag in score(text, RUBRICS, ("rule",)).flags if flag.rule == rule_id]
    assert bool(hits) == should_flag, (
        f"{rule_id} should {'flag' if should_flag else 'not flag'}: {text!r}; flags: {hits}"
    )
    for flag in hits:
        assert text[flag.start : flag.end] == flag.match


@pytest.mark.parametrize(("element", "text", "present"), CHECK_EXAMPLES)
def test_check_example(element: str, text: str, present: bool) -> None:
    evidence = score(text, RUBRICS, ("rule",)).earn[element]
    assert evidence.present == present, (
        f"{element} should be {'present' if present else 'absent'} in {text!r}; got {evidence}"
    )
    if evidence.present:
        assert evidence.start is not None and evidence.end is not None
        assert text[evidence.start : evidence.end] == evidence.evidence
