"""Crisis posture (Coombs's SCCT): the crisis type the facts describe, and what it asks of a draft.

The type is classified from cue patterns on the facts, with the facts that led there shown, and
the incident's ``crisis_type`` overrides it. The posture that follows drives the offline layouts
(its own sentence), the model prompts (its guide) and the net: a preventable-crisis draft that
justifies or blames is refused, and every posture requires responsibility, regret and repair.
Cues, postures and the forbidden behaviours are data (``data/posture.yaml``).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from assistant.drafting import lexicon
from assistant.drafting.models import CrisisCue, CrisisType, Incident, NetFailure, Posture
from assistant.scoring.components import SentenceSpec, component_specs, find, spec_from
from assistant.sentences import split_sentences

CRISIS_TYPES: tuple[CrisisType, ...] = ("victim", "accidental", "preventable")


@cache
def _data() -> dict[str, Any]:
    return lexicon.data("posture")


@cache
def _cues() -> tuple[tuple[str, str, Any, frozenset[str]], ...]:
    """(type, cue name, RE2 pattern, the fields it reads: empty for every classified field)."""
    out: list[tuple[str, str, Any, frozenset[str]]] = []
    for kind, spec in lexicon.mapping(_data()["types"]).items():
        for cue in spec.get("cues") or []:
            fields = frozenset(str(f) for f in cue.get("fields") or [])
            out.append((str(kind), str(cue["name"]), lexicon.regex(str(cue["pattern"])), fields))
    return tuple(out)


@cache
def _intensifiers() -> tuple[tuple[str, Any], ...]:
    return tuple(
        (str(i["name"]), lexicon.regex(str(i["pattern"])))
        for i in _data().get("intensifiers") or []
    )


@cache
def behaviour_specs() -> dict[str, SentenceSpec]:
    """The behaviours a posture can forbid (justification, scapegoat, blaming the reader)."""
    return {
        str(name): spec_from(str(name), raw)
        for name, raw in lexicon.mapping(_data()["behaviours"]).items()
    }


def _fields(incident: Incident) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name in _data()["fields"]:
        value = getattr(incident, str(name), None)
        if isinstance(value, list):
            out += [(f"{name}[{i}]", str(v)) for i, v in enumerate(value)]
        elif value:
            out.append((str(name), str(value)))
    return out


def classify(incident: Incident) -> tuple[CrisisType, str, list[CrisisCue]]:
    """The crisis type the facts point to, a plain reason, and the facts that led there."""
    data = _data()
    found: list[CrisisCue] = []
    for field, text in _fields(incident):
        for kind, name, pattern, only in _cues():
            if only and field.split("[", 1)[0] not in only:
                continue
            m = pattern.search(text)
            if m is not None:
                found.append(CrisisCue(field=field, text=m.group(0), cue=name, points_to=kind))
    kinds = {c.points_to for c in found}
    chosen = next((str(k) for k in data["precedence"] if k in kinds), None)
    if chosen is None:
        chosen = str(data["default"])
        reason = str(data["default_reason"])
    else:
        led = [c for c in found if c.points_to == chosen]
        reason = "; ".join(f"{c.field}: '{c.text}' ({c.cue})" for c in led)
        others = sorted(kinds - {chosen})
        if others:
            reason += f" (also cues of {', '.join(others)}, outweighed: {chosen} comes first)"
    ladder = [str(k) for k in data["ladder"]]
    for field, text in _fields(incident):
        for name, pattern in _intensifiers():
            m = pattern.search(text)
            if m is not None and chosen != ladder[-1]:
                chosen = ladder[ladder.index(chosen) + 1]
                found.append(CrisisCue(field=field, text=m.group(0), cue=name, points_to=chosen))
                reason += f"; raised to {chosen}: {field}: '{m.group(0)}' ({name})"
                break
        else:
            continue
        break
    return _as_type(chosen), reason, found


def _as_type(value: str) -> CrisisType:
    for kind in CRISIS_TYPES:
        if kind == value:
            return kind
    raise ValueError(f"posture.yaml names an unknown crisis type '{value}'")


def posture_for(incident: Incident) -> Posture:
    """The posture for these facts: the user's ``crisis_type`` if given, else the classifier's."""
    kind, reason, cues = classify(incident)
    source: Literal["classifier", "user", "default"] = "classifier" if cues else "default"
    if incident.crisis_type is not None:
        if incident.crisis_type != kind:
            reason = f"set by the user (the facts pointed to {kind}: {reason})"
        else:
            reason = f"set by the user, as the facts suggest: {reason}"
        kind, source = incident.crisis_type, "user"
    spec = lexicon.mapping(_data()["postures"])[kind]
    return Posture(
        crisis_type=kind,
        label=str(_data()["types"][kind]["label"]),
        source=source,
        reason=reason,
        cues=cues,
        posture=str(spec["label"]),
        stance=str(spec["stance"]),
        requires=[str(r) for r in spec.get("requires") or []],
        forbids=[str(f) for f in spec.get("forbids") or []],
        line=str(spec["line"]),
        guide=" ".join(str(spec["guide"]).split()),
    )


def posture_failures(
    body: str,
    posture: Posture,
    incident: Incident | None = None,
    *,
    part: str = "body",
    requirements: bool = True,
) -> list[NetFailure]:
    """The net's posture checks on one text: a forbidden behaviour, or a required component
    that no sentence shows (``approved_action`` in a requirement: an approved action of
    ``incident`` the text carries is the repair). ``requirements=False`` (a follow-up update,
    which reports on promises the first letter made) keeps only the forbidden behaviours."""
    sentences = [body[a:b] for a, b in split_sentences(body)]
    specs = behaviour_specs()
    forbidden = [specs[name] for name in posture.forbids if name in specs]
    failures: list[NetFailure] = []
    for spec in forbidden:
        for hit in find(sentences, [spec])[spec.name][:1]:
            failures.append(
                NetFailure(
                    check=f"posture.{spec.name}",
                    message=f"a {posture.crisis_type} crisis: this sentence {spec.message}",
                    text=sentences[hit.index].strip()[:200],
                    part=part,
                )
            )
    specs_by_name = {s.name: s for s in component_specs()}
    hits = find(sentences, specs_by_name.values())
    for requirement in posture.requires if requirements else ():
        names = requirement.split("|")
        options = [specs_by_name[n] for n in names if n in specs_by_name]
        if "approved_action" in names and incident is not None and _carries_action(body, incident):
            continue
        if options and not any(hits[o.name] for o in options):
            named = " or ".join(f"'{o.label}'" for o in options)
            failures.append(
                NetFailure(
                    check="posture.missing_component",
                    message=f"a {posture.crisis_type} crisis needs {named}: no sentence shows"
                    f" it ({posture.stance})",
                    text=" or ".join(o.label for o in options),
                    part=part,
                )
            )
    return failures


def _carries_action(body: str, incident: Incident) -> bool:
    """Whether the text sets out at least one approved action (the repair the posture asks)."""
    sentences = [body[a:b] for a, b in split_sentences(body)]
    return any(
        lexicon.overlap(action.what, sentence) >= 0.5
        for action in incident.approved_actions
        for sentence in sentences
    )
