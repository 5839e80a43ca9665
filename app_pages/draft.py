"""Draft: incident facts in, the four EARN parts side by side, the composed email out.

Every field is saved to the database as it is typed (after a short pause, not only on Enter or
leaving the box) and again before any model call, so a refresh, a closed tab or a failed model
call loses nothing. The URL carries the case id. Compose and Generate never replace an email the
user edited by hand without asking first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import streamlit as st

from assistant import ui
from assistant.auth import gate
from assistant.documents import safe_filename, to_eml, to_markdown, to_text
from assistant.drafting import compose, draft, generate_part, review_form
from assistant.drafting.models import ALL_PARTS, Incident, PartName
from assistant.forms import (
    ACTION_FIELDS,
    ACTION_LABELS,
    CHANNELS,
    DEFAULTS,
    FACT_FIELDS,
    FIELD_LABELS,
    LINE_FIELDS,
    PART_FIELDS,
    PART_HELP,
    PART_TITLES,
    RELATIONSHIPS,
    TONES,
    carry_expose_edits,
    check_incident,
    check_part,
    clean_actions,
    finding_label,
    form_from_incident,
    part_action_label,
    part_data,
    part_field_label,
    part_form,
)
from assistant.gallery import load_gallery

gate.page("draft")

store = ui.store()
state = st.session_state


# --- state <-> database --------------------------------------------------------------------------


def _fkey(name: str) -> str:
    return f"f.{name}"


def _akey(prefix: str, index: int, field: str) -> str:
    return f"{prefix}.{index}.{field}"


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _clear_keys() -> None:
    for key in list(state.keys()):
        if str(key).startswith(("f.", "p.", "d.")):
            del state[key]
    for key in ("draft.actions_n", "draft.loaded_case"):
        state.pop(key, None)


def _fill_actions(prefix: str, count_key: str, rows: list[dict[str, str]], *, force: bool) -> None:
    if force or count_key not in state:
        state[count_key] = max(1, len(rows))
    for index in range(state[count_key]):
        row = rows[index] if index < len(rows) else {}
        for field in ACTION_FIELDS:
            key = _akey(prefix, index, field)
            if force or key not in state:
                value = row.get(field, "")
                state[key] = _as_date(value) if field == "due" else value


def _fill_facts(facts: dict[str, Any], *, force: bool) -> None:
    for name in FACT_FIELDS:
        key = _fkey(name)
        if force or key not in state:
            state[key] = str(facts.get(name) or DEFAULTS.get(name, ""))
    _fill_actions("f.aa", "draft.actions_n", clean_actions(facts.get("approved_actions")),
                  force=force)


def _fill_part(name: str, data: dict[str, Any], *, force: bool) -> None:
    form = part_form(name, data)
    for field in PART_FIELDS[name]:
        if field == "actions":
            _fill_actions("p.rebuild.actions", "p.rebuild.n", form["actions"], force=force)
            continue
        key = f"p.{name}.{field}"
        if force or key not in state:
            state[key] = form[field]


def _fill_email(subject: str, body: str, *, force: bool) -> None:
    if force or "d.subject" not in state:
        state["d.subject"] = subject
    if force or "d.body" not in state:
        state["d.body"] = body


def _facts_form() -> dict[str, Any]:
    form: dict[str, Any] = {name: state.get(_fkey(name), "") for name in FACT_FIELDS}
    form["approved_actions"] = _rows("f.aa", "draft.actions_n")
    return form


def _rows(prefix: str, count_key: str) -> list[dict[str, str]]:
    rows = []
    for index in range(int(state.get(count_key, 0))):
        rows.append({field: state.get(_akey(prefix, index, field)) for field in ACTION_FIELDS})
    return clean_actions(rows)


def _parts_form() -> dict[PartName, Any]:
    parts: dict[PartName, Any] = {}
    for name in ALL_PARTS:
        form: dict[str, Any] = {}
        for field in PART_FIELDS[name]:
            if field == "actions":
                form[field] = _rows("p.rebuild.actions", "p.rebuild.n")
            else:
                form[field] = state.get(f"p.{name}.{field}", "")
        data = part_data(name, form)
        if any(data.values()):
            parts[name] = data
    return parts


def _ensure_case() -> int:
    case_id = ui.active_case_id()
    if case_id is None:
        form = _facts_form()
        case_id = store.create_case(str(form.get("title") or ""), form, kind="draft").id
        ui.set_active_case(case_id)
        state["draft.loaded_case"] = case_id
    return case_id


def save_facts() -> None:
    """Widget callback: save every fact as typed (valid or not)."""
    form = _facts_form()
    store.update_case(_ensure_case(), title=str(form.get("title") or ""), facts=form)


def save_parts(carry: bool = True) -> None:
    """Widget callback: save the parts as edited; an edit of Expose's "what happened" or "why"
    is carried into its statement, which is what the email is composed from."""
    case_id = _ensure_case()
    forms = _parts_form()
    saved = store.get_case(case_id).parts.get("expose") or {}
    if carry and "expose" in forms and saved:
        statement = carry_expose_edits(saved, forms["expose"])
        if statement != forms["expose"].get("statement"):
            state["p.expose.statement"] = statement
            forms["expose"]["statement"] = statement
    store.update_case(case_id, parts={str(k): v for k, v in forms.items()})


def save_email() -> None:
    """Widget callback: an edit of the email becomes a version with its scores (edits typed
    within a minute of each other are one version)."""
    body = str(state.get("d.body", ""))
    subject = str(state.get("d.subject", ""))
    if body.strip() and ui.input_problem(body, "the email") is None:
        store.add_version(_ensure_case(), body, source="edited", subject=subject,
                          model=ui.current_model(), report=ui.score_text(body),
                          merge_within=ui.EDIT_MERGE_SECONDS)


def hand_edited() -> bool:
    """Whether the email on screen holds edits of the user's own that Compose would replace:
    it is not the text the last generate, compose or accepted revision produced."""
    body = str(state.get("d.body", ""))
    if not body.strip():
        return False
    case_id = ui.active_case_id()
    machine = ("generated", "composed", "revised")
    made = [v for v in store.versions(case_id) if v.source in machine] if case_id else []
    return not made or made[-1].body != body


def confirm_replace(action: str) -> None:
    """Button callback: the user agreed that ``action`` may replace their edited email."""
    state["draft.confirmed"] = action


def cancel_replace() -> None:
    """Button callback: keep the edited email; nothing is generated."""
    state.pop("draft.asking", None)


def add_action_row() -> None:
    """Button callback: one more approved-action row."""
    state["draft.actions_n"] = int(state.get("draft.actions_n", 1)) + 1


def remove_action_row() -> None:
    """Button callback: drop the last approved-action row and save."""
    count = int(state.get("draft.actions_n", 1))
    if count > 1:
        for field in ACTION_FIELDS:
            state.pop(_akey("f.aa", count - 1, field), None)
        state["draft.actions_n"] = count - 1
        save_facts()


def new_case() -> None:
    """Button callback: start from an empty form (the current case stays in History)."""
    _clear_keys()
    ui.set_active_case(None)


def load_example_facts() -> None:
    """Button callback: a new case prefilled with a gallery example's incident."""
    chosen = state.get("draft.example")
    for example in load_gallery():
        if example.title == chosen:
            facts = form_from_incident(example.incident)
            _clear_keys()
            case = store.create_case(f"{example.incident.get('title', example.title)}", facts)
            ui.set_active_case(case.id)
            return


def _incident() -> Incident | None:
    incident, problems = check_incident(_facts_form())
    if problems:
        st.error("Fix these fields of the incident first:\n\n"
                 + "\n".join(f"- {ui.md_escape(p)}" for p in problems))
    return incident


def _may_replace_email(action: str) -> bool:
    """True when ``action`` may write the email now; else ask once (the edits stay in History
    either way) and return False."""
    if state.pop("draft.confirmed", None) == action or not hand_edited():
        state.pop("draft.asking", None)
        return True
    state["draft.asking"] = action
    return False


def _ask_before_replacing(action: str) -> None:
    if state.get("draft.asking") != action:
        return
    st.warning("You have edited the email by hand. "
               f"{'Generating' if action == 'generate' else 'Composing'} writes a new email "
               "over it; your edited text stays in History as a version.")
    choice = st.columns([2, 2, 4])
    choice[0].button("Replace my edited email", key="draft.confirm_replace", type="primary",
                     on_click=confirm_replace, args=(action,))
    choice[1].button("Keep my edits", key="draft.cancel_replace", on_click=cancel_replace)


def _apply_draft_result(parts: Mapping[PartName, Any], subject: str, body: str) -> None:
    for name, part in parts.items():
        _fill_part(name, part.model_dump(mode="json"), force=True)
    _fill_email(subject, body, force=True)


# --- load the case -------------------------------------------------------------------------------

incoming = state.pop("draft.incoming_facts", None)
if isinstance(incoming, dict):
    _clear_keys()
    created = store.create_case(str(incoming.get("title") or ""), incoming)
    ui.set_active_case(created.id)

case_id = ui.active_case_id()
case = store.find_case(case_id) if case_id is not None else None
force = case is not None and state.get("draft.loaded_case") != case.id
if force:
    _clear_keys()
if case is not None:
    state["draft.loaded_case"] = case.id
_fill_facts(case.facts if case else {}, force=force)
for part_name in ALL_PARTS:
    _fill_part(part_name, (case.parts if case else {}).get(part_name, {}), force=force)
latest = case.latest if case else None
_fill_email(latest.subject if latest else "", latest.body if latest else "", force=force)

# --- page ----------------------------------------------------------------------------------------

st.title("Draft a recovery email")
top = st.columns([3, 2, 1])
with top[0]:
    if case is not None:
        st.caption(f"Case #{case.id}: saved automatically as you type · {case.version_count} "
                   "version(s) in History")
    else:
        st.caption("Start typing: the case is saved as soon as you fill in a field.")
with top[1]:
    examples = load_gallery()
    if examples:
        pick = st.columns([3, 1], vertical_alignment="bottom")
        pick[0].selectbox("Start from an example incident", [e.title for e in examples],
                          key="draft.example", index=None, placeholder="Choose an example…")
        pick[1].button("Load", key="draft.load_example", on_click=load_example_facts,
                       disabled=not state.get("draft.example"))
with top[2]:
    st.button("New case", key="draft.new", on_click=new_case, icon=":material/add:")

st.subheader("1. The incident")


def _field(name: str, kind: str = "input", **kwargs: Any) -> None:
    label, help_text = FIELD_LABELS[name]
    key = _fkey(name)
    if kind == "area":
        st.text_area(label, key=key, help=help_text or None, on_change=save_facts, **kwargs)
    elif kind == "select":
        choices = {"recipient.relationship": RELATIONSHIPS, "channel": CHANNELS, "tone": TONES}
        options = choices[name]
        if state.get(key) not in options:
            state[key] = DEFAULTS[name]
        st.selectbox(label, options, key=key, help=help_text or None, on_change=save_facts,
                     format_func=lambda v: str(v).replace("_", " ").capitalize())
    else:
        st.text_input(label, key=key, help=help_text or None, on_change=save_facts,
                      live=ui.LIVE_PAUSE, **kwargs)


form_box = st.container(key="autosave-facts")  # text areas in it save as they are typed
left, right = form_box.columns(2)
with left:
    _field("title", max_chars=200)
    _field("what_happened", "area", height=110)
    _field("when", max_chars=200)
    _field("impacts", "area", height=110)
    _field("cause", "area", height=90)
    _field("cause_owner", max_chars=200)
    _field("actions_taken", "area", height=80)
with right:
    people = st.columns(2)
    with people[0]:
        for name in ("recipient.name", "recipient.organisation", "recipient.role"):
            _field(name, max_chars=200)
        _field("recipient.relationship", "select")
    with people[1]:
        for name in ("sender.name", "sender.role", "sender.organisation"):
            _field(name, max_chars=200)
        _field("channel", "select")
    _field("tone", "select")
    _field("recipient_contribution", "area", height=80)
    _field("review_cadence", max_chars=200)
    _field("must_not_say", "area", height=68)


def _action_rows(prefix: str, count_key: str, on_change: Any, compact: bool = False) -> None:
    for index in range(int(state.get(count_key, 1))):
        if compact:
            for field in ACTION_FIELDS:
                label = part_action_label(index, field)
                key = _akey(prefix, index, field)
                if field == "due":
                    st.date_input(label, key=key, on_change=on_change)
                else:
                    st.text_input(label, key=key, on_change=on_change, live=ui.LIVE_PAUSE)
            continue
        cols = st.columns([4, 2, 2, 4])
        for col, field in zip(cols, ACTION_FIELDS, strict=True):
            label, help_text = ACTION_LABELS[field]
            key = _akey(prefix, index, field)
            vis: Literal["visible", "collapsed"] = "visible" if index == 0 else "collapsed"
            if field == "due":
                col.date_input(label, key=key, help=help_text, on_change=on_change,
                               label_visibility=vis)
            else:
                col.text_input(label, key=key, help=help_text, on_change=on_change,
                               label_visibility=vis, live=ui.LIVE_PAUSE)


st.markdown("**Approved actions** (the only commitments the draft may make)")
_action_rows("f.aa", "draft.actions_n", save_facts)
rows = st.columns([1, 1, 6])
rows[0].button("Add action", key="draft.add_action", on_click=add_action_row)
rows[1].button("Remove last", key="draft.remove_action", on_click=remove_action_row)

for finding in review_form(_facts_form()):
    # Facts are reviewed as typed: what will be kept out of every draft, and why.
    where = finding_label(finding.field)
    quoted = ui.md_escape(finding.text[:160])
    words = f"**{ui.md_escape(where)}**: {ui.md_escape(finding.message)}: “{quoted}”"
    if finding.withheld:
        st.warning(words + " (kept out of the draft)", icon=":material/block:")
    else:
        st.info(words, icon=":material/info:")

st.subheader("2. The EARN parts")
model = ui.current_model()
st.caption(f"Model: {ui.md_escape(model)}. Each part is editable; re-generate one without "
           "touching the others.")
generate = st.button("Generate all four parts and the email", key="draft.generate",
                     type="primary", icon=":material/auto_awesome:")
if generate or state.get("draft.confirmed") == "generate":
    save_facts()  # saved before anything risky runs
    incident = _incident()
    if incident is not None and _may_replace_email("generate"):
        with st.status(f"Drafting with {model}…", expanded=True) as status:
            streamed = st.empty()  # the email as the model writes it (plain text, never HTML)
            try:
                result = draft(incident, model=model,
                               on_progress=lambda message: status.write(ui.md_escape(message)),
                               on_text=ui.text_sink(streamed))
            except Exception as exc:
                status.update(label="Drafting failed; your facts are saved", state="error")
                ui.show_error(exc, "Drafting")
            else:
                streamed.empty()
                _apply_draft_result(result.parts(), result.subject, result.body)
                save_parts(carry=False)
                store.add_version(_ensure_case(), result.body, source="generated",
                                  subject=result.subject, model=result.model,
                                  report=ui.score_text(result.body))
                for note in result.notes:
                    status.write(ui.md_escape(note))
                for issue in result.grounding:
                    st.warning(f"Check this against the facts: {ui.md_escape(issue.message)}")
                status.update(label="Draft ready", state="complete", expanded=False)

_ask_before_replacing("generate")
columns = st.container(key="autosave-parts").columns(4)
for part_name, column in zip(ALL_PARTS, columns, strict=True):
    with column:
        st.markdown(f"#### {PART_TITLES[part_name]}")
        st.caption(PART_HELP[part_name])
        if st.button("Re-generate", key=f"draft.regen.{part_name}", icon=":material/refresh:"):
            save_facts()
            incident = _incident()
            if incident is not None:
                with st.spinner(f"Generating {PART_TITLES[part_name]}…"):
                    try:
                        part = generate_part(part_name, incident, model=model)
                    except Exception as exc:
                        ui.show_error(exc, f"Generating {PART_TITLES[part_name]}")
                    else:
                        _fill_part(part_name, part.model_dump(mode="json"), force=True)
                        save_parts()
        for field in PART_FIELDS[part_name]:
            label = part_field_label(part_name, field)
            if field == "actions":
                _action_rows("p.rebuild.actions", "p.rebuild.n", save_parts, compact=True)
            elif field in LINE_FIELDS:
                st.text_area(label, key=f"p.{part_name}.{field}", on_change=save_parts,
                             height=140)
            else:
                st.text_area(label, key=f"p.{part_name}.{field}", on_change=save_parts,
                             height=120 if field == "statement" else 80)


def _valid_parts() -> dict[PartName, Any] | None:
    forms = _parts_form()
    if not forms:
        st.info("Generate the parts first (or type them in), then compose.")
        return None
    parts: dict[PartName, Any] = {}
    problems: list[str] = []
    for name, data in forms.items():
        part, found = check_part(name, data)
        if part is not None:
            parts[name] = part
        problems += found
    if problems:
        st.error("Fix these parts before composing:\n\n"
                 + "\n".join(f"- {ui.md_escape(p)}" for p in problems))
        return None
    return parts


st.subheader("3. The email")
compose_now = st.button("Compose the email from these parts", key="draft.compose",
                        icon=":material/merge_type:")
if compose_now or state.get("draft.confirmed") == "compose":
    save_facts()
    save_parts()
    incident = _incident()
    valid = _valid_parts() if incident is not None else None
    if incident is not None and valid is not None and _may_replace_email("compose"):
        with st.spinner("Composing…"):
            streamed = st.empty()  # the email as the model writes it (plain text, never HTML)
            try:
                composed = compose(incident, valid, model=model, on_text=ui.text_sink(streamed))
            except Exception as exc:
                ui.show_error(exc, "Composing")
            else:
                streamed.empty()
                _fill_email(composed.subject, composed.body, force=True)
                store.add_version(_ensure_case(), composed.body, source="composed",
                                  subject=composed.subject, model=composed.model,
                                  report=ui.score_text(composed.body))
_ask_before_replacing("compose")

with st.container(key="autosave-email"):
    st.text_input("Subject", key="d.subject", on_change=save_email, max_chars=300,
                  live=ui.LIVE_PAUSE)
    st.text_area("Body", key="d.body", on_change=save_email, height=420,
                 help="Edit freely; changes are saved as you type and re-scored.")
body = str(state.get("d.body", ""))
subject = str(state.get("d.subject", ""))
if body.strip() and (problem := ui.input_problem(body, "the email")) is not None:
    st.error(ui.md_escape(problem))
elif body.strip():
    report = ui.score_text(body)
    ui.report_notes(report)
    ui.score_metrics(report)
    ui.detector_caption(report)
    with st.expander(f"Flags in this draft ({len(report.flags)})", expanded=bool(report.flags)):
        window = ui.highlighted(body, report, key="draft.view")
        ui.flag_list(report, window=window)
    actions = st.columns(5)
    current = ui.active_case_id()
    if actions[0].button("Open in Check", key="draft.to_check", icon=":material/fact_check:"):
        save_email()
        st.switch_page("app_pages/check.py",
                       query_params={"case": str(current)} if current is not None else None)
    title = str(state.get(_fkey("title")) or "recovery-email")
    actions[1].download_button("Download .md", to_markdown(subject, body),
                               file_name=safe_filename(title, "md"), mime="text/markdown",
                               key="draft.dl_md", on_click="ignore")
    actions[2].download_button("Download .txt", to_text(subject, body),
                               file_name=safe_filename(title, "txt"), mime="text/plain",
                               key="draft.dl_txt", on_click="ignore")
    actions[3].download_button("Download .eml", to_eml(subject, body),
                               file_name=safe_filename(title, "eml"), mime="message/rfc822",
                               key="draft.dl_eml", on_click="ignore")
    with actions[4].popover("Copy", icon=":material/content_copy:"):
        st.caption("Use the copy button at the top right of the box.")
        st.code(to_text(subject, body), language=None, wrap_lines=True)
