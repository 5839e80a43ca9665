"""The rule detector: rubric rules (RE2) give exact spans; document checks give EARN evidence.

Rules work inside a sentence, so triggers run on sentences rather than on the whole text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assistant.models import EARN_ELEMENTS, EarnEvidence, Flag
from assistant.rubric import CompiledMatcher, RubricSet
from assistant.scoring.positions import LineIndex
from assistant.sentences import split_sentences


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


class RuleDetector:
    """The rubric rules: precise, explainable spans and EARN evidence sentences."""

    name = "rule"

    def __init__(self, rubrics: RubricSet) -> None:
        self.rubrics = rubrics

    def detect(
        self, text: str, lines: LineIndex
    ) -> tuple[list[Flag], dict[str, EarnEvidence], list[tuple[int, int]]]:
        """Flags, EARN evidence and the sentence spans (the one split every detector shares)."""
        doc = _Text(text, self.rubrics)
        flags = _to_flags(text, _find_hits(doc, self.rubrics), lines)
        return flags, _earn(doc, self.rubrics), doc.spans


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


def _to_flags(text: str, hits: list[tuple[int, int, int, Any]], lines: LineIndex) -> list[Flag]:
    flags: list[Flag] = []
    for start, end, index, compiled in hits:
        line, column = lines.position(start)
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
                column=column,
                match=text[start:end],
                sentence=index,
                source="rule",
                sources=("rule",),
                confidence=1.0,
                similar=(),
                reason=None,
            )
        )
    return flags


def _earn(doc: _Text, rubrics: RubricSet) -> dict[str, EarnEvidence]:
    """For each EARN element (and any custom document element), the first sentence that shows it."""
    found = {name: EarnEvidence(present=False, source="rule") for name in EARN_ELEMENTS}
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
        return EarnEvidence(present=False, source="rule")
    start, end = best
    return EarnEvidence(
        present=True,
        rule=check_id,
        evidence=doc.text[start:end],
        start=start,
        end=end,
        source="rule",
    )
