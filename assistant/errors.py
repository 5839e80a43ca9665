"""The errors a user can meet, typed once so each edge (CLI, app) turns them into one message."""

from __future__ import annotations


class AmendsError(Exception):
    """Base class: ``str(err)`` is a complete, plain-language message for a person."""

    exit_code = 2


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


class ModelFileError(AmendsError):
    """A learned model file is missing, corrupt or does not match; scoring goes on with the rules.

    ``fix`` says what to run; the message names the file.
    """

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message}. Fix: {fix}")
        self.fix = fix
