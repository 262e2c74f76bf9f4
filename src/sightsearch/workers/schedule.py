"""Periodic re-crawls for Celery beat, from ``SIGHTSEARCH_SCHEDULES``.

Each entry: ``{"name": "shop-daily", "seeds": ["https://shop.example/"], "cron": "0 3 * * *", "max_pages": 5000}``
(``cron``: minute hour day-of-month month day-of-week, UTC) or ``"every": 3600`` (seconds) instead of ``cron``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from sightsearch.config import Settings
from sightsearch.errors import ConfigurationError


class CrawlSchedule(BaseModel):
    """One periodic crawl."""

    name: str = Field(min_length=1)
    seeds: list[str] = Field(min_length=1)
    cron: str | None = None
    every: float | None = Field(None, gt=0)
    max_pages: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_timing(self) -> CrawlSchedule:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give exactly one of cron or every")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(f"cron needs 5 fields (minute hour day month weekday), got {self.cron!r}")
        return self

    def timing(self) -> Any:
        """The Celery schedule object: a crontab or an interval in seconds."""
        if self.every is not None:
            return self.every
        from celery.schedules import crontab  # type: ignore[import-untyped]

        minute, hour, day, month, weekday = self.cron.split()  # type: ignore[union-attr]
        return crontab(minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week=weekday)


def parse_schedules(settings: Settings) -> list[CrawlSchedule]:
    """The configured schedules; a malformed one is a configuration error naming it."""
    schedules = []
    for index, raw in enumerate(settings.schedules):
        try:
            schedules.append(CrawlSchedule.model_validate(raw))
        except ValueError as err:
            raise ConfigurationError(f"SIGHTSEARCH_SCHEDULES[{index}] is invalid: {err}") from err
    return schedules


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Celery's ``beat_schedule``: one ``scheduled_crawl`` task per configured schedule."""
    return {
        f"crawl:{item.name}": {
            "task": "sightsearch.scheduled_crawl",
            "schedule": item.timing(),
            "kwargs": {"seeds": item.seeds, "max_pages": item.max_pages, "name": item.name},
            "options": {"queue": "etl"},
        }
        for item in parse_schedules(settings)
    }
