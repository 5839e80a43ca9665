"""Facts are data, never instructions: find what in the incident must not reach a draft.

Three things in a fact are withheld from every draft (offline composer and model prompts alike)
and reported so a person can look at them:

* instruction-like text ("ignore all previous instructions", "assistant: ...", "you must promise
  ..."), found with the data-driven patterns in ``data/instructions.yaml``;
* a promise the approved actions do not make ("we will give every client a year free");
* a sentence that says what ``must_not_say`` forbids, matched by meaning;
* a fact sentence with an error-level rubric flag (a cause that blames a vendor, a minimising
  impact): the composer writes an owned form instead, or leaves it out, with a note.

:func:`review_facts` is what the Draft form calls as the user types (it accepts the form's raw
data, valid or not); :func:`usable_facts` is what drafting uses: a copy of the incident with those
sentences taken out, plus the findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from assistant.drafting import lexicon
from assistant.drafting.models import FactFinding, FactKind, Incident
from assistant.sentences import split_sentences

# Fields copied into a draft's prose: checked for everything, scored with the rubric.
PROSE_FIELDS = ("title", "what_happened", "cause", "recipient_contribution", "review_cadence")
PROSE_LISTS = ("impacts", "actions_taken")
# Fields where a promise is the point (the approved commitments themselves).
COMMITMENT_FIELDS = ("review_cadence", "approved_actions")
# Short values (names, roles, dates as written): checked for instructions only.
NAME_FIELDS = (
    "when",
    "cause_owner",
    "recipient.name",
    "recipient.organisation",
    "recipient.role",
    "sender.name",
    "sender.role",
    "sender.organisation",
)
APPROVED_OVERLAP = 0.6  # share of a promise's meaning an approved action must carry


@dataclass(frozen=True)
class Instruction:
    """One instruction-like sentence: where it is, what kind, and why it was caught."""

    start: int
    end: int
    text: str
    kind: str
    message: str
    match_start: int


@cache
def _kinds() -> tuple[tuple[str, str, tuple[Any, ...]], ...]:
    kinds = lexicon.mapping(lexicon.data("instructions").get("kinds"))
    return tuple(
        (
            str(name),
            str(spec["message"]),
            tuple(lexicon.regex(str(p)) for p in spec["patterns"]),
        )
        for name, spec in kinds.items()
    )


def detect_instructions(text: str) -> list[Instruction]:
    """The sentences of ``text`` that read as instructions to an AI or a writer, in order."""
    found: list[Instruction] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        for kind, message, patterns in _kinds():
            hit = next((m for p in patterns if (m := p.search(sentence))), None)
            if hit is not None:
                found.append(
                    Instruction(start, end, sentence, kind, message, start + hit.start())
                )
                break
    return found


def is_instruction(text: str) -> bool:
    """Whether any sentence of ``text`` reads as an instruction (for quick checks and tests)."""
    return bool(detect_instructions(text))


@cache
def _promise() -> Any:
    spec = lexicon.mapping(lexicon.data("net").get("promise"))
    return lexicon.regex(f"{spec['first_person']}|{spec['any']}")


@cache
def _compensation() -> Any:
    spec = lexicon.mapping(lexicon.data("net").get("compensation"))
    return lexicon.regex("|".join(f"(?:{v['pattern']})" for v in spec.values()))


_PAST = re.compile(r"\b(?:was|were|had|did|has\s+been|have\s+been)\b", re.IGNORECASE)


def reads_as_promise(sentence: str) -> bool:
    """A commitment, or an offer of compensation not told as past ("a year free of charge").

    "You refunded 300 of your customers" is a fact about the past, not an offer.
    """
    if _promise().search(sentence):
        return True
    offer = _compensation().search(sentence)
    return offer is not None and not (offer.group(0).endswith("ed") or _told_as_past(sentence))


def _told_as_past(sentence: str) -> bool:
    """A past auxiliary, a regular past form or an irregular one ("kept", "sent", "paid")."""
    if _PAST.search(sentence):
        return True
    past = lexicon.past_forms()
    return any(w in past or (len(w) >= 5 and w.endswith("ed")) for w in lexicon.words(sentence))


# --- walking the facts ---------------------------------------------------------------------------


def _value(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _fields(data: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(path, kind, text) of every text value: kind is 'prose', 'commitment', 'name' or 'limit'."""
    for name in PROSE_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            yield name, "commitment" if name in COMMITMENT_FIELDS else "prose", value
    for name in PROSE_LISTS:
        for index, value in enumerate(data.get(name) or []):
            if isinstance(value, str) and value.strip():
                yield f"{name}[{index}]", "prose", value
    for index, action in enumerate(data.get("approved_actions") or []):
        if not isinstance(action, Mapping):
            continue
        for key in ("what", "checkpoint"):
            value = action.get(key)
            if isinstance(value, str) and value.strip():
                yield f"approved_actions[{index}].{key}", "commitment", value
        owner = action.get("owner")
        if isinstance(owner, str) and owner.strip():
            yield f"approved_actions[{index}].owner", "name", owner
    for path in NAME_FIELDS:
        value = _value(data, path)
        if isinstance(value, str) and value.strip():
            yield path, "name", value
    for index, value in enumerate(data.get("must_not_say") or []):
        if isinstance(value, str) and value.strip():
            yield f"must_not_say[{index}]", "limit", value


def _approved_texts(data: Mapping[str, Any]) -> list[str]:
    texts = [
        " ".join(str(a.get(k) or "") for k in ("what", "checkpoint"))
        for a in data.get("approved_actions") or []
        if isinstance(a, Mapping)
    ]
    cadence = data.get("review_cadence")
    return [t for t in [*texts, cadence if isinstance(cadence, str) else ""] if t.strip()]


def _approved(sentence: str, approved: list[str]) -> bool:
    return any(lexicon.overlap(sentence, source) >= APPROVED_OVERLAP for source in approved)


def _rubric_findings(path: str, sentence: str, rubric_set: Any) -> list[FactFinding]:
    from assistant.scoring import score

    return [
        FactFinding(
            field=path,
            kind="flag",
            severity=flag.severity,
            text=sentence,
            message=f"'{flag.match}': {flag.message} Try: {flag.suggestion}",
            rule=flag.rule,
            withheld=flag.severity == "error",
        )
        for flag in score(sentence, rubric_set).flags
    ]


def _withheld(
    kind: str,
    sentence: str,
    caught: Instruction | None,
    forbidden: list[str],
    approved: list[str],
) -> tuple[FactKind, str, str] | None:
    """(kind, message, rule) when a fact sentence must be kept out of every draft."""
    if caught is not None:
        return (
            "instruction",
            f"reads as an instruction ({caught.message}); facts are data, so it is kept out of"
            " the draft and away from the model",
            f"instruction.{caught.kind}",
        )
    if kind in ("name", "limit"):
        return None
    if kind == "prose" and reads_as_promise(sentence) and not _approved(sentence, approved):
        return (
            "promise",
            "reads as a promise the approved actions do not make; add it as an approved action"
            " if it is agreed, otherwise leave it out",
            "promise.unapproved",
        )
    said = next((p for p in forbidden if lexicon.find_by_meaning(p, sentence)), None)
    if said is not None:
        return "must_not_say", f"says what the incident must not say ('{said}')", "must_not_say"
    return None


def review_form(form: Mapping[str, Any], rubric_set: Any = None) -> list[FactFinding]:
    """The Draft page's entry point: findings for the flat form values exactly as typed (valid
    or not), to show beside each field before anything is drafted."""
    from assistant.forms import incident_data

    return review_facts(incident_data(form), rubric_set)


def review_facts(
    facts: Incident | Mapping[str, Any], rubric_set: Any = None, *, rubric: bool = True
) -> list[FactFinding]:
    """What in the facts a person should look at before drafting, field by field.

    Takes an ``Incident`` or the raw nested data the Draft form holds (valid or not, e.g.
    ``assistant.forms.incident_data(form)``), so the form can show findings as the user types.
    ``rubric=False`` skips scoring fact sentences with the rubric (instructions and promises only).
    """
    data = facts.model_dump(mode="json") if isinstance(facts, Incident) else dict(facts)
    forbidden = [str(p) for p in data.get("must_not_say") or [] if str(p).strip()]
    approved = _approved_texts(data)
    findings: list[FactFinding] = []
    for path, kind, text in _fields(data):
        instructions = {(i.start, i.end): i for i in detect_instructions(text)}
        for start, end in split_sentences(text):
            sentence = text[start:end]
            found = _withheld(kind, sentence, instructions.get((start, end)), forbidden, approved)
            if found is not None:
                what, message, rule = found
                findings.append(
                    FactFinding(field=path, kind=what, text=sentence, message=message, rule=rule)
                )
                continue
            if kind in ("name", "limit"):
                continue
            if rubric:
                findings += _rubric_findings(path, sentence, rubric_set)
    return findings


# --- the usable incident -------------------------------------------------------------------------


def _kept(text: str, withheld: set[str], name: bool) -> str:
    """``text`` without its withheld sentences; for a name, the part before an instruction."""
    if name:
        for found in detect_instructions(text):
            head = text[: found.match_start].strip(" \t\n,;:-(['\"").rstrip(".")
            return head if 0 < len(head.split()) <= 6 else ""
        return text
    kept = [text[a:b] for a, b in split_sentences(text) if text[a:b] not in withheld]
    return " ".join(kept).strip()


def usable_facts(
    incident: Incident, rubric_set: Any = None, *, rubric: bool = True
) -> tuple[Incident, list[FactFinding]]:
    """A copy of the incident holding only facts a draft may use, and every finding.

    Withheld sentences are removed from their field; a list item left empty is dropped, and an
    approved action whose ``what`` is withheld is dropped with it. The copy is not re-validated
    (a field may now be empty): the composer and the net deal with missing facts by name.
    """
    if rubric_set is None:
        key = f"{rubric}:{incident.model_dump_json()}"
        usable, findings = _USABLE.get(key, lambda: _usable(incident, None, rubric))
        return usable, list(findings)
    return _usable(incident, rubric_set, rubric)


_USABLE = lexicon.Memo()


def _usable(
    incident: Incident, rubric_set: Any, rubric: bool
) -> tuple[Incident, list[FactFinding]]:
    findings = review_facts(incident, rubric_set, rubric=rubric)
    withheld: dict[str, set[str]] = {}
    for finding in findings:
        if finding.withheld:
            withheld.setdefault(finding.field, set()).add(finding.text)
    if not withheld:
        return incident, findings

    def clean(path: str, text: str | None, name: bool = False) -> str | None:
        if text is None or path not in withheld:
            return text
        return _kept(text, withheld[path], name)

    update: dict[str, Any] = {}
    if "cause" in withheld:  # what is left of a cause that blamed others still leans on it
        withheld["cause"] = {incident.cause[a:b] for a, b in split_sentences(incident.cause)}
    for name in PROSE_FIELDS:
        value = getattr(incident, name)
        cleaned = clean(name, value)
        if cleaned != value:
            update[name] = cleaned or (None if name in ("recipient_contribution",) else "")
    for name in PROSE_LISTS:
        items = getattr(incident, name)
        cleaned_items = [clean(f"{name}[{i}]", v) or "" for i, v in enumerate(items)]
        if cleaned_items != items:
            update[name] = [v for v in cleaned_items if v]
    actions = []
    for index, action in enumerate(incident.approved_actions):
        what = clean(f"approved_actions[{index}].what", action.what) or ""
        if not what:
            continue
        checkpoint = clean(f"approved_actions[{index}].checkpoint", action.checkpoint)
        owner = clean(f"approved_actions[{index}].owner", action.owner, name=True) or ""
        actions.append(
            action.model_copy(update={"what": what, "checkpoint": checkpoint, "owner": owner})
        )
    if actions != incident.approved_actions:
        update["approved_actions"] = actions
    for path in ("when", "cause_owner"):
        value = getattr(incident, path)
        cleaned = clean(path, value, name=True)
        if cleaned != value:
            update[path] = cleaned or ""
    for group in ("recipient", "sender"):
        person = getattr(incident, group)
        changes = {}
        for key in ("name", "organisation", "role"):
            value = getattr(person, key)
            cleaned = clean(f"{group}.{key}", value, name=True)
            if cleaned != value:
                changes[key] = cleaned or ("" if key != "organisation" else None)
        if changes:
            update[group] = person.model_copy(update=changes)
    return incident.model_copy(update=update), findings


def finding_notes(findings: list[FactFinding]) -> list[str]:
    """One note per withheld fact sentence, for the draft's notes."""
    notes = [
        f"facts: {f.field}: left out '{_short(f.text)}' - {f.message}"
        for f in findings
        if f.withheld
    ]
    if any(f.withheld and f.field == "cause" for f in findings):
        notes.append(
            "facts: cause: the draft states an owned cause instead; rewrite the cause in your"
            " own words, owning it ('we changed ...', 'I approved ...')"
        )
    return notes


def _short(text: str, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
