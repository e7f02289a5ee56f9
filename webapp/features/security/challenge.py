"""The sign-in challenge: a password (or a provider) proved who it is, the second factor
is still owed.

The browser holds no signed-in session meanwhile: its session carries only a
``2fa_challenge`` token (10 minutes, single use, stored as a sha256 in ``tokens``). Success
signs in through ``webapp.identity.sessions.sign_in`` — a new session row and cookie.
"""

from __future__ import annotations

from datetime import timedelta

from webapp.identity.errors import TokenError, TokenInvalid
from webapp.identity.tokens import consume_token, find_token, issue_token
from webapp.storage.base import Document, DocumentStore

PURPOSE = "2fa_challenge"
TTL = timedelta(minutes=10)
MAX_FAILURES = 5


def start(store: DocumentStore, user_id: str, *, ip_address: str | None = None) -> str:
    """A new challenge for ``user_id``; returns the raw token (kept in the session only)."""
    return issue_token(store, user_id, PURPOSE, ttl=TTL, ip_address=ip_address)


def user_of(store: DocumentStore, raw: str) -> Document:
    """The active user a live challenge belongs to; raises TokenError."""
    token = find_token(store, raw, PURPOSE)
    user = store.find("users", token["user_id"])
    if user is None or user.get("status") != "active":
        raise TokenInvalid()
    return user


def finish(store: DocumentStore, raw: str) -> None:
    """Spend the challenge (a second use raises TokenUsed)."""
    consume_token(store, raw, PURPOSE)


__all__ = ["MAX_FAILURES", "PURPOSE", "TTL", "TokenError", "finish", "start", "user_of"]
