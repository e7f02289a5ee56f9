"""Workspace layer: list/read/write/delete, personal workspaces, statuses, org owner."""

from __future__ import annotations

import pytest

from webapp.authz.policy import (
    Reason,
    WorkspaceAccess,
    decide,
    effective_workspace_permissions,
    workspace_access,
)
from webapp.authz.roles import (
    OrgMemberStatus,
    OrgRole,
    WorkspaceMemberStatus,
    WorkspaceRole,
)
from webapp.authz.vocabulary import OrgPermission, WorkspacePermission

from .builders import ctx, org, table, ws

W = WorkspacePermission
NON_MEMBER_STATUSES = [WorkspaceMemberStatus.INVITED, WorkspaceMemberStatus.INACTIVE,
                       WorkspaceMemberStatus.DELETED]

# stored role | org workspace: list read write delete | personal: list read write delete
ACCESS = table("""
stored    | org     | personal
OWNER     | x x x x | x x x x
ADMIN     | x x x x | x x x -
MEMBER    | x x x - | x x x -
WS_ADMIN  | x x x x | x x x -
WS_EDITOR | x x x - | x x x -
WS_VIEWER | x x - - | x x - -
""")


def _flags(access: WorkspaceAccess) -> str:
    values = (access.can_list, access.can_read, access.can_write, access.can_delete)
    return " ".join("x" if v else "-" for v in values)


@pytest.mark.parametrize("row", ACCESS, ids=lambda row: row[0])
def test_direct_member_access(row):
    stored, in_org, personal = row
    org_access = workspace_access(ctx(ws=ws(stored)))
    assert _flags(org_access) == in_org
    assert org_access.is_direct_member and not org_access.is_org_owner
    assert _flags(workspace_access(ctx(ws=ws(stored), personal=True))) == personal


def test_personal_workspace_delete_is_owner_only_via_decide():
    assert decide(ctx(ws=ws("OWNER"), personal=True), W.DELETE_WORKSPACE).allowed
    decision = decide(ctx(ws=ws("WS_ADMIN"), personal=True), W.DELETE_WORKSPACE)
    assert (decision.allowed, decision.visible, decision.reason) == (
        False, True, Reason.MISSING_PERMISSION)
    assert decide(ctx(ws=ws("WS_ADMIN"), personal=True), W.MANAGE_MEMBERS).allowed


def test_personal_workspace_needs_direct_membership_even_for_org_owner():
    context = ctx(org=org(OrgRole.OWNER), personal=True)
    assert workspace_access(context) == WorkspaceAccess(False, False, False, False)
    decision = decide(context, W.VIEW_ALL)
    assert (decision.visible, decision.reason) == (False, Reason.NOT_WORKSPACE_MEMBER)


def test_stranger_cannot_see_an_org_workspace():
    assert workspace_access(ctx()) == WorkspaceAccess(False, False, False, False)
    assert decide(ctx(), W.VIEW_ALL).refusal_status == 404


@pytest.mark.parametrize("role", [OrgRole.MODERATOR, OrgRole.MEMBER])
def test_org_role_without_departments_grants_no_listing(role):
    context = ctx(org=org(role))
    assert not workspace_access(context).can_list
    assert decide(context, W.VIEW_ALL).reason is Reason.NOT_WORKSPACE_MEMBER


def test_org_admin_lists_workspaces_without_reading_them():
    # the admin's own keys (workspace assign/create) are org access: listed, not opened
    context = ctx(org=org(OrgRole.ADMIN))
    assert workspace_access(context) == WorkspaceAccess(True, False, False, False)
    decision = decide(context, W.VIEW_ALL)
    assert (decision.allowed, decision.refusal_status, decision.reason) == (
        False, 403, Reason.WORKSPACE_LISTED_ONLY)


@pytest.mark.parametrize("grant", [
    org(OrgRole.MEMBER, departments={"eng"}),
    org(OrgRole.ADMIN, direct={OrgPermission.WORKSPACE_ASSIGN}),
])
def test_org_access_lists_but_does_not_open(grant):
    context = ctx(org=grant)
    assert workspace_access(context) == WorkspaceAccess(True, False, False, False)
    for key in WorkspacePermission:
        decision = decide(context, key)
        assert (decision.allowed, decision.visible, decision.reason) == (
            False, True, Reason.WORKSPACE_LISTED_ONLY)
        assert decision.refusal_status == 403
    assert effective_workspace_permissions(context) == frozenset()


def test_department_listing_needs_an_active_org_membership():
    context = ctx(org=org(OrgRole.MEMBER, OrgMemberStatus.INVITED, departments={"eng"}))
    assert not workspace_access(context).can_list


@pytest.mark.parametrize("status", NON_MEMBER_STATUSES)
@pytest.mark.parametrize("stored", ["OWNER", "WS_ADMIN", "MEMBER"])
def test_inactive_rows_are_not_members(status, stored):
    context = ctx(ws=ws(stored, status))
    assert workspace_access(context) == WorkspaceAccess(False, False, False, False)
    assert decide(context, W.VIEW_ALL).refusal_status == 404
    personal = ctx(ws=ws(stored, status), personal=True)
    assert not workspace_access(personal).can_list


@pytest.mark.parametrize("status", NON_MEMBER_STATUSES)
def test_inactive_row_with_department_is_listed_only(status):
    context = ctx(org=org(OrgRole.MEMBER, departments={"d"}), ws=ws("WS_ADMIN", status))
    assert workspace_access(context) == WorkspaceAccess(True, False, False, False)


@pytest.mark.parametrize(
    "member", [None, ws("WS_VIEWER"), ws("OWNER", WorkspaceMemberStatus.DELETED)])
def test_org_owner_has_every_workspace(member):
    context = ctx(org=org(OrgRole.OWNER), ws=member)
    access = workspace_access(context)
    assert (access.can_list, access.can_read, access.can_write, access.can_delete) == (
        True, True, True, True)
    assert access.is_org_owner
    assert access.role is WorkspaceRole.WS_ADMIN
    assert access.is_direct_member is (member is not None and member.is_active)
    for key in WorkspacePermission:
        decision = decide(context, key)
        assert (decision.allowed, decision.reason) == (True, Reason.ORG_OWNER)


@pytest.mark.parametrize("status", [OrgMemberStatus.INVITED, OrgMemberStatus.SUSPENDED])
def test_inactive_org_owner_has_no_bypass(status):
    context = ctx(org=org(OrgRole.OWNER, status))
    assert not workspace_access(context).can_list


@pytest.mark.parametrize("role", [OrgRole.ADMIN, OrgRole.MODERATOR])
def test_org_admins_get_no_implicit_workspace_rights(role):
    context = ctx(org=org(role, departments={"d"}), ws=ws("WS_VIEWER"))
    assert effective_workspace_permissions(context) == {W.VIEW_ALL}


def test_effective_role_is_normalized():
    assert workspace_access(ctx(ws=ws("MEMBER"))).role is WorkspaceRole.WS_EDITOR
    assert workspace_access(ctx(ws=ws("OWNER"))).role is WorkspaceRole.WS_ADMIN
    assert workspace_access(ctx()).role is None


def test_effective_workspace_permissions():
    assert effective_workspace_permissions(ctx(ws=ws("WS_EDITOR"))) == {
        W.CREATE_PROJECTS, W.CREATE_SPACES, W.EDIT_PROJECTS, W.EDIT_SPACES, W.VIEW_ALL}
    assert effective_workspace_permissions(ctx()) == frozenset()
