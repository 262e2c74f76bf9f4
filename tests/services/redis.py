"""A throwaway Redis on 127.0.0.1 (Debian's redis-server, no persistence), or the one in SIGHTSEARCH_TEST_REDIS_URL.

Import the fixtures into a conftest or test module: ``from tests.services.redis import redis_server, redis_url``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count

import pytest

_databases = count(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_redis() -> Iterator[str]:
    """Start redis-server on a free loopback port without persistence; yields its URL; kills it after."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: apt-get install redis-server (or set SIGHTSEARCH_TEST_REDIS_URL)")
    folder, port = tempfile.mkdtemp(prefix="sightsearch-redis-"), _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", folder, "--databases", "64", "--protected-mode", "yes", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """SIGHTSEARCH_TEST_REDIS_URL (without a database number) when set, else a server for this session."""
    given = os.environ.get("SIGHTSEARCH_TEST_REDIS_URL")
    if given:
        yield given.rstrip("/").rsplit("/", 1)[0] if given.rstrip("/").count("/") > 2 else given.rstrip("/")
        return
    with throwaway_redis() as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """A Redis database of its own for one test (flushed first), so tests never see each other's keys."""
    import redis

    url = f"{redis_server}/{next(_databases) % 63 + 1}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url
