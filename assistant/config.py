"""Per-project settings for `amends check`: ``.amends.toml`` or ``[tool.amends]`` in pyproject.

Looked up from the working folder upwards, like ruff and proselint do, so a comms team can commit
their house rubric and disabled rules next to their drafts.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigError, validation_message

FailOn = Literal["error", "warning", "info", "never"]


class ProjectConfig(BaseModel):
    """The keys allowed under ``[tool.amends]`` (unknown keys are errors, to catch typos)."""

    model_config = ConfigDict(extra="forbid")

    rubrics: list[str] = Field(default_factory=list, description="extra rubric files or folders")
    disable: list[str] = Field(
        default_factory=list, description="rule ids, categories or rubric ids"
    )
    enable: list[str] = Field(default_factory=list, description="rules that are off by default")
    fail_on: FailOn | None = None
    max_bytes: int | None = Field(default=None, gt=0)
    detectors: list[str] | None = Field(
        default=None, description="detectors to run: rules, model, judge (default rules, model)"
    )
    judge: str | None = Field(default=None, description="litellm model string for the judge")


@dataclass(frozen=True)
class LoadedConfig:
    """A project config and the file it came from (None when there is none)."""

    config: ProjectConfig = field(default_factory=ProjectConfig)
    path: Path | None = None

    def rubric_paths(self) -> list[Path]:
        """Rubric paths resolved against the config file's folder."""
        base = self.path.parent if self.path else Path.cwd()
        return [(base / p) for p in self.config.rubrics]


def find_config(start: Path | None = None) -> LoadedConfig:
    """The nearest ``.amends.toml``, or ``pyproject.toml`` with ``[tool.amends]``, going upwards."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        dotfile = candidate / ".amends.toml"
        if dotfile.is_file():
            return LoadedConfig(_parse(dotfile, _read_toml(dotfile)), dotfile)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            tool = _read_toml(pyproject).get("tool", {})
            table = tool.get("amends") if isinstance(tool, dict) else None
            if table is not None:
                return LoadedConfig(_parse(pyproject, table, "tool.amends."), pyproject)
    return LoadedConfig()


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read ({err.strerror})") from None


def _parse(path: Path, table: object, prefix: str = "") -> ProjectConfig:
    try:
        return ProjectConfig.model_validate(table)
    except ValidationError as err:
        raise ConfigError(validation_message(err, str(path), prefix=prefix)) from None
