"""Streamlit glue shared by the pages: cached store and rubrics, the active case, report views.

Pages stay thin: they lay out widgets and call the library. Everything here that renders user text
does it through ``assistant.highlight`` (escaped) or plain Streamlit text elements, never raw HTML.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.errors import AmendsError
from assistant.highlight import category_label, highlight_html, legend_html, page_ranges
from assistant.models import CORE_CATEGORIES, DetectorName, Flag, Report
from assistant.providers.keys import ALL_KEY_NAMES
from assistant.providers.keys import key_present as key_present  # for the Settings page
from assistant.redact import add_secrets, redact
from assistant.rubric import RubricSet, load_rubric_set
from assistant.scoring import DEFAULT_DETECTORS, DETECTOR_NAMES, parse_detectors, score
from assistant.settings import OFFLINE_MODEL, get_settings
from assistant.storage import Store
from assistant.textinput import check_size

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


def base_store() -> Store:
    """The store for the configured database, opened once per URL for the server's lifetime.

    A database that cannot be opened (a wrong URL, an unreachable server) stops the page with
    the one plain message naming the host, never a traceback or the password; the next run
    tries again (a failure is not cached).
    """
    try:
        return _store(get_settings().resolved_database_url())
    except AmendsError as exc:
        st.error("Amends cannot open its database, so nothing can be saved or shown yet: "
                 + md_escape(str(exc)))
        st.stop()
        raise  # st.stop() raises; this line only tells type checkers the function ends here


def store() -> Store:
    """The store pages use: the plain one, or, when people sign in, scoped to this session's
    user (``assistant.auth.scoped``: the one place case access is enforced)."""
    from assistant.auth.gate import scoped

    return scoped(base_store())


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


DETECTOR_LABELS: dict[str, str] = {"rule": "Rules", "model": "Learned model", "judge": "LLM judge"}
# Badge colours per detector, in Streamlit's Markdown colour names.
SOURCE_COLOURS: dict[str, str] = {"rule": "gray", "model": "blue", "judge": "violet"}
_REPORTS_KEPT = 8


def default_detectors() -> tuple[DetectorName, ...]:
    """``AMENDS_DETECTORS`` when it names valid detectors, else the library's default."""
    try:
        return parse_detectors([get_settings().detectors]) or DEFAULT_DETECTORS
    except ValueError:
        return DEFAULT_DETECTORS


def current_detectors() -> tuple[DetectorName, ...]:
    """This session's detector choice (Settings), else the default; never empty."""
    chosen = st.session_state.get("settings.detectors")
    if not chosen:
        return default_detectors()
    names = [str(name) for name in chosen]
    return tuple(name for name in DETECTOR_NAMES if name in names) or default_detectors()


def judge_model() -> str:
    """The judge's model string for this session ('' means the judge cannot run)."""
    chosen = st.session_state.get("settings.judge_model")
    return str(get_settings().judge if chosen is None else chosen).strip()


def score_text(text: str) -> Report:
    """Score with the active rubrics and this session's detectors.

    Rules and the learned model take milliseconds; the judge (one model call, cached on disk
    by the judge itself) runs only when it is chosen *and* has a model, under a spinner. This
    session's last few reports are kept, so a rerun does not score the same text twice.
    """
    rubrics = rubric_set()
    detectors = current_detectors()
    model = judge_model() if "judge" in detectors else ""
    key = (id(rubrics), detectors, model, text)
    kept: OrderedDict[tuple[Any, ...], tuple[RubricSet, Report]] = st.session_state.setdefault(
        "ui.reports", OrderedDict()
    )
    if key in kept:
        kept.move_to_end(key)
        return kept[key][1]
    if model:
        from assistant.scoring.judge import LLMJudge

        with st.spinner(f"The judge ({model}) is reading the draft…"):
            report = score(text, rubrics, detectors, judge=LLMJudge(model))
    else:
        report = score(text, rubrics, detectors)
        if "judge" in detectors:
            note = "the judge was not run: choose its model on the Settings page"
            report = report.model_copy(update={"notes": [*report.notes, note]})
    kept[key] = (rubrics, report)  # the rubric set is kept so its id is not reused
    while len(kept) > _REPORTS_KEPT:
        kept.popitem(last=False)
    return report


def current_model() -> str:
    """This session's model choice, else ``AMENDS_MODEL``, else the offline composer."""
    chosen = str(st.session_state.get("settings.model_choice") or "").strip()
    return chosen or default_model()


def default_model() -> str:
    """The model when this session chose none: ``AMENDS_MODEL``, else the offline composer."""
    return get_settings().model or OFFLINE_MODEL


# --- settings that survive a refresh -------------------------------------------------------------

# Session choices mirrored in the URL: a refresh is a new session, and the URL is what it keeps.
URL_SETTINGS: dict[str, str] = {
    "settings.model_choice": "model",
    "settings.detectors": "detectors",
    "settings.judge_model": "judge",
}


def _setting_text(state_key: str, value: Any) -> str:
    if state_key == "settings.detectors":
        return ",".join(str(v) for v in value)
    return str(value).strip()


def _setting_default(state_key: str) -> str:
    if state_key == "settings.model_choice":
        return default_model()
    if state_key == "settings.detectors":
        return ",".join(default_detectors())
    return get_settings().judge.strip()


def sync_settings_with_url() -> None:
    """Run by ``app.py`` before every page: after a refresh, take the choices back from the URL;
    otherwise put this session's non-default choices into it (a page switch drops them)."""
    for state_key, param in URL_SETTINGS.items():
        value = st.session_state.get(state_key)
        if value is None:
            raw = st.query_params.get(param)
            if raw is None:
                continue
            if state_key == "settings.detectors":
                try:
                    st.session_state[state_key] = list(parse_detectors([raw]))
                except ValueError:
                    del st.query_params[param]
            else:
                st.session_state[state_key] = str(raw).strip()
            continue
        text = _setting_text(state_key, value)
        if text and text != _setting_default(state_key):
            if st.query_params.get(param) != text:
                st.query_params[param] = text
        elif param in st.query_params:
            del st.query_params[param]


# --- saving as the user types -------------------------------------------------------------------

# A text input commits (and so saves) after this pause in typing; the script below does the same
# for text areas, which have no ``live`` option.
LIVE_PAUSE = "1s"
# Edits of an email typed within this many seconds of the last saved edit update that version.
EDIT_MERGE_SECONDS = 60.0
# Commits a text area inside a container keyed ``autosave…`` after a 1 s pause in typing, as
# Ctrl+Enter would, so a refresh mid-sentence loses nothing. The script is ours and constant (no
# user text in it); it installs one listener per browser tab.
_AUTOSAVE_JS = """<script>
(() => {
  if (window.__amendsAutosave) return;
  window.__amendsAutosave = true;
  const timers = new WeakMap();
  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLTextAreaElement)) return;
    if (!box.closest("[class*='st-key-autosave']")) return;
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(() => box.dispatchEvent(new KeyboardEvent("keydown", {
      key: "Enter", code: "Enter", keyCode: 13, ctrlKey: true, bubbles: true,
    })), 1000));
  }, true);
})();
</script>"""


def install_autosave() -> None:
    """Put the text-area autosave script on the page (``app.py`` does it once per run)."""
    st.html(_AUTOSAVE_JS, unsafe_allow_javascript=True)


def input_problem(text: str, source: str = "the pasted text") -> str | None:
    """The CLI's message when text is over the 1 MB input limit, else None."""
    try:
        check_size(text, source)
    except AmendsError as exc:
        return str(exc)
    return None


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


Window = tuple[int, int]


def highlighted(
    text: str, report: Report, categories: Sequence[str] | None = None, *, key: str
) -> Window:
    """The text with flags highlighted (escaped HTML) and the colour key; returns the part shown.

    A long text (an upload near the 1 MB limit) is shown a page at a time with a page picker,
    so the page stays light whatever the size; the scores above it always cover the whole text.
    """
    pages = page_ranges(text)
    window = pages[0]
    if len(pages) > 1:
        number = st.pagination(len(pages), key=f"{key}.page", max_visible_pages=7)
        window = pages[min(max(int(number), 1), len(pages)) - 1]
        st.caption(
            f"A long text: page {number} of {len(pages)} (characters {window[0] + 1:,}–"
            f"{window[1]:,} of {len(text):,}). Scores and flag counts cover the whole text; "
            "the flags listed are this page's."
        )
    flags = _filtered(report.flags, categories)
    st.html(legend_html() + highlight_html(text, flags, window=window))
    return window


def _filtered(flags: Sequence[Flag], categories: Sequence[str] | None) -> list[Flag]:
    return [f for f in flags if categories is None or f.category in categories]


def source_badges(flag: Flag) -> str:
    """Markdown badges naming every detector that agreed on this flag."""
    return " ".join(
        f":{SOURCE_COLOURS.get(name, 'gray')}-badge[{name}]" for name in flag.sources
    )


def flag_list(
    report: Report, categories: Sequence[str] | None = None, window: Window | None = None
) -> None:
    """Each flag, numbered like the highlights, with badges for the detectors that agreed,
    expandable to its reason, suggestion, the model's confidence and what it reads like.

    With a ``window`` (a page of a long text) only the flags starting there are listed, still
    numbered as in the whole text."""
    flags = _filtered(report.flags, categories)
    if not flags:
        st.success("No flags: nothing defensive, vague or self-focused was found.")
        return
    for number, flag in enumerate(flags, start=1):
        if window is not None and not window[0] <= flag.start < max(window[1], window[0] + 1):
            continue
        label = category_label(flag.category)
        title = (f"{number}. {label} ({flag.severity}): “{md_escape(flag.match[:160])}” "
                 f"{source_badges(flag)}")
        with st.expander(title):
            st.markdown(f"**Why it hurts trust.** {md_escape(flag.message)}")
            st.markdown(f"**Try instead.** {md_escape(flag.suggestion)}")
            if flag.reason:
                st.markdown(f"**The judge's reason.** {md_escape(flag.reason)}")
            if flag.similar:
                st.markdown("**Reads like** these labelled sentences:")
                for example in flag.similar:
                    st.caption(f"“{md_escape(example)}”")
            found_by = ", ".join(DETECTOR_LABELS.get(s, s).lower() for s in flag.sources)
            if flag.source == "rule":
                how = "a rule (an exact match)"
            else:
                detector = DETECTOR_LABELS.get(flag.source, flag.source).lower()
                how = f"the {detector}, {flag.confidence:.0%} confident"
            st.caption(f"Found by {md_escape(found_by)} · span set by {md_escape(how)} · rule "
                       f"{md_escape(flag.rule)} · line {flag.line}, column {flag.column}")


def report_notes(report: Report) -> None:
    """What the user must know about how the report was made (a detector that fell back)."""
    for note in report.notes:
        st.warning(f"Note: {md_escape(note)}", icon=":material/warning:")


def detector_caption(report: Report) -> None:
    """Which detectors made this report, with the learned model's version and file hash."""
    parts = []
    for info in report.detectors:
        label = DETECTOR_LABELS.get(info.name, info.name)
        detail = " ".join(x for x in (info.version, info.sha256[:12] if info.sha256 else "") if x)
        parts.append(f"{label} ({detail})" if detail else label)
    if parts:
        st.caption("Detectors: " + md_escape(" · ".join(parts)))


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
    report_notes(report)
    score_metrics(report)
    detector_caption(report)
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
        window = highlighted(text, report, categories, key=key)
        flag_list(report, categories, window)
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
