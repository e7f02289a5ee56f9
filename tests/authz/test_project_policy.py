"""Project layer: overrides, membership statuses, union of grants, reasons."""

from __future__ import annotations

import pytest

from webapp.authz.policy import (
    AccessContext,
    Actor,
    Decision,
    Reason,
    decide,
    effective_project_permissions,
    effective_project_role,
)
from webapp.authz.roles import (
    OrgMemberStatus,
    OrgRole,
    ProjectMemberStatus,
    ProjectRole,
    WorkspaceMemberStatus,
)
from webapp.authz.vocabulary import OrgPermission, ProjectPermission

from .builders import ctx, org, project, ws

P = ProjectPermission
ALL = frozenset(ProjectPermission)


@pytest.mark.parametrize(("role", "reason"), [
    (OrgRole.OWNER, Reason.ORG_OWNER),
    (OrgRole.ADMIN, Reason.ORG_ROLE),
    (OrgRole.MODERATOR, Reason.ORG_ROLE),
])
def test_elevated_org_roles_are_project_owners_without_any_membership(role, reason):
    context = ctx(org=org(role))
    assert effective_project_role(context) is ProjectRole.PROJECT_OWNER
    assert effective_project_permissions(context) == ALL
    for key in ProjectPermission:
        assert decide(context, key) == Decision(True, True, reason, key)


def test_org_member_is_not_elevated_even_with_every_org_key():
    grant = org(OrgRole.MEMBER, departments={"d"}, department_permissions=set(OrgPermission))
    context = ctx(org=grant, ws=ws("WS_EDITOR"))
    assert effective_project_role(context) is None
    decision = decide(context, P.VIEW_PROJECT)
    assert (decision.visible, decision.reason) == (False, Reason.NOT_PROJECT_MEMBER)


@pytest.mark.parametrize("status", [OrgMemberStatus.INVITED, OrgMemberStatus.SUSPENDED])
@pytest.mark.parametrize("role", [OrgRole.OWNER, OrgRole.ADMIN, OrgRole.MODERATOR])
def test_inactive_org_roles_are_not_elevated(role, status):
    context = ctx(org=org(role, status))
    assert effective_project_permissions(context) == frozenset()
    assert decide(context, P.VIEW_PROJECT).refusal_status == 404


def test_org_role_is_ignored_in_personal_workspaces():
    context = ctx(org=org(OrgRole.OWNER), personal=True, ws=ws("WS_VIEWER"))
    assert effective_project_role(context) is None
    assert decide(context, P.VIEW_PROJECT).reason is Reason.NOT_PROJECT_MEMBER


@pytest.mark.parametrize("stored", ["OWNER", "ADMIN", "WS_ADMIN"])
@pytest.mark.parametrize("personal", [False, True])
def test_workspace_admins_are_project_owners(stored, personal):
    context = ctx(ws=ws(stored), personal=personal)
    assert effective_project_role(context) is ProjectRole.PROJECT_OWNER
    assert effective_project_permissions(context) == ALL
    assert decide(context, P.DELETE_PROJECT).reason is Reason.WORKSPACE_ADMIN


def test_workspace_admin_override_beats_a_smaller_project_role():
    context = ctx(ws=ws("ADMIN"), project=project(ProjectRole.VIEWER))
    assert decide(context, P.DELETE_PROJECT).allowed


@pytest.mark.parametrize("status", [WorkspaceMemberStatus.DELETED, WorkspaceMemberStatus.INACTIVE,
                                    WorkspaceMemberStatus.INVITED])
def test_inactive_workspace_admin_is_not_elevated(status):
    context = ctx(ws=ws("OWNER", status))
    decision = decide(context, P.VIEW_PROJECT)
    assert (decision.visible, decision.reason) == (False, Reason.NOT_WORKSPACE_MEMBER)


@pytest.mark.parametrize("stored", ["MEMBER", "WS_EDITOR", "WS_VIEWER"])
def test_workspace_membership_never_grants_project_access(stored):
    context = ctx(ws=ws(stored))
    decision = decide(context, P.VIEW_PROJECT)
    assert (decision.allowed, decision.visible, decision.reason) == (
        False, False, Reason.NOT_PROJECT_MEMBER)
    assert decision.refusal_status == 404
    assert effective_project_permissions(context) == frozenset()


def test_removed_project_member_is_a_stranger():
    context = ctx(ws=ws("WS_EDITOR"), project=project(ProjectRole.PROJECT_OWNER,
                                                      ProjectMemberStatus.REMOVED,
                                                      grants=ALL))
    assert effective_project_role(context) is None
    assert effective_project_permissions(context) == frozenset()
    assert decide(context, P.VIEW_PROJECT).reason is Reason.NOT_PROJECT_MEMBER


def test_invited_project_member_counts():
    context = ctx(ws=ws("WS_EDITOR"), project=project(ProjectRole.MEMBER,
                                                      ProjectMemberStatus.INVITED))
    assert decide(context, P.CREATE_TASKS).allowed


@pytest.mark.parametrize("status", [WorkspaceMemberStatus.DELETED, WorkspaceMemberStatus.INACTIVE,
                                    WorkspaceMemberStatus.INVITED, None])
def test_project_rows_need_an_active_workspace_membership(status):
    member = None if status is None else ws("WS_EDITOR", status)
    context = ctx(ws=member, project=project(ProjectRole.PROJECT_OWNER))
    decision = decide(context, P.VIEW_PROJECT)
    assert (decision.visible, decision.reason) == (False, Reason.NOT_WORKSPACE_MEMBER)
    assert effective_project_role(context) is None


def test_visible_refusal_is_403():
    decision = decide(ctx(ws=ws("WS_EDITOR"), project=project(ProjectRole.PROJECT_ADMIN)),
                      P.DELETE_PROJECT)
    assert decision == Decision(False, True, Reason.MISSING_PERMISSION, P.DELETE_PROJECT)
    assert decision.refusal_status == 403


def test_project_admin_is_not_a_bypass():
    context = ctx(ws=ws("WS_EDITOR"), project=project(ProjectRole.PROJECT_ADMIN))
    assert effective_project_permissions(context) == ALL - {P.DELETE_PROJECT, P.MANAGE_SETTINGS}


# --- union of grants --------------------------------------------------------------------

def _viewer(**grants: set[ProjectPermission]) -> AccessContext:
    return ctx(ws=ws("WS_EDITOR"), project=project(ProjectRole.VIEWER, **grants))


def test_role_document_keys_count_as_role():
    context = _viewer(role_permissions={P.CREATE_SPRINTS})
    assert decide(context, P.CREATE_SPRINTS) == Decision(True, True, Reason.ROLE, P.CREATE_SPRINTS)


def test_team_keys_widen():
    context = _viewer(teams={P.CREATE_TASKS, P.START_SPRINT})
    assert decide(context, P.CREATE_TASKS) == Decision(True, True, Reason.GRANT, P.CREATE_TASKS)
    assert decide(context, P.START_SPRINT).allowed
    assert not decide(context, P.EDIT_TASKS).allowed


def test_direct_user_grants_widen():
    context = _viewer(grants={P.DELETE_PROJECT})
    assert decide(context, P.DELETE_PROJECT).reason is Reason.GRANT


def test_effective_keys_are_the_union_of_every_source():
    context = _viewer(role_permissions={P.CREATE_DOCS}, teams={P.CREATE_TASKS},
                      grants={P.EDIT_TASKS, P.CREATE_TASKS})
    assert effective_project_permissions(context) == {
        P.VIEW_PROJECT, P.VIEW_TASKS, P.VIEW_SPRINTS, P.VIEW_DOCS, P.VIEW_MEMBERS, P.VIEW_TEAMS,
        P.VIEW_BOARD, P.VIEW_REPORTS, P.CREATE_DOCS, P.CREATE_TASKS, P.EDIT_TASKS,
    }


def test_grants_never_narrow():
    narrow = {P.VIEW_PROJECT}
    context = ctx(ws=ws("WS_EDITOR"), project=project(ProjectRole.PROJECT_OWNER,
                                                      role_permissions=narrow, teams=narrow,
                                                      grants=narrow))
    assert effective_project_permissions(context) == ALL


def test_key_held_by_role_and_grant_reports_role():
    context = _viewer(grants={P.VIEW_TASKS})
    assert decide(context, P.VIEW_TASKS).reason is Reason.ROLE


@pytest.mark.parametrize("role", list(ProjectRole))
def test_effective_project_role_of_members(role):
    assert effective_project_role(ctx(ws=ws("WS_VIEWER"), project=project(role))) is role


def test_platform_admin_gets_nothing():
    context = ctx(actor=Actor("op", is_platform_admin=True))
    assert decide(context, P.VIEW_PROJECT).refusal_status == 404
