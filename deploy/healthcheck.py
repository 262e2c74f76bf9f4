"""The image's HEALTHCHECK: one check per role (``SIGHTSEARCH_ROLE``), exit 0 when healthy, 1 otherwise.

- api: ``GET /health`` on the local port answers 200.
- flower: ``GET /healthcheck`` answers 200 (Flower leaves that one path open).
- worker: the worker named ``SIGHTSEARCH_WORKER_NAME`` (e.g. ``fetch@%h``, %h the host name) answers a Celery ping.
- beat: the broker (Redis) answers PING: beat has no port of its own, and without its broker it schedules nothing.
- consumer: a Kafka bootstrap server accepts a TCP connection (the consumer group lives there).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from urllib.parse import urlsplit


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a fixed loopback URL)
        return response.status == 200


def worker_answers(name: str) -> bool:
    command = [sys.executable, "-m", "celery", "-A", "sightsearch.workers.app", "inspect", "ping",
               "--destination", name, "--timeout", "5"]
    return subprocess.run(command, capture_output=True, timeout=20, check=False).returncode == 0


def tcp_open(address: str) -> bool:
    host, _, port = address.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=5):
        return True


def redis_answers(url: str) -> bool:
    import redis

    return bool(redis.Redis.from_url(url, socket_timeout=5).ping())


def check(role: str) -> bool:
    env = os.environ
    if role == "api":
        return http_ok(f"http://127.0.0.1:{env.get('SIGHTSEARCH_API_PORT', '8000')}/health")
    if role == "flower":
        return http_ok(f"http://127.0.0.1:{env.get('SIGHTSEARCH_FLOWER_PORT', '5555')}/healthcheck")
    if role == "worker":
        # The same %h Celery expands in --hostname: the container's host name.
        return worker_answers(env.get("SIGHTSEARCH_WORKER_NAME", "celery@%h").replace("%h", socket.gethostname()))
    if role == "beat":
        return redis_answers(env["SIGHTSEARCH_BROKER_URL"])
    if role == "consumer":
        first = env["SIGHTSEARCH_KAFKA_BOOTSTRAP"].split(",")[0]
        return tcp_open(urlsplit(f"//{first}").netloc)
    raise SystemExit(f"unknown SIGHTSEARCH_ROLE {role!r}: api, flower, worker, beat or consumer")


if __name__ == "__main__":
    role = os.environ.get("SIGHTSEARCH_ROLE", "api")
    try:
        healthy = check(role)
    except Exception as err:  # any failure to answer is unhealthy; say why in `docker inspect`
        print(f"{role}: {type(err).__name__}: {err}", file=sys.stderr)
        healthy = False
    sys.exit(0 if healthy else 1)
