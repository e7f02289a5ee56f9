"""Program layer: overrides, membership, reserved delete."""

from __future__ import annotations

import pytest

from webapp.authz.policy import Reason, decide, effective_program_permissions
from webapp.authz.roles import OrgRole, ProgramRole, WorkspaceMemberStatus
from webapp.authz.vocabulary import ProgramPermission

from .builders import ctx, org, program, ws

G = ProgramPermission


@pytest.mark.parametrize(("context", "reason"), [
    (ctx(org=org(OrgRole.OWNER)), Reason.ORG_OWNER),
    (ctx(org=org(OrgRole.ADMIN)), Reason.ORG_ROLE),
    (ctx(org=org(OrgRole.MODERATOR)), Reason.ORG_ROLE),
    (ctx(ws=ws("OWNER")), Reason.WORKSPACE_ADMIN),
    (ctx(ws=ws("ADMIN")), Reason.WORKSPACE_ADMIN),
    (ctx(ws=ws("WS_ADMIN"), program=program(ProgramRole.VIEWER)), Reason.WORKSPACE_ADMIN),
])
def test_overrides_hold_every_program_key(context, reason):
    assert effective_program_permissions(context) == set(ProgramPermission)
    assert decide(context, G.DELETE_PROGRAM).reason is reason


@pytest.mark.parametrize("role", list(ProgramRole))
def test_only_overrides_may_delete(role):
    decision = decide(ctx(ws=ws("WS_EDITOR"), program=program(role)), G.DELETE_PROGRAM)
    assert (decision.allowed, decision.visible) == (False, True)


@pytest.mark.parametrize("stored", ["MEMBER", "WS_EDITOR", "WS_VIEWER"])
def test_non_members_cannot_see_a_program(stored):
    decision = decide(ctx(ws=ws(stored)), G.VIEW_PROGRAM)
    assert (decision.visible, decision.reason) == (False, Reason.NOT_PROGRAM_MEMBER)


def test_program_membership_needs_an_active_workspace_membership():
    context = ctx(ws=ws("WS_EDITOR", WorkspaceMemberStatus.DELETED),
                  program=program(ProgramRole.LEAD))
    assert decide(context, G.VIEW_PROGRAM).reason is Reason.NOT_WORKSPACE_MEMBER
    assert effective_program_permissions(context) == frozenset()


def test_org_member_is_not_elevated():
    context = ctx(org=org(OrgRole.MEMBER, departments={"d"}), ws=ws("WS_VIEWER"))
    assert decide(context, G.VIEW_PROGRAM).reason is Reason.NOT_PROGRAM_MEMBER
