"""Flat form values (what the Draft page's widgets hold and the database keeps) <-> drafting data.

The form keeps exactly what the user typed, valid or not, so nothing is lost; conversion to an
``Incident`` or a part happens only when a model is about to be called, and its errors name the
fields by the labels the form shows ("Approved action 1: Due"), never by code paths
(``approved_actions.0.due``). The labels live here so the widgets and the messages share them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from assistant.drafting.models import PART_MODELS, Incident
from assistant.errors import field_label, validation_lines

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
    "crisis_type",  # optional: overrides the classifier (assistant.drafting.posture)
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

PART_TITLES = {"expose": "Expose", "ask": "Ask", "rebuild": "Rebuild", "name_them": "Name them"}
PART_HELP = {
    "expose": "What happened, why, and how it hurt them: plainly, with no excuses.",
    "ask": "Questions that ask what they need before you offer fixes.",
    "rebuild": "Actions with an owner, a date and a checkpoint they can see.",
    "name_them": "What they did that helped; recognise it concretely.",
}
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "title": ("Incident title", "A short name for this case, e.g. 'Payroll outage on pay day'."),
    "what_happened": (
        "What happened",
        "Facts only, in plain words: what failed, for whom, and for how long. "
        "Good: 'Our platform was down from 07:10 to 13:25 on your pay day.' "
        "Avoid: 'There was a service disruption.'",
    ),
    "when": ("When", "As you would write it to them, e.g. 'Friday 6 November'."),
    "impacts": (
        "Impacts on them (one per line)",
        "Concrete effects in their terms: people, money, time, reputation. "
        "Good: '412 staff paid three days late'. Avoid: 'some inconvenience'.",
    ),
    "cause": (
        "Cause",
        "Why it happened, as far as you know it. Own it: 'a certificate we renewed by hand "
        "expired', not 'unforeseen technical issues'.",
    ),
    "cause_owner": ("Whose failure was it?", "Usually your organisation or a named team."),
    "actions_taken": (
        "Already done (one per line)",
        "What you have already done to contain the damage, if anything.",
    ),
    "recipient.name": ("Recipient's name", "The person you are writing to."),
    "recipient.organisation": ("Their organisation", ""),
    "recipient.role": ("Their role", ""),
    "recipient.relationship": ("Relationship", "Sets the register the draft is written in."),
    "sender.name": ("Your name", "The accountable person who signs, not a team alias."),
    "sender.role": ("Your role", ""),
    "sender.organisation": ("Your organisation", ""),
    "recipient_contribution": (
        "What did they do that helped? (Name them)",
        "Something specific they did for the recovery, e.g. 'sent the list of affected "
        "direct debits within a day'.",
    ),
    "review_cadence": ("How often will you report progress?", "e.g. 'a weekly update until done'."),
    "channel": ("Channel", ""),
    "tone": ("Tone", "Direct is plain and short; warm is more personal; formal suits letters."),
    "must_not_say": (
        "Must not say (one per line)",
        "Legal limits: phrases the draft must never contain, e.g. 'liable'.",
    ),
    "crisis_type": ("Crisis type (Coombs)", "Empty: classified from the facts."),
}
ACTION_LABELS = {
    "what": ("Approved action", "Only actions your organisation has approved; the draft may "
             "promise nothing else."),
    "owner": ("Owner", "A named person, not 'the team'."),
    "due": ("Due", "The date it will be done."),
    "checkpoint": ("Checkpoint they can see", "The evidence: 'runbook shared with you'."),
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


# --- labels and validation messages --------------------------------------------------------------


def part_field_label(part: str, field: str) -> str:
    """The label of a part's editor box, e.g. 'Ask: questions (one per line)'."""
    label = f"{PART_TITLES[part]}: {field.replace('_', ' ')}"
    return f"{label} (one per line)" if field in LINE_FIELDS else label


def part_action_label(index: int, field: str) -> str:
    """The label of one field of a Rebuild action in the part editor."""
    return f"Rebuild action {index + 1}: {field}"


def check_incident(form: Mapping[str, Any]) -> tuple[Incident | None, list[str]]:
    """The Incident the form describes, or the problems, each named by its form label (through
    the one validation formatter, ``assistant.errors.validation_lines``)."""
    try:
        return Incident.model_validate(incident_data(form)), []
    except ValidationError as err:
        return None, validation_lines(err, form_labels(FIELD_LABELS, ACTION_LABELS))


def check_part(name: str, data: Mapping[str, Any]) -> tuple[BaseModel | None, list[str]]:
    """One edited part as its model, or the problems, each named by its editor label."""
    try:
        return PART_MODELS[name].model_validate(dict(data)), []  # type: ignore[index]
    except ValidationError as err:
        return None, validation_lines(err, part_labels(name, PART_TITLES[name]))


def carry_expose_edits(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Expose's statement with edits of its "what happened" and "why" boxes carried into it.

    The offline composer writes the email from the statement (it already holds what happened
    and why), so an edit of those two boxes would otherwise never reach the email. Where the
    old sentence is in the statement it is replaced (also with its first letter lowered, as the
    composer writes it after a date); where it is not (the statement was rewritten by hand), the
    new sentence is added at the end unless the statement already has it.
    """
    statement = str(after.get("statement", ""))
    for field in ("what_happened", "why"):
        old = str(before.get(field, "") or "").strip()
        new = str(after.get(field, "") or "").strip()
        if old == new or not new:
            continue
        if old[-1:] in ".!?" and new[-1:] not in ".!?":
            new += "."
        for old_form, new_form in ((old, new), (_lower_first(old), _lower_first(new))):
            if old_form and old_form in statement:
                statement = statement.replace(old_form, new_form, 1)
                break
        else:
            if new not in statement and _lower_first(new) not in statement:
                statement = f"{statement.rstrip()} {new}".strip()
    return statement


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


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
        labels[field] = part_field_label(name, field)
    for field in ACTION_FIELDS:
        labels[f"actions.*.{field}"] = f"{title} action {{n}}: {field}"
    labels["actions.*"] = f"{title} action {{n}}"
    return labels


def finding_label(path: str) -> str:
    """The form's label for a fact finding's field path (``impacts[1]`` -> "Impacts, item 2")."""
    loc: tuple[int | str, ...] = tuple(
        int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", path)
    )
    return field_label(loc, form_labels(FIELD_LABELS, ACTION_LABELS)) or path
