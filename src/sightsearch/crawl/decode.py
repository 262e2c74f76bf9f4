"""Turn a response body into text: declared charset, then BOM, then ``<meta>``, then detection.

Never raises on bad bytes: undecodable sequences become U+FFFD, because one broken byte must not lose a page.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# The WHATWG encoding standard: browsers read these labels as windows-1252, and so do real pages.
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252"}
_TEXT_TYPES = ("text/", "application/xhtml+xml", "application/xml", "application/json", "application/ld+json")


def is_text_type(content_type: str) -> bool:
    """True for content types worth decoding (HTML, XML, JSON, plain text); an empty type counts as HTML."""
    return not content_type or content_type.startswith(_TEXT_TYPES) or content_type.endswith("+xml")


def charset_from_content_type(content_type: str) -> str | None:
    """The ``charset=`` parameter of a Content-Type header value, if any."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _known_codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


def _sniff(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    match = _META_CHARSET.search(body[:_META_SNIFF_BYTES])
    return _known_codec(match.group(1).decode("ascii", "ignore")) if match else None


def _detect(body: bytes) -> str:
    try:
        body.decode("utf-8")  # valid UTF-8 is almost never an accident, and it is the web's majority
    except UnicodeDecodeError:
        return _guess_legacy(body)
    return "utf-8"


def _guess_legacy(body: bytes) -> str:
    matches = from_bytes(body)
    best = matches.best()
    if best is None:
        return "cp1252"
    # Western text often decodes equally well as cp1250 or cp1257; on a tie, take the web's default for
    # unlabelled pages (windows-1252) instead of charset-normalizer's arbitrary first pick.
    for match in matches:
        tied = match.chaos <= best.chaos and match.coherence >= best.coherence
        if tied and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return _known_codec(best.encoding) or "cp1252"


def decode_body(body: bytes, content_type_header: str) -> tuple[str, str]:
    """Decode ``body``; returns ``(text, encoding_used)``. Undecodable bytes are replaced, never fatal."""
    encoding = _known_codec(charset_from_content_type(content_type_header)) or _sniff(body) or _detect(body)
    return body.decode(encoding, errors="replace"), encoding
