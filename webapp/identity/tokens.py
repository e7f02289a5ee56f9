"""Single-use, expiring tokens for e-mailed links (verification 48 h, password reset 1 h).

The raw token exists only in the link; the ``tokens`` collection keeps its sha256. Using a
token marks it used with a conditional update, so two clicks racing each other cannot
both succeed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .errors import TokenExpired, TokenInvalid, TokenUsed
from .security import hash_token, new_token

EMAIL_VERIFY = "email_verify"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a token purpose, not a secret)
TTL = {
    EMAIL_VERIFY: timedelta(hours=48),
    PASSWORD_RESET: timedelta(hours=1),
}
MAX_TOKEN_LENGTH = 128


def utcnow() -> datetime:
    return datetime.now(UTC)


def issue_token(
    store: DocumentStore,
    user_id: str,
    purpose: str,
    *,
    ttl: timedelta | None = None,
    now: datetime | None = None,
    ip_address: str | None = None,
) -> str:
    """Create a token for ``user_id``; returns the raw value (to put in a link, never stored)."""
    now = now or utcnow()
    raw = new_token()
    store.create(
        "tokens",
        {
            "user_id": user_id,
            "token_hash": hash_token(raw),
            "purpose": purpose,
            "expires_at": now + (ttl if ttl is not None else TTL[purpose]),
            "ip_address": ip_address,
        },
    )
    return raw


def find_token(
    store: DocumentStore, raw: str, purpose: str, *, now: datetime | None = None
) -> Document:
    """The usable token behind ``raw``; raises TokenInvalid, TokenExpired or TokenUsed."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise TokenInvalid()
    token = store.first(
        "tokens",
        [Query.equal("token_hash", hash_token(raw)), Query.equal("purpose", purpose)],
    )
    if token is None:
        raise TokenInvalid()
    if token.get("used_at") is not None:
        raise TokenUsed()
    if token["expires_at"] <= (now or utcnow()):
        raise TokenExpired()
    return token


def consume_token(
    store: DocumentStore, raw: str, purpose: str, *, now: datetime | None = None
) -> Document:
    """Check ``raw`` and mark it used, once: a second use raises TokenUsed."""
    now = now or utcnow()
    token = find_token(store, raw, purpose, now=now)
    changed = store.update_where(
        "tokens",
        [Query.equal("$id", token["$id"]), Query.is_null("used_at")],
        {"used_at": now},
    )
    if changed != 1:
        raise TokenUsed()
    token["used_at"] = now
    return token


def retire_tokens(
    store: DocumentStore, user_id: str, purpose: str, *, now: datetime | None = None
) -> int:
    """Mark every unused token of ``user_id`` for ``purpose`` used (e.g. after a reset)."""
    return store.update_where(
        "tokens",
        [
            Query.equal("user_id", user_id),
            Query.equal("purpose", purpose),
            Query.is_null("used_at"),
        ],
        {"used_at": now or utcnow()},
    )


def purge_expired_tokens(store: DocumentStore, *, now: datetime | None = None) -> int:
    """Delete tokens that expired more than a day ago (kept a while to answer "expired")."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    return store.delete_where("tokens", [Query.less_than("expires_at", cutoff)])
