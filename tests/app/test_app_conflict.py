"""Two people with the same case open on the Draft page: the second save is told, loses nothing.

Two AppTest sessions (two browser tabs or two people) on the same database, SQLite and
PostgreSQL: Ana saves first; Ben's save from the older revision is refused, the page says so,
his text stays on screen, and each of his three choices does what it says.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.storage import Store
from tests.app.conftest import open_page
from tests.conftest import both_databases

ORIGINAL = "A certificate on our failover cluster expired."
ANA = "A certificate expired because its renewal was a manual step we missed."
BEN = "We let a certificate expire: nobody owned its renewal."


def _two_sessions(store: Store) -> tuple[int, AppTest, AppTest]:
    case = store.create_case("Payroll outage", {"title": "Payroll outage", "cause": ORIGINAL})
    ana = open_page("draft", case=str(case.id))
    ben = open_page("draft", case=str(case.id))
    assert ana.text_area(key="f.cause").value == ben.text_area(key="f.cause").value == ORIGINAL
    ana.text_area(key="f.cause").input(ANA).run()
    assert store.get_case(case.id).facts["cause"] == ANA
    ben.text_area(key="f.cause").input(BEN).run()
    assert not ben.exception, [e.value for e in ben.exception]
    return case.id, ana, ben


def _warning(at: AppTest) -> str:
    return "\n".join(str(w.value) for w in at.warning)


@both_databases
def test_a_second_save_from_an_older_revision_is_told_and_keeps_the_text(
    app_env: Path, store: Store
) -> None:
    case_id, ana, ben = _two_sessions(store)
    assert "saved by someone else while you were editing" in _warning(ben)
    assert "Your text is still on this page and has not been saved" in _warning(ben)
    assert ben.text_area(key="f.cause").value == BEN, "Ben's words stay on his screen"
    assert store.get_case(case_id).facts["cause"] == ANA, "Ana's save is not overwritten"
    # Ben keeps both: his text becomes a case of its own, Ana's is untouched
    ben.button(key="draft.conflict.copy").click().run()
    assert not ben.exception and not _warning(ben)
    mine = [c for c in store.list_cases() if c.title == "Payroll outage (my version)"]
    assert len(mine) == 1 and mine[0].facts["cause"] == BEN
    assert store.get_case(case_id).facts["cause"] == ANA
    # and he goes on editing his copy without further conflicts
    ben.text_area(key="f.cause").input(BEN + " We are fixing that.").run()
    assert not _warning(ben)
    assert store.get_case(mine[0].id).facts["cause"] == BEN + " We are fixing that."
    # Ana, who saved first, goes on saving her case without being told of any conflict
    ana.text_area(key="f.cause").input(ANA + " It is automated now.").run()
    assert not _warning(ana)
    assert store.get_case(case_id).facts["cause"] == ANA + " It is automated now."


@pytest.mark.parametrize("choice", ["mine", "theirs"])
def test_save_mine_over_theirs_or_load_theirs(app_env: Path, store: Store, choice: str) -> None:
    case_id, _ana, ben = _two_sessions(store)
    ben.button(key=f"draft.conflict.{choice}").click().run()
    assert not ben.exception and not _warning(ben)
    expected = BEN if choice == "mine" else ANA
    assert store.get_case(case_id).facts["cause"] == expected
    assert ben.text_area(key="f.cause").value == expected
    # the session now holds the current revision: its next edit saves without a conflict
    ben.text_area(key="f.cause").input(expected + " Again.").run()
    assert not _warning(ben)
    assert store.get_case(case_id).facts["cause"] == expected + " Again."
