"""The offline composer: deterministic parts and a composed draft from the incident facts alone.

No model, no network, instant. Every sentence is either a fact copied from the incident or fixed
wording written to pass the rubrics (owned cause, open questions, dated actions with owners and
checkpoints, concrete recognition). The builders take the *usable* facts
(:func:`assistant.drafting.facts.usable_facts`): a fact sentence that reads as an instruction or an
unapproved promise, says what must not be said, or carries an error-level rubric flag has already
been taken out, so it is never copied; an unusable cause is replaced by an owned form.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from assistant.drafting.grounding import long_date
from assistant.drafting.models import (
    ApprovedAction,
    Ask,
    Expose,
    Incident,
    NameThem,
    PartName,
    RebuildAction,
    RebuildPlan,
    _Part,
)
from assistant.errors import DraftingError

P = TypeVar("P", bound=_Part)

_OPENERS = {
    "direct": "I am sorry.",
    "warm": "I am sorry, and I want to say that first.",
    "formal": "Please accept my apology.",
}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


_COMMON_OPENERS = frozenset(
    {"the", "a", "an", "our", "your", "we", "you", "they", "their", "this", "that", "it", "its"}
    | {"his", "her", "my", "some", "many", "all", "several", "each", "every", "there", "these"}
    | {"those"}
)
_WEEKDAYS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)
_PREPOSITION = re.compile(
    r"^(?:in|on|at|during|between|from|over|by|before|after|since|until)\b", re.I
)
_RANGE = re.compile(r"^\d{1,2}(?:st|nd|rd|th)?\s+(?:to|-|–)\s+\d")
_DAY_FIRST = re.compile(
    r"^(?:\d|(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d)",
    re.I,
)
_PERIOD = re.compile(
    r"^the\s+(?:week|weekend|month|night|morning|afternoon|evening|days?)\s+(?:of|before|after)\b",
    re.I,
)


def _lower_first(text: str) -> str:
    """Lower-case a clause's first word only when it is a common word, never a name or "I"."""
    text = text.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.lower() in _COMMON_OPENERS else text


def _dated(what: str, when: str) -> str:
    """The first Expose sentence with the time woven in the way a person would write it."""
    if not when or _mentions_when(what, when):
        return _upper_first(_sentence(what))
    if _RANGE.match(when):
        lead = f"From {when}"
    elif _DAY_FIRST.match(when):
        lead = f"On {when}"
    elif _PREPOSITION.match(when):
        lead = _upper_first(when)
    elif _PERIOD.match(when):
        lead = f"In {when}"
    else:
        return f"{_upper_first(_sentence(what)).rstrip('.')} ({when})."
    return f"{lead}, {_lower_first(what)}."


def _mentions_when(what: str, when: str) -> bool:
    """True when the facts already date the event (so the draft does not say the date twice)."""
    dated = [
        token.strip(",.")
        for token in when.split()
        if any(ch.isdigit() for ch in token) or token.strip(",.").lower() in _WEEKDAYS
    ]
    return bool(dated) and any(token in what for token in dated)


def _you(incident: Incident) -> str:
    """How the draft names the affected party: always to them, in the second person."""
    if incident.recipient.relationship in ("internal_team", "client", "partner") and (
        incident.recipient.organisation or incident.recipient.relationship == "internal_team"
    ):
        return "you and your team"
    return "you"


def _build(model: type[P], **fields: Any) -> P:
    """A part from composed fields; when withheld facts leave a field empty or short, the part is
    kept as it is (unvalidated) so the validation net can name what is missing."""
    try:
        return model.model_validate(fields)
    except ValidationError:
        return cast(P, model.model_construct(**fields))


def owned_cause(incident: Incident) -> str:
    """The owned form written when the cause as given cannot be used (blame placed elsewhere,
    an instruction, a forbidden phrase): no excuse, no invented detail."""
    return "The cause was on our side, and it was ours to prevent."


def expose(incident: Incident) -> Expose:
    """What happened, why, the impacts and who owns it: the facts, plainly.

    ``incident`` should be the usable facts (:func:`assistant.drafting.facts.usable_facts`):
    withheld sentences are already gone, and an empty cause gets the owned form.
    """
    what = _sentence(incident.what_happened or incident.title) if (
        incident.what_happened or incident.title
    ) else ""
    why = _sentence(incident.cause) if incident.cause.strip() else owned_cause(incident)
    owner = _lower_first(incident.cause_owner) if incident.cause_owner.strip() else "us"
    role = f"as {incident.sender.role} " if incident.sender.role.strip() else ""
    responsibility = (
        f"This was our failure, not yours: it sits with {owner}, and {role}I am accountable"
        " for it."
    )
    opening = _dated(what, incident.when.strip()) if what else ""
    statement = " ".join(p for p in (_OPENERS[incident.tone], opening, why) if p)
    return _build(
        Expose,
        statement=statement,
        what_happened=what,
        why=why,
        impacts_acknowledged=[_upper_first(_sentence(i)) for i in incident.impacts if i.strip()],
        responsibility=responsibility,
    )


def ask(incident: Incident) -> Ask:
    """Open questions, the first in the sender's own voice about what good looks like."""
    if incident.recipient.relationship == "personal":
        questions = [
            "What would good look like from here, from where you sit?",
            "What has this cost you that I have not seen yet?",
            "What would you like me to do differently the next time something goes wrong?",
        ]
    else:
        questions = [
            "What would good look like from here, from where you sit?",
            "Which of these effects is still costing you the most this week?",
            "What do you need from us that you are not getting today?",
            "Who else on your side should I be talking to, and how would they like to hear"
            " from us?",
        ]
    return Ask(questions=questions)


def rebuild(incident: Incident) -> RebuildPlan:
    """The approved actions, each with its owner, date and visible checkpoint; nothing else."""
    actions = [
        RebuildAction(
            what=_sentence(a.what).rstrip("."),
            owner=a.owner,
            due=a.due,
            checkpoint=_sentence(a.checkpoint).rstrip(".") if a.checkpoint else _next_word(a),
        )
        for a in sorted(incident.approved_actions, key=lambda a: a.due)
    ]
    cadence = (
        _sentence(incident.review_cadence)
        if incident.review_cadence
        else "Each action above names the date it is due and what you will be able to see then."
    )
    return _build(RebuildPlan, actions=actions, review_cadence=cadence)


def _next_word(action: ApprovedAction) -> str:
    """Without a checkpoint, the reader is told when they will next hear, and from whom."""
    person = action.owner.split(",")[0].strip() or "the owner"
    return f"word from {person} on {long_date(action.due)} that it is done"


def name_them(incident: Incident) -> NameThem:
    """Recognition of what the facts say the recipient did for the recovery, and nothing else.

    Raises DraftingError when the facts name no contribution: an invented one would be worse
    than none, so the draft leaves Name them out.
    """
    if not incident.recipient_contribution:
        raise DraftingError(
            "the incident names nothing the recipient did for the recovery"
            " (recipient_contribution), so there is no Name them to write; add it to the facts"
            " if there is one"
        )
    statement = (
        f"I also want to name what {_you(incident)} did: "
        f"{_lower_first(incident.recipient_contribution)}. "
        "That made the recovery faster, and it should not have fallen to you."
    )
    return _build(NameThem, statement=statement)


BUILDERS = {"expose": expose, "ask": ask, "rebuild": rebuild, "name_them": name_them}


def compose_part(part: PartName, incident: Incident) -> _Part:
    """One EARN part from the facts."""
    builder = BUILDERS[part]
    result: _Part = builder(incident)
    return result


def subject(incident: Incident) -> str:
    """A subject line that names the failure, not the organisation's feelings."""
    return f"{incident.title}: what happened and what happens next"


def compose_body(incident: Incident, parts: dict[PartName, _Part]) -> str:
    """The email, letter or call script, from (possibly user-edited) parts in EARN order."""
    call = incident.channel == "call_script"
    lines: list[str] = []
    reader = incident.recipient.name.strip()
    greeting = (
        reader.split()[0] if reader and incident.recipient.relationship != "client" else reader
    )
    me = incident.sender.name.strip()
    if call:
        lines.append(f"[Opening] Hello {greeting}, this is {me}." if greeting and me
                     else "[Opening] Hello, thank you for taking my call.")
    else:
        lines.append(f"Dear {greeting}," if greeting else "Hello,")
    lines.append("")
    if (exp := parts.get("expose")) is not None and isinstance(exp, Expose):
        lines.append(("[Expose] " if call else "") + exp.statement)
        lines.append("")
        lines.append("For you, this meant:")
        lines += [f"- {impact}" for impact in exp.impacts_acknowledged]
        lines.append("")
        lines.append(exp.responsibility)
        lines.append("")
    if (ask_part := parts.get("ask")) is not None and isinstance(ask_part, Ask):
        lines.append(
            ("[Ask] " if call else "") + "Before I set out our plan, I want to hear from you:"
        )
        lines += [f"- {q}" for q in ask_part.questions]
        if call:
            lines.append("[Pause and listen. Write down their answers in their words.]")
        lines.append("")
    if (plan := parts.get("rebuild")) is not None and isinstance(plan, RebuildPlan):
        lines.append(
            ("[Rebuild] " if call else "")
            + "Here is what is approved, each with an owner, a date and something you will be"
            " able to see:"
        )
        for action in plan.actions:
            lines.append(
                f"- {action.what}. Owner: {action.owner}. By {long_date(action.due)}."
                f" You will see: {action.checkpoint}."
            )
        lines.append(plan.review_cadence)
        lines.append("")
    if (name := parts.get("name_them")) is not None and isinstance(name, NameThem):
        lines.append(("[Name them] " if call else "") + name.statement)
        lines.append("")
    sender = incident.sender
    signature = ", ".join(s for s in (sender.role.strip(), sender.organisation or "") if s)
    if call:
        lines.append("[Close] Thank them for their time and confirm when you will next speak.")
    else:
        lines += [line for line in (sender.name.strip(), signature) if line]
    return "\n".join(lines).strip() + "\n"
