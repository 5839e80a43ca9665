"""Flat form values (what the Draft page's widgets hold and the database keeps) <-> drafting data.

The form keeps exactly what the user typed, valid or not, so nothing is lost; conversion to an
``Incident`` or a part happens only when a model is about to be called, and its errors name fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

FACT_FIELDS: tuple[str, ...] = (
    "title",
    "what_happened",
    "when",
    "impacts",
    "cause",
    "cause_owner",
    "actions_taken",
    "recipient.name",
    "recipient.organisation",
    "recipient.role",
    "recipient.relationship",
    "sender.name",
    "sender.role",
    "sender.organisation",
    "recipient_contribution",
    "review_cadence",
    "channel",
    "tone",
    "must_not_say",
)
LINE_FIELDS = frozenset(
    {"impacts", "actions_taken", "questions", "impacts_acknowledged", "must_not_say"}
)
ACTION_FIELDS: tuple[str, ...] = ("what", "owner", "due", "checkpoint")
RELATIONSHIPS: tuple[str, ...] = ("client", "partner", "internal_team", "personal")
CHANNELS: tuple[str, ...] = ("email", "letter", "call_script")
TONES: tuple[str, ...] = ("direct", "warm", "formal")
DEFAULTS: dict[str, str] = {
    "recipient.relationship": "client",
    "channel": "email",
    "tone": "direct",
}

# Part name -> its fields in the order the editor shows them ("actions" is a list of rows).
PART_FIELDS: dict[str, tuple[str, ...]] = {
    "expose": ("statement", "what_happened", "why", "impacts_acknowledged", "responsibility"),
    "ask": ("questions",),
    "rebuild": ("actions", "review_cadence"),
    "name_them": ("statement",),
}


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [line.strip(" -•\t") for line in str(value or "").splitlines() if line.strip(" -•\t")]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _date(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(value).strip()


def clean_actions(rows: Any) -> list[dict[str, str]]:
    """Action rows as plain strings, dropping rows left completely empty."""
    out: list[dict[str, str]] = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping):
            continue
        item = {
            name: _date(row.get(name)) if name == "due" else _text(row.get(name)).strip()
            for name in ACTION_FIELDS
        }
        if any(item.values()):
            out.append(item)
    return out


def incident_data(form: Mapping[str, Any]) -> dict[str, Any]:
    """The nested dict ``Incident`` validates, from flat form values (blank optionals omitted)."""
    data: dict[str, Any] = {}
    for name in FACT_FIELDS:
        value = form.get(name)
        if name in LINE_FIELDS:
            items = _lines(value)
            if items:
                data[name] = items
            continue
        text = _text(value).strip()
        if not text:
            continue
        if "." in name:
            group, field = name.split(".", 1)
            data.setdefault(group, {})[field] = text
        else:
            data[name] = text
    actions = clean_actions(form.get("approved_actions"))
    if actions:
        data["approved_actions"] = [{k: v for k, v in a.items() if v} for a in actions]
    return data


def form_from_incident(data: Mapping[str, Any]) -> dict[str, Any]:
    """Flat form values from incident data (a gallery example or an incident file)."""
    form: dict[str, Any] = {}
    for name in FACT_FIELDS:
        if "." in name:
            group, field = name.split(".", 1)
            nested = data.get(group)
            value = nested.get(field) if isinstance(nested, Mapping) else None
        else:
            value = data.get(name)
        if name in LINE_FIELDS:
            form[name] = "\n".join(_lines(value))
        else:
            form[name] = _text(value)
    for name, default in DEFAULTS.items():
        form[name] = form[name] or default
    form["approved_actions"] = clean_actions(list(data.get("approved_actions") or []))
    return form


def part_form(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Flat editor values for one generated part."""
    form: dict[str, Any] = {}
    for field in PART_FIELDS[name]:
        value = data.get(field)
        if field == "actions":
            form[field] = clean_actions(list(value or []))
        elif field in LINE_FIELDS:
            form[field] = "\n".join(_lines(value))
        else:
            form[field] = _text(value)
    return form


def part_data(name: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The dict a part model validates, from its editor values."""
    data: dict[str, Any] = {}
    for field in PART_FIELDS[name]:
        value = form.get(field)
        if field == "actions":
            data[field] = clean_actions(value)
        elif field in LINE_FIELDS:
            data[field] = _lines(value)
        else:
            data[field] = _text(value).strip()
    return data


def form_labels(
    fields: Mapping[str, tuple[str, str]], actions: Mapping[str, tuple[str, str]]
) -> dict[str, str]:
    """Validation-message labels (dotted path -> label) from a form's ``(label, help)`` tables.

    ``fields`` is keyed by :data:`FACT_FIELDS` names, ``actions`` by :data:`ACTION_FIELDS`;
    approved actions are numbered as the form numbers them ("Approved action 2: owner").
    """
    labels = {name: label.removesuffix(" (one per line)") for name, (label, _) in fields.items()}
    labels.setdefault("recipient", "Recipient (their name)")
    labels.setdefault("sender", "Sender (your name and role)")
    labels["approved_actions"] = "Approved actions"
    labels["approved_actions.*"] = "Approved action {n}"
    for field, (label, _) in actions.items():
        suffix = "" if field == "what" else f": {label[:1].lower()}{label[1:]}"
        labels[f"approved_actions.*.{field}"] = "Approved action {n}" + suffix
    return labels


def part_labels(name: str, title: str) -> dict[str, str]:
    """Validation-message labels for one part's editor, worded as its widgets are labelled."""
    labels = {"": title}
    for field in PART_FIELDS[name]:
        labels[field] = f"{title}: {field.replace('_', ' ')}"
    for field in ACTION_FIELDS:
        labels[f"actions.*.{field}"] = f"{title} action {{n}}: {field}"
    labels["actions.*"] = f"{title} action {{n}}"
    return labels
