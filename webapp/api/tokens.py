"""Personal API tokens: create (the secret is returned once), list, revoke, resolve.

A token is ``keel_`` followed by 40 random url-safe characters; the store keeps its sha256
(``token_hash``) and its first 12 characters (``prefix``). Scopes nest: ``admin`` implies
``write``, which implies ``read``. Plain functions over the store (no Flask).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from webapp.audit import Acting, record
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.collections.api import SCOPES
from webapp.storage.query import Query

PREFIX = "keel_"
PREFIX_SHOWN = 12
MAX_TOKENS = 50
MAX_DAYS = 366
LAST_USED_GRANULARITY = timedelta(minutes=1)
IMPLIED = {"read": {"read"}, "write": {"read", "write"}, "admin": {"read", "write", "admin"}}


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def effective_scopes(scopes: list[str] | tuple[str, ...]) -> set[str]:
    """The scopes a token holds once nesting is applied."""
    out: set[str] = set()
    for scope in scopes:
        out |= IMPLIED.get(scope, set())
    return out


@dataclass(frozen=True)
class Created:
    token: Document
    secret: str  # shown once, never stored


def _clean(name: Any, scopes: Any, expires_in_days: Any) -> tuple[str, list[str], int | None]:
    errors: dict[str, str] = {}
    text = " ".join(str(name or "").split())
    if not text:
        errors["name"] = "Give the token a name, e.g. the script that uses it."
    elif len(text) > 100:
        errors["name"] = "Use at most 100 characters."
    chosen = [s for s in SCOPES if s in set(scopes or [])]
    if not chosen or len(chosen) != len(set(scopes or [])):
        errors["scopes"] = "Choose read, write and/or admin."
    days: int | None = None
    if expires_in_days not in (None, "", 0, "0"):
        try:
            days = int(expires_in_days)
        except (TypeError, ValueError):
            days = -1
        if not 1 <= days <= MAX_DAYS:
            errors["expires_in_days"] = f"Use a whole number of days from 1 to {MAX_DAYS}, " \
                "or leave it empty for no expiry."
    if errors:
        raise FieldErrors(errors)
    return text, chosen, days


def create_token(store: DocumentStore, acting: Acting, user_id: str, *, name: Any,
                 scopes: Any, expires_in_days: Any = None) -> Created:
    """A new token for ``user_id``; raises FieldErrors or Refused(TOO_MANY_TOKENS)."""
    text, chosen, days = _clean(name, scopes, expires_in_days)
    active = [t for t in list_tokens(store, user_id) if status_of(t) == "active"]
    if len(active) >= MAX_TOKENS:
        raise Refused("TOO_MANY_TOKENS", f"You can hold at most {MAX_TOKENS} active tokens; "
                      "revoke one first.")
    secret = PREFIX + secrets.token_urlsafe(30)
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    with store.transaction():
        token = store.create("api_tokens", {
            "user_id": user_id, "name": text, "token_hash": hash_token(secret),
            "prefix": secret[:PREFIX_SHOWN], "scopes": chosen, "expires_at": expires,
        })
        record(store, acting, "api_token_created", "api_token", token["$id"],
               resource_name=text, changes={"scopes": [None, chosen]})
    return Created(token, secret)


def list_tokens(store: DocumentStore, user_id: str) -> list[Document]:
    return store.list("api_tokens", [Query.equal("user_id", user_id),
                                     Query.order_desc("$createdAt"), Query.limit(200)]).documents


def status_of(token: Document, now: datetime | None = None) -> str:
    """``active``, ``revoked`` or ``expired``."""
    if token.get("revoked_at"):
        return "revoked"
    expires = token.get("expires_at")
    if expires is not None and expires <= (now or datetime.now(UTC)):
        return "expired"
    return "active"


def revoke_token(store: DocumentStore, acting: Acting, user_id: str, token_id: str) -> Document:
    """Revoke one of the user's tokens (idempotent); another user's token is not found."""
    token = store.find("api_tokens", token_id)
    if token is None or token["user_id"] != user_id:
        raise Refused("TOKEN_NOT_FOUND", "This token does not exist.", status=404)
    if token.get("revoked_at"):
        return token
    with store.transaction():
        after = store.update("api_tokens", token_id, {"revoked_at": datetime.now(UTC)})
        record(store, acting, "api_token_revoked", "api_token", token_id,
               resource_name=token["name"])
    return after


@dataclass(frozen=True)
class Resolved:
    """The outcome of presenting a bearer secret: a token and its user, or a refusal code
    (``invalid_token``, ``token_revoked``, ``token_expired``)."""

    token: Document | None = None
    user: Document | None = None
    refusal: str | None = None


def resolve(store: DocumentStore, secret: str) -> Resolved:
    """Look up a bearer secret; records ``last_used_at`` (at most once a minute)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return Resolved(refusal="invalid_token")
    token = store.first("api_tokens", [Query.equal("token_hash", hash_token(secret))])
    if token is None:
        return Resolved(refusal="invalid_token")
    now = datetime.now(UTC)
    state = status_of(token, now)
    if state != "active":
        return Resolved(token=token, refusal=f"token_{state}")
    user = store.find("users", token["user_id"])
    if user is None or user.get("status") != "active":
        return Resolved(token=token, refusal="invalid_token")
    last = token.get("last_used_at")
    if last is None or now - last >= LAST_USED_GRANULARITY:
        token = store.update("api_tokens", token["$id"], {"last_used_at": now})
    return Resolved(token=token, user=user)
