"""Optimistic versioning and connection errors, on SQLite and on a real PostgreSQL server.

Two people saving the same case at once: one wins, the other is told (ConflictError) and nothing
of theirs is written over the winner's, nor lost (they still hold it and can save it again).
The concurrent test uses two stores (two connection pools, as two app servers would) whose
saves are really in flight together: a third session holds the row until both are waiting on it.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from assistant.errors import ConflictError, StorageError
from assistant.storage import Store
from tests import postgres
from tests.conftest import both_databases


@both_databases
def test_each_save_raises_the_revision_and_a_stale_one_is_refused(database_url: str) -> None:
    store = Store(database_url)
    case = store.create_case("Outage", {"title": "Outage"})
    assert case.revision == 1
    assert store.update_case(case.id, facts={"title": "Outage", "cause": "mine"},
                             expected_revision=1) == 2
    assert store.update_case(case.id, parts={"ask": {"q": "What next?"}}) == 3
    with pytest.raises(ConflictError) as err:
        store.update_case(case.id, facts={"title": "Outage", "cause": "theirs"},
                          expected_revision=2)
    assert err.value.revision == 3
    assert "saved by someone else" in str(err.value) and "revision 3" in str(err.value)
    saved = store.get_case(case.id)
    assert saved.facts["cause"] == "mine" and saved.revision == 3
    # adding a version does not count as a save of the case's fields
    store.add_version(case.id, "body", source="edited")
    assert store.get_case(case.id).revision == 3
    with pytest.raises(StorageError, match="case 999 does not exist"):
        store.update_case(999, title="x", expected_revision=1)
    store.dispose()


def _race(url: str, case_id: int, revision: int, hold: Any = None) -> dict[str, Any]:
    """Two stores save different text from the same revision at the same moment."""
    stores = {who: Store(url) for who in ("ana", "ben")}
    barrier = threading.Barrier(2)
    outcome: dict[str, Any] = {}

    def save(who: str) -> None:
        barrier.wait()
        try:
            outcome[who] = stores[who].update_case(
                case_id, facts={"cause": f"{who}'s words"}, expected_revision=revision
            )
        except ConflictError as exc:
            outcome[who] = exc

    threads = [threading.Thread(target=save, args=(who,)) for who in stores]
    for thread in threads:
        thread.start()
    if hold is not None:
        hold()
    for thread in threads:
        thread.join()
    for opened in stores.values():
        opened.dispose()
    return outcome


def _one_winner(store: Store, case_id: int, outcome: dict[str, Any], revision: int) -> None:
    winners = [who for who, result in outcome.items() if isinstance(result, int)]
    losers = [who for who, result in outcome.items() if isinstance(result, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, outcome
    assert outcome[winners[0]] == revision + 1
    saved = store.get_case(case_id)
    assert saved.facts == {"cause": f"{winners[0]}'s words"}
    assert outcome[losers[0]].revision == revision + 1
    # the loser loses nothing: told the current revision, they can save their words over it
    again = store.update_case(case_id, facts={"cause": f"{losers[0]}'s words"},
                              expected_revision=outcome[losers[0]].revision)
    assert again == revision + 2
    assert store.get_case(case_id).facts == {"cause": f"{losers[0]}'s words"}


@pytest.mark.postgres
@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_two_sessions_saving_at_once_on_postgres_one_wins(
    database_url: str, pg_server: postgres.Server
) -> None:
    import psycopg

    store = Store(database_url)
    case = store.create_case("Race", {"cause": "first"})
    with psycopg.connect(database_url) as holder:
        holder.execute("SELECT id FROM cases WHERE id = %s FOR UPDATE", (case.id,))

        def release_when_both_wait() -> None:
            # Both saves are sent and blocked on the held row: they are truly concurrent.
            with psycopg.connect(database_url, autocommit=True) as watcher:
                while True:
                    row = watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND query LIKE 'UPDATE cases%'"
                    ).fetchone()
                    if row is not None and row[0] == 2:
                        break
                    watcher.execute("SELECT pg_sleep(0.05)")
            holder.commit()

        outcome = _race(database_url, case.id, 1, hold=release_when_both_wait)
    _one_winner(store, case.id, outcome, 1)

    # and without the held row, round after round, there is never a second winner
    for _ in range(5):
        current = store.get_case(case.id).revision
        _one_winner(store, case.id, _race(database_url, case.id, current), current)
    store.dispose()


def test_sqlite_stores_racing_also_have_one_winner(database_url: str) -> None:
    store = Store(database_url)
    case = store.create_case("Race", {"cause": "first"})
    _one_winner(store, case.id, _race(database_url, case.id, 1), 1)
    store.dispose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_is_named_without_the_password() -> None:
    pytest.importorskip("psycopg")
    port = _closed_port()
    with pytest.raises(StorageError) as err:
        Store(f"postgresql://amends:Sup3rS3cret@127.0.0.1:{port}/amends")
    message = str(err.value)
    assert f"the database server at 127.0.0.1, port {port}" in message
    assert "database 'amends', user 'amends'" in message
    assert "Sup3rS3cret" not in message and "Traceback" not in message
    assert "\n" not in message


@pytest.mark.postgres
def test_a_wrong_password_is_refused_plainly(pg_server: postgres.Server) -> None:
    with pytest.raises(StorageError) as err:
        Store(pg_server.url(password="Wr0ngPassw0rd"))
    message = str(err.value)
    assert "password authentication failed" in message
    assert f"127.0.0.1, port {pg_server.port}" in message
    assert "Wr0ngPassw0rd" not in message and pg_server.password not in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("db.example.com/amends", "is not a database URL"),
        ("mongodb://u:Hunter22@db.example.com/amends", "unknown kind of database 'mongodb'"),
    ],
)
def test_a_wrong_url_says_what_is_wrong_without_repeating_it(url: str, expected: str) -> None:
    with pytest.raises(StorageError) as err:
        Store(url)
    assert expected in str(err.value)
    assert "Hunter22" not in str(err.value)


def test_pool_size_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("AMENDS_DATABASE_POOL_SIZE", "many")
    with pytest.raises(StorageError, match="AMENDS_DATABASE_POOL_SIZE must be a whole number"):
        Store("postgresql://amends@127.0.0.1:1/amends")
