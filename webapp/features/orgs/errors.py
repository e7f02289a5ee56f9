"""Organization domain errors.

Input the user can fix raises ``FieldErrors`` (shared with identity: ``errors`` maps a form
field to its message, pages answer 422). A rule the request breaks raises ``Refused`` with
a stable code (``LAST_OWNER``, ``ROLE_ESCALATION``...) and the HTTP status a page answers.
"""

from __future__ import annotations

from webapp.identity.errors import FieldErrors

__all__ = ["FieldErrors", "OrgError", "Refused"]


class OrgError(Exception):
    """Base class of everything the organization services raise on purpose."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(OrgError):
    """A rule forbids the change; nothing was written."""

    MESSAGES = {
        "LAST_OWNER": "An organization must keep at least one owner.",
        "ROLE_ESCALATION": "You cannot change a member who outranks you or grant a role "
        "above your own.",
        "PERMISSION_ESCALATION": "You can only grant permissions you hold yourself.",
        "OWNER_ONLY": "Only an owner of the organization can do this.",
        "NOT_INVITED": "This member has already activated their account.",
        "NOT_A_MEMBER": "This person is not a member of the organization.",
        "CYCLE": "A department cannot be placed inside itself or one of its sub-departments.",
        "DELETED": "This organization is scheduled for deletion.",
        "NOT_DELETED": "This organization is not scheduled for deletion.",
        "GRACE_OVER": "The 30-day grace period is over; the organization can no longer be "
        "restored.",
    }

    def __init__(self, code: str, message: str | None = None, *, status: int = 409) -> None:
        super().__init__(message or self.MESSAGES.get(code, code))
        self.code = code
        self.status = status
