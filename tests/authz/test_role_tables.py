"""Every role x every key, against tables written out by hand (the documented defaults).

Each table must list every key of its enum exactly once, so a new key fails here until
someone decides, in writing, which roles hold it.
"""

from __future__ import annotations

import pytest

from webapp.authz.policy import Reason, decide
from webapp.authz.roles import (
    ORG_ROLE_PERMISSIONS,
    PROGRAM_ROLE_PERMISSIONS,
    PROJECT_ROLE_PERMISSIONS,
    PROJECT_VIEW_KEYS,
    REFERENCE_PROJECT_ROLE_PERMISSIONS,
    SPACE_ROLE_PERMISSIONS,
    WORKSPACE_ROLE_PERMISSIONS,
    OrgRole,
    ProgramRole,
    ProjectRole,
    SpaceRole,
    SpaceVisibility,
    WorkspaceRole,
)
from webapp.authz.vocabulary import (
    OrgPermission,
    ProgramPermission,
    ProjectPermission,
    SpacePermission,
    WorkspacePermission,
)

from .builders import ctx, org, program, project, space, table, ws


def _cells(rows: list[list[str]], roles: tuple[object, ...], column: int = 1) -> list[tuple]:
    return [
        (row[0], role, flag == "x")
        for row in rows for role, flag in zip(roles, row[column].split(), strict=True)
    ]

# key | group | category | OWNER ADMIN MEMBER VIEWER
PROJECT = table("""
key                        | group   | category   | O A M V
project.view               | view    | Project    | x x x x
project.tasks.view         | view    | Work Items | x x x x
project.sprints.view       | view    | Sprints    | x x x x
project.docs.view          | view    | Project    | x x x x
project.members.view       | view    | Members    | x x x x
project.teams.view         | view    | Teams      | x x x x
project.board.view         | view    | Board      | x x x x
project.reports.view       | view    | Reports    | x x x x
project.tasks.create       | create  | Work Items | x x x -
project.sprints.create     | create  | Sprints    | x x - -
project.docs.create        | create  | Project    | x x - -
project.teams.create       | create  | Teams      | x x - -
project.comments.create    | create  | Comments   | x x x -
project.roles.create       | create  | Roles      | x x - -
project.tasks.edit         | edit    | Work Items | x x x -
project.sprints.edit       | edit    | Sprints    | x x - -
project.docs.edit          | edit    | Project    | x x - -
project.settings.edit      | edit    | Project    | x x - -
project.board.update       | edit    | Board      | x x - -
project.tasks.assign       | edit    | Work Items | x x x -
project.tasks.delete       | delete  | Work Items | x x - -
project.sprints.delete     | delete  | Sprints    | x x - -
project.docs.delete        | delete  | Project    | x x - -
project.delete             | delete  | Project    | x - - -
project.comments.delete    | delete  | Comments   | x x - -
project.roles.delete       | delete  | Roles      | x x - -
project.sprints.start      | sprint  | Sprints    | x x - -
project.sprints.complete   | sprint  | Sprints    | x x - -
project.members.manage     | manage  | Members    | x x - -
project.teams.manage       | manage  | Teams      | x x - -
project.permissions.manage | manage  | Roles      | x x - -
project.settings.manage    | manage  | Project    | x - - -
project.members.invite     | members | Members    | x x - -
project.members.remove     | members | Members    | x x - -
""")
PROJECT_ROLES = (ProjectRole.PROJECT_OWNER, ProjectRole.PROJECT_ADMIN, ProjectRole.MEMBER,
                 ProjectRole.VIEWER)

# Section 3's literal lists (before Keel's additions).
REFERENCE_SIX_VIEW = {
    "project.view", "project.tasks.view", "project.sprints.view", "project.docs.view",
    "project.members.view", "project.teams.view",
}
REFERENCE_ADMIN = REFERENCE_SIX_VIEW | {
    "project.tasks.create", "project.sprints.create", "project.docs.create",
    "project.tasks.edit", "project.sprints.edit", "project.docs.edit",
    "project.tasks.delete", "project.sprints.delete", "project.docs.delete",
    "project.sprints.start", "project.sprints.complete",
    "project.members.manage", "project.teams.manage", "project.permissions.manage",
    "project.settings.edit",
}

# key | OWNER ADMIN MODERATOR MEMBER (no departments, no direct grants)
ORG = table("""
key                    | O A Mo Me
org.billing.view       | x - -  -
org.billing.manage     | x - -  -
org.members.view       | x x -  -
org.members.manage     | x x -  -
org.settings.manage    | x - -  -
org.audit.view         | x x -  -
org.compliance.view    | x - -  -
org.departments.manage | x x -  -
org.security.view      | x x -  -
org.workspace.create   | x x -  -
org.workspace.assign   | x x -  -
""")
ORG_ROLES = (OrgRole.OWNER, OrgRole.ADMIN, OrgRole.MODERATOR, OrgRole.MEMBER)

# key | WS_ADMIN WS_EDITOR WS_VIEWER | stored OWNER ADMIN MEMBER (org workspace)
WORKSPACE = table("""
key                       | WA WE WV | OWNER ADMIN MEMBER
workspace.members.manage  | x  -  -  | x     x     -
workspace.settings.manage | x  -  -  | x     x     -
workspace.projects.create | x  x  -  | x     x     x
workspace.spaces.create   | x  x  -  | x     x     x
workspace.projects.edit   | x  x  -  | x     x     x
workspace.spaces.edit     | x  x  -  | x     x     x
workspace.view            | x  x  x  | x     x     x
workspace.delete          | x  -  -  | x     x     -
""")
STORED_WORKSPACE_ROLES = ("WS_ADMIN", "WS_EDITOR", "WS_VIEWER", "OWNER", "ADMIN", "MEMBER")
WORKSPACE_CELLS = [
    (row[0], stored, flag == "x")
    for row in WORKSPACE
    for stored, flag in zip(STORED_WORKSPACE_ROLES, (row[1] + " " + row[2]).split(), strict=True)
]

# key | Master(ADMIN) MEMBER VIEWER | workspace member outside a PUBLIC space
SPACE = table("""
key                   | A M V | public
space.settings.edit   | x - - | -
space.delete          | x - - | -
space.members.manage  | x - - | -
space.teams.create    | x - - | -
space.teams.delete    | x - - | -
space.teams.manage    | x - - | -
space.teams.assign    | x - - | -
space.projects.create | x - - | -
space.projects.delete | x - - | -
space.projects.manage | x - - | -
space.projects.assign | x - - | -
space.tasks.create    | x x - | -
space.tasks.edit      | x x - | -
space.tasks.delete    | x - - | -
space.tasks.assign    | x - - | -
space.view            | x x x | x
space.teams.view      | x x x | x
space.projects.view   | x x x | x
space.tasks.view      | x x x | x
space.analytics.view  | x - - | -
""")
SPACE_ROLES = (SpaceRole.ADMIN, SpaceRole.MEMBER, SpaceRole.VIEWER)

# key | LEAD ADMIN MEMBER VIEWER
PROGRAM = table("""
key                       | L A M V
program.view              | x x x x
program.edit              | x x - -
program.delete            | - - - -
program.members.manage    | x x - -
program.projects.manage   | x x - -
program.milestones.manage | x x x -
""")
PROGRAM_ROLES = (ProgramRole.LEAD, ProgramRole.ADMIN, ProgramRole.MEMBER, ProgramRole.VIEWER)


@pytest.mark.parametrize(
    ("rows", "enum"),
    [(PROJECT, ProjectPermission), (ORG, OrgPermission), (WORKSPACE, WorkspacePermission),
     (SPACE, SpacePermission), (PROGRAM, ProgramPermission)],
    ids=["project", "org", "workspace", "space", "program"],
)
def test_tables_list_every_key_exactly_once(rows, enum):
    keys = [row[0] for row in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == {member.value for member in enum}


# --- project ------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "role", "expected"), _cells(PROJECT, PROJECT_ROLES, column=3))
def test_project_role_default(key, role, expected):
    permission = ProjectPermission(key)
    assert (permission in PROJECT_ROLE_PERMISSIONS[role]) is expected
    decision = decide(ctx(ws=ws("WS_EDITOR"), project=project(role)), permission)
    assert decision.allowed is expected
    assert decision.visible is True
    assert decision.reason is (Reason.ROLE if expected else Reason.MISSING_PERMISSION)


@pytest.mark.parametrize("row", PROJECT, ids=lambda row: row[0])
def test_project_key_group_and_category(row):
    permission = ProjectPermission(row[0])
    assert permission.group.value == row[1]
    assert permission.category.value == row[2]


def test_reference_base_is_section_three_verbatim():
    owner, admin, member, viewer = (
        {p.value for p in REFERENCE_PROJECT_ROLE_PERMISSIONS[r]} for r in PROJECT_ROLES
    )
    assert owner == {row[0] for row in PROJECT}
    assert admin == REFERENCE_ADMIN
    assert member == REFERENCE_SIX_VIEW | {"project.tasks.create", "project.tasks.edit"}
    assert viewer == REFERENCE_SIX_VIEW
    assert {p.value for p in PROJECT_VIEW_KEYS} == REFERENCE_SIX_VIEW


def test_keel_defaults_only_widen_the_reference_base():
    for role in ProjectRole:
        assert REFERENCE_PROJECT_ROLE_PERMISSIONS[role] <= PROJECT_ROLE_PERMISSIONS[role]


def test_project_role_sizes():
    sizes = {role: len(PROJECT_ROLE_PERMISSIONS[role]) for role in ProjectRole}
    assert sizes == {ProjectRole.PROJECT_OWNER: 34, ProjectRole.PROJECT_ADMIN: 32,
                     ProjectRole.MEMBER: 12, ProjectRole.VIEWER: 8}


# --- org ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "role", "expected"), _cells(ORG, ORG_ROLES))
def test_org_role_default(key, role, expected):
    permission = OrgPermission(key)
    assert (permission in ORG_ROLE_PERMISSIONS[role]) is expected
    decision = decide(ctx(org=org(role)), permission)
    assert decision.allowed is expected
    assert decision.visible is True
    if expected:
        assert decision.reason is (Reason.ORG_OWNER if role is OrgRole.OWNER
                                   else Reason.ORG_ROLE)
    else:
        assert decision.reason is Reason.MISSING_PERMISSION


# --- workspace ----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "stored", "expected"), WORKSPACE_CELLS)
def test_workspace_role_default_in_org_workspace(key, stored, expected):
    permission = WorkspacePermission(key)
    decision = decide(ctx(ws=ws(stored)), permission)
    assert decision.allowed is expected
    assert decision.visible is True
    assert decision.reason is (Reason.ROLE if expected else Reason.MISSING_PERMISSION)


@pytest.mark.parametrize(
    ("key", "role", "expected"),
    _cells(WORKSPACE, (WorkspaceRole.WS_ADMIN, WorkspaceRole.WS_EDITOR, WorkspaceRole.WS_VIEWER)),
)
def test_workspace_matrix_constant(key, role, expected):
    assert (WorkspacePermission(key) in WORKSPACE_ROLE_PERMISSIONS[role]) is expected


# --- space --------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "role", "expected"), _cells(SPACE, SPACE_ROLES))
@pytest.mark.parametrize("visibility", list(SpaceVisibility))
def test_space_role_default(key, role, expected, visibility):
    permission = SpacePermission(key)
    assert (permission in SPACE_ROLE_PERMISSIONS[role]) is expected
    decision = decide(ctx(ws=ws("WS_EDITOR"), visibility=visibility, space=space(role)),
                      permission)
    assert decision.allowed is expected
    assert decision.visible is True


@pytest.mark.parametrize("row", SPACE, ids=lambda row: row[0])
def test_public_space_outsider(row):
    decision = decide(ctx(ws=ws("WS_VIEWER"), visibility=SpaceVisibility.PUBLIC),
                      SpacePermission(row[0]))
    expected = row[2] == "x"
    assert decision.allowed is expected
    assert decision.visible is True
    assert decision.reason is (Reason.PUBLIC_SPACE if expected else Reason.MISSING_PERMISSION)


# --- program ------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "role", "expected"), _cells(PROGRAM, PROGRAM_ROLES))
def test_program_role_default(key, role, expected):
    permission = ProgramPermission(key)
    assert (permission in PROGRAM_ROLE_PERMISSIONS[role]) is expected
    decision = decide(ctx(ws=ws("WS_EDITOR"), program=program(role)), permission)
    assert decision.allowed is expected
    assert decision.visible is True
