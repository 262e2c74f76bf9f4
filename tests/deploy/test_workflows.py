"""The GitHub workflows: actionlint clean, change-aware, secrets only from secrets.*, deploys only from main."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.conftest import ROOT, run, tool

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def path_filters() -> dict[str, list[str]]:
    step = next(s for s in workflow()["jobs"]["changes"]["steps"] if s.get("uses", "").startswith("dorny/paths-filter"))
    return yaml.safe_load(step["with"]["filters"])


def test_actionlint_passes() -> None:
    result = run([tool("actionlint"), "-no-color"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_changed_paths_decide_the_areas() -> None:
    filters = path_filters()
    assert {"src/**", "tests/**", "pyproject.toml", "Dockerfile"} <= set(filters["backend"])
    assert filters["console"] == ["console/**"]
    assert {"deploy/**", "docker-compose.yml", "docker-compose.*.yml"} <= set(filters["deploy"])


def test_each_area_runs_only_when_it_changed() -> None:
    jobs = workflow()["jobs"]
    assert "needs.changes.outputs.backend == 'true'" in jobs["backend"]["if"]
    assert "needs.changes.outputs.console == 'true'" in jobs["console"]["if"]
    assert "needs.changes.outputs.deploy == 'true'" in jobs["deploy-check"]["if"]
    outputs = jobs["changes"]["outputs"]
    assert set(outputs) == {"backend", "console", "deploy"}


def test_backend_lints_tests_builds_and_pushes_the_commit_image() -> None:
    jobs = workflow()["jobs"]
    backend = "\n".join(step.get("run", "") for step in jobs["backend"]["steps"])
    assert "ruff" in backend and "check" in backend and "make test" in backend
    push = next(s for s in jobs["image"]["steps"] if s.get("uses", "").startswith("docker/build-push-action"))
    assert push["with"]["push"] is True and push["with"]["tags"].endswith(":${{ github.sha }}")
    assert jobs["image"]["needs"] == ["changes", "backend", "console"]
    assert "!contains(needs.*.result, 'failure')" in jobs["image"]["if"]


def test_console_tests_builds_and_ships_its_static_files() -> None:
    jobs = workflow()["jobs"]
    commands = [step.get("run", "") for step in jobs["console"]["steps"]]
    assert "npm test" in commands and "npm run build" in commands
    shipping = "\n".join(step.get("run", "") for step in jobs["deploy"]["steps"])
    assert "console-dist/" in shipping and "rsync" in shipping


def test_deploys_only_from_main_one_at_a_time_over_ssh() -> None:
    jobs = workflow()["jobs"]
    for name in ("image", "deploy"):
        condition = jobs[name]["if"]
        assert "github.ref == 'refs/heads/main'" in condition and "github.event_name == 'push'" in condition, name
    deploy = jobs["deploy"]
    assert deploy["concurrency"] == {"group": "deploy-production", "cancel-in-progress": False}
    assert deploy["environment"] == "production"
    steps = "\n".join(step.get("run", "") for step in deploy["steps"])
    assert "ssh deploy-target" in steps and "deploy/scripts/deploy.sh '$GITHUB_SHA'" in steps
    assert "StrictHostKeyChecking yes" in steps
    assert "concurrency" in workflow()


def test_secrets_come_only_from_secrets() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for match in re.finditer(r"(?im)^\s*([\w-]*(?:password|token|key|secret)[\w-]*)\s*:\s*(.+)$", text):
        key, value = match[1], match[2].strip()
        if key.lower() in ("cache-dependency-path",):
            continue
        assert value.startswith("${{ secrets."), f"{key}: {value}"
    assert not re.search(r"-----BEGIN|ghp_|AKIA[0-9A-Z]{16}", text)


def test_every_workflow_file_is_checked() -> None:
    assert sorted(p.name for p in Path(WORKFLOW.parent).glob("*.y*ml")) == ["ci.yml"]
