"""Streamlit glue for the validation net's verdict: its status, each named check, and grounding
issues beside the sentence of the email they concern (all user text escaped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from assistant.net_verdict import by_sentence, failure_line, net_of


def show_verdict(scores: Mapping[str, Any], body: str) -> None:
    """The verdict saved with the version on screen (nothing for text the net never checked)."""
    from assistant.ui import md_escape

    found = net_of(scores)
    if found is None:
        return
    failures = found.get("failures", [])
    if found.get("passed"):
        st.success("Passed the validation net: every named check (grounding, approved actions, "
                   "register, owned cause, truncation, rubric errors) found nothing.",
                   icon=":material/verified:")
    else:
        st.error(f"Rejected by the validation net ({len(failures)} problem"
                 f"{'s' if len(failures) != 1 else ''}): not ready to send. It is kept in "
                 "History as a rejected version.\n\n"
                 + "\n".join(f"- {md_escape(failure_line(f))}" for f in failures),
                 icon=":material/gpp_bad:")
    placed = by_sentence(body, found)
    if placed:
        st.markdown("**Sentences to check against the facts**")
    for sentence, messages in placed:
        left, right = st.columns([3, 2])
        left.markdown(f"> {md_escape(sentence)}")
        for message in messages:
            right.warning(md_escape(message), icon=":material/rule:")
