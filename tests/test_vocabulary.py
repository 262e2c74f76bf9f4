"""One product vocabulary: whatever extraction can emit, validation accepts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sightsearch.etl.contract import StageContext
from sightsearch.etl.validate import validate
from sightsearch.extract import currency as extract_currency
from sightsearch.extract import extract_product
from sightsearch.extract.availability import _BY_KEY, _PHRASES
from sightsearch.records import ProductRecord
from sightsearch.vocabulary import (
    AVAILABILITY_VALUES, COMMON_CURRENCIES, CURRENCIES, availability_name, plausible_old_price, stock_class,
)


def test_every_currency_extraction_can_emit_is_accepted() -> None:
    emitted = {*extract_currency._SYMBOLS.values(), *extract_currency._DOLLAR_BY_COUNTRY.values(),
               *extract_currency._KRONA_BY_COUNTRY.values(), *extract_currency._COUNTRY_CURRENCY.values(),
               *COMMON_CURRENCIES, "JPY", "CNY"}
    assert emitted <= CURRENCIES, sorted(emitted - CURRENCIES)


def test_every_availability_extraction_can_emit_is_accepted() -> None:
    emitted = {*_BY_KEY.values(), *(value for value, _ in _PHRASES)}
    assert emitted <= set(AVAILABILITY_VALUES), sorted(emitted - set(AVAILABILITY_VALUES))


def test_a_kuna_priced_page_passes_validation() -> None:
    html = "<html lang='hr'><body><h1>Kožna torbica</h1><p class='price'>349,99 kn</p></body></html>"
    product = extract_product(html, "https://trgovina.example.hr/p/torbica")
    assert (product.price, product.currency) == (Decimal("349.99"), "HRK")
    record = ProductRecord(**product.model_dump(), site="trgovina.example.hr",
                           product_key="url:/p/torbica")
    result = validate([record], StageContext("run"))
    assert not result.rejects, result.rejects


@pytest.mark.parametrize(("value", "name"), [
    ("https://schema.org/InStock", "InStock"), ("http://schema.org/OutOfStock/", "OutOfStock"),
    ("schema:PreOrder", "PreOrder"), ("limitedavailability", "LimitedAvailability"), ("in stock", "InStock"),
    ("Available", None), ("", None), (None, None),
])
def test_availability_name(value: str | None, name: str | None) -> None:
    assert availability_name(value) == name


def test_stock_class_and_old_price_rule() -> None:
    assert (stock_class("SoldOut"), stock_class("OnlineOnly"), stock_class("PreOrder")) == ("OutOfStock", "InStock", None)
    assert plausible_old_price(Decimal("20"), Decimal("10"))
    assert not plausible_old_price(Decimal("10"), Decimal("10"))
    assert not plausible_old_price(None, Decimal("10"))
