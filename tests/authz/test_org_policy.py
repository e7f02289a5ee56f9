"""Organization layer: owner bypass, departments, direct grants, statuses, route keys."""

from __future__ import annotations

import pytest

from webapp.authz.policy import (
    Actor,
    Decision,
    Reason,
    active_org_role,
    decide,
    effective_org_permissions,
    has_org_access,
    org_route_keys,
)
from webapp.authz.roles import ORG_ADMIN_PERMISSIONS, OrgMemberStatus, OrgRole
from webapp.authz.vocabulary import OrgPermission, OrgRouteKey

from .builders import ctx, org

K = OrgPermission
INACTIVE = [OrgMemberStatus.INVITED, OrgMemberStatus.SUSPENDED]


def test_owner_holds_every_key_without_departments():
    context = ctx(org=org(OrgRole.OWNER))
    for key in OrgPermission:
        assert decide(context, key) == Decision(True, True, Reason.ORG_OWNER, key)
    assert effective_org_permissions(context.org) == set(OrgPermission)


def test_admin_holds_people_and_workspace_keys_but_not_owner_ones():
    context = ctx(org=org(OrgRole.ADMIN))
    assert effective_org_permissions(context.org) == ORG_ADMIN_PERMISSIONS
    for key in ORG_ADMIN_PERMISSIONS:
        assert decide(context, key) == Decision(True, True, Reason.ORG_ROLE, key)
    for key in (K.BILLING_VIEW, K.BILLING_MANAGE, K.SETTINGS_MANAGE, K.COMPLIANCE_VIEW):
        assert decide(context, key).refusal_status == 403
    # a department still widens an admin (an owner can hand over billing that way)
    widened = ctx(org=org(OrgRole.ADMIN, departments={"fin"},
                          department_permissions={K.BILLING_VIEW, K.MEMBERS_VIEW}))
    assert decide(widened, K.BILLING_VIEW).reason is Reason.GRANT
    assert decide(widened, K.MEMBERS_VIEW).reason is Reason.ORG_ROLE


@pytest.mark.parametrize("role", [OrgRole.MODERATOR, OrgRole.MEMBER])
def test_non_owners_hold_nothing_implicitly(role):
    context = ctx(org=org(role))
    assert effective_org_permissions(context.org) == frozenset()
    for key in OrgPermission:
        decision = decide(context, key)
        assert (decision.allowed, decision.visible, decision.reason) == (
            False, True, Reason.MISSING_PERMISSION)
        assert decision.refusal_status == 403


def test_department_keys_are_unioned_with_direct_grants():
    grant = org(OrgRole.MEMBER, departments={"d1", "d2"},
                department_permissions={K.BILLING_VIEW, K.MEMBERS_VIEW},
                direct={K.AUDIT_VIEW, K.MEMBERS_VIEW})
    context = ctx(org=grant)
    assert effective_org_permissions(grant) == {K.BILLING_VIEW, K.MEMBERS_VIEW, K.AUDIT_VIEW}
    assert decide(context, K.BILLING_VIEW).reason is Reason.GRANT
    assert decide(context, K.AUDIT_VIEW).allowed
    assert not decide(context, K.BILLING_MANAGE).allowed


@pytest.mark.parametrize("role", list(OrgRole))
@pytest.mark.parametrize("status", INACTIVE)
def test_only_active_members_count(role, status):
    grant = org(role, status, departments={"d"}, department_permissions=set(OrgPermission),
                direct=set(OrgPermission))
    context = ctx(org=grant)
    assert effective_org_permissions(grant) == frozenset()
    assert not has_org_access(grant)
    assert active_org_role(context) is None
    decision = decide(context, K.MEMBERS_VIEW)
    assert (decision.allowed, decision.visible, decision.reason) == (
        False, True, Reason.ORG_MEMBERSHIP_INACTIVE)


def test_non_member_cannot_know_the_org():
    decision = decide(ctx(), K.MEMBERS_VIEW)
    assert (decision.allowed, decision.visible, decision.reason) == (
        False, False, Reason.NOT_ORG_MEMBER)
    assert decision.refusal_status == 404


def test_platform_admin_gets_no_tenant_access():
    decision = decide(ctx(actor=Actor("op", is_platform_admin=True)), K.BILLING_VIEW)
    assert decision.refusal_status == 404


def test_org_keys_do_not_apply_to_personal_workspaces():
    decision = decide(ctx(org=org(OrgRole.OWNER), personal=True), K.BILLING_VIEW)
    assert (decision.allowed, decision.visible, decision.reason) == (
        False, False, Reason.OUT_OF_SCOPE)
    assert active_org_role(ctx(org=org(OrgRole.OWNER), personal=True)) is None


@pytest.mark.parametrize(("grant", "expected"), [
    (None, False),
    (org(OrgRole.OWNER), True),
    (org(OrgRole.ADMIN), True),
    (org(OrgRole.MODERATOR), False),
    (org(OrgRole.MEMBER, departments={"d"}), True),
    (org(OrgRole.MEMBER, direct={K.WORKSPACE_ASSIGN}), True),
    (org(OrgRole.MODERATOR, department_permissions={K.SECURITY_VIEW}), True),
    (org(OrgRole.OWNER, OrgMemberStatus.SUSPENDED), False),
])
def test_has_org_access(grant, expected):
    assert has_org_access(grant) is expected


def test_active_org_role():
    assert active_org_role(ctx(org=org(OrgRole.MODERATOR))) is OrgRole.MODERATOR
    assert active_org_role(ctx()) is None


R = OrgRouteKey
ROUTES_FOR_ONE_KEY = {
    K.BILLING_VIEW: {R.ORG_DASHBOARD, R.ORG_BILLING, R.ORG_USAGE},
    K.BILLING_MANAGE: {R.ORG_DASHBOARD, R.ORG_BILLING, R.ORG_USAGE},
    K.MEMBERS_VIEW: {R.ORG_DASHBOARD, R.ORG_MEMBERS},
    K.MEMBERS_MANAGE: {R.ORG_DASHBOARD, R.ORG_MEMBERS},
    K.SETTINGS_MANAGE: {R.ORG_DASHBOARD, R.ORG_SETTINGS},
    K.AUDIT_VIEW: {R.ORG_DASHBOARD, R.ORG_AUDIT},
    K.COMPLIANCE_VIEW: {R.ORG_DASHBOARD, R.ORG_AUDIT},
    K.DEPARTMENTS_MANAGE: {R.ORG_DASHBOARD, R.ORG_DEPARTMENTS},
    K.SECURITY_VIEW: {R.ORG_DASHBOARD, R.ORG_SECURITY},
    K.WORKSPACE_CREATE: {R.ORG_DASHBOARD, R.WORKSPACES, R.WORKSPACE_CREATE},
    K.WORKSPACE_ASSIGN: {R.ORG_DASHBOARD, R.WORKSPACES},
}


@pytest.mark.parametrize(("key", "routes"), ROUTES_FOR_ONE_KEY.items())
def test_route_keys_for_one_key(key, routes):
    assert org_route_keys([key]) == routes


def test_route_keys_for_nothing_and_everything():
    assert org_route_keys([]) == frozenset()
    assert org_route_keys(effective_org_permissions(org(OrgRole.OWNER))) == set(OrgRouteKey)


def test_route_keys_of_a_department_member():
    grant = org(OrgRole.MODERATOR, departments={"finance"},
                department_permissions={K.BILLING_MANAGE, K.AUDIT_VIEW})
    assert org_route_keys(effective_org_permissions(grant)) == {
        R.ORG_DASHBOARD, R.ORG_BILLING, R.ORG_USAGE, R.ORG_AUDIT}


def test_decide_rejects_non_keys():
    with pytest.raises(TypeError, match="not a permission key"):
        decide(ctx(org=org(OrgRole.OWNER)), "org.billing.view")  # type: ignore[arg-type]
