"""Property-based fuzz of the OpenAPI schema (schemathesis, in-process over ASGI, SQLite): no 5xx, and every
response matches the schema of its status code. Once anonymous on the crawled shop (writes get 401), once with a
key on a small store of its own for the writes (run submission aside: it would crawl whatever URL it generates)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import Engine

from sightsearch.api import create_app
from sightsearch.config import Settings
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter
from tests.api.conftest import api_settings, new_key

CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def fuzz_settings() -> Settings:
    # schemathesis calls the app as Starlette's test client does, with Host "testserver": name it, so every request
    # also goes through the Host check.
    return api_settings(api_allowed_hosts=["testserver"])


@pytest.fixture(scope="module")
def anonymous_schema(crawled_sqlite: Engine) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(fuzz_settings(), engine=crawled_sqlite))


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[schemathesis.BaseSchema, str]]:
    from sightsearch.storage.db import create_db_engine, upgrade_schema

    engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    upgrade_schema(engine)
    with session_scope(engine) as session:
        session.add_all(DeadLetter(stage="validate", reason="missing price", url=f"http://shop.example/{n}",
                                   payload={"url": f"http://shop.example/{n}"}) for n in range(5))
    key = new_key(engine)
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(fuzz_settings(), engine=engine)), key
    engine.dispose()


anonymous = schemathesis.pytest.from_fixture("anonymous_schema")
# Reads are fuzzed anonymously already; with the key, the writes only a key reaches.
with_key = schemathesis.pytest.from_fixture("keyed_schema").include(method="POST").exclude(path="/api/v1/runs")


@pytest.fixture(scope="module")
def keyed_schema(keyed: tuple[schemathesis.BaseSchema, str]) -> schemathesis.BaseSchema:
    return keyed[0]


@anonymous.parametrize()
@FUZZ
def test_anonymous_fuzz(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


@with_key.parametrize()
@FUZZ
def test_fuzz_with_a_key(case: schemathesis.Case, keyed: tuple[schemathesis.BaseSchema, str]) -> None:
    case.call_and_validate(checks=CHECKS, headers={"X-API-Key": keyed[1]})
