"""The Airflow venv installs the project with --no-deps from a pinned freeze: every runtime dependency of the
project must be in that freeze, or a DAG task fails on import (a new dependency is easy to forget there)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_runtime_dependency_is_in_the_airflow_freeze() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {normalized(re.split(r"[=<>!~\[ ;]", dep)[0]) for dep in project["dependencies"]}
    lines = (ROOT / "airflow" / "requirements.txt").read_text().splitlines()
    frozen = {normalized(line.split("==")[0]) for line in lines if "==" in line and not line.startswith("#")}
    assert wanted <= frozen, sorted(wanted - frozen)
