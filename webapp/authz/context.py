"""What the policy reads and answers: the access context, its grants, and the decision.

Plain frozen dataclasses built by whoever loads the memberships (a guard, a service, a
job); ``webapp.authz.policy`` re-exports them next to ``decide``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

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
    WorkspaceRole,
)
from webapp.authz.vocabulary import OrgPermission, Permission, ProjectPermission


class Reason(StrEnum):
    """Stable codes explaining a decision (logged, shown to operators, asserted in tests)."""

    # allowed
    ORG_OWNER = "org_owner"
    ORG_ROLE = "org_role"
    WORKSPACE_ADMIN = "workspace_admin"
    ROLE = "role"
    GRANT = "grant"
    PUBLIC_SPACE = "public_space"
    # refused; the resource stays hidden (404)
    NOT_ORG_MEMBER = "not_org_member"
    NOT_WORKSPACE_MEMBER = "not_workspace_member"
    PRIVATE_SPACE = "private_space"
    NOT_PROJECT_MEMBER = "not_project_member"
    NOT_PROGRAM_MEMBER = "not_program_member"
    OUT_OF_SCOPE = "out_of_scope"
    # refused; the actor may know the resource exists (403)
    ORG_MEMBERSHIP_INACTIVE = "org_membership_inactive"
    WORKSPACE_LISTED_ONLY = "workspace_listed_only"
    MISSING_PERMISSION = "missing_permission"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    visible: bool
    reason: Reason
    permission: Permission

    @property
    def refusal_status(self) -> int | None:
        """None when allowed, else 404 (hidden) or 403 (visible but not allowed)."""
        if self.allowed:
            return None
        return 403 if self.visible else 404


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking. ``is_platform_admin`` deliberately grants nothing in tenant layers."""

    user_id: str
    is_platform_admin: bool = False


@dataclass(frozen=True, slots=True)
class OrgGrant:
    """The actor's membership in the organization owning the resource."""

    role: OrgRole
    status: OrgMemberStatus = OrgMemberStatus.ACTIVE
    department_ids: frozenset[str] = field(default_factory=frozenset)
    department_permissions: frozenset[OrgPermission] = field(default_factory=frozenset)
    direct_permissions: frozenset[OrgPermission] = field(default_factory=frozenset)

    @property
    def is_active(self) -> bool:
        return self.status is OrgMemberStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class WorkspaceGrant:
    """The actor's row in the workspace's ``members``."""

    role: WorkspaceMemberRole
    status: WorkspaceMemberStatus = WorkspaceMemberStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.status is WorkspaceMemberStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class SpaceGrant:
    """The actor's ``space_members`` row."""

    role: SpaceRole


@dataclass(frozen=True, slots=True)
class ProjectGrant:
    """The actor's ``project_members`` row and every grant reaching them in that project.

    ``role_permissions``: keys of the ``project_roles`` document named by ``role_id``;
    ``team_permissions``: keys of every project team the actor belongs to (the team's
    ``permissions`` plus ``project_permissions`` rows assigned to the team);
    ``user_grants``: ``project_permissions`` rows assigned to the actor.
    """

    role: ProjectRole
    status: ProjectMemberStatus = ProjectMemberStatus.ACTIVE
    role_permissions: frozenset[ProjectPermission] = field(default_factory=frozenset)
    team_permissions: frozenset[ProjectPermission] = field(default_factory=frozenset)
    user_grants: frozenset[ProjectPermission] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class ProgramGrant:
    """The actor's ``program_members`` row."""

    role: ProgramRole


@dataclass(frozen=True, slots=True)
class AccessContext:
    """Everything known about the actor relative to one resource.

    ``org`` is the actor's membership in the org owning the workspace (None: not a member,
    or an org-less resource); it is ignored for personal workspaces. ``workspace`` is the
    actor's membership row in the resource's workspace, whatever its status.
    ``space_visibility`` is set when the resource is (in) a space, ``space`` when the actor
    is a member of it. ``project`` / ``program`` are the actor's membership in the project
    or program asked about (None: not a member). Fields that do not apply stay None.
    """

    actor: Actor
    org: OrgGrant | None = None
    workspace: WorkspaceGrant | None = None
    personal_workspace: bool = False
    space_visibility: SpaceVisibility | None = None
    space: SpaceGrant | None = None
    project: ProjectGrant | None = None
    program: ProgramGrant | None = None


@dataclass(frozen=True, slots=True)
class WorkspaceAccess:
    """``resolveUserWorkspaceAccess``: see it listed, open it, change it, delete it."""

    can_list: bool
    can_read: bool
    can_write: bool
    can_delete: bool
    role: WorkspaceRole | None = None
    is_org_owner: bool = False
    is_direct_member: bool = False
