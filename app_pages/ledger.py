"""Ledger: every commitment made in an approved draft, by what needs attention first.

Overdue entries come first and stand out; then what is due this week, what is due later, and
what was done with its proof. Closing an entry asks for the proof (done) or the reason (missed,
dropped), and every change is kept in the entry's history. One case (``?case=N``) or all.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assistant import ui
from assistant.auth import gate
from assistant.errors import AmendsError
from assistant.identity import current_actor
from assistant.ledger.entries import CLOSING_STATUSES, check_closing, due_view
from assistant.ledger.export import to_csv, to_ics
from assistant.ledger_models import LedgerEntry

gate.page("ledger")
store = ui.store()
state = st.session_state
ALL = 0
STYLE = """<style>
[class*="st-key-ledger-overdue-"] { border-left: 6px solid #c62828 !important;
  background: #fdecea; }
[class*="st-key-ledger-done-"] { border-left: 6px solid #2e7d32 !important; }
</style>"""


def chose_case() -> None:
    """Selectbox callback: the URL follows the choice."""
    chosen = int(state.get("l.case", ALL))
    if chosen == ALL:
        if "case" in st.query_params:
            del st.query_params["case"]
    else:
        st.query_params["case"] = str(chosen)


def close(entry_id: int) -> None:
    """Button callback: close an entry with its proof (or reason); say what is missing."""
    status = str(state.get(f"l.status.{entry_id}", "done"))
    proof = str(state.get(f"l.proof.{entry_id}", ""))
    link = str(state.get(f"l.link.{entry_id}", ""))
    reason = str(state.get(f"l.reason.{entry_id}", ""))
    try:
        check_closing(status, proof, link, reason)
        entry = store.update_ledger_entry(entry_id, actor=current_actor(), status=status,
                                          proof=proof, proof_link=link, reason=reason)
    except AmendsError as err:
        state[f"l.error.{entry_id}"] = str(err)
    else:
        state["l.flash"] = f"#{entry.id} is {entry.status}."


def _when(entry: LedgerEntry, today: dt.date) -> str:
    days = (entry.due - today).days
    if entry.status == "open" and days < 0:
        return f"OVERDUE by {-days} day{'s' if days != -1 else ''}"
    if entry.status == "open":
        return "due today" if days == 0 else f"due in {days} day{'s' if days != 1 else ''}"
    return entry.status


def row(entry: LedgerEntry, today: dt.date, titles: dict[int, str], kind: str) -> None:
    """One entry: what, who, when, the checkpoint, its proof or a way to close it."""
    with st.container(border=True, key=f"ledger-{kind}-{entry.id}"):
        head = st.columns([6, 2])
        head[0].markdown(f"**#{entry.id} · {ui.md_escape(entry.action)}**")
        badge = _when(entry, today)
        if kind == "overdue":
            head[1].markdown(f":red-background[**{badge}**]")
        else:
            head[1].markdown(badge)
        st.caption(
            f"Owner: {ui.md_escape(entry.owner)} · due {entry.due:%a %d %b %Y} · "
            f"case #{entry.case_id} {ui.md_escape(titles.get(entry.case_id, ''))}"
        )
        if entry.checkpoint:
            st.markdown(f"Checkpoint they can see: {ui.md_escape(entry.checkpoint)}")
        if entry.proof or entry.proof_link:
            proof = " ".join(p for p in (entry.proof, entry.proof_link) if p)
            st.markdown(f"Proof: {ui.md_escape(proof)}")
        if entry.status == "open":
            with st.expander("Close this entry"):
                st.radio("Outcome", CLOSING_STATUSES, key=f"l.status.{entry.id}",
                         horizontal=True)
                st.text_area("Proof: what was done, and what they can see",
                             key=f"l.proof.{entry.id}", height=80)
                st.text_input("Link to the proof (optional)", key=f"l.link.{entry.id}")
                st.text_input("Reason (needed for missed or dropped)",
                              key=f"l.reason.{entry.id}")
                st.button("Save", key=f"l.close.{entry.id}", on_click=close, args=(entry.id,))
                # inside the expander, after the button: the layout above it never shifts, so
                # the expander stays open while the user fixes what the message names
                if error := state.pop(f"l.error.{entry.id}", None):
                    st.error(ui.md_escape(str(error)))
        with st.expander(f"History ({len(entry.history)})"):
            for event in entry.history:
                reason = f" — {ui.md_escape(event.reason)}" if event.reason else ""
                st.markdown(f"- {event.at:%Y-%m-%d %H:%M} · {ui.md_escape(event.actor)} · "
                            f"{ui.md_escape(event.change)}{reason}")


st.title("Ledger")
st.html(STYLE)
if flash := state.pop("l.flash", None):
    st.toast(str(flash))
cases = {c.id: c.title for c in store.list_cases()}
raw = st.query_params.get("case")
if raw and str(raw).isdigit() and int(raw) in cases:
    state["l.case"] = int(raw)
elif state.get("l.case") not in (ALL, *cases):
    state["l.case"] = ALL
choice = st.selectbox("Case", [ALL, *cases], key="l.case", on_change=chose_case,
                      format_func=lambda i: "All cases" if i == ALL else f"#{i} · {cases[i]}")
entries = store.ledger_entries(None if choice == ALL else int(choice))
if not entries:
    st.info("No commitments yet. Approve a draft in History and its commitments appear here.")
    st.stop()

today = dt.date.today()
view = due_view(entries, today, within=7)
metrics = st.columns(4)
metrics[0].metric("Overdue", len(view.overdue))
metrics[1].metric("Due this week", len(view.due_soon))
metrics[2].metric("Open later", len(view.later))
metrics[3].metric("Done", len(view.done))
downloads = st.columns(2)
downloads[0].download_button("Calendar (.ics)", to_ics(entries, cases), file_name="ledger.ics",
                             mime="text/calendar", key="l.ics", on_click="ignore")
downloads[1].download_button("Spreadsheet (.csv)", to_csv(entries, cases),
                             file_name="ledger.csv", mime="text/csv", key="l.csv",
                             on_click="ignore")

for heading, rows, kind in (
    ("Overdue", view.overdue, "overdue"),
    ("Due this week", view.due_soon, "soon"),
    ("Due later", view.later, "later"),
    ("Done, with proof", view.done, "done"),
    ("Missed or dropped", view.closed, "closed"),
):
    if rows:
        st.subheader(f"{heading} ({len(rows)})")
        for entry in rows:
            row(entry, today, cases, kind)
