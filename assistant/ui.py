"""Streamlit glue shared by the pages: cached store and rubrics, the active case, report views.

Pages stay thin: they lay out widgets and call the library. Everything here that renders user text
does it through ``assistant.highlight`` (escaped) or plain Streamlit text elements, never raw HTML.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.errors import AmendsError
from assistant.highlight import category_label, highlight_html, legend_html
from assistant.models import CORE_CATEGORIES, Flag, Report
from assistant.providers.keys import ALL_KEY_NAMES
from assistant.providers.keys import key_present as key_present  # for the Settings page
from assistant.redact import add_secrets, redact
from assistant.rubric import RubricSet, load_rubric_set
from assistant.scoring import score
from assistant.settings import OFFLINE_MODEL, get_settings
from assistant.storage import Store

EARN_LABELS: dict[str, str] = {
    "expose_impact": "Expose: the impact on them, in their terms",
    "expose_cause": "Expose: the cause, owned plainly",
    "ask": "Ask: what they need, before offering fixes",
    "rebuild_specific": "Rebuild: actions with an owner, a date and a checkpoint",
    "name_them": "Name them: their part in the recovery",
}


# --- shared resources ----------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url)


def store() -> Store:
    """The store for the configured database, opened once per URL for the server's lifetime."""
    return _store(get_settings().resolved_database_url())


def _rubrics(extra: tuple[str, ...], disabled: tuple[str, ...]) -> RubricSet:
    """Cached by ``load_rubric_set`` itself, keyed on file times, so edited rubrics are reloaded."""
    return load_rubric_set([Path(p) for p in extra], disable=disabled)


def rubric_folders() -> list[str]:
    """The user's own rubric files or folders: this session's choice, else ``AMENDS_RUBRICS``."""
    chosen = st.session_state.get("settings.rubric_paths")
    if chosen is None:
        return [str(p) for p in get_settings().extra_rubric_paths()]
    return [line.strip() for line in str(chosen).splitlines() if line.strip()]


def rubric_set() -> RubricSet:
    """The active rubrics, compiled once per (folders, disabled rules), shared by all sessions."""
    disabled = tuple(sorted(st.session_state.get("settings.disabled_rules", ())))
    try:
        return _rubrics(tuple(rubric_folders()), disabled)
    except AmendsError as exc:
        st.error("Your own rubrics could not be loaded, so only the bundled ones apply: "
                 + md_escape(str(exc)))
        return _rubrics((), ())


def score_text(text: str) -> Report:
    """Score with the active rubrics (milliseconds; safe to call on every rerun)."""
    return score(text, rubric_set())


def current_model() -> str:
    """This session's model choice, else ``AMENDS_MODEL``, else the offline composer."""
    chosen = str(st.session_state.get("settings.model_choice") or "").strip()
    return chosen or get_settings().model or OFFLINE_MODEL


# --- secrets -------------------------------------------------------------------------------------


def load_secret_keys() -> list[str]:
    """Copy provider keys from ``st.secrets`` into this process's environment, never elsewhere.

    Returns the *names* copied. Values are not logged, stored or shown (every string in the
    secrets file is registered with the redactor); an existing environment variable wins.
    """
    copied: list[str] = []
    try:
        secrets: Mapping[str, Any] = st.secrets
        names = [name for name in ALL_KEY_NAMES if name in secrets]
        add_secrets(_strings(secrets.to_dict() if hasattr(secrets, "to_dict") else secrets))
    except Exception:  # no secrets.toml, or an unreadable one: the environment still works
        return copied
    for name in names:
        value = secrets[name]
        if isinstance(value, str) and value and not os.environ.get(name):
            os.environ[name] = value
            copied.append(name)
    return copied


def _strings(value: Any) -> list[str]:
    """Every string inside a (nested) secrets mapping."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


# --- the active case -----------------------------------------------------------------------------


def active_case_id() -> int | None:
    """The case this session is working on: the URL wins (a refresh), then the session."""
    raw = st.query_params.get("case")
    if raw and str(raw).isdigit():
        case_id = int(raw)
        if store().find_case(case_id) is not None:
            st.session_state["active_case"] = case_id
            return case_id
        del st.query_params["case"]
    remembered = st.session_state.get("active_case")
    if isinstance(remembered, int) and store().find_case(remembered) is not None:
        st.query_params["case"] = str(remembered)
        return remembered
    st.session_state.pop("active_case", None)
    return None


def set_active_case(case_id: int | None) -> None:
    """Bind the session (and the URL, so a refresh reopens it) to a case."""
    if case_id is None:
        st.session_state.pop("active_case", None)
        if "case" in st.query_params:
            del st.query_params["case"]
        return
    st.session_state["active_case"] = case_id
    st.query_params["case"] = str(case_id)


def show_error(exc: BaseException, doing: str) -> None:
    """A plain message for the user, keys redacted; AmendsError messages are written for people."""
    if isinstance(exc, AmendsError):
        st.error(f"{doing} failed: {md_escape(redact(exc))}")
    else:
        st.error(
            f"{doing} failed unexpectedly ({type(exc).__name__}: {md_escape(redact(exc))}). "
            "Everything you typed is saved; try again or pick another model in Settings."
        )


# --- report views --------------------------------------------------------------------------------


def score_metrics(report: Report, baseline: Report | None = None) -> None:
    """Overall, per-category and trust scores as metrics (with deltas against a baseline)."""
    values = report.scores.model_dump()
    before = baseline.scores.model_dump() if baseline else None
    columns = st.columns(5)
    labels = [("overall", "Overall")] + [(c, category_label(c)) for c in CORE_CATEGORIES]
    for column, (name, label) in zip(columns, labels, strict=False):
        delta = None if before is None else values[name] - before[name]
        column.metric(label, values[name], delta=delta, border=True)
    trust_delta = None if baseline is None else report.trust.trust - baseline.trust.trust
    columns[4].metric("Trust", report.trust.trust, delta=trust_delta, border=True)


def highlighted(text: str, report: Report, categories: Sequence[str] | None = None) -> None:
    """The text with flags highlighted (escaped HTML), and the colour key."""
    flags = _filtered(report.flags, categories)
    st.html(legend_html() + highlight_html(text, flags))


def _filtered(flags: Sequence[Flag], categories: Sequence[str] | None) -> list[Flag]:
    return [f for f in flags if categories is None or f.category in categories]


def flag_list(report: Report, categories: Sequence[str] | None = None) -> None:
    """Each flag, numbered like the highlights, expandable to its reason and suggestion."""
    flags = _filtered(report.flags, categories)
    if not flags:
        st.success("No flags: nothing defensive, vague or self-focused was found.")
        return
    for number, flag in enumerate(flags, start=1):
        label = category_label(flag.category)
        title = f"{number}. {label} ({flag.severity}): “{md_escape(flag.match)}”"
        with st.expander(title):
            st.markdown(f"**Why it hurts trust.** {md_escape(flag.message)}")
            st.markdown(f"**Try instead.** {md_escape(flag.suggestion)}")
            st.caption(f"Rule {md_escape(flag.rule)} · line {flag.line}, column {flag.column}")


def earn_checklist(report: Report) -> None:
    """The EARN elements as a checklist, quoting the sentence that shows each one."""
    for element, label in EARN_LABELS.items():
        evidence = report.earn.get(element)
        present = bool(evidence and evidence.present)
        icon = ":green[:material/check_circle:]" if present else ":gray[:material/circle:]"
        st.markdown(f"{icon} **{label}**")
        if present and evidence and evidence.evidence:
            st.caption(f"“{md_escape(evidence.evidence.strip())}”")
        elif not present:
            st.caption("Not found yet.")


def md_escape(text: str) -> str:
    """Plain text safe inside st.markdown: Markdown and HTML punctuation become literal."""
    out = []
    for char in text:
        if char in "\\`*_{}[]()#+-.!|<>~$":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def full_report(text: str, report: Report, key: str) -> None:
    """Scores, highlighted text, flags and EARN coverage for one text (Check page layout)."""
    score_metrics(report)
    chosen = st.pills(
        "Show categories",
        list(CORE_CATEGORIES),
        selection_mode="multi",
        default=list(CORE_CATEGORIES),
        format_func=category_label,
        key=f"{key}.categories",
    )
    categories = list(chosen or [])
    left, right = st.columns([3, 2])
    with left:
        highlighted(text, report, categories)
        flag_list(report, categories)
    with right:
        st.subheader("EARN coverage")
        earn_checklist(report)


def all_rule_ids() -> list[str]:
    """Every rule id in the bundled and user rubrics, including those switched off."""
    try:
        return sorted({c.rule.id for c in _rubrics(tuple(rubric_folders()), ()).rules})
    except AmendsError:
        return sorted({c.rule.id for c in _rubrics((), ()).rules})


def text_sink(placeholder: Any) -> Callable[[str], None]:
    """A callback that shows streamed text in a placeholder as plain text (never as HTML)."""

    def show(text: str) -> None:
        placeholder.text(text)

    return show
