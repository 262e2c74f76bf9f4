"""The Dockerfile: hadolint clean, multi-stage (Node builds the console, slim Python runs), non-root, one image."""

from __future__ import annotations

import re

from tests.deploy.conftest import ROOT, run, tool

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in DOCKERFILE.splitlines() if line.startswith(f"{name} ")]


def stage(name: str) -> str:
    """The text of one build stage, from its FROM to the next FROM."""
    match = re.search(rf"^FROM [^\n]+ AS {name}\n(.*?)(?=^FROM |\Z)", DOCKERFILE, flags=re.M | re.S)
    assert match, f"no stage {name}"
    return match[0]


def test_hadolint_passes() -> None:
    result = run([tool("hadolint"), "--failure-threshold", "info", "Dockerfile"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_images_are_pinned_releases() -> None:
    for image in instructions("FROM"):
        reference = image.split()[0]
        if reference in ("runtime",):
            continue
        assert re.search(r":\d+\.\d+\.\d+", reference), f"{reference} is not pinned to a release"


def test_node_builds_the_console_and_only_its_output_reaches_the_runtime() -> None:
    assert stage("console").startswith("FROM node:")
    assert "npm ci" in stage("console") and "npm run build" in stage("console")
    runtime = stage("runtime")
    assert runtime.startswith("FROM python:") and "-slim" in runtime.splitlines()[0]
    # Vite builds into the Python package, which the python-build stage installs with it
    assert "COPY --from=console /build/src/sightsearch/api/console_dist src/sightsearch/api/console_dist" in \
        stage("python-build")
    assert "node" not in runtime.split("\n", 1)[1].lower().replace("nodes", "")


def test_runtime_runs_as_an_unprivileged_user_with_a_healthcheck() -> None:
    runtime = stage("runtime")
    users = re.findall(r"^USER (\S+)", runtime, flags=re.M)
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert re.search(r"^HEALTHCHECK .*CMD", runtime, flags=re.M)
    assert (ROOT / "deploy" / "healthcheck.py").exists()
    # the dev stage adds a tool as root and must drop privileges again
    assert re.findall(r"^USER (\S+)", stage("dev"), flags=re.M)[-1] == users[-1]


def test_one_image_for_every_role_through_the_sightsearch_entrypoint() -> None:
    entrypoint = instructions("ENTRYPOINT")[-1]
    assert entrypoint.endswith('"sightsearch"]')
    assert "distributed" in DOCKERFILE and "api" in DOCKERFILE and "kafka" in DOCKERFILE  # every role's extra


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for entry in (".env", ".git", ".venv", "console/node_modules", "*.db"):
        assert entry in ignored, entry
