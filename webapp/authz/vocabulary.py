"""Permission keys: the one vocabulary every guard, service, template and stored grant uses.

Keys are dotted strings ``<layer>.<resource>.<action>`` stored as-is in documents
(``department_permissions.permissions``, ``project_roles.permissions``,
``project_permissions.permission_key``, team ``permissions``). Each layer has its own
StrEnum; an enum member's *name* is the reference system's name for the key, so legacy
names translate with ``from_legacy`` and new code reads the dotted value.

Layers: ``OrgPermission`` (11 keys), ``WorkspacePermission`` (the target matrix, 8 keys),
``SpacePermission`` (20), ``ProjectPermission`` (34) and ``ProgramPermission`` (6).

Decisions where the reference is silent:

* Workspace keys follow the target matrix (MANAGE_MEMBERS ... VIEW_ALL) as
  ``workspace.<resource>.<action>``; VIEW_ALL is ``workspace.view``. Keel adds
  ``workspace.delete`` (DELETE_WORKSPACE): deleting a workspace is a real guard and the
  matrix had no key for it (the reference checked role names inline).
  ``workspace.projects.edit`` / ``workspace.spaces.edit`` are workspace-wide abilities
  (arranging and moving projects and spaces in the workspace); editing one particular
  space or project is decided by that layer (space Master, project keys).
* Space keys are the reference's 20 names as ``space.<resource>.<action>``; work items
  are ``tasks`` in keys, as at project level.
* The reference has no program permission keys (routes checked roles inline); Keel names
  the six actions its routes need (``ProgramPermission``).
* Project keys have no "Docs" category in the reference's permission matrix; document
  keys sit under "Project" (docs are project material), and ``project.permissions.manage``
  sits under "Roles" (it edits role permissions).
* ``project.settings.edit`` covers the general settings tabs (details, board, work types,
  priorities, labels, columns); ``project.settings.manage`` covers the settings that reach
  outside the project: outgoing webhooks, the GitHub link and workflow binding.
* Stored lists may contain keys that no longer exist; ``parse_permissions`` drops them,
  so an unknown key never grants anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeAlias, TypeVar


class OrgPermissionCategory(StrEnum):
    BILLING = "Billing & Payments"
    MEMBERS = "Member Management"
    SETTINGS = "Organization Settings"
    AUDIT = "Audit & Compliance"
    DEPARTMENTS = "Departments"
    SECURITY = "Security"
    WORKSPACES = "Workspaces"


class OrgPermission(StrEnum):
    """Organization keys: all for OWNERs, a fixed set for ADMINs (``ORG_ADMIN_PERMISSIONS``);
    departments and direct grants widen what a non-owner holds."""

    BILLING_VIEW = "org.billing.view"
    BILLING_MANAGE = "org.billing.manage"
    MEMBERS_VIEW = "org.members.view"
    MEMBERS_MANAGE = "org.members.manage"
    SETTINGS_MANAGE = "org.settings.manage"
    AUDIT_VIEW = "org.audit.view"
    COMPLIANCE_VIEW = "org.compliance.view"
    DEPARTMENTS_MANAGE = "org.departments.manage"
    SECURITY_VIEW = "org.security.view"
    WORKSPACE_CREATE = "org.workspace.create"
    WORKSPACE_ASSIGN = "org.workspace.assign"

    @property
    def label(self) -> str:
        return _ORG_INFO[self][0]

    @property
    def category(self) -> OrgPermissionCategory:
        return _ORG_INFO[self][1]

    @classmethod
    def from_legacy(cls, name: str) -> OrgPermission:
        return cls[name]


_OC = OrgPermissionCategory
_ORG_INFO: dict[OrgPermission, tuple[str, OrgPermissionCategory]] = {
    OrgPermission.BILLING_VIEW: ("View Billing", _OC.BILLING),
    OrgPermission.BILLING_MANAGE: ("Manage Billing", _OC.BILLING),
    OrgPermission.MEMBERS_VIEW: ("View Members", _OC.MEMBERS),
    OrgPermission.MEMBERS_MANAGE: ("Manage Members", _OC.MEMBERS),
    OrgPermission.SETTINGS_MANAGE: ("Manage Settings", _OC.SETTINGS),
    OrgPermission.AUDIT_VIEW: ("View Audit Logs", _OC.AUDIT),
    OrgPermission.COMPLIANCE_VIEW: ("View Compliance", _OC.AUDIT),
    OrgPermission.DEPARTMENTS_MANAGE: ("Manage Departments", _OC.DEPARTMENTS),
    OrgPermission.SECURITY_VIEW: ("View Security", _OC.SECURITY),
    OrgPermission.WORKSPACE_CREATE: ("Create Workspaces", _OC.WORKSPACES),
    OrgPermission.WORKSPACE_ASSIGN: ("Assign to Workspaces", _OC.WORKSPACES),
}


class WorkspacePermission(StrEnum):
    """The target workspace matrix (member names are the reference's), plus DELETE_WORKSPACE."""

    MANAGE_MEMBERS = "workspace.members.manage"
    MANAGE_SETTINGS = "workspace.settings.manage"
    CREATE_PROJECTS = "workspace.projects.create"
    CREATE_SPACES = "workspace.spaces.create"
    EDIT_PROJECTS = "workspace.projects.edit"
    EDIT_SPACES = "workspace.spaces.edit"
    VIEW_ALL = "workspace.view"
    DELETE_WORKSPACE = "workspace.delete"

    @property
    def label(self) -> str:
        return _WORKSPACE_LABELS[self]

    @classmethod
    def from_legacy(cls, name: str) -> WorkspacePermission:
        return cls[name]


_WORKSPACE_LABELS: dict[WorkspacePermission, str] = {
    WorkspacePermission.MANAGE_MEMBERS: "Manage Members",
    WorkspacePermission.MANAGE_SETTINGS: "Manage Settings",
    WorkspacePermission.CREATE_PROJECTS: "Create Projects",
    WorkspacePermission.CREATE_SPACES: "Create Spaces",
    WorkspacePermission.EDIT_PROJECTS: "Edit Projects",
    WorkspacePermission.EDIT_SPACES: "Edit Spaces",
    WorkspacePermission.VIEW_ALL: "View Workspace",
    WorkspacePermission.DELETE_WORKSPACE: "Delete Workspace",
}


class SpacePermission(StrEnum):
    """Space keys; member names are the reference's."""

    EDIT_SPACE_SETTINGS = "space.settings.edit"
    DELETE_SPACE = "space.delete"
    MANAGE_SPACE_MEMBERS = "space.members.manage"
    CREATE_TEAMS = "space.teams.create"
    DELETE_TEAMS = "space.teams.delete"
    MANAGE_TEAM_SETTINGS = "space.teams.manage"
    ASSIGN_TEAMS = "space.teams.assign"
    CREATE_PROJECTS = "space.projects.create"
    DELETE_PROJECTS = "space.projects.delete"
    MANAGE_PROJECT_SETTINGS = "space.projects.manage"
    ASSIGN_PROJECTS = "space.projects.assign"
    CREATE_WORK_ITEMS = "space.tasks.create"
    EDIT_WORK_ITEMS = "space.tasks.edit"
    DELETE_WORK_ITEMS = "space.tasks.delete"
    ASSIGN_WORK_ITEMS = "space.tasks.assign"
    VIEW_SPACE = "space.view"
    VIEW_TEAMS = "space.teams.view"
    VIEW_PROJECTS = "space.projects.view"
    VIEW_WORK_ITEMS = "space.tasks.view"
    VIEW_ANALYTICS = "space.analytics.view"

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @classmethod
    def from_legacy(cls, name: str) -> SpacePermission:
        return cls[name]


class ProjectPermissionGroup(StrEnum):
    """The reference's grouping of project keys by kind of action."""

    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    SPRINT = "sprint"
    MANAGE = "manage"
    MEMBERS = "members"


class ProjectPermissionCategory(StrEnum):
    """Rows of the project permission matrix in the UI, in display order."""

    PROJECT = "Project"
    TEAMS = "Teams"
    MEMBERS = "Members"
    WORK_ITEMS = "Work Items"
    SPRINTS = "Sprints"
    BOARD = "Board"
    COMMENTS = "Comments"
    ROLES = "Roles"
    REPORTS = "Reports"


class ProjectPermission(StrEnum):
    """Project keys (``ProjectPermissionKey``); member names are the reference's."""

    VIEW_PROJECT = "project.view"
    VIEW_TASKS = "project.tasks.view"
    VIEW_SPRINTS = "project.sprints.view"
    VIEW_DOCS = "project.docs.view"
    VIEW_MEMBERS = "project.members.view"
    VIEW_TEAMS = "project.teams.view"
    VIEW_BOARD = "project.board.view"
    VIEW_REPORTS = "project.reports.view"

    CREATE_TASKS = "project.tasks.create"
    CREATE_SPRINTS = "project.sprints.create"
    CREATE_DOCS = "project.docs.create"
    CREATE_TEAMS = "project.teams.create"
    CREATE_COMMENTS = "project.comments.create"
    CREATE_ROLES = "project.roles.create"

    EDIT_TASKS = "project.tasks.edit"
    EDIT_SPRINTS = "project.sprints.edit"
    EDIT_DOCS = "project.docs.edit"
    EDIT_SETTINGS = "project.settings.edit"
    UPDATE_BOARD = "project.board.update"
    ASSIGN_TASKS = "project.tasks.assign"

    DELETE_TASKS = "project.tasks.delete"
    DELETE_SPRINTS = "project.sprints.delete"
    DELETE_DOCS = "project.docs.delete"
    DELETE_PROJECT = "project.delete"
    DELETE_COMMENTS = "project.comments.delete"
    DELETE_ROLES = "project.roles.delete"

    START_SPRINT = "project.sprints.start"
    COMPLETE_SPRINT = "project.sprints.complete"

    MANAGE_MEMBERS = "project.members.manage"
    MANAGE_TEAMS = "project.teams.manage"
    MANAGE_PERMISSIONS = "project.permissions.manage"
    MANAGE_SETTINGS = "project.settings.manage"

    INVITE_MEMBERS = "project.members.invite"
    REMOVE_MEMBERS = "project.members.remove"

    @property
    def label(self) -> str:
        return _PROJECT_INFO[self][0]

    @property
    def group(self) -> ProjectPermissionGroup:
        return _PROJECT_INFO[self][1]

    @property
    def category(self) -> ProjectPermissionCategory:
        return _PROJECT_INFO[self][2]

    @classmethod
    def from_legacy(cls, name: str) -> ProjectPermission:
        return cls[name]


_P = ProjectPermission
_G = ProjectPermissionGroup
_C = ProjectPermissionCategory
_ProjectInfo = tuple[str, ProjectPermissionGroup, ProjectPermissionCategory]
_PROJECT_INFO: dict[ProjectPermission, _ProjectInfo] = {
    _P.VIEW_PROJECT: ("View Project", _G.VIEW, _C.PROJECT),
    _P.VIEW_TASKS: ("View Work Items", _G.VIEW, _C.WORK_ITEMS),
    _P.VIEW_SPRINTS: ("View Sprints", _G.VIEW, _C.SPRINTS),
    _P.VIEW_DOCS: ("View Docs", _G.VIEW, _C.PROJECT),
    _P.VIEW_MEMBERS: ("View Members", _G.VIEW, _C.MEMBERS),
    _P.VIEW_TEAMS: ("View Teams", _G.VIEW, _C.TEAMS),
    _P.VIEW_BOARD: ("View Board", _G.VIEW, _C.BOARD),
    _P.VIEW_REPORTS: ("View Reports", _G.VIEW, _C.REPORTS),
    _P.CREATE_TASKS: ("Create Work Items", _G.CREATE, _C.WORK_ITEMS),
    _P.CREATE_SPRINTS: ("Create Sprints", _G.CREATE, _C.SPRINTS),
    _P.CREATE_DOCS: ("Upload Docs", _G.CREATE, _C.PROJECT),
    _P.CREATE_TEAMS: ("Create Teams", _G.CREATE, _C.TEAMS),
    _P.CREATE_COMMENTS: ("Add Comments", _G.CREATE, _C.COMMENTS),
    _P.CREATE_ROLES: ("Create Roles", _G.CREATE, _C.ROLES),
    _P.EDIT_TASKS: ("Edit Work Items", _G.EDIT, _C.WORK_ITEMS),
    _P.EDIT_SPRINTS: ("Edit Sprints", _G.EDIT, _C.SPRINTS),
    _P.EDIT_DOCS: ("Edit Docs", _G.EDIT, _C.PROJECT),
    _P.EDIT_SETTINGS: ("Edit Settings", _G.EDIT, _C.PROJECT),
    _P.UPDATE_BOARD: ("Manage Board", _G.EDIT, _C.BOARD),
    _P.ASSIGN_TASKS: ("Assign Work Items", _G.EDIT, _C.WORK_ITEMS),
    _P.DELETE_TASKS: ("Delete Work Items", _G.DELETE, _C.WORK_ITEMS),
    _P.DELETE_SPRINTS: ("Delete Sprints", _G.DELETE, _C.SPRINTS),
    _P.DELETE_DOCS: ("Delete Docs", _G.DELETE, _C.PROJECT),
    _P.DELETE_PROJECT: ("Delete Project", _G.DELETE, _C.PROJECT),
    _P.DELETE_COMMENTS: ("Delete Any Comment", _G.DELETE, _C.COMMENTS),
    _P.DELETE_ROLES: ("Delete Roles", _G.DELETE, _C.ROLES),
    _P.START_SPRINT: ("Start Sprints", _G.SPRINT, _C.SPRINTS),
    _P.COMPLETE_SPRINT: ("Complete Sprints", _G.SPRINT, _C.SPRINTS),
    _P.MANAGE_MEMBERS: ("Manage Members", _G.MANAGE, _C.MEMBERS),
    _P.MANAGE_TEAMS: ("Manage Teams", _G.MANAGE, _C.TEAMS),
    _P.MANAGE_PERMISSIONS: ("Manage Permissions", _G.MANAGE, _C.ROLES),
    _P.MANAGE_SETTINGS: ("Manage Integrations & Webhooks", _G.MANAGE, _C.PROJECT),
    _P.INVITE_MEMBERS: ("Invite Members", _G.MEMBERS, _C.MEMBERS),
    _P.REMOVE_MEMBERS: ("Remove Members", _G.MEMBERS, _C.MEMBERS),
}


class ProgramPermission(StrEnum):
    """Program keys (Keel's names; the reference checked program roles inline)."""

    VIEW_PROGRAM = "program.view"
    EDIT_PROGRAM = "program.edit"
    DELETE_PROGRAM = "program.delete"
    MANAGE_MEMBERS = "program.members.manage"
    MANAGE_PROJECTS = "program.projects.manage"
    MANAGE_MILESTONES = "program.milestones.manage"

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").title()


class OrgRouteKey(StrEnum):
    """Organization navigation surfaces gated by org permissions (reference ``AppRouteKey``).

    Workspace and profile surfaces are not org-permission gated and have no key here;
    the web shell maps each key to its endpoint.
    """

    ORG_DASHBOARD = "ORG_DASHBOARD"
    ORG_MEMBERS = "ORG_MEMBERS"
    ORG_SETTINGS = "ORG_SETTINGS"
    ORG_BILLING = "ORG_BILLING"
    ORG_USAGE = "ORG_USAGE"
    ORG_AUDIT = "ORG_AUDIT"
    ORG_DEPARTMENTS = "ORG_DEPARTMENTS"
    ORG_SECURITY = "ORG_SECURITY"
    WORKSPACES = "WORKSPACES"
    WORKSPACE_CREATE = "WORKSPACE_CREATE"


_O = OrgPermission
# A route is open when the actor holds ANY of its keys.
ORG_ROUTE_REQUIREMENTS: dict[OrgRouteKey, frozenset[OrgPermission]] = {
    OrgRouteKey.ORG_DASHBOARD: frozenset(OrgPermission),
    OrgRouteKey.ORG_MEMBERS: frozenset({_O.MEMBERS_VIEW, _O.MEMBERS_MANAGE}),
    OrgRouteKey.ORG_SETTINGS: frozenset({_O.SETTINGS_MANAGE}),
    OrgRouteKey.ORG_BILLING: frozenset({_O.BILLING_VIEW, _O.BILLING_MANAGE}),
    OrgRouteKey.ORG_USAGE: frozenset({_O.BILLING_VIEW, _O.BILLING_MANAGE}),
    OrgRouteKey.ORG_AUDIT: frozenset({_O.AUDIT_VIEW, _O.COMPLIANCE_VIEW}),
    OrgRouteKey.ORG_DEPARTMENTS: frozenset({_O.DEPARTMENTS_MANAGE}),
    OrgRouteKey.ORG_SECURITY: frozenset({_O.SECURITY_VIEW}),
    OrgRouteKey.WORKSPACES: frozenset({_O.WORKSPACE_CREATE, _O.WORKSPACE_ASSIGN}),
    OrgRouteKey.WORKSPACE_CREATE: frozenset({_O.WORKSPACE_CREATE}),
}

Permission: TypeAlias = (
    OrgPermission | WorkspacePermission | SpacePermission | ProjectPermission | ProgramPermission
)

K = TypeVar("K", OrgPermission, WorkspacePermission, SpacePermission, ProjectPermission,
            ProgramPermission)


def parse_permissions(kind: type[K], values: Iterable[str] | None) -> frozenset[K]:
    """The known keys of ``kind`` among stored strings; unknown or foreign keys are dropped."""
    known = {member.value: member for member in kind}
    return frozenset(known[v] for v in values or () if isinstance(v, str) and v in known)


def project_permission_matrix() -> tuple[
    tuple[ProjectPermissionCategory, tuple[ProjectPermission, ...]], ...
]:
    """Categories in display order with their keys in declaration order (the UI matrix)."""
    return tuple(
        (category, tuple(p for p in ProjectPermission if p.category is category))
        for category in ProjectPermissionCategory
    )


def org_permission_matrix() -> tuple[tuple[OrgPermissionCategory, tuple[OrgPermission, ...]], ...]:
    """Org categories in display order with their keys (department permission editor)."""
    return tuple(
        (category, tuple(p for p in OrgPermission if p.category is category))
        for category in OrgPermissionCategory
    )
