"""The store the agent tests ask about: the demo shop crawled twice (epoch 0, then epoch 1 on the same port, so
price history has price and stock changes), in SQLite and copied into PostgreSQL with the read-only role."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sightsearch.config import Settings
from sightsearch.demo import running_demo_site
from sightsearch.runner import EmbeddedRun
from sightsearch.storage.db import create_db_engine, upgrade_schema

SHOP = {"products": 120, "transient_failures": False}
READER_PASSWORD = "reader-test-password"


def agent_settings(**overrides: Any) -> Settings:
    """Settings the agent tests use: fast back-off, the read-only role's password, a short time limit."""
    values: dict[str, Any] = {"backoff_base": 0.05, "backoff_max": 0.5, "max_retry_after": 2,
                              "query_role_password": READER_PASSWORD, "query_timeout": 2.0, "download_images": True}
    return Settings(**(values | overrides))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def crawl_demo_twice(path: Path) -> Engine:
    """A SQLite store at ``path`` with the demo shop crawled at epoch 0 and again at epoch 1."""
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    port = _free_port()
    for epoch in (0, 1):
        with running_demo_site(port=port, epoch=epoch, **SHOP) as base_url:
            asyncio.run(EmbeddedRun(agent_settings(), engine=engine, max_pages=200).execute([base_url + "/"]))
    return engine
