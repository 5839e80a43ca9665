"""Whether a rewritten sentence may replace the original: facts kept, well formed, scores better.

Revise (offline or by a model) must never damage a draft: drop a date or an owner, leave a broken
sentence ("We are you were inconvenienced"), or delete words until the scorer has nothing left
to flag. Facts are found with grounding's own extractors, so "a fact" means here what it means
to the validation net.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from assistant.drafting import lexicon
from assistant.drafting.grounding import _MONEY, _dates, _quantities
from assistant.drafting.net import repetition_failures, truncation_failures
from assistant.models import Flag, Report

KEPT = 0.75  # share of the unflagged words' meaning a rewrite must keep ...
LOSE_AT_MOST = 2  # ... unless it loses no more than this many words ("if anyone felt" -> "we")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")
_DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
_STRAY = re.compile(r"\s[,.;:!?]|[,;:]\s*[,.;:!?]|\(\s*\)")
_DETERMINERS = r"(?:the|a|an|our|your|their|my|his|her|its|this|these|those)"
_TWO_DETERMINERS = re.compile(rf"\b{_DETERMINERS}\s+{_DETERMINERS}\b", re.IGNORECASE)
_SUBJECT_LAST = re.compile(r"\b(?:they|we|i|he|she|who|which|that|whose)\W*$", re.IGNORECASE)
_SEVERITY = {"error": 3, "warning": 2, "info": 1}


def facts(sentence: str) -> Counter[str]:
    """The facts of one sentence: dates, numbers, amounts and capitalised names (not the first
    word, which is capitalised anyway, nor "I")."""
    found: Counter[str] = Counter()
    for _, _, _, day, month, year in _dates(sentence):
        found[f"date:{day}/{month}/{year or ''}"] += 1
    for _, _, value, unit in _quantities(sentence):
        found[f"number:{value} {unit or ''}".strip()] += 1
    for m in _MONEY.finditer(sentence):
        found[f"amount:{lexicon.norm_number(m['amount'] or m['amount2'])}"] += 1
    words = _CAPITALISED.findall(sentence.strip())
    first = sentence.strip()[: len(words[0])] if words else ""
    for index, word in enumerate(words):
        if word == "I" or word.startswith("I’") or word.startswith("I'"):
            continue
        if index == 0 and first == word:
            continue
        found[f"name:{word}"] += 1
    return found


def _names_kept(original: str, new: str) -> list[str]:
    """Names of the original missing from the rewrite (case-sensitive, anywhere in it)."""
    kept = set(_CAPITALISED.findall(new))
    return [
        key.split(":", 1)[1] for key in facts(original) if key.startswith("name:")
        and key.split(":", 1)[1] not in kept
    ]


def fact_changes(original: str, new: str) -> list[str]:
    """Facts lost or added by the rewrite, in words."""
    before, after = facts(original), facts(new)
    problems = [f"drops {name}" for name in _names_kept(original, new)]
    for key in before:
        if not key.startswith("name:") and after[key] < before[key]:
            problems.append(f"drops the {key.split(':', 1)[0]} '{key.split(':', 1)[1]}'")
    for key in after:
        if after[key] > before[key] and not key.startswith("name:"):
            problems.append(f"adds the {key.split(':', 1)[0]} '{key.split(':', 1)[1]}'")
    return problems


def form_problems(sentence: str) -> list[str]:
    """What keeps a sentence from being whole: start, end, doubled words, stray punctuation,
    a dangling last word, loops."""
    text = sentence.strip()
    problems: list[str] = []
    if not text:
        return ["is empty"]
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "\"'“‘"):
        problems.append("does not start with a capital")
    if not re.search(r"[.!?…][\"'”’)]*$", text):
        problems.append("does not end with a stop")
    doubled = _DOUBLED.search(text)
    if doubled:
        problems.append(f"repeats '{doubled.group(1)}'")
    if _STRAY.search(text):
        problems.append("has stray punctuation")
    if _TWO_DETERMINERS.search(text):
        problems.append("has two determiners in a row")
    if _SUBJECT_LAST.search(text):
        problems.append("ends on a word that needs more after it")
    if truncation_failures(text, prose=True) or repetition_failures(text):
        problems.append("stops mid-sentence or loops")
    return problems


def _outside(sentence: str, flags: Iterable[Flag]) -> str:
    """The sentence without its flagged wording (what a rewrite must keep the meaning of)."""
    out = sentence
    for flag in flags:
        if flag.match and flag.match.strip() != sentence.strip():
            out = out.replace(flag.match, " ")
    return out


def content_lost(original: str, new: str, flags: Iterable[Flag]) -> tuple[int, float]:
    """How many of the unflagged content words' stems the rewrite lost, and the share kept."""
    wanted = lexicon.content_stems(_outside(original, flags))
    if not wanted:
        return 0, 1.0
    kept = len(wanted & lexicon.content_stems(new))
    return len(wanted) - kept, kept / len(wanted)


def damage(original: str, new: str, flags: Iterable[Flag] = ()) -> list[str]:
    """Every way ``new`` would damage ``original``; empty when it may replace it."""
    flags = list(flags)
    problems = fact_changes(original, new)
    already = set(form_problems(original))
    problems += [p for p in form_problems(new) if p not in already]
    lost, kept = content_lost(original, new, flags)
    if lost > LOSE_AT_MOST and kept < KEPT:
        problems.append("deletes what the sentence said")
    return problems


def weight(report: Report) -> int:
    """How bad a report's flags are, errors heaviest."""
    return sum(_SEVERITY.get(flag.severity, 1) for flag in report.flags)


def improves(before: str, after: str, scorer: Callable[[str], Report]) -> bool:
    """Whether ``after`` scores better than ``before`` on its own: lighter flags and no new kind
    of problem (by category: a rule's flag that becomes the model's is the same problem)."""
    old, new = scorer(before), scorer(after)
    new_kinds = {f.category for f in new.flags} - {f.category for f in old.flags}
    return not new_kinds and weight(new) < weight(old)
