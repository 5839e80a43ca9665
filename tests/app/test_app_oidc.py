"""The sign-in gate inside the app (AppTest): off by default, plain when misconfigured, and a
sign-in page (nothing else) when on and nobody is signed in. The full sign-in against a real
provider is ``tests/oidc/test_oidc_browser.py``."""

from __future__ import annotations

from pathlib import Path

from tests.app.conftest import errors, new_app, page_text

AUTH = {
    "mode": "oidc",
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "c00kie-secret-for-the-test-only-0123456789",
    "client_id": "amends-app",
    "client_secret": "Cl1ent-S3cret-never-shown",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def test_without_auth_mode_the_app_opens_as_before(app_env: Path) -> None:
    at = new_app()
    at.secrets["auth"] = {k: v for k, v in AUTH.items() if k != "mode"}
    at.run()
    assert not at.exception
    assert "Draft a recovery email" in [t.value for t in at.title]


def test_signed_out_users_see_only_the_sign_in_page(app_env: Path) -> None:
    at = new_app()
    at.secrets["auth"] = AUTH
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Sign in to Amends"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Draft a recovery email" not in page_text(at)
    assert AUTH["client_secret"] not in page_text(at)


def test_missing_settings_are_named_not_a_traceback(app_env: Path) -> None:
    at = new_app()
    at.secrets["auth"] = {"mode": "oidc", "redirect_uri": "http://localhost:8501/callback",
                          "client_secret": AUTH["client_secret"]}
    at.run()
    assert not at.exception
    shown = errors(at)
    assert 'mode = "oidc"' in shown
    for key in ("cookie_secret", "client_id", "server_metadata_url"):
        assert f"[auth] {key} is missing" in shown
    assert "redirect_uri must be the app's address ending in /oauth2callback" in shown
    assert AUTH["client_secret"] not in shown
