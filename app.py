"""Amends: the Streamlit app. Run ``streamlit run app.py``; it works offline on embedded defaults.

This file only builds the navigation; each page lives in ``pages/`` and the logic in ``assistant``.
"""

from __future__ import annotations

import streamlit as st

from assistant.ui import current_model, load_secret_keys, md_escape

st.set_page_config(page_title="Amends", page_icon=":material/handshake:", layout="wide")
load_secret_keys()

pages = {
    "Write": [
        st.Page("pages/draft.py", title="Draft", icon=":material/edit_note:", default=True),
        st.Page("pages/check.py", title="Check", icon=":material/fact_check:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    ],
    "Learn and keep": [
        st.Page("pages/examples.py", title="Examples", icon=":material/school:"),
        st.Page("pages/history.py", title="History", icon=":material/history:"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
}
page = st.navigation(pages)
with st.sidebar:
    st.caption(f"Model: {md_escape(current_model())} · change it in Settings")
page.run()
