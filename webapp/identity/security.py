"""Password hashing (argon2id), the password policy and opaque tokens.

Tokens handed to a browser (session cookies, e-mailed links) are 32 random bytes; the store
keeps only their sha256, so a leaked database cannot be replayed as a session or a link.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PASSWORD_MIN = 8
PASSWORD_MAX = 128

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch or a malformed hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with other parameters than today's (time/memory cost...)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spend the time of one real check, so unknown e-mails answer as slowly as known ones."""
    verify_password(_DUMMY_HASH, password)


def password_problem(password: str, email: str) -> str | None:
    """The message to show at the password field, or None when the password is acceptable."""
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    folded = password.casefold()
    address = email.strip().casefold()
    if address and (folded == address or folded == address.partition("@")[0]):
        return "Your password can't be your email address."
    return None


def new_token() -> str:
    """A fresh opaque token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    """What the store keeps instead of a token: its sha256, hex (64 characters)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
