"""The Compose stack, read from what ``docker-compose config`` resolves for dev and prod (the engine is not needed)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.deploy.conftest import ROOT, compose_config, example_env

APP_SERVICES = {"migrations", "api", "worker-fetch", "worker-render", "worker-images", "worker-etl", "beat", "flower",
                "consumer"}
DATA_STORES = {"postgres", "redis", "kafka"}
ONE_SHOT = {"migrations"}


def published(port: Any) -> tuple[str, str]:
    """(host address, host port) of a ports entry in either of compose's spellings."""
    if isinstance(port, dict):
        return str(port.get("host_ip", "0.0.0.0")), str(port["published"])
    parts = str(port).split("/")[0].split(":")
    return (parts[0], parts[1]) if len(parts) == 3 else ("0.0.0.0", parts[0])


def test_the_stack_has_every_role(resolved: tuple[str, dict[str, Any]]) -> None:
    _, config = resolved
    assert APP_SERVICES | DATA_STORES | {"nginx"} <= set(config["services"])


def test_every_long_running_service_has_a_healthcheck(resolved: tuple[str, dict[str, Any]]) -> None:
    _, config = resolved
    for name, service in config["services"].items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable") and check.get("test"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_app_services_wait_for_migrations_and_healthy_stores(resolved: tuple[str, dict[str, Any]]) -> None:
    _, config = resolved
    services = config["services"]
    assert services["migrations"]["command"][-2:] == ["db", "upgrade"]
    assert services["migrations"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES - ONE_SHOT:
        waits = services[name]["depends_on"]
        assert waits["migrations"]["condition"] == "service_completed_successfully", name
        assert waits["redis"]["condition"] == "service_healthy", name
        assert waits["kafka"]["condition"] == "service_healthy", name
    assert services["nginx"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_one_worker_per_queue_with_its_own_concurrency(resolved: tuple[str, dict[str, Any]]) -> None:
    _, config = resolved
    for queue in ("fetch", "render", "images", "etl"):
        command = " ".join(config["services"][f"worker-{queue}"]["command"])
        assert re.search(rf"--queues {queue}\b(?!,)", command), command
        assert re.search(r"--concurrency \d+", command), command
        assert f"--hostname {queue}@%h" in command


def test_kafka_runs_kraft_from_the_official_image(resolved: tuple[str, dict[str, Any]]) -> None:
    _, config = resolved
    kafka = config["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in yaml.safe_dump(config).lower()


def test_third_party_images_are_pinned(resolved: tuple[str, dict[str, Any]]) -> None:
    _, config = resolved
    for name, service in config["services"].items():
        if name in APP_SERVICES or name == "demo":
            continue
        image = service["image"]
        # A release (major.minor at least: postgres numbers its patch releases that way), never latest or a major
        assert re.search(r":v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$", image) or "@sha256:" in image, f"{name}: {image}"


def test_prod_publishes_only_nginx_80_and_443() -> None:
    config = _prod()
    for name, service in config["services"].items():
        if name == "nginx":
            assert sorted(published(p)[1] for p in service["ports"]) == ["443", "80"]
        else:
            assert not service.get("ports"), f"{name} publishes {service['ports']} in production"
            assert not service.get("network_mode"), name


def test_prod_restarts_limits_and_rotates_logs() -> None:
    config = _prod()
    for name, service in config["services"].items():
        if name in ONE_SHOT:
            assert service["restart"] == "no"
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["logging"]["driver"] == "json-file" and service["logging"]["options"]["max-size"], name
        assert service["deploy"]["resources"]["limits"]["memory"], name


def test_prod_keeps_data_in_named_volumes_and_runs_a_commit_image() -> None:
    config = _prod()
    for name in DATA_STORES:
        mounts = config["services"][name]["volumes"]
        assert mounts and all(_source(m) in config["volumes"] for m in mounts), f"{name}: {mounts}"
    assert config["services"]["api"]["image"].endswith(":0123abc")
    assert config["services"]["nginx"]["volumes"]


def test_prod_needs_an_image_tag_and_every_secret(tmp_path) -> None:
    without_tag = compose_config("prod", example_env(tmp_path, SIGHTSEARCH_TAG=""))
    assert without_tag.returncode != 0 and "SIGHTSEARCH_TAG" in without_tag.stderr
    for secret in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "FLOWER_PASSWORD"):
        result = compose_config("prod", example_env(tmp_path, **{secret: "", "SIGHTSEARCH_TAG": "0123abc"}))
        assert result.returncode != 0 and secret in result.stderr, secret


def test_no_secret_has_a_default_in_the_compose_files() -> None:
    secretish = re.compile(r"PASSWORD|SECRET|TOKEN|_AUTH\b")
    for path in ROOT.glob("docker-compose*.yml"):
        text = path.read_text(encoding="utf-8")
        for ref in re.finditer(r"\$\{(\w+)(:?[-?])?[^}]*\}", text):
            if secretish.search(ref[1]):
                assert ref[2] == ":?", f"{path.name}: {ref[0]} must be required (:?), never defaulted"
        for key, value in re.findall(r"^\s*([A-Z_]+):\s*(.*)$", text, flags=re.M):
            if secretish.search(key):
                assert value.startswith("${"), f"{path.name}: {key} has a literal value"


def test_production_is_the_default_environment(resolved: tuple[str, dict[str, Any]]) -> None:
    env, config = resolved
    expected = "development" if env == "dev" else "production"
    for name in APP_SERVICES:
        assert config["services"][name]["environment"]["SIGHTSEARCH_ENVIRONMENT"] == expected, name


def test_dev_binds_loopback_mounts_sources_and_reloads() -> None:
    config = _dev()
    for name, service in config["services"].items():
        for port in service.get("ports", []):
            assert published(port)[0] == "127.0.0.1", f"{name} publishes {port} beyond loopback"
    for name in APP_SERVICES - ONE_SHOT:
        service = config["services"][name]
        assert any(str(m).endswith(":/opt/sightsearch-src:ro") or _source(m).endswith("/src") for m in
                   service["volumes"]), name
        assert service["command"][0] == "watchfiles", name
    demo = config["services"]["demo"]
    assert "DemoServer" in " ".join(demo["command"]) and published(demo["ports"][0])[0] == "127.0.0.1"


def _source(mount: Any) -> str:
    return str(mount["source"] if isinstance(mount, dict) else str(mount).split(":")[0])


def _resolved(env: str, **overrides: str) -> dict[str, Any]:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        result = compose_config(env, example_env(Path(folder), **overrides))
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def _prod() -> dict[str, Any]:
    return _resolved("prod", SIGHTSEARCH_TAG="0123abc")


def _dev() -> dict[str, Any]:
    return _resolved("dev", SIGHTSEARCH_TAG="0123abc")
