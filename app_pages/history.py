"""History: every saved case and every version of its draft, with scores and review status.

Reopen a case where it was left, duplicate it to try another approach, export it, or delete it
(restorable for 30 days). A version is sent for review, approved (its commitments confirmed
into the ledger) and marked sent here; the status trail sits beside the versions.
The case shown is the one in the URL (``?case=N``), so a link or a refresh opens that case and
every button acts on the case on screen; choosing another case updates the URL.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from assistant import review_panel, ui
from assistant.auth import gate
from assistant.documents import safe_filename, to_eml, to_markdown, to_text
from assistant.net_verdict import failure_line, net_of, status_label
from assistant.storage import RESTORE_DAYS, CaseRecord

gate.page("history")

store = ui.store()
state = st.session_state


def _label(case: CaseRecord) -> str:
    score = case.latest.scores.get("overall", "–") if case.latest else "–"
    return (f"#{case.id} · {case.title[:70]} · {case.kind} · {case.version_count} version(s) · "
            f"score {score} · {case.updated_at:%Y-%m-%d %H:%M}")


def url_case() -> int | None:
    """The case named in the URL, if it is a number."""
    raw = st.query_params.get("case")
    return int(raw) if raw and str(raw).isdigit() else None


def show_case(case_id: int) -> None:
    """Select a case here and name it in the URL (a refresh or a shared link shows it again)."""
    state["h.case"] = case_id
    if url_case() != case_id:
        st.query_params["case"] = str(case_id)


def chose_case() -> None:
    """Selectbox callback: the URL follows the choice."""
    if isinstance(state.get("h.case"), int):
        show_case(int(state["h.case"]))


def duplicate(case_id: int) -> None:
    """Button callback: copy the case and select the copy."""
    copy = store.duplicate_case(case_id)
    show_case(copy.id)
    state["h.flash"] = f"Duplicated as case #{copy.id}."


def delete(case_id: int) -> None:
    """Button callback: delete after the confirmation box was ticked."""
    if not state.get(f"h.confirm.{case_id}"):
        state["h.flash"] = "Tick the confirmation box first."
        return
    store.delete_case(case_id)
    if state.get("active_case") == case_id:
        ui.set_active_case(None)
    state.pop("h.case", None)
    if url_case() == case_id:
        del st.query_params["case"]
    state["h.flash"] = f"Deleted case #{case_id}; restore it below within {RESTORE_DAYS} days."


def restore(case_id: int) -> None:
    """Button callback: bring a deleted case back and show it."""
    store.restore_case(case_id)
    show_case(case_id)
    state["h.flash"] = f"Restored case #{case_id}."


def deleted_list() -> None:
    """Cases deleted in the last 30 days, each with a Restore button."""
    deleted = store.deleted_cases()
    if not deleted:
        return
    with st.expander(f"Recently deleted ({len(deleted)}), restorable for {RESTORE_DAYS} days"):
        for gone in deleted:
            until = gone.restorable_until()
            row = st.columns([5, 1])
            row[0].markdown(f"#{gone.id} · {ui.md_escape(gone.title)} · until "
                            f"{until:%Y-%m-%d}" if until else ui.md_escape(gone.title))
            row[1].button("Restore", key=f"h.restore.{gone.id}", on_click=restore,
                          args=(gone.id,))


st.title("History")
if flash := state.pop("h.flash", None):
    st.toast(str(flash))
cases = store.list_cases()
if not cases:
    st.info("Nothing saved yet. Cases appear here as soon as you type in Draft or Check.")
    deleted_list()
    st.stop()

query = st.text_input("Search titles", key="h.search", placeholder="e.g. outage")
if query.strip():
    cases = [c for c in cases if query.strip().lower() in c.title.lower()]
st.dataframe(
    [
        {
            "Case": c.id,
            "Title": c.title,
            "Kind": c.kind,
            "Versions": c.version_count,
            "Latest score": c.latest.scores.get("overall") if c.latest else None,
            "Updated": c.updated_at.strftime("%Y-%m-%d %H:%M"),
        }
        for c in cases
    ],
    hide_index=True,
)
ids = [c.id for c in cases]
if not ids:
    st.info("No case matches that search.")
    st.stop()
linked = url_case()
if linked in ids:
    state["h.case"] = linked  # the URL wins: a link, a refresh, or a case reopened elsewhere
elif state.get("h.case") not in ids:
    active = state.get("active_case")
    state["h.case"] = active if active in ids else ids[0]
if linked != state["h.case"]:
    show_case(int(state["h.case"]))
by_id = {c.id: c for c in cases}
case_id = st.selectbox("Case", ids, key="h.case", format_func=lambda i: _label(by_id[i]),
                       on_change=chose_case)
case = store.get_case(int(case_id))
versions = store.versions(case.id)

st.subheader(ui.md_escape(case.title))
buttons = st.columns(4)
if buttons[0].button("Reopen", key="h.reopen", type="primary", icon=":material/open_in_new:"):
    ui.set_active_case(case.id)
    target = "app_pages/check.py" if case.kind == "check" else "app_pages/draft.py"
    st.switch_page(target, query_params={"case": str(case.id)})
buttons[1].button("Duplicate", key="h.duplicate", on_click=gate.guarded(duplicate),
                  args=(case.id,),
                  icon=":material/content_copy:")
buttons[2].download_button(
    "Export case (.json)",
    json.dumps(store.export_case(case.id), indent=2, ensure_ascii=False),
    file_name=safe_filename(case.title, "json"),
    mime="application/json",
    key="h.export_json",
    on_click="ignore",
)
with buttons[3].popover("Delete", icon=":material/delete:"):
    st.caption(f"Deleted cases can be restored here for {RESTORE_DAYS} days, then are removed.")
    st.checkbox("Yes, delete this case and all its versions", key=f"h.confirm.{case.id}")
    st.button("Delete", key="h.delete", on_click=gate.guarded(delete), args=(case.id,))

if not versions:
    st.info("This case has facts but no draft yet. Reopen it to generate one.")
    with st.expander("Incident facts"):
        st.json(case.facts)
    deleted_list()
    st.stop()

if len(versions) > 1:
    st.markdown("**Scores over time**")
    chart: dict[str, list[Any]] = {"version": [f"v{v.number:03d}" for v in versions]}
    for name in ("overall", "defensive", "vague_promise", "self_orientation"):
        chart[name] = [v.scores.get(name) for v in versions]
    st.line_chart(chart, x="version",
                  y=["overall", "defensive", "vague_promise", "self_orientation"], height=220)
tables = st.columns([3, 2])
tables[0].markdown("**Versions**")
tables[0].dataframe(
    [
        {
            "Version": v.number,
            "Status": review_panel.status_label(v.status),
            "Saved": v.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "How": v.source,
            "Net": status_label(v.scores),
            "Model": v.model,
            "Overall": v.scores.get("overall"),
            "Flags": v.scores.get("flags"),
            "Words": len(v.body.split()),
        }
        for v in reversed(versions)
    ],
    hide_index=True,
    key="h.versions",
)
tables[1].markdown("**Status trail**")
trail = store.review_trail(case.id)
if trail:
    tables[1].dataframe(review_panel.trail_rows(trail), hide_index=True, key="h.trail")
else:
    tables[1].caption("No version has been sent for review yet.")

numbers = [v.number for v in versions]
chosen = st.selectbox("Show version", list(reversed(numbers)), key=f"h.version.{case.id}",
                      format_func=lambda n: f"v{n}")
version = next(v for v in versions if v.number == chosen)
report = ui.score_text(version.body)
if (net := net_of(version.scores)) is not None and not net.get("passed"):
    st.error(f"v{version.number} was rejected by the validation net:\n\n"
             + "\n".join(f"- {ui.md_escape(failure_line(f))}" for f in net.get("failures", [])))
if version.subject:
    st.caption(f"Subject: {ui.md_escape(version.subject)}")
ui.report_notes(report)
ui.highlighted(version.body, report, key=f"h.view.{case.id}")
with st.container(border=True, key="h-review"):
    review_panel.panel(case, version, report)
exports = st.columns(4)
stem = f"{case.title} v{version.number}"
exports[0].download_button("Download .md", to_markdown(version.subject, version.body),
                           file_name=safe_filename(stem, "md"), mime="text/markdown",
                           key="h.dl_md", on_click="ignore")
exports[1].download_button("Download .txt", to_text(version.subject, version.body),
                           file_name=safe_filename(stem, "txt"), mime="text/plain",
                           key="h.dl_txt", on_click="ignore")
exports[2].download_button("Download .eml", to_eml(version.subject, version.body),
                           file_name=safe_filename(stem, "eml"), mime="message/rfc822",
                           key="h.dl_eml", on_click="ignore")
with exports[3].popover("Copy", icon=":material/content_copy:"):
    st.code(to_text(version.subject, version.body), language=None, wrap_lines=True)
with st.expander("Incident facts"):
    st.json(case.facts)
deleted_list()
