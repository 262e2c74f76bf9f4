"""The product vocabulary every stage shares: currencies, availability values and the old-price rule.

Extraction emits these values and the ETL validates against them, so they live in one place: a currency the
extractor can emit is always one validation accepts (a test checks every symbol table against ``CURRENCIES``).
"""

from __future__ import annotations

import re
from decimal import Decimal

# ISO 4217 active codes (2024 list), plus withdrawn codes still printed on pages and in feeds: the page states
# them, so they are data to keep (HRK: Croatian kuna until 2023; the store keeps what the shop showed).
_ACTIVE = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF
    CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR
    LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
    PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
"""
_WITHDRAWN = "HRK BYR LTL LVL EEK SKK VEF MRO STD ZMK GHC"
CURRENCIES = frozenset(_ACTIVE.split()) | frozenset(_WITHDRAWN.split())
"""Every currency code a record may carry."""

COMMON_CURRENCIES = frozenset(
    "AED ARS AUD BAM BGN BHD BRL BYN CAD CHF CLP CNY COP CRC CZK DKK DOP EGP EUR GBP GEL GTQ HKD HRK HUF IDR ILS INR "
    "ISK JOD JPY KES KRW KWD KZT LKR MAD MDL MKD MXN MYR NGN NOK NZD OMR PAB PEN PHP PKR PLN PYG QAR RON RSD RUB SAR "
    "SEK SGD THB TND TRY TWD UAH USD UYU UZS VND ZAR".split()
)
"""Codes recognised when written as a bare word in running text; rarer codes (``ALL``, ``TOP``, ``CUP``) are also
ordinary words there. Structured data may name any code in ``CURRENCIES``."""

ZERO_DECIMAL_CURRENCIES = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split())
"""Currencies without minor units: ``23.450`` in these is twenty-three thousand four hundred and fifty."""

THREE_DECIMAL_CURRENCIES = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
"""Currencies with three minor digits: ``12.500`` in these is twelve and a half, never twelve thousand."""

AVAILABILITY_VALUES = ("InStock", "OutOfStock", "PreOrder", "BackOrder", "LimitedAvailability", "Discontinued",
                       "SoldOut", "InStoreOnly", "OnlineOnly", "PreSale", "MadeToOrder", "Reserved")
"""schema.org ItemAvailability short names: the only availability values a record may carry."""

_AVAILABILITY_BY_KEY = {value.casefold(): value for value in AVAILABILITY_VALUES}
_UNBUYABLE = frozenset({"OutOfStock", "SoldOut", "Discontinued"})
_BUYABLE = frozenset({"InStock", "LimitedAvailability", "OnlineOnly", "InStoreOnly"})


def currency_known(code: str | None) -> bool:
    """True for a currency code a record may carry (upper case, ISO 4217 or a withdrawn ISO code)."""
    return code in CURRENCIES


def availability_name(value: object) -> str | None:
    """The schema.org short name of ``value`` (``InStock``, ``https://schema.org/InStock``, ``instock``); None
    when it is not one. Stock texts in other words are extraction's job (``extract.availability``)."""
    if not value:
        return None
    tail = re.split(r"[/#:]", str(value).strip().rstrip("/"))[-1]
    return _AVAILABILITY_BY_KEY.get(tail.replace(" ", "").casefold())


def stock_class(availability: str | None) -> str | None:
    """Fold a schema.org availability into ``InStock`` / ``OutOfStock`` (None when it says neither).

    Sold-out and discontinued products cannot be bought; limited, online-only and in-store-only ones can.
    """
    if availability in _UNBUYABLE:
        return "OutOfStock"
    if availability in _BUYABLE:
        return "InStock"
    return None


def plausible_old_price(old_price: Decimal | None, price: Decimal | None) -> bool:
    """The old-price rule: a "was" price counts only above the current price; otherwise it is some other number
    (a unit price, an instalment, a price of another variant) and is dropped, never an error."""
    return old_price is not None and price is not None and old_price > price
