"""The processes behind the edge in the TLS smoke test: ``sightsearch serve`` and ``sightsearch flower``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.deploy.edge import free_port, wait_for_port
from tests.services.process import stop_process

SIGHTSEARCH = str(Path(sys.executable).parent / "sightsearch")


@contextmanager
def sightsearch_process(args: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """Run ``sightsearch <args>`` until it listens on 127.0.0.1:``port``; yields ``127.0.0.1:<port>``; stops it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGHTSEARCH_")}
    with log.open("wb") as output:
        process = subprocess.Popen([SIGHTSEARCH, *args], env={**clean, **env}, stdout=output, stderr=subprocess.STDOUT,
                                   cwd=log.parent)
        try:
            try:
                wait_for_port(port, process, timeout=60)
            except RuntimeError as err:
                raise RuntimeError(f"{err}\n{log.read_text(errors='replace')[-3000:]}") from None
            yield f"127.0.0.1:{port}"
        finally:
            stop_process(process)


@contextmanager
def running_api(folder: Path) -> Iterator[str]:
    """The data API on a SQLite store in ``folder``."""
    port = free_port()
    env = {"SIGHTSEARCH_DATABASE_URL": f"sqlite:///{folder / 'store.db'}", "SIGHTSEARCH_DATA_DIR": str(folder / "state")}
    with sightsearch_process(["serve", "--host", "127.0.0.1", "--port", str(port)], env, port, folder / "api.log") as a:
        yield a


@contextmanager
def running_flower(folder: Path, broker_url: str, user: str, password: str) -> Iterator[str]:
    """Flower with basic auth on the given Redis broker."""
    port = free_port()
    env = {"SIGHTSEARCH_BROKER_URL": broker_url, "SIGHTSEARCH_FLOWER_USER": user, "SIGHTSEARCH_FLOWER_PASSWORD": password,
           "SIGHTSEARCH_FLOWER_ADDRESS": "127.0.0.1", "SIGHTSEARCH_FLOWER_PORT": str(port),
           "SIGHTSEARCH_DATA_DIR": str(folder / "state")}
    with sightsearch_process(["flower"], env, port, folder / "flower.log") as address:
        yield address
