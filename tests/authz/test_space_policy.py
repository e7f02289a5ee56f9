"""Space layer: Master, members, public/private visibility, workspace prerequisites."""

from __future__ import annotations

import pytest

from webapp.authz.policy import (
    Reason,
    decide,
    effective_project_permissions,
    effective_space_permissions,
    effective_space_role,
)
from webapp.authz.roles import (
    OrgRole,
    ProjectRole,
    SpaceRole,
    SpaceVisibility,
    WorkspaceMemberStatus,
)
from webapp.authz.vocabulary import ProjectPermission, SpacePermission

from .builders import ctx, org, project, space, ws

S = SpacePermission
PUBLIC, PRIVATE = SpaceVisibility.PUBLIC, SpaceVisibility.PRIVATE


@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE])
@pytest.mark.parametrize("stored", ["OWNER", "ADMIN", "WS_ADMIN"])
def test_workspace_admins_are_master_of_every_space(stored, visibility):
    context = ctx(ws=ws(stored), visibility=visibility)
    assert effective_space_role(context) is SpaceRole.ADMIN
    for key in SpacePermission:
        decision = decide(context, key)
        assert (decision.allowed, decision.reason) == (True, Reason.WORKSPACE_ADMIN)


def test_org_owner_is_master_without_membership():
    context = ctx(org=org(OrgRole.OWNER), visibility=PRIVATE)
    assert effective_space_permissions(context) == set(SpacePermission)
    assert decide(context, S.DELETE_SPACE).reason is Reason.ORG_OWNER


@pytest.mark.parametrize("stored", ["MEMBER", "WS_EDITOR", "WS_VIEWER"])
def test_private_space_is_invisible_to_outsiders(stored):
    context = ctx(ws=ws(stored), visibility=PRIVATE)
    assert effective_space_role(context) is None
    assert effective_space_permissions(context) == frozenset()
    for key in (S.VIEW_SPACE, S.EDIT_SPACE_SETTINGS):
        decision = decide(context, key)
        assert (decision.allowed, decision.visible, decision.reason) == (
            False, False, Reason.PRIVATE_SPACE)
        assert decision.refusal_status == 404


@pytest.mark.parametrize("role", list(SpaceRole))
def test_private_space_members_see_it(role):
    context = ctx(ws=ws("WS_VIEWER"), visibility=PRIVATE, space=space(role))
    assert effective_space_role(context) is role
    decision = decide(context, S.VIEW_SPACE)
    assert (decision.allowed, decision.reason) == (True, Reason.ROLE)


def test_public_space_outsider_is_a_viewer():
    context = ctx(ws=ws("WS_EDITOR"), visibility=PUBLIC)
    assert effective_space_role(context) is SpaceRole.VIEWER
    assert effective_space_permissions(context) == {
        S.VIEW_SPACE, S.VIEW_TEAMS, S.VIEW_PROJECTS, S.VIEW_WORK_ITEMS}
    decision = decide(context, S.CREATE_WORK_ITEMS)
    assert (decision.allowed, decision.visible, decision.reason) == (
        False, True, Reason.MISSING_PERMISSION)


def test_space_role_beats_public_default():
    context = ctx(ws=ws("WS_VIEWER"), visibility=PUBLIC, space=space(SpaceRole.MEMBER))
    assert decide(context, S.CREATE_WORK_ITEMS).allowed


@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE])
@pytest.mark.parametrize("status", [WorkspaceMemberStatus.DELETED, WorkspaceMemberStatus.INACTIVE,
                                    WorkspaceMemberStatus.INVITED])
def test_space_membership_needs_an_active_workspace_membership(status, visibility):
    context = ctx(ws=ws("WS_EDITOR", status), visibility=visibility, space=space(SpaceRole.ADMIN))
    decision = decide(context, S.VIEW_SPACE)
    assert (decision.visible, decision.reason) == (False, Reason.NOT_WORKSPACE_MEMBER)
    assert effective_space_role(context) is None


def test_listed_only_workspace_hides_its_spaces():
    context = ctx(org=org(OrgRole.MEMBER, departments={"d"}), visibility=PUBLIC)
    assert decide(context, S.VIEW_SPACE).reason is Reason.NOT_WORKSPACE_MEMBER


@pytest.mark.parametrize("role", [OrgRole.ADMIN, OrgRole.MODERATOR])
def test_org_admins_are_not_space_masters(role):
    context = ctx(org=org(role), ws=ws("WS_VIEWER"), visibility=PRIVATE)
    assert decide(context, S.VIEW_SPACE).reason is Reason.PRIVATE_SPACE


def test_space_keys_need_a_space_in_scope():
    decision = decide(ctx(ws=ws("WS_ADMIN")), S.VIEW_SPACE)
    assert (decision.allowed, decision.visible, decision.reason) == (
        False, False, Reason.OUT_OF_SCOPE)
    assert effective_space_role(ctx(ws=ws("WS_ADMIN"))) is None


def test_private_space_does_not_block_project_members():
    context = ctx(ws=ws("WS_EDITOR"), visibility=PRIVATE,
                  project=project(ProjectRole.MEMBER))
    assert decide(context, S.VIEW_SPACE).refusal_status == 404
    assert decide(context, ProjectPermission.EDIT_TASKS).allowed


def test_space_rights_never_open_a_project():
    context = ctx(ws=ws("WS_EDITOR"), visibility=PUBLIC, space=space(SpaceRole.ADMIN))
    assert decide(context, S.VIEW_WORK_ITEMS).allowed
    assert effective_project_permissions(context) == frozenset()
    assert decide(context, ProjectPermission.VIEW_TASKS).reason is Reason.NOT_PROJECT_MEMBER
