"""Check: paste or upload a draft and see it scored on every edit, flags highlighted and explained.

Each edit is saved as a version of the active case (a new "check" case when none is open), so the
text survives a refresh. Revise rewrites only the flagged sentences and waits for accept/reject.
"""

from __future__ import annotations

import streamlit as st

from assistant import ui, ui_audiences
from assistant.auth import gate
from assistant.drafting import Revision, revise
from assistant.drafting.models import Incident
from assistant.errors import InputError
from assistant.forms import check_incident
from assistant.highlight import diff_html
from assistant.textinput import MAX_INPUT_BYTES, UPLOAD_TYPES, read_upload

gate.page("check")

store = ui.store()
state = st.session_state


def _ensure_case() -> int:
    case_id = ui.active_case_id()
    if case_id is None:
        text = str(state.get("c.text", ""))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        greeting = ("dear ", "hi ", "hello ", "to ")
        first = next((ln for ln in lines if not ln.lower().startswith(greeting)), "")
        title = str(state.get("c.subject") or "") or f"Checked draft: {first[:60]}"
        case_id = store.create_case(title, kind="check").id
        ui.set_active_case(case_id)
        state["check.loaded_case"] = case_id
    return case_id


@gate.guarded
def save_text(source: str = "edited") -> None:
    """Widget callback: the text as it is now becomes a version (identical text is not repeated;
    edits typed within a minute of the last one update it). Over-limit text is not saved."""
    text = str(state.get("c.text", ""))
    state.pop("c.revision", None)
    if source == "edited":
        state.pop("c.upload_error", None)  # the message was about the upload, not this text
    if text.strip() and ui.input_problem(text) is None:
        store.add_version(_ensure_case(), text, source=source,
                          subject=str(state.get("c.subject", "")), report=ui.score_text(text),
                          merge_within=ui.EDIT_MERGE_SECONDS)


@gate.guarded
def on_upload() -> None:
    """Uploader callback: read the file safely; bad files give a message, never a crash."""
    state.pop("c.upload_error", None)
    uploaded = state.get("c.upload")
    if uploaded is None:
        return
    try:
        document = read_upload(uploaded.name, uploaded.getvalue())
    except InputError as exc:
        state["c.upload_error"] = str(exc)
        return
    state["c.text"] = document.body
    if document.subject:
        state["c.subject"] = document.subject
    save_text("uploaded")


def new_check() -> None:
    """Button callback: an empty check not bound to any case."""
    for key in ("c.text", "c.subject", "c.revision", "c.upload_error"):
        state.pop(key, None)
    ui.set_active_case(None)
    state["check.loaded_case"] = None


def case_incident(case_id: int | None) -> Incident | None:
    """The open case's incident facts, when it has valid ones, so revisions stay grounded."""
    found = store.find_case(case_id) if case_id is not None else None
    if found is None or not found.facts:
        return None
    incident, _ = check_incident(found.facts)
    return incident


def accept_revision() -> None:
    """Button callback: take the revised text and save it as a version."""
    revision = state.get("c.revision")
    if isinstance(revision, Revision):
        state["c.text"] = revision.revised
        save_text("revised")
    state.pop("c.revision", None)


def reject_revision() -> None:
    """Button callback: keep the text as it was."""
    state.pop("c.revision", None)


# --- load ----------------------------------------------------------------------------------------

incoming = state.pop("check.incoming", None)
if isinstance(incoming, dict):
    ui.set_active_case(None)
    state["check.loaded_case"] = None
    state["c.text"] = str(incoming.get("body", ""))
    state["c.subject"] = str(incoming.get("subject", ""))
    state.pop("c.revision", None)

case_id = ui.active_case_id()
if case_id is not None and (state.get("check.loaded_case") != case_id or "c.text" not in state):
    case = store.get_case(case_id)
    state["check.loaded_case"] = case_id
    state["c.text"] = case.latest.body if case.latest else ""
    state["c.subject"] = case.latest.subject if case.latest else ""
    state.pop("c.revision", None)
state.setdefault("c.text", "")
state.setdefault("c.subject", "")

# --- page ----------------------------------------------------------------------------------------

st.title("Check a draft")
head = st.columns([4, 1])
with head[0]:
    if case_id is not None:
        case = store.get_case(case_id)
        st.caption(f"Case #{case.id}: {ui.md_escape(case.title)} · every edit is saved as a "
                   "version")
    else:
        st.caption("Paste a draft or upload a .txt, .md or .eml file. It is saved as you edit.")
head[1].button("New check", key="check.new", on_click=new_check, icon=":material/add:")

# The uploader takes up to the server's 10 MB so that anything over the 1 MB input limit gets
# the same message as the CLI gives, not the uploader's own.
st.file_uploader("Upload a draft", type=list(UPLOAD_TYPES), key="c.upload", max_upload_size=10,
                 on_change=on_upload,
                 help=f"Plain text, Markdown or a saved email, up to "
                 f"{MAX_INPUT_BYTES // 1_048_576} MB (the same limit as `amends check`).")
if state.get("c.upload_error"):
    st.error(ui.md_escape(str(state["c.upload_error"])))

with st.container(key="autosave-check"):
    st.text_input("Subject (optional)", key="c.subject", on_change=save_text, live=ui.LIVE_PAUSE)
    st.text_area("Draft", key="c.text", height=300, on_change=save_text,
                 placeholder="Paste the email here…",
                 help="Saved and re-scored as you type (after a short pause).")

text = str(state.get("c.text", ""))
if not text.strip():
    st.info("Paste or upload a draft to see its flags, scores and EARN coverage.")
    st.stop()
if (problem := ui.input_problem(text)) is not None:
    st.error(ui.md_escape(problem))
    st.stop()

report = ui.score_text(text)
ui.full_report(text, report, key="check")
ui_audiences.components_checklist(report)  # apology components (assistant/ui_audiences.py)

st.subheader("Revise the flagged sentences")
model = ui.current_model()
flagged = len({flag.sentence for flag in report.flags})
incident = case_incident(case_id)
grounded = " against this case's incident facts" if incident is not None else ""
st.caption(f"Rewrites only the {flagged} flagged sentence(s) with {ui.md_escape(model)}"
           f"{grounded}; a rewrite is used only when it keeps every fact and scores better. "
           "You see a diff and choose whether to keep it.")
if st.button("Revise flagged sentences", key="check.revise", disabled=not report.flags,
             icon=":material/auto_fix_high:"):
    save_text()
    with st.spinner("Revising…"):
        try:
            state["c.revision"] = revise(text, report, model=model, incident=incident,
                                         rubric_set=ui.rubric_set())
        except Exception as exc:
            ui.show_error(exc, "Revising")

revision = state.get("c.revision")
if isinstance(revision, Revision) and revision.original == text:
    if revision.revised == revision.original:
        st.info("The reviser found nothing it could safely change.")
    else:
        st.html(diff_html(revision.original, revision.revised))
        after = ui.score_text(revision.revised)
        st.caption(f"Overall score {report.scores.overall} → {after.scores.overall}; flags "
                   f"{len(report.flags)} → {len(after.flags)}")
        choice = st.columns([1, 1, 5])
        choice[0].button("Accept", key="check.accept", on_click=accept_revision, type="primary")
        choice[1].button("Reject", key="check.reject", on_click=reject_revision)
    if revision.notes:
        with st.expander(f"Left as written ({len(revision.notes)})"):
            for note in revision.notes:
                st.caption(ui.md_escape(note))
