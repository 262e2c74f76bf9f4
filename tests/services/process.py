"""Stopping a process a test started: politely first, for good after a grace period."""

from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen[bytes], grace: float = 15) -> None:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL; returns once the process is reaped."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
