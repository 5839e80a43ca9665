"""Draft: incident facts in, the four EARN parts side by side, the composed email out.

Every field is saved to the database as it is typed (after a short pause, not only on Enter or
leaving the box) and again before any model call, so a refresh, a closed tab or a failed model
call loses nothing. The URL carries the case id. Compose and Generate never replace an email the
user edited by hand without asking first. Model calls run in a background job the user can
cancel (``assistant.background``); the validation net's verdict is shown and kept with each
generated version. The widget state codec and the checks live in ``assistant.draft_state``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import streamlit as st

from assistant import background, ui, ui_audiences
from assistant import draft_state as ds
from assistant.auth import gate
from assistant.background import Job
from assistant.documents import safe_filename, to_eml, to_markdown, to_text
from assistant.drafting import compose, draft, generate_part, review_form
from assistant.drafting.models import ALL_PARTS, Incident, PartName
from assistant.errors import ConflictError
from assistant.forms import (
    ACTION_FIELDS,
    ACTION_LABELS,
    CHANNELS,
    DEFAULTS,
    FIELD_LABELS,
    LINE_FIELDS,
    PART_FIELDS,
    PART_HELP,
    PART_TITLES,
    RELATIONSHIPS,
    TONES,
    carry_expose_edits,
    finding_label,
    form_from_incident,
    part_action_label,
    part_field_label,
)
from assistant.gallery import load_gallery
from assistant.net_verdict import version_scores
from assistant.settings import OFFLINE_MODEL
from assistant.ui_jobs import watch
from assistant.ui_net import show_verdict

gate.page("draft")

store = ui.store()
state = st.session_state
JOB = "draft.job"  # the running generation, if any (an assistant.background.Job)


# --- saving --------------------------------------------------------------------------------------


def _ensure_case() -> int:
    case_id = ui.active_case_id()
    if case_id is None:
        form = ds.facts_form(state)
        created = store.create_case(str(form.get("title") or ""), form, kind="draft")
        case_id = created.id
        ui.set_active_case(case_id)
        state["draft.loaded_case"] = case_id
        state["draft.revision"] = created.revision
    return case_id


def _save_case(case_id: int, **fields: Any) -> None:
    """Save from the revision this session read. If someone else saved the case since, nothing
    is written: the page says so and keeps this session's text on screen until the user picks
    (the conflict buttons below)."""
    try:
        state["draft.revision"] = store.update_case(
            case_id, expected_revision=state.get("draft.revision"), **fields
        )
    except ConflictError as exc:
        state["draft.conflict"] = {"case": case_id, "revision": exc.revision, "message": str(exc)}


@gate.guarded
def save_facts() -> None:
    """Widget callback: save every fact as typed (valid or not)."""
    form = ds.facts_form(state)
    _save_case(_ensure_case(), title=str(form.get("title") or ""), facts=form)


@gate.guarded
def save_parts(carry: bool = True) -> None:
    """Widget callback: save the parts as edited; an edit of Expose's "what happened" or "why"
    is carried into its statement, which is what the email is composed from."""
    case_id = _ensure_case()
    forms = ds.parts_form(state)
    saved = store.get_case(case_id).parts.get("expose") or {}
    if carry and "expose" in forms and saved:
        statement = carry_expose_edits(saved, forms["expose"])
        if statement != forms["expose"].get("statement"):
            state["p.expose.statement"] = statement
            forms["expose"]["statement"] = statement
    _save_case(case_id, parts={str(k): v for k, v in forms.items()})


def save_mine_over_theirs() -> None:
    """Conflict button: the user read theirs' revision number and chose to save over it."""
    conflict = state.pop("draft.conflict", None) or {}
    state["draft.revision"] = conflict.get("revision")
    save_facts()
    save_parts(carry=False)


def save_mine_as_new_case() -> None:
    """Conflict button: keep both: this session's text becomes a case of its own."""
    state.pop("draft.conflict", None)
    form = ds.facts_form(state)
    parts = {str(k): v for k, v in ds.parts_form(state).items()}
    title = f"{form.get('title') or 'Untitled'} (my version)"
    created = store.create_case(title, form, kind="draft", parts=parts)
    body, subject = str(state.get("d.body", "")), str(state.get("d.subject", ""))
    if body.strip():
        store.add_version(created.id, body, source="edited", subject=subject,
                          model=ui.current_model())
    ui.set_active_case(created.id)
    state["draft.loaded_case"] = created.id
    state["draft.revision"] = created.revision


def load_theirs() -> None:
    """Conflict button: drop this session's unsaved text and show the saved case."""
    ds.clear(state)


@gate.guarded
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
    """Whether the email on screen holds edits of the user's own that Compose would replace."""
    case_id = ui.active_case_id()
    versions = store.versions(case_id) if case_id else []
    made = [v.body for v in versions if v.source in ds.MACHINE_SOURCES]
    return ds.hand_edited(str(state.get("d.body", "")), made)


# --- callbacks -----------------------------------------------------------------------------------


def confirm_replace(action: str) -> None:
    """Button callback: the user agreed that ``action`` may replace their edited email."""
    state["draft.confirmed"] = action


def cancel_replace() -> None:
    """Button callback: keep the edited email; nothing is generated."""
    state.pop("draft.asking", None)


def add_action_row() -> None:
    """Button callback: one more approved-action row."""
    ds.add_row(state)


def remove_action_row() -> None:
    """Button callback: drop the last approved-action row and save."""
    if ds.remove_row(state):
        save_facts()


def cancel_job() -> None:
    """Button callback: stop waiting for the running generation; its result is never saved."""
    job = state.pop(JOB, None)
    if isinstance(job, Job):
        job.cancel()
        state["draft.cancelled"] = job.label


def new_case() -> None:
    """Button callback: start from an empty form (the current case stays in History)."""
    cancel_job()
    ds.clear(state)
    ui.set_active_case(None)


def load_example_facts() -> None:
    """Button callback: a new case prefilled with a gallery example's incident."""
    chosen = state.get("draft.example")
    for example in load_gallery():
        if example.title == chosen:
            cancel_job()
            facts = form_from_incident(example.incident)
            ds.clear(state)
            case = store.create_case(f"{example.incident.get('title', example.title)}", facts)
            ui.set_active_case(case.id)
            return


# --- checks before a model call ------------------------------------------------------------------


def _incident() -> Incident | None:
    incident, problems = ds.incident(state)
    if problems:
        st.error(ds.problem_list(ds.INCIDENT_HEADING, problems, ui.md_escape))
    return incident


def _valid_parts() -> dict[PartName, Any] | None:
    parts, problems = ds.valid_parts(state)
    if problems == [ds.NO_PARTS]:
        st.info(ds.NO_PARTS)
    elif problems:
        st.error(ds.problem_list(ds.PARTS_HEADING, problems, ui.md_escape))
    return parts


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


# --- generations as background jobs --------------------------------------------------------------


def _drafting(incident: Incident, model: str) -> Callable[[Job], Any]:
    """The work of Generate: every part and the email, progress and streamed text to the job."""
    return lambda job: draft(incident, model=model, on_progress=job.on_progress,
                             on_text=None if model == OFFLINE_MODEL else job.on_text)


def _generating(name: PartName, incident: Incident, model: str) -> Callable[[Job], Any]:
    """The work of one part's Re-generate."""
    return lambda job: generate_part(name, incident, model=model)


def _composing(
    incident: Incident, parts: dict[PartName, Any], model: str
) -> Callable[[Job], Any]:
    """The work of Compose: the email from the parts as edited, streamed to the job."""
    return lambda job: compose(incident, parts, model=model,
                               on_text=None if model == OFFLINE_MODEL else job.on_text)


def _start(kind: str, label: str, work: Callable[[Job], Any], **args: Any) -> None:
    """Start a model call in the background (the watcher below shows it and can cancel it)."""
    state[JOB] = background.start(kind, label, work, case_id=_ensure_case(), **args)


def _finish(job: Job) -> None:
    """Apply a finished job's result to the form and save it (a cancelled job never gets here)."""
    if job.error is not None:
        ui.show_error(job.error, str(job.args.get("doing", job.label)))
        return
    result = job.result
    case_id = int(job.args["case_id"])
    if job.kind == "part":
        name: PartName = job.args["part"]
        ds.fill_part(state, name, result.model_dump(mode="json"), force=True)
        save_parts()
        return
    if job.kind == "generate":
        ds.apply_draft(state, result.parts(), result.subject, result.body)
        save_parts(carry=False)
    else:
        ds.fill_email(state, result.subject, result.body, force=True)
    store.add_version(case_id, result.body, source="generated" if job.kind == "generate"
                      else "composed", subject=result.subject, model=result.model,
                      scores=version_scores(ui.score_text(result.body), result))
    ready = result.status == "ready"
    with st.status("Draft ready" if ready else "Draft written, but rejected by the validation net",
                   state="complete" if ready else "error", expanded=not ready):
        for note in result.notes:
            st.write(ui.md_escape(note))


def _run_jobs() -> None:
    """Show a running job until it ends (a rerun, e.g. a Cancel click, stops the wait), then
    apply it; say so when the last one was cancelled."""
    found = state.get(JOB)
    job = found if isinstance(found, Job) else None
    if job is not None and not job.done:
        watch(job, cancel_key="draft.cancel", on_cancel=cancel_job)
    if job is not None and job.done and not job.cancelled and state.get(JOB) is found:
        state.pop(JOB, None)
        _finish(job)
    cancelled = state.pop("draft.cancelled", None)
    if cancelled:
        st.warning(f"{ui.md_escape(str(cancelled))} was cancelled. Your facts are saved; nothing "
                   "half-written was saved as a draft.", icon=":material/cancel:")


def _busy() -> bool:
    job = state.get(JOB)
    return isinstance(job, Job) and not job.done


# --- load the case -------------------------------------------------------------------------------

incoming = state.pop("draft.incoming_facts", None)
if isinstance(incoming, dict):
    ds.clear(state)
    created = store.create_case(str(incoming.get("title") or ""), incoming)
    ui.set_active_case(created.id)

case_id = ui.active_case_id()
case = store.find_case(case_id) if case_id is not None else None
force = case is not None and state.get("draft.loaded_case") != case.id
if force:
    ds.clear(state)
if case is not None:
    state["draft.loaded_case"] = case.id
    if force:
        state["draft.revision"] = case.revision
latest = case.latest if case else None
ds.load_case(state, case.facts if case else {}, case.parts if case else {},
             (latest.subject, latest.body) if latest else ("", ""), force=force)

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

conflict = state.get("draft.conflict")
if isinstance(conflict, dict) and case is not None and conflict.get("case") == case.id:
    st.warning(ui.md_escape(str(conflict.get("message", ""))) + ". Your text is still on this"
               " page and has not been saved: choose what to keep.", icon=":material/group:")
    choice = st.columns(3)
    choice[0].button("Save mine over theirs", key="draft.conflict.mine",
                     on_click=save_mine_over_theirs)
    choice[1].button("Save mine as a new case", key="draft.conflict.copy",
                     on_click=save_mine_as_new_case)
    choice[2].button("Discard mine and load theirs", key="draft.conflict.theirs",
                     on_click=load_theirs)

st.subheader("1. The incident")


def _field(name: str, kind: str = "input", **kwargs: Any) -> None:
    label, help_text = FIELD_LABELS[name]
    key = ds.fact_key(name)
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
                key = ds.row_key(prefix, index, field)
                if field == "due":
                    st.date_input(label, key=key, on_change=on_change)
                else:
                    st.text_input(label, key=key, on_change=on_change, live=ui.LIVE_PAUSE)
            continue
        cols = st.columns([4, 2, 2, 4])
        for col, field in zip(cols, ACTION_FIELDS, strict=True):
            label, help_text = ACTION_LABELS[field]
            key = ds.row_key(prefix, index, field)
            vis: Literal["visible", "collapsed"] = "visible" if index == 0 else "collapsed"
            if field == "due":
                col.date_input(label, key=key, help=help_text, on_change=on_change,
                               label_visibility=vis)
            else:
                col.text_input(label, key=key, help=help_text, on_change=on_change,
                               label_visibility=vis, live=ui.LIVE_PAUSE)


st.markdown("**Approved actions** (the only commitments the draft may make)")
_action_rows(*ds.FACT_ROWS, save_facts)
rows = st.columns([1, 1, 6])
rows[0].button("Add action", key="draft.add_action", on_click=add_action_row)
rows[1].button("Remove last", key="draft.remove_action", on_click=remove_action_row)

for finding in review_form(ds.facts_form(state)):
    # Facts are reviewed as typed: what will be kept out of every draft, and why.
    where = finding_label(finding.field)
    quoted = ui.md_escape(finding.text[:160])
    words = f"**{ui.md_escape(where)}**: {ui.md_escape(finding.message)}: “{quoted}”"
    if finding.withheld:
        st.warning(words + " (kept out of the draft)", icon=":material/block:")
    else:
        st.info(words, icon=":material/info:")

# --- audiences hook: crisis posture (assistant/ui_audiences.py) ---
ui_audiences.posture_panel(ds.incident(state)[0], save_facts)

st.subheader("2. The EARN parts")
model = ui.current_model()
st.caption(f"Model: {ui.md_escape(model)}. Each part is editable; re-generate one without "
           "touching the others.")
generate = st.button("Generate all four parts and the email", key="draft.generate",
                     type="primary", icon=":material/auto_awesome:", disabled=_busy())
if generate or state.get("draft.confirmed") == "generate":
    save_facts()  # saved before anything risky runs
    incident = _incident()
    if incident is not None and _may_replace_email("generate"):
        _start("generate", f"Drafting with {model}", _drafting(incident, model),
               doing="Drafting")
for part_name in ALL_PARTS:
    if state.get(f"draft.regen.{part_name}") and not _busy():
        save_facts()
        incident = _incident()
        if incident is not None:
            _start("part", f"Generating {PART_TITLES[part_name]}",
                   _generating(part_name, incident, model), part=part_name)
compose_now = state.get("draft.compose") or state.get("draft.confirmed") == "compose"
if compose_now and not _busy():
    save_facts()
    save_parts()
    incident = _incident()
    valid = _valid_parts() if incident is not None else None
    if incident is not None and valid is not None and _may_replace_email("compose"):
        _start("compose", "Composing", _composing(incident, valid, model))
_run_jobs()
_ask_before_replacing("generate")

columns = st.container(key="autosave-parts").columns(4)
for part_name, column in zip(ALL_PARTS, columns, strict=True):
    with column:
        st.markdown(f"#### {PART_TITLES[part_name]}")
        st.caption(PART_HELP[part_name])
        st.button("Re-generate", key=f"draft.regen.{part_name}", icon=":material/refresh:",
                  disabled=_busy())
        for field in PART_FIELDS[part_name]:
            label = part_field_label(part_name, field)
            if field == "actions":
                _action_rows(*ds.PART_ROWS, save_parts, compact=True)
            elif field in LINE_FIELDS:
                st.text_area(label, key=f"p.{part_name}.{field}", on_change=save_parts,
                             height=140)
            else:
                st.text_area(label, key=f"p.{part_name}.{field}", on_change=save_parts,
                             height=120 if field == "statement" else 80)

st.subheader("3. The email")
st.button("Compose the email from these parts", key="draft.compose",
          icon=":material/merge_type:", disabled=_busy())
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
    shown = ui.active_case_id()
    saved = store.versions(shown) if shown is not None else []
    same = [v for v in saved if v.body == body]
    if same:
        show_verdict(same[-1].scores, body)
    report = ui.score_text(body)
    ui.report_notes(report)
    ui.score_metrics(report)
    ui.detector_caption(report)
    with st.expander(f"Flags in this draft ({len(report.flags)})", expanded=bool(report.flags)):
        window = ui.highlighted(body, report, key="draft.view")
        ui.flag_list(report, window=window)
    actions = st.columns(5)
    if actions[0].button("Open in Check", key="draft.to_check", icon=":material/fact_check:"):
        save_email()
        st.switch_page("app_pages/check.py",
                       query_params={"case": str(shown)} if shown is not None else None)
    title = str(state.get(ds.fact_key("title")) or "recovery-email")
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

# --- audiences hook: apology components and every audience (assistant/ui_audiences.py) ---
if body.strip() and ui.input_problem(body, "the email") is None:
    ui_audiences.components_checklist(ui.score_text(body))
ui_audiences.audience_section(_incident, model)
