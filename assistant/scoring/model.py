"""The learned-model detector: whole-sentence flags from the shipped heads, and EARN probabilities.

It flags a sentence when the head's probability reaches the category's threshold (chosen for
precision first, stored beside the weights). Each flag explains itself with the nearest labelled
sentences ("reads like: ...") and the rubric's own text for the category.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from assistant.learned.heads import DOC_LABELS, SENTENCE_LABELS, SentenceModel, get_model
from assistant.models import DetectorInfo, EarnEvidence, Flag, Severity
from assistant.rubric import RubricSet
from assistant.scoring.positions import LineIndex, sentence_flag

MODEL_SEVERITY: Severity = "warning"


@dataclass
class ModelOutput:
    """What the model said about one text."""

    flags: list[Flag]
    earn: dict[str, EarnEvidence]
    info: DetectorInfo


class ModelDetector:
    """Wraps the process-wide :class:`SentenceModel` (loaded on first use, then cached)."""

    name = "model"

    def __init__(self, model: SentenceModel | None = None) -> None:
        self.model = model or get_model()

    def detect(
        self,
        text: str,
        spans: list[tuple[int, int]],
        rubrics: RubricSet,
        lines: LineIndex,
        rule_earn: dict[str, EarnEvidence] | None = None,
    ) -> ModelOutput:
        """Flags and EARN verdicts; with ``rule_earn`` the verdicts combine both detectors."""
        sentences = [text[start:end] for start, end in spans]
        heads = self.model.heads
        probabilities = self.model.sentence_probabilities(sentences)
        flags: list[Flag] = []
        for k, label in enumerate(SENTENCE_LABELS):
            category = rubrics.category(label)
            if category is None:
                continue
            threshold = heads.thresholds.get(label, 0.5)
            for index in np.flatnonzero(probabilities[:, k] >= threshold):
                flags.append(
                    sentence_flag(
                        text,
                        spans[int(index)],
                        int(index),
                        lines,
                        category,
                        "model",
                        MODEL_SEVERITY,
                        round(float(probabilities[index, k]), 3),
                        similar=self.model.similar(sentences[int(index)], label),
                    )
                )
        earn: dict[str, EarnEvidence] = {}
        if sentences:
            doc_probabilities, evidence_index = self.model.document(sentences)
            combiner = heads.meta.get("earn_combiner", {})
            for k, element in enumerate(DOC_LABELS):
                probability = float(doc_probabilities[k])
                ruled = (rule_earn or {}).get(element)
                if ruled is not None and element in combiner:
                    present = combined_presence(probability, ruled.present, combiner[element])
                else:
                    present = probability >= heads.thresholds.get(element, 0.5)
                if ruled is not None and ruled.present and present:
                    earn[element] = ruled.model_copy(update={"confidence": round(probability, 3)})
                    continue
                start, end = spans[int(evidence_index[k])]
                earn[element] = EarnEvidence(
                    present=present,
                    rule=f"model.{element}" if present else None,
                    evidence=text[start:end] if present else None,
                    start=start if present else None,
                    end=end if present else None,
                    source="model",
                    confidence=round(probability, 3),
                )
        info = DetectorInfo(name="model", version=heads.version, sha256=heads.sha256)
        return ModelOutput(flags, earn, info)


def combined_presence(probability: float, rule_found: bool, weights: list[float]) -> bool:
    """The learned combination of the model's probability and the rule's evidence (weights
    fitted by ``amends train`` on letters the rule writers never saw)."""
    p = min(max(probability, 1e-6), 1 - 1e-6)
    a, b, c = weights
    return a * math.log(p / (1 - p)) + b * float(rule_found) + c >= 0.0
