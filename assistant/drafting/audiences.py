"""Audience variants from one incident: client email, executive summary, technical note, public
statement and call script, all from the same grounded EARN parts.

Why one set of parts: a reader's leadership, their engineers and the public must hear the same
facts and the same commitments. Each variant is scored, grounded and run through the validation
net (plus its own layout rules and the crisis posture), then all are cross-checked: no variant may
promise what another does not, or give another date, owner or amount for the same thing.
Offline layouts are data (``data/audiences.yaml``); a model writes them from ``prompts/audience_*``.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.drafting import composer, lexicon
from assistant.drafting.grounding import _dates, _quantities, long_date
from assistant.drafting.models import (
    Ask,
    ComposedEmail,
    Expose,
    Incident,
    NameThem,
    NetFailure,
    PartName,
    Posture,
    RebuildPlan,
    RecoveryDraft,
    _Part,
)
from assistant.drafting.posture import posture_for
from assistant.errors import InputError
from assistant.sentences import split_sentences

Audience = Literal["client", "executive", "technical", "public", "call"]
AUDIENCES: tuple[Audience, ...] = ("client", "executive", "technical", "public", "call")
Progress = Callable[[str], None] | None
SAME_CLAIM = 0.6  # overlap at which two sentences of different variants state the same thing
SAME_STATEMENT = 0.8  # ... and both ways, at which differing figures contradict each other
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b(?:\s*[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\b", re.I)
MENTIONS = 0.5  # share of a fact's meaning (an impact, the cause) a text must carry to state it
NAMES_ACTION = 0.8  # ... and of an approved action's (its cause shares many of its words)
_FIELD = string.Formatter()


class AudienceDraft(BaseModel):
    """One variant: which audience, and the checked draft (scores, grounding, net, status)."""

    audience: Audience
    label: str
    draft: RecoveryDraft


class AudienceSet(BaseModel):
    """Every requested variant, the posture they share, and the cross-check between them."""

    posture: Posture
    variants: list[AudienceDraft]
    crosscheck: list[NetFailure] = Field(default_factory=list)
    status: Literal["ready", "rejected"] = "ready"

    def reasons(self) -> list[str]:
        """Every reason a variant or the cross-check refuses the set, naming the variant."""
        out = [f"{v.audience}: {r}" for v in self.variants for r in v.draft.reasons()]
        out += [f"cross-check: {f.check}: {f.message}" for f in self.crosscheck]
        return list(dict.fromkeys(out))


@cache
def _data() -> dict[str, Any]:
    return lexicon.data("audiences")


def spec(audience: str) -> Mapping[str, Any]:
    """One audience's layout, rules and brief."""
    found: Mapping[str, Any] = lexicon.mapping(_data()["audiences"])[audience]
    return found


def label(audience: str) -> str:
    """How an audience is named to people ("Executive summary")."""
    return str(spec(audience)["label"])


def parse_audiences(value: str) -> tuple[Audience, ...]:
    """``client,executive`` or ``all`` as audiences in their order; InputError names a bad one."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    if not names or "all" in names:
        return AUDIENCES
    chosen: list[Audience] = []
    for name in names:
        match = next((a for a in AUDIENCES if a == name), None)
        if match is None:
            raise InputError(
                f"--audience: unknown audience '{name}'; choose from {', '.join(AUDIENCES)} or all"
            )
        chosen.append(match)
    return tuple(a for a in AUDIENCES if a in chosen)


# --- offline layouts ----------------------------------------------------------------------------


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"})


def _private_words(incident: Incident) -> list[str]:
    """The recipient's own names: the whole name, organisation and role, and each capitalised word
    of the name and organisation that is not an honorific or an everyday word ("Insurance",
    "Association"), longest first."""
    recipient, sender = incident.recipient, incident.sender
    role = recipient.role or ""
    whole = [recipient.name, recipient.organisation or "", role if " " in role.strip() else ""]
    ours = " ".join([sender.name, sender.organisation or ""]).lower()
    everyday = lexicon.stopwords() | frozenset(str(w) for w in _data()["words"]["everyday"])
    words = [w.strip(",.'’") for n in whole[:2] for w in n.split()]
    distinctive = {
        w for w in words
        if len(w) > 2 and w[:1].isupper() and w.lower() not in _HONORIFICS
        and w.lower() not in everyday
    }
    names = {n.strip() for n in whole if n.strip()} | distinctive
    # A name the sender shares (one organisation, an internal team) is not the recipient's.
    return sorted((n for n in names if n.lower() not in ours), key=len, reverse=True)


def _public(text: str, incident: Incident) -> str:
    """``text`` with the recipient's names replaced by a general term, and 'you' made general."""
    general = str(_data()["words"]["public_client"])
    for word in _private_words(incident):
        text = re.sub(rf"\b{re.escape(word)}['’]s\b", "the client's", text)
        text = re.sub(rf"\b{re.escape(word)}\b", general, text)
    text = re.sub(rf"\b(?:{re.escape(general)}\s+)+", general + " ", text)
    text = re.sub(r"\byour\b", "the client's", text)
    text = re.sub(r"\bYour\b", "The client's", text)
    text = re.sub(r"\byou\b", "the client", text)
    return re.sub(r"\bYou\b", "The client", text)


def context(incident: Incident, parts: Mapping[str, _Part], posture: Posture) -> dict[str, Any]:
    """Every placeholder an offline layout can use, from the parts first and the facts second."""
    expose = parts.get("expose")
    plan = parts.get("rebuild")
    ask = parts.get("ask")
    name = parts.get("name_them")
    exp = expose if isinstance(expose, Expose) else None
    what = exp.what_happened if exp else _sentence(incident.what_happened)
    why = exp.why if exp else _sentence(incident.cause)
    impacts = list(exp.impacts_acknowledged) if exp else [_sentence(i) for i in incident.impacts]
    words = _data()["words"]
    ordinals = [str(o) for o in composer._words()["ordinals"]]
    actions: list[dict[str, str]] = []
    if isinstance(plan, RebuildPlan):
        for i, a in enumerate(plan.actions):
            owner = composer._owner(a.owner, incident)
            actions.append(
                {
                    "what": a.what.rstrip("."),
                    "public_what": _public(a.what.rstrip("."), incident),
                    "what_clause": composer._clause(a.what, incident),
                    "owner": owner,
                    "owner_name": a.owner,
                    "owner_owns": "I own" if owner == "me" else f"{owner} owns",
                    "due": long_date(a.due),
                    "due_iso": a.due.isoformat(),
                    "checkpoint": a.checkpoint.rstrip("."),
                    "ordinal": ordinals[i] if i < len(ordinals) else "Also",
                }
            )
    summary = "; ".join(
        composer._clause(i, incident) for i in impacts[:2]
    )
    when = incident.when.strip()
    owner = composer._lower_first(incident.cause_owner) if incident.cause_owner.strip() else "us"
    sender = incident.sender
    return {
        "title": incident.title,
        "public_title": _public(incident.title, incident),
        "when": when,
        "when_lead": f"{when}: " if when else "",
        "what": _sentence(what),
        "public_what": _sentence(_public(what, incident)),
        "why": _sentence(why),
        "public_why": _sentence(_public(why, incident)),
        "statement": exp.statement if exp else "",
        "responsibility": exp.responsibility if exp else "",
        "public_responsibility": f"This was our failure, and it sits with {owner}.",
        "short_responsibility": f"ours; it sits with {owner}.",
        "apology": composer.wording(incident.tone, "opener"),
        "public_apology": str(words["public_apology"]),
        "posture_line": posture.line,
        "impact_summary": summary,
        "impacts": [{"text": _sentence(i)} for i in impacts],
        "impacts_spoken": " ".join([str(words["impacts_lead"]), *map(_sentence, impacts)]),
        "taken": [{"text": _sentence(t)} for t in incident.actions_taken],
        "actions": actions,
        "questions": [{"text": q} for q in ask.questions] if isinstance(ask, Ask) else [],
        "ask_lead": str(words["ask_lead"]) if isinstance(ask, Ask) else "",
        "rebuild_lead": str(words["rebuild_lead"]) if actions else "",
        "cadence": composer._upper_first(plan.review_cadence)
        if isinstance(plan, RebuildPlan) else "",
        "public_cadence": composer._upper_first(_public(plan.review_cadence, incident))
        if isinstance(plan, RebuildPlan) else "",
        "name_them": name.statement if isinstance(name, NameThem) else "",
        "greeting": incident.recipient.name.split()[0] if incident.recipient.name else "",
        "sender_name": sender.name,
        "sender_role": sender.role,
        "sender_org_suffix": f", {sender.organisation}" if sender.organisation else "",
    }


def _fill(template: str, values: Mapping[str, Any]) -> str | None:
    """``template`` filled in, or None when every placeholder in it is empty."""
    names = [field for _, field, _, _ in _FIELD.parse(template) if field]
    if names and not any(str(values.get(n, "") or "").strip() for n in names):
        return None
    return template.format_map({n: values.get(n, "") for n in names}).strip()


def render(blocks: Sequence[Mapping[str, Any]], values: Mapping[str, Any]) -> str:
    """A layout's blocks as text (see the head of ``data/audiences.yaml``)."""
    lines: list[str] = []
    for block in blocks:
        if "each" in block:
            for item in values.get(str(block["each"])) or []:
                filled = _fill(str(block["line"]), {**values, **item})
                if filled:
                    lines.append(filled)
        else:
            filled = _fill(str(block["text"]), values)
            if filled:
                lines.append(filled)
        if block.get("blank") and lines and lines[-1]:
            lines.append("")
    return "\n".join(lines).strip() + "\n"


def offline_layout(
    audience: Audience, incident: Incident, parts: Mapping[str, _Part], posture: Posture
) -> tuple[str, str]:
    """Subject and body of one variant, laid out from the data file (client: the composer)."""
    if audience == "client":
        chosen = _client_incident(incident)
        ordered: dict[PartName, _Part] = {n: p for n, p in parts.items() if n in _PARTS}
        return composer.subject(chosen), composer.compose_body(chosen, ordered)
    values = context(incident, parts, posture)
    layout = spec(audience)
    subject = _fill(str(layout["subject"]), values) or label(audience)
    return subject, render(layout["blocks"], values)


_PARTS: tuple[PartName, ...] = ("expose", "ask", "rebuild", "name_them")


def _client_incident(incident: Incident) -> Incident:
    """The client variant is written, not spoken: a call-script incident gets its email."""
    if incident.channel == "call_script":
        return incident.model_copy(update={"channel": "email"})
    return incident


# --- the variant's own rules --------------------------------------------------------------------


def _failure(check: str, message: str, text: str, audience: str) -> NetFailure:
    return NetFailure(check=check, message=message, text=text.strip()[:200], part=audience)


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]


def _words_in(text: str) -> int:
    return len(re.findall(r"[\w'’-]+", text))


def audience_failures(audience: Audience, body: str, incident: Incident) -> list[NetFailure]:
    """The layout rules of ``data/audiences.yaml`` for one variant's body."""
    rules = lexicon.mapping(spec(audience).get("rules"))
    out: list[NetFailure] = []
    limit = rules.get("max_words")
    if limit and _words_in(body) > int(limit):
        out.append(_failure("audience.too_long", f"{label(audience)} has {_words_in(body)}"
                            f" words; keep it to {limit}", body[:80], audience))
    if rules.get("lead"):
        first = next(iter(_paragraphs(body)), "")
        has_date = bool(_dates(first)) or bool(incident.when and incident.when in first)
        has_impact = any(lexicon.overlap(i, first) >= MENTIONS for i in incident.impacts)
        if not (has_date and has_impact):
            missing = " and ".join(
                n for n, ok in (("the impact", has_impact), ("the date", has_date)) if not ok
            )
            out.append(_failure("audience.lead", f"{label(audience)} must lead with the impact"
                                f" and the date; its first paragraph lacks {missing}", first,
                                audience))
    if rules.get("private"):
        for word in _private_words(incident):
            if re.search(rf"\b{re.escape(word)}\b", body):
                out.append(_failure("audience.private_detail", f"{label(audience)} names"
                                    f" '{word}', a private detail of the recipient", word,
                                    audience))
        contribution = incident.recipient_contribution or ""
        for sentence in _sentences(body):
            if contribution and lexicon.overlap(contribution, sentence) >= SAME_CLAIM:
                out.append(_failure("audience.private_detail", f"{label(audience)} tells what"
                                    " the recipient did, a private detail", sentence, audience))
    if rules.get("carries"):
        out += _carries(audience, body, incident)
    if rules.get("spoken"):
        out += _spoken(audience, body, int(rules.get("max_sentence_words", 40)))
    return out


def _carries(audience: Audience, body: str, incident: Incident) -> list[NetFailure]:
    """A technical note carries the cause, the timeline and every action's owner and date."""
    out: list[NetFailure] = []
    if incident.cause.strip() and lexicon.overlap(incident.cause, body) < MENTIONS:
        out.append(_failure("audience.missing_fact", f"{label(audience)} must state the cause",
                            incident.cause, audience))
    if incident.when.strip() and incident.when.strip() not in body and not _dates(body):
        out.append(_failure("audience.missing_fact", f"{label(audience)} must carry the"
                            " timeline (when it happened)", incident.when, audience))
    for action in incident.approved_actions:
        window = _action_window(action.what, body)
        if window is None:
            continue  # the cross-check names an action a variant leaves out
        owner = action.owner.split(",")[0].strip()
        dated = any((d, m) == (action.due.day, action.due.month) for *_, d, m, _ in _dates(window))
        if owner.lower() not in window.lower() or not (dated or action.due.isoformat() in window):
            out.append(_failure("audience.missing_fact", f"{label(audience)} must give"
                                f" '{action.what}' its owner ({owner}) and due date"
                                f" ({long_date(action.due)})", action.what, audience))
    return out


def _spoken(audience: Audience, body: str, longest: int) -> list[NetFailure]:
    """A call script is said aloud: no list marks, no letter formulas, no long sentences."""
    out: list[NetFailure] = []
    for line in body.splitlines():
        if re.match(r"^\s*(?:[-*•]|\d+[.)])\s", line):
            out.append(_failure("audience.not_spoken", "a call script is spoken: say this as a"
                                " sentence, not a list item", line, audience))
            break
    if re.search(r"^\s*(?:Dear\b|Yours (?:sincerely|faithfully)|Kind regards)", body, re.M):
        out.append(_failure("audience.not_spoken", "a call script is spoken: no letter"
                            " greeting or sign-off", body[:60], audience))
    for sentence in _sentences(re.sub(r"\[[^\]]*\]", "", body)):
        if _words_in(sentence) > longest:
            out.append(_failure("audience.not_spoken", f"a sentence of {_words_in(sentence)}"
                                f" words is hard to say aloud; keep spoken sentences under"
                                f" {longest}", sentence, audience))
            break
    return out


# --- the cross-check ----------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in split_sentences(text) if text[a:b].strip()]


def _action_window(what: str, body: str) -> str | None:
    """The sentence that best names an approved action and what follows it on its line (a list
    item's owner and date), or the next sentence when it ends its line (prose)."""
    lines = [_sentences(line) for line in body.splitlines() if line.strip()]
    best: tuple[float, int, int] | None = None
    for n, sentences in enumerate(lines):
        for i, sentence in enumerate(sentences):
            score = lexicon.overlap(what, sentence)
            if score >= NAMES_ACTION and (best is None or score > best[0]):
                best = (score, n, i)
    if best is None:
        return None
    _, n, i = best
    rest = lines[n][i:]
    if len(rest) == 1 and n + 1 < len(lines) and not _dates(rest[0]):
        rest = rest + lines[n + 1][:1]
    return " ".join(rest)


def _promises(body: str, incident: Incident, audience: str = "") -> list[str]:
    """Sentences that commit the sender to something that is not an approved action (nor an
    approved action's checkpoint, which is part of it)."""
    from assistant.drafting.grounding import _first_person_promise

    pattern = _first_person_promise()
    approved = [
        _as_said(audience, t, incident)
        for a in incident.approved_actions
        for t in (a.what, a.checkpoint or "")
        if t
    ]
    return [
        s
        for s in _sentences(body)
        if pattern.search(s) and not any(lexicon.overlap(t, s) >= NAMES_ACTION for t in approved)
    ]


def _owners(window: str, incident: Incident) -> set[str]:
    names = {a.owner.split(",")[0].strip() for a in incident.approved_actions}
    named = {n for n in names if n and n.lower() in window.lower()}
    if re.search(r"\bI own\b|\bOwner: me\b", window):
        named.add(incident.sender.name)
    return named


def _as_said(audience: str, text: str, incident: Incident) -> str:
    """An approved action as the variant says it (the public statement names no recipient)."""
    return _public(text, incident) if audience == "public" else text


def cross_check(variants: Sequence[tuple[str, str]], incident: Incident) -> list[NetFailure]:
    """What the variants (audience, body) disagree on: commitments, dates, owners, amounts."""
    out: list[NetFailure] = []
    if len(variants) < 2:
        return out
    named = [label(a) for a, _ in variants]
    for action in incident.approved_actions:
        windows = [
            _action_window(_as_said(a, action.what, incident), body) for a, body in variants
        ]
        has = [n for n, w in zip(named, windows, strict=True) if w is not None]
        lacks = [n for n, w in zip(named, windows, strict=True) if w is None]
        if has and lacks:
            out.append(NetFailure(check="crosscheck.promise", message=f"'{action.what}' is"
                                  f" promised in {', '.join(has)} but not in {', '.join(lacks)};"
                                  " every variant makes the same commitments", text=action.what))
        due = (action.due.day, action.due.month)
        dated = {
            n: {(d, m) for *_, d, m, _ in _dates(w)}
            for n, w in zip(named, windows, strict=True)
            if w
        }
        wrong = {n: d for n, d in dated.items() if d and due not in d}
        if wrong:
            said = "; ".join(f"{n}: {', '.join(f'{d}/{m}' for d, m in sorted(v))}"
                             for n, v in wrong.items())
            out.append(NetFailure(check="crosscheck.date", message=f"'{action.what}' is due"
                                  f" {long_date(action.due)}, but not every variant says so"
                                  f" ({said})", text=action.what))
        owners = {n: _owners(w, incident) for n, w in zip(named, windows, strict=True) if w}
        owners = {n: o for n, o in owners.items() if o}
        if len({frozenset(o) for o in owners.values()}) > 1:
            said = "; ".join(f"{n}: {', '.join(sorted(o))}" for n, o in owners.items())
            out.append(NetFailure(check="crosscheck.owner", message=f"'{action.what}' has"
                                  f" different owners in different variants ({said})",
                                  text=action.what))
    for (a_name, a_body), (b_name, b_body) in _pairs(variants):
        for promise in _promises(a_body, incident, a_name):
            if not any(lexicon.overlap(promise, s) >= SAME_CLAIM for s in _sentences(b_body)):
                out.append(NetFailure(check="crosscheck.promise", message=f"{label(a_name)}"
                                      f" promises '{promise[:100]}', which {label(b_name)} does"
                                      " not", text=promise))
        out += _contradictions(a_name, a_body, b_name, b_body, incident)
    return _unique(out)


Variant = tuple[str, str]  # (audience, body)


def _pairs(variants: Sequence[Variant]) -> Iterable[tuple[Variant, Variant]]:
    for i, a in enumerate(variants):
        for j, b in enumerate(variants):
            if i != j:
                yield a, b


def _outside_actions(body: str, incident: Incident) -> list[str]:
    """The body's sentences that are not an approved action's own (those are compared above,
    action by action: two actions' owner lines differ only in their dates by design)."""
    windows = [w for a in incident.approved_actions if (w := _action_window(a.what, body))]
    return [s for s in _sentences(body) if not any(s in w for w in windows)]


def _contradictions(
    a_name: str, a_body: str, b_name: str, b_body: str, incident: Incident
) -> list[NetFailure]:
    """The same statement in two variants with different dates or amounts."""
    out: list[NetFailure] = []
    b_sentences = _outside_actions(b_body, incident)
    for sentence in _outside_actions(a_body, incident):
        a_dates = {(d, m) for *_, d, m, _ in _dates(sentence)}
        a_amounts = _amounts(sentence)
        if not a_dates and not a_amounts:
            continue
        for other in b_sentences:
            if min(lexicon.overlap(sentence, other), lexicon.overlap(other, sentence)) < (
                SAME_STATEMENT
            ):
                continue
            b_dates = {(d, m) for *_, d, m, _ in _dates(other)}
            if a_dates and b_dates and not a_dates & b_dates:
                out.append(NetFailure(check="crosscheck.date", message=f"{label(a_name)} and"
                                      f" {label(b_name)} give different dates for the same"
                                      f" thing: '{sentence[:80]}' / '{other[:80]}'", text=sentence))
            b_amounts = _amounts(other)
            for unit in set(a_amounts) & set(b_amounts):
                if not a_amounts[unit] & b_amounts[unit]:
                    out.append(NetFailure(check="crosscheck.amount", message=f"{label(a_name)}"
                                          f" and {label(b_name)} give different figures for the"
                                          f" same thing: '{sentence[:80]}' / '{other[:80]}'",
                                          text=sentence))
    return out


def _amounts(sentence: str) -> dict[str, set[str]]:
    """Numbers by unit, dates left out (their day numbers are not amounts)."""
    spans = [(s, e) for s, e, *_ in _dates(sentence)]
    spans += [m.span() for m in _TIME.finditer(sentence)]
    out: dict[str, set[str]] = {}
    for start, end, value, unit in _quantities(sentence):
        year = re.fullmatch(r"(?:19|20)\d\d", sentence[start:end]) is not None
        if year or any(s <= start and end <= e for s, e in spans):
            continue
        out.setdefault(unit or "", set()).add(value)
    return out


def _unique(failures: Iterable[NetFailure]) -> list[NetFailure]:
    seen: set[tuple[str, str]] = set()
    out: list[NetFailure] = []
    for f in failures:
        key = (f.check, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- drafting the set ---------------------------------------------------------------------------


def _finish(
    audience: Audience,
    subject: str,
    body: str,
    incident: Incident,
    usable: Incident,
    parts: Mapping[str, _Part],
    posture: Posture,
    generator: tuple[str, str],
    rubric_set: Any,
) -> AudienceDraft:
    """Score, ground and net-check one variant, with its layout rules and the posture."""
    from assistant.drafting.engine import finish

    used = {n: p for n, p in parts.items() if n in spec(audience)["parts"]}
    draft = RecoveryDraft(
        subject=subject,
        body=body,
        channel="call_script" if audience == "call" else "email",
        generator=generator[0],
        model=generator[1],
        posture=posture,
        **used,
    )
    draft = finish(incident, draft, rubric_set=rubric_set)
    extra = audience_failures(audience, body, usable)
    if extra:
        draft.net = [*draft.net, *extra]
        draft.status = "rejected"
    return AudienceDraft(audience=audience, label=label(audience), draft=draft)


def draft_audiences(
    incident: Incident,
    audiences: Iterable[Audience] = AUDIENCES,
    model: str | None = None,
    on_progress: Progress = None,
    *,
    rubric_set: Any = None,
) -> AudienceSet:
    """Every requested variant from one set of parts, each checked, then all cross-checked.

    Offline (and with the local model, whose layouts are the offline templates) the layouts come
    from ``data/audiences.yaml``; a litellm model writes each variant from ``prompts/audience_*``
    with the same parts and the posture's guide, re-asked by the net like the client email.
    """
    from assistant.drafting.drafters import LocalDrafter, ModelDrafter, drafter_for, run_sync
    from assistant.drafting.engine import draft as draft_client
    from assistant.drafting.facts import usable_facts

    chosen = tuple(dict.fromkeys(audiences))
    usable, _ = usable_facts(incident, rubric_set)
    posture = posture_for(usable)
    client = draft_client(
        _client_incident(incident), model=model, on_progress=on_progress, rubric_set=rubric_set
    )
    parts: dict[str, _Part] = {str(name): part for name, part in client.parts().items()}
    drafter = drafter_for(model, rubric_set)
    writes = isinstance(drafter, ModelDrafter) and not isinstance(drafter, LocalDrafter)
    variants: list[AudienceDraft] = []
    for audience in chosen:
        if audience == "client":
            variants.append(AudienceDraft(audience="client", label=label("client"), draft=client))
            continue
        if on_progress:
            on_progress(f"laying out the {label(audience).lower()}")
        if writes:
            assert isinstance(drafter, ModelDrafter)
            subject, body = run_sync(_model_layout(drafter, audience, usable, parts, posture))
        else:
            subject, body = offline_layout(audience, usable, parts, posture)
        variants.append(
            _finish(audience, subject, body, incident, usable, parts, posture,
                    (client.generator, client.model), rubric_set)
        )
    crosscheck = cross_check([(v.audience, v.draft.body) for v in variants], usable)
    rejected = bool(crosscheck) or any(v.draft.status == "rejected" for v in variants)
    return AudienceSet(
        posture=posture, variants=variants, crosscheck=crosscheck,
        status="rejected" if rejected else "ready",
    )


async def _model_layout(
    drafter: Any, audience: Audience, usable: Incident, parts: Mapping[str, _Part],
    posture: Posture,
) -> tuple[str, str]:
    """One variant written by the model from the parts (quoted data), re-asked by the net."""
    from assistant.drafting.prompts import as_data, messages_for

    used = {n: p.model_dump(mode="json") for n, p in parts.items() if n in spec(audience)["parts"]}
    messages = messages_for(
        f"audience_{audience}",
        usable,
        parts=as_data(used),
        posture=posture.guide,
        brief=" ".join(str(spec(audience)["brief"]).split()),
    )
    result = await drafter.client.generate(
        ComposedEmail, messages, incident=usable, max_tokens=1200,
        validation={"rubric_set": drafter.rubric_set},
    )
    email = result.value
    assert isinstance(email, ComposedEmail)
    return email.subject, email.body.strip() + "\n"


def audiences_json(result: AudienceSet) -> str:
    """The set as JSON: posture, each variant's full draft, the cross-check and the status."""
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False)
