"""The apology-components checklist: which of Lewicki's six components a text shows, and where.

Why cues *and* similarity: a few cue patterns catch the plain forms precisely ("I am sorry", "we
take full responsibility"), and the static sentence vectors of the learned model's encoder
generalise past them ("the fault sits with my team" reads like "this was our mistake") without a
long phrase list. Both are data (``data/components.yaml``); the same matcher finds the behaviours
a crisis posture forbids (:mod:`assistant.drafting.posture`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.errors import ModelFileError
from assistant.models import APOLOGY_COMPONENTS, ComponentEvidence
from assistant.patterns import compile_regex

DATA = Path(__file__).resolve().parent / "data" / "components.yaml"


@dataclass(frozen=True)
class SentenceSpec:
    """One thing a sentence can show: cue patterns, ``unless`` patterns, exemplars, threshold."""

    name: str
    label: str
    threshold: float
    cues: tuple[Any, ...]
    unless: tuple[Any, ...]
    exemplars: tuple[str, ...]
    message: str = ""
    margin: float = 0.0


@dataclass(frozen=True)
class Hit:
    """Where a spec was found: the sentence index, how, and the nearest exemplar."""

    index: int
    how: str  # "cue" or "similar"
    similarity: float | None
    exemplar: str | None


def spec_from(name: str, raw: Mapping[str, Any]) -> SentenceSpec:
    """A spec from its YAML mapping (patterns compiled on RE2 once); ValueError names a
    sentence YAML read as something else (an unquoted 'a: b' is a mapping)."""
    for key in ("cues", "unless", "exemplars"):
        bad = [v for v in raw.get(key) or [] if not isinstance(v, str)]
        if bad:
            raise ValueError(f"{name}.{key}: {bad[0]!r} is not a string; quote it in the YAML")
    return SentenceSpec(
        name=name,
        label=str(raw.get("label") or name),
        threshold=float(raw.get("threshold", 1.01)),
        cues=tuple(compile_regex(str(p)) for p in raw.get("cues") or []),
        unless=tuple(compile_regex(str(p)) for p in raw.get("unless") or []),
        exemplars=tuple(str(e) for e in raw.get("exemplars") or []),
        message=str(raw.get("message") or ""),
        margin=float(raw.get("margin", 0.0)),
    )


@cache
def component_data(path: Path = DATA) -> dict[str, Any]:
    """The components file, parsed once."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict) or not isinstance(loaded.get("components"), dict):
        raise ValueError(f"{path.name} must map 'components' to their cues and exemplars")
    return loaded


@cache
def component_specs(path: Path = DATA) -> tuple[SentenceSpec, ...]:
    """The six components, in Lewicki's order."""
    raw = component_data(path)["components"]
    return tuple(spec_from(name, raw[name]) for name in APOLOGY_COMPONENTS)


class _Vectors:
    """Sentence vectors from the shared static encoder, cached by text (exemplars and edits
    repeat), or nothing when the encoder cannot load (cues still work)."""

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}
        self.unavailable: str | None = None

    def encode(self, sentences: Sequence[str]) -> np.ndarray | None:
        if self.unavailable is not None:
            return None
        missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if missing:
            try:
                from assistant.learned.encoder import get_encoder

                encoded = get_encoder().encode(missing)
            except ModelFileError as error:
                self.unavailable = str(error)
                return None
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache.update(zip(missing, encoded, strict=True))
        return np.stack([self._cache[s] for s in sentences]) if sentences else None


VECTORS = _Vectors()


def _blocked(spec: SentenceSpec, sentence: str) -> bool:
    return any(p.search(sentence) for p in spec.unless)


def negatives(path: Path = DATA) -> tuple[str, ...]:
    """Sentences that show nothing: similarity must beat them by the spec's margin."""
    return tuple(str(n) for n in component_data(path).get("negatives") or [])


def find(
    sentences: Sequence[str], specs: Iterable[SentenceSpec], *, similarity: bool = True
) -> dict[str, list[Hit]]:
    """Every sentence that shows each spec: a cue first, else similarity to an exemplar (at
    least the threshold, and nearer than any negative by the margin)."""
    specs = tuple(specs)
    out: dict[str, list[Hit]] = {spec.name: [] for spec in specs}
    vectors = VECTORS.encode(list(sentences)) if similarity and sentences else None
    contrast = VECTORS.encode(list(negatives())) if vectors is not None else None
    floor = None
    if vectors is not None and contrast is not None:
        floor = (vectors @ contrast.T).max(axis=1)
    for spec in specs:
        sims: np.ndarray | None = None
        if vectors is not None and spec.exemplars:
            exemplars = VECTORS.encode(list(spec.exemplars))
            if exemplars is not None:
                sims = vectors @ exemplars.T
        for index, sentence in enumerate(sentences):
            if _blocked(spec, sentence):
                continue
            best = int(np.argmax(sims[index])) if sims is not None else None
            score = float(sims[index, best]) if sims is not None and best is not None else None
            nearest = spec.exemplars[best] if best is not None else None
            if any(p.search(sentence) for p in spec.cues):
                out[spec.name].append(Hit(index, "cue", _round(score), nearest))
            elif (
                score is not None
                and score >= spec.threshold
                and (floor is None or score - float(floor[index]) >= spec.margin)
            ):
                out[spec.name].append(Hit(index, "similar", _round(score), nearest))
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def checklist(
    text: str, spans: Sequence[tuple[int, int]], *, similarity: bool = True
) -> list[ComponentEvidence]:
    """The six components for one text: present or not, with the first sentence that shows each.

    ``similarity=False`` (the rules-only detectors) uses the cue patterns alone.
    """
    sentences = [text[a:b] for a, b in spans]
    hits = find(sentences, component_specs(), similarity=similarity)
    out: list[ComponentEvidence] = []
    for spec in component_specs():
        found = hits[spec.name]
        if not found:
            out.append(ComponentEvidence(component=spec.name, label=spec.label, present=False))
            continue
        hit = found[0]
        start, end = spans[hit.index]
        out.append(
            ComponentEvidence(
                component=spec.name,
                label=spec.label,
                present=True,
                evidence=text[start:end],
                start=start,
                end=end,
                how="cue" if hit.how == "cue" else "similar",
                similarity=hit.similarity,
                exemplar=hit.exemplar if hit.how == "similar" else None,
            )
        )
    return out


def fallback_note() -> str | None:
    """Why similarity was not used, when the encoder could not load (cues were used alone)."""
    if VECTORS.unavailable is None:
        return None
    return f"the apology components were found by cue patterns only: {VECTORS.unavailable}"
