"""Score a text: the one pure function behind CLI, app, drafting and benchmarks.

Scoring is a pipeline of detectors over the same sentences: the rubric rules (exact spans), the
learned sentence model (on by default; offline, weights shipped as package data) and an optional
LLM judge. Their flags merge per sentence and category: a model or judge flag that lands on a
sentence a rule already flagged in that category adds its name to the rule flag's ``sources``
instead of showing twice. No litellm or streamlit import on this path.

Scores are simple on purpose so a trainer can explain them:

* category score = max(0, 100 - 20 x errors - 10 x warnings - 4 x infos) for that category;
* overall = 0.6 x mean of the three category scores + 0.4 x (20 x EARN elements present);
* trust view (the trust equation, 0-100 each): credibility = 0.5 x defensive + 25 x expose_impact
  + 25 x expose_cause; reliability = 0.5 x vague_promise + 50 x rebuild_specific; intimacy =
  50 x ask + 50 x name_them; self-orientation = 100 - self_orientation score;
  trust = mean(credibility, reliability, intimacy) x (1 - self-orientation / 200).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from assistant.errors import ModelFileError
from assistant.models import (
    CORE_CATEGORIES,
    EARN_ELEMENTS,
    DetectorInfo,
    DetectorName,
    EarnEvidence,
    Flag,
    Report,
    Scores,
    SentenceSpan,
    TrustView,
)
from assistant.rubric import RubricSet, load_rubric_set
from assistant.scoring.components import checklist as apology_checklist
from assistant.scoring.components import fallback_note as components_fallback
from assistant.scoring.positions import LineIndex
from assistant.scoring.rules import RuleDetector

SEVERITY_PENALTY: dict[str, int] = {"error": 20, "warning": 10, "info": 4}
CATEGORY_WEIGHT = 0.6
EARN_WEIGHT = 0.4
DETECTOR_NAMES: tuple[DetectorName, ...] = ("rule", "model", "judge")
DEFAULT_DETECTORS: tuple[DetectorName, ...] = ("rule", "model")
_ALIASES: dict[str, DetectorName] = {
    "rule": "rule",
    "rules": "rule",
    "model": "model",
    "models": "model",
    "judge": "judge",
}


class JudgeVerdicts(Protocol):
    """What a judge hands back for one text (see :mod:`assistant.scoring.judge`)."""

    flags: list[Flag]
    notes: list[str]
    info: DetectorInfo


class Judge(Protocol):
    """An LLM judge over the same sentences; kept behind a protocol so scoring never imports
    litellm: only a caller that asked for a judge builds one."""

    def judge(
        self, text: str, spans: list[tuple[int, int]], rubrics: RubricSet, lines: LineIndex
    ) -> JudgeVerdicts: ...


def parse_detectors(values: Iterable[str]) -> tuple[DetectorName, ...]:
    """Detector names from flags or config (``rules,model``), in pipeline order; ValueError if
    a name is unknown."""
    chosen: set[DetectorName] = set()
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in _ALIASES:
                raise ValueError(
                    f"unknown detector '{part.strip()}' (choose from rules, model, judge)"
                )
            chosen.add(_ALIASES[name])
    return tuple(name for name in DETECTOR_NAMES if name in chosen)


def score(
    text: str,
    rubric_set: RubricSet | None = None,
    detectors: Sequence[DetectorName] = DEFAULT_DETECTORS,
    judge: Judge | None = None,
) -> Report:
    """Flag ``text`` with the chosen detectors, check EARN coverage and compute the scores.

    A detector that cannot run (a missing or corrupt model file) is skipped with a note in the
    report; the rules always run, since every other detector works on their sentence split.
    """
    rubrics = rubric_set if rubric_set is not None else load_rubric_set()
    lines = LineIndex(text)
    flags, earn, spans = RuleDetector(rubrics).detect(text, lines)
    if "rule" not in detectors:
        flags = []
    infos = [DetectorInfo(name="rule")] if "rule" in detectors else []
    notes: list[str] = []
    if "model" in detectors:
        try:
            from assistant.scoring.model import ModelDetector

            rule_earn = earn if "rule" in detectors else None
            output = ModelDetector().detect(text, spans, rubrics, lines, rule_earn)
        except ModelFileError as error:
            notes.append(f"the learned model was skipped: {error}")
        else:
            flags = merge_flags(flags, output.flags)
            earn = {**earn, **output.earn}
            infos.append(output.info)
    if "judge" in detectors and judge is not None:
        verdicts = judge.judge(text, spans, rubrics, lines)
        flags = merge_flags(flags, verdicts.flags)
        notes.extend(verdicts.notes)
        infos.append(verdicts.info)
    scores = _scores(flags, earn)
    # Apology components (assistant.scoring.components): cues always, similarity with the model.
    checklist = apology_checklist(text, spans, similarity="model" in detectors)
    return Report(
        flags=flags,
        scores=scores,
        earn=earn,
        trust=_trust(scores, earn),
        sentences=[SentenceSpan(start=s, end=e) for s, e in spans],
        rubrics=list(rubrics.rubric_ids),
        detectors=infos,
        notes=notes + [n for n in [components_fallback()] if n and not notes],
        components=checklist,
    )


def merge_flags(base: list[Flag], extra: list[Flag]) -> list[Flag]:
    """Add ``extra`` flags to ``base``: one landing on a sentence already flagged in its category
    joins that flag's ``sources`` (keeping the first flag's span and wording)."""
    if not extra:
        return base
    merged = list(base)
    first: dict[tuple[int, str], int] = {}
    for position, flag in enumerate(merged):
        first.setdefault((flag.sentence, flag.category), position)
    for flag in extra:
        key = (flag.sentence, flag.category)
        if key in first:
            host = merged[first[key]]
            if flag.source not in host.sources:
                merged[first[key]] = host.model_copy(
                    update={
                        "sources": (*host.sources, flag.source),
                        "similar": host.similar or flag.similar,
                        "reason": host.reason or flag.reason,
                    }
                )
            continue
        first[key] = len(merged)
        merged.append(flag)
    merged.sort(key=lambda f: (f.start, f.end, f.rule))
    return merged


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
