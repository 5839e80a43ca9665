"""A throw-away PostgreSQL server for the tests: found on this machine, never downloaded.

``scripts/test`` installs Debian's ``postgresql`` when no server binaries are found; this module
finds ``initdb``/``pg_ctl`` (PATH, ``/usr/lib/postgresql/*/bin``, ``/usr/local/bin``), makes a
cluster in a temporary folder owned by an unprivileged user (initdb refuses to run as root),
starts it on a free loopback port with password (SCRAM) authentication and fsync off, and stops
and removes it at the end of the session. Each test gets a database of its own.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEARCH_DIRS = ("/usr/local/bin", "/usr/local/pgsql/bin")
# Users that may own the cluster when the tests run as root, most fitting first.
SERVER_USERS = ("postgres", "nobody")
ADMIN_USER = "amends"


class Unavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why and what to install."""


@dataclass(frozen=True)
class Server:
    """A running server: where it listens and the superuser's password (test-only)."""

    port: int
    password: str
    bin_dir: Path

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"postgresql://{ADMIN_USER}:{secret}@127.0.0.1:{self.port}/{database}"


def find_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``; Unavailable when there is none.

    ``AMENDS_TEST_PG_BIN`` names the one folder to use instead (a developer's own build).
    """
    chosen = os.environ.get("AMENDS_TEST_PG_BIN")
    if chosen:
        if (Path(chosen) / "initdb").exists() and (Path(chosen) / "pg_ctl").exists():
            return Path(chosen)
        raise Unavailable(f"AMENDS_TEST_PG_BIN={chosen} holds no initdb and pg_ctl")
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += versions + [Path(d) for d in SEARCH_DIRS]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise Unavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH, in"
        " /usr/lib/postgresql/*/bin or /usr/local/bin; install Debian's postgresql"
        " (bash scripts/test does)"
    )


def _server_user() -> str | None:
    """None when not root; else an existing unprivileged user to own the cluster."""
    if os.geteuid() != 0:
        return None
    for name in SERVER_USERS:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise Unavailable("running as root and no unprivileged user (postgres, nobody) to run initdb")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], user: str | None, log: Path) -> None:
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    with log.open("ab") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False,
                              timeout=120)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-1500:]
        raise Unavailable(f"{Path(command[-1]).name}: {' '.join(command)} failed:\n{tail}")


@contextlib.contextmanager
def running_server() -> Iterator[Server]:
    """Start a private cluster and yield it; stopped and deleted afterwards."""
    bin_dir = find_bin_dir()
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="amends-pg-"))
    data, log = root / "data", root / "server.log"
    password = secrets.token_urlsafe(16)
    (root / "pw").write_text(password)
    log.touch()
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (root, root / "pw", log):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", ADMIN_USER, "-E", "UTF8",
              "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
              f"--pwfile={root / 'pw'}", "-N"], user, log)
        options = f"-p {port} -h 127.0.0.1 -k {root} -F -c max_connections=60"
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
              "-w", "-t", "60", "start"], user, log)
        try:
            yield Server(port=port, password=password, bin_dir=bin_dir)
        finally:
            with contextlib.suppress(Unavailable, subprocess.TimeoutExpired):
                _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                      "stop"], user, log)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def create_database(server: Server, name: str) -> str:
    """A new, empty database on ``server``; its URL."""
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


def drop_database(server: Server, name: str) -> None:
    """Remove a test's database, closing whatever connections it left open."""
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
