"""Revise: rewrite only the flagged sentences of a draft, never for the worse, shown as a diff.

With a model, the revise prompt rewrites each flagged sentence (rubric and grounding in the loop).
Offline, the rewrites in ``data/revise.yaml`` are tried on it: phrase swaps taken from the rules'
own suggestions, and a sentence-level rewrite that names the writer as the actor of a passive.
Either way a rewrite is kept only when :mod:`assistant.drafting.rewrite_guard` finds it keeps
every fact, reads as one whole sentence and scores better than the sentence did; otherwise the
sentence stays as it was and a note says why. Unflagged sentences are never touched.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from assistant.drafting.client import ModelClient, resolve_model
from assistant.drafting.models import Incident
from assistant.drafting.prompts import as_data, facts_data, messages_for
from assistant.drafting.rewrite_guard import damage, improves
from assistant.drafting.rewrites import applicable, apply
from assistant.models import Flag, Report
from assistant.settings import OFFLINE_MODEL


class Revision(BaseModel):
    """A revised text, what changed sentence by sentence, what was left and why, and a diff."""

    original: str
    revised: str
    diff: str
    changed: list[tuple[str, str]] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list, description="flagged sentences left as they were, and why"
    )
    generator: str = "offline composer"


class RevisedSentences(BaseModel):
    """What the revise prompt returns: one sentence per sentence sent, in order."""

    sentences: list[str] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _same_count(self, info: ValidationInfo) -> RevisedSentences:
        context = info.context if isinstance(info.context, dict) else {}
        expected = context.get("expected")
        if isinstance(expected, int) and len(self.sentences) != expected:
            raise ValueError(
                f"return exactly {expected} sentences, one per sentence sent, in order"
            )
        if context.get("soft_checks"):
            from assistant.drafting.checks import soft_problems

            problems = soft_problems(
                [s for s in self.sentences if s.strip()], context.get("incident")
            )
            if problems:
                raise ValueError("; ".join(problems))
        return self


def flagged_sentences(report: Report) -> dict[int, list[Flag]]:
    """Flags grouped by the sentence they sit in."""
    grouped: dict[int, list[Flag]] = {}
    for flag in report.flags:
        grouped.setdefault(flag.sentence, []).append(flag)
    return grouped


def _rewrite_with_model(
    model: str, items: list[tuple[str, list[Flag]]], incident: Incident | None
) -> list[str]:
    numbered = [
        {"sentence": text, "problems": [f"{f.message} Instead: {f.suggestion}" for f in flags]}
        for text, flags in items
    ]
    if incident is not None:
        from assistant.drafting.facts import usable_facts

        incident, _ = usable_facts(incident)  # withheld facts are never sent to a model
    messages = (
        messages_for("revise", incident, sentences=as_data(numbered), facts=facts_data(incident))
        if incident is not None
        else _messages_without_incident(numbered)
    )
    from assistant.drafting.engine import run_sync

    client = ModelClient(model)
    result = run_sync(
        client.generate(
            RevisedSentences, messages, incident=incident, max_tokens=150 * len(items) + 50
        )
    )
    value = result.value
    assert isinstance(value, RevisedSentences)
    if len(value.sentences) != len(items):  # a salvaged answer may miscount: keep the originals
        return [text for text, _ in items]
    return value.sentences


def _messages_without_incident(numbered: list[dict[str, Any]]) -> list[dict[str, str]]:
    from assistant.drafting.prompts import render

    return [{"role": "user", "content": render("revise", sentences=as_data(numbered), facts="")}]


def _suggestion(flags: list[Flag]) -> str:
    return " ".join(dict.fromkeys(f.suggestion.strip() for f in flags if f.suggestion.strip()))


def _offline(sentence: str, flags: list[Flag], scorer: Any) -> tuple[str, str | None]:
    """The best safe offline rewrite of one sentence (each rewrite builds on the last kept one)."""
    best = sentence
    for rewrite in applicable(flags):
        candidate = apply(rewrite, best)
        if candidate and not damage(sentence, candidate, flags) and improves(
            best, candidate, scorer
        ):
            best = candidate
    if best != sentence:
        return best, None
    rules = ", ".join(dict.fromkeys(f.rule for f in flags))
    return sentence, (
        f"left as written ({rules}): no rewrite keeps every fact and reads well without a model;"
        f" try: {_suggestion(flags)}"
    )


def _checked(sentence: str, new: str, flags: list[Flag], scorer: Any) -> tuple[str, str | None]:
    """A model's rewrite of one sentence, kept only when it does no damage and scores better."""
    new = " ".join(new.split())
    problems = damage(sentence, new, flags)
    if not problems and improves(sentence, new, scorer):
        return new, None
    why = "; ".join(problems) or "it scored no better"
    return sentence, f"the model's rewrite was not used ({why}): '{sentence.strip()[:80]}'"


def revise(
    text: str,
    report: Report,
    model: str | None = None,
    incident: Incident | None = None,
    rubric_set: Any = None,
) -> Revision:
    """Rewrite only the sentences that carry flags; everything else stays byte for byte.

    ``incident`` grounds a model's rewrites in the case's facts; ``rubric_set`` (default: the
    bundled rubrics) is what "scores better" is measured with.
    """
    from assistant.scoring import score

    def scorer(sentence: str) -> Report:
        return score(sentence, rubric_set, detectors=report_detectors)

    report_detectors = tuple(d.name for d in report.detectors if d.name != "judge") or ("rule",)
    chosen = resolve_model(model)
    grouped = flagged_sentences(report)
    spans = [(s.start, s.end) for s in report.sentences]
    targets = [(i, spans[i]) for i in sorted(grouped) if 0 <= i < len(spans)]
    notes: list[str] = []
    if chosen == OFFLINE_MODEL:
        results = [_offline(text[a:b], grouped[i], scorer) for i, (a, b) in targets]
        generator = "offline composer"
    else:
        answers = _rewrite_with_model(
            chosen, [(text[a:b], grouped[i]) for i, (a, b) in targets], incident
        )
        results = [
            _checked(text[a:b], new, grouped[i], scorer)
            for (i, (a, b)), new in zip(targets, answers, strict=True)
        ]
        generator = f"litellm: {chosen}"
    revised = text
    changed: list[tuple[str, str]] = []
    for (_, (a, b)), (new, note) in sorted(
        zip(targets, results, strict=True), key=lambda t: t[0][1][0], reverse=True
    ):
        if note:
            notes.append(note)
        old = text[a:b]
        if new.strip() == old.strip():
            continue
        revised = revised[:a] + new.strip() + revised[b:]
        changed.append((old, new.strip()))
    changed.reverse()
    notes.reverse()
    if changed and score(revised, rubric_set, detectors=report_detectors).scores.overall < (
        report.scores.overall
    ):  # sentence by sentence better, but not as a whole: keep the original
        notes.append("the rewrites together scored worse than the draft, so none was applied")
        revised, changed = text, []
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True), revised.splitlines(keepends=True), "draft", "revised"
        )
    )
    return Revision(
        original=text, revised=revised, diff=diff, changed=changed, notes=notes,
        generator=generator,
    )
