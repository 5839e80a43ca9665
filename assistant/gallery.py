"""The trainers' gallery: realistic incidents, each with a poor and a good recovery email.

Examples are data (``examples/gallery/*.yaml``), written for this project; a trainer adds one by
dropping a file in the folder. Loading validates every file so a broken example names its file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import InputError, validation_message
from assistant.resources import bundled_dir


class Email(BaseModel):
    """One email in an example."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1)
    body: str = Field(min_length=20)


class GalleryExample(BaseModel):
    """An incident with a poor and a good recovery email, and what a trainer should point out."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    sector: str
    summary: str
    teaching_notes: str
    incident: dict[str, Any] = Field(description="facts in the Incident shape, to open in Draft")
    poor: Email
    good: Email


def gallery_dir() -> Path:
    """The bundled gallery folder."""
    return bundled_dir("examples") / "gallery"


def load_example(path: Path) -> GalleryExample:
    """One example file, or InputError naming the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path.name}: cannot read this example ({exc})") from None
    try:
        return GalleryExample.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_message(exc, path.name)) from None


@cache
def load_gallery(folder: Path | None = None) -> tuple[GalleryExample, ...]:
    """Every example in the folder, sorted by title (cached: the files ship with the app)."""
    folder = folder or gallery_dir()
    if not folder.is_dir():
        return ()
    examples = [load_example(p) for p in sorted(folder.glob("*.yaml"))]
    return tuple(sorted(examples, key=lambda e: e.title))

