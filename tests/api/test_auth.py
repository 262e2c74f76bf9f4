"""API keys: writes and run submissions need one; revoked keys are refused; reads optionally protected; safe binds."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from sightsearch.api import create_app
from sightsearch.api.bind import check_bind
from sightsearch.api.keys import hash_key, revoke_api_key
from sightsearch.errors import ConfigurationError
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import ApiKey, DeadLetter
from tests.api.conftest import api_settings, client_for, new_key


def add_dead_letter(engine: Engine) -> int:
    with session_scope(engine) as session:
        item = DeadLetter(stage="validate", reason="missing price", url="http://shop.example/p/1", payload={})
        session.add(item)
        session.flush()
        return item.id


async def test_writes_need_a_valid_unrevoked_key(engine: Engine) -> None:
    first, second = add_dead_letter(engine), add_dead_letter(engine)
    key = new_key(engine)
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        dismiss = f"/api/v1/failures/{first}/dismiss"
        missing = await api.post(dismiss)
        assert (missing.status_code, missing.json()["error"]["code"]) == (401, "missing_api_key")
        assert missing.headers["www-authenticate"] == "X-API-Key"
        wrong = await api.post(dismiss, headers={"X-API-Key": "ss_not-a-key"})
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "invalid_api_key")
        runs = await api.post("/api/v1/runs", json={"seeds": ["https://example.com/"]})
        assert runs.status_code == 401, "submitting runs needs a key"
        accepted = await api.post(dismiss, headers={"X-API-Key": key})
        assert accepted.status_code == 200 and accepted.json()["status"] == "dismissed"
        again = await api.post(dismiss, headers={"X-API-Key": key})
        assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
        with session_scope(engine) as session:
            revoke_api_key(session, key[:11])
        revoked = await api.post(f"/api/v1/failures/{second}/dismiss", headers={"X-API-Key": key})
        assert (revoked.status_code, revoked.json()["error"]["code"]) == (401, "invalid_api_key")
        assert (await api.get("/api/v1/failures")).status_code == 200, "reads are open by default"
    with session_scope(engine) as session:
        stored = session.scalar(select(ApiKey))
        assert stored is not None and stored.key_hash == hash_key(key) and key not in (stored.prefix, stored.key_hash)


async def test_reads_can_require_a_key(sqlite_engine: Engine) -> None:
    key = new_key(sqlite_engine)
    app = create_app(api_settings(api_read_requires_key=True), engine=sqlite_engine)
    async with client_for(app) as api:
        for path in ("/api/v1/products", "/api/v1/runs", "/api/v1/failures", "/api/v1/metrics/summary", "/metrics"):
            assert (await api.get(path)).status_code == 401, path
            assert (await api.get(path, headers={"X-API-Key": key})).status_code == 200, path
        assert (await api.get("/health")).status_code == 200, "probes stay open"


async def test_auth_disabled_allows_writes_on_loopback(sqlite_engine: Engine) -> None:
    dead = add_dead_letter(sqlite_engine)
    async with client_for(create_app(api_settings(api_auth_enabled=False), engine=sqlite_engine)) as api:
        assert (await api.post(f"/api/v1/failures/{dead}/dismiss")).status_code == 200


def test_public_bind_without_auth_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"refusing to serve on 0\.0\.0\.0"):
        check_bind("0.0.0.0", auth_enabled=False)
    with pytest.raises(ValueError, match="api_auth_enabled=false"):
        api_settings(api_auth_enabled=False, api_host="192.168.1.10")
    check_bind("127.0.0.1", auth_enabled=False)
    check_bind("::1", auth_enabled=False)
    check_bind("0.0.0.0", auth_enabled=True)


def test_apikey_commands(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from sightsearch.cli import _register_commands, app
    from sightsearch.config import get_settings

    monkeypatch.setenv("SIGHTSEARCH_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    _register_commands()
    runner = CliRunner()
    created = runner.invoke(app, ["apikey", "create", "--name", "ci"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("ss_") and len(key) > 40
    listed = runner.invoke(app, ["apikey", "list"])
    assert "ci" in listed.stdout and key not in listed.stdout and "active" in listed.stdout
    assert runner.invoke(app, ["apikey", "revoke", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["apikey", "list"]).stdout
    get_settings.cache_clear()


async def test_revoked_key_lookup_is_by_hash(engine: Engine) -> None:
    key = new_key(engine)
    with session_scope(engine) as session, pytest.raises(LookupError):
        revoke_api_key(session, "no-such-prefix")
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        response = await api.post("/api/v1/failures/1/dismiss", headers={"X-API-Key": key + "x"})
    assert response.status_code == 401


def test_reads_that_need_a_key_with_keys_off_is_refused_not_left_open() -> None:
    with pytest.raises(ValueError, match="api_read_requires_key=true needs api_auth_enabled=true"):
        api_settings(api_auth_enabled=False, api_read_requires_key=True)
