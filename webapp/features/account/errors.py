"""Domain errors of the account lifecycle (onboarding, legal, conversion, deletion).

``FieldErrors`` (shared with identity) carries messages for form fields (pages answer 422);
``Refused`` is a rule the request breaks, with a stable code and the status a page answers.
"""

from __future__ import annotations

from webapp.identity.errors import FieldErrors

__all__ = ["FieldErrors", "Refused"]


class Refused(Exception):
    """A rule forbids the change; nothing was written (bar an audit row saying so)."""

    MESSAGES = {
        "STEP_LOCKED": "This step is already done and can't be changed.",
        "NOT_IN_ONBOARDING": "Your account is already set up.",
        "NOT_PERSONAL": "Only a personal account can be converted to an organization.",
        "LAST_OWNER_BLOCK": "You are the last owner of an organization. Make someone else an "
        "owner, or delete the organization, before deleting your account.",
        "NOT_OWNER": "Only an owner of the organization can do this.",
    }

    def __init__(self, code: str, message: str | None = None, *, status: int = 409) -> None:
        self.message = message or self.MESSAGES.get(code, code)
        super().__init__(self.message)
        self.code = code
        self.status = status
