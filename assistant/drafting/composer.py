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
from functools import cache
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from assistant.drafting import lexicon
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



@cache
def _words() -> dict[str, Any]:
    """The composer's own wording by tone, and its question rules (``data/composer.yaml``)."""
    return lexicon.data("composer")


def wording(tone: str, key: str) -> str:
    """One fixed phrase in the incident's tone."""
    return str(_words()["tones"][tone][key])


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


def _taken(action: str) -> str:
    """An action already taken as a sentence with its actor: facts often say "Refunded £1,149
    on 4 November", which alone reads as a fragment; a past-tense verb first gets a "We"."""
    text = action.strip()
    first = text.split(" ", 1)[0]
    if first.lower().endswith("ed") and first.lower() not in lexicon.stopwords():
        return _sentence(f"We {text[:1].lower()}{text[1:]}")
    return _upper_first(_sentence(text))


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
    if owner.lower() in ("me", "myself", "i", "i am"):
        responsibility = "This was my failure, not yours, and I am accountable for it."
    else:
        responsibility = (
            f"This was our failure, not yours: it sits with {owner}, and {role}I am"
            " accountable for it."
        )
    opening = _dated(what, incident.when.strip()) if what else ""
    taken = " ".join(_taken(t) for t in incident.actions_taken if t.strip())
    statement = " ".join(
        p for p in (wording(incident.tone, "opener"), opening, why, taken) if p
    )
    return _build(
        Expose,
        statement=statement,
        what_happened=what,
        why=why,
        impacts_acknowledged=[_upper_first(_sentence(i)) for i in incident.impacts if i.strip()],
        responsibility=responsibility,
    )


def _fits(rule: dict[str, Any], incident: Incident) -> bool:
    """Whether one question rule of ``data/composer.yaml`` fits the incident."""
    relationship = rule.get("relationship")
    if relationship and incident.recipient.relationship not in relationship:
        return False
    needs = rule.get("needs")
    if needs and not getattr(incident.recipient, str(needs), None):
        return False
    missing = rule.get("missing")
    if missing and getattr(incident, str(missing)):
        return False
    pattern = rule.get("facts")
    if pattern:
        fields = rule.get("fields") or ["what_happened", "cause", "impacts", "title"]
        text = "\n".join(
            "\n".join(v) if isinstance(v, list) else str(v or "")
            for v in (getattr(incident, f) for f in fields)
        )
        return lexicon.regex(str(pattern)).search(text) is not None
    return True


def ask(incident: Incident) -> Ask:
    """Open questions: what good looks like, then the ones that fit this incident.

    The rules are data (``data/composer.yaml``): the relationship, what is still unknown (no
    actions taken yet), what it cost, who else needs to hear.
    """
    spec = _words()["questions"]
    chosen: list[str] = []
    for rule in spec["candidates"]:
        if len(chosen) >= int(spec["choose"]):
            break
        if _fits(rule, incident):
            question = str(rule["ask"]).format(organisation=incident.recipient.organisation or "")
            if question not in chosen:
                chosen.append(question)
    for question in spec.get("fallback", []):  # an incident few rules fit still gets three
        if len(chosen) >= int(spec["choose"]):
            break
        if question not in chosen:
            chosen.append(str(question))
    return _build(Ask, questions=[str(spec["first"]), *chosen])


def rebuild(incident: Incident) -> RebuildPlan:
    """The approved actions, each with its owner, date and visible checkpoint; nothing else."""
    told: set[tuple[str, object]] = set()  # owner and date already promised as "word from"
    actions = []
    for a in sorted(incident.approved_actions, key=lambda a: a.due):
        checkpoint = _sentence(a.checkpoint).rstrip(".") if a.checkpoint else None
        if checkpoint is None:
            checkpoint = _next_word(a, again=(a.owner, a.due) in told,
                                    by_me=_is_sender(a.owner, incident))
            told.add((a.owner, a.due))
        actions.append(
            RebuildAction(
                what=_sentence(a.what).rstrip("."), owner=a.owner, due=a.due, checkpoint=checkpoint
            )
        )
    cadence = (
        _sentence(incident.review_cadence)
        if incident.review_cadence
        else _fallback_cadence(incident)
    )
    return _build(RebuildPlan, actions=actions, review_cadence=cadence)


def _next_word(action: ApprovedAction, again: bool = False, by_me: bool = False) -> str:
    """Without a checkpoint, the reader is told when they will next hear, and from whom.

    ``again``: the same person already promised word on that date for another action, so the
    sentence says so instead of repeating itself word for word.
    """
    person = "me" if by_me else action.owner.split(",")[0].strip() or "the owner"
    if again:
        return f"the same word from {person} on {long_date(action.due)} cover this step too"
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
        + wording(incident.tone, "name_them_close")
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
    if not incident.title.strip():  # withheld: the title itself was unusable
        return "What happened, and what happens next"
    return f"{incident.title}: what happened and what happens next"


def _checkpoint(text: str) -> str:
    """A checkpoint as a sentence: a clause stands alone, a thing is something they will see."""
    text = text.strip().rstrip(".")
    if re.search(r"\b(?:will|shall|can)\b", text):
        return _upper_first(text) + "."
    return f"You will see {_lower_first(text)}."


def _proper_words(incident: Incident) -> frozenset[str]:
    """Capitalised words that are names in this incident (never lower-cased)."""
    names = [
        incident.recipient.name,
        incident.recipient.organisation or "",
        incident.sender.name,
        incident.sender.organisation or "",
        incident.cause_owner,
        *(a.owner for a in incident.approved_actions),
    ]
    return frozenset(w.strip(",.'’s") for n in names for w in n.split() if w[:1].isupper())


def _clause(text: str, incident: Incident) -> str:
    """``text`` to follow a colon: its first word lower-cased unless it is a name or acronym."""
    text = text.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    if (
        first[:1].isupper()
        and first[1:] == first[1:].lower()
        and first != "I"
        and first.strip(",.") not in _proper_words(incident)
    ):
        return text[:1].lower() + text[1:]
    return text


def _action_line(action: RebuildAction, incident: Incident, lead: str = "") -> str:
    """One action: what, then its owner and date in a sentence of their own (so no sentence
    runs an action's words into its owner's title), then what the reader will see."""
    what = _clause(action.what, incident) if lead else _upper_first(action.what.rstrip("."))
    return (
        f"{lead}{what}. Owner: {_owner(action.owner, incident)}, by {long_date(action.due)}."
        f" {_checkpoint(action.checkpoint)}"
    )


def _is_sender(owner: str, incident: Incident) -> bool:
    name = incident.sender.name.strip().lower()
    return bool(name) and owner.split(",")[0].strip().lower() == name


def _owner(owner: str, incident: Incident) -> str:
    """An owner as the sender says it: "me" when it is the sender."""
    return "me" if _is_sender(owner, incident) else owner


def _cadence_line(cadence: str) -> str:
    """The review cadence as a sentence of its own: a bare noun phrase from the facts ("a call
    from Shona every Friday") is what the reader will get; a clause stands as written."""
    text = cadence.strip()
    if re.match(r"(?:an?|one|weekly|daily|monthly|fortnightly|regular)\b", text, re.IGNORECASE):
        return _sentence(f"You will get {_lower_first(text)}")
    return _sentence(_upper_first(text))


def _fallback_cadence(incident: Incident) -> str:
    """Without a review cadence in the facts: when the reader will next hear, from whom."""
    actions = incident.approved_actions
    if len(actions) == 1:
        person = actions[0].owner.split(",")[0].strip() or "the owner"
        person = "me" if _is_sender(actions[0].owner, incident) else person
        return f"You will hear from {person} on {long_date(actions[0].due)} when it is done."
    return "You will hear from each owner on the date their action is due."


def compose_body(incident: Incident, parts: dict[PartName, _Part]) -> str:
    """The email, letter or call script, from (possibly user-edited) parts in EARN order.

    An email lists impacts, questions and actions; a letter says them in paragraphs and signs
    off; a call script gives the speaker stage directions and pauses to listen.
    """
    channel = incident.channel
    call, letter = channel == "call_script", channel == "letter"
    tone = incident.tone

    def said(key: str) -> str:
        return wording(tone, f"{key}_letter" if letter else key)

    def cue(name: str) -> str:
        return f"[{name}] " if call else ""

    lines: list[str] = []
    reader = incident.recipient.name.strip()
    full = incident.recipient.relationship == "client" or tone == "formal" or letter
    greeting = reader if full or not reader else reader.split()[0]
    me = incident.sender.name.strip()
    if call:
        lines.append(f"[Opening] Hello {greeting}, this is {me}." if greeting and me
                     else "[Opening] Hello, thank you for taking my call.")
        lines.append("[Check it is a good time to talk before you go on.]")
    else:
        lines.append(f"Dear {greeting}," if greeting else "Hello,")
    lines.append("")
    if (exp := parts.get("expose")) is not None and isinstance(exp, Expose):
        lines.append(cue("Expose") + exp.statement)
        lines.append("")
        impacts = [_sentence(i) for i in exp.impacts_acknowledged]
        if letter:
            lines.append(" ".join([said("impacts"), *impacts]))
        elif impacts:
            lines.append(said("impacts"))
            lines += [f"- {impact}" for impact in impacts]
        lines.append("")
        lines.append(exp.responsibility)
        lines.append("")
    if (ask_part := parts.get("ask")) is not None and isinstance(ask_part, Ask):
        if letter:
            lines.append(" ".join([said("ask"), *ask_part.questions]))
        else:
            lines.append(cue("Ask") + said("ask"))
            lines += [f"- {q}" for q in ask_part.questions]
        if call:
            lines.append("[Pause after each question and listen. Write down their answers in"
                         " their words.]")
        lines.append("")
    if (plan := parts.get("rebuild")) is not None and isinstance(plan, RebuildPlan):
        ordinals = [str(o) for o in _words()["ordinals"]]
        if letter or call:
            lines.append(cue("Rebuild") + said("rebuild"))
            for i, action in enumerate(plan.actions):
                lead = ordinals[i] if i < len(ordinals) else "Also"
                lines.append(_action_line(action, incident, f"{lead}, "))
        else:
            lines.append(said("rebuild"))
            lines += [f"- {_action_line(action, incident)}" for action in plan.actions]
        lines.append(_cadence_line(plan.review_cadence))
        lines.append("")
    if (name := parts.get("name_them")) is not None and isinstance(name, NameThem):
        lines.append(cue("Name them") + name.statement)
        lines.append("")
    sender = incident.sender
    signature = ", ".join(s for s in (sender.role.strip(), sender.organisation or "") if s)
    if call:
        lines.append("[Close] Thank them for their time and agree when you will next speak.")
    else:
        sign_off = wording(tone, "letter_sign_off" if letter else "sign_off")
        if sign_off:
            lines += [sign_off, ""]
        lines += [line for line in (sender.name.strip(), signature) if line]
    return "\n".join(lines).strip() + "\n"
