"""The validation net's verdict on a draft, as kept with its version and shown on the pages.

A draft the net refuses is still saved (nothing the user asked for is thrown away), but as a
*rejected* version: the verdict lives in the version's ``scores`` JSON under ``"net"``, so
History can say so without a schema change. Grounding issues are placed beside the sentence of
the email they concern.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.drafting.models import RecoveryDraft
from assistant.forms import PART_TITLES
from assistant.models import Report
from assistant.sentences import split_sentences
from assistant.storage import scores_of


def verdict(draft: RecoveryDraft) -> dict[str, Any]:
    """The net's verdict as plain data: passed, each named failure, each grounding issue."""
    return {
        "passed": draft.status == "ready" and not draft.net,
        "failures": [
            f.model_dump(mode="json", exclude_none=True) for f in draft.net
        ],
        "grounding": [
            g.model_dump(mode="json") for g in draft.grounding if g.kind != "injection"
        ],
    }


def version_scores(report: Report | None, draft: RecoveryDraft) -> dict[str, Any]:
    """What a generated or composed version keeps: its scores and the net's verdict."""
    return {**scores_of(report), "net": verdict(draft)}


def net_of(scores: Mapping[str, Any]) -> dict[str, Any] | None:
    """The verdict saved with a version, if it was checked by the net."""
    found = scores.get("net")
    return found if isinstance(found, dict) else None


def rejected(scores: Mapping[str, Any]) -> bool:
    """Whether the version was refused by the validation net."""
    found = net_of(scores)
    return found is not None and not found.get("passed", True)


def status_label(scores: Mapping[str, Any]) -> str:
    """'rejected', 'passed' or '' (not checked: typed, pasted or revised text)."""
    found = net_of(scores)
    if found is None:
        return ""
    return "passed" if found.get("passed") else "rejected"


def where(failure: Mapping[str, Any]) -> str:
    """Where a failure sits, in the page's words: "Rebuild, actions item 2", "the email"."""
    part = str(failure.get("part") or "body")
    title = "The email" if part == "body" else PART_TITLES.get(part, part)
    field = failure.get("field")
    text = title if not field else f"{title}, {str(field).replace('_', ' ')}"
    index = failure.get("index")
    return f"{text} item {int(index) + 1}" if isinstance(index, int) else text


def failure_line(failure: Mapping[str, Any]) -> str:
    """One failure as a line: where, the named check, what to change."""
    return f"{where(failure)}: {failure.get('check')}: {failure.get('message')}"


def by_sentence(body: str, found: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """Each sentence of the email that a grounding issue or a body failure concerns, with the
    issues' messages, in the order of the email."""
    sentences = [body[a:b] for a, b in split_sentences(body)]
    placed: dict[int, list[str]] = {}
    items = [(g.get("sentence") or "", g.get("text") or "", g.get("message") or "")
             for g in found.get("grounding", [])]
    items += [("", f.get("text") or "", f"{f.get('check')}: {f.get('message')}")
              for f in found.get("failures", []) if (f.get("part") or "body") == "body"]
    for sentence, text, message in items:
        index = _sentence_of(sentences, sentence, text)
        if index is not None and message not in placed.get(index, []):
            placed.setdefault(index, []).append(message)
    return [(sentences[i].strip(), placed[i]) for i in sorted(placed)]


def _sentence_of(sentences: list[str], sentence: str, text: str) -> int | None:
    for index, candidate in enumerate(sentences):
        if sentence and sentence.strip() and sentence.strip() in candidate:
            return index
    for index, candidate in enumerate(sentences):
        if text and text.strip() and text.strip().lower() in candidate.lower():
            return index
    return None
