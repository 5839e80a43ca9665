"""``current_actor()`` names the signed-in account when there is one, else the local user."""

from __future__ import annotations

import getpass

from assistant import identity
from assistant.auth.permissions import Principal, allowed


def test_the_local_user_acts_when_no_one_signed_in() -> None:
    identity.set_command_user(None)
    assert identity.current_user() is None
    assert identity.current_actor() == (getpass.getuser() or identity.LOCAL_ACTOR_FALLBACK)
    operator = identity.current_principal()
    assert operator.operator and allowed(operator, "case.delete")


def test_a_command_signed_in_as_someone_acts_as_them() -> None:
    rita = Principal(name="rita", roles={1: frozenset({"reviewer"})})
    identity.set_command_user(rita)
    try:
        assert identity.current_actor() == "rita"
        assert identity.current_principal() is rita and not rita.operator
    finally:
        identity.set_command_user(None)
    assert identity.current_actor() != "rita"


def _session_script() -> None:
    import streamlit as st

    from assistant import identity
    from assistant.auth.permissions import Principal

    if st.session_state.get("sign") == "in":
        st.session_state["auth.user"] = Principal(name="dora")
    st.text(identity.current_actor())


def test_in_an_app_session_the_signed_in_user_acts() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_session_script)
    at.session_state["sign"] = "in"
    at.run()
    assert at.text[0].value == "dora"
    other = AppTest.from_function(_session_script).run()
    assert other.text[0].value == identity.local_name()
