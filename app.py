"""Amends: the Streamlit app. Run ``streamlit run app.py``; it works offline on embedded defaults.

This file only builds the navigation; each page lives in ``app_pages/`` and the logic in
``assistant``. The folder is not called ``pages/``: Streamlit auto-discovers a ``pages/`` folder
beside the main script and, on the first request after start, a deep link (``/draft?case=3``)
would get that folder's navigation instead of this one. Everything the page loads ships here
(the favicon is a file, not a Material icon fetched from a font CDN), so the app works offline.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant import ui
from assistant.auth import gate

ICON = Path(__file__).resolve().parent / "app_assets" / "icon.png"

st.set_page_config(page_title="Amends", page_icon=str(ICON), layout="wide")
ui.load_secret_keys()
user = gate.sign_in()  # mode none: returns None at once; otherwise signed in or stopped
ui.sync_settings_with_url()

pages = {
    "Write": [
        st.Page("app_pages/draft.py", title="Draft", icon=":material/edit_note:", default=True),
        st.Page("app_pages/check.py", title="Check", icon=":material/fact_check:"),
        st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:"),
    ],
    "Learn and keep": [
        st.Page("app_pages/examples.py", title="Examples", icon=":material/school:"),
        st.Page("app_pages/history.py", title="History", icon=":material/history:"),
        st.Page("app_pages/ledger.py", title="Ledger", icon=":material/checklist:"),
        st.Page("app_pages/pulse.py", title="Pulse", icon=":material/monitor_heart:"),
        st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
}
if user is not None:  # team modes; the page itself refuses anyone but an admin
    pages["Learn and keep"].append(
        st.Page("app_pages/audit.py", title="Audit log", icon=":material/policy:")
    )
page = st.navigation(pages)
with st.sidebar:
    st.caption(f"Model: {ui.md_escape(ui.current_model())} · change it in Settings")
    ui.install_autosave()
page.run()
