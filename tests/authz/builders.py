"""Terse constructors for access contexts in the authz tests."""

from __future__ import annotations

from collections.abc import Iterable

from webapp.authz.policy import (
    AccessContext,
    Actor,
    OrgGrant,
    ProgramGrant,
    ProjectGrant,
    SpaceGrant,
    WorkspaceGrant,
)
from webapp.authz.roles import (
    OrgMemberStatus,
    OrgRole,
    ProgramRole,
    ProjectMemberStatus,
    ProjectRole,
    SpaceRole,
    SpaceVisibility,
    WorkspaceMemberRole,
    WorkspaceMemberStatus,
)
from webapp.authz.vocabulary import OrgPermission, ProjectPermission

ACTOR = Actor("user-1")


def org(
    role: OrgRole,
    status: OrgMemberStatus = OrgMemberStatus.ACTIVE,
    *,
    departments: Iterable[str] = (),
    department_permissions: Iterable[OrgPermission] = (),
    direct: Iterable[OrgPermission] = (),
) -> OrgGrant:
    return OrgGrant(role, status, frozenset(departments), frozenset(department_permissions),
                    frozenset(direct))


def ws(role: str, status: WorkspaceMemberStatus = WorkspaceMemberStatus.ACTIVE) -> WorkspaceGrant:
    return WorkspaceGrant(WorkspaceMemberRole(role), status)


def project(
    role: ProjectRole,
    status: ProjectMemberStatus = ProjectMemberStatus.ACTIVE,
    *,
    role_permissions: Iterable[ProjectPermission] = (),
    teams: Iterable[ProjectPermission] = (),
    grants: Iterable[ProjectPermission] = (),
) -> ProjectGrant:
    return ProjectGrant(role, status, frozenset(role_permissions), frozenset(teams),
                        frozenset(grants))


def space(role: SpaceRole) -> SpaceGrant:
    return SpaceGrant(role)


def program(role: ProgramRole) -> ProgramGrant:
    return ProgramGrant(role)


def ctx(
    *,
    org: OrgGrant | None = None,
    ws: WorkspaceGrant | None = None,
    personal: bool = False,
    visibility: SpaceVisibility | None = None,
    space: SpaceGrant | None = None,
    project: ProjectGrant | None = None,
    program: ProgramGrant | None = None,
    actor: Actor = ACTOR,
) -> AccessContext:
    return AccessContext(actor, org, ws, personal, visibility, space, project, program)


def table(text: str) -> list[list[str]]:
    """Rows of a ``|``-separated table, header and blank lines dropped."""
    rows = [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]
    return rows[1:]
