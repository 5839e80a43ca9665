"""How people sign in: ``[auth]`` in ``.streamlit/secrets.toml``, or ``AMENDS_AUTH_*`` variables.

``mode = "none"`` (the default) is today's single-user app: no sign-in, everything allowed.
``"local"`` uses the accounts in the database (``amends users``); ``"oidc"`` an identity provider
through Streamlit's ``st.login`` (whose own keys share the ``[auth]`` table, so unknown keys are
left alone). An environment variable wins over the secrets file, as it does for API keys.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigError, validation_message

AuthMode = Literal["none", "local", "oidc"]
ENV_PREFIX = "AMENDS_AUTH_"


class AuthConfig(BaseModel):
    """The sign-in settings; every field has the single-user default."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    mode: AuthMode = "none"
    session_minutes: float = Field(
        default=60.0, gt=0, description="a session ends after this long without a request"
    )
    max_failures: int = Field(
        default=5, ge=1, description="failed sign-ins in a row before the account is locked"
    )
    lockout_minutes: float = Field(default=15.0, gt=0, description="how long a lock-out lasts")

    @property
    def signs_in(self) -> bool:
        """True when people must sign in (every mode but none)."""
        return self.mode != "none"


def secrets_files(cwd: Path | None = None) -> list[Path]:
    """Where Streamlit looks for secrets, in its order: the user's, then the project's."""
    return [Path.home() / ".streamlit" / "secrets.toml", (cwd or Path.cwd()) / ".streamlit" /
            "secrets.toml"]


def _file_auth_table(files: list[Path]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for path in files:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot be read as TOML: {exc}") from None
        section = data.get("auth", {})
        if isinstance(section, Mapping):
            table.update(section)
    return table


def _env_values(environ: Mapping[str, str]) -> dict[str, str]:
    names = AuthConfig.model_fields
    return {
        key[len(ENV_PREFIX):].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):].lower() in names
    }


def load_auth_config(
    secrets_auth: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    files: list[Path] | None = None,
) -> AuthConfig:
    """The settings from the environment over ``[auth]`` (Streamlit's, or the secrets files).

    A bad value is a ConfigError naming where it came from and the key (``[auth] mode``).
    """
    table = dict(secrets_auth) if secrets_auth is not None else _file_auth_table(
        files if files is not None else secrets_files()
    )
    values = {k: v for k, v in table.items() if k in AuthConfig.model_fields}
    values.update(_env_values(os.environ if environ is None else environ))
    try:
        return AuthConfig.model_validate(values)
    except ValidationError as err:
        raise ConfigError(
            validation_message(err, "sign-in settings", prefix="[auth]").replace(
                "[auth].", "[auth] "
            ) + f" (set in .streamlit/secrets.toml [auth] or {ENV_PREFIX}*)"
        ) from None
