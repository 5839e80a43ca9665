"""Rebuild the shipped heads from labelled letters: ``amends train``.

Deterministic by construction: the n-gram vocabulary is sorted, documents are read in sorted
order, and the solver (L-BFGS logistic regression) has no random state, so the same data and
settings give byte-identical files. Thresholds are chosen on out-of-writer predictions (each
writer's letters scored by heads trained without that writer), precision first, never on the
fit to the training letters themselves; the blind evaluation letters are never read here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.learned.data import LabelledDoc
from assistant.learned.encoder import StaticEncoder, get_encoder
from assistant.learned.features import NgramVectoriser
from assistant.learned.heads import DOC_LABELS, SENTENCE_LABELS, Heads

MODEL_VERSION = "1"
MIN_PRECISION = 0.70
MAX_EXAMPLES_PER_LABEL = 1500


@dataclass(frozen=True)
class TrainingSettings:
    """What the fit depends on besides the data (stored in the heads' metadata)."""

    c_sentence: float = 2.0
    c_doc: float = 1.0
    vector_weight: float = 1.0
    min_df: int = 2
    min_precision: float = MIN_PRECISION


def _sklearn() -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as error:  # the train extra is not installed
        raise SystemExit("amends train needs scikit-learn: pip install 'amends[train]'") from error
    return LogisticRegression


def sentence_rows(docs: Sequence[LabelledDoc]) -> tuple[list[str], np.ndarray, list[str]]:
    """(sentences, label matrix, group per sentence) in document order."""
    texts: list[str] = []
    labels: list[list[bool]] = []
    groups: list[str] = []
    for doc in docs:
        for sentence in doc.sentences:
            texts.append(sentence.text)
            labels.append([name in sentence.labels for name in SENTENCE_LABELS])
            groups.append(doc.group)
    return texts, np.array(labels, dtype=bool).reshape(-1, len(SENTENCE_LABELS)), groups


class Featuriser:
    """Training-time features: the same arithmetic as the inference in ``heads.SentenceModel``."""

    def __init__(self, vectoriser: NgramVectoriser, encoder: StaticEncoder, weight: float) -> None:
        self.vectoriser = vectoriser
        self.encoder = encoder
        self.weight = weight

    def sentences(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.encoder.encode(list(texts)) * self.weight
        return np.hstack([vectors, self.vectoriser.transform(texts)])

    def documents(self, docs: Sequence[LabelledDoc]) -> np.ndarray:
        rows = []
        for doc in docs:
            texts = [s.text for s in doc.sentences] or [""]
            vectors = self.encoder.encode(texts) * self.weight
            grams = self.vectoriser.transform(texts).sum(axis=0)
            norm = float(np.linalg.norm(grams))
            rows.append(
                np.concatenate([vectors.mean(axis=0), vectors.max(axis=0), grams / max(norm, 1e-9)])
            )
        return np.stack(rows)


def _fit(features: np.ndarray, target: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """Weights and bias of one balanced logistic head (constant target: a fixed bias)."""
    if target.all() or not target.any():
        return np.zeros(features.shape[1]), 8.0 if target.all() else -8.0
    head = _sklearn()(C=c, class_weight="balanced", max_iter=3000, solver="lbfgs")
    head.fit(features, target)
    return head.coef_[0].astype(np.float64), float(head.intercept_[0])


def fit_heads(
    docs: Sequence[LabelledDoc],
    settings: TrainingSettings = TrainingSettings(),
    thresholds: dict[str, float] | None = None,
    encoder: StaticEncoder | None = None,
) -> Heads:
    """Fit every head on ``docs``; thresholds default to 0.5 unless given."""
    encoder = encoder or get_encoder()
    texts, labels, _ = sentence_rows(docs)
    vectoriser = NgramVectoriser.fit(texts, settings.min_df)
    featuriser = Featuriser(vectoriser, encoder, settings.vector_weight)
    sentence_features = featuriser.sentences(texts)
    sentence_weights, sentence_bias = [], []
    for k in range(len(SENTENCE_LABELS)):
        w, b = _fit(sentence_features, labels[:, k], settings.c_sentence)
        sentence_weights.append(w)
        sentence_bias.append(b)
    doc_features = featuriser.documents(docs)
    doc_weights, doc_bias = [], []
    for element in DOC_LABELS:
        target = np.array([bool(doc.earn.get(element)) for doc in docs])
        w, b = _fit(doc_features, target, settings.c_doc)
        doc_weights.append(w)
        doc_bias.append(b)
    # the vector part is scaled at training time; fold the scale into the weights for inference
    sw = np.array(sentence_weights)
    sw[:, : encoder.dim] *= settings.vector_weight
    dw = np.array(doc_weights)
    dw[:, : 2 * encoder.dim] *= settings.vector_weight
    example_texts, example_labels = _examples(texts, labels)
    return Heads(
        meta={
            "version": MODEL_VERSION,
            "encoder": "wordllama l2_supercat_256 (static, mean of token vectors)",
            "encoder_dim": encoder.dim,
            "encoder_signature": encoder.signature,
            "settings": settings.__dict__,
            "trained_on": _describe(docs),
        },
        vectoriser=vectoriser,
        sentence_weights=sw,
        sentence_bias=np.array(sentence_bias),
        doc_weights=dw,
        doc_bias=np.array(doc_bias),
        example_vectors=encoder.encode(example_texts),
        example_labels=np.array(example_labels, dtype=np.int64),
        example_texts=example_texts,
        thresholds=thresholds or {name: 0.5 for name in (*SENTENCE_LABELS, *DOC_LABELS)},
    )


def _examples(texts: list[str], labels: np.ndarray) -> tuple[list[str], list[int]]:
    """Labelled positive sentences per fault, for 'reads like' explanations (deduplicated)."""
    out_texts: list[str] = []
    out_labels: list[int] = []
    for k in range(len(SENTENCE_LABELS)):
        chosen = list(dict.fromkeys(t for t, y in zip(texts, labels[:, k], strict=True) if y))
        for text in chosen[:MAX_EXAMPLES_PER_LABEL]:
            out_texts.append(text)
            out_labels.append(k)
    return out_texts, out_labels


def _describe(docs: Sequence[LabelledDoc]) -> dict[str, Any]:
    groups: dict[str, int] = {}
    for doc in docs:
        groups[doc.group] = groups.get(doc.group, 0) + 1
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(doc.doc.encode())
        for sentence in doc.sentences:
            digest.update(json.dumps([sentence.text, sorted(sentence.labels)]).encode())
        digest.update(json.dumps(sorted(doc.earn.items())).encode())
    return {
        "documents": len(docs),
        "sentences": sum(len(d.sentences) for d in docs),
        "groups": dict(sorted(groups.items())),
        "data_sha256": digest.hexdigest(),
    }


@dataclass
class OutOfGroup:
    """Each threshold group's letters scored by heads fitted without that group, beside what the
    rules said about the same sentences and documents."""

    sentence_probabilities: np.ndarray  # (sentences, faults)
    sentence_labels: np.ndarray
    sentence_rules: np.ndarray  # a rule of that category flagged the sentence
    doc_probabilities: np.ndarray  # (documents, elements)
    doc_labels: np.ndarray
    doc_rules: np.ndarray  # the rubric's EARN check found evidence


def out_of_group(
    docs: Sequence[LabelledDoc],
    settings: TrainingSettings = TrainingSettings(),
    score_groups: Sequence[str] | None = None,
) -> OutOfGroup:
    """Score every group in ``score_groups`` (default: all) with heads that never saw it."""
    from assistant.learned.heads import SentenceModel
    from assistant.rubric import load_rubric_set
    from assistant.scoring import score

    rubrics = load_rubric_set()
    groups = sorted({doc.group for doc in docs})
    wanted = set(score_groups) if score_groups is not None else set(groups)
    sp, sl, sr, dp, dl, dr = [], [], [], [], [], []
    for group in groups:
        if group not in wanted:
            continue
        train_docs = [d for d in docs if d.group != group]
        model = SentenceModel(fit_heads(train_docs, settings), get_encoder())
        for doc in (d for d in docs if d.group == group):
            texts = [s.text for s in doc.sentences]
            sp.append(model.sentence_probabilities(texts))
            sl.append(sentence_rows([doc])[1])
            report = score(doc.body, rubrics, detectors=("rule",))
            for sentence in doc.sentences:
                hit = {
                    f.category
                    for f in report.flags
                    if f.start < sentence.end and f.end > sentence.start
                }
                sr.append([name in hit for name in SENTENCE_LABELS])
            probabilities, _ = model.document(texts)
            dp.append(probabilities)
            dl.append([bool(doc.earn.get(e)) for e in DOC_LABELS])
            dr.append([report.earn[e].present for e in DOC_LABELS])
    return OutOfGroup(
        np.vstack(sp),
        np.vstack(sl),
        np.array(sr, dtype=bool).reshape(-1, len(SENTENCE_LABELS)),
        np.vstack(dp),
        np.array(dl, dtype=bool),
        np.array(dr, dtype=bool),
    )


def precision_first_threshold(
    probabilities: np.ndarray,
    truth: np.ndarray,
    min_precision: float,
    also: np.ndarray | None = None,
) -> float:
    """The model threshold with the best F1 of (rules OR model) among those reaching
    ``min_precision``; if none does, the one with the best F0.5 (precision weighted)."""
    fired = also if also is not None else np.zeros_like(truth)
    best: tuple[float, float] | None = None
    fallback: tuple[float, float] = (-1.0, 0.99)
    for threshold in np.round(np.arange(0.30, 0.991, 0.01), 2):
        predicted = (probabilities >= threshold) | fired
        tp = float(np.sum(predicted & truth))
        if tp == 0:
            continue
        precision = tp / float(np.sum(predicted))
        recall = tp / max(float(np.sum(truth)), 1.0)
        f1 = 2 * precision * recall / (precision + recall)
        f_half = 1.25 * precision * recall / (0.25 * precision + recall)
        if precision >= min_precision and (best is None or f1 > best[0]):
            best = (f1, float(threshold))
        if f_half > fallback[0]:
            fallback = (f_half, float(threshold))
    return best[1] if best is not None else fallback[1]


def earn_combiner(oog: OutOfGroup) -> dict[str, list[float]]:
    """Per EARN element, logistic weights over (model logit, rule evidence found, 1): the rules'
    evidence is a feature only here, fitted on letters the rule writers never saw."""
    combiner: dict[str, list[float]] = {}
    logits = np.log(np.clip(oog.doc_probabilities, 1e-6, 1 - 1e-6))
    logits -= np.log(np.clip(1 - oog.doc_probabilities, 1e-6, 1))
    for k, element in enumerate(DOC_LABELS):
        features = np.column_stack([logits[:, k], oog.doc_rules[:, k].astype(float)])
        target = oog.doc_labels[:, k]
        if target.all() or not target.any():
            combiner[element] = [1.0, 0.0, 0.0]
            continue
        head = _sklearn()(C=1.0, class_weight="balanced", max_iter=1000, solver="lbfgs")
        head.fit(features, target)
        a, b = (float(x) for x in head.coef_[0])
        combiner[element] = [round(a, 6), round(b, 6), round(float(head.intercept_[0]), 6)]
    return combiner


def train(
    docs: Sequence[LabelledDoc],
    threshold_groups: Sequence[str],
    settings: TrainingSettings = TrainingSettings(),
) -> Heads:
    """Thresholds and the EARN combiner from out-of-group predictions on ``threshold_groups``,
    then heads fitted on all ``docs``."""
    if not threshold_groups:
        heads = fit_heads(docs, settings)
        heads.meta["threshold_groups"] = []
        return heads
    oog = out_of_group(docs, settings, threshold_groups)
    thresholds = {
        name: precision_first_threshold(
            oog.sentence_probabilities[:, k],
            oog.sentence_labels[:, k],
            settings.min_precision,
            also=oog.sentence_rules[:, k],
        )
        for k, name in enumerate(SENTENCE_LABELS)
    }
    heads = fit_heads(docs, settings, thresholds)
    heads.meta["threshold_groups"] = sorted(threshold_groups)
    heads.meta["earn_combiner"] = earn_combiner(oog)
    return heads


def write(heads: Heads, folder: Path) -> Path:
    """Save the heads (see :func:`assistant.learned.heads.save_heads`)."""
    from assistant.learned.heads import save_heads

    return save_heads(heads, folder)


def default_sets(corpus: Path, letters: Path) -> tuple[list[Path], list[str]]:
    """The training folders (the development corpus and every writer's folder under ``letters``
    except the blind ones) and the groups whose out-of-writer predictions set the thresholds
    (the writers' folders: realistic letters, each scored by heads that never saw its writer)."""
    writers = (
        sorted(
            p
            for p in letters.iterdir()
            if p.is_dir() and not p.name.startswith("blind") and (p / "labels.jsonl").is_file()
        )
        if letters.is_dir()
        else []
    )
    return [corpus, *writers], [p.name for p in writers]
