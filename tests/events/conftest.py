"""Fixtures for the event tests: a Kafka-protocol broker, settings that point at it, a webhook receiver."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sightsearch.config import Settings
from tests.events.helpers import Webhook, event_settings
from tests.services.kafka import TansuBroker, TcpGate, gated_tansu, throwaway_tansu


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """SIGHTSEARCH_TEST_KAFKA_BOOTSTRAP when set, else a tansu broker started for the session."""
    given = os.environ.get("SIGHTSEARCH_TEST_KAFKA_BOOTSTRAP")
    if given:
        yield given
        return
    with throwaway_tansu() as broker:
        yield broker.bootstrap


@pytest.fixture
def gated_broker() -> Iterator[tuple[TansuBroker, TcpGate]]:
    """A broker of this test alone behind a gate: closing the gate is an outage that keeps the broker's log."""
    with gated_tansu() as pair:
        yield pair


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, tmp_path: Path) -> Settings:
    return event_settings(kafka_bootstrap, tmp_path)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()
