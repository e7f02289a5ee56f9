"""Two-factor authentication: TOTP, e-mail one-time codes and recovery codes.

Plain functions over a store (no Flask). A user's methods live on the user document:
``two_factor_enabled`` and ``two_factor_method`` (TOTP, EMAIL or BOTH); ``totp_secret`` holds
the sealed authenticator seed (see ``crypto.py``) — while TOTP is not enabled it is the seed
being set up. Codes the user types are compared against sha256 hashes only.

- TOTP: RFC 6238, SHA1, 6 digits, 30 s, issuer "Keel"; one step of clock drift either way.
  A code that was accepted is refused for the next 90 s (replay), via Redis when available.
- E-mail codes: 6 digits, valid 5 minutes, at most 5 guesses; a new code retires the old one.
  The mail job creates the code, so it never sits in Redis job arguments.
- Recovery codes: 10 codes ``XXXX-XXXX``, shown once, single use, regenerated on demand.

Audit actions: two_factor_enabled, two_factor_disabled, two_factor_verified,
two_factor_failed, recovery_code_used.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import pyotp
import segno

from webapp.audit import Acting, record
from webapp.identity.errors import FieldErrors
from webapp.identity.security import verify_password
from webapp.identity.tokens import utcnow
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .crypto import SealError, code_hash, seal, unseal

ISSUER = "Keel"
TOTP_PURPOSE = "totp"
EMAIL_CODE_TTL = timedelta(minutes=5)
EMAIL_CODE_MAX_ATTEMPTS = 5
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
REPLAY_SECONDS = 90

TOTP, EMAIL, BOTH = "TOTP", "EMAIL", "BOTH"


class CodeRejected(Exception):
    """A code that does not open the door; ``message`` is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- reading the state --------------------------------------------------------------------
def methods(user: Document) -> set[str]:
    """The enabled second factors: a subset of {"TOTP", "EMAIL"}."""
    if not user.get("two_factor_enabled"):
        return set()
    method = user.get("two_factor_method")
    if method == BOTH:
        return {TOTP, EMAIL}
    return {method} if method in (TOTP, EMAIL) else set()


def _method_value(enabled: set[str]) -> str | None:
    if enabled == {TOTP, EMAIL}:
        return BOTH
    return next(iter(enabled)) if enabled else None


def remaining_recovery_codes(store: DocumentStore, user_id: str) -> int:
    return store.count(
        "recovery_codes", [Query.equal("user_id", user_id), Query.is_null("used_at")]
    )


def _audit(store: DocumentStore, acting: Acting, action: str, user: Document,
           **extra: Any) -> None:
    record(store, acting, action, "user", user["$id"], resource_name=user.get("email"),
           metadata=extra or None)


# -- TOTP ---------------------------------------------------------------------------------
def _normalize_digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def begin_totp_setup(store: DocumentStore, secret_key: str, user: Document) -> str:
    """A fresh authenticator seed for ``user`` (stored sealed until a code confirms it)."""
    if TOTP in methods(user):
        raise CodeRejected("The authenticator app is already set up.")
    secret = pyotp.random_base32()
    store.update("users", user["$id"], {
        "totp_secret": seal(secret_key, secret, purpose=TOTP_PURPOSE, bound_to=user["$id"]),
    })
    return secret


def totp_secret(secret_key: str, user: Document) -> str | None:
    """The user's authenticator seed in clear, or None (none stored, or unreadable)."""
    sealed = user.get("totp_secret")
    if not sealed:
        return None
    try:
        return unseal(secret_key, sealed, purpose=TOTP_PURPOSE, bound_to=user["$id"])
    except SealError:
        return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (dark modules on white, quiet zone kept)."""
    return str(segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title="QR code for your authenticator app",
    ))


def _totp_matches(secret: str, code: str, *, now: datetime | None = None) -> bool:
    digits = _normalize_digits(code)
    if len(digits) != 6 or not digits.isdigit():
        return False
    return bool(pyotp.TOTP(secret).verify(digits, for_time=now or utcnow(), valid_window=1))


def _not_replayed(redis: Any, user_id: str, code: str) -> bool:
    if redis is None:
        return True
    try:
        key = f"keel:2fa:totp-used:{user_id}:{_normalize_digits(code)}"
        return bool(redis.set(key, 1, nx=True, ex=REPLAY_SECONDS))
    except Exception:  # a Redis outage must not lock people out
        return True


def enable_totp(
    store: DocumentStore, acting: Acting, secret_key: str, user_id: str, code: str,
    *, now: datetime | None = None,
) -> list[str]:
    """Confirm the seed being set up with a current code; returns new recovery codes when
    the user had none (else an empty list). Raises FieldErrors for ``code``."""
    user = store.get("users", user_id)
    secret = totp_secret(secret_key, user)
    if secret is None or TOTP in methods(user):
        raise FieldErrors({"code": "Start the set-up again: scan a new QR code."})
    if not _totp_matches(secret, code, now=now):
        raise FieldErrors({"code": "That code didn't match. Check the time on your phone "
                                   "and enter the current code."})
    with store.transaction():
        enabled = methods(user) | {TOTP}
        user = store.update("users", user_id, {
            "two_factor_enabled": True, "two_factor_method": _method_value(enabled),
        })
        _audit(store, acting, "two_factor_enabled", user, method=TOTP)
        codes = [] if remaining_recovery_codes(store, user_id) else _new_recovery_codes(
            store, user_id)
    return codes


# -- e-mail codes -------------------------------------------------------------------------
def issue_email_code(store: DocumentStore, user_id: str, *, now: datetime | None = None) -> str:
    """A new 6-digit code (returned once, stored hashed); earlier unused codes are retired."""
    now = now or utcnow()
    code = f"{secrets.randbelow(1_000_000):06d}"
    with store.transaction():
        store.update_where(
            "email_otp_codes",
            [Query.equal("user_id", user_id), Query.is_null("used_at")],
            {"used_at": now},
        )
        store.create("email_otp_codes", {
            "user_id": user_id, "code_hash": code_hash(user_id, code),
            "expires_at": now + EMAIL_CODE_TTL, "attempts": 0,
        })
    return code


def check_email_code(
    store: DocumentStore, user_id: str, code: str, *, now: datetime | None = None
) -> None:
    """Use the latest e-mailed code; raises CodeRejected (wrong, expired, too many tries)."""
    now = now or utcnow()
    row = store.first("email_otp_codes", [  # issuing retires older codes: one at most
        Query.equal("user_id", user_id), Query.is_null("used_at"),
        Query.order_desc("$createdAt"),
    ])
    if row is None:
        raise CodeRejected("Send yourself a new code first.")
    if row["expires_at"] <= now:
        raise CodeRejected("That code has expired. Send a new one.")
    if (row.get("attempts") or 0) >= EMAIL_CODE_MAX_ATTEMPTS:
        raise CodeRejected("Too many wrong codes. Send a new one.")
    store.increment("email_otp_codes", row["$id"], "attempts", 1)
    digits = _normalize_digits(code)
    if not secrets.compare_digest(code_hash(user_id, digits), row["code_hash"]):
        left = EMAIL_CODE_MAX_ATTEMPTS - (row.get("attempts") or 0) - 1
        hint = f" {left} attempt{'s' if left != 1 else ''} left." if left else (
            " Send a new one.")
        raise CodeRejected("That code didn't match." + hint)
    used = store.update_where(
        "email_otp_codes", [Query.equal("$id", row["$id"]), Query.is_null("used_at")],
        {"used_at": now},
    )
    if used != 1:
        raise CodeRejected("That code was already used. Send a new one.")


def enable_email_codes(
    store: DocumentStore, acting: Acting, user_id: str, code: str,
    *, now: datetime | None = None,
) -> list[str]:
    """Turn on e-mailed codes after the user typed one; returns new recovery codes when the
    user had none. Raises FieldErrors for ``code``."""
    user = store.get("users", user_id)
    if EMAIL in methods(user):
        raise FieldErrors({"code": "Email codes are already turned on."})
    try:
        check_email_code(store, user_id, code, now=now)
    except CodeRejected as exc:
        raise FieldErrors({"code": exc.message}) from None
    with store.transaction():
        enabled = methods(user) | {EMAIL}
        user = store.update("users", user_id, {
            "two_factor_enabled": True, "two_factor_method": _method_value(enabled),
        })
        _audit(store, acting, "two_factor_enabled", user, method=EMAIL)
        codes = [] if remaining_recovery_codes(store, user_id) else _new_recovery_codes(
            store, user_id)
    return codes


# -- recovery codes -----------------------------------------------------------------------
def _recovery_code() -> str:
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normalize_recovery_code(code: str) -> str:
    chars = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return f"{chars[:4]}-{chars[4:]}" if len(chars) == 8 else ""


def _new_recovery_codes(store: DocumentStore, user_id: str) -> list[str]:
    store.delete_where("recovery_codes", [Query.equal("user_id", user_id)])
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        store.create("recovery_codes", {"user_id": user_id, "code_hash": code_hash(user_id, code)})
    return codes


def regenerate_recovery_codes(store: DocumentStore, acting: Acting, user_id: str) -> list[str]:
    """Ten new codes; the old ones stop working. Only with two-factor turned on."""
    user = store.get("users", user_id)
    if not methods(user):
        raise CodeRejected("Turn on two-factor authentication first.")
    with store.transaction():
        codes = _new_recovery_codes(store, user_id)
        record(store, acting, "recovery_codes_regenerated", "user", user_id,
               resource_name=user.get("email"))
    return codes


def use_recovery_code(
    store: DocumentStore, user_id: str, code: str, *, now: datetime | None = None
) -> None:
    """Spend one recovery code; raises CodeRejected for an unknown or used one."""
    normalized = normalize_recovery_code(code)
    if not normalized:
        raise CodeRejected("Recovery codes look like ABCD-EFGH.")
    row = store.first("recovery_codes", [
        Query.equal("user_id", user_id), Query.equal("code_hash", code_hash(user_id, normalized)),
    ])
    if row is None:
        raise CodeRejected("That recovery code is not valid.")
    if row.get("used_at") is not None:
        raise CodeRejected("That recovery code was already used.")
    used = store.update_where(
        "recovery_codes", [Query.equal("$id", row["$id"]), Query.is_null("used_at")],
        {"used_at": now or utcnow()},
    )
    if used != 1:
        raise CodeRejected("That recovery code was already used.")


# -- second-factor check (login challenge, re-authentication) ------------------------------
def verify_second_factor(
    store: DocumentStore, acting: Acting, secret_key: str, user: Document, method: str,
    code: str, *, redis: Any = None, now: datetime | None = None,
) -> None:
    """Check ``code`` by ``method`` ("totp", "email" or "recovery"); records
    two_factor_verified / recovery_code_used, or two_factor_failed and raises CodeRejected."""
    enabled = methods(user)
    try:
        if method == "totp":
            secret = totp_secret(secret_key, user) if TOTP in enabled else None
            if secret is None:
                raise CodeRejected("The authenticator app is not set up for this account.")
            if not _totp_matches(secret, code, now=now):
                raise CodeRejected("That code didn't match. Enter the current code.")
            if not _not_replayed(redis, user["$id"], code):
                raise CodeRejected("That code was just used. Wait for the next one.")
        elif method == "email":
            if EMAIL not in enabled:  # never a way around a stronger factor
                raise CodeRejected("Email codes are not turned on for this account.")
            check_email_code(store, user["$id"], code, now=now)
        elif method == "recovery":
            if not enabled:
                raise CodeRejected("Two-factor authentication is not turned on.")
            use_recovery_code(store, user["$id"], code, now=now)
        else:
            raise CodeRejected("Choose how to confirm it's you.")
    except CodeRejected as exc:
        _audit(store, acting, "two_factor_failed", user, method=method, reason=exc.message)
        raise
    with store.transaction():
        if method == "recovery":
            _audit(store, acting, "recovery_code_used", user,
                   remaining=remaining_recovery_codes(store, user["$id"]))
        _audit(store, acting, "two_factor_verified", user, method=method)


# -- turning it off -----------------------------------------------------------------------
def disable(
    store: DocumentStore, acting: Acting, secret_key: str, user_id: str, credential: str,
    *, redis: Any = None,
) -> Document:
    """Turn two-factor off. Proof: the password, or — for accounts without one (signed up
    with Google/GitHub) — a current authenticator, e-mail or recovery code. Raises
    FieldErrors for ``credential``."""
    user = store.get("users", user_id)
    if not methods(user):
        raise FieldErrors({"credential": "Two-factor authentication is already off."})
    if user.get("password_hash"):
        if not verify_password(user["password_hash"], credential or ""):
            raise FieldErrors({"credential": "That isn't your password."})
    elif not _second_factor_ok(store, acting, secret_key, user, credential, redis):
        raise FieldErrors({"credential": "Enter a current code from your authenticator app, "
                                         "an email code or a recovery code."})
    with store.transaction():
        store.delete_where("recovery_codes", [Query.equal("user_id", user_id)])
        store.delete_where("email_otp_codes", [Query.equal("user_id", user_id)])
        updated = store.update("users", user_id, {
            "two_factor_enabled": False, "two_factor_method": None, "totp_secret": None,
        })
        _audit(store, acting, "two_factor_disabled", updated)
    return updated


def _second_factor_ok(store: DocumentStore, acting: Acting, secret_key: str, user: Document,
                      credential: str, redis: Any) -> bool:
    kind = "recovery" if normalize_recovery_code(credential) and not _normalize_digits(
        credential).isdigit() else "totp"
    tries = [kind] if kind == "recovery" else ["totp", "email"]
    for method in tries:
        try:
            verify_second_factor(store, acting, secret_key, user, method, credential,
                                 redis=redis)
        except CodeRejected:
            continue
        return True
    return False
