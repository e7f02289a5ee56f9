"""Profile: personal details, the avatar and changing the sign-in e-mail address.

No Flask here. Validation problems raise ``FieldErrors`` keyed by form field; nothing is
written then. Audit actions: profile_updated, avatar_changed, avatar_removed,
email_change_requested, email_changed.

Changing the address: ``request_email_change`` stores the new address as
``pending_email`` (after checking it is free); a mail job sends a link to that address;
``confirm_email_change`` makes it the address only when the link is opened, re-checking
that nobody took it meanwhile. A newer request retires older links.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from webapp.audit import Acting, diff, record
from webapp.identity.errors import FieldErrors, TokenInvalid
from webapp.identity.security import verify_password
from webapp.identity.service import EMAIL_TAKEN, NAME_MAX, normalize_email
from webapp.identity.tokens import consume_token, retire_tokens, utcnow
from webapp.storage.base import Document, DocumentStore, new_id
from webapp.storage.errors import Conflict
from webapp.storage.files import FileStore
from webapp.storage.query import Query

from .images import OUTPUT_TYPE, normalize_avatar

EMAIL_CHANGE = "email_change"
BUCKET = "images"
PROFILE_FIELDS = ("name", "phone", "linkedin_url", "portfolio_url", "job_role",
                  "designation", "working_domain", "tools", "time_zone")
LIMITS = {"job_role": 128, "designation": 128, "working_domain": 128, "tools": 512}
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{5,24}$")
LINKEDIN_HOSTS = ("linkedin.com", "www.linkedin.com")


@cache
def time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


def _url_problem(value: str, *, linkedin: bool = False) -> str | None:
    if len(value) > 255:
        return "Use at most 255 characters."
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        return "Enter a full web address starting with https://."
    if "." not in parts.hostname:
        return "Enter a full web address starting with https://."
    host = parts.hostname.lower()
    if linkedin and not (host in LINKEDIN_HOSTS or host.endswith(".linkedin.com")):
        return "Enter your LinkedIn profile address (https://www.linkedin.com/in/…)."
    return None


def clean_profile(values: dict[str, Any]) -> dict[str, Any]:
    """Validated, trimmed values (empty text becomes None); raises FieldErrors."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for field in PROFILE_FIELDS:
        raw = values.get(field)
        out[field] = (str(raw).strip() if raw is not None else "") or None
    if not out["name"]:
        errors["name"] = "Enter your name."
    elif len(out["name"]) > NAME_MAX:
        errors["name"] = f"Use at most {NAME_MAX} characters."
    if out["phone"] and not _PHONE.match(out["phone"]):
        errors["phone"] = "Enter a phone number with digits, e.g. +44 20 7946 0958."
    for field, linkedin in (("linkedin_url", True), ("portfolio_url", False)):
        if out[field]:
            problem = _url_problem(out[field], linkedin=linkedin)
            if problem:
                errors[field] = problem
    for field, limit in LIMITS.items():
        if out[field] and len(out[field]) > limit:
            errors[field] = f"Use at most {limit} characters."
    out["time_zone"] = out["time_zone"] or "UTC"
    if out["time_zone"] not in time_zones():
        errors["time_zone"] = "Choose a time zone from the list."
    if errors:
        raise FieldErrors(errors)
    return out


def update_profile(store: DocumentStore, acting: Acting, user_id: str,
                   values: dict[str, Any]) -> Document:
    changes = clean_profile(values)
    before = store.get("users", user_id)
    with store.transaction():
        after = store.update("users", user_id, changes)
        record(store, acting, "profile_updated", "user", user_id,
               resource_name=after.get("email"), changes=diff(before, after, PROFILE_FIELDS))
    return after


# -- avatar -------------------------------------------------------------------------------
def set_avatar(store: DocumentStore, files: FileStore, acting: Acting, user_id: str,
               data: bytes) -> Document:
    """Store a new avatar (resized, metadata stripped); raises AvatarRejected."""
    png = normalize_avatar(data)
    file_id = new_id()
    files.put(BUCKET, file_id, png, content_type=OUTPUT_TYPE, filename="avatar.png")
    before = store.get("users", user_id)
    try:
        with store.transaction():
            after = store.update("users", user_id, {"avatar_file_id": file_id})
            record(store, acting, "avatar_changed", "user", user_id,
                   resource_name=after.get("email"),
                   changes=diff(before, after, ("avatar_file_id",)))
    except Exception:
        files.delete(BUCKET, file_id)
        raise
    if before.get("avatar_file_id"):
        files.delete(BUCKET, before["avatar_file_id"])
    return after


def remove_avatar(store: DocumentStore, files: FileStore, acting: Acting,
                  user_id: str) -> Document:
    before = store.get("users", user_id)
    if not before.get("avatar_file_id"):
        return before
    with store.transaction():
        after = store.update("users", user_id, {"avatar_file_id": None})
        record(store, acting, "avatar_removed", "user", user_id,
               resource_name=after.get("email"))
    files.delete(BUCKET, before["avatar_file_id"])
    return after


def can_view_avatar(store: DocumentStore, viewer_id: str, owner_id: str) -> bool:
    """Yourself, or someone you share an organization or a workspace with."""
    if viewer_id == owner_id:
        return True
    for collection, key in (("organization_members", "organization_id"),
                            ("workspace_members", "workspace_id")):
        mine = [row[key] for row in store.list(collection, [
            Query.equal("user_id", viewer_id), Query.limit(500)]).documents]
        if mine and store.count(collection, [
            Query.equal("user_id", owner_id), Query.equal(key, mine),
        ]):
            return True
    return False


# -- e-mail change ------------------------------------------------------------------------
def request_email_change(
    store: DocumentStore, acting: Acting, user_id: str, new_email: str, password: str,
    *, now: datetime | None = None,
) -> Document:
    """Record ``pending_email`` (a mail job then sends the link). Raises FieldErrors for
    ``new_email`` or ``password``."""
    user = store.get("users", user_id)
    try:
        address = normalize_email(new_email)
    except FieldErrors as exc:
        raise FieldErrors({"new_email": exc.errors["email"]}) from None
    if user.get("password_hash") and not verify_password(user["password_hash"], password or ""):
        raise FieldErrors({"password": "That isn't your password."})
    if address == user["email"]:
        raise FieldErrors({"new_email": "That is already your email address."})
    if store.first("users", [Query.equal("email", address)]) is not None:
        raise FieldErrors({"new_email": EMAIL_TAKEN})
    with store.transaction():
        retire_tokens(store, user_id, EMAIL_CHANGE, now=now)
        after = store.update("users", user_id, {"pending_email": address})
        record(store, acting, "email_change_requested", "user", user_id,
               resource_name=user["email"], metadata={"new_email": address})
    return after


def cancel_email_change(store: DocumentStore, user_id: str) -> Document:
    with store.transaction():
        retire_tokens(store, user_id, EMAIL_CHANGE)
        return store.update("users", user_id, {"pending_email": None})


def confirm_email_change(store: DocumentStore, raw_token: str,
                         *, ip: str | None = None, now: datetime | None = None) -> Document:
    """Open the link: the pending address becomes the address (verified). Raises
    TokenError, or FieldErrors({"email": EMAIL_TAKEN}) when someone took it meanwhile."""
    now = now or utcnow()
    with store.transaction():
        token = consume_token(store, raw_token, EMAIL_CHANGE, now=now)
        user = store.find("users", token["user_id"])
        if user is None or user.get("status") != "active" or not user.get("pending_email"):
            raise TokenInvalid()
        try:
            after = store.update("users", user["$id"], {
                "email": user["pending_email"], "pending_email": None, "email_verified_at": now,
            })
        except Conflict:
            raise FieldErrors({"email": EMAIL_TAKEN}) from None
        retire_tokens(store, user["$id"], EMAIL_CHANGE, now=now)
        record(store, Acting.of(after, ip), "email_changed", "user", user["$id"],
               resource_name=after["email"], changes=diff(user, after, ("email",)))
    return after
