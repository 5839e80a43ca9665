"""From incident to draft: one seam, two implementations (offline composer, model via litellm).

Independent parts are generated concurrently with asyncio; the composed draft is scored by the
same scorer ``amends check`` uses and grounding-checked, and both findings travel with it.
A model-composed email is streamed to an optional ``on_text`` callback as it arrives.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from assistant.drafting import composer, net
from assistant.drafting.client import Generated, ModelClient, resolve_model
from assistant.drafting.facts import finding_notes, usable_facts
from assistant.drafting.grounding import check_grounding, injection_warnings, unique
from assistant.drafting.models import (
    ALL_PARTS,
    OFFLINE_LABEL,
    PART_MODELS,
    ComposedEmail,
    FactFinding,
    Incident,
    Part,
    PartName,
    RecoveryDraft,
    Usage,
    _Part,
)
from assistant.drafting.prompts import as_data, messages_for, part_messages, prompt_version
from assistant.errors import DraftingError
from assistant.settings import OFFLINE_MODEL

T = TypeVar("T")
Progress = Callable[[str], None] | None
TextSink = Callable[[str], None] | None
# Tight output budgets keep small local models quick; cloud models never need more for these parts.
PART_MAX_TOKENS: dict[PartName, int] = {"expose": 700, "ask": 250, "rebuild": 800, "name_them": 300}
CHANNEL_LABEL = {"email": "email", "letter": "letter", "call_script": "call script"}


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, even inside a running event loop (Streamlit)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


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


async def agenerate_part(client: ModelClient, part: PartName, incident: Incident) -> Generated:
    """One part from the model, rubric and grounding in the loop."""
    return await client.generate(
        PART_MODELS[part],
        part_messages(part, incident),
        incident=incident,
        max_tokens=PART_MAX_TOKENS[part],
    )


async def agenerate_parts(
    client: ModelClient,
    incident: Incident,
    parts: tuple[PartName, ...],
    concurrent: bool = True,
    progress: Progress = None,
) -> dict[PartName, Generated]:
    """All requested parts; concurrently unless ``concurrent`` is False (kept for the benchmark)."""

    async def one(name: PartName) -> Generated:
        result = await agenerate_part(client, name, incident)
        if progress:
            progress(
                f"{name} drafted ({result.calls} model call{'s' if result.calls != 1 else ''})"
            )
        return result

    if concurrent:
        results = await asyncio.gather(*(one(name) for name in parts))
        return dict(zip(parts, results, strict=True))
    return {name: await one(name) for name in parts}


def generate_part(part: PartName, incident: Incident, model: str | None = None) -> Part:
    """One EARN part, from the offline composer or the model, from the usable facts only."""
    (name,) = _checked_parts([part])
    chosen = resolve_model(model)
    usable, _ = usable_facts(incident)
    if chosen == OFFLINE_MODEL:
        built = composer.compose_part(name, usable)
        repaired, _ = net.repair({name: built}, usable)
        return repaired.get(name, built)  # type: ignore[return-value]
    if name == "name_them" and not usable.recipient_contribution:
        composer.name_them(usable)  # raises the clear error: nothing to name
    result = run_sync(agenerate_part(ModelClient(chosen), name, usable))
    return result.value  # type: ignore[return-value]


def finish(
    incident: Incident,
    draft: RecoveryDraft,
    usable: Incident | None = None,
    findings: list[FactFinding] | None = None,
    rubric_set: Any = None,
) -> RecoveryDraft:
    """Score, ground and net-check the draft; it is "ready" only when the net passes.

    ``incident`` is the facts as given; ``usable`` the facts a draft may use (computed when not
    given). Fact findings travel with the draft so the form can show them.
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
    draft.status = "rejected" if draft.net else "ready"
    if draft.net:
        draft.notes.append(
            f"rejected by the validation net ({len(draft.net)} problem"
            f"{'s' if len(draft.net) != 1 else ''}): see the reasons; nothing was hidden"
        )
    return draft


def _body_so_far(on_text: Callable[[str], None]) -> Callable[[BaseModel], None]:
    """Partial emails to ``on_text`` calls with the body so far, only when it has grown."""
    last = ""

    def report(partial: BaseModel) -> None:
        nonlocal last
        body = getattr(partial, "body", None)
        if isinstance(body, str) and len(body) > len(last):
            last = body
            on_text(body)

    return report


def _versions(parts: Iterable[str], composed_by_model: bool) -> dict[str, int]:
    names = ["_system", "_facts", *parts] + (["compose"] if composed_by_model else [])
    return {name: prompt_version(name) for name in names}


def compose(
    incident: Incident,
    parts: dict[PartName, _Part],
    model: str | None = None,
    *,
    usage: Usage | None = None,
    notes: list[str] | None = None,
    on_text: TextSink = None,
) -> RecoveryDraft:
    """A draft from parts (perhaps edited by the user); with a model the compose prompt writes it.

    The local model's parts are assembled by the offline templates: a 135M model writing a
    whole email under a grammar takes over a minute and adds nothing the parts do not say.

    ``on_text`` receives the email body *so far* (the whole of it each time, longer each time) while
    a litellm model streams it; it is not called for the offline composer or local models. The
    returned draft is the validated, checked one: if the streamed answer had to be re-asked, or
    the provider could not stream, the draft's notes say so and its body supersedes the stream.
    """
    chosen = resolve_model(model)
    usable, findings = usable_facts(incident)
    notes = list(dict.fromkeys([*finding_notes(findings), *(notes or [])]))
    names = [n for n in ALL_PARTS if n in parts]
    by_model = chosen not in (OFFLINE_MODEL,) and not chosen.startswith("local/")
    total = usage or Usage()
    if by_model:
        client = ModelClient(chosen)
        parts_json = as_data({n: parts[n].model_dump(mode="json") for n in names})
        messages = messages_for(
            "compose",
            usable,
            parts=parts_json,
            channel_label=CHANNEL_LABEL[incident.channel],
            tone=incident.tone,
        )
        result = run_sync(
            client.generate(
                ComposedEmail,
                messages,
                incident=usable,
                max_tokens=1200,
                on_partial=_body_so_far(on_text) if on_text else None,
            )
        )
        total = total.add(_usage([result]))
        email: ComposedEmail = result.value  # type: ignore[assignment]
        subject, body = email.subject, email.body.strip() + "\n"
        notes += [f"compose: {n}" for n in result.notes]
        notes += [f"compose: {p}" for p in result.problems]
        generator = f"litellm: {chosen}"
    else:
        subject, body = composer.subject(usable), composer.compose_body(usable, parts)
        generator = (
            OFFLINE_LABEL
            if chosen == OFFLINE_MODEL
            else f"litellm: {chosen} (parts); offline templates (layout)"
        )
        if chosen == OFFLINE_MODEL:
            notes.insert(
                0,
                "Drafted by the offline composer from the incident facts only; no model was used.",
            )
    draft = RecoveryDraft(
        subject=subject,
        body=body,
        channel=incident.channel,
        generator=generator,
        model=chosen,
        prompt_versions={} if chosen == OFFLINE_MODEL else _versions(names, by_model),
        usage=total,
        notes=notes,
        **{name: parts[name] for name in names},
    )
    return finish(incident, draft, usable, findings)


def draft(
    incident: Incident,
    model: str | None = None,
    parts: Iterable[str] = ALL_PARTS,
    on_progress: Progress = None,
    *,
    concurrent: bool = True,
    on_text: TextSink = None,
) -> RecoveryDraft:
    """The full draft: parts (concurrent with a model), composed, scored, grounding-checked.

    ``on_text`` receives the composed email's body so far while it streams (see :func:`compose`).
    """
    names = _checked_parts(parts)
    chosen = resolve_model(model)
    usable, _ = usable_facts(incident)
    notes: list[str] = []
    if "name_them" in names and not usable.recipient_contribution:
        names = tuple(n for n in names if n != "name_them")
        notes.append(
            "name_them: left out, because the facts name nothing the recipient did for the"
            " recovery (recipient_contribution)"
        )
    if not names:
        raise DraftingError("nothing to draft: " + notes[-1])
    if chosen == OFFLINE_MODEL:
        built: dict[PartName, _Part] = {
            name: composer.compose_part(name, usable) for name in names
        }
        built, rewrites = net.repair(built, usable)
        return compose(incident, built, OFFLINE_MODEL, notes=notes + rewrites)
    if on_progress:
        on_progress(f"drafting {', '.join(names)} with {chosen}")
    client = ModelClient(chosen)
    generated = run_sync(
        agenerate_parts(client, usable, names, concurrent=concurrent, progress=on_progress)
    )
    notes += [
        f"{name}: still has a problem after re-asks: {p}"
        for name, g in generated.items()
        for p in g.problems
    ]
    if on_progress:
        on_progress("composing the draft")
    return compose(
        incident,
        {n: g.value for n, g in generated.items()},  # type: ignore[misc]
        chosen,
        usage=_usage(generated.values()),
        notes=notes,
        on_text=on_text,
    )


def draft_json(result: RecoveryDraft) -> str:
    """The full draft with its report, as JSON for pipelines."""
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False)
