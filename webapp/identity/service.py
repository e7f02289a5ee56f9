"""Accounts and sessions: sign-up, sign-in, verification, password reset and change, sessions.

Plain functions over a document store (and values); no Flask here, so jobs, the CLI and
the JSON API call the same rules as the pages. Problems the user can fix raise
``FieldErrors`` keyed by form field name; the other errors are in ``errors.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email

from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict, NotFound
from webapp.storage.query import Query

from .errors import (
    AccountSuspended,
    FieldErrors,
    IdentityError,
    InvalidCredentials,
    LockedOut,
    TokenError,
    TokenExpired,
    TokenInvalid,
    TokenUsed,
)
from .lockout import LoginThrottle
from .security import (
    burn_password_check,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from .tokens import (
    EMAIL_VERIFY,
    PASSWORD_RESET,
    consume_token,
    find_token,
    issue_token,
    purge_expired_tokens,
    retire_tokens,
    utcnow,
)

__all__ = [
    "DPA_VERSION",
    "TERMS_VERSION",
    "AccountSuspended",
    "FieldErrors",
    "IdentityError",
    "InvalidCredentials",
    "LockedOut",
    "LoginThrottle",
    "TokenError",
    "TokenExpired",
    "TokenInvalid",
    "TokenUsed",
    "authenticate",
    "change_password",
    "issue_token",
    "list_sessions",
    "normalize_email",
    "purge_expired_sessions",
    "purge_expired_tokens",
    "request_password_reset",
    "reset_password",
    "reset_token_user",
    "revoke_all_sessions",
    "revoke_other_sessions",
    "revoke_session",
    "signup",
    "verify_email",
]

TERMS_VERSION = "v1"
DPA_VERSION = "v1"
NAME_MAX = 128
EMAIL_TAKEN = "This email is already registered."


# -- sign-up -----------------------------------------------------------------------------
def normalize_email(email: str) -> str:
    """The address as stored: validated (syntax only) and lower-cased; raises FieldErrors."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise FieldErrors({"email": "Enter a valid email address."}) from None
    return result.normalized.lower()


def signup(
    store: DocumentStore,
    *,
    name: str,
    email: str,
    password: str,
    accept_terms: bool,
    accept_dpa: bool,
    now: datetime | None = None,
) -> Document:
    """Create an unverified account; raises FieldErrors and writes nothing on bad input."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Enter your name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Use at most {NAME_MAX} characters."
    address = ""
    try:
        address = normalize_email(email)
    except FieldErrors as exc:
        errors.update(exc.errors)
    problem = password_problem(password or "", address or email or "")
    if problem:
        errors["password"] = problem
    if not accept_terms:
        errors["accept_terms"] = "Accept the Terms of Service to create an account."
    if not accept_dpa:
        errors["accept_dpa"] = "Accept the Data Processing Agreement to create an account."
    if errors:
        raise FieldErrors(errors)
    try:
        return store.create(
            "users",
            {
                "name": name,
                "email": address,
                "password_hash": hash_password(password),
                "accepted_terms_version": TERMS_VERSION,
                "accepted_terms_at": now,
                "accepted_dpa_version": DPA_VERSION,
                "accepted_dpa_at": now,
                "password_changed_at": now,
            },
        )
    except Conflict:
        raise FieldErrors({"email": EMAIL_TAKEN}) from None


# -- sign-in -----------------------------------------------------------------------------
def _user_by_email(store: DocumentStore, email: str) -> Document | None:
    address = (email or "").strip().lower()
    if not address or len(address) > 254:
        return None
    return store.first("users", [Query.equal("email", address)])


def authenticate(
    store: DocumentStore,
    email: str,
    password: str,
    *,
    throttle: LoginThrottle | None = None,
    now: datetime | None = None,
) -> Document:
    """The user for these credentials; raises InvalidCredentials, LockedOut, AccountSuspended.

    Failures count towards a temporary lockout of the address (known or not, so the
    lockout reveals nothing); success clears the count and upgrades an outdated hash.
    """
    now = now or utcnow()
    address = (email or "").strip().lower()
    if throttle is not None:
        wait = throttle.locked_for(address)
        if wait:
            raise LockedOut(wait)
    user = _user_by_email(store, address)
    if user is None or user.get("status") == "deleted" or not user.get("password_hash"):
        burn_password_check(password or "")
        ok = False
    else:
        ok = verify_password(user["password_hash"], password or "")
    if not ok:
        if throttle is not None:
            locked = throttle.record_failure(address)
            if locked:
                raise LockedOut(locked)
        raise InvalidCredentials()
    assert user is not None
    if user.get("status") == "suspended":
        raise AccountSuspended()
    if throttle is not None:
        throttle.clear(address)
    changes: dict[str, Any] = {"last_login_at": now}
    if needs_rehash(user["password_hash"]):
        changes["password_hash"] = hash_password(password)
    return store.update("users", user["$id"], changes)


# -- e-mail verification -----------------------------------------------------------------
def verify_email(store: DocumentStore, raw_token: str, *, now: datetime | None = None) -> Document:
    """Use a verification link: marks the address verified; returns the user.

    Raises TokenInvalid / TokenExpired / TokenUsed and then changes nothing.
    """
    now = now or utcnow()
    with store.transaction():
        token = consume_token(store, raw_token, EMAIL_VERIFY, now=now)
        user = store.find("users", token["user_id"])
        if user is None or user.get("status") == "deleted":
            raise TokenInvalid()
        retire_tokens(store, user["$id"], EMAIL_VERIFY, now=now)
        if user.get("email_verified_at") is None:
            user = store.update("users", user["$id"], {"email_verified_at": now})
    return user


# -- password reset ----------------------------------------------------------------------
def request_password_reset(store: DocumentStore, email: str) -> str | None:
    """The id of the active account to send a reset link to, or None.

    Callers answer the same either way, so the form cannot tell which addresses exist.
    """
    user = _user_by_email(store, email)
    if user is None or user.get("status") != "active":
        return None
    return str(user["$id"])


def reset_token_user(
    store: DocumentStore, raw_token: str, *, now: datetime | None = None
) -> Document:
    """The account a reset link belongs to, without using the link; raises TokenError."""
    token = find_token(store, raw_token, PASSWORD_RESET, now=now)
    user = store.find("users", token["user_id"])
    if user is None or user.get("status") != "active":
        raise TokenInvalid()
    return user


def reset_password(
    store: DocumentStore, raw_token: str, new_password: str, *, now: datetime | None = None
) -> Document:
    """Set a new password through a reset link, then sign the account out everywhere.

    The link also proves the address, so an unverified account becomes verified. Raises
    TokenError (nothing changed) or FieldErrors for ``password`` (link still usable).
    """
    now = now or utcnow()
    user = reset_token_user(store, raw_token, now=now)
    problem = password_problem(new_password or "", user["email"])
    if problem:
        raise FieldErrors({"password": problem})
    with store.transaction():
        consume_token(store, raw_token, PASSWORD_RESET, now=now)
        retire_tokens(store, user["$id"], PASSWORD_RESET, now=now)
        changes: dict[str, Any] = {
            "password_hash": hash_password(new_password),
            "password_changed_at": now,
        }
        if user.get("email_verified_at") is None:
            changes["email_verified_at"] = now
        user = store.update("users", user["$id"], changes)
        revoke_all_sessions(store, user["$id"])
    return user


def change_password(
    store: DocumentStore,
    user_id: str,
    current_password: str,
    new_password: str,
    *,
    keep_session_id: str | None = None,
    now: datetime | None = None,
) -> int:
    """Change a password knowing the current one; signs out the user's other sessions.

    Returns how many sessions were revoked. Raises FieldErrors for ``current_password`` or
    ``new_password``.
    """
    now = now or utcnow()
    user = store.get("users", user_id)
    if not verify_password(user.get("password_hash"), current_password or ""):
        raise FieldErrors({"current_password": "That isn't your current password."})
    problem = password_problem(new_password or "", user["email"])
    if not problem and new_password == current_password:
        problem = "Choose a password different from your current one."
    if problem:
        raise FieldErrors({"new_password": problem})
    with store.transaction():
        store.update(
            "users",
            user_id,
            {"password_hash": hash_password(new_password), "password_changed_at": now},
        )
        retire_tokens(store, user_id, PASSWORD_RESET, now=now)
        return revoke_other_sessions(store, user_id, keep_session_id)


# -- sessions ----------------------------------------------------------------------------
def list_sessions(
    store: DocumentStore, user_id: str, *, now: datetime | None = None
) -> list[Document]:
    """The user's live sessions, most recently seen first."""
    result = store.list(
        "sessions",
        [
            Query.equal("user_id", user_id),
            Query.greater_than("expires_at", now or utcnow()),
            Query.order_desc("last_seen_at"),
            Query.limit(200),
        ],
    )
    return list(result.documents)


def revoke_session(store: DocumentStore, user_id: str, session_id: str) -> None:
    """Sign out one of the user's sessions; raises NotFound for anyone else's."""
    row = store.find("sessions", session_id)
    if row is None or row.get("user_id") != user_id:
        raise NotFound("sessions", session_id)
    store.delete("sessions", session_id)


def revoke_other_sessions(
    store: DocumentStore, user_id: str, keep_session_id: str | None
) -> int:
    """Sign out every session of the user but ``keep_session_id``; returns how many."""
    queries = [Query.equal("user_id", user_id)]
    if keep_session_id:
        queries.append(Query.not_equal("$id", keep_session_id))
    return store.delete_where("sessions", queries)


def revoke_all_sessions(store: DocumentStore, user_id: str) -> int:
    return store.delete_where("sessions", [Query.equal("user_id", user_id)])


def purge_expired_sessions(store: DocumentStore, *, now: datetime | None = None) -> int:
    """Delete expired session rows (a scheduled job runs this); returns how many."""
    return store.delete_where("sessions", [Query.less_than("expires_at", now or utcnow())])


def session_ttl(user_id: str | None, session_days: int) -> timedelta:
    """Signed-in sessions last ``session_days``; anonymous ones (a CSRF token) one day."""
    return timedelta(days=session_days) if user_id else timedelta(days=1)
