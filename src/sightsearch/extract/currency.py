"""Turn currency symbols, local abbreviations and codes into ISO 4217 codes.

Several symbols are shared by many currencies (``$``, ``kr``, ``¥``); those are resolved with the page's country
(from its top-level domain or language tag) and fall back to the most common reading.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sightsearch.vocabulary import COMMON_CURRENCIES, CURRENCIES

# Unambiguous symbols and abbreviations, compared casefolded with dots and spaces removed.
_SYMBOLS = {
    "€": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "₹": "INR", "rs": "INR", "inr": "INR", "r$": "BRL",
    "zł": "PLN", "zl": "PLN", "kč": "CZK", "kn": "HRK", "тг": "KZT", "₸": "KZT", "₽": "RUB", "руб": "RUB",
    "р": "RUB", "₴": "UAH", "грн": "UAH", "₺": "TRY", "tl": "TRY", "ft": "HUF", "lei": "RON", "лв": "BGN",
    "₩": "KRW", "원": "KRW", "฿": "THB", "₫": "VND", "₱": "PHP", "rm": "MYR", "rp": "IDR", "₪": "ILS",
    "nt$": "TWD", "hk$": "HKD", "a$": "AUD", "au$": "AUD", "c$": "CAD", "ca$": "CAD", "nz$": "NZD", "s$": "SGD",
    "us$": "USD", "mx$": "MXN", "chf": "CHF", "fr": "CHF", "sfr": "CHF", "ر.س": "SAR", "رس": "SAR", "ريال": "SAR",
    "د.إ": "AED", "دإ": "AED", "د.ك": "KWD", "دك": "KWD", "د.ب": "BHD", "دب": "BHD", "ر.ع": "OMR", "رع": "OMR",
    "د.ت": "TND", "دت": "TND", "br": "BYN", "руб.": "RUB", "円": "JPY", "元": "CNY", "дин": "RSD", "ден": "MKD",
}
_DOLLAR_BY_COUNTRY = {
    "US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "MX": "MXN", "AR": "ARS", "CL": "CLP", "CO": "COP",
    "SG": "SGD", "HK": "HKD", "TW": "TWD", "UY": "UYU", "BR": "BRL",
}
_KRONA_BY_COUNTRY = {"SE": "SEK", "NO": "NOK", "DK": "DKK", "IS": "ISK"}
_COUNTRY_CURRENCY = {
    "DE": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR", "NL": "EUR", "BE": "EUR", "AT": "EUR", "IE": "EUR",
    "PT": "EUR", "FI": "EUR", "GR": "EUR", "SK": "EUR", "SI": "EUR", "LV": "EUR", "LT": "EUR", "EE": "EUR",
    "LU": "EUR", "GB": "GBP", "PL": "PLN", "CZ": "CZK", "HU": "HUF", "RO": "RON", "BG": "BGN", "HR": "HRK",
    "CH": "CHF", "RU": "RUB", "UA": "UAH", "BY": "BYN", "KZ": "KZT", "TR": "TRY", "JP": "JPY", "CN": "CNY",
    "KR": "KRW", "IN": "INR", "BR": "BRL", "SA": "SAR", "AE": "AED", "IL": "ILS", "TH": "THB", "VN": "VND",
    "ID": "IDR", "MY": "MYR", "PH": "PHP", "ZA": "ZAR", **_DOLLAR_BY_COUNTRY, **_KRONA_BY_COUNTRY,
}


_ALPHA_SYMBOLS = sorted((k for k in _SYMBOLS if k[0].isalpha()), key=len, reverse=True)
_SIGN_SYMBOLS = sorted((k for k in _SYMBOLS if not k[0].isalpha()), key=len, reverse=True)
# Letter abbreviations must stand alone ("kn", not the "kn" in "knife"); signs like "€" may touch digits.
_SYMBOL_IN_TEXT = re.compile(
    "(?<![^\\W\\d_])(" + "|".join(map(re.escape, _ALPHA_SYMBOLS)) + ")\\.?(?![^\\W\\d_])"
    "|(" + "|".join(map(re.escape, _SIGN_SYMBOLS)) + ")|(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])|([$¥￥]|\\bkr\\b)",
    re.IGNORECASE,
)


def find_currency(text: str, *, country: str | None = None, lang: str | None = None) -> str | None:
    """The first currency symbol, abbreviation or ISO code written in a text, as ISO 4217."""
    # Price texts and their surroundings repeat across a site's pages: short ones are remembered.
    reader = _find_currency if isinstance(text, str) and len(text) <= 200 else _find_currency.__wrapped__
    return reader(text, country, lang)


@lru_cache(maxsize=4096)
def _find_currency(text: str, country: str | None, lang: str | None) -> str | None:
    for match in _SYMBOL_IN_TEXT.finditer(text):
        symbol = next(group for group in match.groups() if group)
        if match.group(3) and symbol not in COMMON_CURRENCIES:
            continue
        code = currency_code(symbol, country=country, lang=lang)
        if code:
            return code
    return None


def _key(symbol: str) -> str:
    return re.sub(r"[\s.]", "", symbol.casefold()) or symbol.casefold()


def currency_code(symbol: str | None, *, country: str | None = None, lang: str | None = None) -> str | None:
    """ISO 4217 code for a symbol, abbreviation or code; ``None`` when it is not a currency we know.

    ``country`` (ISO 3166 alpha-2) resolves shared symbols: ``$`` in Canada is CAD, ``kr`` in Norway is NOK.
    """
    reader = _currency_code if isinstance(symbol, str) else _currency_code.__wrapped__  # others are not hashable
    return reader(symbol, country, lang)


@lru_cache(maxsize=1024)
def _currency_code(symbol: str | None, country: str | None, lang: str | None) -> str | None:
    if not symbol:
        return None
    raw = symbol.strip()
    if raw.upper() in CURRENCIES and raw.isalpha():
        return raw.upper()
    key = _key(raw)
    if key in _SYMBOLS:
        return _SYMBOLS[key]
    if raw.strip(".") in _SYMBOLS:
        return _SYMBOLS[raw.strip(".")]
    country = (country or "").upper()
    if key == "$":
        return _DOLLAR_BY_COUNTRY.get(country, "USD")
    if key == "kr":
        return _KRONA_BY_COUNTRY.get(country, "SEK")
    if key in {"¥", "￥"}:
        return "CNY" if country == "CN" or lang == "zh" else "JPY"
    return None


def country_currency(country: str | None) -> str | None:
    """The currency a country's shops usually price in, used only to confirm an ambiguous reading."""
    return _COUNTRY_CURRENCY.get((country or "").upper())
