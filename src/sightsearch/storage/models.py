"""SQLAlchemy 2 table models. JSON columns become JSONB on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonType = JSON().with_variant(JSONB(), "postgresql")
PriceType = Numeric(18, 4)
# SQLite has no BIGINT autoincrement; INTEGER PRIMARY KEY is its rowid.
IdType = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JsonType, list[Any]: JsonType}


class Product(Base):
    """One product of one site, the latest known state. Keyed by (site, product_key)."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("site", "product_key", name="uq_products_site_key"),
        Index("ix_products_category", "category"),
        Index("ix_products_brand", "brand"),
        Index("ix_products_price", "price"),
        Index("ix_products_updated_at", "updated_at"),
        Index("ix_products_title", "title"),  # the API listing sorted by title (migration 0006)
        # PostgreSQL only (migration 0003): JSONB containment filters on attributes, trigram text search on titles.
        Index("ix_products_attributes", "attributes", postgresql_using="gin",
              postgresql_ops={"attributes": "jsonb_path_ops"}).ddl_if(dialect="postgresql"),
        Index("ix_products_title_trgm", "title", postgresql_using="gin",
              postgresql_ops={"title": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    site: Mapped[str] = mapped_column(String(255))
    product_key: Mapped[str] = mapped_column(String(512))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    brand: Mapped[str | None] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255))
    gtin: Mapped[str | None] = mapped_column(String(64))
    mpn: Mapped[str | None] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(PriceType)
    old_price: Mapped[Decimal | None] = mapped_column(PriceType)
    currency: Mapped[str | None] = mapped_column(String(3))
    availability: Mapped[str | None] = mapped_column(String(32))
    images: Mapped[list[Any]] = mapped_column(default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sources: Mapped[dict[str, Any]] = mapped_column(default=dict)
    confidence: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_run_id: Mapped[str | None] = mapped_column(String(32))


class PriceObservation(Base):
    """A price/availability state of a product over [valid_from, valid_to); valid_to is NULL for the current one."""

    __tablename__ = "price_history"
    __table_args__ = (Index("ix_price_history_product", "product_id", "valid_from"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    price: Mapped[Decimal | None] = mapped_column(PriceType)
    currency: Mapped[str | None] = mapped_column(String(3))
    availability: Mapped[str | None] = mapped_column(String(32))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(String(32))


class ImageRecord(Base):
    """A downloaded image: metadata, content hash and perceptual hash; ``group_key`` joins near-duplicates."""

    __tablename__ = "images"
    __table_args__ = (Index("ix_images_phash", "phash"), Index("ix_images_group", "group_key"))

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    format: Mapped[str | None] = mapped_column(String(16))
    bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    phash: Mapped[str | None] = mapped_column(String(16))
    group_key: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeadLetter(Base):
    """A record or page that a stage rejected, with the reason and the input, kept until replayed or dismissed."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_status", "status", "created_at"), Index("ix_dead_letters_url", "url"))

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    site: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CrawlRun(Base):
    """One crawl run: seeds, status, counts and timings."""

    __tablename__ = "crawl_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seeds: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="running")
    mode: Mapped[str] = mapped_column(String(16), default="embedded")
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seconds: Mapped[float | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)


class EventRecord(Base):
    """The local event log: every published event, in order."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_run", "run_id", "id"), Index("ix_events_type", "type"))

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(32), unique=True)
    run_id: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MetricSample(Base):
    """One value of a time series in a one-minute bucket, e.g. ``pages_fetched{site=...}`` or ``fetch_latency_p95``.

    Written by the event consumers (``sightsearch events consume``); read by the API's metrics endpoints and the
    dashboard. ``labels_key`` is the canonical JSON of ``labels`` so that (name, bucket, labels) is unique.
    """

    __tablename__ = "metric_samples"
    __table_args__ = (
        UniqueConstraint("name", "bucket", "labels_key", name="uq_metric_samples_series_bucket"),
        Index("ix_metric_samples_bucket", "bucket"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    bucket: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    labels_key: Mapped[str] = mapped_column(String(255), default="{}")
    value: Mapped[float] = mapped_column()


class Alert(Base):
    """An alert raised by a rule over the event stream (error rate, stalled run, a site all 4xx)."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_raised_at", "raised_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    message: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(32))
    site: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """An API key, stored as a SHA-256 hash; the clear key is shown once, at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StagedBatch(Base):
    """Records between two steps of an orchestrated run (the Airflow DAG): the tasks hand each other the run id and
    the stage name, the records wait here. A run's batches are deleted once its store step loaded them."""

    __tablename__ = "staged_batches"
    __table_args__ = (UniqueConstraint("run_id", "stage", "seq", name="uq_staged_batches_run_stage_seq"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    records: Mapped[list[Any]] = mapped_column(default=list)
    # url -> image facts ({"phash", "sha256", ...} or {"error"}) for the records of this batch
    images: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
