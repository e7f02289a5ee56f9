"""Linked sign-in identities (Google, GitHub): sign-in resolution, linking, unlinking.

No Flask here. The rules:

- A known identity (provider, subject) signs its user in.
- Otherwise an account with the same e-mail is linked — only when the provider says the
  address is verified (Google ``email_verified``; GitHub's primary address marked verified).
  An unverified address never links: that would hand the account to whoever typed it.
- Otherwise a new account is created once the person accepts the Terms and the DPA (v1);
  its address counts as verified when the provider verified it.
- Unlinking is refused when it would leave the account without a way to sign in (no
  password and this is the only identity).

Audit actions: auth_provider_linked, auth_provider_unlinked, user_accepted_legal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from webapp.audit import Acting, record
from webapp.identity.errors import FieldErrors
from webapp.identity.service import DPA_VERSION, NAME_MAX, TERMS_VERSION, normalize_email
from webapp.identity.tokens import utcnow
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict, NotFound
from webapp.storage.query import Query

LABELS = {"google": "Google", "github": "GitHub"}


class OAuthRefused(Exception):
    """The provider's answer cannot be used as asked; ``message`` is safe to show."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ProviderProfile:
    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> ProviderProfile:
        return ProviderProfile(**{k: data[k] for k in (
            "provider", "subject", "email", "email_verified", "name")})


@dataclass(frozen=True)
class Resolution:
    """``user`` to sign in (``linked`` when it was just linked by e-mail), or None when a
    new account is needed."""

    user: Document | None
    linked: bool = False


def list_identities(store: DocumentStore, user_id: str) -> list[Document]:
    return list(store.list("identities", [
        Query.equal("user_id", user_id), Query.order_asc("$createdAt"), Query.limit(50),
    ]).documents)


def can_unlink(user: Document, identities: list[Document]) -> bool:
    return bool(user.get("password_hash")) or len(identities) > 1


def _find(store: DocumentStore, provider: str, subject: str) -> Document | None:
    return store.first("identities", [
        Query.equal("provider", provider), Query.equal("subject", subject),
    ])


def _create_identity(store: DocumentStore, acting: Acting, user: Document,
                     profile: ProviderProfile, now: datetime, how: str) -> Document:
    try:
        identity = store.create("identities", {
            "user_id": user["$id"], "provider": profile.provider, "subject": profile.subject,
            "email": profile.email, "linked_at": now,
        })
    except Conflict:
        raise OAuthRefused(
            f"That {LABELS[profile.provider]} account is already linked to a Keel account."
        ) from None
    record(store, acting, "auth_provider_linked", "user", user["$id"],
           resource_name=user.get("email"),
           metadata={"provider": profile.provider, "provider_email": profile.email,
                     "how": how})
    return identity


def resolve_sign_in(
    store: DocumentStore, profile: ProviderProfile, *, ip: str | None = None,
    now: datetime | None = None,
) -> Resolution:
    """Who a provider sign-in is: a linked user, a user linked now by verified e-mail, or
    nobody yet (Resolution(None)). Raises OAuthRefused."""
    now = now or utcnow()
    identity = _find(store, profile.provider, profile.subject)
    if identity is not None:
        user = store.find("users", identity["user_id"])
        if user is None or user.get("status") == "deleted":
            raise OAuthRefused("This account no longer exists.", 403)
        _check_active(user)
        return Resolution(user)
    if not profile.email:
        raise OAuthRefused(
            f"Your {LABELS[profile.provider]} account did not share an email address. "
            "Make one visible to Keel and try again.", 400)
    user = store.first("users", [Query.equal("email", profile.email)])
    if user is None:
        return Resolution(None)
    if not profile.email_verified:
        raise OAuthRefused(
            f"An account with {profile.email} already exists, and "
            f"{LABELS[profile.provider]} has not verified that address. Sign in with your "
            "password, then link it from your account's sign-in methods.")
    if user.get("status") == "deleted":
        raise OAuthRefused("This account no longer exists.", 403)
    _check_active(user)
    with store.transaction():
        _create_identity(store, Acting.of(user, ip), user, profile, now, "verified_email")
        if user.get("email_verified_at") is None:
            user = store.update("users", user["$id"], {"email_verified_at": now})
    return Resolution(user, linked=True)


def _check_active(user: Document) -> None:
    if user.get("status") == "suspended":
        raise OAuthRefused("This account is suspended. Contact your administrator.", 403)


def create_account(
    store: DocumentStore, profile: ProviderProfile, *, name: str, accept_terms: bool,
    accept_dpa: bool, ip: str | None = None, now: datetime | None = None,
) -> Document:
    """A new account signed up through a provider (no password). Raises FieldErrors
    (``name``, ``accept_terms``, ``accept_dpa``) or OAuthRefused."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Enter your name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Use at most {NAME_MAX} characters."
    if not accept_terms:
        errors["accept_terms"] = "Accept the Terms of Service to create an account."
    if not accept_dpa:
        errors["accept_dpa"] = "Accept the Data Processing Agreement to create an account."
    if errors:
        raise FieldErrors(errors)
    address = normalize_email(profile.email or "")
    entry = {"terms": TERMS_VERSION, "dpa": DPA_VERSION, "at": now.isoformat(),
             "via": profile.provider}
    with store.transaction():
        try:
            user = store.create("users", {
                "name": name, "email": address, "password_hash": None,
                "email_verified_at": now if profile.email_verified else None,
                "accepted_terms_version": TERMS_VERSION, "accepted_terms_at": now,
                "accepted_dpa_version": DPA_VERSION, "accepted_dpa_at": now,
                "legal_history": [entry], "last_login_at": now,
            })
        except Conflict:
            raise OAuthRefused(
                f"An account with {address} already exists. Sign in to it, then link "
                f"{LABELS[profile.provider]} from your account's sign-in methods.") from None
        acting = Acting.of(user, ip)
        record(store, acting, "user_accepted_legal", "user", user["$id"],
               resource_name=address, metadata={"terms": TERMS_VERSION, "dpa": DPA_VERSION})
        _create_identity(store, acting, user, profile, now, "signup")
    return user


def link_identity(
    store: DocumentStore, acting: Acting, user_id: str, profile: ProviderProfile,
    *, now: datetime | None = None,
) -> Document:
    """Link a provider account to a signed-in user. Raises OAuthRefused."""
    existing = _find(store, profile.provider, profile.subject)
    label = LABELS[profile.provider]
    if existing is not None:
        if existing["user_id"] == user_id:
            raise OAuthRefused(f"That {label} account is already linked to yours.", 400)
        raise OAuthRefused(f"That {label} account is already linked to another Keel account.")
    if any(i["provider"] == profile.provider for i in list_identities(store, user_id)):
        raise OAuthRefused(f"You already linked a {label} account. Unlink it first.")
    user = store.get("users", user_id)
    with store.transaction():
        return _create_identity(store, acting, user, profile, now or utcnow(), "account_page")


def unlink_identity(store: DocumentStore, acting: Acting, user_id: str,
                    identity_id: str) -> Document:
    """Remove one of the user's identities; NotFound for anyone else's, OAuthRefused when
    it is the last way to sign in."""
    identity = store.find("identities", identity_id)
    if identity is None or identity["user_id"] != user_id:
        raise NotFound("identities", identity_id)
    user = store.get("users", user_id)
    if not can_unlink(user, list_identities(store, user_id)):
        raise OAuthRefused(
            f"{LABELS[identity['provider']]} is your only way to sign in. Set a password or "
            "link another account before unlinking it.")
    with store.transaction():
        store.delete("identities", identity_id)
        record(store, acting, "auth_provider_unlinked", "user", user_id,
               resource_name=user.get("email"),
               metadata={"provider": identity["provider"], "provider_email": identity["email"]})
    return identity


def name_or_default(profile: ProviderProfile) -> str:
    if profile.name:
        return profile.name
    return (profile.email or "").partition("@")[0]


__all__ = [
    "LABELS", "FieldErrors", "NotFound", "OAuthRefused", "ProviderProfile", "Resolution",
    "can_unlink", "create_account", "link_identity", "list_identities", "name_or_default",
    "resolve_sign_in", "unlink_identity",
]
