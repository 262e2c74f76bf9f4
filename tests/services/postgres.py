"""A throwaway PostgreSQL server on 127.0.0.1 for the test session, or the one named by SIGHTSEARCH_TEST_POSTGRES_URL.

Uses Debian's postgresql binaries; as root, the server runs as the ``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        pytest.fail(f"PostgreSQL's {name} is missing: apt-get install postgresql (or set SIGHTSEARCH_TEST_POSTGRES_URL)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    """A throwaway cluster in a temporary folder on a free loopback port; ``stop`` and ``start`` simulate outages."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sightsearch-pg-"))
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        self.data, self.port = self.folder / "data", _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run([_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])

    def _run(self, command: list[str]) -> None:
        subprocess.run(_as_server_user(command), check=True, capture_output=True, text=True)

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run([_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "-t", "60", "start"])

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(_as_server_user([_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]), capture_output=True)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def throwaway_postgres() -> Iterator[PostgresServer]:
    """Start a fresh cluster; yields the running server (``.url`` is an admin URL); stops and deletes it after."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def create_database(admin_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
