"""A plain `pip install` (a wheel, not an editable checkout) finds the bundled rubrics, prompts and
examples from any working directory.

The wheel goes into a fresh venv with its real dependencies, resolved by pip from the configured
index or its cache, exactly as a user installs it: nothing is borrowed from the Python running the
tests (a venv with system site-packages would see the base interpreter's packages, which inside
another venv lack ``re2`` and the rest). About a minute with a warm pip cache, hence ``slow``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def clean_env() -> dict[str, str]:
    """The environment without anything that would point the venv back at this checkout."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONUSERBASE")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("AMENDS_")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel and install it, with its dependencies, into a venv of its own."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = clean_env()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
         str(ROOT)],
        check=True,
        env=env,
    )
    (wheel,) = (tmp / "dist").glob("amends-*.whl")
    env_dir = tmp / "venv"
    venv.create(env_dir, system_site_packages=False, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, env=env)
    return env_dir


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command from the venv, in the clean environment, output captured."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False,
                          env=clean_env())


def test_the_venv_holds_only_what_it_installed(installed_wheel: Path, tmp_path: Path) -> None:
    """The test is honest: this checkout and the tests' own packages are out of reach."""
    probe = "import sys, re2, litellm; print(sys.prefix); import pytest"
    result = run([str(installed_wheel / "bin" / "python"), "-c", probe], tmp_path)
    assert result.stdout.strip() == str(installed_wheel), result.stderr
    assert "No module named 'pytest'" in result.stderr  # a dev-only package: not installed


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
        " 'examples': str(bundled_dir('examples')), 'surveys': str(bundled_dir('surveys')),"
        " 'rules': len(load_rubric_set().rules)}))\n"
    )
    result = run([str(python), "-c", probe], tmp_path)
    assert result.returncode == 0, result.stderr
    import json

    found = json.loads(result.stdout)
    assert found["module"].startswith(str(installed_wheel)), found
    for name in ("rubrics", "prompts", "examples", "surveys"):
        assert found[name].startswith(str(installed_wheel)) and "_bundled" in found[name], found
        assert any(Path(found[name]).iterdir())
    assert found["rules"] > 0


def test_wheel_console_script_checks_a_file(installed_wheel: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("We are sorry if anyone was upset.\n", encoding="utf-8")
    result = run([str(installed_wheel / "bin" / "amends"), "check", str(draft)], tmp_path)
    assert result.returncode == 1, result.stderr
    assert "defensive.conditional-apology" in result.stdout
    assert "warning" not in result.stderr, "the wheel must carry the model heads and encoder"
    listed = run([str(installed_wheel / "bin" / "amends"), "rules"], tmp_path)
    model_line = next(line for line in listed.stdout.splitlines() if line.startswith("detector model"))
    assert " on " in model_line and "sha256" in model_line, model_line


def test_wheel_console_script_drafts_offline(installed_wheel: Path, tmp_path: Path) -> None:
    incident = ROOT / "examples" / "incidents" / "outage-payments-api.yaml"
    result = run([str(installed_wheel / "bin" / "amends"), "draft", str(incident)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "drafted by: offline composer" in result.stdout
