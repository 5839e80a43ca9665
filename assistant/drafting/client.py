"""The one model client: instructor over litellm; tenacity retries transport, instructor re-asks.

* Transient transport failures (timeouts, 429, 5xx, connection errors) are retried here with
  exponential backoff and jitter, honouring ``Retry-After``, bounded by ``AMENDS_MAX_RETRIES``.
* Validation failures (bad JSON, schema, rubric flags, ungrounded claims) are re-asked by instructor
  with the errors, bounded by ``AMENDS_MAX_REASKS``.
* One deadline (``AMENDS_DEADLINE``) bounds everything a client generates, retries and re-asks
  included, so a hanging provider costs the user that long and no more.
* Missing keys and unknown local models fail before any call; a rejected key is not retried.
  Every message names what to set.
* When re-asks run out on *soft* problems only (rubric, grounding) the part is kept and the problems
  are reported with the draft; anything else ends in a :class:`DraftingError`.
* With ``on_partial`` the first attempt is streamed (instructor's partial objects over litellm's
  ``stream=True``). A streamed answer that fails validation is re-asked without streaming; a
  provider that cannot stream gets the same request without streaming, and a note says so.

litellm is imported only when a model is actually called; its log lines (and instructor's,
httpx's, openai's) are redacted and quietened then (:mod:`assistant.redact`).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assistant import redact
from assistant.errors import DraftingError, ModelUnavailableError, validation_lines
from assistant.providers import keys
from assistant.settings import LOCAL_MODEL, OFFLINE_MODEL, Settings, get_settings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

M = TypeVar("M", bound=BaseModel)
MAX_RETRY_AFTER = 30.0
REASK = "Correct your JSON ONLY RESPONSE, based on the following errors:\n"  # instructor's words


@dataclass
class Generated:
    """A validated model output with what it cost and what it could not fix."""

    value: BaseModel
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how it was produced (streaming fell back...)


def resolve_model(model: str | None) -> str:
    """The model to use: the argument, else ``AMENDS_MODEL``, else the offline composer."""
    chosen = (model or get_settings().model or OFFLINE_MODEL).strip()
    return chosen or OFFLINE_MODEL


def _litellm() -> Any:
    """litellm, with the libraries' logging redacted and quiet (re-checked: handlers come late)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    redact.install()
    return litellm


def prepare(model: str) -> None:
    """Make ``model`` callable, or say at once what is missing (a key, the local model).

    Registers the local provider when it is asked for.
    """
    if model.startswith("local/"):
        from assistant.providers import local

        local.model_file(model)  # an unknown name fails here, installed or not
        reason = local.available()
        if reason:
            raise ModelUnavailableError(f"the model '{model}' cannot run here: {reason}")
        local.register()
        return
    missing = keys.missing_key(model)
    if missing:
        if get_settings().api_base:
            missing += " (any value will do if the server at AMENDS_API_BASE needs no key)"
        raise ModelUnavailableError(f"{missing}. Nothing was changed; your incident is intact.")


def _missing_credentials(exc: BaseException) -> bool:
    """litellm reports a key the SDK never got as a server or connection error: not transient."""
    text = str(exc).lower()
    return "missing credentials" in text or "api_key client option must be set" in text


def _transient(exc: BaseException) -> bool:
    litellm = _litellm()
    return not _missing_credentials(exc) and isinstance(
        exc,
        (
            litellm.Timeout,
            litellm.RateLimitError,
            litellm.InternalServerError,
            litellm.ServiceUnavailableError,
            litellm.APIConnectionError,
            litellm.BadGatewayError,
        ),
    )


def retry_after(exc: BaseException) -> float | None:
    """Seconds the provider asked us to wait (``Retry-After``), if it said."""
    headers: Any = getattr(exc, "litellm_response_headers", None)
    response = getattr(exc, "response", None)
    if headers is None and response is not None:
        headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value))) if value is not None else None
    except (TypeError, ValueError):
        return None


def _wait(retry_state: Any, base: float = 0.5, cap: float = 8.0) -> float:
    """Exponential backoff with full jitter, or the provider's ``Retry-After`` when it gave one."""
    exc = retry_state.outcome.exception() if retry_state.outcome else None
    asked = retry_after(exc) if exc is not None else None
    if asked is not None:
        return asked
    return random.uniform(0, min(cap, base * 2 ** (retry_state.attempt_number - 1)))


def describe_failure(model: str, exc: BaseException, timeout: float | None = None) -> str:
    """A plain sentence about a transport failure (never includes keys or headers)."""
    litellm = _litellm()
    in_time = f"within {timeout:g} s (AMENDS_TIMEOUT)" if timeout else "in time"
    kinds = [
        (litellm.Timeout, f"did not answer {in_time}"),
        (litellm.RateLimitError, "is rate-limiting requests (HTTP 429)"),
        (litellm.AuthenticationError, f"rejected the API key ({keys.key_hint(model)})"),
        (litellm.NotFoundError, "does not exist at this provider"),
        (litellm.APIConnectionError, "could not be reached"),
        (litellm.InternalServerError, "failed with a server error"),
        (litellm.ServiceUnavailableError, "is unavailable"),
        (litellm.BadRequestError, "refused the request"),
    ]
    if _missing_credentials(exc):
        return f"the model '{model}' was sent no API key ({keys.key_hint(model)})"
    for kind, words in kinds:
        if isinstance(exc, kind):
            return f"the model '{model}' {words}"
    return f"the model '{model}' failed ({type(exc).__name__})"


class ModelClient:
    """Structured generation against one litellm model string, all of it within one deadline.

    The deadline (``AMENDS_DEADLINE`` seconds from when the client is made, unless
    ``deadline_at``, a :func:`time.monotonic` time, is given to share another client's) covers
    every call, retry, back-off and re-ask the client makes.
    """

    def __init__(
        self, model: str, settings: Settings | None = None, *, deadline_at: float | None = None
    ) -> None:
        if model in (OFFLINE_MODEL, ""):
            raise ValueError("the offline composer needs no model client")
        self.model = model
        self.settings = settings or get_settings()
        prepare(model)
        _litellm()  # imported before the clock starts: start-up is not the provider's time
        import instructor  # noqa: F401
        self.budget = self.settings.deadline_for(model)
        self.deadline_at = time.monotonic() + self.budget if deadline_at is None else deadline_at

    def late(self) -> DraftingError:
        """The error for a draft that ran past its deadline."""
        return DraftingError(
            f"the model '{self.model}' did not answer within {self.budget:g} s (AMENDS_DEADLINE)."
            " Nothing was changed; your incident is intact."
        )

    def _call_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"timeout": self.settings.timeout, "max_retries": 0}
        if self.settings.api_base and not self.model.startswith("local/"):
            kwargs["api_base"] = self.settings.api_base
        return kwargs

    async def _completion(
        self, stats: Generated, sink: list[Any] | None = None, **kwargs: Any
    ) -> Any:
        """One litellm call, retried with tenacity on transient failures only.

        A streamed call's chunks are copied to ``sink`` as they pass.
        """
        from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

        litellm = _litellm()
        kwargs.update(self._call_kwargs())
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=_wait,
            retry=retry_if_exception(_transient),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                stats.calls += 1
                response = await litellm.acompletion(**kwargs)
        if kwargs.get("stream"):
            return _tee(response, [] if sink is None else sink)
        self._record(stats, response)
        return response

    def _record(self, stats: Generated, response: Any) -> None:
        """Add a response's tokens and cost (unknown for most self-hosted models) to ``stats``."""
        litellm = _litellm()
        usage = getattr(response, "usage", None)
        if usage is not None:
            stats.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            stats.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        if stats.cost_usd is not None and not self.model.startswith("local/"):
            try:
                stats.cost_usd += float(litellm.completion_cost(completion_response=response))
            except Exception:  # cost is unknown for most self-hosted models
                stats.cost_usd = None

    async def generate(
        self,
        response_model: type[M],
        messages: list[dict[str, str]],
        *,
        incident: Any = None,
        max_tokens: int = 600,
        soft_checks: bool = True,
        on_partial: Callable[[BaseModel], None] | None = None,
        validation: dict[str, Any] | None = None,
    ) -> Generated:
        """A validated ``response_model``; soft problems left after the re-asks are reported.

        ``validation`` adds to instructor's validation context: ``checker`` (the validation net,
        :func:`assistant.drafting.net.checker` by default) and ``rubric_set``; every failure it
        returns becomes a re-ask.

        ``on_partial`` asks for the first attempt to be streamed: it receives each partial
        (unvalidated) ``response_model`` as the answer arrives. The returned value is always the
        validated one, which may differ from the last partial if the stream was re-asked.
        Past the client's deadline the work in flight is cancelled and a DraftingError says so.
        """
        if self.model.startswith("local/"):
            from assistant.providers import local

            local.DEADLINE.set(self.deadline_at)  # calls that get the model after it give up
        deadline = asyncio.timeout_at(self.deadline_at)
        try:
            async with deadline:
                return await self._generate(
                    response_model,
                    messages,
                    incident,
                    max_tokens,
                    soft_checks,
                    on_partial,
                    validation,
                )
        except TimeoutError:
            if deadline.expired():
                raise self.late() from None
            raise

    async def _generate(
        self,
        response_model: type[M],
        messages: list[dict[str, str]],
        incident: Any,
        max_tokens: int,
        soft_checks: bool,
        on_partial: Callable[[BaseModel], None] | None,
        validation: dict[str, Any] | None,
    ) -> Generated:
        import instructor
        from instructor.core import IncompleteOutputException, InstructorRetryException

        stats = Generated(value=response_model.model_construct())
        from assistant.drafting.net import checker

        context = {"soft_checks": soft_checks, "incident": incident, "checker": checker}
        context.update(validation or {})
        reasks, earlier = self.settings.max_reasks, 0
        messages = [dict(m) for m in messages]
        if on_partial is not None:
            streamed = await self._stream(response_model, messages, max_tokens, on_partial, stats)
            if streamed is not None:
                try:
                    stats.value = response_model.model_validate_json(streamed, context=context)
                    return stats
                except ValidationError as err:
                    problems = _messages(err)
                    if reasks == 0:
                        stats.value = self._keep(response_model, streamed, problems, 1, stats)
                        return stats
                    stats.notes.append(
                        f"the streamed answer failed a check ({'; '.join(problems)[:200]});"
                        " it was re-asked without streaming"
                    )
                    messages += [
                        {"role": "assistant", "content": streamed},
                        {"role": "user", "content": REASK + str(err)},
                    ]
                    reasks, earlier = reasks - 1, 1

        async def completion(**kwargs: Any) -> Any:
            return await self._completion(stats, **kwargs)

        client = instructor.from_litellm(
            completion, mode=instructor.Mode.JSON_SCHEMA, async_client=True
        )
        try:
            value = await client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_model=response_model,
                max_retries=reasks,
                context=context,
                max_tokens=max_tokens,
                temperature=0,
            )
        except InstructorRetryException as err:
            stats.value = self._salvage(response_model, err, stats, earlier)
            return stats
        except IncompleteOutputException:
            raise DraftingError(
                f"the model '{self.model}' ran out of room (max_tokens={max_tokens})"
                f" before finishing"
                f" the {response_model.__name__}. Nothing was changed; your incident is intact."
            ) from None
        stats.value = value
        return stats

    async def _stream(
        self,
        response_model: type[M],
        messages: list[dict[str, str]],
        max_tokens: int,
        on_partial: Callable[[BaseModel], None],
        stats: Generated,
    ) -> str | None:
        """One streamed attempt: partials go to ``on_partial``; returns the answer's raw text.

        ``None`` (with a note) when the provider could not stream: the caller asks again without
        streaming. Failures that would only repeat (rejected key, unknown model, transport errors
        already retried) end here with the same clear error as the non-streaming path.
        """
        import instructor
        from instructor.core import InstructorRetryException

        sink: list[Any] = []

        async def completion(**kwargs: Any) -> Any:
            return await self._completion(stats, sink, **kwargs)

        client = instructor.from_litellm(
            completion, mode=instructor.Mode.JSON_SCHEMA, async_client=True
        )
        try:
            async for partial in client.chat.completions.create_partial(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_model=response_model,
                max_retries=0,  # validation and re-asks happen on the whole answer, after
                context={"soft_checks": False},
                max_tokens=max_tokens,
                temperature=0,
            ):
                on_partial(partial)
        except ValidationError:
            pass  # structurally invalid; judged and re-asked by the caller from its text
        except Exception as exc:
            cause = exc.__cause__ if isinstance(exc, InstructorRetryException) else None
            if cause is not None and _final(cause):
                self._salvage(response_model, exc, stats)  # raises the clear error
            reason = describe_failure(self.model, cause or exc, self.settings.timeout)
            stats.notes.append(f"streaming failed ({reason}); generated without streaming")
            return None
        finally:
            if sink:
                built = _litellm().stream_chunk_builder(sink, messages=messages)
                if built is not None:
                    self._record(stats, built)
        text = "".join(_delta(chunk) for chunk in sink)
        if not text.strip():
            stats.notes.append("the provider sent no streamed answer; generated without streaming")
            return None
        return text

    def _salvage(self, response_model: type[M], err: Any, stats: Generated, earlier: int = 0) -> M:
        """After the re-asks: keep a structurally valid answer with its soft problems, or fail.

        ``earlier`` counts attempts made before instructor's (a streamed first answer).
        """
        cause = err.__cause__
        if cause is not None and not isinstance(cause, ValidationError | ValueError):
            litellm = _litellm()
            message = describe_failure(self.model, cause, self.settings.timeout)
            if _transient(cause):
                message += f" after {stats.calls} attempts"
            error_type = (
                ModelUnavailableError
                if _missing_credentials(cause)
                or isinstance(
                    cause,
                    litellm.AuthenticationError
                    | litellm.APIConnectionError
                    | litellm.NotFoundError,
                )
                else DraftingError
            )
            raise error_type(f"{message}. Nothing was changed; your incident is intact.") from None
        attempts = (getattr(err, "n_attempts", None) or stats.calls) + earlier
        return self._keep(
            response_model, _content(err.last_completion), _problems(err), attempts, stats
        )

    def _keep(
        self,
        response_model: type[M],
        content: str | None,
        problems: list[str],
        attempts: int,
        stats: Generated,
    ) -> M:
        """A structurally valid last answer, kept with its soft ``problems``; else a clear error."""
        if content is not None:
            try:
                value = response_model.model_validate_json(content, context={"soft_checks": False})
            except ValidationError:
                pass
            else:
                stats.problems = problems
                return value
        detail = "; ".join(problems) or "no valid answer"
        raise DraftingError(
            f"the model '{self.model}' gave no valid {response_model.__name__}"
            f" after {attempts} attempts"
            f" ({detail[:300]}). Nothing was changed; your incident is intact."
        ) from None


def _content(completion: Any) -> str | None:
    try:
        content = completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


async def _tee(stream: Any, sink: list[Any]) -> AsyncIterator[Any]:
    """Pass a stream's chunks on, keeping a copy (for its text and usage)."""
    async for chunk in stream:
        sink.append(chunk)
        yield chunk


def _delta(chunk: Any) -> str:
    try:
        return str(chunk.choices[0].delta.content or "")
    except (AttributeError, IndexError, TypeError):
        return ""


def _messages(err: ValidationError) -> list[str]:
    return validation_lines(err)


def _problems(err: Any) -> list[str]:
    last = err.failed_attempts[-1].exception if getattr(err, "failed_attempts", None) else err
    if isinstance(last, ValidationError):
        return _messages(last)
    return [redact.redact(last)]


def _final(exc: BaseException) -> bool:
    """A failure asking again without streaming would only repeat (already retried, or refused)."""
    litellm = _litellm()
    return (
        _transient(exc)
        or _missing_credentials(exc)
        or isinstance(exc, litellm.AuthenticationError | litellm.NotFoundError)
    )


def check_connection(model: str) -> str:
    """A one-line answer from ``model`` proving it is reachable; raises ModelUnavailableError."""
    model = resolve_model(model)
    if model == OFFLINE_MODEL:
        return "offline composer: no model needed"
    prepare(model)
    litellm = _litellm()
    settings = get_settings()
    kwargs: dict[str, Any] = {"timeout": min(settings.timeout, 30.0), "max_retries": 0}
    if settings.api_base and not model.startswith("local/"):
        kwargs["api_base"] = settings.api_base
    try:
        response = litellm.completion(
            model=model,
            messages=[{"role": "user", "content": "Reply with the word: ready"}],
            max_tokens=5,
            **kwargs,
        )
    except Exception as exc:
        raise ModelUnavailableError(describe_failure(model, exc, kwargs["timeout"])) from None
    text = _content(response) or ""
    return f"{model} answered: {text.strip()[:60] or '(empty reply)'}"


__all__ = ["LOCAL_MODEL", "Generated", "ModelClient", "check_connection", "resolve_model"]
