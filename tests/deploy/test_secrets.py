"""Production refuses empty or placeholder secrets; development keeps working with none."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sightsearch.config import Settings
from tests.deploy.conftest import ROOT

REAL = "9f3c2a7b41d8e605"


def production(**values: object) -> Settings:
    return Settings(_env_file=None, environment="production", **values)  # type: ignore[call-arg]


def example_value(name: str) -> str:
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} is not in .env.example")


def test_development_is_the_default_and_needs_no_secret() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.environment == "development"
    Settings(_env_file=None, broker_url="redis://127.0.0.1:6379/0", flower_user="ops", flower_password="change-me-in-production")  # type: ignore[call-arg]


@pytest.mark.parametrize("name", ["POSTGRES_PASSWORD", "REDIS_PASSWORD", "FLOWER_PASSWORD"])
def test_the_example_env_file_ships_only_placeholders_that_production_refuses(name: str) -> None:
    placeholder = example_value(name)
    values = {
        "POSTGRES_PASSWORD": {"database_url": f"postgresql+psycopg://sightsearch:{placeholder}@postgres:5432/s"},
        "REDIS_PASSWORD": {"broker_url": f"redis://:{placeholder}@redis:6379/0"},
        "FLOWER_PASSWORD": {"flower_user": "ops", "flower_password": placeholder},
    }[name]
    with pytest.raises(ValidationError, match="placeholder secrets"):
        production(**values)


@pytest.mark.parametrize(("values", "culprit"), [
    ({"database_url": "postgresql+psycopg://sightsearch:@postgres/s"}, "database_url"),
    ({"database_url": "postgresql+psycopg://sightsearch:ChangeMe@postgres/s"}, "database_url"),
    ({"broker_url": "redis://redis:6379/0"}, "broker_url"),
    ({"broker_url": f"redis://:{REAL}@redis:6379/0", "redis_url": "redis://:password@redis:6379/1"}, "redis_url"),
    ({"flower_user": "ops"}, "flower_password"),
    ({"flower_user": "ops", "flower_password": "  "}, "flower_password"),
])
def test_production_names_the_unsafe_secret(values: dict[str, str], culprit: str) -> None:
    with pytest.raises(ValidationError) as caught:
        production(**values)
    assert culprit in str(caught.value).lower()


def test_production_accepts_real_secrets_and_hides_them() -> None:
    settings = production(database_url=f"postgresql+psycopg://sightsearch:{REAL}@postgres:5432/s",
                          broker_url=f"redis://:{REAL}@redis:6379/0", flower_user="ops", flower_password=REAL)
    assert settings.environment == "production"
    assert REAL not in repr(settings.model_copy(update={"database_url": "x"}))


def test_production_with_sqlite_and_no_services_is_fine() -> None:
    assert production().database_url.startswith("sqlite")


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, environment="staging")  # type: ignore[call-arg]
