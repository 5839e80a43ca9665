"""The app's audience variants, crisis posture and apology-components checklist, as functions the
Draft and Check pages call in a line each (their own layout stays theirs).

Everything a user typed is escaped before it is shown (``ui.md_escape``); variant bodies are
shown as plain text, never as Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from assistant import ui
from assistant.drafting.audiences import AUDIENCES, AudienceSet, draft_audiences, label
from assistant.drafting.models import Incident, NetFailure
from assistant.drafting.posture import CRISIS_TYPES, posture_for
from assistant.models import Report

CRISIS_KEY = "f.crisis_type"  # the Draft form's key for the incident's crisis_type
RESULT_KEY = "aud.result"
_AUTO = ""


def components_checklist(report: Report, *, heading: bool = True) -> None:
    """Lewicki's six apology components, each ticked with the sentence that shows it."""
    if heading:
        st.subheader("Apology components")
        st.caption("Lewicki et al. (2016): acknowledging responsibility and offering repair"
                   " matter most.")
    for item in report.components:
        icon = ":green[:material/check_circle:]" if item.present else ":gray[:material/circle:]"
        st.markdown(f"{icon} **{ui.md_escape(item.label)}**")
        if item.present and item.evidence:
            how = "cue" if item.how == "cue" else f"reads like “{item.exemplar or ''}”"
            st.caption(f"“{ui.md_escape(item.evidence.strip())}” ({ui.md_escape(how)})")
        else:
            st.caption("Not found.")


def _crisis_label(value: str) -> str:
    return "Let Amends decide from the facts" if value == _AUTO else value.capitalize()


def posture_panel(incident: Incident | None, on_change: Callable[[], None]) -> None:
    """The crisis type with the facts that led there, and the choice that overrides it."""
    options = [_AUTO, *CRISIS_TYPES]
    if st.session_state.get(CRISIS_KEY) not in options:
        st.session_state[CRISIS_KEY] = _AUTO
    st.selectbox(
        "Crisis type (Coombs)",
        options,
        key=CRISIS_KEY,
        on_change=on_change,
        format_func=_crisis_label,
        help="Victim: you were attacked or struck by an outside event. Accidental: an "
        "unintended fault. Preventable: a human error, a skipped check or a decision. "
        "It sets the posture every draft takes and what the checks refuse.",
    )
    if incident is None:
        st.caption("Fill in the incident to see which crisis type the facts point to.")
        return
    posture = posture_for(incident)
    source = {"user": "your choice", "classifier": "from the facts", "default": "default"}
    st.info(
        f"**{ui.md_escape(posture.label)}** ({source[posture.source]}). "
        f"Posture: {ui.md_escape(posture.stance)}.\n\n"
        f"Why: {ui.md_escape(posture.reason)}",
        icon=":material/shield:",
    )


def _failures(failures: list[NetFailure]) -> None:
    for failure in failures:
        st.error(f"**{ui.md_escape(failure.check)}**: {ui.md_escape(failure.message)}")


def audience_tabs(result: AudienceSet) -> None:
    """One tab per variant: its status, scores, failures, body and apology components."""
    posture = result.posture
    st.caption(f"Crisis type: {ui.md_escape(posture.label)}; posture: "
               f"{ui.md_escape(posture.stance)}")
    if result.crosscheck:
        st.markdown("**Cross-check: the variants disagree**")
        _failures(result.crosscheck)
    elif result.variants:
        st.success("Cross-check: every variant makes the same commitments with the same dates,"
                   " owners and figures.")
    tabs = st.tabs([v.label for v in result.variants])
    for tab, variant in zip(tabs, result.variants, strict=True):
        with tab:
            draft = variant.draft
            if draft.status == "ready":
                st.success(f"{variant.label}: ready", icon=":material/check:")
            else:
                st.error(f"{variant.label}: not ready ({len(draft.net)} problems)",
                         icon=":material/block:")
                _failures(draft.net)
            if draft.report is not None:
                ui.score_metrics(draft.report)
            st.text_input("Subject", draft.subject, key=f"aud.{variant.audience}.subject",
                          disabled=True)
            st.code(draft.body, language=None, wrap_lines=True)
            if draft.report is not None:
                with st.expander("Apology components"):
                    components_checklist(draft.report, heading=False)


def audience_section(incident: Callable[[], Incident | None], model: str) -> None:
    """The button that drafts every audience variant from the facts, then the tabs."""
    st.subheader("Every audience")
    st.caption("The same facts and commitments for each reader: " +
               ", ".join(label(a) for a in AUDIENCES) + ". Each is checked, then all are"
               " cross-checked.")
    if st.button("Draft for every audience", key="aud.draft", icon=":material/groups:"):
        facts = incident()
        if facts is not None:
            with st.spinner("Drafting every audience…"):
                try:
                    st.session_state[RESULT_KEY] = draft_audiences(facts, model=model)
                except Exception as exc:
                    ui.show_error(exc, "Drafting the audiences")
    result: Any = st.session_state.get(RESULT_KEY)
    if isinstance(result, AudienceSet):
        audience_tabs(result)
