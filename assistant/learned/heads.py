"""The shipped model heads: linear weights per label over encoder + n-gram features, as data.

One ``.npz`` file holds the arrays and one ``.json`` file beside it the metadata (version, what it
was trained on, thresholds chosen for precision first, the encoder signature it expects). The
report names the version and the file's SHA-256, so a flag can be traced to the exact weights.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelFileError
from assistant.learned.encoder import StaticEncoder, get_encoder
from assistant.learned.features import NgramVectoriser, ngrams
from assistant.models import CORE_CATEGORIES, EARN_ELEMENTS

HEADS_DIR = Path(__file__).resolve().parent / "heads"
HEADS_NAME = "sentence_model"
# The heads' row order: the scorer's own category and EARN element lists, never a copy.
SENTENCE_LABELS: tuple[str, ...] = CORE_CATEGORIES
DOC_LABELS: tuple[str, ...] = EARN_ELEMENTS
RETRAIN_FIX = "rebuild it with `amends train` or reinstall amends (or run with --detectors rules)"


@dataclass
class Heads:
    """Everything inference needs, loaded once per process."""

    meta: dict[str, Any]
    vectoriser: NgramVectoriser
    sentence_weights: np.ndarray  # (labels, dim + vocab)
    sentence_bias: np.ndarray  # (labels,)
    doc_weights: np.ndarray  # (elements, 2 * dim + vocab)
    doc_bias: np.ndarray
    example_vectors: np.ndarray  # (examples, dim) float32, unit rows
    example_labels: np.ndarray  # (examples,) index into SENTENCE_LABELS
    example_texts: list[str]
    sha256: str = ""
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))


def save_heads(heads: Heads, folder: Path, name: str = HEADS_NAME) -> Path:
    """Write ``name.npz`` and ``name.json`` deterministically (no timestamps inside)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {
        "idf": heads.vectoriser.idf.astype(np.float32),
        "sentence_weights": heads.sentence_weights.astype(np.float32),
        "sentence_bias": heads.sentence_bias.astype(np.float32),
        "doc_weights": heads.doc_weights.astype(np.float32),
        "doc_bias": heads.doc_bias.astype(np.float32),
        "example_vectors": heads.example_vectors.astype(np.float16),
        "example_labels": heads.example_labels.astype(np.int8),
    }
    npz = folder / f"{name}.npz"
    _write_npz(npz, arrays)
    meta = {
        **heads.meta,
        "thresholds": heads.thresholds,
        "vocabulary": heads.vectoriser.vocabulary,
        "example_texts": heads.example_texts,
    }
    (folder / f"{name}.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return npz


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An ``.npz`` that ``np.load`` reads, with fixed zip timestamps so equal weights give
    byte-identical files (``np.savez`` stamps the current time)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(arrays):
            buffer = io.BytesIO()
            np.save(buffer, arrays[key], allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def load_heads(folder: Path = HEADS_DIR, name: str = HEADS_NAME) -> Heads:
    """Read the heads, checking shapes against the metadata; errors name the file."""
    npz, meta_path = folder / f"{name}.npz", folder / f"{name}.json"
    for path in (npz, meta_path):
        if not path.is_file():
            raise ModelFileError(f"the sentence model file {path} is missing", fix=RETRAIN_FIX)
    raw = npz.read_bytes()
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(npz, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        heads = Heads(
            meta=meta,
            vectoriser=NgramVectoriser(meta["vocabulary"], arrays["idf"]),
            sentence_weights=arrays["sentence_weights"],
            sentence_bias=arrays["sentence_bias"],
            doc_weights=arrays["doc_weights"],
            doc_bias=arrays["doc_bias"],
            example_vectors=arrays["example_vectors"].astype(np.float32),
            example_labels=arrays["example_labels"].astype(np.int64),
            example_texts=list(meta["example_texts"]),
            sha256=hashlib.sha256(raw).hexdigest(),
            thresholds={k: float(v) for k, v in meta["thresholds"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise ModelFileError(
            f"the sentence model file {npz} is corrupt or incomplete ({error})", fix=RETRAIN_FIX
        ) from error
    _check_shapes(heads, npz)
    return heads


def _check_shapes(heads: Heads, npz: Path) -> None:
    dim = int(heads.meta.get("encoder_dim", 0))
    vocab = len(heads.vectoriser.vocabulary)
    expected = {
        "sentence_weights": (len(SENTENCE_LABELS), dim + vocab),
        "doc_weights": (len(DOC_LABELS), 2 * dim + vocab),
    }
    for key, shape in expected.items():
        actual = getattr(heads, key).shape
        if tuple(actual) != shape:
            raise ModelFileError(
                f"the sentence model file {npz} does not match its metadata "
                f"({key} has shape {tuple(actual)}, expected {shape})",
                fix=RETRAIN_FIX,
            )
    if len(heads.example_texts) != len(heads.example_vectors):
        raise ModelFileError(f"the sentence model file {npz} has mismatched examples", RETRAIN_FIX)


class SentenceModel:
    """Per-sentence probabilities for the three faults and per-document ones for EARN.

    Sentence results are cached by text, so re-scoring after an edit encodes only what changed.
    """

    def __init__(self, heads: Heads, encoder: StaticEncoder) -> None:
        expected = heads.meta.get("encoder_signature")
        if expected and expected != encoder.signature:
            raise ModelFileError(
                f"the sentence model was trained for encoder {expected}, but the installed "
                f"encoder is {encoder.signature}",
                fix="install wordllama==0.4.0.post1 or retrain with `amends train`",
            )
        self.heads = heads
        self.encoder = encoder
        self._cache: dict[str, tuple[np.ndarray, np.ndarray, dict[int, float]]] = {}

    def _features(
        self, sentences: list[str]
    ) -> list[tuple[np.ndarray, np.ndarray, dict[int, float]]]:
        """(unit vector, fault probabilities, sparse n-gram weights) per sentence, cached."""
        missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if missing:
            if len(self._cache) > 20_000:
                self._cache.clear()
            vectors = self.encoder.encode(missing)
            heads = self.heads
            dim = vectors.shape[1]
            dense = heads.sentence_weights[:, :dim]
            sparse = heads.sentence_weights[:, dim:]
            for sentence, vector in zip(missing, vectors, strict=True):
                grams = _sparse_tfidf(heads.vectoriser, sentence)
                logits = dense @ vector + heads.sentence_bias
                if grams:
                    cols = np.fromiter(grams.keys(), dtype=np.int64)
                    vals = np.fromiter(grams.values(), dtype=np.float32)
                    logits = logits + sparse[:, cols] @ vals
                self._cache[sentence] = (vector, _sigmoid(logits), grams)
        return [self._cache[s] for s in sentences]

    def sentence_probabilities(self, sentences: list[str]) -> np.ndarray:
        """(sentences x faults) probabilities."""
        rows = self._features(sentences)
        if not rows:
            return np.zeros((0, len(SENTENCE_LABELS)), dtype=np.float32)
        return np.stack([probabilities for _, probabilities, _ in rows])

    def document(self, sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """EARN probabilities, and per element the index of the sentence that scores highest."""
        heads = self.heads
        elements = len(DOC_LABELS)
        if not sentences:
            return np.zeros(elements, dtype=np.float32), np.zeros(elements, dtype=np.int64)
        rows = self._features(sentences)
        vectors = np.stack([vector for vector, _, _ in rows])
        dim = vectors.shape[1]
        mean, top = vectors.mean(axis=0), vectors.max(axis=0)
        grams: dict[int, float] = {}
        for _, _, sentence_grams in rows:
            for col, value in sentence_grams.items():
                grams[col] = grams.get(col, 0.0) + value
        weights = heads.doc_weights
        logits = weights[:, :dim] @ mean + weights[:, dim : 2 * dim] @ top + heads.doc_bias
        if grams:
            cols = np.fromiter(grams.keys(), dtype=np.int64)
            vals = np.fromiter(grams.values(), dtype=np.float32)
            vals = vals / max(float(np.linalg.norm(vals)), 1e-9)
            logits = logits + weights[:, 2 * dim :][:, cols] @ vals
        # the sentence whose own features push each element up the most is its evidence
        per_sentence = vectors @ weights[:, dim : 2 * dim].T
        gram_weights = weights[:, 2 * dim :]
        for row, (_, _, sentence_grams) in enumerate(rows):
            if sentence_grams:
                cols = np.fromiter(sentence_grams.keys(), dtype=np.int64)
                vals = np.fromiter(sentence_grams.values(), dtype=np.float32)
                per_sentence[row] += gram_weights[:, cols] @ vals
        return _sigmoid(logits), per_sentence.argmax(axis=0)

    def similar(self, sentence: str, label: str, count: int = 2) -> tuple[str, ...]:
        """The nearest labelled training sentences of one fault: what the flag 'reads like'."""
        heads = self.heads
        vector = self._features([sentence])[0][0]
        mask = heads.example_labels == SENTENCE_LABELS.index(label)
        if not mask.any():
            return ()
        candidates = np.flatnonzero(mask)
        similarity = heads.example_vectors[candidates] @ vector
        order = candidates[np.argsort(-similarity, kind="stable")[:count]]
        return tuple(heads.example_texts[i] for i in order)


def _sparse_tfidf(vectoriser: NgramVectoriser, sentence: str) -> dict[int, float]:
    """The sentence's TF-IDF row as {column: value}, L2-normalised, matching ``transform``."""
    counts: dict[int, int] = {}
    for gram in ngrams(sentence):
        col = vectoriser.index.get(gram)
        if col is not None:
            counts[col] = counts.get(col, 0) + 1
    if not counts:
        return {}
    values = {c: (1 + float(np.log(n))) * float(vectoriser.idf[c]) for c, n in counts.items()}
    norm = float(np.sqrt(sum(v * v for v in values.values())))
    return {c: v / norm for c, v in values.items()}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -30, 30))), dtype=np.float32)


def heads_dir() -> Path:
    """Where the heads are read from: ``$AMENDS_HEADS`` (a retrained set), else the shipped ones."""
    return Path(os.environ.get("AMENDS_HEADS") or HEADS_DIR)


def get_model() -> SentenceModel:
    """The process-wide model (heads + encoder), loaded on first use."""
    return _model_at(str(heads_dir()))


@lru_cache(maxsize=4)
def _model_at(folder: str) -> SentenceModel:
    return SentenceModel(load_heads(Path(folder)), get_encoder())
