"""Sentence features for the linear heads: the static vector beside sparse word n-grams.

Why both: the static vector carries meaning across wording ("we worked through the night" near
"our teams worked around the clock"), the n-grams carry the exact hedges and markers ("only",
"may have", "any inconvenience") that a mean of vectors blurs. Digits are folded to ``0`` so
"412 invoices" and "38 invoices" are one feature.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_DIGIT = re.compile(r"[0-9]")


def tokens(sentence: str) -> list[str]:
    """Lower-cased word tokens with digits folded, apostrophes normalised."""
    lowered = _DIGIT.sub("0", sentence.lower().replace("’", "'"))
    return _TOKEN.findall(lowered)


def ngrams(sentence: str) -> list[str]:
    """Word unigrams and bigrams, with sentence-start and -end markers on the bigrams."""
    words = tokens(sentence)
    padded = ["<s>", *words, "</s>"]
    return words + [f"{a} {b}" for a, b in pairwise(padded)]


class NgramVectoriser:
    """TF-IDF over a fixed vocabulary (sublinear tf, L2-normalised rows), numpy only."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray) -> None:
        self.vocabulary = list(vocabulary)
        self.index = {term: i for i, term in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)

    @classmethod
    def fit(cls, sentences: Iterable[str], min_df: int = 2) -> NgramVectoriser:
        """Keep n-grams seen in at least ``min_df`` sentences; smooth idf as scikit-learn does."""
        df: Counter[str] = Counter()
        count = 0
        for sentence in sentences:
            count += 1
            df.update(set(ngrams(sentence)))
        vocabulary = sorted(term for term, n in df.items() if n >= min_df)
        idf = np.array([math.log((1 + count) / (1 + df[t])) + 1 for t in vocabulary])
        return cls(vocabulary, idf)

    def transform(self, sentences: Sequence[str]) -> np.ndarray:
        """A dense (sentences x vocabulary) float32 matrix; rows are L2-normalised."""
        out = np.zeros((len(sentences), len(self.vocabulary)), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            counts = Counter(i for g in ngrams(sentence) if (i := self.index.get(g)) is not None)
            if not counts:
                continue
            cols = np.fromiter(counts.keys(), dtype=np.int64)
            values = (1 + np.log(np.fromiter(counts.values(), dtype=np.float32))) * self.idf[cols]
            out[row, cols] = values / np.linalg.norm(values)
        return out
