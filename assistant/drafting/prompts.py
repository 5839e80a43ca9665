"""Render the prompt files in ``prompts/``: facts go in as delimited, escaped JSON data.

Incident text reaches a model only inside the fenced ``<incident_facts>`` section (``_facts.j2``,
with its quoted-material instruction) or, for earlier parts and draft sentences, inside
``<parts>`` / ``<sentences>``: no template puts a fact (not even a name) anywhere else, so
instructions hidden in the facts stay quoted data. Callers pass the usable facts
(:func:`assistant.drafting.facts.usable_facts`), so detected instructions are not sent at all.

Each template starts with ``{# version: N #}``; the version travels with every draft so a
change of wording can be traced to the drafts it produced.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jinja2

from assistant.drafting.models import Incident
from assistant.resources import bundled_dir

_VERSION = re.compile(r"\{#\s*version:\s*(\d+)\s*#\}")
PROMPT_NAMES = (
    "_system",
    "_facts",
    "expose",
    "ask",
    "rebuild",
    "name_them",
    "compose",
    "revise",
    "update",
    "_audience",
    "audience_executive",
    "audience_technical",
    "audience_public",
    "audience_call",
)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(bundled_dir("prompts"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@cache
def prompt_version(name: str) -> int:
    """The ``{# version: N #}`` header of ``prompts/<name>.j2``."""
    source = (bundled_dir("prompts") / f"{name}.j2").read_text(encoding="utf-8")
    found = _VERSION.search(source.split("\n", 1)[0])
    if found is None:
        raise ValueError(f"prompts/{name}.j2 has no '{{# version: N #}}' header on its first line")
    return int(found.group(1))


def as_data(value: Any) -> str:
    """JSON with ``<`` and ``>`` escaped, so no value can close the delimiting tags around it."""
    text = json.dumps(value, ensure_ascii=False, indent=1, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def facts_data(incident: Incident) -> str:
    """The incident as delimited-ready JSON data."""
    return as_data(incident.model_dump(mode="json", exclude_none=True))


def render(name: str, **variables: Any) -> str:
    """One prompt file rendered with ``variables`` (missing variables are an error, not blanks)."""
    return _environment().get_template(f"{name}.j2").render(**variables).strip()


def messages_for(name: str, incident: Incident, **variables: Any) -> list[dict[str, str]]:
    """System and user messages for one prompt; incident facts only inside the data block."""
    variables.setdefault("facts", facts_data(incident))
    return [
        {"role": "system", "content": render("_system")},
        {"role": "user", "content": render(name, **variables)},
    ]


def part_messages(part: str, incident: Incident) -> list[dict[str, str]]:
    """Messages for one EARN part."""
    return messages_for(part, incident)
