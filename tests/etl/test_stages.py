"""Each ETL stage alone: what passes, what is rejected and why, and that running it twice changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from decimal import Decimal

from sightsearch.etl.cleanse import cleanse, clean_text
from sightsearch.etl.contract import StageContext, parse_records
from sightsearch.etl.enrich import content_hash, enrich
from sightsearch.etl.transform import product_key, site_of, transform
from sightsearch.etl.validate import validate
from sightsearch.records import ImageFact, ProductRecord

CTX = StageContext("run-1")


def good(**overrides: Any) -> ProductRecord:
    record = {"url": "http://shop.test:8080/p/kettle-1", "title": "Steel Kettle 1.7 l", "price": "24.90",
              "currency": "USD", "sku": "K-1", "availability": "InStock", "images": ["/img/k1.jpg"],
              "attributes": {"colour": "red"}}
    return ProductRecord.model_validate(record | overrides)


def typed(**overrides: Any) -> ProductRecord:
    return transform(cleanse([good(**overrides)], CTX).records, CTX).records[0]


class TestCleanse:
    def test_strips_markup_entities_controls_and_spaces(self) -> None:
        out = cleanse([good(title="  <b>Steel</b>&nbsp;Kettle\x00 \n 1.7&amp;l  ")], CTX).records[0]
        assert out.title == "Steel Kettle 1.7&l"

    def test_is_idempotent(self) -> None:
        once = cleanse([good(title="<i>Caf\u0065\u0301</i>  au lait", description="a\n\n\n b  c")], CTX).records
        assert cleanse(once, CTX).records == once
        assert once[0].title == "Café au lait"  # NFC joins e + combining accent

    def test_rejects_records_without_url_or_content(self) -> None:
        records, rejects = parse_records([{"title": "x"}, {"url": "http://a.test/", "price": "call us"}, "junk"],
                                         "cleanse")
        assert records == [] and [r.reason for r in rejects] == [
            "record has no url", "price: 'call us' is not a number", "record has no url"]
        result = cleanse([ProductRecord(url="http://a.test/", title="  ", price=None)], CTX)
        assert [r.reason for r in result.rejects] == ["empty record: no title, price, sku or gtin"]
        assert result.records == []

    def test_clean_text_empty_is_none(self) -> None:
        assert clean_text("  <br/> ") is None


class TestTransform:
    def test_types_and_keys(self) -> None:
        out = typed(price="24.9", currency=" usd ", availability="https://schema.org/OutOfStock")
        assert out.price == Decimal("24.90") and str(out.price) == "24.90"
        assert out.currency == "USD"
        assert out.availability == "OutOfStock"
        assert out.site == "shop.test:8080"
        assert out.product_key == "sku:K-1"
        assert out.images == ["http://shop.test:8080/img/k1.jpg"]

    def test_product_key_falls_back_to_gtin_then_url(self) -> None:
        assert product_key(ProductRecord(url="http://a.test/p?id=3", gtin="4006381333931")) == "gtin:4006381333931"
        assert product_key(ProductRecord(url="http://a.test/p?id=3")) == "url:/p?id=3"

    def test_site_drops_default_ports(self) -> None:
        assert site_of("https://Shop.Test:443/x") == "shop.test"
        assert site_of("http://127.0.0.1:8765/") == "127.0.0.1:8765"

    def test_a_price_that_is_not_finite_never_becomes_a_record(self) -> None:
        _, rejects = parse_records([{"url": "http://a.test/", "price": "NaN"}], "transform")
        assert rejects[0].reason == "price: Input should be a finite number" and rejects[0].stage == "transform"

    def test_is_idempotent(self) -> None:
        once = transform(cleanse([good()], CTX).records, CTX).records
        assert transform(once, CTX).records == once


class TestValidate:
    @pytest.mark.parametrize(
        ("overrides", "reason"),
        [
            ({"price": None}, "price: is missing"),
            ({"price": "-5"}, "price must be positive, got -5"),
            ({"price": "0"}, "price must be positive, got 0"),
            ({"title": "!!!@@@###"}, "title looks like garbage (too few letters)"),
            ({"title": "Product"}, "title 'Product' is a placeholder, not a product name"),
            ({"currency": "XYZ"}, "currency 'XYZ' is not an ISO 4217 code"),
            ({"currency": None}, "currency: is missing"),
            ({"url": "ftp://a.test/p"}, "url: String should match pattern"),
        ],
    )
    def test_rejects_with_reason(self, overrides: dict[str, Any], reason: str) -> None:
        result = validate([typed(**overrides)], CTX)
        assert result.records == []
        assert result.rejects[0].reason.startswith(reason)
        assert result.rejects[0].stage == "validate"

    def test_accepts_a_good_record_unchanged(self) -> None:
        record = typed()
        assert validate([record], CTX).records == [record]

    def test_old_price_not_above_price_is_dropped(self) -> None:
        assert validate([typed(old_price="10")], CTX).records[0].old_price is None
        assert validate([typed(old_price="30")], CTX).records[0].old_price == Decimal("30.00")


class TestEnrich:
    def test_content_hash_ignores_run_metadata(self) -> None:
        record = typed()
        assert content_hash(record) == content_hash(record.model_copy(update={"run_id": "other", "sources": {}}))
        assert content_hash(record) != content_hash(record.model_copy(update={"price": Decimal("25.00")}))

    def test_attaches_image_facts_and_counts_failures(self) -> None:
        record = typed()
        url = record.images[0]
        ctx = StageContext("run-1", images={url: ImageFact(url=url, error="image bomb")})
        result = enrich([record], ctx)
        assert result.records[0].image_facts == [ImageFact(url=url, error="image bomb")]
        assert result.metrics["image_failures"] == 1
        assert result.rejects == []

    def test_discount_and_idempotence(self) -> None:
        record = validate([typed(old_price="49.80")], CTX).records[0]
        once = enrich([record], CTX).records[0]
        assert once.discount_percent == 50.0
        assert enrich([once], CTX).records[0].content_hash == once.content_hash
