"""Compare: two drafts side by side (two versions of a case, or a poor and a good example).

Both are scored with the same rubrics; the page shows each one's flags, the score changes, which
flags were fixed or introduced, and a word-level diff of what changed.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant import ui
from assistant.auth import gate
from assistant.gallery import load_gallery
from assistant.highlight import category_label, change_summary, diff_html
from assistant.models import CORE_CATEGORIES, Report

gate.page("compare")

store = ui.store()
state = st.session_state
SIDES = ("left", "right")


def _sources() -> dict[str, str]:
    """Label -> text for everything that can be loaded into a side."""
    sources: dict[str, str] = {}
    for example in load_gallery():
        sources[f"Example · {example.title} · poor"] = example.poor.body
        sources[f"Example · {example.title} · good"] = example.good.body
    for case in store.list_cases()[:50]:
        for version in reversed(store.versions(case.id)[-10:]):
            overall = version.scores.get("overall", "–")
            label = (f"Case #{case.id} · {case.title[:50]} · v{version.number} "
                     f"({version.source}, score {overall})")
            sources[label] = version.body
    return sources


def load_side(side: str) -> None:
    """Button callback: put the chosen source's text into one side."""
    label = state.get(f"cmp.pick.{side}")
    if label:
        text = _sources().get(str(label))
        if text is not None:
            state[f"cmp.{side}"] = text


def swap() -> None:
    """Button callback: exchange the two sides."""
    state["cmp.left"], state["cmp.right"] = state.get("cmp.right", ""), state.get("cmp.left", "")


incoming = state.pop("compare.incoming", None)
if isinstance(incoming, dict):
    state["cmp.left"] = str(incoming.get("left", ""))
    state["cmp.right"] = str(incoming.get("right", ""))
    state["cmp.left_label"] = str(incoming.get("left_label", "Before"))
    state["cmp.right_label"] = str(incoming.get("right_label", "After"))
for side in SIDES:
    state.setdefault(f"cmp.{side}", "")

st.title("Compare two drafts")
st.caption("Load two versions of a case or a poor and a good example, or paste any two drafts.")
sources = list(_sources())
columns = st.columns(2)
for side, column in zip(SIDES, columns, strict=True):
    with column:
        label = state.get(f"cmp.{side}_label", "Before" if side == "left" else "After")
        st.subheader(ui.md_escape(str(label)))
        pick = st.columns([4, 1], vertical_alignment="bottom")
        pick[0].selectbox(f"Load into {side}", sources, index=None, key=f"cmp.pick.{side}",
                          placeholder="Choose a version or an example…")
        pick[1].button("Load", key=f"cmp.load.{side}", on_click=load_side, args=(side,))
        st.text_area(f"{side.capitalize()} draft", key=f"cmp.{side}", height=260)
st.button("Swap sides", key="cmp.swap", on_click=swap, icon=":material/swap_horiz:")

left_text, right_text = str(state["cmp.left"]), str(state["cmp.right"])
if not (left_text.strip() and right_text.strip()):
    st.info("Fill both sides to compare them.")
    st.stop()
problems = [ui.input_problem(t, f"the {side} draft")
            for side, t in (("left", left_text), ("right", right_text))]
if any(problems):
    for problem in problems:
        if problem:
            st.error(ui.md_escape(problem))
    st.stop()

reports: dict[str, Report] = {"left": ui.score_text(left_text), "right": ui.score_text(right_text)}

st.subheader("Scores")
st.caption("Right-hand figures show the change from left to right.")
ui.score_metrics(reports["right"], baseline=reports["left"])
rows: list[dict[str, Any]] = []
for category in CORE_CATEGORIES:
    before = len(reports["left"].flags_in(category))
    after = len(reports["right"].flags_in(category))
    rows.append({"Category": category_label(category), "Flags left": before,
                 "Flags right": after, "Change": after - before})
st.dataframe(rows, hide_index=True, width="content")

st.subheader("Flags")
panes = st.columns(2)
for side, pane in zip(SIDES, panes, strict=True):
    with pane:
        text = left_text if side == "left" else right_text
        ui.report_notes(reports[side])
        window = ui.highlighted(text, reports[side], key=f"cmp.view.{side}")
        ui.flag_list(reports[side], window=window)
        with st.expander("EARN coverage"):
            ui.earn_checklist(reports[side])


def _keys(report: Report) -> set[tuple[str, str]]:
    return {(flag.rule, flag.match.lower()) for flag in report.flags}


fixed = _keys(reports["left"]) - _keys(reports["right"])
introduced = _keys(reports["right"]) - _keys(reports["left"])
st.subheader("What changed")
summary = change_summary(left_text, right_text)
st.caption(f"{summary['added']} words added, {summary['removed']} removed · {len(fixed)} flag(s) "
           f"fixed, {len(introduced)} introduced")
if fixed:
    st.markdown("**Fixed:** " + ", ".join(f"“{ui.md_escape(m)}”" for _, m in sorted(fixed)))
if introduced:
    quoted = ", ".join(f"“{ui.md_escape(m)}”" for _, m in sorted(introduced))
    st.markdown(f"**Introduced:** {quoted}")
st.html(diff_html(left_text, right_text))
