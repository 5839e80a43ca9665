"""Real migrations: a database file written by release 0.1.0 is upgraded in place, intact."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect

from assistant.errors import StorageError
from assistant.migrations import runner
from assistant.storage import Store, metadata
from assistant.storage import database_url as parse_url

RELEASE_DB = Path(__file__).resolve().parents[1] / "data" / "release-0.1.0.db"


def _rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        base = [c for c in columns if c not in ("deleted_at", "status", "revision")]
        return list(db.execute(f"SELECT {', '.join(base)} FROM {table} ORDER BY id"))


@pytest.fixture
def release_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "amends.db"
    shutil.copyfile(RELEASE_DB, copy)
    return copy


def test_the_release_file_is_what_that_release_wrote() -> None:
    """Guard the fixture itself: no version table, the 0.1.0 columns, every version source."""
    with sqlite3.connect(RELEASE_DB) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        sources = {r[0] for r in db.execute("SELECT source FROM versions")}
    assert tables == {"cases", "versions"}
    assert {"generated", "composed", "edited", "revised", "saved", "uploaded",
            "duplicated"} <= sources


def test_upgrading_a_release_database_keeps_every_case_and_version(release_copy: Path) -> None:
    cases_before = _rows(release_copy, "cases")
    versions_before = _rows(release_copy, "versions")
    assert len(cases_before) == 4 and len(versions_before) == 7

    store = Store(f"sqlite:///{release_copy}")
    assert store.schema_version() == runner.head() == "0005_teams"
    assert _rows(release_copy, "cases") == cases_before
    assert _rows(release_copy, "versions") == versions_before
    listed = {c.id: c for c in store.list_cases()}
    assert sorted(listed) == [1, 2, 3, 4]
    assert listed[1].title == "Payroll outage on pay day (edited)"
    assert listed[1].facts["when"] == "Friday 6 November"
    assert listed[1].parts["rebuild"]["review_cadence"] == "a weekly update until done"
    assert [v.source for v in store.versions(1)] == [
        "generated", "composed", "edited", "revised", "saved"
    ]
    assert all(v.status == "draft" for v in store.versions(1))
    assert listed[3].latest is not None and listed[3].latest.source == "duplicated"
    assert listed[2].kind == "check" and listed[4].version_count == 0
    # the new tables work on the upgraded file
    assert store.ledger_entries() == [] and store.review_trail(1) == []
    store.dispose()

    # the copy saved before migrating is the release file, byte for byte in content
    backup = release_copy.with_name("amends.db.before-0001_baseline.bak")
    assert _rows(backup, "versions") == versions_before
    with sqlite3.connect(backup) as db:
        assert "alembic_version" not in {
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }


def test_opening_an_upgraded_database_again_changes_nothing(release_copy: Path) -> None:
    Store(f"sqlite:///{release_copy}").dispose()
    backups = sorted(release_copy.parent.glob("*.bak"))
    store = Store(f"sqlite:///{release_copy}")
    assert store.schema_version() == runner.head()
    assert sorted(release_copy.parent.glob("*.bak")) == backups  # no upgrade, no new copy
    store.dispose()


def _schema_diff(url: str) -> list[Any]:
    engine = create_engine(parse_url(url))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    return [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_table"
                                    and d[1].name == runner.VERSION_TABLE)]


def test_the_revisions_build_exactly_the_metadata(release_copy: Path, tmp_path: Path) -> None:
    """Revisions alone (no create_all) reach what the models declare, from the release file and
    from nothing. A model added without its revision fails here, naming the table or column."""
    engine = create_engine(f"sqlite:///{release_copy}")
    with engine.begin() as connection:
        command.stamp(runner.config(connection), runner.BASELINE)
        command.upgrade(runner.config(connection), "head")
    engine.dispose()
    assert _schema_diff(f"sqlite:///{release_copy}") == []

    empty = tmp_path / "empty.db"
    engine = create_engine(f"sqlite:///{empty}")
    with engine.begin() as connection:
        command.upgrade(runner.config(connection), "head")
    engine.dispose()
    assert _schema_diff(f"sqlite:///{empty}") == []


def test_downgrade_to_the_baseline_and_back_keeps_the_data(release_copy: Path) -> None:
    versions_before = _rows(release_copy, "versions")
    Store(f"sqlite:///{release_copy}").dispose()
    engine = create_engine(f"sqlite:///{release_copy}")
    with engine.begin() as connection:
        command.downgrade(runner.config(connection), runner.BASELINE)
    with engine.connect() as connection:
        assert "ledger_entries" not in inspect(connection).get_table_names()
    engine.dispose()
    store = Store(f"sqlite:///{release_copy}")
    assert store.schema_version() == runner.head()
    assert _rows(release_copy, "versions") == versions_before
    store.dispose()


def test_a_fresh_database_is_created_from_the_metadata_and_stamped(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = Store(f"sqlite:///{path}")
    assert store.schema_version() == runner.head()
    assert list(tmp_path.glob("*.bak")) == []  # nothing to save before creating
    assert _schema_diff(f"sqlite:///{path}") == []
    store.dispose()


def test_a_table_declared_without_a_revision_is_still_created(release_copy: Path) -> None:
    """Parallel work adds models before the lead writes their revision: start-up creates them."""
    extended = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(extended)
    Table("not_yet_revised", extended, Column("id", Integer, primary_key=True))
    engine = create_engine(f"sqlite:///{release_copy}")
    assert runner.prepare(engine, extended) == runner.head()
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert {"not_yet_revised", "ledger_entries", "cases"} <= tables
        assert runner.current(connection) == runner.head()
    engine.dispose()


def test_a_database_from_a_newer_release_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    Store(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0099_future'")
    with pytest.raises(StorageError, match=r"schema version 0099_future.*upgrade Amends"):
        Store(f"sqlite:///{path}")


@pytest.mark.postgres
@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_postgresql_is_created_and_upgraded_alike(database_url: str) -> None:
    """Same steps on PostgreSQL (a fresh database on the tests' own server, tests/postgres.py):
    tables of 0.1.0 stamped and upgraded, then compared."""
    engine = create_engine(parse_url(database_url))
    with engine.begin() as connection:
        for name in ("ledger_events", "ledger_entries", "review_events", "versions", "cases",
                     runner.VERSION_TABLE):
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name} CASCADE")
        command.upgrade(runner.config(connection), runner.BASELINE)
        connection.exec_driver_sql("DROP TABLE alembic_version")  # as 0.1.0 left it
        connection.exec_driver_sql(
            "INSERT INTO cases (title, kind, facts, parts, created_at, updated_at) VALUES"
            " ('Outage', 'draft', '{}', '{}', now(), now())"
        )
    engine.dispose()
    store = Store(database_url)
    assert store.schema_version() == runner.head()
    assert [c.title for c in store.list_cases()] == ["Outage"]
    store.dispose()
    assert _schema_diff(database_url) == []


@pytest.mark.postgres
@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_the_audit_log_is_append_only_on_postgresql_fresh_and_upgraded(database_url: str) -> None:
    """A fresh PostgreSQL database (created from the metadata) and one upgraded by 0005_teams
    both refuse UPDATE and DELETE of audit rows in the database itself."""
    from assistant.auth import audit

    store = Store(database_url)
    audit.record(store, "dora", "case.create", case_id=1)
    store.dispose()
    engine = create_engine(parse_url(database_url))
    for step in ("fresh", "upgraded"):
        if step == "upgraded":
            with engine.begin() as connection:
                command.downgrade(runner.config(connection), "0004_trust_pulse")
                assert "audit_events" not in inspect(connection).get_table_names()
                command.upgrade(runner.config(connection), "head")
            reopened = Store(database_url)
            audit.record(reopened, "dora", "case.create", case_id=2)
            reopened.dispose()
        for sql in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
            with engine.connect() as connection, pytest.raises(Exception, match="append-only"):
                connection.exec_driver_sql(sql)
    engine.dispose()
