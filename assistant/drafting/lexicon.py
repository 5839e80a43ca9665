"""Words by meaning: stems, word groups, spelled numbers and phrase matching for the drafting net.

The vocabulary is data (``data/net.yaml``, ``data/instructions.yaml``); this module only
interprets it. Matching by meaning here is deliberately small and explainable: a word stands for
its inflections (a light suffix stemmer plus the rubric engine's irregular forms), a word group
stands for each of its members, and negations are one concept. That is enough for "no harm was
done" to catch "there was no damage" and "we are not liable" to catch "we accept no liability",
without a model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from assistant.patterns import compile_regex, inflections, lexicon_to_regex

T = TypeVar("T")
DATA_DIR = Path(__file__).resolve().parent / "data"
NEGATION = "<not>"
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NT = re.compile(r"n['’]t$")


@cache
def data(name: str) -> dict[str, Any]:
    """One data file of the drafting net (``net`` or ``instructions``), parsed once."""
    loaded = yaml.safe_load((DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{name}.yaml must be a mapping")
    return loaded


def regex(source: str) -> Any:
    """An RE2 regex (case-insensitive) for a data pattern; compiled once."""
    return compile_regex(source)


def phrases_regex(phrases: Iterable[str]) -> Any:
    """One RE2 regex for a phrase list in the rubric phrase syntax (``word+`` for inflections)."""
    return compile_regex(lexicon_to_regex(list(phrases)))


def words(text: str) -> list[str]:
    """Lower-case word tokens; contractions stay one token ("won't")."""
    return _WORD.findall(text.lower().replace("’", "'"))


def _undouble(word: str) -> str:
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        return word[:-1]
    return word


def stem(word: str) -> str:
    """A light English stem: plural, past and -ing forms meet ("changes", "changed", "change")."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith(("ies", "ied")):
        w = w[:-3] + "y"
    elif w.endswith("sses") or w.endswith(("ches", "shes", "xes", "zes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = _undouble(w[:-3])
    elif len(w) > 4 and w.endswith("ed") and not w.endswith("eed"):
        w = _undouble(w[:-2])
    if len(w) > 4 and w.endswith("ly") and w[-3] not in "aeiou":
        w = w[:-2]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


@cache
def _irregular_roots() -> dict[str, str]:
    """Irregular inflection -> root, from the rubric engine's own table (took -> take)."""
    from assistant.patterns import _IRREGULAR

    roots: dict[str, str] = {}
    for root, forms in _IRREGULAR.items():
        for form in forms:
            roots.setdefault(form, root)
    return roots


@cache
def past_forms() -> frozenset[str]:
    """Irregular past forms from the rubric engine's table ("took", "sent", "paid")."""
    from assistant.patterns import _IRREGULAR

    return frozenset(
        form
        for forms in _IRREGULAR.values()
        for form in forms
        if not form.endswith(("s", "ing")) and form not in ("am", "is", "are", "be", "been")
    )


@cache
def _groups() -> dict[str, frozenset[str]]:
    """Stem -> the ids of the word groups it belongs to."""
    found: dict[str, set[str]] = {}
    for number, group in enumerate(data("net")["synonyms"]):
        for member in group:
            for form in {member, *inflections(member)}:
                found.setdefault(stem(form), set()).add(f"<g{number}>")
    return {key: frozenset(value) for key, value in found.items()}


@cache
def stopwords() -> frozenset[str]:
    """Words that carry no meaning for matching (articles, pronouns, auxiliaries)."""
    return frozenset(str(w) for w in data("net")["stopwords"])


@cache
def _negations() -> frozenset[str]:
    return frozenset(str(w) for w in data("net")["negation"])


@lru_cache(maxsize=65536)
def concepts(word: str) -> frozenset[str]:
    """What one word means for matching: its stem, its word groups, or the negation concept."""
    w = word.lower().replace("’", "'")
    if w in _negations() or _NT.search(w):
        return frozenset({NEGATION})
    root = _irregular_roots().get(w, w)
    key = stem(root)
    return frozenset({key}) | _groups().get(key, frozenset())


@lru_cache(maxsize=8192)
def content_concepts(text: str) -> tuple[frozenset[str], ...]:
    """The concepts of each meaningful word of ``text``, in order (stopwords left out)."""
    out: list[frozenset[str]] = []
    for word in words(text):
        meaning = concepts(word)
        if NEGATION in meaning or word not in stopwords():
            out.append(meaning)
    return tuple(out)


@lru_cache(maxsize=8192)
def content_stems(text: str) -> frozenset[str]:
    """The set of meaningful stems and groups in ``text`` (for overlap between two texts)."""
    found: set[str] = set()
    for meaning in content_concepts(text):
        found |= meaning
    found.discard(NEGATION)
    return frozenset(found)


def overlap(claim: str, source: str) -> float:
    """How much of ``claim``'s meaning ``source`` carries (0..1, by stems and word groups)."""
    wanted = [m - {NEGATION} for m in content_concepts(claim)]
    wanted = [m for m in wanted if m]
    if not wanted:
        return 0.0
    have = content_stems(source)
    return sum(1 for m in wanted if m & have) / len(wanted)


@dataclass(frozen=True)
class PhraseMatch:
    """Where a phrase was found by meaning: the words of the text that carry it."""

    start: int
    end: int
    text: str


def find_by_meaning(phrase: str, text: str) -> PhraseMatch | None:
    """The first place ``text`` says ``phrase`` by meaning and inflection, or None.

    Every meaningful word of the phrase (a stem, a word of its group, or a negation) must appear
    within a short window of the text, in any order: "no harm was done" matches "there was no
    damage to your data", not "it did real harm, and there is no excuse".
    """
    wanted = content_concepts(phrase)
    if not wanted:
        exact = re.search(re.escape(phrase.strip()), text, re.IGNORECASE)
        return PhraseMatch(exact.start(), exact.end(), exact.group(0)) if exact else None
    tokens = [
        (m.start(), m.end(), concepts(m.group(0)))
        for m in _WORD.finditer(text.lower().replace("’", "'"))
    ]
    window = 2 * len(wanted) + 3
    for first in range(len(tokens)):
        chosen: list[int] = []
        for need in wanted:
            hit = next(
                (
                    i
                    for i in range(first, min(len(tokens), first + window))
                    if i not in chosen and need & tokens[i][2]
                ),
                None,
            )
            if hit is None:
                break
            chosen.append(hit)
        else:
            if first in chosen:
                start, end = tokens[min(chosen)][0], tokens[max(chosen)][1]
                return PhraseMatch(start, end, text[start:end])
    return None


# --- numbers -------------------------------------------------------------------------------------


@cache
def _number_words() -> dict[str, int]:
    return {str(k): int(v) for k, v in data("net")["number_words"].items()}


@cache
def _scales() -> dict[str, int]:
    return {str(k): int(v) for k, v in data("net")["scales"].items()}


@cache
def _spelled_regex() -> Any:
    names = sorted([*_number_words(), *_scales()], key=len, reverse=True)
    word = "(?:" + "|".join(names) + ")s?"
    return compile_regex(rf"\b(?:a\s+)?{word}(?:[\s-]+(?:and\s+)?{word})*\b")


def spelled_numbers(text: str) -> list[tuple[int, int, int]]:
    """(start, end, value) of each number written in words ("three", "twenty-four", "a dozen")."""
    found: list[tuple[int, int, int]] = []
    table, scales = _number_words(), _scales()
    for m in _spelled_regex().finditer(text):
        total, current = 0, 0
        for piece in re.split(r"[\s-]+", m.group(0).lower()):
            if piece in ("a", "and"):
                continue
            word = piece[:-1] if piece not in table and piece[:-1] in {**table, **scales} else piece
            if word in scales:
                current = max(current, 1) * scales[word]
                if scales[word] >= 1000:
                    total, current = total + current, 0
            elif word == "dozen":
                current = max(current, 1) * 12
            elif word in table:
                current += table[word]
        found.append((m.start(), m.end(), total + current))
    return found


@cache
def unit_stems() -> frozenset[str]:
    """Units that make a number a claim ("3 months", "twelve customers")."""
    return frozenset(stem(str(u).split()[-1]) for u in data("net")["units"])


@cache
def currency_stems() -> frozenset[str]:
    """Currency words ("dollars", "pounds")."""
    return frozenset(stem(str(u)) for u in data("net")["currencies"])


def next_word(text: str, end: int) -> str:
    """The word right after ``end`` (skipping spaces and hyphens), lower-case; '' if none."""
    m = re.match(r"[\s-]*([A-Za-z%]+)", text[end:])
    return m.group(1).lower() if m else ""


def norm_number(token: str) -> str:
    """A digit token compared by value: commas, a trailing ``%`` and ``.0`` do not count."""
    token = token.rstrip("%").replace(",", "")
    return token[:-2] if token.endswith(".0") else token


class Memo:
    """A small cache keyed by an incident's JSON: pydantic models are mutable, so their content,
    not their identity, is the key. Values must be treated as read-only by callers."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: dict[str, Any] = {}

    def get(self, key: str, build: Callable[[], T]) -> T:
        """The cached value for ``key``, built on first use."""
        if key in self._items:
            value: T = self._items[key]
            return value
        built = build()
        if len(self._items) >= self.size:
            self._items.pop(next(iter(self._items)))
        self._items[key] = built
        return built


def mapping(value: Any) -> Mapping[str, Any]:
    """A data section as a mapping (empty when missing)."""
    return value if isinstance(value, Mapping) else {}
