"""Examples: a trainer's gallery of incidents, each with a poor and a good recovery email.

Every flag is explained; the category filter narrows both the examples and their flags. Any
example opens in Compare (poor vs good), in Check, or as a new case in Draft.
"""

from __future__ import annotations

import streamlit as st

from assistant import ui
from assistant.auth import gate
from assistant.forms import form_from_incident
from assistant.gallery import GalleryExample, load_gallery
from assistant.highlight import category_label
from assistant.models import CORE_CATEGORIES

gate.page("examples")

state = st.session_state


def open_compare(example: GalleryExample) -> None:
    """Send the poor and the good email to Compare."""
    state["compare.incoming"] = {
        "left": example.poor.body,
        "right": example.good.body,
        "left_label": "Poor",
        "right_label": "Good",
    }
    st.switch_page("app_pages/compare.py")


def open_check(example: GalleryExample, which: str) -> None:
    """Send one of the emails to Check."""
    email = example.poor if which == "poor" else example.good
    state["check.incoming"] = {"subject": email.subject, "body": email.body}
    st.switch_page("app_pages/check.py")


def open_draft(example: GalleryExample) -> None:
    """Start a new case in Draft from the example's incident facts."""
    state["draft.incoming_facts"] = form_from_incident(example.incident)
    st.switch_page("app_pages/draft.py")


st.title("Examples for trainers")
st.caption("Realistic incidents, each with a poor and a good recovery email written for Amends. "
           "Hover a highlight for the reason; expand a flag for the better alternative.")
examples = load_gallery()
chosen = st.pills("Show flags in", list(CORE_CATEGORIES), selection_mode="multi",
                  default=list(CORE_CATEGORIES), format_func=category_label,
                  key="ex.categories")
categories = list(chosen or [])
if not categories:
    st.info("Choose at least one category to see examples.")
    st.stop()

visible = []
for example in examples:
    poor = ui.score_text(example.poor.body)
    good = ui.score_text(example.good.body)
    everything = set(categories) == set(CORE_CATEGORIES)
    if everything or any(poor.flags_in(c) or good.flags_in(c) for c in categories):
        visible.append((example, poor, good))
if not visible:
    st.info("No example has flags in the chosen categories.")
    st.stop()

tabs = st.tabs([example.title for example, _, _ in visible])
for tab, (example, poor, good) in zip(tabs, visible, strict=True):
    with tab:
        st.caption(example.sector)
        st.markdown(ui.md_escape(example.summary.strip()))
        st.info(f"What to point out: {ui.md_escape(example.teaching_notes.strip())}")
        buttons = st.columns(4)
        if buttons[0].button("Open in Compare", key=f"ex.compare.{example.id}"):
            open_compare(example)
        if buttons[1].button("Check the poor one", key=f"ex.check_poor.{example.id}"):
            open_check(example, "poor")
        if buttons[2].button("Check the good one", key=f"ex.check_good.{example.id}"):
            open_check(example, "good")
        if buttons[3].button("Draft from this incident", key=f"ex.draft.{example.id}"):
            open_draft(example)
        panes = st.columns(2)
        for pane, name, email, report in (
            (panes[0], "Poor", example.poor, poor),
            (panes[1], "Good", example.good, good),
        ):
            with pane:
                st.markdown(f"**{name}** · overall {report.scores.overall} · trust "
                            f"{report.trust.trust}")
                st.caption(f"Subject: {ui.md_escape(email.subject)}")
                window = ui.highlighted(email.body, report, categories,
                                        key=f"ex.view.{example.id}.{name}")
                ui.flag_list(report, categories, window)
