"""Streamlit glue for a :class:`~assistant.background.Job`: progress while it runs, a Cancel button.

The page calls :func:`watch`, which shows the job's progress and streamed text and returns when
the job has finished. While it waits it updates the page every quarter second, and every update
is a Streamlit call: that is where Streamlit stops this run when the user clicks Cancel (or any
other widget), so the click's rerun starts at once instead of after the provider answers.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from assistant.background import Job

POLL_SECONDS = 0.25


def watch(job: Job, *, cancel_key: str, on_cancel: Callable[[], None]) -> None:
    """Show the running job until it finishes; a Cancel button stops waiting for it."""
    from assistant.ui import md_escape

    with st.status(f"{job.label}…", expanded=True) as status:
        button = st.empty()
        button.button("Cancel", key=cancel_key, on_click=on_cancel, icon=":material/cancel:",
                      help="Stop waiting for the model. Your facts stay saved; nothing "
                      "half-written is saved as a draft.")
        clock = st.empty()
        lines = st.container()
        streamed = st.empty()  # the email as the model writes it (plain text, never HTML)
        shown = 0
        text = ""
        while True:
            finished = job.wait(POLL_SECONDS)
            progress, now = job.snapshot()
            for message in progress[shown:]:
                lines.write(md_escape(message))
            shown = len(progress)
            if now != text:
                text = now
                streamed.text(text)
            clock.caption(f"{job.elapsed():.0f} s so far")
            if finished:
                break
        button.empty()
        clock.empty()
        streamed.empty()
        if job.error is not None:
            status.update(label=f"{job.label} failed; your facts are saved", state="error")
        else:
            status.update(label=f"{job.label}: done", state="complete", expanded=False)
