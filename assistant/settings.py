"""One settings object, read from the environment (``AMENDS_*``) so the CLI, app and tests agree.

API keys are never fields here: providers read their usual variables (``OPENAI_API_KEY`` ...)
themselves, so no key can be stored, logged or shown through settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

OFFLINE_MODEL = "offline"
LOCAL_MODEL = "local/smollm2"
DEFAULT_DEADLINE = 60.0
# The local model runs on this machine's CPU: a full draft takes about a minute on two cores.
LOCAL_DEADLINE = 600.0


def default_home() -> Path:
    """Where Amends keeps its database when nothing else is configured."""
    return Path(os.environ.get("AMENDS_HOME", Path.home() / ".amends"))


class Settings(BaseSettings):
    """Run-time choices with embedded defaults: offline composer, bundled rubrics, local SQLite."""

    model_config = SettingsConfigDict(env_prefix="AMENDS_", extra="ignore")

    model: str = Field(
        default=OFFLINE_MODEL,
        description="litellm model string, 'offline' for the template composer, or 'local/smollm2'",
    )
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means a SQLite file")
    rubrics: str = Field(
        default="", description="extra rubric files or folders, separated by os.pathsep"
    )
    api_base: str | None = Field(default=None, description="OpenAI-compatible server URL, if any")
    timeout: float = Field(default=60.0, gt=0, description="seconds before one model call gives up")
    deadline: float | None = Field(
        default=None,
        gt=0,
        description="seconds a whole draft may take, retries and re-asks included"
        f" (default {DEFAULT_DEADLINE:g}; {LOCAL_DEADLINE:g} for local/ models)",
    )
    max_retries: int = Field(default=3, ge=0, le=10, description="transport retries per model call")
    max_reasks: int = Field(default=2, ge=0, le=5, description="validation re-asks per part")
    detectors: str = Field(default="", description="comma-separated detectors; empty: default")
    judge: str = Field(default="", description="litellm model string for the LLM judge, if any")
    rate_limit: str = Field(
        default="", description="model requests per user, like '10/hour'; empty: no limit"
    )
    survey: str = Field(default="", description="the trust pulse's questions file, if not bundled")

    def deadline_for(self, model: str) -> float:
        """The whole-draft deadline for ``model``: the setting, else the default for its kind."""
        if self.deadline is not None:
            return self.deadline
        return LOCAL_DEADLINE if model.startswith("local/") else DEFAULT_DEADLINE

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``$AMENDS_HOME/amends.db`` (folder created on demand)."""
        if self.database_url:
            return self.database_url
        home = default_home()
        home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{home / 'amends.db'}"

    def extra_rubric_paths(self) -> list[Path]:
        """The user's own rubric files or folders, in the order given."""
        return [Path(part) for part in self.rubrics.split(os.pathsep) if part.strip()]


def get_settings() -> Settings:
    """Fresh settings from the current environment (cheap; read at each edge, not cached)."""
    return Settings()
