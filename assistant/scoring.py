"""Score a text against rubrics: the one pure function behind CLI, app, drafting and benchmarks.

No I/O beyond the cached rubric load, no model and no litellm import. Scores are simple on purpose
so a trainer can explain them:

* category score = max(0, 100 - 20 x errors - 10 x warnings - 4 x infos) for that category;
* overall = 0.6 x mean of the three category scores + 0.4 x (20 x EARN elements present);
* trust view (the trust equation, 0-100 each): credibility = 0.5 x defensive + 25 x expose_impact
  + 25 x expose_cause; reliability = 0.5 x vague_promise + 50 x rebuild_specific; intimacy =
  50 x ask + 50 x name_them; self-orientation = 100 - self_orientation score;
  trust = mean(credibility, reliability, intimacy) x (1 - self-orientation / 200).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

from assistant.models import (
    CORE_CATEGORIES,
    EARN_ELEMENTS,
    EarnEvidence,
    Flag,
    Report,
    Scores,
    SentenceSpan,
    TrustView,
)
from assistant.rubric import CompiledMatcher, RubricSet, load_rubric_set
from assistant.sentences import split_sentences

SEVERITY_PENALTY: dict[str, int] = {"error": 20, "warning": 10, "info": 4}
CATEGORY_WEIGHT = 0.6
EARN_WEIGHT = 0.4
_NEWLINE = re.compile("\n")


class _Text:
    """A text split into sentences, with which triggers fire in each sentence (RE2 set passes
    per sentence) and which conditions hold in it (each asked lazily, then cached).

    Rules work inside a sentence, so triggers run on sentences rather than on the whole text:
    a match never crosses a sentence boundary, and ``^``/``$`` anchor to the sentence.
    """

    def __init__(self, text: str, rubrics: RubricSet) -> None:
        self.text = text
        self.spans = split_sentences(text)
        self.sentences = [text[start:end] for start, end in self.spans]
        self._conditions = rubrics.conditions
        self._holding: dict[tuple[int, int], bool] = {}
        self._live: dict[int, list[int]] = {}
        for index, sentence in enumerate(self.sentences):
            for trigger_id in rubrics.triggers.matching(sentence):
                self._live.setdefault(trigger_id, []).append(index)

    def satisfies(self, matcher: CompiledMatcher, index: int) -> bool:
        """Whether the sentence meets every ``requires`` and none of the ``unless`` conditions."""
        return all(self._holds(c, index) for c in matcher.requires) and not any(
            self._holds(c, index) for c in matcher.unless
        )

    def _holds(self, condition: int, index: int) -> bool:
        """Whether one condition matches one sentence (cached: rules share conditions)."""
        key = (condition, index)
        cached = self._holding.get(key)
        if cached is None:
            cached = self._conditions.regex(condition).search(self.sentences[index]) is not None
            self._holding[key] = cached
        return cached

    def matches(self, matcher: CompiledMatcher) -> Iterator[tuple[int, int, int]]:
        """(start, end, sentence) of each non-empty trigger match, in text order."""
        for index in self._live.get(matcher.trigger_id, ()):
            offset = self.spans[index][0]
            for match in matcher.trigger.finditer(self.sentences[index]):
                if match.end() > match.start():
                    yield offset + match.start(), offset + match.end(), index


def score(text: str, rubric_set: RubricSet | None = None) -> Report:
    """Flag every rule hit in ``text``, check EARN coverage and compute the scores."""
    rubrics = rubric_set if rubric_set is not None else load_rubric_set()
    doc = _Text(text, rubrics)
    hits = _find_hits(doc, rubrics)
    flags = _to_flags(text, hits)
    earn = _earn(doc, rubrics)
    scores = _scores(flags, earn)
    return Report(
        flags=flags,
        scores=scores,
        earn=earn,
        trust=_trust(scores, earn),
        sentences=[SentenceSpan(start=s, end=e) for s, e in doc.spans],
        rubrics=list(rubrics.rubric_ids),
    )


def _find_hits(doc: _Text, rubrics: RubricSet) -> list[tuple[int, int, int, Any]]:
    """(start, end, sentence, compiled rule) for every rule firing, before line/column work."""
    hits: list[tuple[int, int, int, Any]] = []
    for compiled in rubrics.rules:
        whole_sentence = compiled.rule.span == "sentence"
        flagged_sentences: set[int] = set()
        for start, end, index in doc.matches(compiled.matcher):
            if index in flagged_sentences and whole_sentence:
                continue
            if not doc.satisfies(compiled.matcher, index):
                continue
            flagged_sentences.add(index)
            if whole_sentence:
                start, end = doc.spans[index]
            hits.append((start, end, index, compiled))
    hits.sort(key=lambda hit: (hit[0], hit[1], hit[3].rule.id))
    return hits


def _to_flags(text: str, hits: list[tuple[int, int, int, Any]]) -> list[Flag]:
    if not hits:
        return []
    line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    flags: list[Flag] = []
    for start, end, index, compiled in hits:
        line = bisect_right(line_starts, start)
        rule = compiled.rule
        flags.append(
            Flag.model_construct(
                rule=rule.id,
                category=compiled.category,
                severity=rule.severity,
                message=rule.message.strip(),
                suggestion=rule.suggestion.strip(),
                start=start,
                end=end,
                line=line,
                column=start - line_starts[line - 1] + 1,
                match=text[start:end],
                sentence=index,
            )
        )
    return flags


def _earn(doc: _Text, rubrics: RubricSet) -> dict[str, EarnEvidence]:
    """For each EARN element (and any custom document element), the first sentence that shows it."""
    found: dict[str, EarnEvidence] = {name: EarnEvidence(present=False) for name in EARN_ELEMENTS}
    for compiled in rubrics.checks:
        element = compiled.check.element
        if found.get(element, EarnEvidence(present=False)).present:
            continue
        found[element] = _evidence(doc, compiled.check.id, compiled.matchers)
    return found


def _evidence(doc: _Text, check_id: str, matchers: tuple[CompiledMatcher, ...]) -> EarnEvidence:
    best: tuple[int, int] | None = None
    for matcher in matchers:
        for _, _, index in doc.matches(matcher):
            if best is not None and doc.spans[index][0] >= best[0]:
                break  # sentences come in order: nothing earlier can follow
            if doc.satisfies(matcher, index):
                best = doc.spans[index]
                break
    if best is None:
        return EarnEvidence(present=False)
    start, end = best
    return EarnEvidence(
        present=True, rule=check_id, evidence=doc.text[start:end], start=start, end=end
    )


def category_score(flags: list[Flag], category: str) -> int:
    """100 minus the severity penalties of the category's flags, floored at 0."""
    penalty = sum(SEVERITY_PENALTY[f.severity] for f in flags if f.category == category)
    return max(0, 100 - penalty)


def _scores(flags: list[Flag], earn: dict[str, EarnEvidence]) -> Scores:
    per_category = {name: category_score(flags, name) for name in CORE_CATEGORIES}
    coverage = 20 * sum(earn[name].present for name in EARN_ELEMENTS)
    mean_category = sum(per_category.values()) / len(per_category)
    overall = round(CATEGORY_WEIGHT * mean_category + EARN_WEIGHT * coverage)
    return Scores(overall=overall, **per_category)


def _trust(scores: Scores, earn: dict[str, EarnEvidence]) -> TrustView:
    def has(name: str) -> int:
        return int(earn[name].present)

    credibility = round(
        0.5 * scores.defensive + 25 * has("expose_impact") + 25 * has("expose_cause")
    )
    reliability = round(0.5 * scores.vague_promise + 50 * has("rebuild_specific"))
    intimacy = 50 * has("ask") + 50 * has("name_them")
    self_orientation = 100 - scores.self_orientation
    trust = round((credibility + reliability + intimacy) / 3 * (1 - self_orientation / 200))
    return TrustView(
        credibility=credibility,
        reliability=reliability,
        intimacy=intimacy,
        self_orientation=self_orientation,
        trust=trust,
    )
