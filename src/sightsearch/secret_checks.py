"""Which configured secrets are missing or still placeholders: production refuses to start with any of them.

A secret is the Flower password and any password inside the store, broker or Redis URL. Placeholders are the
values examples and templates ship (``change-me``, ``changeme``, ``password``, ...): a stack started from a copied
``.env.example`` must fail at once, not run with a password that is printed in the repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from sightsearch.config import Settings

__all__ = ["PLACEHOLDERS", "is_placeholder", "unsafe_secrets"]

PLACEHOLDERS = frozenset({
    "change-me", "changeme", "change_me", "changethis", "placeholder", "secret", "password", "passwd", "example",
    "todo", "xxx", "admin", "default", "test", "sightsearch",
})


def is_placeholder(value: str) -> bool:
    """True for an empty value or one a template ships (case and surrounding space ignored)."""
    text = value.strip().lower()
    return not text or text in PLACEHOLDERS or text.startswith(("change-me", "changeme", "<"))


def _url_password(url: str) -> str | None:
    """The password in ``url``; None when the URL carries no credentials (a local socket, no auth)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return None
    userinfo = parts.netloc.rsplit("@", 1)[0]
    return unquote(userinfo.partition(":")[2])


def unsafe_secrets(settings: Settings) -> list[str]:
    """Names of the settings whose secret is empty or a placeholder (empty list: all good).

    Network services must be protected in production, so a Redis broker URL without a password also counts;
    a SQLite store has no password to check.
    """
    problems: list[str] = []
    if settings.flower_user or settings.flower_password is not None:
        if is_placeholder(settings.flower_password or ""):
            problems.append("flower_password")
    if not settings.database_url.startswith("sqlite"):
        password = _url_password(settings.database_url)
        if password is not None and is_placeholder(password):
            problems.append("database_url (password)")
    for name in ("broker_url", "redis_url"):
        url = getattr(settings, name)
        if url:
            password = _url_password(url)
            if password is None or is_placeholder(password):
                problems.append(f"{name} (password)")
    return problems
