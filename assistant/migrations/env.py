"""Alembic's environment: migrate the connection the store hands over (or the configured URL).

Batch mode is on so ALTERs work on SQLite (which copies the table) as on PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from assistant.storage import metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic -x url=...` from a shell, for an operator
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    engine = create_engine(str(url))
    with engine.begin() as opened:
        _run(opened)
    engine.dispose()
