"""A plain `pip install` (a wheel, not an editable checkout) finds the bundled rubrics, prompts and
examples from any working directory."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel and install it (no deps: they are already here) into a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp / "dist"),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = (tmp / "dist").glob("amends-*.whl")
    env_dir = tmp / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    return env_dir


def test_wheel_carries_bundled_data_and_runs_from_elsewhere(
    installed_wheel: Path, tmp_path: Path
) -> None:
    python = installed_wheel / "bin" / "python"
    probe = (
        "import assistant, json\n"
        "from assistant.resources import bundled_dir\n"
        "from assistant.rubric import load_rubric_set\n"
        "print(json.dumps({'module': assistant.__file__,"
        " 'rubrics': str(bundled_dir('rubrics')), 'prompts': str(bundled_dir('prompts')),"
        " 'examples': str(bundled_dir('examples')), 'rules': len(load_rubric_set().rules)}))\n"
    )
    result = subprocess.run(
        [str(python), "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    import json

    found = json.loads(result.stdout)
    assert found["module"].startswith(str(installed_wheel)), found
    for name in ("rubrics", "prompts", "examples"):
        assert found[name].startswith(str(installed_wheel)) and "_bundled" in found[name], found
        assert any(Path(found[name]).iterdir())
    assert found["rules"] > 0


def test_wheel_console_script_checks_a_file(installed_wheel: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("We are sorry if anyone was upset.\n", encoding="utf-8")
    result = subprocess.run(
        [str(installed_wheel / "bin" / "amends"), "check", str(draft)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "defensive.conditional-apology" in result.stdout
