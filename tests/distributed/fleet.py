"""Real Celery worker processes for the distributed tests, and the environment they share with the test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Short timeouts so a killed worker's task comes back within seconds, and quick back-offs.
FAST_SETTINGS = {
    "BROKER_VISIBILITY_TIMEOUT": "4", "BROKER_RESTORE_INTERVAL": "1", "BACKOFF_BASE": "0.05", "BACKOFF_MAX": "0.5",
    "MAX_RETRY_AFTER": "3", "MAX_RETRIES": "2", "REQUEST_TIMEOUT": "10", "DOMAIN_RATE": "500", "DOMAIN_BURST": "16",
    "BATCH_SIZE": "20",
}


def worker_env(broker_url: str, database_url: str, tmp: Path, **overrides: str) -> dict[str, str]:
    """The environment of a worker (and of the client that submits runs to it)."""
    settings = {**FAST_SETTINGS, **overrides, "BROKER_URL": broker_url, "DATABASE_URL": database_url,
                "DATA_DIR": str(tmp / "state")}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGHTSEARCH_")}
    return clean | {f"SIGHTSEARCH_{name}": value for name, value in settings.items()}


class Fleet:
    """Celery worker processes started for one test; each in its own process group so it can be killed whole."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, env: dict[str, str], *, queues: str = "fetch,render,images,etl", concurrency: int = 1,
              wait: bool = True) -> None:
        """Start worker ``name``; with ``wait=False`` call ``wait_ready`` later (workers start in parallel)."""
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sightsearch.workers.app", "worker", "-Q", queues,
             "-c", str(concurrency), "-n", f"{name}@%h", "-l", "info", "--without-gossip", "--without-mingle"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        if wait:
            self.wait_ready(name)

    def start_many(self, names: list[str], env: dict[str, str], **options: object) -> None:
        for name in names:
            self.start(name, env | {"SIGHTSEARCH_USER_AGENT": f"SightSearchBot-{name}"}, wait=False, **options)  # type: ignore[arg-type]
        for name in names:
            self.wait_ready(name)

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while b"ready." not in (self.tmp / f"{name}.log").read_bytes():
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{self.log(name)}")
            time.sleep(0.1)

    def kill(self, name: str) -> None:
        """SIGKILL the worker and its pool processes at once, as a machine losing power would."""
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_for(condition: Callable[[], bool], timeout: float, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
