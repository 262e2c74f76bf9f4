"""Planted secrets (database password, proxy key, webhook token, API key) never surface: not in a log line, an
event, a dead letter, the run's record, an API answer or a CLI error, while a run fails for reasons that carry them
(every fetch through an unreachable proxy whose key is its user name, alerts posted to a dead webhook)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import select, text

from sightsearch.api import create_app
from sightsearch.api.keys import create_api_key
from sightsearch.config import Settings
from sightsearch.metrics.consumer import consume_table
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
from sightsearch.storage.models import CrawlRun, DeadLetter
from tests.distributed.local_site import logging_site


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def secret(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex}"


@pytest.fixture
def secrets() -> dict[str, str]:
    return {"db": secret("DbPass"), "proxy": secret("ProxyKey"), "webhook": secret("HookToken"),
            "api": secret("ApiKeyGuess")}


def store_with_password(admin_url: str, password: str) -> str:
    """A database owned by a role with ``password`` (the test server trusts loopback; the URL still carries it)."""
    role, name = f"r_{uuid.uuid4().hex[:10]}", f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        connection.execute(f'CREATE DATABASE "{name}" OWNER {role}')
    host = admin_url.split("@", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{role}:{password}@{host}/{name}"


def test_planted_secrets_never_surface(postgres_admin_url: str, secrets: dict[str, str], tmp_path: Path,
                                       caplog: pytest.LogCaptureFixture) -> None:
    database_url = store_with_password(postgres_admin_url, secrets["db"])
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path / "state", max_retries=1,
                        backoff_base=0.01, backoff_max=0.05, render="never", download_images=False,
                        proxies=[f"http://{secrets['proxy']}@127.0.0.1:{closed_port()}"],
                        alert_webhook_url=f"http://127.0.0.1:{closed_port()}/hook/{secrets['webhook']}",
                        alert_min_events=1, alert_error_rate=0.1, proxy_cooldown=0.05)
    engine = create_db_engine(database_url)
    upgrade_schema(engine)
    caplog.set_level(logging.DEBUG)
    with logging_site() as site:
        site.page("/", "<a href='/p/1'>one</a>")
        summary = asyncio.run(EmbeddedRun(settings, engine=engine, max_pages=10).execute([site.url("/")]))
    assert summary.status == "failed"  # every fetch went to the dead proxy
    consume_table(settings, engine)  # metrics and alerts, posted to the dead webhook

    seen: list[str] = [record.getMessage() for record in caplog.records]
    seen += [str(record.exc_info) for record in caplog.records if record.exc_info]
    with session_scope(engine) as session:
        seen += [json.dumps(row._asdict(), default=str) for row in session.execute(text("SELECT * FROM events"))]
        seen += [json.dumps(row._asdict(), default=str) for row in session.execute(text("SELECT * FROM alerts"))]
        letters = list(session.scalars(select(DeadLetter)))
        assert letters, "the failing run left dead letters"
        seen += [f"{d.reason} {json.dumps(d.payload)}" for d in letters]
        seen += [str(run.error) for run in session.scalars(select(CrawlRun))]
        key = create_api_key(session, "probe")[1]
    seen += api_answers(settings, engine, key, secrets["api"])
    seen += [cli_error(secrets["db"])]
    engine.dispose()
    everything = "\n".join(seen)
    assert "proxy" in everything.lower() and "hook" in everything.lower()  # the failures were reported...
    for name, value in secrets.items():
        assert value not in everything, f"the {name} secret leaked"  # ...without their secrets


def api_answers(settings: Settings, engine: object, key: str, guessed_key: str) -> list[str]:
    app = create_app(settings, engine=engine)  # type: ignore[arg-type]

    async def ask() -> list[str]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as api:
            answers = [await api.get("/api/v1/failures", headers={"X-API-Key": key}),
                       await api.get("/api/v1/runs", headers={"X-API-Key": key}),
                       await api.post("/api/v1/runs", json={"seeds": ["http://example.com/"]},
                                      headers={"X-API-Key": guessed_key}),
                       await api.get("/api/v1/products", params={"cursor": guessed_key})]
        return [answer.text for answer in answers]

    return asyncio.run(ask())


def cli_error(password: str) -> str:
    """The CLI facing a malformed database URL that carries a password."""
    done = subprocess.run([sys.executable, "-m", "sightsearch", "products"], capture_output=True, text=True,
                          env={"SIGHTSEARCH_DATABASE_URL": f"postgresql+psycopg://u:{password}@[bad:host/db",
                               "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode != 0
    return done.stdout + done.stderr
