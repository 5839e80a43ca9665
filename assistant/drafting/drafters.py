"""One seam for drafting: a ``Drafter`` writes parts and lays out the message; which one is
chosen once, from the model string, by :func:`drafter_for` (as simonw/llm's ``Model.execute``
is one method every model implements).

* :class:`OfflineDrafter`: the deterministic composer; no model, no network, no litellm import.
* :class:`ModelDrafter`: any litellm model string; parts and the composed message by the model,
  with the rubric and the validation net in instructor's loop (re-asks).
* :class:`LocalDrafter`: the bundled small model in process; parts by the model, layout by the
  offline templates (a 135M model writing a whole email under a grammar takes over a minute and
  adds nothing the parts do not say).

Callers never compare model strings: they ask the drafter.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

from assistant.drafting import composer, net
from assistant.drafting.models import (
    OFFLINE_LABEL,
    PART_MODELS,
    ComposedEmail,
    Incident,
    PartName,
    _Part,
)
from assistant.drafting.prompts import as_data, messages_for, part_messages, prompt_version
from assistant.settings import OFFLINE_MODEL

if TYPE_CHECKING:
    from assistant.drafting.client import Generated, ModelClient

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


def _generated(value: BaseModel, notes: list[str] | None = None) -> Generated:
    from assistant.drafting.client import Generated

    return Generated(value=value, cost_usd=0.0, notes=list(notes or []))


@dataclass
class Layout:
    """A laid-out message: subject, body, and the model call that wrote it (None offline)."""

    subject: str
    body: str
    generated: Generated | None = None
    notes: list[str] = field(default_factory=list)


class Drafter(Protocol):
    """What every way of drafting does; the engine speaks only to this."""

    model: str
    label: str
    rubric_set: Any  # the rubrics parts are checked with (None: the bundled defaults)

    def parts(
        self,
        incident: Incident,
        names: tuple[PartName, ...],
        *,
        concurrent: bool = True,
        progress: Progress = None,
    ) -> dict[PartName, Generated]:
        """The requested EARN parts from the (usable) facts."""
        ...

    def layout(
        self, incident: Incident, parts: dict[PartName, _Part], *, on_text: TextSink = None
    ) -> Layout:
        """The subject and body from parts (perhaps edited by the user)."""
        ...

    def prompt_versions(self, names: list[PartName]) -> dict[str, int]:
        """The prompt files (and versions) a draft by this drafter was written with."""
        ...


class OfflineDrafter:
    """The deterministic composer, with the net's offline rewrite over its parts."""

    model = OFFLINE_MODEL
    label = OFFLINE_LABEL

    def __init__(self, rubric_set: Any = None) -> None:
        self.rubric_set = rubric_set

    def parts(
        self,
        incident: Incident,
        names: tuple[PartName, ...],
        *,
        concurrent: bool = True,
        progress: Progress = None,
    ) -> dict[PartName, Generated]:
        built = {name: composer.compose_part(name, incident) for name in names}
        repaired, rewrites = net.repair(built, incident, self.rubric_set)
        out = {name: _generated(part) for name, part in repaired.items()}
        if rewrites and out:
            next(iter(out.values())).notes.extend(rewrites)
        return out

    def layout(
        self, incident: Incident, parts: dict[PartName, _Part], *, on_text: TextSink = None
    ) -> Layout:
        return Layout(composer.subject(incident), composer.compose_body(incident, parts))

    def prompt_versions(self, names: list[PartName]) -> dict[str, int]:
        return {}


async def agenerate_part(
    client: ModelClient, part: PartName, incident: Incident, rubric_set: Any = None
) -> Generated:
    """One part from the model, rubric and validation net in the loop.

    The rubric set travels in instructor's validation context, so the part is judged by the
    rubrics the draft is scored by.
    """
    return await client.generate(
        PART_MODELS[part],
        part_messages(part, incident),
        incident=incident,
        max_tokens=PART_MAX_TOKENS[part],
        validation={"rubric_set": rubric_set},
    )


async def agenerate_parts(
    client: ModelClient,
    incident: Incident,
    parts: tuple[PartName, ...],
    concurrent: bool = True,
    progress: Progress = None,
    rubric_set: Any = None,
) -> dict[PartName, Generated]:
    """All requested parts; concurrently unless ``concurrent`` is False (kept for the benchmark)."""

    async def one(name: PartName) -> Generated:
        result = await agenerate_part(client, name, incident, rubric_set)
        if progress:
            progress(
                f"{name} drafted ({result.calls} model call{'s' if result.calls != 1 else ''})"
            )
        return result

    if concurrent:
        results = await asyncio.gather(*(one(name) for name in parts))
        return dict(zip(parts, results, strict=True))
    return {name: await one(name) for name in parts}


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


class ModelDrafter:
    """A litellm model: it writes the parts and composes the message (streamed when asked)."""

    def __init__(self, model: str, rubric_set: Any = None) -> None:
        self.model = model
        self.label = f"litellm: {model}"
        self.rubric_set = rubric_set
        self._client: ModelClient | None = None

    @property
    def client(self) -> ModelClient:
        """The model client, made on first use (so litellm is imported only when needed)."""
        if self._client is None:
            from assistant.drafting.client import ModelClient

            self._client = ModelClient(self.model)
        return self._client

    def parts(
        self,
        incident: Incident,
        names: tuple[PartName, ...],
        *,
        concurrent: bool = True,
        progress: Progress = None,
    ) -> dict[PartName, Generated]:
        if progress:
            progress(f"drafting {', '.join(names)} with {self.model}")
        return run_sync(
            agenerate_parts(
                self.client,
                incident,
                names,
                concurrent=concurrent,
                progress=progress,
                rubric_set=self.rubric_set,
            )
        )

    def layout(
        self, incident: Incident, parts: dict[PartName, _Part], *, on_text: TextSink = None
    ) -> Layout:
        names = list(parts)
        messages = messages_for(
            "compose",
            incident,
            parts=as_data({n: parts[n].model_dump(mode="json") for n in names}),
            channel_label=CHANNEL_LABEL[incident.channel],
            tone=incident.tone,
        )
        result = run_sync(
            self.client.generate(
                ComposedEmail,
                messages,
                incident=incident,
                max_tokens=1200,
                on_partial=_body_so_far(on_text) if on_text else None,
                validation={"rubric_set": self.rubric_set},
            )
        )
        email = result.value
        assert isinstance(email, ComposedEmail)
        notes = [f"compose: {n}" for n in result.notes]
        notes += [f"compose: {p}" for p in result.problems]
        return Layout(email.subject, email.body.strip() + "\n", result, notes)

    def prompt_versions(self, names: list[PartName]) -> dict[str, int]:
        return {name: prompt_version(name) for name in ["_system", "_facts", *names, "compose"]}


class LocalDrafter(ModelDrafter):
    """The bundled local model: parts by the model, layout by the offline templates."""

    def __init__(self, model: str, rubric_set: Any = None) -> None:
        super().__init__(model, rubric_set)
        self.label = f"litellm: {model} (parts); offline templates (layout)"

    def layout(
        self, incident: Incident, parts: dict[PartName, _Part], *, on_text: TextSink = None
    ) -> Layout:
        return OfflineDrafter(self.rubric_set).layout(incident, parts)

    def prompt_versions(self, names: list[PartName]) -> dict[str, int]:
        return {name: prompt_version(name) for name in ["_system", "_facts", *names]}


def drafter_for(model: str | None, rubric_set: Any = None) -> Drafter:
    """The drafter for a model string (None: ``AMENDS_MODEL``, default offline): chosen once.

    ``rubric_set`` is what parts are checked with and the draft is scored with, so a generated
    version and an edited one are judged by the same rubrics.
    """
    from assistant.drafting.client import resolve_model

    chosen = resolve_model(model)
    if chosen == OFFLINE_MODEL:
        return OfflineDrafter(rubric_set)
    if chosen.startswith("local/"):
        return LocalDrafter(chosen, rubric_set)
    return ModelDrafter(chosen, rubric_set)
