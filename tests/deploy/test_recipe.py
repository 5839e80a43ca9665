"""The deployment recipe, run on the test machine: no image registry is reachable here, so the
``Dockerfile`` itself is not built (its ``python:3.11-slim`` base cannot be pulled). Instead its
steps run as written: every ``COPY`` source exists; the files it copies go into a folder of their
own (the image's ``/app``), its ``pip install`` line runs there into a fresh virtual environment
(no system packages); its ``CMD`` then starts from that environment against the suite's
throw-away PostgreSQL with sign-in on, the health check answers, and a browser that has not signed
in sees the sign-in form and no case.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from assistant.storage import Store
from tests.app.test_browser import CHROMIUM, LAUNCH_ARGS, _free_port
from tests.scoring.test_packaging import clean_env

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (instruction, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            rows.append((word.upper(), rest.strip()))
    return rows


def copied() -> list[tuple[list[str], str]]:
    """Each COPY's sources and destination."""
    out = []
    for word, rest in instructions():
        if word == "COPY":
            *sources, dest = shlex.split(rest)
            out.append((sources, dest))
    return out


def test_every_copy_source_exists_and_no_secret_is_baked_in() -> None:
    for sources, _ in copied():
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored
    assert any(word == "USER" and rest != "root" for word, rest in instructions())


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.timeout(1500)
@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_the_recipe_installs_and_starts_a_signed_in_app_on_postgresql(
    database_url: str, tmp_path: Path
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    for sources, dest in copied():
        for source in sources:
            # Docker's rule: a destination ending in "/" is a folder the source goes into.
            target = app / dest / Path(source).name if dest.endswith("/") else app / dest
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(path, target)
    (run_line,) = [rest for word, rest in instructions() if word == "RUN" and "pip" in rest]
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=False, with_pip=True)
    python = env_dir / "bin" / "python"
    install = shlex.split(run_line.replace("python", str(python), 1))
    subprocess.run(install, cwd=app, check=True, env=clean_env())

    (cmd,) = [rest for word, rest in instructions() if word == "CMD"]
    command = json.loads(cmd)
    assert command[0] == "python"
    port = _free_port()
    command = [str(python), *command[1:]]
    command = [a.replace("--server.port=8501", f"--server.port={port}") for a in command]
    Store(database_url).dispose()  # the schema, as the image's first start would make it
    env = clean_env()
    env.update({"AMENDS_DATABASE_URL": database_url, "AMENDS_AUTH_MODE": "local",
                "AMENDS_HOME": str(tmp_path / "home")})
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        assert answer.read().strip() == b"ok"
                        break
                except OSError:
                    assert server.poll() is None, log_path.read_text(errors="replace")
                    assert time.monotonic() < deadline, log_path.read_text(errors="replace")
                    time.sleep(0.5)
            if not CHROMIUM.exists() and not os.environ.get("CI"):
                pytest.skip("needs Debian's chromium at /usr/bin/chromium for the page check")
            playwright_api = pytest.importorskip("playwright.sync_api")
            with playwright_api.sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
                page = browser.new_page()
                page.goto(f"{url}/history?case=1")
                page.get_by_role("heading", name="Sign in to Amends").wait_for(timeout=90_000)
                assert "Draft versions" not in page.content()
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
