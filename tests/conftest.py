"""Fixtures shared by every test folder: the databases the storage-facing tests run against.

``database_url`` is a fresh, empty database per test: a SQLite file, or (for the ``postgres``
parameter) a new database on one throw-away PostgreSQL server per session (``tests/postgres.py``).
Tests opt in to both with ``@both_databases`` (or ``pytestmark = both_databases``); the
PostgreSQL ids carry the ``postgres`` marker, so ``-m "not postgres"`` leaves them out. Where no
server can be started they are skipped with the reason, except under CI (``CI=true``), where
that is a failure: CI installs the server (``scripts/test``).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import postgres

BACKENDS = ("sqlite", pytest.param("postgres", marks=pytest.mark.postgres))
both_databases = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True)
_numbers = itertools.count(1)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.Server]:
    """One PostgreSQL server for the whole session, started on first use."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg driver is not installed (pip install '.[postgres]')")
    try:
        with postgres.running_server() as server:
            yield server
    except postgres.Unavailable as exc:
        _unavailable(str(exc))


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless the test is parametrized with ``both_databases``."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(
    db_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A fresh, empty database of the test's backend, as an ``AMENDS_DATABASE_URL``."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'amends-test.db'}"
        return
    server: postgres.Server = request.getfixturevalue("pg_server")
    name = f"amends_test_{os.getpid()}_{next(_numbers)}"
    url = postgres.create_database(server, name)
    try:
        yield url
    finally:
        postgres.drop_database(server, name)
