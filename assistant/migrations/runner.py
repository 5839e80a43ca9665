"""Bring a database to the current schema at start-up, with a copy saved first.

A fresh database is created from the metadata (the single source of truth) and stamped at head.
One made by release 0.1.0 has tables but no version table: it is stamped ``0001_baseline``, then
upgraded. One with a version table is upgraded to head. Any table declared on the metadata that
no revision created yet is created last, so a merged model works before its revision exists.
Before an upgrade of a SQLite file, the file is copied beside itself (``.before-<rev>.bak``):
a migration is risky work, and the user's cases are saved before it runs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection, Engine

from assistant.errors import StorageError

HERE = Path(__file__).resolve().parent
BASELINE = "0001_baseline"
VERSION_TABLE = "alembic_version"


def config(connection: Connection | None = None) -> Config:
    """An Alembic config for the shipped scripts (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision shipped."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    if revision is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no migration revisions are shipped")
    return revision


def known(revision: str) -> bool:
    """Whether a revision id is one of the shipped scripts."""
    scripts = ScriptDirectory.from_config(config())
    return any(script.revision == revision for script in scripts.walk_revisions())


def current(connection: Connection) -> str | None:
    """The revision a database is at (None when it has no version table)."""
    return MigrationContext.configure(connection).get_current_revision()


def prepare(engine: Engine, metadata: MetaData) -> str:
    """Create, stamp or upgrade the database behind ``engine``; returns its revision."""
    with engine.connect() as probe:
        tables = set(inspect(probe).get_table_names())
        at = current(probe) if VERSION_TABLE in tables else None
    target = head()
    if at is not None and not known(at):
        raise StorageError(
            f"the database is at schema version {at}, which this version of Amends does not"
            f" know (it knows up to {target}); upgrade Amends before opening it"
        )
    if not tables - {VERSION_TABLE}:
        with engine.begin() as connection:
            metadata.create_all(connection)
            command.stamp(config(connection), "head")
        return target
    if at != target:
        backup_sqlite(engine, at or BASELINE)
        with engine.connect() as connection:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:  # a batch ALTER drops and re-creates a table: no cascade may fire
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                with connection.begin():
                    cfg = config(connection)
                    if at is None:
                        command.stamp(cfg, BASELINE)
                    command.upgrade(cfg, "head")
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
    with engine.begin() as connection:
        metadata.create_all(connection)  # tables no revision knows yet; existing ones untouched
    return target


def backup_sqlite(engine: Engine, revision: str) -> Path | None:
    """A consistent copy of a SQLite file before it is migrated (None for other databases)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    source = Path(database)
    target = source.with_name(f"{source.name}.before-{revision}.bak")
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target
