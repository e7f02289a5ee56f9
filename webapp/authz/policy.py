"""The pure authorization policy: ``decide(context, permission) -> Decision``.

Callers load what is known about the actor relative to one resource into an
``AccessContext`` (memberships, grants, the resource's facts) and ask about one key. The
key's type picks the layer: org, workspace, space, project or program. No I/O happens here;
the same inputs always give the same ``Decision``.

A refusal says whether the actor may know the resource exists: guards answer 404 when
``visible`` is false and 403 when it is true (``Decision.refusal_status``).

Rules (SYSTEM.md section 3) and the choices made where it is silent:

* Only ACTIVE org memberships count. INVITED/SUSPENDED members may know the org exists
  (403 ``org_membership_inactive``) but hold nothing; non-members get 404.
* Org OWNER bypasses every check in its org: all org keys, every workspace (synthetic
  WS_ADMIN), every space (as Master), project (PROJECT_OWNER) and program.
* Org ADMIN implicitly holds ``ORG_ADMIN_PERMISSIONS`` (members, departments, workspace
  create/assign, audit and security views; not billing, compliance or org settings, which
  stay with owners). Keel departs from the reference here (where an ADMIN without a
  department held nothing): an administrator who cannot administer is a trap. MODERATOR
  and MEMBER hold no implicit org keys. For every non-owner, departments' keys and direct
  grants (``org_member_permissions``; the reference's resolver ignored those, Keel counts
  them because the grant endpoints exist) only widen. "Org access" (being allowed to
  *list* the org's workspaces) means belonging to at least one department or holding at
  least one org key.
* Org ADMIN/MODERATOR are PROJECT_OWNER of every project of the org's workspaces (and
  administer every program), even without workspace membership, as in the reference;
  they get no implicit workspace or space rights.
* Workspace membership counts only while ACTIVE: INVITED, INACTIVE and DELETED rows are
  non-members everywhere below (they also lose project/space/program access that stale
  rows would otherwise keep). Personal workspaces need direct membership; only the stored
  OWNER may delete one. Org workspaces: list = direct member or org access; read = direct
  member; write = WS_EDITOR or above; delete = WS_ADMIN. A listed-only workspace is
  visible (403), an unlisted one is not (404).
* Space: workspace admins are Master of every space. A space member holds its role's
  keys. A workspace member outside a PUBLIC space holds the Viewer keys; a PRIVATE space
  is invisible (404) to them. Space rights never open a project: project access is decided
  at project level only (a project member keeps access even inside a private space).
* Project: overrides above, else a project membership whose status is not REMOVED
  (INVITED counts, as in the reference) *and* an active workspace membership. Effective
  keys = role defaults | role-document keys | team keys | direct user grants. Union only:
  grants never remove a key. PROJECT_ADMIN has exactly its table (no bypass).
* Program: overrides above (org OWNER/ADMIN/MODERATOR and workspace admins hold every
  program key; the reference gave only workspace admins the run of programs, Keel keeps
  one rule for "administers all project work"), else program membership plus active
  workspace membership; non-members cannot see a program (404).
* Platform admins (``Actor.is_platform_admin``) get nothing here on purpose: operators work
  through the admin console's own ``platform_admin`` guard and never read tenant data by
  accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from webapp.authz.context import (
    AccessContext,
    Actor,
    Decision,
    OrgGrant,
    ProgramGrant,
    ProjectGrant,
    Reason,
    SpaceGrant,
    WorkspaceAccess,
    WorkspaceGrant,
)
from webapp.authz.roles import (
    ORG_ROLE_PERMISSIONS,
    PROGRAM_ROLE_PERMISSIONS,
    PROJECT_ROLE_PERMISSIONS,
    SPACE_ROLE_PERMISSIONS,
    WORKSPACE_ROLE_PERMISSIONS,
    OrgRole,
    ProjectMemberStatus,
    ProjectRole,
    SpaceRole,
    SpaceVisibility,
    WorkspaceMemberRole,
    WorkspaceRole,
)
from webapp.authz.vocabulary import (
    ORG_ROUTE_REQUIREMENTS,
    OrgPermission,
    OrgRouteKey,
    Permission,
    ProgramPermission,
    ProjectPermission,
    SpacePermission,
    WorkspacePermission,
)

__all__ = [
    "AccessContext",
    "Actor",
    "Decision",
    "OrgGrant",
    "ProgramGrant",
    "ProjectGrant",
    "Reason",
    "SpaceGrant",
    "WorkspaceAccess",
    "WorkspaceGrant",
    "active_org_grant",
    "active_org_role",
    "active_workspace_grant",
    "allows",
    "decide",
    "effective_org_permissions",
    "effective_program_permissions",
    "effective_project_permissions",
    "effective_project_role",
    "effective_space_permissions",
    "effective_space_role",
    "effective_workspace_permissions",
    "has_org_access",
    "org_route_keys",
    "workspace_access",
]

_NO_WORKSPACE_ACCESS = WorkspaceAccess(False, False, False, False)

K = TypeVar("K", OrgPermission, WorkspacePermission, SpacePermission, ProjectPermission,
            ProgramPermission)


@dataclass(frozen=True, slots=True)
class _Access(Generic[K]):
    """One layer's answer: which keys are held and on what basis."""

    visible: bool
    refusal: Reason
    by_role: frozenset[K] = field(default_factory=frozenset)
    role_reason: Reason = Reason.ROLE
    by_grant: frozenset[K] = field(default_factory=frozenset)

    @property
    def granted(self) -> frozenset[K]:
        return self.by_role | self.by_grant if self.visible else frozenset()


# --- building blocks ---------------------------------------------------------------------

def active_org_grant(context: AccessContext) -> OrgGrant | None:
    """The actor's org membership if it counts here (ACTIVE, and not a personal workspace)."""
    grant = context.org
    if context.personal_workspace or grant is None or not grant.is_active:
        return None
    return grant


def active_org_role(context: AccessContext) -> OrgRole | None:
    """For role-gated org actions (delete org, direct grants): the counting org role."""
    grant = active_org_grant(context)
    return grant.role if grant else None


def active_workspace_grant(context: AccessContext) -> WorkspaceGrant | None:
    grant = context.workspace
    return grant if grant is not None and grant.is_active else None


def effective_org_permissions(grant: OrgGrant | None) -> frozenset[OrgPermission]:
    """OWNER: every key. Others: the role's implicit keys (ADMIN) | departments | direct
    grants. Inactive or none: nothing."""
    if grant is None or not grant.is_active:
        return frozenset()
    if grant.role is OrgRole.OWNER:
        return frozenset(OrgPermission)
    return (ORG_ROLE_PERMISSIONS[grant.role] | grant.department_permissions
            | grant.direct_permissions)


def has_org_access(grant: OrgGrant | None) -> bool:
    """May the member see the org's workspace list: OWNER, or in a department, or any key."""
    if grant is None or not grant.is_active:
        return False
    return grant.role is OrgRole.OWNER or bool(grant.department_ids) or bool(
        effective_org_permissions(grant)
    )


def org_route_keys(permissions: Iterable[OrgPermission]) -> frozenset[OrgRouteKey]:
    """Navigation surfaces opened by org keys (a route opens on ANY of its keys)."""
    held = frozenset(permissions)
    return frozenset(key for key, needs in ORG_ROUTE_REQUIREMENTS.items() if needs & held)


def workspace_access(context: AccessContext) -> WorkspaceAccess:
    """List/read/write/delete on the context's workspace (``resolveUserWorkspaceAccess``)."""
    org = active_org_grant(context)
    member = active_workspace_grant(context)
    role = member.role.normalize() if member else None
    if org is not None and org.role is OrgRole.OWNER:
        return WorkspaceAccess(True, True, True, True, WorkspaceRole.WS_ADMIN,
                               is_org_owner=True, is_direct_member=member is not None)
    if member is None or role is None:
        if context.personal_workspace or not has_org_access(org):
            return _NO_WORKSPACE_ACCESS
        return WorkspaceAccess(True, False, False, False)
    if context.personal_workspace:
        can_delete = member.role is WorkspaceMemberRole.OWNER
    else:
        can_delete = role is WorkspaceRole.WS_ADMIN
    return WorkspaceAccess(True, True, role >= WorkspaceRole.WS_EDITOR, can_delete, role,
                           is_direct_member=True)


def _elevated_org_reason(context: AccessContext) -> Reason | None:
    """ORG_OWNER / ORG_ROLE when the org role alone makes the actor a project owner."""
    org = active_org_grant(context)
    if org is None or org.role < OrgRole.MODERATOR:
        return None
    return Reason.ORG_OWNER if org.role is OrgRole.OWNER else Reason.ORG_ROLE


def _is_workspace_admin(grant: WorkspaceGrant) -> bool:
    return grant.role.normalize() is WorkspaceRole.WS_ADMIN


# --- layers ------------------------------------------------------------------------------

def _org_layer(context: AccessContext) -> _Access[OrgPermission]:
    if context.personal_workspace:
        return _Access(False, Reason.OUT_OF_SCOPE)
    grant = context.org
    if grant is None:
        return _Access(False, Reason.NOT_ORG_MEMBER)
    if not grant.is_active:
        return _Access(True, Reason.ORG_MEMBERSHIP_INACTIVE)
    if grant.role is OrgRole.OWNER:
        return _Access(True, Reason.MISSING_PERMISSION, frozenset(OrgPermission), Reason.ORG_OWNER)
    by_role = ORG_ROLE_PERMISSIONS[grant.role]
    return _Access(True, Reason.MISSING_PERMISSION, by_role, Reason.ORG_ROLE,
                   (grant.department_permissions | grant.direct_permissions) - by_role)


def _workspace_layer(context: AccessContext) -> _Access[WorkspacePermission]:
    access = workspace_access(context)
    if not access.can_list:
        return _Access(False, Reason.NOT_WORKSPACE_MEMBER)
    if access.is_org_owner:
        return _Access(True, Reason.MISSING_PERMISSION, frozenset(WorkspacePermission),
                       Reason.ORG_OWNER)
    if not access.can_read or access.role is None:
        return _Access(True, Reason.WORKSPACE_LISTED_ONLY)
    held = WORKSPACE_ROLE_PERMISSIONS[access.role]
    if not access.can_delete:
        held = held - {WorkspacePermission.DELETE_WORKSPACE}
    return _Access(True, Reason.MISSING_PERMISSION, held)


def effective_space_role(context: AccessContext) -> SpaceRole | None:
    """Master for workspace admins, the member's role, Viewer on a public space, else None."""
    return _space_role_and_reason(context)[0]


def _space_role_and_reason(context: AccessContext) -> tuple[SpaceRole | None, Reason]:
    if context.space_visibility is None:
        return None, Reason.OUT_OF_SCOPE
    access = workspace_access(context)
    if not access.can_read:
        return None, Reason.NOT_WORKSPACE_MEMBER
    if access.is_org_owner:
        return SpaceRole.ADMIN, Reason.ORG_OWNER
    if access.role is WorkspaceRole.WS_ADMIN:
        return SpaceRole.ADMIN, Reason.WORKSPACE_ADMIN
    if context.space is not None:
        return context.space.role, Reason.ROLE
    if context.space_visibility is SpaceVisibility.PRIVATE:
        return None, Reason.PRIVATE_SPACE
    return SpaceRole.VIEWER, Reason.PUBLIC_SPACE


def _space_layer(context: AccessContext) -> _Access[SpacePermission]:
    role, reason = _space_role_and_reason(context)
    if role is None:
        return _Access(False, reason)
    return _Access(True, Reason.MISSING_PERMISSION, SPACE_ROLE_PERMISSIONS[role], reason)


def effective_project_role(context: AccessContext) -> ProjectRole | None:
    """PROJECT_OWNER by override, else the counting membership's role, else None."""
    if _elevated_org_reason(context) is not None:
        return ProjectRole.PROJECT_OWNER
    member = active_workspace_grant(context)
    if member is None:
        return None
    if _is_workspace_admin(member):
        return ProjectRole.PROJECT_OWNER
    project = context.project
    if project is None or project.status is ProjectMemberStatus.REMOVED:
        return None
    return project.role


def _project_layer(context: AccessContext) -> _Access[ProjectPermission]:
    everything = frozenset(ProjectPermission)
    reason = _elevated_org_reason(context)
    if reason is not None:
        return _Access(True, Reason.MISSING_PERMISSION, everything, reason)
    member = active_workspace_grant(context)
    if member is None:
        return _Access(False, Reason.NOT_WORKSPACE_MEMBER)
    if _is_workspace_admin(member):
        return _Access(True, Reason.MISSING_PERMISSION, everything, Reason.WORKSPACE_ADMIN)
    project = context.project
    if project is None or project.status is ProjectMemberStatus.REMOVED:
        return _Access(False, Reason.NOT_PROJECT_MEMBER)
    by_role = PROJECT_ROLE_PERMISSIONS[project.role] | project.role_permissions
    by_grant = (project.team_permissions | project.user_grants) - by_role
    return _Access(True, Reason.MISSING_PERMISSION, by_role, Reason.ROLE, by_grant)


def _program_layer(context: AccessContext) -> _Access[ProgramPermission]:
    everything = frozenset(ProgramPermission)
    reason = _elevated_org_reason(context)
    if reason is not None:
        return _Access(True, Reason.MISSING_PERMISSION, everything, reason)
    member = active_workspace_grant(context)
    if member is None:
        return _Access(False, Reason.NOT_WORKSPACE_MEMBER)
    if _is_workspace_admin(member):
        return _Access(True, Reason.MISSING_PERMISSION, everything, Reason.WORKSPACE_ADMIN)
    if context.program is None:
        return _Access(False, Reason.NOT_PROGRAM_MEMBER)
    return _Access(True, Reason.MISSING_PERMISSION, PROGRAM_ROLE_PERMISSIONS[context.program.role])


# --- public answers ----------------------------------------------------------------------

def _layer(context: AccessContext, permission: Permission) -> _Access[Any]:
    if isinstance(permission, ProjectPermission):
        return _project_layer(context)
    if isinstance(permission, WorkspacePermission):
        return _workspace_layer(context)
    if isinstance(permission, SpacePermission):
        return _space_layer(context)
    if isinstance(permission, OrgPermission):
        return _org_layer(context)
    if isinstance(permission, ProgramPermission):
        return _program_layer(context)
    raise TypeError(f"not a permission key: {permission!r}")


def decide(context: AccessContext, permission: Permission) -> Decision:
    """May the actor use ``permission`` on the context's resource, and may they know it exists."""
    access = _layer(context, permission)
    if not access.visible:
        return Decision(False, False, access.refusal, permission)
    if permission in access.by_role:
        return Decision(True, True, access.role_reason, permission)
    if permission in access.by_grant:
        return Decision(True, True, Reason.GRANT, permission)
    return Decision(False, True, access.refusal, permission)


def allows(context: AccessContext, permission: Permission) -> bool:
    return decide(context, permission).allowed


def effective_workspace_permissions(context: AccessContext) -> frozenset[WorkspacePermission]:
    return _workspace_layer(context).granted


def effective_space_permissions(context: AccessContext) -> frozenset[SpacePermission]:
    return _space_layer(context).granted


def effective_project_permissions(context: AccessContext) -> frozenset[ProjectPermission]:
    """Every project key the actor holds (empty without project access)."""
    return _project_layer(context).granted


def effective_program_permissions(context: AccessContext) -> frozenset[ProgramPermission]:
    return _program_layer(context).granted
