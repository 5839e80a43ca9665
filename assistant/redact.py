"""One redactor for secrets, applied to every log line, error message and note Amends shows.

Providers echo keys back ("Incorrect API key provided: Bearer sk-..."), and litellm, instructor,
httpx and openai log those errors, so a key can reach stderr, the app or a saved record by many
paths. Everything that leaves the process through our code or the libraries' loggers goes
through :func:`redact` first, which masks

* the values of secret-looking environment variables (``*_API_KEY``, ``*_TOKEN``, ``*_SECRET``...),
  read at each call so keys set later (Streamlit secrets copied into the environment) count too;
* values registered with :func:`add_secret` (every string in ``.streamlit/secrets.toml``);
* ``Bearer <token>``, ``sk-...``-style keys and ``api_key=...`` pairs, whatever their origin.

:func:`install` puts a :class:`RedactingFilter` on the libraries' loggers and every handler
reachable from them and from the root logger, and turns the libraries' retry chatter down.
This module imports nothing outside the standard library.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any

MASK = "[redacted]"
MIN_SECRET_CHARS = 8  # shorter values ("1", "true") would mask ordinary words
SECRET_NAME = re.compile(
    r"(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|AUTH|CREDENTIALS?)$", re.IGNORECASE
)
# Shapes of keys whatever variable (if any) they came from. Order matters: "Bearer" first.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b([Bb]earer|Basic)\s+[A-Za-z0-9._~+/=:-]{4,}"), rf"\1 {MASK}"),
    (
        re.compile(
            r"\bsk[-_][A-Za-z0-9_-]{6,}"  # OpenAI (sk-proj-), Anthropic (sk-ant-), sk_live_
            r"|\b(gsk|hf|xai|glpat|ghp|gho|github_pat)[-_][A-Za-z0-9_-]{8,}"  # Groq, HF, xAI, Git
            r"|\bAIza[0-9A-Za-z_-]{20,}"  # Google
            r"|\bAKIA[0-9A-Z]{16}\b"  # AWS access key id
        ),
        MASK,
    ),
    (
        re.compile(
            r"""(?ix)
            (\b(?:x-)?api[-_]?key|[?&]key|\baccess[-_]?token|\bclient[-_]?secret)  # the name
            (["']?\s*[:=]\s*["']?)                                  # = or :, maybe quoted
            (?!\[redacted)[^\s"'&,;}]{6,}                            # the value
            """
        ),
        rf"\1\2{MASK}",
    ),
)
LIBRARY_LOGGERS = (
    "LiteLLM",
    "LiteLLM Router",
    "LiteLLM Proxy",
    "litellm",
    "instructor",
    "httpx",
    "httpcore",
    "openai",
    "openai._base_client",
)
# The libraries log every failed attempt, retry and re-ask, up to ERROR; the one message that
# matters is ours, so by default they keep only CRITICAL.
QUIET_LEVEL = logging.CRITICAL

_extra: set[str] = set()
_lock = threading.Lock()


def add_secret(value: object) -> None:
    """Mask ``value`` from now on (a key that lives outside the environment, e.g. st.secrets)."""
    if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_CHARS:
        with _lock:
            _extra.add(value.strip())


def add_secrets(values: Iterable[object]) -> None:
    """:func:`add_secret` for each value."""
    for value in values:
        add_secret(value)


def secret_values() -> list[str]:
    """Every known secret, longest first (so a key containing another is masked whole)."""
    found = {
        value.strip()
        for name, value in os.environ.items()
        if SECRET_NAME.search(name) and len(value.strip()) >= MIN_SECRET_CHARS
    }
    with _lock:
        found |= _extra
    return sorted(found, key=len, reverse=True)


def redact(text: object) -> str:
    """``text`` with every known secret and key-shaped string replaced by ``[redacted]``."""
    out = str(text)
    for value in secret_values():
        if value in out:
            out = out.replace(value, MASK)
    for pattern, replacement in PATTERNS:
        out = pattern.sub(replacement, out)
    return out


class RedactingFilter(logging.Filter):
    """Redacts a record's message, arguments, traceback and stack before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_amends_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its raw message, redacted
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        setattr(record, "_amends_redacted", True)  # noqa: B010 (LogRecord has no such field)
        return True


FILTER = RedactingFilter()


def _guard(holder: logging.Filterer) -> None:
    if FILTER not in holder.filters:
        holder.addFilter(FILTER)


def install(quiet: bool = True) -> None:
    """Redact the libraries' log lines (and root's), and by default turn their chatter down.

    Cheap and idempotent: call it whenever handlers may have been added (before each model call).
    Covers the named loggers, their children (instructor logs on ``instructor.v2.retry``), every
    handler on them, root's handlers and ``logging.lastResort``, which prints records nobody
    handles. ``AMENDS_LOG_LEVEL`` (e.g. ``DEBUG``) lets the libraries speak again, redacted.
    """
    level = os.environ.get("AMENDS_LOG_LEVEL", "").strip().upper()
    chosen = logging.getLevelName(level) if level else (QUIET_LEVEL if quiet else None)
    known = list(logging.root.manager.loggerDict)
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if isinstance(chosen, int):
            logger.setLevel(chosen)
        family = [logger] + [
            logging.getLogger(child) for child in known if child.startswith(name + ".")
        ]
        for member in family:
            _guard(member)
            for handler in member.handlers:
                _guard(handler)
    for handler in logging.getLogger().handlers:
        _guard(handler)
    if logging.lastResort is not None:
        _guard(logging.lastResort)
    litellm: Any = sys.modules.get("litellm")
    if litellm is not None:
        # Its banners ("Give Feedback / Get Help") and verbose mode print() past any logger.
        litellm.suppress_debug_info = True
        litellm.set_verbose = False
