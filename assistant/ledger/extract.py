"""Commitments a draft makes, as ledger candidates a person confirms before they are saved.

A generated or composed draft carries its structured Rebuild plan: each action is a candidate
as planned. A pasted or edited draft is read sentence by sentence, split exactly as the scorer
split it; a sentence that commits the writer's side is a candidate, with whatever owner, date
and checkpoint it names. One the scorer flags as a vague promise is marked, so it cannot be
saved until a person gives it an owner and a date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from assistant.drafting import lexicon
from assistant.drafting.grounding import _dates
from assistant.models import Report

DATA = Path(__file__).resolve().parent / "data" / "extract.yaml"
PLAN_SOURCES = ("generated", "composed")


class Candidate(BaseModel):
    """A commitment found in a draft, as the confirmation form shows it (values as text)."""

    action: str
    owner: str = ""
    due: str = Field(default="", description="ISO date, or empty when the draft names none")
    checkpoint: str = ""
    sentence: str = Field(default="", description="the draft's own words, for the reviewer")
    vague: bool = Field(default=False, description="the scorer flagged it as a vague promise")
    origin: Literal["plan", "text"] = "text"

    def missing(self) -> list[str]:
        """The fields a person must still fill before this can be an entry."""
        return [name for name in ("owner", "due") if not getattr(self, name).strip()]


@cache
def _patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    loaded: dict[str, Any] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {
        key: tuple(re.compile(p, re.I) for p in ([v] if isinstance(v, str) else v))
        for key, v in loaded.items()
    }


@cache
def _promise() -> Any:
    return lexicon.regex(str(lexicon.mapping(lexicon.data("net")["promise"])["first_person"]))


def from_plan(parts: Mapping[str, Any]) -> list[Candidate]:
    """The Rebuild plan's actions as saved with the case (the Draft page's form values)."""
    rebuild = parts.get("rebuild") or {}
    rows = rebuild.get("actions") if isinstance(rebuild, Mapping) else None
    found: list[Candidate] = []
    for row in rows or []:
        if not isinstance(row, Mapping) or not str(row.get("what") or "").strip():
            continue
        found.append(
            Candidate(
                action=str(row.get("what") or "").strip(),
                owner=str(row.get("owner") or "").strip(),
                due=str(row.get("due") or "").strip(),
                checkpoint=str(row.get("checkpoint") or "").strip(),
                origin="plan",
            )
        )
    return found


def _owner(sentence: str, writer: str) -> str:
    for pattern in _patterns()["owner"]:
        m = pattern.search(sentence)
        if m is None:
            continue
        owner = next((v for k, v in m.groupdict().items() if k.startswith("owner") and v), "")
        if owner.lower() == "i":
            return writer
        return owner[0].upper() + owner[1:] if owner.lower().startswith(("our ", "the ", "my ")) \
            else owner
    return ""


def _due(sentence: str, today: dt.date) -> str:
    """The first calendar date in the sentence (a date without a year: its next occurrence)."""
    for _, _, _, day, month, year in _dates(sentence):
        try:
            date = dt.date(year or today.year, month, day)
        except ValueError:
            continue
        if year is None and date < today:
            date = date.replace(year=today.year + 1)
        return date.isoformat()
    return ""


def _checkpoint(sentence: str) -> str:
    for pattern in _patterns()["checkpoint"]:
        m = pattern.search(sentence)
        if m is not None:
            return m.group("checkpoint").strip()
    return ""


def _sentences(body: str, report: Report) -> list[str]:
    return [" ".join(body[span.start : span.end].split()) for span in report.sentences]


def from_text(body: str, report: Report, today: dt.date, writer: str = "") -> list[Candidate]:
    """Commitments in a draft's sentences (the scorer's split), with what each one names.

    A plan line written as three sentences (the action; "Owner: ..., by <date>."; "You will
    see ...") is one commitment.
    """
    vague = {f.sentence for f in report.flags if f.category == "vague_promise"}
    sentences = _sentences(body, report)
    owner_line = _patterns()["owner_line"][0]
    checkpoint_line = _patterns()["checkpoint_line"][0]
    found: list[Candidate] = []
    used: set[int] = set()
    for index, sentence in enumerate(sentences):
        if index in used or not sentence:
            continue
        nxt = sentences[index + 1] if index + 1 < len(sentences) else ""
        if nxt and owner_line.search(nxt):
            after = sentences[index + 2] if index + 2 < len(sentences) else ""
            seen = checkpoint_line.search(after)
            group = {index, index + 1} | ({index + 2} if seen else set())
            used |= group
            found.append(Candidate(
                action=sentence[:500], owner=_owner(nxt, writer), due=_due(nxt, today),
                checkpoint=seen.group("checkpoint").strip() if seen else "",
                sentence=" ".join(sentences[i] for i in sorted(group)),
                vague=bool(group & vague),
            ))
            continue
        promised = _promise().search(sentence) is not None or any(
            p.search(sentence) for p in _patterns()["commitment"]
        )
        if not (promised or index in vague):
            continue
        found.append(
            Candidate(
                action=sentence[:500],
                owner=_owner(sentence, writer),
                due=_due(sentence, today),
                checkpoint=_checkpoint(sentence),
                sentence=sentence,
                vague=index in vague,
            )
        )
    return found


def candidates(
    *,
    source: str,
    parts: Mapping[str, Any],
    body: str,
    report: Report,
    today: dt.date,
    writer: str = "",
) -> list[Candidate]:
    """The plan's actions for a generated or composed version, else the draft's sentences."""
    planned = from_plan(parts) if source in PLAN_SOURCES else []
    return planned or from_text(body, report, today, writer)


def sender_name(facts: Mapping[str, Any]) -> str:
    """Who "I" is in a draft: the sender named in the incident facts (form or nested data)."""
    sender = facts.get("sender")
    if isinstance(sender, Mapping) and sender.get("name"):
        return str(sender["name"]).strip()
    return str(facts.get("sender.name") or "").strip()


__all__: Sequence[str] = ("Candidate", "candidates", "from_plan", "from_text", "sender_name")
