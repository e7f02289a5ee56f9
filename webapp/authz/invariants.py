"""Pure checks services run before writing membership and grant changes.

Each check returns None when the change is fine, or a ``Violation`` code the service turns
into a refusal (HTTP 409/403 with that code, nothing written). They take plain ids and
roles, so bulk operations check once for the whole batch:

    violation = check_keeps_an_owner(owner_ids, losing={member_id})
    if violation:
        raise Refused(violation)

* ``check_keeps_an_owner`` — an organization always keeps ≥1 OWNER (role change, removal,
  bulk role change, bulk delete, leaving, deleting one's account), and a program ≥1 lead
  (``check_keeps_a_lead``). Also usable for a workspace's stored OWNER.
* ``check_role_assignment`` — nobody hands out a role above their own, or changes/removes a
  member who outranks them; the highest role of a layer may do both. Peers may manage
  peers (an org ADMIN may add or demote another ADMIN).
* ``check_grantable`` — keys can only be granted by someone who holds them (department
  permission lists, custom project roles, team and direct grants), so
  ``org.departments.manage`` or ``project.permissions.manage`` cannot be used to mint keys
  the granter lacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from enum import IntEnum, StrEnum
from typing import TypeVar


class Violation(StrEnum):
    LAST_OWNER = "LAST_OWNER"
    LAST_LEAD = "LAST_LEAD"
    ROLE_ESCALATION = "ROLE_ESCALATION"
    PERMISSION_ESCALATION = "PERMISSION_ESCALATION"


R = TypeVar("R", bound=IntEnum)


def remaining_owners(
    current_owner_ids: Iterable[str],
    *,
    losing: Iterable[str] = (),
    gaining: Iterable[str] = (),
) -> frozenset[str]:
    """Owners after one change: ``losing`` stop being owners (demoted, removed, left),
    ``gaining`` become owners. An id in both ends up an owner (it is re-promoted)."""
    return (frozenset(current_owner_ids) - frozenset(losing)) | frozenset(gaining)


def check_keeps_an_owner(
    current_owner_ids: Iterable[str],
    *,
    losing: Iterable[str] = (),
    gaining: Iterable[str] = (),
) -> Violation | None:
    """LAST_OWNER if the change would leave no owner."""
    if remaining_owners(current_owner_ids, losing=losing, gaining=gaining):
        return None
    return Violation.LAST_OWNER


def check_keeps_a_lead(
    current_lead_ids: Iterable[str],
    *,
    losing: Iterable[str] = (),
    gaining: Iterable[str] = (),
) -> Violation | None:
    """LAST_LEAD if a program would be left without a lead."""
    if remaining_owners(current_lead_ids, losing=losing, gaining=gaining):
        return None
    return Violation.LAST_LEAD


def check_role_assignment(actor_role: R, current: R | None, new: R | None) -> Violation | None:
    """May an actor holding ``actor_role`` move a member from ``current`` to ``new``?

    ``current`` None = adding a member; ``new`` None = removing one. The layer's highest
    role may do anything (the owner invariant is checked separately); others may not touch
    a member above them nor grant a role above their own.
    """
    for role in (current, new):
        if role is not None and type(role) is not type(actor_role):
            raise TypeError("roles of different layers cannot be compared")
    if actor_role == max(type(actor_role)):
        return None
    if current is not None and current > actor_role:
        return Violation.ROLE_ESCALATION
    if new is not None and new > actor_role:
        return Violation.ROLE_ESCALATION
    return None


def check_grantable(held: Set[str], requested: Iterable[str]) -> Violation | None:
    """PERMISSION_ESCALATION if ``requested`` contains a key the granter does not hold."""
    if frozenset(requested) <= held:
        return None
    return Violation.PERMISSION_ESCALATION
