"""Settings: the model (with a connection test), whether its key is present, the active rubrics.

Keys are never shown or stored: this page reports only whether each expected variable is set.
Choices here last for this browser session; ``AMENDS_*`` environment variables set the defaults.
"""

from __future__ import annotations

import streamlit as st

from assistant import ui
from assistant.highlight import category_label
from assistant.settings import LOCAL_MODEL, OFFLINE_MODEL, get_settings
from assistant.storage import redact_url

state = st.session_state
settings = get_settings()


def choose_model() -> None:
    """Widget callback: keep the model choice outside the widget so it survives page changes."""
    state["settings.model_choice"] = str(state.get("settings.model", "")).strip()


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
if st.button("Test connection", key="settings.test", icon=":material/network_check:"):
    with st.spinner(f"Asking {model} for a one-word reply…"):
        try:
            from assistant.drafting.client import check_connection

            answer = check_connection(model)
        except Exception as exc:
            ui.show_error(exc, "The connection test")
        else:
            st.success(ui.md_escape(answer))

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
