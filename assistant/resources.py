"""Find the bundled rubrics, prompts and examples, installed from a wheel or run from a checkout.

A wheel carries them under ``assistant/_bundled/``; a checkout or editable install has them at the
repository root. Either way callers get a real folder path.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def bundled_dir(name: str) -> Path:
    """The folder of bundled data called ``name`` (``rubrics``, ``prompts`` or ``examples``)."""
    for candidate in (_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder '{name}' is missing from this installation of Amends")
