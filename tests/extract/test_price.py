"""Price parsing: locale separators, currency symbols and codes, ambiguous ``$`` resolved by country."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sightsearch.extract import extract_product, parse_price
from sightsearch.extract.currency import currency_code, find_currency
from sightsearch.extract.price import structured_price


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1.299,00 €", "1299.00", "EUR"),
        ("1,299.00 EUR", "1299.00", "EUR"),
        ("Rs. 1,29,999", "129999", "INR"),
        ("R$ 1.234,56", "1234.56", "BRL"),
        ("¥12,800", "12800", "JPY"),
        ("CHF 1'299.–", "1299", "CHF"),
        ("£48.99", "48.99", "GBP"),
        ("44 890 тг.", "44890", "KZT"),
        ("99 ر.س", "99", "SAR"),
        ("270,00 Kn", "270.00", "HRK"),
        ("997 zł", "997", "PLN"),
        ("1 299,00 Kč", "1299.00", "CZK"),
    ],
)
def test_locale_prices(text: str, amount: str, currency: str) -> None:
    assert parse_price(text) == (Decimal(amount), currency)


def test_dollar_is_resolved_by_country_or_locale() -> None:
    assert parse_price("$ 12.50")[1] == "USD"
    assert parse_price("$ 12.50", locale_hint="en-CA")[1] == "CAD"
    assert parse_price("$12", country_hint="AU")[1] == "AUD"
    assert parse_price("$24.990", country_hint="CL") == (Decimal("24990"), "CLP")


def test_currency_hint_used_when_text_has_none() -> None:
    assert parse_price("12,50", currency_hint="EUR") == (Decimal("12.50"), "EUR")


def test_no_price() -> None:
    assert parse_price("Call us") == (None, None)
    assert parse_price("") == (None, None)


def test_abbreviation_must_stand_alone() -> None:
    assert find_currency("knife 12") is None
    assert find_currency("12 kn") == "HRK"


def test_currency_codes() -> None:
    assert currency_code("eur") == "EUR"
    assert currency_code("kr", country="NO") == "NOK"
    assert currency_code("Dollars") is None


def test_structured_price_uses_dot_decimal() -> None:
    assert structured_price("12.800") == Decimal("12.800")
    assert structured_price(19.9) == Decimal("19.9")
    assert structured_price("1.299,00 €") == Decimal("1299.00")
    assert structured_price(True) is None
    assert structured_price("-3") == Decimal("-3")  # kept, so validation rejects it with the reason


@pytest.mark.parametrize("text", ["-$304.74", "- 304,74 €", "\u221212 EUR", "$-5"])
def test_a_minus_sign_is_kept_so_validation_can_reject_it(text: str) -> None:
    amount, _ = parse_price(text)
    assert amount is not None and amount < 0


def test_a_negative_structured_price_is_not_replaced_by_a_visible_one() -> None:
    html = ('<html><body><script type="application/ld+json">{"@type": "Product", "name": "Amp", "sku": "A1",'
            ' "offers": {"price": "-304.74", "priceCurrency": "USD"}}</script><h1>Amp</h1>'
            '<span class="price">-$304.74</span></body></html>')
    assert extract_product(html, "https://shop.test/p/amp").price == Decimal("-304.74")


def test_three_decimal_currencies_keep_their_mils() -> None:
    assert parse_price("12.500 KWD") == (Decimal("12.500"), "KWD")
    assert parse_price("KWD 1,234.500") == (Decimal("1234.500"), "KWD")
    assert parse_price("د.ك 3.250") == (Decimal("3.250"), "KWD")
    assert parse_price("23.450 €") == (Decimal("23450"), "EUR")  # elsewhere the dot groups thousands
