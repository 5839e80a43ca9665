"""Where the sign-in mode comes from, what a bad value says, and the loopback warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.auth.config import load_auth_config
from assistant.auth.gate import is_loopback, warn_if_exposed
from assistant.errors import ConfigError


def test_the_default_is_mode_none(tmp_path: Path) -> None:
    config = load_auth_config(environ={}, files=[tmp_path / "missing.toml"])
    assert config.mode == "none" and not config.signs_in


def test_secrets_file_then_environment(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nmode = "local"\nsession_minutes = 20\n'
                       'client_id = "for st.login, ignored here"\n')
    config = load_auth_config(environ={}, files=[secrets])
    assert (config.mode, config.session_minutes) == ("local", 20)
    config = load_auth_config(environ={"AMENDS_AUTH_MODE": "oidc"}, files=[secrets])
    assert (config.mode, config.session_minutes) == ("oidc", 20)


def test_a_bad_mode_names_the_key_and_where_to_set_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_auth_config({"mode": "ldap"}, environ={})
    message = str(err.value)
    assert "[auth] mode" in message and "'ldap'" in message and "secrets.toml" in message
    with pytest.raises(ConfigError, match=r"\[auth\] session_minutes"):
        load_auth_config({}, environ={"AMENDS_AUTH_SESSION_MINUTES": "-1"})


def test_an_unreadable_secrets_file_is_named(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[auth\nmode=")
    with pytest.raises(ConfigError, match=r"secrets\.toml: cannot be read as TOML"):
        load_auth_config(environ={}, files=[secrets])


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("", False), (None, False), ("192.168.1.5", False), ("::", False),
])
def test_loopback_addresses(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_the_warning_is_printed_once_when_listening_wider(capsys: pytest.CaptureFixture[str]) -> None:
    assert warn_if_exposed("127.0.0.1") is None
    message = warn_if_exposed("10.9.8.7")
    assert message is not None and "WARNING" in message and "10.9.8.7" in message
    warn_if_exposed("10.9.8.7")
    err = capsys.readouterr().err
    assert err.count("WARNING") == 1 and "--server.address 127.0.0.1" in err


def test_the_shipped_streamlit_config_binds_to_loopback() -> None:
    import tomllib

    config = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
