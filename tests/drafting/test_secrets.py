"""API keys never leave the process: a provider that echoes the key back, the real CLI, real logs."""

from __future__ import annotations

import io
import logging

import pytest

from assistant.errors import DraftingError
from assistant.redact import MASK, RedactingFilter, add_secret, install, redact
from tests.drafting.cli_run import amends_draft
from tests.drafting.fault_server import FaultServer

MODEL = "openai/fake-model"
KEY = "sk-amends-test-0123456789abcdefSECRET"


def test_redact_masks_environment_keys_bearer_tokens_and_key_shapes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-9f8e7d6c5b4a")  # not key-shaped: only env finds it
    text = (
        "Incorrect API key provided: Bearer abc.def-ghi_123. env tok-9f8e7d6c5b4a;"
        " raw sk-proj-AbC123dEf456 and {'api_key': 'plainvalue123'} and ?key=AIzaSyA1234567890"
        "abcdefghijk"
    )
    out = redact(text)
    for secret in ("abc.def-ghi_123", "tok-9f8e7d6c5b4a", "sk-proj-AbC123dEf456", "plainvalue123",
                   "AIzaSyA1234567890abcdefghijk"):
        assert secret not in out, out
    assert out.startswith("Incorrect API key provided: Bearer [redacted]")


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "The model ran out of room (max_tokens=700) after 3 attempts; the task-force met."
    assert redact(text) == text


def test_registered_secret_is_masked() -> None:
    add_secret("from-secrets-toml-value-42")
    assert "from-secrets-toml" not in redact("a from-secrets-toml-value-42 b")


def test_amends_errors_are_redacted_when_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert KEY not in str(DraftingError(f"provider said: {KEY}"))


def test_library_log_lines_are_redacted_on_their_loggers_and_root_handlers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install(quiet=False)
        for name in ("LiteLLM", "instructor", "httpx", "openai"):
            logger = logging.getLogger(name)
            logger.setLevel(logging.INFO)
            logger.error("Retrying: Incorrect API key provided: %s", KEY)
            try:
                raise RuntimeError(f"Authorization: Bearer {KEY}")
            except RuntimeError:
                logger.exception("call failed")
        logging.getLogger("instructor.retry").warning("child logger %s", KEY)  # via root handler
    finally:
        root.removeHandler(handler)
        install()
    written = stream.getvalue()
    assert "Retrying" in written and "call failed" in written and "child logger" in written
    assert KEY not in written and MASK in written


def test_filter_keeps_records_usable() -> None:
    record = logging.LogRecord("LiteLLM", logging.ERROR, __file__, 1, "x %s %d", (KEY, 3), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"x {MASK} 3"


@pytest.mark.slow  # each run starts a Python that loads litellm (~5 s)
@pytest.mark.parametrize("verbose", [False, True], ids=["default", "AMENDS_LOG_LEVEL=DEBUG"])
def test_cli_never_prints_a_key_the_provider_echoes(
    fault_server: FaultServer, verbose: bool
) -> None:
    fault_server.plan(("auth_echo", None))
    env = {"OPENAI_API_KEY": KEY, "AMENDS_API_BASE": fault_server.url, "AMENDS_TIMEOUT": "5"}
    if verbose:  # the libraries speak at length: every line must still be clean
        env |= {"AMENDS_LOG_LEVEL": "DEBUG", "LITELLM_LOG": "DEBUG"}
    run = amends_draft(MODEL, env, "--format", "json")
    assert fault_server.headers and KEY in fault_server.headers[0]["authorization"]  # it was sent
    assert run.code == 2, run.err
    everything = run.out + run.err
    assert KEY not in everything and "0123456789abcdef" not in everything
    assert "OPENAI_API_KEY" in run.err  # what to fix, named
    if verbose:
        assert "Incorrect API key provided" in run.err and MASK in run.err  # the echo, masked
    else:
        lines = [line for line in run.err.splitlines() if line.strip()]
        assert len(lines) <= 2, run.err  # a progress line and one error: no retry chatter
        assert lines[-1].startswith("amends: error:"), run.err
