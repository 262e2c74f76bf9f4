"""One typed settings object. Every field is read from ``SIGHTSEARCH_<NAME>`` or ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration. Defaults give a working embedded pipeline on SQLite with no services."""

    model_config = SettingsConfigDict(env_prefix="SIGHTSEARCH_", env_file=".env", extra="ignore")

    database_url: str = Field("sqlite:///sightsearch.db", description="SQLAlchemy URL of the product store.")

    # Crawling
    user_agent: str = Field("SightSearchBot/0.1 (+https://github.com/sightsearch)", description="User-Agent sent with every request.")
    max_pages: int = Field(10_000, ge=1, description="Default page budget per crawl run.")
    concurrency: int = Field(16, ge=1, le=1024, description="Maximum fetches in flight across all domains.")
    per_domain_concurrency: int = Field(8, ge=1, le=256, description="Maximum fetches in flight to one domain.")
    per_domain_delay: float = Field(0.0, ge=0, description="Minimum seconds between requests to one domain (robots Crawl-delay wins if larger).")
    request_timeout: float = Field(20.0, gt=0, description="Seconds before a request times out (connect, read, whole).")
    max_page_bytes: int = Field(5_000_000, ge=1024, description="Largest response body accepted; larger pages fail permanently.")
    max_redirects: int = Field(10, ge=0, description="Redirects followed before a fetch fails.")
    max_retries: int = Field(4, ge=0, description="Retries of a transient failure before it is dead-lettered.")
    backoff_base: float = Field(0.5, gt=0, description="First back-off delay in seconds; doubles each retry, with full jitter.")
    backoff_max: float = Field(60.0, gt=0, description="Largest back-off delay in seconds.")
    max_retry_after: float = Field(120.0, gt=0, description="Longest Retry-After honoured; longer waits fail the fetch as transient.")
    respect_robots: bool = Field(True, description="Obey robots.txt Disallow and Crawl-delay.")

    # Images
    download_images: bool = Field(True, description="Download product images, hash them and find near-duplicates.")
    image_concurrency: int = Field(8, ge=1, description="Image downloads in flight.")
    max_image_bytes: int = Field(10_000_000, ge=1024, description="Largest image file accepted.")
    max_image_pixels: int = Field(40_000_000, ge=1024, description="Largest decoded image (width x height); more is treated as a bomb.")
    near_duplicate_distance: int = Field(8, ge=0, le=64, description="Largest pHash Hamming distance for two images to be near-duplicates.")

    # Pipeline
    batch_size: int = Field(100, ge=1, description="Records per ETL batch.")
    load_retries: int = Field(6, ge=0, description="Retries of a load during a database outage (back-off as for fetches) before the batch is parked on disk.")
    data_dir: Path = Field(Path(".sightsearch"), description="Folder for local state (event spool, caches).")

    # Event stream (Kafka); unset bootstrap keeps the local events table
    kafka_bootstrap: str | None = Field(None, description="Kafka bootstrap servers (host:port,...); set to publish events to Kafka.")
    kafka_topic_prefix: str = Field("sightsearch", min_length=1, description="Topic prefix: events go to <prefix>.<family> (run, page, record, stage, image).")
    kafka_idempotence: bool = Field(True, description="Ask for an idempotent producer; falls back to acks=all when the broker refuses.")
    event_buffer_size: int = Field(10_000, ge=1, description="Events held in memory for the sender; overflow goes to the disk spool.")
    event_spool_max_bytes: int = Field(100_000_000, ge=1024, description="Largest disk spool of undelivered events; beyond it events are dropped and counted.")
    event_flush_timeout: float = Field(10.0, gt=0, description="Seconds flush()/close() wait for delivery before leaving the rest spooled.")
    alert_error_rate: float = Field(0.2, gt=0, le=1, description="Alert when a site's fetch error rate in the window exceeds this.")
    alert_window_minutes: int = Field(5, ge=1, description="Window of the error-rate and all-4xx rules, in minutes.")
    alert_min_events: int = Field(10, ge=1, description="Fewest page events in the window before the error-rate and all-4xx rules judge a site.")
    alert_stall_minutes: float = Field(10.0, gt=0, description="Alert when an unfinished run published no event for this many minutes.")
    alert_webhook_url: str | None = Field(None, description="POST every new alert as JSON to this URL (optional).")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
