"""`sightsearch serve` as a subprocess on a free loopback port, stopped (and reaped) by its owner."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.services.kafka import free_port
from tests.services.process import stop_process


@contextmanager
def running_server(env: dict[str, str], log: Path, timeout: float = 60) -> Iterator[str]:
    """Start the API + console with ``env`` added to this process's; yields its base URL once /health answers."""
    port = free_port()
    command = [sys.executable, "-m", "sightsearch", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, process, log, timeout)
            yield base
        finally:
            stop_process(process)


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sightsearch serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"sightsearch serve did not answer /health within {timeout} s:\n{log.read_text()[-3000:]}")
