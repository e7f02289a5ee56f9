"""The key vocabulary: exact keys, labels, categories, legacy names, parsing, route keys."""

from __future__ import annotations

import pytest

from webapp.authz.vocabulary import (
    ORG_ROUTE_REQUIREMENTS,
    OrgPermission,
    OrgPermissionCategory,
    OrgRouteKey,
    ProgramPermission,
    ProjectPermission,
    ProjectPermissionCategory,
    SpacePermission,
    WorkspacePermission,
    org_permission_matrix,
    parse_permissions,
    project_permission_matrix,
)

from .builders import table

ORG_KEYS = table("""
key                    | label                | category
org.billing.view       | View Billing         | Billing & Payments
org.billing.manage     | Manage Billing       | Billing & Payments
org.members.view       | View Members         | Member Management
org.members.manage     | Manage Members       | Member Management
org.settings.manage    | Manage Settings      | Organization Settings
org.audit.view         | View Audit Logs      | Audit & Compliance
org.compliance.view    | View Compliance      | Audit & Compliance
org.departments.manage | Manage Departments   | Departments
org.security.view      | View Security        | Security
org.workspace.create   | Create Workspaces    | Workspaces
org.workspace.assign   | Assign to Workspaces | Workspaces
""")


@pytest.mark.parametrize("row", ORG_KEYS, ids=lambda row: row[0])
def test_org_key_label_and_category(row):
    key, label, category = row
    permission = OrgPermission(key)
    assert permission.label == label
    assert permission.category.value == category


def test_org_keys_are_exactly_the_eleven():
    assert {p.value for p in OrgPermission} == {row[0] for row in ORG_KEYS}
    assert len(OrgPermission) == 11


def test_org_categories_in_display_order():
    assert [c.value for c in OrgPermissionCategory] == [
        "Billing & Payments", "Member Management", "Organization Settings",
        "Audit & Compliance", "Departments", "Security", "Workspaces",
    ]


LEGACY_WORKSPACE = {
    "MANAGE_MEMBERS": "workspace.members.manage",
    "MANAGE_SETTINGS": "workspace.settings.manage",
    "CREATE_PROJECTS": "workspace.projects.create",
    "CREATE_SPACES": "workspace.spaces.create",
    "EDIT_PROJECTS": "workspace.projects.edit",
    "EDIT_SPACES": "workspace.spaces.edit",
    "VIEW_ALL": "workspace.view",
}

LEGACY_SPACE = {
    "EDIT_SPACE_SETTINGS": "space.settings.edit",
    "DELETE_SPACE": "space.delete",
    "MANAGE_SPACE_MEMBERS": "space.members.manage",
    "CREATE_TEAMS": "space.teams.create",
    "DELETE_TEAMS": "space.teams.delete",
    "MANAGE_TEAM_SETTINGS": "space.teams.manage",
    "ASSIGN_TEAMS": "space.teams.assign",
    "CREATE_PROJECTS": "space.projects.create",
    "DELETE_PROJECTS": "space.projects.delete",
    "MANAGE_PROJECT_SETTINGS": "space.projects.manage",
    "ASSIGN_PROJECTS": "space.projects.assign",
    "CREATE_WORK_ITEMS": "space.tasks.create",
    "EDIT_WORK_ITEMS": "space.tasks.edit",
    "DELETE_WORK_ITEMS": "space.tasks.delete",
    "ASSIGN_WORK_ITEMS": "space.tasks.assign",
    "VIEW_SPACE": "space.view",
    "VIEW_TEAMS": "space.teams.view",
    "VIEW_PROJECTS": "space.projects.view",
    "VIEW_WORK_ITEMS": "space.tasks.view",
    "VIEW_ANALYTICS": "space.analytics.view",
}


@pytest.mark.parametrize(("legacy", "key"), LEGACY_WORKSPACE.items())
def test_workspace_legacy_names(legacy, key):
    assert WorkspacePermission.from_legacy(legacy).value == key


def test_workspace_keys_are_the_matrix_plus_delete():
    assert {p.value for p in WorkspacePermission} == set(LEGACY_WORKSPACE.values()) | {
        "workspace.delete"
    }


@pytest.mark.parametrize(("legacy", "key"), LEGACY_SPACE.items())
def test_space_legacy_names(legacy, key):
    assert SpacePermission.from_legacy(legacy).value == key


def test_space_keys_are_the_twenty():
    assert {p.value for p in SpacePermission} == set(LEGACY_SPACE.values())
    assert len(SpacePermission) == 20


@pytest.mark.parametrize("kind", [OrgPermission, WorkspacePermission, SpacePermission,
                                  ProjectPermission])
def test_unknown_legacy_name_raises(kind):
    with pytest.raises(KeyError):
        kind.from_legacy("NOT_A_KEY")


def test_project_legacy_names_follow_the_reference():
    assert ProjectPermission.from_legacy("VIEW_PROJECT") is ProjectPermission.VIEW_PROJECT
    assert ProjectPermission.from_legacy("DELETE_PROJECT").value == "project.delete"
    assert ProjectPermission.from_legacy("EDIT_SETTINGS").value == "project.settings.edit"
    assert ProjectPermission.from_legacy("START_SPRINT").value == "project.sprints.start"


def test_every_key_is_namespaced_by_its_layer():
    for kind, prefix in [(OrgPermission, "org."), (WorkspacePermission, "workspace."),
                         (SpacePermission, "space."), (ProjectPermission, "project."),
                         (ProgramPermission, "program.")]:
        assert all(p.value.startswith(prefix) for p in kind)


@pytest.mark.parametrize("kind", [OrgPermission, WorkspacePermission, SpacePermission,
                                  ProjectPermission, ProgramPermission])
def test_every_key_has_a_label(kind):
    assert all(p.label and p.label[0].isupper() for p in kind)


def test_project_labels_sample():
    assert ProjectPermission.VIEW_PROJECT.label == "View Project"
    assert ProjectPermission.CREATE_COMMENTS.label == "Add Comments"
    assert ProjectPermission.UPDATE_BOARD.label == "Manage Board"
    assert SpacePermission.EDIT_SPACE_SETTINGS.label == "Edit space settings"
    assert ProgramPermission.MANAGE_MILESTONES.label == "Manage Milestones"


def test_project_matrix_covers_every_key_once_in_category_order():
    matrix = project_permission_matrix()
    assert [category for category, _ in matrix] == list(ProjectPermissionCategory)
    assert [c.value for c, _ in matrix] == [
        "Project", "Teams", "Members", "Work Items", "Sprints", "Board", "Comments", "Roles",
        "Reports",
    ]
    keys = [key for _, keys in matrix for key in keys]
    assert sorted(keys) == sorted(ProjectPermission)
    assert dict(matrix)[ProjectPermissionCategory.BOARD] == (
        ProjectPermission.VIEW_BOARD, ProjectPermission.UPDATE_BOARD)


def test_org_matrix_covers_every_key_once():
    matrix = org_permission_matrix()
    keys = [key for _, keys in matrix for key in keys]
    assert sorted(keys) == sorted(OrgPermission)
    assert dict(matrix)[OrgPermissionCategory.WORKSPACES] == (
        OrgPermission.WORKSPACE_CREATE, OrgPermission.WORKSPACE_ASSIGN)


def test_parse_permissions_keeps_known_keys_only():
    stored = ["project.view", "project.tasks.edit", "project.gone", "org.billing.view", "",
              "PROJECT.VIEW", 7, None]
    assert parse_permissions(ProjectPermission, stored) == {
        ProjectPermission.VIEW_PROJECT, ProjectPermission.EDIT_TASKS,
    }
    assert parse_permissions(OrgPermission, stored) == {OrgPermission.BILLING_VIEW}
    assert parse_permissions(SpacePermission, stored) == frozenset()


def test_parse_permissions_accepts_nothing():
    assert parse_permissions(OrgPermission, None) == frozenset()
    assert parse_permissions(OrgPermission, []) == frozenset()


def test_parse_permissions_returns_enum_members():
    parsed = parse_permissions(WorkspacePermission, ["workspace.view"])
    assert all(isinstance(p, WorkspacePermission) for p in parsed)


ROUTES = table("""
route            | opened by (any of)
ORG_DASHBOARD    | *
ORG_MEMBERS      | org.members.view org.members.manage
ORG_SETTINGS     | org.settings.manage
ORG_BILLING      | org.billing.view org.billing.manage
ORG_USAGE        | org.billing.view org.billing.manage
ORG_AUDIT        | org.audit.view org.compliance.view
ORG_DEPARTMENTS  | org.departments.manage
ORG_SECURITY     | org.security.view
WORKSPACES       | org.workspace.create org.workspace.assign
WORKSPACE_CREATE | org.workspace.create
""")


@pytest.mark.parametrize("row", ROUTES, ids=lambda row: row[0])
def test_route_requirements(row):
    route, needs = OrgRouteKey(row[0]), row[1]
    expected = set(OrgPermission) if needs == "*" else {OrgPermission(k) for k in needs.split()}
    assert ORG_ROUTE_REQUIREMENTS[route] == expected


def test_every_route_key_has_requirements():
    assert set(ORG_ROUTE_REQUIREMENTS) == set(OrgRouteKey)
    assert {row[0] for row in ROUTES} == {k.value for k in OrgRouteKey}
