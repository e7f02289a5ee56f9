"""Roles (IntEnums ordered by power), membership statuses, and each role's default keys.

Stored values: ``role.stored`` is the string written in documents and ``Role.parse(s)``
reads one back (case-insensitive, so legacy upper/lower-case variants load). Roles of
different layers are different types; never compare them with each other.

Default permission sets (the tables below are the contract; tests pin every cell):

* Org: OWNER holds every org key; ADMIN, MODERATOR and MEMBER hold **none** implicitly.
  Their org keys come only from departments and direct grants (``policy``).
* Workspace (target matrix): WS_ADMIN all; WS_EDITOR all but members.manage and
  settings.manage (and workspace.delete); WS_VIEWER ``workspace.view``. Stored legacy
  roles map OWNER/ADMIN -> WS_ADMIN and MEMBER -> WS_EDITOR (``WorkspaceMemberRole``).
  New memberships are written with WS_* values; the workspace creator keeps the stored
  OWNER value, which marks the one member who cannot be removed and who alone may delete
  a personal workspace.
* Space: ADMIN ("Master") all 20; MEMBER the 4 VIEW_* keys + create/edit work items;
  VIEWER the 4 VIEW_* keys (space, teams, projects, work items; not analytics).
* Project, reference base (section 3): OWNER all; ADMIN = the 6 view keys + create/edit/
  delete of tasks, sprints and docs + start/complete sprint + members/teams/permissions
  manage + settings.edit; MEMBER = the 6 view keys + tasks.create + tasks.edit;
  VIEWER = the 6 view keys, which are ``project.view, project.tasks.view,
  project.sprints.view, project.docs.view, project.members.view, project.teams.view``.

  Keel widens that base where the reference contradicts itself (its
  ``hasProjectPermission`` let PROJECT_ADMIN pass *every* check, so its ADMIN list was
  never enforced, and board/report/comment keys were added to the key set after the role
  lists were written, leaving members unable to see the board they work on):

  - VIEWER += board.view, reports.view: the board and reports show the same work items a
    viewer can already list; a read-only role that cannot open the board is useless.
  - MEMBER += board.view, reports.view, comments.create, tasks.assign: discussing and
    picking up work is what members do (the reference's older member template had all
    four). Deleting *other people's* comments stays with admins; authors always manage
    their own comments (a service rule, not a key).
  - ADMIN += board.view, reports.view, board.update, tasks.assign, comments.create,
    comments.delete, teams.create, roles.create, roles.delete, members.invite,
    members.remove: each follows from a key the admin already holds (members.manage
    covers invite/remove, teams.manage covers creating teams, permissions.manage covers
    role documents, tasks.edit covers assigning, tasks.delete covers moderating comments,
    and an admin sees everything the board and reports show). ADMIN still lacks
    ``project.delete`` (section 3 is explicit) and ``project.settings.manage`` (webhooks,
    GitHub link and workflow binding send project data out of the project, so they stay
    with owners).
  - PROJECT_ADMIN is *not* a bypass: it passes exactly its table. Org OWNER/ADMIN/
    MODERATOR and workspace admins are implicit PROJECT_OWNERs instead (``policy``).

  A member on a custom project role is stored with ``role = VIEWER`` (the floor) and the
  custom document's keys as role permissions, so a custom role can be narrower than
  MEMBER; grants only ever widen (union). Because of the union, editing one of the four
  seeded role documents can add keys to that role but never remove its defaults; the
  permission matrix editor shows default keys as fixed.
* Program (the reference checked roles inline): LEAD and ADMIN view, edit, manage
  members, linked projects and milestones; MEMBER views and keeps milestones current;
  VIEWER views. Deleting a program is reserved to workspace admins (as in the reference).
* Team roles (lead/member) carry no keys of their own: a team's ``permissions`` union into
  every member's project permissions regardless of team role.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Self

from webapp.authz.vocabulary import (
    OrgPermission,
    ProgramPermission,
    ProjectPermission,
    SpacePermission,
    WorkspacePermission,
)


class _Role(IntEnum):
    """Base for ordered roles: higher value = more power within one layer."""

    def __str__(self) -> str:
        return self.stored

    @property
    def stored(self) -> str:
        """The value written in documents (also ``str(role)``)."""
        return self.name

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").title()

    @classmethod
    def parse(cls, value: str) -> Self:
        """The role whose stored value is ``value`` (any case); ValueError otherwise."""
        wanted = value.strip().casefold() if isinstance(value, str) else None
        for member in cls:
            if member.stored.casefold() == wanted:
                return member
        raise ValueError(f"unknown {cls.__name__}: {value!r}")

    @classmethod
    def parse_or_none(cls, value: str | None) -> Self | None:
        if value is None:
            return None
        try:
            return cls.parse(value)
        except ValueError:
            return None

    @classmethod
    def highest(cls) -> Self:
        return max(cls)


class OrgRole(_Role):
    OWNER = 4
    ADMIN = 3
    MODERATOR = 2
    MEMBER = 1

    @property
    def description(self) -> str:
        return _ORG_ROLE_DESCRIPTIONS[self]


_ORG_ROLE_DESCRIPTIONS: dict[OrgRole, str] = {
    OrgRole.OWNER: "Full control including billing and deletion",
    OrgRole.ADMIN: "Manage members and create workspaces",
    OrgRole.MODERATOR: "Assign members to workspaces",
    OrgRole.MEMBER: "View organization details only",
}


class WorkspaceRole(_Role):
    """Effective workspace role (the target model); see ``WorkspaceMemberRole`` for storage."""

    WS_ADMIN = 3
    WS_EDITOR = 2
    WS_VIEWER = 1

    @property
    def label(self) -> str:
        return self.name.removeprefix("WS_").title()


class WorkspaceMemberRole(StrEnum):
    """Values found in ``members.role``: legacy OWNER/ADMIN/MEMBER and the WS_* model."""

    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    WS_ADMIN = "WS_ADMIN"
    WS_EDITOR = "WS_EDITOR"
    WS_VIEWER = "WS_VIEWER"

    def normalize(self) -> WorkspaceRole:
        return _WORKSPACE_ROLE_MAP[self]

    @property
    def is_legacy(self) -> bool:
        return self in (WorkspaceMemberRole.ADMIN, WorkspaceMemberRole.MEMBER,
                        WorkspaceMemberRole.OWNER)

    @classmethod
    def parse(cls, value: str) -> WorkspaceMemberRole:
        return cls(value.strip().upper())


_WORKSPACE_ROLE_MAP: dict[WorkspaceMemberRole, WorkspaceRole] = {
    WorkspaceMemberRole.OWNER: WorkspaceRole.WS_ADMIN,
    WorkspaceMemberRole.ADMIN: WorkspaceRole.WS_ADMIN,
    WorkspaceMemberRole.MEMBER: WorkspaceRole.WS_EDITOR,
    WorkspaceMemberRole.WS_ADMIN: WorkspaceRole.WS_ADMIN,
    WorkspaceMemberRole.WS_EDITOR: WorkspaceRole.WS_EDITOR,
    WorkspaceMemberRole.WS_VIEWER: WorkspaceRole.WS_VIEWER,
}


class SpaceRole(_Role):
    ADMIN = 3
    MEMBER = 2
    VIEWER = 1

    @property
    def label(self) -> str:
        return "Master" if self is SpaceRole.ADMIN else self.name.title()


class ProjectRole(_Role):
    PROJECT_OWNER = 4
    PROJECT_ADMIN = 3
    MEMBER = 2
    VIEWER = 1

    @property
    def document_name(self) -> str:
        """Name of the seeded ``project_roles`` document for this role."""
        return self.name.removeprefix("PROJECT_")

    @property
    def label(self) -> str:
        return self.document_name.title()

    @property
    def color(self) -> str:
        return _PROJECT_ROLE_COLORS[self]

    @classmethod
    def parse(cls, value: str) -> Self:
        """Accepts the enum value (``PROJECT_OWNER``) or a role document name (``OWNER``)."""
        wanted = value.strip().upper() if isinstance(value, str) else ""
        for member in cls:
            if wanted in (member.name, member.document_name):
                return member
        raise ValueError(f"unknown ProjectRole: {value!r}")


_PROJECT_ROLE_COLORS: dict[ProjectRole, str] = {
    ProjectRole.PROJECT_OWNER: "#ef4444",
    ProjectRole.PROJECT_ADMIN: "#f97316",
    ProjectRole.MEMBER: "#3b82f6",
    ProjectRole.VIEWER: "#6b7280",
}


class TeamRole(_Role):
    LEAD = 2
    MEMBER = 1

    @property
    def stored(self) -> str:
        return self.name.lower()


class ProgramRole(_Role):
    LEAD = 4
    ADMIN = 3
    MEMBER = 2
    VIEWER = 1

    @property
    def stored(self) -> str:
        return self.name.lower()


class OrgMemberStatus(StrEnum):
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class WorkspaceMemberStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INVITED = "INVITED"
    INACTIVE = "INACTIVE"
    DELETED = "DELETED"


class ProjectMemberStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INVITED = "INVITED"
    REMOVED = "REMOVED"


class SpaceVisibility(StrEnum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


# --- default permission sets -------------------------------------------------------------

_O = OrgPermission
ORG_ADMIN_PERMISSIONS: frozenset[OrgPermission] = frozenset({
    _O.MEMBERS_VIEW, _O.MEMBERS_MANAGE, _O.DEPARTMENTS_MANAGE, _O.WORKSPACE_CREATE,
    _O.WORKSPACE_ASSIGN, _O.AUDIT_VIEW, _O.SECURITY_VIEW,
})
"""What an org ADMIN holds without any department: people, departments, workspaces and
the audit/security views. Billing, compliance and the organization's settings (rename,
delete, transfer) stay with OWNERs unless a department or direct grant adds them."""

ORG_ROLE_PERMISSIONS: dict[OrgRole, frozenset[OrgPermission]] = {
    OrgRole.OWNER: frozenset(OrgPermission),
    OrgRole.ADMIN: ORG_ADMIN_PERMISSIONS,
    OrgRole.MODERATOR: frozenset(),
    OrgRole.MEMBER: frozenset(),
}

_W = WorkspacePermission
WORKSPACE_ROLE_PERMISSIONS: dict[WorkspaceRole, frozenset[WorkspacePermission]] = {
    WorkspaceRole.WS_ADMIN: frozenset(WorkspacePermission),
    WorkspaceRole.WS_EDITOR: frozenset({
        _W.CREATE_PROJECTS, _W.CREATE_SPACES, _W.EDIT_PROJECTS, _W.EDIT_SPACES, _W.VIEW_ALL,
    }),
    WorkspaceRole.WS_VIEWER: frozenset({_W.VIEW_ALL}),
}

_S = SpacePermission
_SPACE_VIEW = frozenset({_S.VIEW_SPACE, _S.VIEW_TEAMS, _S.VIEW_PROJECTS, _S.VIEW_WORK_ITEMS})
SPACE_ROLE_PERMISSIONS: dict[SpaceRole, frozenset[SpacePermission]] = {
    SpaceRole.ADMIN: frozenset(SpacePermission),
    SpaceRole.MEMBER: _SPACE_VIEW | {_S.CREATE_WORK_ITEMS, _S.EDIT_WORK_ITEMS},
    SpaceRole.VIEWER: _SPACE_VIEW,
}

_P = ProjectPermission
PROJECT_VIEW_KEYS: frozenset[ProjectPermission] = frozenset({
    _P.VIEW_PROJECT, _P.VIEW_TASKS, _P.VIEW_SPRINTS, _P.VIEW_DOCS, _P.VIEW_MEMBERS, _P.VIEW_TEAMS,
})
"""The "6 view keys" of section 3."""

REFERENCE_PROJECT_ROLE_PERMISSIONS: dict[ProjectRole, frozenset[ProjectPermission]] = {
    ProjectRole.PROJECT_OWNER: frozenset(ProjectPermission),
    ProjectRole.PROJECT_ADMIN: PROJECT_VIEW_KEYS | {
        _P.CREATE_TASKS, _P.CREATE_SPRINTS, _P.CREATE_DOCS,
        _P.EDIT_TASKS, _P.EDIT_SPRINTS, _P.EDIT_DOCS,
        _P.DELETE_TASKS, _P.DELETE_SPRINTS, _P.DELETE_DOCS,
        _P.START_SPRINT, _P.COMPLETE_SPRINT,
        _P.MANAGE_MEMBERS, _P.MANAGE_TEAMS, _P.MANAGE_PERMISSIONS, _P.EDIT_SETTINGS,
    },
    ProjectRole.MEMBER: PROJECT_VIEW_KEYS | {_P.CREATE_TASKS, _P.EDIT_TASKS},
    ProjectRole.VIEWER: PROJECT_VIEW_KEYS,
}
"""Section 3's role lists, kept verbatim so Keel's additions stay visible."""

KEEL_PROJECT_ROLE_ADDITIONS: dict[ProjectRole, frozenset[ProjectPermission]] = {
    ProjectRole.PROJECT_OWNER: frozenset(),
    ProjectRole.PROJECT_ADMIN: frozenset({
        _P.VIEW_BOARD, _P.VIEW_REPORTS, _P.UPDATE_BOARD, _P.ASSIGN_TASKS,
        _P.CREATE_COMMENTS, _P.DELETE_COMMENTS, _P.CREATE_TEAMS,
        _P.CREATE_ROLES, _P.DELETE_ROLES, _P.INVITE_MEMBERS, _P.REMOVE_MEMBERS,
    }),
    ProjectRole.MEMBER: frozenset({
        _P.VIEW_BOARD, _P.VIEW_REPORTS, _P.CREATE_COMMENTS, _P.ASSIGN_TASKS,
    }),
    ProjectRole.VIEWER: frozenset({_P.VIEW_BOARD, _P.VIEW_REPORTS}),
}

PROJECT_ROLE_PERMISSIONS: dict[ProjectRole, frozenset[ProjectPermission]] = {
    role: REFERENCE_PROJECT_ROLE_PERMISSIONS[role] | KEEL_PROJECT_ROLE_ADDITIONS[role]
    for role in ProjectRole
}

_G = ProgramPermission
_PROGRAM_MANAGERS = frozenset({
    _G.VIEW_PROGRAM, _G.EDIT_PROGRAM, _G.MANAGE_MEMBERS, _G.MANAGE_PROJECTS,
    _G.MANAGE_MILESTONES,
})
PROGRAM_ROLE_PERMISSIONS: dict[ProgramRole, frozenset[ProgramPermission]] = {
    ProgramRole.LEAD: _PROGRAM_MANAGERS,
    ProgramRole.ADMIN: _PROGRAM_MANAGERS,
    ProgramRole.MEMBER: frozenset({_G.VIEW_PROGRAM, _G.MANAGE_MILESTONES}),
    ProgramRole.VIEWER: frozenset({_G.VIEW_PROGRAM}),
}


def default_project_role_documents() -> tuple[dict[str, object], ...]:
    """The four ``project_roles`` documents seeded (idempotently) into every new project."""
    return tuple(
        {
            "name": role.document_name,
            "color": role.color,
            "is_default": True,
            "permissions": sorted(p.value for p in PROJECT_ROLE_PERMISSIONS[role]),
        }
        for role in sorted(ProjectRole, reverse=True)
    )
