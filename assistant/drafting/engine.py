"""From incident to draft through one seam: a :class:`~assistant.drafting.drafters.Drafter`.

The drafter (offline composer, local model, litellm model) is chosen once from the model string;
independent parts are generated concurrently; the composed draft is scored by the same scorer
``amends check`` uses, grounded, and run through the validation net, and every finding travels
with it. A model-composed email is streamed to an optional ``on_text`` callback as it arrives.
Drafting always works from the *usable* facts (:func:`assistant.drafting.facts.usable_facts`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from assistant.drafting import composer, net
from assistant.drafting.client import Generated
from assistant.drafting.drafters import (
    CHANNEL_LABEL,
    PART_MAX_TOKENS,
    Drafter,
    agenerate_part,
    agenerate_parts,
    drafter_for,
    run_sync,
)
from assistant.drafting.facts import finding_notes, usable_facts
from assistant.drafting.grounding import check_grounding, injection_warnings, unique
from assistant.drafting.models import (
    ALL_PARTS,
    OFFLINE_LABEL,
    PART_MODELS,
    FactFinding,
    Incident,
    Part,
    PartName,
    RecoveryDraft,
    Usage,
    _Part,
)
from assistant.drafting.posture import posture_failures, posture_for
from assistant.errors import DraftingError
from assistant.ratelimit import check_model_call
from assistant.redact import redact

Progress = Callable[[str], None] | None
TextSink = Callable[[str], None] | None
__all__ = [
    "CHANNEL_LABEL",
    "PART_MAX_TOKENS",
    "agenerate_part",
    "agenerate_parts",
    "compose",
    "draft",
    "draft_json",
    "finish",
    "generate_part",
    "run_sync",
]


def _checked_parts(parts: Iterable[str]) -> tuple[PartName, ...]:
    chosen: list[PartName] = []
    for name in parts:
        if name not in PART_MODELS:
            raise DraftingError(f"unknown part '{name}'; choose from {', '.join(ALL_PARTS)}")
        chosen.append(name)
    if not chosen:
        raise DraftingError(f"choose at least one part from {', '.join(ALL_PARTS)}")
    return tuple(dict.fromkeys(chosen))


def _usage(generated: Iterable[Generated]) -> Usage:
    total = Usage(cost_usd=0.0)
    for g in generated:
        total = total.add(
            Usage(
                calls=g.calls,
                prompt_tokens=g.prompt_tokens,
                completion_tokens=g.completion_tokens,
                total_tokens=g.prompt_tokens + g.completion_tokens,
                cost_usd=g.cost_usd,
            )
        )
    return total


def _limited(model: str | None, rubric_set: Any = None) -> Drafter:
    """The drafter, once the acting user's model-call limit allows one more request (checked
    before the drafter exists, so a refusal costs nothing and its deadline has not started)."""
    from assistant.drafting.client import resolve_model

    check_model_call(resolve_model(model))
    return drafter_for(model, rubric_set)


def generate_part(part: PartName, incident: Incident, model: str | None = None) -> Part:
    """One EARN part, from the usable facts, by the drafter the model string names."""
    (name,) = _checked_parts([part])
    usable, _ = usable_facts(incident)
    if name == "name_them" and not usable.recipient_contribution:
        composer.name_them(usable)  # raises the clear error: there is nothing to name
    drafter = _limited(model)
    generated = drafter.parts(usable, (name,))
    return generated[name].value  # type: ignore[return-value]


def finish(
    incident: Incident,
    draft: RecoveryDraft,
    usable: Incident | None = None,
    findings: list[FactFinding] | None = None,
    rubric_set: Any = None,
    *,
    first_letter: bool = True,
) -> RecoveryDraft:
    """Score, ground and net-check the draft; it is "ready" only when the net passes.

    ``incident`` is the facts as given; ``usable`` the facts a draft may use (computed when not
    given). Fact findings travel with the draft so the form can show them. A follow-up update
    (``first_letter=False``) is held to the posture's forbidden behaviours but not asked to
    apologise again for what the first letter already owned.
    """
    from assistant.scoring import score

    if usable is None or findings is None:
        usable, findings = usable_facts(incident, rubric_set)
    draft.report = score(draft.body, rubric_set)
    draft.grounding = unique(
        check_grounding(draft.subject + "\n" + draft.body, usable)
    ) + injection_warnings(incident)
    draft.fact_findings = findings
    draft.net = net.check_draft(draft, incident, rubric_set, usable=usable)
    # The crisis posture (assistant.drafting.posture): its stance is part of the net.
    draft.posture = posture_for(usable)
    draft.net += posture_failures(
        draft.body, draft.posture, usable, requirements=first_letter
    )
    draft.status = "rejected" if draft.net else "ready"
    if draft.net:
        draft.notes.append(
            f"rejected by the validation net ({len(draft.net)} problem"
            f"{'s' if len(draft.net) != 1 else ''}): see the reasons; nothing was hidden"
        )
    return draft


def compose(
    incident: Incident,
    parts: dict[PartName, _Part],
    model: str | None = None,
    *,
    usage: Usage | None = None,
    notes: list[str] | None = None,
    on_text: TextSink = None,
    rubric_set: Any = None,
) -> RecoveryDraft:
    """A draft from parts (perhaps edited by the user), laid out by the model's drafter.

    ``rubric_set`` (default: the bundled rubrics) is what the draft is scored and checked with.

    ``on_text`` receives the email body *so far* (the whole of it each time, longer each time) while
    a litellm model streams it; it is not called for the offline composer or local models. The
    returned draft is the validated, checked one: if the streamed answer had to be re-asked, or
    the provider could not stream, the draft's notes say so and its body supersedes the stream.
    A model drafter's one client carries one ``AMENDS_DEADLINE`` for its parts and composing.
    """
    return _compose(
        _limited(model, rubric_set), incident, parts, usage=usage, notes=notes, on_text=on_text
    )


def _compose(
    drafter: Drafter,
    incident: Incident,
    parts: dict[PartName, _Part],
    *,
    usage: Usage | None = None,
    notes: list[str] | None = None,
    on_text: TextSink = None,
) -> RecoveryDraft:
    usable, findings = usable_facts(incident, drafter.rubric_set)
    notes = list(dict.fromkeys([*finding_notes(findings), *(notes or [])]))
    names = [n for n in ALL_PARTS if n in parts]
    ordered = {n: parts[n] for n in names}
    layout = drafter.layout(usable, ordered, on_text=on_text)
    total = usage or Usage()
    if layout.generated is not None:
        total = total.add(_usage([layout.generated]))
    notes += layout.notes
    if drafter.label == OFFLINE_LABEL:
        notes.insert(
            0, "Drafted by the offline composer from the incident facts only; no model was used."
        )
    draft = RecoveryDraft(
        subject=layout.subject,
        body=layout.body,
        channel=incident.channel,
        generator=drafter.label,
        model=drafter.model,
        prompt_versions=drafter.prompt_versions(names),
        usage=total,
        notes=[redact(note) for note in notes],
        **ordered,
    )
    return finish(incident, draft, usable, findings, drafter.rubric_set)


def draft(
    incident: Incident,
    model: str | None = None,
    parts: Iterable[str] = ALL_PARTS,
    on_progress: Progress = None,
    *,
    concurrent: bool = True,
    on_text: TextSink = None,
    rubric_set: Any = None,
) -> RecoveryDraft:
    """The full draft: parts (concurrent with a model), composed, scored, grounded, net-checked.

    ``rubric_set`` (default: the bundled rubrics) checks the parts as they are generated (in
    instructor's validation context) and scores the draft, so both use the same rubrics.

    ``on_text`` receives the composed email's body so far while it streams (see :func:`compose`).
    One deadline (``AMENDS_DEADLINE``) covers the parts and the composing together.
    """
    names = _checked_parts(parts)
    drafter = _limited(model, rubric_set)
    usable, _ = usable_facts(incident, rubric_set)
    notes: list[str] = []
    if "name_them" in names and not usable.recipient_contribution:
        names = tuple(n for n in names if n != "name_them")
        notes.append(
            "name_them: left out, because the facts name nothing the recipient did for the"
            " recovery (recipient_contribution)"
        )
    if not names:
        raise DraftingError("nothing to draft: " + notes[-1])
    generated = drafter.parts(usable, names, concurrent=concurrent, progress=on_progress)
    notes += [note for g in generated.values() for note in g.notes]
    notes += [
        f"{name}: still has a problem after re-asks: {p}"
        for name, g in generated.items()
        for p in g.problems
    ]
    if on_progress and generated and drafter.label != OFFLINE_LABEL:
        on_progress("composing the draft")
    return _compose(
        drafter,
        incident,
        {n: g.value for n, g in generated.items()},  # type: ignore[misc]
        usage=_usage(generated.values()),
        notes=notes,
        on_text=on_text,
    )


def draft_json(result: RecoveryDraft) -> str:
    """The full draft with its report, as JSON for pipelines."""
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False)
