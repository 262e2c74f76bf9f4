"""Fixtures for the crawl contract over both modes: the distributed ones (Redis, worker fleet) come from there."""

from tests.distributed.conftest import fleet, pytest_runtest_makereport  # noqa: F401 (fixtures and hook)
from tests.services.redis import redis_server, redis_url  # noqa: F401 (fixtures)
