"""The PostgreSQL fixture itself: a missing server is a visible skip, but a failure under CI.

Runs pytest as a subprocess on one PostgreSQL-parametrized storage test, with the server's
binaries pointed at an empty folder (``AMENDS_TEST_PG_BIN``), once as a developer and once as CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGET = "tests/app/test_storage.py::test_identical_versions_are_not_repeated"

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(AMENDS_TEST_PG_BIN=str(tmp_path), PYTHONPATH=str(ROOT))
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", TARGET, "-p", "no:cacheprovider", "-rs", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_without_a_server_a_developer_sees_a_skip_with_the_reason(tmp_path: Path) -> None:
    done = _run(tmp_path, ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 skipped" in done.stdout
    assert "PostgreSQL not available" in done.stdout and "holds no initdb" in done.stdout


def test_without_a_server_ci_fails(tmp_path: Path) -> None:
    done = _run(tmp_path, ci=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 1 error" in done.stdout
    assert "CI must run the PostgreSQL tests" in done.stdout
