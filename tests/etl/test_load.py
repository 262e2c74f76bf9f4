"""The load stage and the orchestrator on a real SQLite store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from sightsearch.etl.contract import StageContext
from sightsearch.etl.pipeline import EtlPipeline
from sightsearch.events.bus import MemoryBus
from sightsearch.events.catalog import EventType
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter, PriceObservation, Product


def raw(n: int, **overrides: Any) -> dict[str, Any]:
    return {"url": f"http://shop.test/p/{n}", "title": f"Garden hose {n} m", "price": f"{10 + n}.00",
            "currency": "EUR", "sku": f"H-{n}", "availability": "InStock"} | overrides


def count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


async def test_repeat_load_adds_nothing_and_changes_write_history(engine: Engine) -> None:
    bus = MemoryBus()
    pipeline = EtlPipeline(engine, bus, "run-1")
    batch = [raw(n) for n in range(5)] + [raw(99, price=None)]
    first = await pipeline.process(batch)
    assert (first.counts["inserted"], first.counts["rejected"], first.counts["price_changes"]) == (5, 1, 5)
    second = await pipeline.process(batch)
    assert (second.counts["unchanged"], second.counts["inserted"], second.counts["price_changes"]) == (5, 0, 0)
    assert (count(engine, Product), count(engine, PriceObservation), count(engine, DeadLetter)) == (5, 5, 1)

    changed = [raw(0, price="99.00"), raw(1, availability="OutOfStock"), raw(2, title="Garden hose 2 m, green")]
    third = await pipeline.process(changed)
    assert (third.counts["updated"], third.counts["price_changes"]) == (3, 2)  # a title edit is no price change
    assert count(engine, PriceObservation) == 7
    with session_scope(engine) as session:
        history = session.scalars(select(PriceObservation).join(Product).where(Product.sku == "H-0")
                                  .order_by(PriceObservation.id)).all()
        assert [str(h.price) for h in history] == ["10.0000", "99.0000"]
        assert history[0].valid_to is not None and history[1].valid_to is None


async def test_same_reject_again_bumps_occurrences(engine: Engine) -> None:
    pipeline = EtlPipeline(engine, MemoryBus(), "run-1")
    for _ in range(3):
        await pipeline.process([raw(1, title="%%%")])
    with session_scope(engine) as session:
        (item,) = session.scalars(select(DeadLetter)).all()
        assert (item.stage, item.occurrences) == ("validate", 3)
        assert item.reason == "title looks like garbage (too few letters)"
        assert item.payload["url"] == "http://shop.test/p/1"


async def test_events_for_every_stage_and_record(engine: Engine) -> None:
    bus = MemoryBus()
    await EtlPipeline(engine, bus, "run-9").process([raw(1), raw(2, currency="???")])
    types = [str(e.type) for e in bus.events]  # type: ignore[attr-defined]
    assert types.count(EventType.STAGE_COMPLETED) == 5
    assert types.count(EventType.RECORD_LOADED) == 1
    assert types.count(EventType.RECORD_REJECTED) == 1
    assert all(e.run_id == "run-9" for e in bus.events)


async def test_replay_starts_at_the_rejecting_stage(engine: Engine) -> None:
    pipeline = EtlPipeline(engine, MemoryBus(), "run-1")
    outcome = await pipeline.process([raw(7, currency="EURO")])
    rejected = outcome.rejects[0]
    assert rejected.stage == "validate"
    fixed = rejected.payload() | {"currency": "EUR"}
    replayed = await pipeline.process([fixed], start=rejected.stage)
    assert replayed.counts["inserted"] == 1


async def test_duplicate_product_in_one_batch_loads_once(engine: Engine) -> None:
    loader_ctx = StageContext("run-1")
    assert loader_ctx.run_id == "run-1"
    outcome = await EtlPipeline(engine, MemoryBus(), "run-1").process([raw(3), raw(3, price="14.00")])
    assert outcome.counts["inserted"] == 1
    with session_scope(engine) as session:
        assert str(session.scalar(select(Product.price))) == "14.0000"
