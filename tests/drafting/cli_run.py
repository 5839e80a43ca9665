"""`amends draft` run as a user runs it: a real subprocess, its own environment, nothing patched."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INCIDENT = ROOT / "examples" / "incidents" / "outage-payments-api.yaml"
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float


def amends_draft(model: str, env: dict[str, str], *args: str, timeout: float = 120) -> Run:
    """``amends draft INCIDENT --model MODEL`` in a fresh interpreter with ``env`` added."""
    clean = {k: v for k, v in os.environ.items() if k not in KEY_VARS and not k.startswith("AMENDS_")}
    clean.update(PYTHONPATH=str(ROOT), LITELLM_LOCAL_MODEL_COST_MAP="True", **env)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "draft", str(INCIDENT), "--model", model, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)
