"""Which environment variable holds a provider's key, so messages can name it and we can fail early.

litellm knows these names only inside each provider's code (``validate_environment`` also lists
base URLs and versions, and cannot tell a missing key from a provider that signs in another way),
so a small table serves the messages, the Settings page and the check before a call.
"""

from __future__ import annotations

import os

# The usual key variables for common litellm providers; the first matching prefix wins.
# Any one of a row's names is enough.
PROVIDER_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("azure/", ("AZURE_API_KEY",)),
    ("anthropic/", ("ANTHROPIC_API_KEY",)),
    ("claude", ("ANTHROPIC_API_KEY",)),
    ("gemini/", ("GEMINI_API_KEY", "GOOGLE_API_KEY")),
    ("vertex_ai/", ("GOOGLE_APPLICATION_CREDENTIALS",)),
    ("mistral/", ("MISTRAL_API_KEY",)),
    ("groq/", ("GROQ_API_KEY",)),
    ("cohere", ("COHERE_API_KEY",)),
    ("openrouter/", ("OPENROUTER_API_KEY",)),
    ("together_ai/", ("TOGETHERAI_API_KEY",)),
    ("deepseek/", ("DEEPSEEK_API_KEY",)),
    ("xai/", ("XAI_API_KEY",)),
    ("bedrock/", ("AWS_ACCESS_KEY_ID",)),
    ("ollama", ()),
    ("hosted_vllm/", ()),
    ("openai/", ("OPENAI_API_KEY",)),
    ("gpt-", ("OPENAI_API_KEY",)),
    ("o1", ("OPENAI_API_KEY",)),
    ("o3", ("OPENAI_API_KEY",)),
    ("o4", ("OPENAI_API_KEY",)),
)
# Providers that can also sign in without a key variable (Azure AD tokens, AWS profiles and
# instance roles, Google application-default credentials): a missing variable is no error there.
OTHER_SIGN_IN = ("azure/", "bedrock/", "vertex_ai/")
ALL_KEY_NAMES: tuple[str, ...] = tuple(sorted({n for _, names in PROVIDER_KEYS for n in names}))


def key_names_for(model: str) -> tuple[str, ...]:
    """The environment variables a model string's provider reads its key from (may be empty)."""
    lowered = model.lower()
    for prefix, names in PROVIDER_KEYS:
        if lowered.startswith(prefix):
            return names
    return ()


def key_present(model: str) -> dict[str, bool]:
    """For each key variable the model needs: whether it is set. Never the value."""
    return {name: bool(os.environ.get(name)) for name in key_names_for(model)}


def spelled(names: tuple[str, ...]) -> str:
    """``A`` or ``A (or B)``: how a message names the variables."""
    return names[0] + (f" (or {', '.join(names[1:])})" if len(names) > 1 else "")


def missing_key(model: str) -> str | None:
    """A sentence naming the variable to set, when the model needs a key and none is set."""
    names = key_names_for(model)
    if not names or model.lower().startswith(OTHER_SIGN_IN):
        return None
    if any(os.environ.get(name, "").strip() for name in names):
        return None
    return (
        f"no API key for the model '{model}': set {spelled(names)} in the environment"
        " or in .streamlit/secrets.toml"
    )


def key_hint(model: str) -> str:
    """Where the key for ``model`` is read from, for a message about a rejected key."""
    names = key_names_for(model)
    return f"check {spelled(names)}" if names else "check the provider's key variable"
