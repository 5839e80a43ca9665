"""Offline rewrites of one flagged sentence, from ``data/revise.yaml``; no judgement here.

Each candidate is a whole sentence; whether it is any good (facts kept, well formed, scores
better) is decided by :mod:`assistant.drafting.rewrite_guard`, so a rewrite that would break a
sentence is simply never used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from assistant.drafting import lexicon
from assistant.drafting.composer import _upper_first
from assistant.models import Flag


@dataclass(frozen=True)
class Rewrite:
    """One rewrite of the data file: which rules it answers, and a swap or the passive rewrite."""

    id: str
    rules: tuple[str, ...]
    kind: str = "swap"
    find: re.Pattern[str] | None = None
    replace: str = ""

    def answers(self, flags: list[Flag]) -> bool:
        """Whether any of the sentence's flags is one this rewrite is for (by rule or category)."""
        return any(
            fnmatchcase(flag.rule, rule) or flag.category == rule
            for flag in flags
            for rule in self.rules
        )


@cache
def _data() -> dict[str, Any]:
    return lexicon.data("revise")


@cache
def rewrites() -> tuple[Rewrite, ...]:
    """The rewrites, in the order they are tried."""
    out: list[Rewrite] = []
    for item in _data()["rewrites"]:
        kind = str(item.get("kind", "swap"))
        find = re.compile(str(item["find"])) if kind == "swap" else None
        out.append(
            Rewrite(
                id=str(item["id"]),
                rules=tuple(str(r) for r in item["rules"]),
                kind=kind,
                find=find,
                replace=str(item.get("replace", "")),
            )
        )
    return tuple(out)


@cache
def _passive() -> tuple[re.Pattern[str], dict[str, Any]]:
    spec = _data()["passive"]
    pattern = re.compile(
        "^" + spec["lead"] + spec["thing"] + r"\s+" + spec["aux"] + r"\s+" + spec["adverb"]
        + r"(?P<participle>[a-z]+)\b(?P<rest>.*)$",
        re.DOTALL,
    )
    return pattern, spec


def _object(thing: str, at_start: bool) -> str:
    """The thing acted on as an object: "You" -> "you", "Your" -> "your", "Full" -> "full"."""
    first, _, rest = thing.partition(" ")
    if first in ("You", "you"):
        first = "you"
    elif at_start and not (first.isupper() and len(first) > 1):
        first = first[:1].lower() + first[1:]
    return f"{first} {rest}".strip()


def passive_to_active(sentence: str) -> str | None:
    """"Your details were exposed for three weeks." -> "We exposed your details for three
    weeks."; None when the sentence is not that shape (or names its agent: "by the airline")."""
    pattern, spec = _passive()
    m = pattern.match(sentence)
    if m is None:
        return None
    thing, participle, rest = m["thing"], m["participle"], m["rest"]
    banned = set(spec["not_in_thing"])
    if any(word.lower() in banned for word in thing.split()[1:]) or "," in thing:
        return None
    if re.match(spec["named_agent"], rest):
        return None
    adverb = (m["adverb"] or "").strip()
    aux = spec["auxiliaries"][" ".join(m["aux"].split())]
    if adverb == "not":
        base = spec["base"].get(participle)
        if base is None or aux:
            return None
        verb = f"did not {base}"
    else:
        past = participle if aux else spec["past"].get(participle, participle)
        known = participle.endswith("ed") or participle in lexicon.past_forms()
        if not known and participle not in spec["past"]:
            return None
        verb = f"{aux}{adverb + ' ' if adverb else ''}{past}"
    lead = m["lead"] or ""
    actor = str(_data()["actor"])
    new = f"{lead}{actor if lead else _upper_first(actor)} {verb} {_object(thing, not lead)}{rest}"
    return new


def _swap(rewrite: Rewrite, sentence: str) -> str | None:
    assert rewrite.find is not None
    new = rewrite.find.sub(rewrite.replace, sentence, count=1)
    if new == sentence:
        return None
    new = re.sub(r"\s{2,}", " ", new).strip()
    return _upper_first(new)


def applicable(flags: list[Flag]) -> list[Rewrite]:
    """The rewrites for these flags, in the order they are tried."""
    return [rewrite for rewrite in rewrites() if rewrite.answers(flags)]


def apply(rewrite: Rewrite, sentence: str) -> str | None:
    """``sentence`` (stripped) rewritten, or None when the rewrite does not fit it."""
    core = sentence.strip()
    new = passive_to_active(core) if rewrite.kind == "passive" else _swap(rewrite, core)
    return new if new and new != core else None
