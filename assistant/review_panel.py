"""The History page's review panel: move a version through review and confirm its commitments.

Streamlit glue over :mod:`assistant.review` and :mod:`assistant.ledger.extract`. Approval shows
what blocks it (with a reason box), and every commitment found in the draft as editable rows;
nothing is saved unless all of it can be, and what was typed stays in the form when it is not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from assistant import review, ui
from assistant.errors import AmendsError
from assistant.ledger.extract import Candidate, candidates, sender_name
from assistant.models import Report
from assistant.storage import NEXT_STATUSES, CaseRecord, ReviewEventRecord, VersionRecord

state = st.session_state
FIELDS = ("action", "owner", "due", "checkpoint")


def status_label(status: str) -> str:
    """``in_review`` as people say it."""
    return review.STATUS_LABELS.get(status, status)


def trail_rows(trail: list[ReviewEventRecord]) -> list[dict[str, Any]]:
    """The status trail as table rows, newest first."""
    return [
        {
            "Version": e.version_number,
            "Change": f"{status_label(e.from_status)} → {status_label(e.to_status)}",
            "By": e.actor,
            "When": e.at.strftime("%Y-%m-%d %H:%M"),
            "Reason": e.reason,
        }
        for e in reversed(trail)
    ]


def _prefix(version: VersionRecord) -> str:
    return f"h.c.{version.id}"


def _candidates(case: CaseRecord, version: VersionRecord, report: Report) -> list[Candidate]:
    key = f"{_prefix(version)}.found"
    if key not in state:  # found once per version, then the form holds what the user typed
        found = candidates(source=version.source, parts=case.parts, body=version.body,
                           report=report, today=dt.date.today(),
                           writer=sender_name(case.facts))
        state[key] = [c.model_dump() for c in found]
        for index, candidate in enumerate(found):
            for field in FIELDS:
                state[f"{_prefix(version)}.{index}.{field}"] = getattr(candidate, field)
            state[f"{_prefix(version)}.{index}.include"] = True
    return [Candidate.model_validate(c) for c in state[key]]


def _rows(version: VersionRecord, found: list[Candidate]) -> list[dict[str, object]]:
    prefix = _prefix(version)
    return [
        {
            **{field: state.get(f"{prefix}.{i}.{field}", "") for field in FIELDS},
            "include": bool(state.get(f"{prefix}.{i}.include", True)),
            "vague": c.vague,
        }
        for i, c in enumerate(found)
    ]


def _approve(version_id: int, blockers: list[review.Blocker]) -> None:
    """Button callback: approve with the confirmed commitments, or say what to fix."""
    store = ui.store()
    version = store.version(version_id)
    found = [Candidate.model_validate(c) for c in state.get(f"{_prefix(version)}.found", [])]
    try:
        review.approve(store, version, blockers,
                       reason=str(state.get(f"h.reason.{version_id}", "")),
                       commitments=_rows(version, found))
    except AmendsError as err:
        state["h.review_error"] = str(err)
    else:
        kept = sum(1 for row in _rows(version, found) if row["include"])
        state["h.flash"] = f"Approved v{version.number}; {kept} commitment(s) added to the ledger."


def _move(version_id: int, to_status: str) -> None:
    """Button callback: send for review, mark sent, or send back to draft."""
    store = ui.store()
    version = store.version(version_id)
    try:
        if to_status == "in_review":
            review.submit(store, version)
        elif to_status == "sent":
            review.mark_sent(store, version)
        else:
            review.reopen(store, version, str(state.get(f"h.back.{version_id}", "")))
    except AmendsError as err:
        state["h.review_error"] = str(err)
    else:
        state["h.flash"] = f"v{version.number} is now {status_label(to_status).lower()}."


def _commitment_form(version: VersionRecord, found: list[Candidate]) -> None:
    prefix = _prefix(version)
    origin = "its Rebuild plan" if found and found[0].origin == "plan" else "its sentences"
    st.markdown(f"**Commitments for the ledger** (found in {origin}; edit or untick each one)")
    if not found:
        st.caption("No commitments found in this draft: nothing will be added to the ledger.")
    for index, candidate in enumerate(found):
        with st.container(border=True, key=f"h-commitment-{version.id}-{index}"):
            top = st.columns([1, 5])
            top[0].checkbox(f"Keep {index + 1}", key=f"{prefix}.{index}.include")
            if candidate.vague:
                top[1].warning(
                    "The scorer flags this as a vague promise: it needs an owner and a due date"
                    " before it can be saved."
                )
            elif candidate.sentence:
                top[1].caption(f"From the draft: “{ui.md_escape(candidate.sentence)}”")
            cols = st.columns([4, 2, 2, 3])
            cols[0].text_input(f"Commitment {index + 1}: action", key=f"{prefix}.{index}.action")
            cols[1].text_input("Owner", key=f"{prefix}.{index}.owner")
            cols[2].text_input("Due (YYYY-MM-DD)", key=f"{prefix}.{index}.due")
            cols[3].text_input("Checkpoint they can see", key=f"{prefix}.{index}.checkpoint")


def panel(case: CaseRecord, version: VersionRecord, report: Report) -> None:
    """Status, the next steps allowed from it, and (in review) the approval form."""
    st.markdown(f"**Review status of v{version.number}: {status_label(version.status)}**")
    if error := state.pop("h.review_error", None):
        st.error(ui.md_escape(str(error)))
    allowed = NEXT_STATUSES.get(version.status, ())
    if version.status == "draft":
        st.button("Send for review", key="h.submit", on_click=_move,
                  args=(version.id, "in_review"), icon=":material/rate_review:")
    elif version.status == "in_review":
        blockers = review.blockers(version.body, report, review.incident_of(case.facts))
        if blockers:
            st.warning(f"{len(blockers)} problem(s) block approval unless you give a reason:\n\n"
                       + "\n".join(f"- {ui.md_escape(b.message)}" for b in blockers))
            st.text_area("Reason for approving anyway (kept on the trail)",
                         key=f"h.reason.{version.id}")
        elif review.incident_of(case.facts) is None:
            st.caption("No complete incident facts: commitments were not compared with "
                       "approved actions or the must-not-say list.")
        _commitment_form(version, _candidates(case, version, report))
        st.button("Approve and add the commitments to the ledger", key="h.approve",
                  type="primary", on_click=_approve, args=(version.id, blockers),
                  icon=":material/verified:")
    elif version.status == "approved":
        st.button("Mark as sent", key="h.send", on_click=_move, args=(version.id, "sent"),
                  type="primary", icon=":material/send:")
    else:
        st.info("Sent: this version is frozen. Any later edit becomes a new version.")
    if "draft" in allowed:
        with st.popover("Send back to draft"):
            st.text_input("Why (optional)", key=f"h.back.{version.id}")
            st.button("Send back", key="h.back", on_click=_move, args=(version.id, "draft"))
