"""The Draft page's session state as data: facts and parts <-> widget keys, checks, wording.

The page's widgets are keyed ``f.<fact>``, ``f.aa.<row>.<field>`` (approved actions),
``p.<part>.<field>``, ``p.rebuild.actions.<row>.<field>`` and ``d.subject``/``d.body``. This
module reads and writes those keys on any mutable mapping (``st.session_state`` or a plain dict in
a test), so the page only lays out widgets and nothing here imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from assistant.drafting.models import ALL_PARTS, Incident, PartName
from assistant.forms import (
    ACTION_FIELDS,
    DEFAULTS,
    FACT_FIELDS,
    PART_FIELDS,
    check_incident,
    check_part,
    clean_actions,
    part_data,
    part_form,
)

State = MutableMapping[Any, Any]  # st.session_state (keyed str | int) or a dict
FACT_ROWS = ("f.aa", "draft.actions_n")  # approved actions: key prefix, row-count key
PART_ROWS = ("p.rebuild.actions", "p.rebuild.n")  # Rebuild's actions in the part editor
MACHINE_SOURCES = ("generated", "composed", "revised")  # versions Amends wrote, not the user
INCIDENT_HEADING = "Fix these fields of the incident first:"
PARTS_HEADING = "Fix these parts before composing:"
NO_PARTS = "Generate the parts first (or type them in), then compose."


def fact_key(name: str) -> str:
    """The widget key of one incident fact."""
    return f"f.{name}"


def row_key(prefix: str, index: int, field: str) -> str:
    """The widget key of one field of an action row."""
    return f"{prefix}.{index}.{field}"


def as_date(value: Any) -> dt.date | None:
    """A stored due date as the date input wants it (None for blank or unreadable)."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def clear(state: State) -> None:
    """Forget every fact, part and email widget (a new or another case is opening)."""
    for key in list(state.keys()):
        if str(key).startswith(("f.", "p.", "d.")):
            del state[key]
    for key in ("draft.actions_n", "draft.loaded_case"):
        state.pop(key, None)


def fill_rows(
    state: State, rows_at: tuple[str, str], rows: list[dict[str, str]], *, force: bool
) -> None:
    """Put action rows into their widgets (``force`` overwrites what is there)."""
    prefix, count_key = rows_at
    if force or count_key not in state:
        state[count_key] = max(1, len(rows))
    for index in range(int(state[count_key])):
        row = rows[index] if index < len(rows) else {}
        for field in ACTION_FIELDS:
            key = row_key(prefix, index, field)
            if force or key not in state:
                value = row.get(field, "")
                state[key] = as_date(value) if field == "due" else value


def fill_facts(state: State, facts: Mapping[str, Any], *, force: bool) -> None:
    """Put a case's saved facts into the form (defaults for what is missing)."""
    for name in FACT_FIELDS:
        key = fact_key(name)
        if force or key not in state:
            state[key] = str(facts.get(name) or DEFAULTS.get(name, ""))
    fill_rows(state, FACT_ROWS, clean_actions(facts.get("approved_actions")), force=force)


def fill_part(state: State, name: str, data: Mapping[str, Any], *, force: bool) -> None:
    """Put one EARN part (as saved or generated) into its editor boxes."""
    form = part_form(name, data)
    for field in PART_FIELDS[name]:
        if field == "actions":
            fill_rows(state, PART_ROWS, form["actions"], force=force)
            continue
        key = f"p.{name}.{field}"
        if force or key not in state:
            state[key] = form[field]


def fill_email(state: State, subject: str, body: str, *, force: bool) -> None:
    """Put an email into the subject and body boxes."""
    if force or "d.subject" not in state:
        state["d.subject"] = subject
    if force or "d.body" not in state:
        state["d.body"] = body


def load_case(
    state: State,
    facts: Mapping[str, Any],
    parts: Mapping[str, Any],
    email: tuple[str, str],
    *,
    force: bool,
) -> None:
    """Everything a case holds into the widgets: facts, each part, the latest email."""
    fill_facts(state, facts, force=force)
    for name in ALL_PARTS:
        fill_part(state, name, parts.get(name, {}), force=force)
    fill_email(state, email[0], email[1], force=force)


def apply_draft(state: State, parts: Mapping[Any, Any], subject: str, body: str) -> None:
    """A generated draft's parts and email into the widgets, over what was there."""
    for name, part in parts.items():
        data = part.model_dump(mode="json") if hasattr(part, "model_dump") else dict(part)
        fill_part(state, name, data, force=True)
    fill_email(state, subject, body, force=True)


def rows(state: Mapping[Any, Any], rows_at: tuple[str, str]) -> list[dict[str, str]]:
    """The action rows as typed, blank rows dropped."""
    prefix, count_key = rows_at
    found = [
        {field: state.get(row_key(prefix, index, field)) for field in ACTION_FIELDS}
        for index in range(int(state.get(count_key, 0)))
    ]
    return clean_actions(found)


def facts_form(state: Mapping[Any, Any]) -> dict[str, Any]:
    """The incident form as typed (valid or not): what is saved with the case."""
    form: dict[str, Any] = {name: state.get(fact_key(name), "") for name in FACT_FIELDS}
    form["approved_actions"] = rows(state, FACT_ROWS)
    return form


def parts_form(state: Mapping[Any, Any]) -> dict[PartName, dict[str, Any]]:
    """The parts as edited, as data; parts with nothing in them are left out."""
    parts: dict[PartName, dict[str, Any]] = {}
    for name in ALL_PARTS:
        form: dict[str, Any] = {}
        for field in PART_FIELDS[name]:
            if field == "actions":
                form[field] = rows(state, PART_ROWS)
            else:
                form[field] = state.get(f"p.{name}.{field}", "")
        data = part_data(name, form)
        if any(data.values()):
            parts[name] = data
    return parts


def add_row(state: State) -> None:
    """One more approved-action row."""
    state[FACT_ROWS[1]] = int(state.get(FACT_ROWS[1], 1)) + 1


def remove_row(state: State) -> bool:
    """Drop the last approved-action row; False when only one is left (it stays)."""
    count = int(state.get(FACT_ROWS[1], 1))
    if count <= 1:
        return False
    for field in ACTION_FIELDS:
        state.pop(row_key(FACT_ROWS[0], count - 1, field), None)
    state[FACT_ROWS[1]] = count - 1
    return True


def incident(state: Mapping[Any, Any]) -> tuple[Incident | None, list[str]]:
    """The incident from the form, or the problems named by the form's labels."""
    return check_incident(facts_form(state))


def valid_parts(state: Mapping[Any, Any]) -> tuple[dict[PartName, Any] | None, list[str]]:
    """The parts as validated models, or None with the problems (``NO_PARTS`` when empty)."""
    forms = parts_form(state)
    if not forms:
        return None, [NO_PARTS]
    parts: dict[PartName, Any] = {}
    problems: list[str] = []
    for name, data in forms.items():
        part, found = check_part(name, data)
        if part is not None:
            parts[name] = part
        problems += found
    return (None, problems) if problems else (parts, [])


def problem_list(heading: str, problems: Iterable[str], escape: Any = str) -> str:
    """The one wording for a list of problems: a heading, then one bullet each (escaped)."""
    return heading + "\n\n" + "\n".join(f"- {escape(p)}" for p in problems)


def hand_edited(body: str, machine_bodies: list[str]) -> bool:
    """Whether the email on screen holds the user's own edits that Compose would replace: it is
    not the text the last generate, compose or accepted revision produced."""
    if not body.strip():
        return False
    return not machine_bodies or machine_bodies[-1] != body
