"""The errors a user can meet, typed once so each edge (CLI, app) turns them into one message.

Also the one formatter for pydantic validation errors (:func:`validation_lines`,
:func:`validation_message`), so the CLI, the app and drafting describe a bad field alike: by the
form's label when the caller has one, else by its path (``approved_actions[0].due``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from assistant.redact import redact

if TYPE_CHECKING:
    from pydantic import ValidationError

Loc = Sequence[int | str]
_PYDANTIC_PREFIX = re.compile(r"^(Value error|Assertion failed), ")


class AmendsError(Exception):
    """Base class: ``str(err)`` is a complete, plain-language message for a person.

    Messages are redacted when the error is made: a provider's echo of an API key in a message
    built from its error can never reach the CLI, the app or a saved record.
    """

    exit_code = 2

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class InputError(AmendsError):
    """A file, stdin or form value cannot be used (empty, binary, not UTF-8, too large)."""


class RubricError(AmendsError):
    """A rubric file is unreadable or invalid; the message names the file, line and field."""


class ConfigError(AmendsError):
    """A project config (``[tool.amends]`` or ``.amends.toml``) or setting is invalid."""


class IncidentError(InputError):
    """Incident facts failed validation; the message names the field."""


class DraftingError(AmendsError):
    """Drafting failed after retries and re-asks; the incident is untouched."""


class ModelUnavailableError(DraftingError):
    """The configured model could not be reached or is not installed."""


class StorageError(AmendsError):
    """The database could not be read or written."""


class ConflictError(StorageError):
    """Someone else saved the case since it was read; nothing of this save was written.

    ``revision`` is the case's revision now, so the caller can show theirs or save over it.
    """

    def __init__(self, message: str, revision: int) -> None:
        super().__init__(message)
        self.revision = revision


class RateLimitError(AmendsError):
    """This user made as many model calls as the limit allows; ``retry_after`` is in seconds."""

    exit_code = 1

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ModelFileError(AmendsError):
    """A learned model file is missing, corrupt or does not match; scoring goes on with the rules.

    ``fix`` says what to run; the message names the file.
    """

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message}. Fix: {fix}")
        self.fix = fix


# --- validation errors ------------------------------------------------------------------------


def field_path(loc: Loc, prefix: str = "") -> str:
    """``("approved_actions", 0, "due")`` as ``approved_actions[0].due`` (``prefix`` first)."""
    path = prefix.rstrip(".")
    for item in loc:
        path += f"[{item}]" if isinstance(item, int) else (f".{item}" if path else str(item))
    return path


def field_label(loc: Loc, labels: Mapping[str, str]) -> str | None:
    """The label for ``loc`` in ``labels``, keyed by dotted path (``approved_actions.0.due``).

    A ``*`` in a key stands for any index and ``{n}`` in its label for that index counted from 1
    (``"approved_actions.*.due": "Approved action {n}: due date"``). Without a label for the whole
    path, the longest labelled start of it is used, with the rest spelled after it
    (``impacts.2`` -> "Impacts, item 3").
    """
    for end in range(len(loc), -1, -1):
        head, rest = loc[:end], loc[end:]
        number = next((p + 1 for p in head if isinstance(p, int)), None)
        exact = ".".join(str(p) for p in head)
        wildcard = ".".join("*" if isinstance(p, int) else str(p) for p in head)
        for key in (exact, wildcard):
            label = labels.get(key)
            if label is None:
                continue
            label = label.replace("{n}", str(number)) if number is not None else label
            return label + "".join(
                f", item {p + 1}" if isinstance(p, int) else f", {p}".replace("_", " ")
                for p in rest
            )
    return None


def plain_message(problem: Mapping[str, Any]) -> str:
    """Pydantic's message, said for a person where it can be (lengths, choices)."""
    context = problem.get("ctx") or {}
    value = problem.get("input")
    if problem.get("type") == "string_too_long" and isinstance(value, str):
        return (
            f"{len(value):,} characters; at most {context.get('max_length')} fit the part of"
            " the draft it becomes. Say it in two or three plain sentences."
        )
    if problem.get("type") == "literal_error":
        return f"{value!r} is not one of {context.get('expected')}"
    return _PYDANTIC_PREFIX.sub("", str(problem.get("msg", "is not valid")))


def validation_lines(
    err: ValidationError, labels: Mapping[str, str] | None = None, prefix: str = ""
) -> list[str]:
    """One ``where: what is wrong`` line per problem (just the problem for a whole-model check)."""
    lines: list[str] = []
    for problem in err.errors():
        loc = tuple(problem.get("loc", ()))
        message = plain_message(problem)
        where = (field_label(loc, labels) if labels else None) or field_path(loc, prefix)
        lines.append(f"{where}: {message}" if where else message)
    return lines


def validation_message(
    err: ValidationError,
    source: str,
    labels: Mapping[str, str] | None = None,
    *,
    prefix: str = "",
    heading: str | None = None,
) -> str:
    """``source: where: what`` for one problem; with ``heading``, or several, a bulleted list."""
    lines = validation_lines(err, labels, prefix)
    if heading is None and len(lines) == 1:
        return f"{source}: {lines[0]}"
    title = heading or f"{len(lines)} problems"
    return f"{source}: {title}:\n" + "\n".join(f"  - {line}" for line in lines)
