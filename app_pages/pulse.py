"""Pulse: the partner's trust over time, beside the ledger and the letters, and the next update.

Pick a case (the URL's ``?case=N``), send the plain-text survey, enter the partner's answers
(or import a CSV made from the template), and read the chart: each dimension per pulse, the
ledger's done/missed counts and the letters' scores on the same dates, and which dimension
lags. "Draft an update" writes the next letter from the case's ledger. Nothing here is fetched
from outside: the charts are Streamlit's built-in Vega-Lite.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import streamlit as st

from assistant import ui
from assistant.auth import gate
from assistant.errors import AmendsError
from assistant.pulse import (
    TimelinePoint,
    chart_rows,
    check_answers,
    csv_template,
    lagging,
    parse_csv,
    pulses,
    save_pulse,
    save_pulses,
)
from assistant.pulse_command import case_timeline
from assistant.survey import Survey, load_survey, plain_text

gate.page("pulse")
store = ui.store()
state = st.session_state


def _survey() -> Survey | None:
    try:
        return load_survey()
    except AmendsError as exc:
        ui.show_error(exc, "Loading the survey questions")
        return None


def load_arc() -> None:
    """Button callback: the bundled example arc as a new case, opened here."""
    from assistant.arc import arc_folder, load_into_store

    try:
        case_id = load_into_store(store, arc_folder("cartons-late"))
    except AmendsError as exc:
        state["p.flash_error"] = str(exc)
        return
    ui.set_active_case(case_id)
    state["p.case"] = case_id
    state["p.flash"] = f"Loaded the example arc as case #{case_id}."


def chose_case() -> None:
    if isinstance(state.get("p.case"), int):
        ui.set_active_case(int(state["p.case"]))


def _entry_form(survey: Survey, case_id: int) -> None:
    low, high = survey.scale.min, survey.scale.max
    with st.form("p.entry", clear_on_submit=False):
        cols = st.columns(3)
        taken = cols[0].date_input("Date of the answers", value=dt.date.today(), key="p.date")
        moment = cols[1].selectbox("When", list(survey.moments), key="p.moment",
                                   format_func=lambda m: survey.moments[m])
        respondent = cols[2].text_input("Who answered", key="p.respondent")
        values: dict[str, Any] = {"date": taken, "moment": moment, "respondent": respondent}
        for number, item in enumerate(survey.items, 1):
            values[item.id] = st.number_input(
                f"{number}. {item.statement}", value=None, step=1, key=f"p.item.{item.id}",
                help=f"{low} = {survey.scale.low}, {high} = {survey.scale.high}"
                + (" (reversed: a high rating lowers trust)" if item.reversed else ""),
            )
        values[survey.open_question.id] = st.text_area(survey.open_question.text,
                                                       key="p.open")
        submitted = st.form_submit_button("Save these answers", type="primary")
    if not submitted:
        return
    answers, problems = check_answers(survey, _labelled(survey, values))
    if answers is None:
        st.error("Nothing was saved:\n" + "\n".join(f"- {ui.md_escape(_named(survey, p))}"
                                                     for p in problems))
        return
    save_pulse(store, case_id, survey, answers)
    st.success(f"Saved the answers of {answers.taken_on.isoformat()}.")


def _labelled(survey: Survey, values: dict[str, Any]) -> dict[str, Any]:
    """Form values as the checker reads them (numbers typed as 4.0 become '4')."""
    out = dict(values)
    for item in survey.items:
        value = out.get(item.id)
        if isinstance(value, float) and value.is_integer():
            out[item.id] = str(int(value))
    return out


def _named(survey: Survey, problem: str) -> str:
    """A checker message with the form's label ("Statement 2") instead of the CSV column."""
    for number, item in enumerate(survey.items, 1):
        problem = problem.replace(f"column '{item.id}'", f"statement {number} ({item.id})")
    return problem.replace(f"column '{survey.open_question.id}'", "the open question")


def _import(survey: Survey, case_id: int) -> None:
    st.download_button("Download the CSV template", csv_template(survey),
                       file_name="pulse-template.csv", mime="text/csv", key="p.template")
    upload = st.file_uploader("Import answers from a CSV", type=["csv"], key="p.upload")
    if upload is None:
        return
    marker = f"{upload.name}:{upload.size}:{case_id}"
    if state.get("p.imported") == marker:
        st.info(f"{ui.md_escape(upload.name)} is imported.")
        return
    try:
        answers = parse_csv(survey, upload.getvalue(), upload.name)
    except AmendsError as exc:
        ui.show_error(exc, "Importing the CSV")
        return
    save_pulses(store, case_id, survey, answers)
    state["p.imported"] = marker
    st.success(f"Imported {len(answers)} pulse(s) from {ui.md_escape(upload.name)}.")


def _label(point: TimelinePoint, survey: Survey) -> str:
    """An x-axis label: the date and the moment, so three pulses read as three points in time."""
    return f"{point.taken_on:%d %b} · {point.moment.replace('_', ' ')}"


def _chart(survey: Survey, points: list[TimelinePoint]) -> None:
    st.markdown(f"**{ui.md_escape(lagging(points, survey))}**")
    if not points:
        return
    left, right = st.columns([3, 2])
    labels = {p.taken_on.isoformat(): _label(p, survey) for p in points}
    order = list(dict.fromkeys(labels[p.taken_on.isoformat()] for p in points))
    rows = [{**row, "pulse": labels[row["date"]]} for row in chart_rows(points)]
    x = alt.X("pulse:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    lines = (
        alt.Chart({"values": rows}, title="Trust per dimension (higher is better)", height=340)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("score:Q", scale=alt.Scale(domain=[survey.scale.min, survey.scale.max]),
                    title=f"mean rating ({survey.scale.min}-{survey.scale.max})"),
            color=alt.Color("dimension:N", legend=alt.Legend(orient="bottom", columns=2)),
            tooltip=["pulse:N", "dimension:N", "score:Q"],
        )
    )
    left.altair_chart(lines, width="stretch", height=380)
    ledger = {"values": [
        {"pulse": _label(p, survey), "count": count, "what": what}
        for p in points
        for what, count in (("done", p.done), ("missed", p.missed), ("open", p.open))
    ]}
    right.altair_chart(
        alt.Chart(ledger, title="The ledger on each pulse's date", height=150)
        .mark_bar()
        .encode(x=x, xOffset="what:N", y=alt.Y("count:Q", title="entries"),
                color=alt.Color("what:N", legend=alt.Legend(orient="bottom"),
                                scale=alt.Scale(domain=["done", "missed", "open"],
                                                range=["#2e7d32", "#c62828", "#9e9e9e"])),
                tooltip=["pulse:N", "what:N", "count:Q"]),
        width="stretch", height=260,
    )
    letters = [
        {"pulse": _label(p, survey), "letter score": p.letter_score,
         "letter wording": p.letter_language, "trust index": p.trust_index}
        for p in points
    ]
    scored = [
        {"pulse": row["pulse"], "score": row[name], "what": name}
        for row in letters
        for name in ("letter score", "letter wording")
        if row[name] is not None
    ]
    if scored:
        right.altair_chart(
            alt.Chart({"values": scored}, title="The latest letter's scores by then")
            .mark_line(point=True)
            .encode(x=x, y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100])),
                    color=alt.Color("what:N", legend=alt.Legend(orient="bottom")),
                    tooltip=["pulse:N", "what:N", "score:Q"]),
            width="stretch", height=230,
        )
    st.caption("Letter score: the overall score (wording and EARN elements; an update has no"
               " Expose or Ask, so it scores lower). Letter wording: the mean of the defensive,"
               " vague-promise and self-orientation scores.")
    st.dataframe(letters, hide_index=True, width="stretch")


def _answers_table(records: list[Any], survey: Survey) -> None:
    if not records:
        return
    rows = [
        {"date": r.taken_on.isoformat(), "when": survey.moments.get(r.moment, r.moment),
         **{item.id: r.ratings.get(item.id) for item in survey.items},
         survey.open_question.text: r.open_answer}
        for r in records
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def _draft_update(case_id: int) -> None:
    from assistant.drafting.models import RecoveryDraft
    from assistant.drafting.update import draft_case_update

    if st.button("Draft an update", key="p.update", type="primary",
                 help="The next letter from this case's ledger: what is done (with proof), what"
                 " slipped and its new date, what is open, and the next checkpoint"):
        try:
            with st.spinner("Drafting the update from the ledger..."):
                result = draft_case_update(case_id, model=ui.current_model(), store=store)
        except AmendsError as exc:
            ui.show_error(exc, "Drafting the update")
            return
        saved = store.add_version(case_id, result.body, source="composed",
                                  subject=result.subject, model=result.model,
                                  report=result.report)
        state["p.update_result"] = result
        state["p.update_new"] = saved is not None
    shown = state.get("p.update_result")
    if not isinstance(shown, RecoveryDraft):
        return
    result = shown
    if result.status == "rejected":
        st.error("Not ready to send:\n" + "\n".join(f"- {ui.md_escape(r)}"
                                                     for r in result.reasons()))
    elif state.get("p.update_new"):
        st.success("The update passed the checks and is saved as the case's latest version.")
    else:
        st.success("The update passed the checks; it is the same as the case's latest version,"
                   " so nothing new was saved.")
    st.text_input("Subject", value=result.subject, key="p.update_subject", disabled=True)
    st.text_area("Update", value=result.body, height=360, key="p.update_body", disabled=True)
    for note in result.notes:
        st.caption(ui.md_escape(note))


st.title("Pulse")
st.caption("How the partner's trust is moving: a short survey at chosen points, beside the"
           " ledger and the letters.")
for key, show in (("p.flash", st.success), ("p.flash_error", st.error)):
    if key in state:
        show(ui.md_escape(str(state.pop(key))))

survey = _survey()
cases = store.list_cases(kind="draft")
current = ui.active_case_id()
top = st.columns([4, 1])
top[1].button("Load the example arc", key="p.arc", on_click=load_arc,
              help="One incident from first letter through two updates and three pulses")
if survey is None:
    st.stop()
if not cases:
    st.info("No case yet: write a first letter on the Draft page, or load the example arc.")
    st.stop()
assert survey is not None  # st.stop() ends the run
ids = [c.id for c in cases]
if current not in ids:
    current = ids[0]
state["p.case"] = current
titles = {c.id: f"#{c.id} · {c.title[:80]}" for c in cases}
top[0].selectbox("Case", ids, key="p.case", format_func=lambda i: titles[i],
                 on_change=chose_case)
case_id = int(state["p.case"])

send, enter, chart, update = st.tabs(["Survey to send", "Enter answers", "Trust over time",
                                      "Draft an update"])
with send:
    moments = survey.moments
    moment = st.selectbox("For", ["", *moments], key="p.send_moment",
                          format_func=lambda m: moments.get(m, "any time"))
    text = plain_text(survey, moment=moment or "")
    st.code(text, language=None)
    st.download_button("Download as text", text, file_name="trust-pulse.txt",
                       mime="text/plain", key="p.survey_txt")
with enter:
    _entry_form(survey, case_id)
    st.divider()
    _import(survey, case_id)
with chart:
    try:
        loaded, points = case_timeline(store, case_id)
        _chart(loaded, points)
        _answers_table(pulses(store, case_id), loaded)
    except AmendsError as exc:
        ui.show_error(exc, "Reading the pulses")
with update:
    _draft_update(case_id)
