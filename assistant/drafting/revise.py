"""Revise: rewrite only the flagged sentences of a draft and show the change as a diff.

With a model, the revise prompt rewrites each flagged sentence (rubric and grounding in the loop).
Offline, the flagged wording itself is removed and the sentence tidied, or the sentence dropped
when nothing meaningful is left; unflagged sentences are never touched either way.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from assistant.drafting.client import ModelClient, resolve_model
from assistant.drafting.models import Incident
from assistant.drafting.prompts import as_data, facts_data, messages_for
from assistant.models import Flag, Report
from assistant.settings import OFFLINE_MODEL

_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_DOUBLE_PUNCT = re.compile(r"([,;:])\s*([,.;:!?])")
_WORD = re.compile(r"[A-Za-z]{2,}")


class Revision(BaseModel):
    """A revised text, what changed sentence by sentence, and a unified diff."""

    original: str
    revised: str
    diff: str
    changed: list[tuple[str, str]] = Field(default_factory=list)
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


def _tidy(sentence: str) -> str:
    sentence = _SPACES.sub(" ", sentence)
    sentence = _SPACE_BEFORE_PUNCT.sub(r"\1", sentence)
    sentence = _DOUBLE_PUNCT.sub(r"\2", sentence).strip(" ,;:")
    if sentence and sentence[0].islower():
        sentence = sentence[0].upper() + sentence[1:]
    return sentence


def _remove_flagged(text: str, start: int, flags: list[Flag]) -> str:
    """The sentence without its flagged wording; empty when too little is left to stand alone."""
    sentence = text
    for flag in sorted(flags, key=lambda f: f.start, reverse=True):
        a, b = flag.start - start, flag.end - start
        if 0 <= a <= b <= len(sentence):
            sentence = sentence[:a] + sentence[b:]
    sentence = _tidy(sentence)
    if len(_WORD.findall(sentence)) < 3:
        return ""
    if sentence[-1:] not in ".!?":
        sentence += "."
    return sentence


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
    if len(value.sentences) != len(
        items
    ):  # a salvaged answer may miscount: keep the originals then
        return [text for text, _ in items]
    return value.sentences


def _messages_without_incident(numbered: list[dict[str, Any]]) -> list[dict[str, str]]:
    from assistant.drafting.prompts import render

    return [{"role": "user", "content": render("revise", sentences=as_data(numbered), facts="")}]


def revise(
    text: str, report: Report, model: str | None = None, incident: Incident | None = None
) -> Revision:
    """Rewrite only the sentences that carry flags; everything else stays byte for byte."""
    chosen = resolve_model(model)
    grouped = flagged_sentences(report)
    spans = [(s.start, s.end) for s in report.sentences]
    targets = [(i, spans[i]) for i in sorted(grouped) if 0 <= i < len(spans)]
    if chosen == OFFLINE_MODEL:
        rewritten = [_remove_flagged(text[a:b], a, grouped[i]) for i, (a, b) in targets]
        generator = "offline composer"
    else:
        rewritten = _rewrite_with_model(
            chosen, [(text[a:b], grouped[i]) for i, (a, b) in targets], incident
        )
        generator = f"litellm: {chosen}"
    revised = text
    changed: list[tuple[str, str]] = []
    for (_, (a, b)), new in sorted(
        zip(targets, rewritten, strict=True), key=lambda t: t[0][1][0], reverse=True
    ):
        old = text[a:b]
        if new.strip() == old.strip():
            continue
        end = b
        if not new:  # drop the sentence and the space after it
            while end < len(revised) and revised[end] in " \t":
                end += 1
        revised = revised[:a] + new.strip() + revised[end:]
        changed.append((old, new.strip()))
    changed.reverse()
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True), revised.splitlines(keepends=True), "draft", "revised"
        )
    )
    return Revision(original=text, revised=revised, diff=diff, changed=changed, generator=generator)
