"""The labelled letter sets the benchmarks read (the loader lives with the learned model)."""

from assistant.learned.data import (
    DEFAULT_CORPUS,
    LabelledDoc,
    LabelledSentence,
    corpus_dir,
    load_corpus,
)

__all__ = ["DEFAULT_CORPUS", "LabelledDoc", "LabelledSentence", "corpus_dir", "load_corpus"]
