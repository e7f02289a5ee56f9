"""Role enums: order, stored values, labels, parsing, legacy workspace roles."""

from __future__ import annotations

import pytest

from webapp.authz.roles import (
    PROJECT_ROLE_PERMISSIONS,
    OrgRole,
    ProgramRole,
    ProjectRole,
    SpaceRole,
    TeamRole,
    WorkspaceMemberRole,
    WorkspaceRole,
    default_project_role_documents,
)


def test_orders_by_power():
    assert OrgRole.OWNER > OrgRole.ADMIN > OrgRole.MODERATOR > OrgRole.MEMBER
    assert [int(r) for r in OrgRole] == [4, 3, 2, 1]
    assert WorkspaceRole.WS_ADMIN > WorkspaceRole.WS_EDITOR > WorkspaceRole.WS_VIEWER
    assert SpaceRole.ADMIN > SpaceRole.MEMBER > SpaceRole.VIEWER
    assert (ProjectRole.PROJECT_OWNER > ProjectRole.PROJECT_ADMIN > ProjectRole.MEMBER
            > ProjectRole.VIEWER)
    assert TeamRole.LEAD > TeamRole.MEMBER
    assert ProgramRole.LEAD > ProgramRole.ADMIN > ProgramRole.MEMBER > ProgramRole.VIEWER


STORED = [
    (OrgRole.OWNER, "OWNER"), (OrgRole.MODERATOR, "MODERATOR"),
    (WorkspaceRole.WS_EDITOR, "WS_EDITOR"),
    (SpaceRole.ADMIN, "ADMIN"), (SpaceRole.VIEWER, "VIEWER"),
    (ProjectRole.PROJECT_OWNER, "PROJECT_OWNER"), (ProjectRole.MEMBER, "MEMBER"),
    (TeamRole.LEAD, "lead"), (TeamRole.MEMBER, "member"),
    (ProgramRole.LEAD, "lead"), (ProgramRole.VIEWER, "viewer"),
]


@pytest.mark.parametrize(("role", "stored"), STORED)
def test_stored_value_round_trips(role, stored):
    assert role.stored == stored
    assert str(role) == stored
    assert type(role).parse(stored) is role
    assert type(role).parse(stored.swapcase()) is role


LABELS = [
    (OrgRole.OWNER, "Owner"), (OrgRole.MODERATOR, "Moderator"),
    (WorkspaceRole.WS_ADMIN, "Admin"), (WorkspaceRole.WS_VIEWER, "Viewer"),
    (SpaceRole.ADMIN, "Master"), (SpaceRole.MEMBER, "Member"),
    (ProjectRole.PROJECT_OWNER, "Owner"), (ProjectRole.PROJECT_ADMIN, "Admin"),
    (ProgramRole.LEAD, "Lead"), (TeamRole.MEMBER, "Member"),
]


@pytest.mark.parametrize(("role", "label"), LABELS)
def test_labels(role, label):
    assert role.label == label


def test_org_role_descriptions():
    assert {r.name: r.description for r in OrgRole} == {
        "OWNER": "Full control including billing and deletion",
        "ADMIN": "Manage members and create workspaces",
        "MODERATOR": "Assign members to workspaces",
        "MEMBER": "View organization details only",
    }


@pytest.mark.parametrize("bad", ["", "OWNERS", "root", "PROJECT_LEAD"])
def test_parse_rejects_unknown(bad):
    with pytest.raises(ValueError, match="unknown"):
        OrgRole.parse(bad)
    assert OrgRole.parse_or_none(bad) is None


def test_parse_or_none_of_none():
    assert SpaceRole.parse_or_none(None) is None
    assert SpaceRole.parse_or_none("viewer") is SpaceRole.VIEWER


def test_highest():
    assert OrgRole.highest() is OrgRole.OWNER
    assert ProgramRole.highest() is ProgramRole.LEAD
    assert TeamRole.highest() is TeamRole.LEAD


@pytest.mark.parametrize(("name", "role"), [
    ("OWNER", ProjectRole.PROJECT_OWNER), ("PROJECT_OWNER", ProjectRole.PROJECT_OWNER),
    ("admin", ProjectRole.PROJECT_ADMIN), ("PROJECT_ADMIN", ProjectRole.PROJECT_ADMIN),
    ("MEMBER", ProjectRole.MEMBER), ("viewer", ProjectRole.VIEWER),
])
def test_project_role_parses_enum_values_and_document_names(name, role):
    assert ProjectRole.parse(name) is role


def test_project_role_rejects_unknown():
    with pytest.raises(ValueError, match="unknown ProjectRole"):
        ProjectRole.parse("PROJECT_VIEWER")


NORMALIZED = {
    "OWNER": WorkspaceRole.WS_ADMIN,
    "ADMIN": WorkspaceRole.WS_ADMIN,
    "MEMBER": WorkspaceRole.WS_EDITOR,
    "WS_ADMIN": WorkspaceRole.WS_ADMIN,
    "WS_EDITOR": WorkspaceRole.WS_EDITOR,
    "WS_VIEWER": WorkspaceRole.WS_VIEWER,
}


@pytest.mark.parametrize(("stored", "role"), NORMALIZED.items())
def test_workspace_role_normalization(stored, role):
    assert WorkspaceMemberRole(stored).normalize() is role
    assert WorkspaceMemberRole.parse(stored.lower()) is WorkspaceMemberRole(stored)


def test_workspace_legacy_flags():
    assert {r.value for r in WorkspaceMemberRole if r.is_legacy} == {"OWNER", "ADMIN", "MEMBER"}


def test_workspace_member_role_rejects_unknown():
    with pytest.raises(ValueError):
        WorkspaceMemberRole.parse("EDITOR")


def test_seeded_project_role_documents():
    docs = default_project_role_documents()
    assert [(d["name"], d["color"], d["is_default"]) for d in docs] == [
        ("OWNER", "#ef4444", True), ("ADMIN", "#f97316", True),
        ("MEMBER", "#3b82f6", True), ("VIEWER", "#6b7280", True),
    ]
    assert docs[3]["permissions"] == [
        "project.board.view", "project.docs.view", "project.members.view",
        "project.reports.view", "project.sprints.view", "project.tasks.view",
        "project.teams.view", "project.view",
    ]
    for doc in docs:
        role = ProjectRole.parse(str(doc["name"]))
        assert doc["permissions"] == sorted(p.value for p in PROJECT_ROLE_PERMISSIONS[role])
        assert all(isinstance(p, str) and type(p) is str for p in doc["permissions"])
