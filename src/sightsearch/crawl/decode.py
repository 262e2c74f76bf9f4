"""Turn a response body into text: declared charset, then BOM, then ``<meta>``, then detection.

Never raises on bad bytes: undecodable sequences become U+FFFD, because one broken byte must not lose a page. A
charset label is honoured only when it names a text encoding of the WHATWG Encoding Standard (:func:`text_codec`),
the one list browsers accept: ``charset=zlib`` (a Python codec, not a text encoding) is ignored, not fatal.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

import webencodings  # the WHATWG label table (it comes with html5lib, which extruct needs)
from charset_normalizer import from_bytes

_META_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# The Python codecs that decode these WHATWG encodings as browsers do: their namesakes are strict subsets.
_WHATWG_DECODERS = {"gbk": "gb18030", "shift_jis": "cp932", "big5": "big5hkscs", "euc-kr": "cp949"}
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


@lru_cache(maxsize=256)
def text_codec(label: str | None) -> str | None:
    """The Python codec that decodes charset ``label`` as browsers do (``latin1`` and ``ascii`` are windows-1252), or
    None when ``label`` is no WHATWG encoding label: ``zlib``, ``base64``, ``rot13`` (not text encodings), ``idna``,
    ``punycode``, ``undefined``, ``utf-7``, ``x-user-defined``... The caller then decodes as if no label were given."""
    try:
        encoding = webencodings.lookup(label) if label else None
        if encoding is None:
            return None
        name = _WHATWG_DECODERS.get(encoding.name) or webencodings.PYTHON_NAMES.get(encoding.name, encoding.name)
        return codecs.lookup(name).name
    except LookupError:  # "replacement" and x-user-defined: no Python codec, and no text worth reading
        return None


def meta_charset(body: bytes) -> str | None:
    """The charset label a ``<meta>`` tag near the top of ``body`` declares (see :func:`text_codec`), as written but
    for UTF-16, which reads as UTF-8 as in browsers: a ``<meta>`` found by reading the bytes as ASCII is not UTF-16."""
    match = _META_CHARSET.search(body[:_META_SNIFF_BYTES])
    if match is None:
        return None
    label = match.group(1).decode("ascii", "ignore")
    return "utf-8" if text_codec(label) in ("utf-16-le", "utf-16-be") else label


def _sniff(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return text_codec(meta_charset(body))


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
    return _detected_codec(best.encoding)


def _detected_codec(name: str) -> str:
    """charset-normalizer's pick (a Python codec name) read the browsers' way when it is a WHATWG label too."""
    try:
        python_name = codecs.lookup(name).name
    except LookupError:
        return "cp1252"
    return text_codec(python_name) or python_name


def decode_body(body: bytes, content_type_header: str) -> tuple[str, str]:
    """Decode ``body``; returns ``(text, encoding_used)``. Undecodable bytes are replaced, never fatal."""
    encoding = text_codec(charset_from_content_type(content_type_header)) or _sniff(body) or _detect(body)
    return body.decode(encoding, errors="replace"), encoding
