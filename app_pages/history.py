"""History: every saved case and every version of its draft, with scores over time.

Reopen a case where it was left, duplicate it to try another approach, export it, or delete it.
The case shown is the one in the URL (``?case=N``), so a link or a refresh opens that case and
every button acts on the case on screen; choosing another case updates the URL.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from assistant import ui
from assistant.auth import gate
from assistant.documents import safe_filename, to_eml, to_markdown, to_text
from assistant.storage import CaseRecord

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
    state["h.flash"] = f"Deleted case #{case_id}."


st.title("History")
if flash := state.pop("h.flash", None):
    st.toast(str(flash))
cases = store.list_cases()
if not cases:
    st.info("Nothing saved yet. Cases appear here as soon as you type in Draft or Check.")
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
    st.checkbox("Yes, delete this case and all its versions", key=f"h.confirm.{case.id}")
    st.button("Delete permanently", key="h.delete", on_click=gate.guarded(delete), args=(case.id,))

if not versions:
    st.info("This case has facts but no draft yet. Reopen it to generate one.")
    with st.expander("Incident facts"):
        st.json(case.facts)
    st.stop()

if len(versions) > 1:
    st.markdown("**Scores over time**")
    chart: dict[str, list[Any]] = {"version": [f"v{v.number:03d}" for v in versions]}
    for name in ("overall", "defensive", "vague_promise", "self_orientation"):
        chart[name] = [v.scores.get(name) for v in versions]
    st.line_chart(chart, x="version",
                  y=["overall", "defensive", "vague_promise", "self_orientation"], height=220)
st.dataframe(
    [
        {
            "Version": v.number,
            "Saved": v.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "How": v.source,
            "Model": v.model,
            "Overall": v.scores.get("overall"),
            "Flags": v.scores.get("flags"),
            "Words": len(v.body.split()),
        }
        for v in reversed(versions)
    ],
    hide_index=True,
)

numbers = [v.number for v in versions]
chosen = st.selectbox("Show version", list(reversed(numbers)), key=f"h.version.{case.id}",
                      format_func=lambda n: f"v{n}")
version = next(v for v in versions if v.number == chosen)
report = ui.score_text(version.body)
if version.subject:
    st.caption(f"Subject: {ui.md_escape(version.subject)}")
ui.report_notes(report)
ui.highlighted(version.body, report, key=f"h.view.{case.id}")
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
