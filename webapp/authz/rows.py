"""Membership and resource rows turned into the grants ``loader`` decides on (pure reads)."""

from __future__ import annotations

from typing import Any

from webapp.authz.context import (
    OrgGrant,
    ProjectGrant,
    SpaceGrant,
    WorkspaceGrant,
)
from webapp.authz.mirrors import NONE
from webapp.authz.roles import (
    OrgMemberStatus,
    OrgRole,
    ProjectMemberStatus,
    ProjectRole,
    SpaceRole,
    SpaceVisibility,
    WorkspaceMemberRole,
    WorkspaceMemberStatus,
)
from webapp.authz.vocabulary import (
    OrgPermission,
    parse_permissions,
)
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query


class NotVisible(LookupError):
    """A named resource does not exist, or the ids given do not belong together."""


def org_grant(member: Document | None) -> OrgGrant | None:
    if member is None:
        return None
    role = OrgRole.parse_or_none(member.get("role")) or OrgRole.MEMBER
    try:
        status = OrgMemberStatus(str(member.get("status") or "ACTIVE").upper())
    except ValueError:
        status = OrgMemberStatus.SUSPENDED
    if member.get("org_keys") is None or role is OrgRole.OWNER:
        return OrgGrant(role, status)
    return OrgGrant(role, status,
                    department_ids=frozenset(str(d) for d in member.get("department_ids") or ()),
                    department_permissions=parse_permissions(OrgPermission,
                                                             member.get("org_keys")))



def workspace_grant(member: Document | None) -> WorkspaceGrant | None:
    if member is None:
        return None
    try:
        role = WorkspaceMemberRole.parse(str(member.get("role") or ""))
    except ValueError:  # a custom role name: the floor
        role = WorkspaceMemberRole.WS_VIEWER
    try:
        status = WorkspaceMemberStatus(str(member.get("status") or "ACTIVE").upper())
    except ValueError:
        status = WorkspaceMemberStatus.INACTIVE
    return WorkspaceGrant(role, status)


def space_grant(member: Document | None) -> SpaceGrant | None:
    if member is None:
        return None
    return SpaceGrant(SpaceRole.parse_or_none(member.get("role")) or SpaceRole.VIEWER)


def project_grant(member: Document | None) -> ProjectGrant | None:
    if member is None:
        return None
    try:
        role = ProjectRole.parse(str(member.get("role") or ""))
    except ValueError:
        role = ProjectRole.VIEWER
    try:
        status = ProjectMemberStatus(str(member.get("status") or "ACTIVE").upper())
    except ValueError:
        status = ProjectMemberStatus.REMOVED
    return ProjectGrant(role, status)


def visibility(space: Document) -> SpaceVisibility:
    try:
        return SpaceVisibility(str(space.get("visibility") or "PUBLIC").upper())
    except ValueError:
        return SpaceVisibility.PRIVATE


def find_or_hidden(store: DocumentStore, collection: str, document_id: str | None) -> Document:
    if not document_id or not isinstance(document_id, str):
        raise NotVisible(collection)
    doc = store.find(collection, document_id)
    if doc is None:
        raise NotVisible(collection)
    return doc


def member(store: DocumentStore, collection: str, **where: Any) -> Document | None:
    return store.first(collection, [Query.equal(k, v) for k, v in where.items()])


# --- loading -------------------------------------------------------------------------------

def text(value: Any) -> str | None:
    return str(value) if value else None


def copied_org(row: Document | None) -> tuple[str | None, OrgGrant | None] | None:
    """(org id, grant) from a workspace membership's copy; None when nothing is copied."""
    if row is None or row.get("org_role") is None:
        return None
    org_id = text(row.get("organization_id"))
    if row.get("org_role") == NONE or org_id is None:
        return org_id, None
    return org_id, org_grant({"role": row.get("org_role"), "status": row.get("org_status")})
