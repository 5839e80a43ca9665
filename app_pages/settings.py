"""Settings: the model (with a connection test), whether its key is present, the detectors that
check drafts (rules, learned model, LLM judge), the active rubrics.

Keys are never shown or stored: this page reports only whether each expected variable is set.
Choices here last for this browser session (the model and detectors are also kept in the URL, so
a refresh keeps them); ``AMENDS_*`` environment variables set the defaults.
"""

from __future__ import annotations

import streamlit as st

from assistant import ui
from assistant.auth import gate
from assistant.highlight import category_label
from assistant.scoring import DETECTOR_NAMES
from assistant.settings import LOCAL_MODEL, OFFLINE_MODEL, get_settings
from assistant.storage import redact_url

gate.page("settings")

state = st.session_state
settings = get_settings()


def choose_model() -> None:
    """Widget callback: keep the model choice outside the widget so it survives page changes."""
    state["settings.model_choice"] = str(state.get("settings.model", "")).strip()


def choose_detectors() -> None:
    """Widget callback: the detectors the Check and Draft pages score with (never none)."""
    picked = list(state.get("settings.detector_pick") or [])
    state["settings.detectors"] = picked or list(ui.default_detectors())


def choose_judge() -> None:
    """Widget callback: the judge's model string ('' leaves the judge off)."""
    state["settings.judge_model"] = str(state.get("settings.judge_input", "")).strip()


def key_status(model: str) -> None:
    """Whether each key variable the model's provider reads is set (never the value)."""
    keys = ui.key_present(model)
    if model in (OFFLINE_MODEL, LOCAL_MODEL) or model.startswith("local/"):
        st.success("This model runs on this machine and needs no API key.")
    elif keys:
        for name, present in keys.items():
            if present:
                st.success(f"{name} is set (its value is never shown or stored).")
            else:
                st.warning(f"{name} is not set. Add it to the environment or to "
                           ".streamlit/secrets.toml, then restart the app.")
    else:
        st.info("Amends does not know which key variable this provider reads; litellm will look "
                "for its usual one.")


def choose_rubrics() -> None:
    """Widget callback: the user's own rubric files or folders, one per line."""
    state["settings.rubric_paths"] = str(state.get("settings.rubric_input", ""))


def choose_disabled() -> None:
    """Widget callback: rules switched off for this session."""
    state["settings.disabled_rules"] = list(state.get("settings.disable", []))


st.title("Settings")

st.subheader("Model")
state.setdefault("settings.model", ui.current_model())
st.text_input(
    "Model",
    key="settings.model",
    on_change=choose_model,
    help=f"'{OFFLINE_MODEL}' drafts with the built-in composer (no model, instant); "
    f"'{LOCAL_MODEL}' uses the bundled small local model; anything else is a litellm model "
    "string such as 'openai/gpt-4o-mini' or 'anthropic/claude-3-5-haiku-latest'.",
)
model = ui.current_model()
st.caption(f"Default from the environment (AMENDS_MODEL): {ui.md_escape(settings.model)}")
key_status(model)
if st.button("Test connection", key="settings.test", icon=":material/network_check:"):
    with st.spinner(f"Asking {model} for a one-word reply…"):
        try:
            from assistant.drafting.client import check_connection

            answer = check_connection(model)
        except Exception as exc:
            ui.show_error(exc, "The connection test")
        else:
            st.success(ui.md_escape(answer))

st.subheader("Detectors")
st.caption("What checks a draft on the Check and Draft pages. The rules give exact spans; the "
           "learned model (offline, shipped with Amends) catches wording outside the rules' "
           "vocabularies; the LLM judge asks a model to label each sentence against the rubric.")
state.setdefault("settings.detector_pick", list(ui.current_detectors()))
st.pills("Detectors", list(DETECTOR_NAMES), selection_mode="multi", key="settings.detector_pick",
         format_func=lambda name: ui.DETECTOR_LABELS.get(name, name), on_change=choose_detectors,
         help="Choose any; with none chosen the default applies "
         f"({', '.join(ui.default_detectors())}).")
state.setdefault("settings.judge_input", ui.judge_model())
st.text_input("Judge model", key="settings.judge_input", on_change=choose_judge,
              placeholder="e.g. openai/gpt-4o-mini",
              help="A litellm model string. The judge runs only when it is chosen above and a "
              "model is set here; its answers are cached on disk, so an unchanged draft is "
              "judged once.")
chosen_detectors = ui.current_detectors()
judge = ui.judge_model()
if "judge" in chosen_detectors and not judge:
    st.warning("The judge is chosen but has no model: set one above, or it will not run.")
elif "judge" in chosen_detectors:
    key_status(judge)
st.caption("Scoring with: " + ", ".join(ui.DETECTOR_LABELS[d] for d in chosen_detectors) + ".")

st.subheader("Rubrics")
state.setdefault("settings.rubric_input", "\n".join(ui.rubric_folders()))
st.text_area("Your own rubric files or folders (one per line)", key="settings.rubric_input",
             on_change=choose_rubrics, height=80,
             help="YAML rubrics in the same format as the bundled ones; added to them.")
rubrics = ui.rubric_set()
st.caption("Active rubric files: " + ", ".join(ui.md_escape(str(f)) for f in rubrics.files))
all_rules = ui.all_rule_ids()
state.setdefault("settings.disable", list(state.get("settings.disabled_rules", [])))
st.multiselect("Switch rules off for this session", all_rules, key="settings.disable",
               on_change=choose_disabled)
st.dataframe(
    [
        {
            "Rule": compiled.rule.id,
            "Category": category_label(compiled.category),
            "Severity": compiled.rule.severity,
            "Title": compiled.rule.title,
            "File": compiled.source.name,
        }
        for compiled in rubrics.rules
    ],
    hide_index=True,
)
st.caption(f"{len(rubrics.rules)} rules and {len(rubrics.checks)} EARN checks active.")

st.subheader("Storage")
st.caption(f"Cases are saved to {ui.md_escape(redact_url(settings.resolved_database_url()))} "
           "(set AMENDS_DATABASE_URL for another database, or AMENDS_HOME for another folder).")
