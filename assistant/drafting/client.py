"""The one model client: instructor over litellm; tenacity retries transport, instructor re-asks.

* Transient transport failures (timeouts, 429, 5xx, connection errors) are retried here with
  exponential backoff and jitter, honouring ``Retry-After``, bounded by ``AMENDS_MAX_RETRIES``.
* Validation failures (bad JSON, schema, rubric flags, ungrounded claims) are re-asked by instructor
  with the errors, bounded by ``AMENDS_MAX_REASKS``.
* When re-asks run out on *soft* problems only (rubric, grounding) the part is kept and the problems
  are reported with the draft; anything else ends in a :class:`DraftingError`.

litellm is imported only when a model is actually called.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assistant.errors import DraftingError, ModelUnavailableError
from assistant.settings import LOCAL_MODEL, OFFLINE_MODEL, Settings, get_settings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

M = TypeVar("M", bound=BaseModel)
MAX_RETRY_AFTER = 30.0


@dataclass
class Generated:
    """A validated model output with what it cost and what it could not fix."""

    value: BaseModel
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    problems: list[str] = field(default_factory=list)


def resolve_model(model: str | None) -> str:
    """The model to use: the argument, else ``AMENDS_MODEL``, else the offline composer."""
    chosen = (model or get_settings().model or OFFLINE_MODEL).strip()
    return chosen or OFFLINE_MODEL


def _litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def prepare(model: str) -> None:
    """Make ``model`` callable: registers the local provider when it is asked for."""
    if model.startswith("local/"):
        from assistant.providers import local

        reason = local.available()
        if reason:
            raise ModelUnavailableError(f"the model '{model}' cannot run here: {reason}")
        local.register()


def _transient(exc: BaseException) -> bool:
    litellm = _litellm()
    return isinstance(
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


def describe_failure(model: str, exc: BaseException) -> str:
    """A plain sentence about a transport failure (never includes keys or headers)."""
    litellm = _litellm()
    kinds = [
        (litellm.Timeout, "did not answer in time"),
        (litellm.RateLimitError, "is rate-limiting requests (HTTP 429)"),
        (
            litellm.AuthenticationError,
            "rejected the API key (set the provider's usual key variable)",
        ),
        (litellm.NotFoundError, "does not exist at this provider"),
        (litellm.APIConnectionError, "could not be reached"),
        (litellm.InternalServerError, "failed with a server error"),
        (litellm.ServiceUnavailableError, "is unavailable"),
        (litellm.BadRequestError, "refused the request"),
    ]
    for kind, words in kinds:
        if isinstance(exc, kind):
            return f"the model '{model}' {words}"
    return f"the model '{model}' failed ({type(exc).__name__})"


class ModelClient:
    """Structured generation against one litellm model string."""

    def __init__(self, model: str, settings: Settings | None = None) -> None:
        if model in (OFFLINE_MODEL, ""):
            raise ValueError("the offline composer needs no model client")
        self.model = model
        self.settings = settings or get_settings()
        prepare(model)

    def _call_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"timeout": self.settings.timeout, "max_retries": 0}
        if self.settings.api_base and not self.model.startswith("local/"):
            kwargs["api_base"] = self.settings.api_base
        return kwargs

    async def _completion(self, stats: Generated, **kwargs: Any) -> Any:
        """One litellm call, retried with tenacity on transient failures only."""
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
        usage = getattr(response, "usage", None)
        if usage is not None:
            stats.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            stats.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        if stats.cost_usd is not None and not self.model.startswith("local/"):
            try:
                stats.cost_usd += float(litellm.completion_cost(completion_response=response))
            except Exception:  # cost is unknown for most self-hosted models
                stats.cost_usd = None
        return response

    async def generate(
        self,
        response_model: type[M],
        messages: list[dict[str, str]],
        *,
        incident: Any = None,
        max_tokens: int = 600,
        soft_checks: bool = True,
    ) -> Generated:
        """A validated ``response_model``; soft problems left after the re-asks are reported."""
        import instructor
        from instructor.core import IncompleteOutputException, InstructorRetryException

        stats = Generated(value=response_model.model_construct())

        async def completion(**kwargs: Any) -> Any:
            return await self._completion(stats, **kwargs)

        client = instructor.from_litellm(
            completion, mode=instructor.Mode.JSON_SCHEMA, async_client=True
        )
        context = {"soft_checks": soft_checks, "incident": incident}
        try:
            value = await client.chat.completions.create(
                model=self.model,
                messages=[dict(m) for m in messages],  # type: ignore[misc]
                response_model=response_model,
                max_retries=self.settings.max_reasks,
                context=context,
                max_tokens=max_tokens,
                temperature=0,
            )
        except InstructorRetryException as err:
            stats.value = self._salvage(response_model, err, stats)
            return stats
        except IncompleteOutputException:
            raise DraftingError(
                f"the model '{self.model}' ran out of room (max_tokens={max_tokens})"
                f" before finishing"
                f" the {response_model.__name__}. Nothing was changed; your incident is intact."
            ) from None
        stats.value = value
        return stats

    def _salvage(self, response_model: type[M], err: Any, stats: Generated) -> M:
        """After the re-asks: keep a structurally valid answer with its soft problems, or fail."""
        cause = err.__cause__
        if cause is not None and not isinstance(cause, ValidationError | ValueError):
            litellm = _litellm()
            message = describe_failure(self.model, cause)
            if _transient(cause):
                message += f" after {stats.calls} attempts"
            error_type = (
                ModelUnavailableError
                if isinstance(
                    cause,
                    litellm.AuthenticationError
                    | litellm.APIConnectionError
                    | litellm.NotFoundError,
                )
                else DraftingError
            )
            raise error_type(f"{message}. Nothing was changed; your incident is intact.") from None
        content = _content(err.last_completion)
        if content is not None:
            try:
                value = response_model.model_validate_json(content, context={"soft_checks": False})
            except ValidationError:
                pass
            else:
                stats.problems = _problems(err)
                return value
        attempts = getattr(err, "n_attempts", None) or stats.calls
        detail = "; ".join(_problems(err)) or "no valid answer"
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


def _problems(err: Any) -> list[str]:
    last = err.failed_attempts[-1].exception if getattr(err, "failed_attempts", None) else err
    if isinstance(last, ValidationError):
        return [str(e.get("msg", "")).removeprefix("Value error, ") for e in last.errors()]
    return [str(last)]


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
        raise ModelUnavailableError(describe_failure(model, exc)) from None
    text = _content(response) or ""
    return f"{model} answered: {text.strip()[:60] or '(empty reply)'}"


__all__ = ["LOCAL_MODEL", "Generated", "ModelClient", "check_connection", "resolve_model"]
