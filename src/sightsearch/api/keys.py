"""API keys: random, shown once, stored as SHA-256 hashes; looked up by hash, revoked by id or prefix."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sightsearch.storage.models import ApiKey

KEY_PREFIX = "ss_"
_PREFIX_LENGTH = len(KEY_PREFIX) + 8


def hash_key(clear: str) -> str:
    """The SHA-256 hex digest stored for a key. The keys are 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(clear.encode("utf-8")).hexdigest()


def create_api_key(session: Session, name: str) -> tuple[ApiKey, str]:
    """Store a new key named ``name``; returns the row and the clear key, which is not kept anywhere."""
    clear = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, prefix=clear[:_PREFIX_LENGTH], key_hash=hash_key(clear), created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return row, clear


def find_active_key(session: Session, clear: str) -> ApiKey | None:
    """The unrevoked key whose hash matches ``clear``, or None."""
    if not clear or len(clear) > 256:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(clear)))
    return row if row is not None and row.revoked_at is None else None


def list_api_keys(session: Session) -> Sequence[ApiKey]:
    """Every key, oldest first, revoked ones included (they are the audit trail)."""
    return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()


def revoke_api_key(session: Session, key: str) -> ApiKey:
    """Revoke the key with id or prefix ``key``; raises LookupError when none or several match."""
    condition = ApiKey.prefix == key
    if key.isdigit():
        condition = or_(condition, ApiKey.id == int(key))
    rows = session.scalars(select(ApiKey).where(condition)).all()
    if len(rows) != 1:
        raise LookupError(f"{'no' if not rows else 'more than one'} API key with id or prefix {key!r}")
    if rows[0].revoked_at is None:
        rows[0].revoked_at = datetime.now(UTC)
    return rows[0]
