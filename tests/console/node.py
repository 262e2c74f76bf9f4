"""Running the console's npm scripts from pytest: Node and the installed node_modules, or a skip that says why."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE = Path(__file__).resolve().parents[2] / "console"
BUILD = Path(__file__).resolve().parents[2] / "src" / "sightsearch" / "api" / "console_dist"
ARTEFACTS = CONSOLE / "test-results"


def require_node() -> str:
    """The npm executable; skips when Node or the console's node_modules (from `make install`) are missing."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("Node/npm is not installed: the console is not built on this machine")
    if not (CONSOLE / "node_modules").is_dir():
        pytest.skip("console/node_modules is missing: run `make install` (npm ci in console/)")
    return npm


def run_npm(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``npm ARGS`` in console/ with this test run's Python for scripts that ask the app for its schema."""
    npm = require_node()
    full_env = {**os.environ, "SIGHTSEARCH_PYTHON": sys.executable, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
                "NO_COLOR": "1", "FORCE_COLOR": "0", **(env or {})}
    return subprocess.run([npm, *args], cwd=CONSOLE, env=full_env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
