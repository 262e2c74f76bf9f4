"""Beat schedules from configuration (and a real beat submitting a crawl), and Flower's refusal to run unprotected."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from celery.schedules import crontab
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from sightsearch.config import Settings
from sightsearch.errors import ConfigurationError
from sightsearch.storage.db import create_db_engine, session_scope
from sightsearch.storage.models import CrawlRun
from sightsearch.workers import beat_schedule, parse_schedules
from sightsearch.workers.flower import flower_invocation
from tests.distributed.fleet import Fleet, wait_for, worker_env
from tests.distributed.local_site import links_page, logging_site


def test_schedules_become_beat_entries() -> None:
    settings = Settings(_env_file=None, schedules=[
        {"name": "daily", "seeds": ["https://shop.example/"], "cron": "0 3 * * *", "max_pages": 500},
        {"name": "hourly", "seeds": ["https://other.example/"], "every": 3600},
    ])
    entries = beat_schedule(settings)
    assert entries["crawl:daily"]["schedule"] == crontab(minute="0", hour="3")
    assert entries["crawl:daily"]["kwargs"] == {"seeds": ["https://shop.example/"], "max_pages": 500, "name": "daily"}
    assert entries["crawl:hourly"]["schedule"] == 3600 and entries["crawl:hourly"]["task"] == "sightsearch.scheduled_crawl"


@pytest.mark.parametrize("bad", [
    {"name": "x", "seeds": ["https://a/"]},  # no timing
    {"name": "x", "seeds": ["https://a/"], "cron": "0 3 * *"},  # four fields
    {"name": "x", "seeds": [], "every": 60},
])
def test_a_bad_schedule_is_a_configuration_error(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match=r"SIGHTSEARCH_SCHEDULES\[0\]"):
        parse_schedules(Settings(_env_file=None, schedules=[bad]))


def test_flower_needs_credentials_off_loopback_and_keeps_them_off_the_command_line() -> None:
    base = Settings(_env_file=None, broker_url="redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigurationError, match="needs SIGHTSEARCH_FLOWER_USER"):
        flower_invocation(base.model_copy(update={"flower_address": "0.0.0.0"}))
    with pytest.raises(ConfigurationError, match="ALLOW_NO_AUTH"):
        flower_invocation(base)  # loopback, but nobody said "no auth" on purpose
    command, env = flower_invocation(base.model_copy(update={"flower_allow_no_auth": True}))
    assert "flower" in command and env == {}
    password = "pw-123-long-enough"
    secured = base.model_copy(update={"flower_address": "0.0.0.0", "flower_user": "ops", "flower_password": password})
    command, env = flower_invocation(secured)
    assert env == {"FLOWER_BASIC_AUTH": f"ops:{password}"} and not any(password in part for part in command)
    assert "--address=0.0.0.0" in command


@pytest.mark.parametrize(("user", "password", "words"), [
    ("ops", "Str0ng,Pass-long", "must not contain ','"),  # Flower would let in "ops:Str0ng" and a bare "Pass-long"
    ("ops", "short-pw", "at least 12 characters"),
    ("ops,admin", "a-long-enough-pass", "no ':' or ','"),
    ("o:ps", "a-long-enough-pass", "no ':' or ','"),
])
def test_flower_credentials_flower_would_split_or_that_are_weak_are_refused(user: str, password: str,
                                                                            words: str) -> None:
    with pytest.raises(ValidationError, match=words) as refused:
        Settings(_env_file=None, flower_user=user, flower_password=password)
    assert password not in str(refused.value), "the error does not echo the password"
    base = Settings(_env_file=None, broker_url="redis://127.0.0.1:6379/0")
    bypassing = base.model_copy(update={"flower_user": user, "flower_password": password})  # copies skip validators
    with pytest.raises(ConfigurationError, match=words) as refused_again:
        flower_invocation(bypassing)
    assert password not in str(refused_again.value)


def test_beat_submits_the_scheduled_crawl(fleet: Fleet, redis_url: str, tmp_path: Path) -> None:
    with logging_site() as site:
        site.page("/", links_page(["/a"]))
        site.page("/a", "<html>a</html>")
        store = f"sqlite:///{tmp_path / 'store.db'}"
        schedules = [{"name": "often", "seeds": [site.url("/")], "every": 1, "max_pages": 5}]
        env = worker_env(redis_url, store, tmp_path, SCHEDULES=json.dumps(schedules), RESPECT_ROBOTS="false")
        fleet.start("w1", env, queues="fetch,etl")
        beat = subprocess.Popen([sys.executable, "-m", "sightsearch", "beat", "--loglevel", "warning"], env=env,
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            engine = create_db_engine(store)

            def finished_runs() -> int:
                if not (tmp_path / "store.db").exists():
                    return 0
                with session_scope(engine) as session:
                    try:
                        return len(session.scalars(select(CrawlRun).where(CrawlRun.status == "finished")).all())
                    except OperationalError:  # the schema is being created by the first run
                        return 0

            wait_for(lambda: finished_runs() >= 1, 60, "a scheduled run to finish")
        finally:
            os.killpg(beat.pid, signal.SIGTERM)
            beat.wait(timeout=10)
    assert site.count("/a") >= 1


def test_sightsearch_flower_serves_only_with_basic_auth(redis_url: str, tmp_path: Path) -> None:
    import base64
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = worker_env(redis_url, f"sqlite:///{tmp_path / 'store.db'}", tmp_path, FLOWER_USER="ops",
                     FLOWER_PASSWORD="pw-123-long-enough", FLOWER_PORT=str(port))
    flower = subprocess.Popen([sys.executable, "-m", "sightsearch", "flower"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def status(auth: str | None) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/workers")
        if auth:
            request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            return 0

    try:
        wait_for(lambda: status(None) != 0, 60, "Flower to listen")
        assert status(None) == 401 and status("ops:wrong") == 401
        assert status("ops:pw-123-long-enough") == 200
    finally:
        os.killpg(flower.pid, signal.SIGTERM)
        flower.wait(timeout=10)
