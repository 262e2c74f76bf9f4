"""Fixtures for the deployment checks: the linters from the ``deploy`` extra, and compose's resolved config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_ENVS = ("dev", "prod")


def tool(name: str) -> str:
    """A linter binary: from this venv (the ``deploy`` extra ships them), else from PATH; fails with the fix."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: make deploy-check installs it (pip install -e '.[deploy]')")
    return found


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a checker from the repository root; PATH gets this venv's bin (actionlint finds shellcheck there)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, env=env, **kwargs)


def example_env(tmp: Path, **overrides: str) -> Path:
    """.env.example with every placeholder secret replaced by a random-looking one (as an operator would)."""
    lines = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key in overrides:
            value = overrides.pop(key)
        elif sep and value == "change-me":
            value = os.urandom(8).hex()
        lines.append(f"{key}{sep}{value}" if sep else line)
    lines += [f"{key}={value}" for key, value in overrides.items()]
    path = tmp / "env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def compose_config(env: str, env_file: Path) -> subprocess.CompletedProcess[str]:
    """``docker-compose config`` (Debian's docker-compose, no engine needed) for docker-compose.<env>.yml."""
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is missing: apt-get install docker-compose (make deploy-check does)")
    return run([binary, "--env-file", str(env_file), "-f", "docker-compose.yml", "-f", f"docker-compose.{env}.yml",
                "config"])


@pytest.fixture(scope="module", params=COMPOSE_ENVS)
def resolved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """(env, the resolved compose model) for dev and prod, from a filled-in copy of .env.example."""
    env_file = example_env(tmp_path_factory.mktemp("env"), SIGHTSEARCH_TAG="0123abc")
    result = compose_config(request.param, env_file)
    assert result.returncode == 0, result.stderr
    return request.param, yaml.safe_load(result.stdout)
