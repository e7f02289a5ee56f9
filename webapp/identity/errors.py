"""Identity's domain errors: small, carrying the field or the status a page needs."""

from __future__ import annotations

import math


class IdentityError(Exception):
    """Base class of everything the identity services raise on purpose."""


class FieldErrors(IdentityError):
    """Input the user can fix: ``errors`` maps a form field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class InvalidCredentials(IdentityError):
    """Unknown e-mail or wrong password: one message for both, so accounts can't be probed."""

    message = "Invalid email or password."

    def __init__(self) -> None:
        super().__init__(self.message)


class AccountSuspended(IdentityError):
    message = "This account is suspended. Contact your administrator."

    def __init__(self) -> None:
        super().__init__(self.message)


class LockedOut(IdentityError):
    """Too many failed sign-ins for one e-mail; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"Too many failed attempts. Try again in {wait_text(self.retry_after)}."


class TokenError(IdentityError):
    """A link that can't be used; ``status`` is the HTTP status its page answers with."""

    status = 400
    reason = "invalid"
    message = "This link is not valid."


class TokenInvalid(TokenError):
    pass


class TokenExpired(TokenError):
    status = 410
    reason = "expired"
    message = "This link has expired."


class TokenUsed(TokenError):
    status = 410
    reason = "used"
    message = "This link has already been used."


def wait_text(seconds: int) -> str:
    """``"14 minutes"``, ``"1 minute"``, ``"40 seconds"``: how long until a retry."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"
