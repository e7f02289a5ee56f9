"""Domain errors of workspaces, spaces and projects.

Input the user can fix raises ``FieldErrors`` (``errors`` maps a form field to its message;
pages answer 422). A rule the request breaks raises ``Refused`` with a stable code and the
HTTP status a page answers; nothing was written.
"""

from __future__ import annotations

from webapp.identity.errors import FieldErrors

__all__ = ["PERSONAL_LIMIT_MESSAGE", "FieldErrors", "Refused"]

PERSONAL_LIMIT_MESSAGE = (
    "Personal accounts can only have one workspace. Upgrade to Organization to create more."
)


class Refused(Exception):
    """A rule forbids the change; nothing was written."""

    MESSAGES = {
        "PERSONAL_LIMIT": PERSONAL_LIMIT_MESSAGE,
        "NOT_ORG_MEMBER": "This person is not an active member of the organization.",
        "NOT_ORG_WORKSPACE": "Members can only be added from the organization roster in an "
        "organization workspace.",
        "ORG_WORKSPACE": "Invite codes are only available for personal workspaces; add "
        "organization members from the roster instead.",
        "ALREADY_MEMBER": "This person is already a member.",
        "NOT_A_MEMBER": "This person is not a member.",
        "LAST_OWNER": "The workspace must keep at least one admin.",
        "OWNER_PROTECTED": "The workspace owner cannot be removed or demoted.",
        "ROLE_ESCALATION": "You cannot change a member who outranks you or grant a role "
        "above your own.",
        "PERMISSION_ESCALATION": "You can only grant permissions you hold yourself.",
        "INVALID_CODE": "This invite code is not valid.",
        "SPACE_NOT_EMPTY": "Move or delete the projects in this space before deleting it.",
        "SPACE_OWNER": "The space owner cannot be removed.",
        "DEFAULT_ROLE": "Default roles cannot be deleted.",
        "ROLE_IN_USE": "This role is still assigned to members.",
        "NOT_WORKSPACE_MEMBER": "This person is not a member of the workspace.",
    }

    def __init__(self, code: str, message: str | None = None, *, status: int = 409) -> None:
        self.message = message or self.MESSAGES.get(code, code)
        super().__init__(self.message)
        self.code = code
        self.status = status
