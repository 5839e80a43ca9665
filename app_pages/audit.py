"""Audit log: who created, edited, approved, sent or deleted which case and version, and every
sign-in and failed sign-in. Admins only; ids and names, never draft text. Export as CSV or JSON.
"""

from __future__ import annotations

import streamlit as st

from assistant import ui
from assistant.auth import audit, gate

user = gate.page("audit")
teams = None if user is None or user.operator else user.teams_with("admin")
rows = audit.events(ui.base_store(), teams)

st.title("Audit log")
st.caption("Every create, edit, approval, send, delete, sign-in and failed sign-in in your teams, "
           "oldest first. Append-only: nothing here can be edited or removed.")
if not rows:
    st.info("Nothing recorded yet.")
    st.stop()
actions = sorted({row.action for row in rows})
chosen = st.multiselect("Actions", actions, default=actions, key="audit.actions")
shown = [row for row in rows if row.action in chosen]
st.dataframe([{**row.model_dump(), "at": row.at.strftime("%Y-%m-%d %H:%M:%S")} for row in shown],
             hide_index=True)
left, right = st.columns(2)
left.download_button("Export CSV", audit.export(shown, "csv"), file_name="amends-audit.csv",
                     mime="text/csv", key="audit.csv", on_click="ignore")
right.download_button("Export JSON", audit.export(shown, "json"), file_name="amends-audit.json",
                      mime="application/json", key="audit.json", on_click="ignore")
