"""Parse prices written for people (``1.299,00 €``, ``Rs. 1,29,999``, ``CHF 1'299.–``) into Decimal + ISO 4217."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from price_parser import Price

from sightsearch.extract.currency import currency_code, find_currency
from sightsearch.vocabulary import THREE_DECIMAL_CURRENCIES

_PLAIN_NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
# A minus before the number, possibly with a currency between ("-$304.74", "- 12,50 €", "$-5"): price-parser
# drops the sign, and a negative price read as positive would load corrupt data instead of being rejected.
_NEGATIVE = re.compile(r"^[^\d\-\u2212]{0,6}[-\u2212]\s*[^\d\s]{0,4}\s*\d")
_MAX_PRICE = Decimal("1e10")
_THREE_DECIMALS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})*\.\d{3}(?![\d.])")


def parse_price(
    text: str, *, currency_hint: str | None = None, locale_hint: str | None = None, country_hint: str | None = None
) -> tuple[Decimal | None, str | None]:
    """Read an amount and its ISO 4217 currency from a price text; ``(None, None)`` when there is no price.

    ``currency_hint`` is a symbol or code used when the text names none; ``locale_hint`` (a language tag such as
    ``en-CA``) and ``country_hint`` (ISO 3166) settle shared symbols like ``$``. Separators are read from the
    text itself (``1.299,00`` and ``1,299.00`` both give 1299.00). Never raises.
    """
    if text is None:
        return None, None
    text = str(text).replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    if country_hint is None and locale_hint and re.match(r"^[a-z]{2}[-_][A-Za-z]{2}$", locale_hint):
        country_hint = locale_hint[-2:].upper()
    lang = re.split(r"[-_]", locale_hint.lower())[0] if locale_hint else None
    try:
        parsed = Price.fromstring(text)
    except (InvalidOperation, ValueError, TypeError, IndexError):
        return None, None
    amount = parsed.amount
    if amount is not None and amount > 0 and _NEGATIVE.match(text.strip()):
        amount = -amount
    if amount is not None and amount >= _MAX_PRICE:
        amount = None
    # Our own scan first: it requires abbreviations to stand alone, price-parser finds "kn" inside "knife".
    currency = find_currency(text, country=country_hint, lang=lang)
    if currency is None:
        currency = currency_code(parsed.currency, country=country_hint, lang=lang)
    if currency is None and currency_hint:
        currency = currency_code(currency_hint, country=country_hint, lang=lang)
    if currency in THREE_DECIMAL_CURRENCIES and (mils := _THREE_DECIMALS.search(text)):
        amount = Decimal(mils.group(0).replace(",", ""))  # "12.500 KWD": a dot before three digits is decimal here
    return amount, currency


def structured_price(value: object) -> Decimal | None:
    """A price from structured data, where ``12.50`` always uses a dot; falls back to :func:`parse_price` for text."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return None
        return amount if abs(amount) < _MAX_PRICE else None
    text = str(value).strip()
    if _PLAIN_NUMBER.match(text):
        amount = Decimal(text)
        return amount if abs(amount) < _MAX_PRICE else None
    return parse_price(text)[0]
