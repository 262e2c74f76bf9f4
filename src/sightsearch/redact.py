"""One redaction helper for every message that may carry a secret: logs, CLI errors, events, API error bodies.

Two kinds of secret leak into messages. Credentials inside URLs (``http://KEY@proxy``, ``http://KEY:@proxy``,
``postgresql://user:password@host/db``): ``redact_url`` and ``redact_text`` mask the whole user-info part, user
name included, because a proxy or API key is often passed as the user name. And known values (a password, a
webhook token) that can appear anywhere: ``redact_text(text, secrets=...)`` replaces them, also percent-encoded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from sightsearch.config import Settings

__all__ = ["MASK", "redact_text", "redact_url", "settings_secrets"]

MASK = "***"

# ``scheme:`` (any slashes; ``scheme//`` too, a typo seen in real settings), then user-info up to the last ``@``
# of the token. The user part stops at the first ``/?#:``; a password after ``:`` may hold anything but whitespace
# and quotes (an unencoded ``/`` or ``@`` in a malformed URL is still masked). ``shop.example/@brand`` has no
# ``scheme:`` before it, so it is left alone.
_CREDENTIALS = re.compile(
    r"(?<![\w+.\-])(?P<lead>[A-Za-z][A-Za-z0-9+.\-]*(?::/*|//))"
    r"(?P<userinfo>[^\s/?#@:'\"<>]*(?::[^\s'\"<>]*)?)@(?=[^\s@'\"<>])"
)
# Shorter values are too likely to occur by chance in ordinary text (and say little about the secret).
_MIN_SECRET_LENGTH = 4


def redact_url(url: str) -> str:
    """``url`` with its user name and password replaced by ``***`` (``http://***@proxy:3128``).

    A URL without credentials comes back unchanged; so does anything that is not a URL.
    """
    return _CREDENTIALS.sub(lambda match: f"{match['lead']}{MASK}@", url)


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without the given secret values (as they are or percent-encoded) and without URL credentials."""
    values = {value for secret in secrets if secret for value in (secret, quote(secret, safe=""))}
    for value in sorted((v for v in values if len(v) >= _MIN_SECRET_LENGTH), key=len, reverse=True):
        text = text.replace(value, MASK)
    return redact_url(text)


def url_secrets(url: str | None) -> list[str]:
    """The secret parts of ``url``: its user-info, user name and password (what ``redact_text`` should remove)."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        found = [parts.username, parts.password]
    except ValueError:
        found = []
    userinfo = url.split("://", 1)[-1].rpartition("@")[0]
    return [value for value in (userinfo, *found) if value]


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret value ``settings`` holds: URL credentials, the Flower password, the webhook URL and its path."""
    secrets: list[str] = []
    for url in (settings.database_url, settings.broker_url, settings.redis_url, *settings.proxies):
        secrets += url_secrets(url)
    if settings.flower_password:
        secrets.append(settings.flower_password)
    if settings.alert_webhook_url:
        secrets += [settings.alert_webhook_url, *webhook_tokens(settings.alert_webhook_url)]
    return secrets


def webhook_tokens(url: str) -> list[str]:
    """The parts of a webhook URL that authorise (path and query: ``/services/T0/B0/XXXX``, ``?token=...``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    return [value for value in (parts.path, parts.query, *url_secrets(url)) if value and value != "/"]
