"""Idempotent schema steps for revisions: skip a table, column or index that already exists.

Start-up creates tables declared on the metadata that no revision knows yet (so a merged model
never crashes the app before its revision is written); the revision that later creates the same
table must then leave it alone. Works on SQLite (batch mode, which copies a table to alter it)
and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


def _inspector() -> sa.Inspector:
    return sa.inspect(op.get_bind())


def has_table(name: str) -> bool:
    """Whether the table exists in the connected database."""
    return name in _inspector().get_table_names()


def has_column(table: str, column: str) -> bool:
    """Whether the table exists and has this column."""
    return has_table(table) and column in {c["name"] for c in _inspector().get_columns(table)}


def create_table(name: str, *columns: Any, **kw: Any) -> None:
    """``op.create_table`` unless the table is already there."""
    if not has_table(name):
        op.create_table(name, *columns, **kw)


def create_index(name: str, table: str, columns: list[str], unique: bool = False) -> None:
    """``op.create_index`` unless an index of that name is already on the table."""
    if name not in {i["name"] for i in _inspector().get_indexes(table)}:
        op.create_index(name, table, columns, unique=unique)


def add_columns(table: str, *columns: sa.Column[Any]) -> None:
    """Add the columns the table lacks, in one batch (one table copy on SQLite)."""
    missing = [c for c in columns if not has_column(table, c.name)]
    if missing:
        with op.batch_alter_table(table) as batch:
            for column in missing:
                batch.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    """Drop the columns that exist, in one batch (downgrades)."""
    present = [n for n in names if has_column(table, n)]
    if present:
        with op.batch_alter_table(table) as batch:
            for name in present:
                batch.drop_column(name)


def drop_table(name: str) -> None:
    """``op.drop_table`` if the table exists (downgrades)."""
    if has_table(name):
        op.drop_table(name)
