"""Static sentence vectors from the WordLlama token table shipped inside the ``wordllama`` wheel.

Why static vectors: a sentence costs one table look-up per token (about 10,000 sentences a second
on one core), so the app can re-score on every edit and ``amends check`` can read a folder of
letters in seconds. The wheel's files are read directly (its package is never imported: importing
it configures the root logger), so nothing is downloaded and nothing else starts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from assistant.errors import ModelFileError

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"


@dataclass(frozen=True)
class EncoderFiles:
    """Where the encoder's two files are, and a short hash that names this exact table."""

    weights: Path
    tokenizer: Path


def locate() -> EncoderFiles:
    """Find the files inside the installed ``wordllama`` wheel, or say how to install it."""
    spec = find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(
            "the sentence model's encoder is missing: the 'wordllama' package is not installed",
            fix="pip install 'wordllama==0.4.0.post1' (or run with --detectors rules)",
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    files = EncoderFiles(root / WEIGHTS, root / TOKENIZER)
    for path in (files.weights, files.tokenizer):
        if not path.is_file():
            raise ModelFileError(
                f"the sentence model's encoder file {path} is missing",
                fix="reinstall it: pip install --force-reinstall 'wordllama==0.4.0.post1'",
            )
    return files


class StaticEncoder:
    """Mean of token vectors, L2-normalised; one instance per process (see :func:`get_encoder`)."""

    def __init__(self, files: EncoderFiles) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        try:
            with safe_open(str(files.weights), framework="np", device="cpu") as handle:
                table = handle.get_tensor(TENSOR)
            self._tokenizer = Tokenizer.from_file(str(files.tokenizer))
        except Exception as error:  # corrupt or foreign file: say which one and how to fix it
            raise ModelFileError(
                f"cannot read the sentence model's encoder ({files.weights.name}): {error}",
                fix="reinstall it: pip install --force-reinstall 'wordllama==0.4.0.post1'",
            ) from error
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self.table = np.ascontiguousarray(table, dtype=np.float32)
        self.dim = int(self.table.shape[1])
        self.signature = hashlib.sha256(self.table[:64].tobytes()).hexdigest()[:12]

    def encode(self, sentences: list[str]) -> np.ndarray:
        """One unit vector per sentence (zeros for a sentence with no known token)."""
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        if not sentences:
            return out
        encodings = self._tokenizer.encode_batch(sentences, add_special_tokens=False)
        for row, encoding in enumerate(encodings):
            ids = encoding.ids[:512]
            if ids:
                vector = self.table[np.clip(ids, 0, len(self.table) - 1)].mean(axis=0)
                norm = float(np.linalg.norm(vector))
                if norm > 0:
                    out[row] = vector / norm
        return out


@lru_cache(maxsize=1)
def get_encoder() -> StaticEncoder:
    """The process-wide encoder, loaded on first use (about 0.1 s)."""
    return StaticEncoder(locate())
