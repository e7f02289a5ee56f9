"""Properties over generated contexts: consistency and monotonicity of the policy."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from webapp.authz.policy import (
    AccessContext,
    OrgGrant,
    ProgramGrant,
    ProjectGrant,
    SpaceGrant,
    WorkspaceGrant,
    decide,
    effective_org_permissions,
    effective_program_permissions,
    effective_project_permissions,
    effective_project_role,
    effective_space_permissions,
    effective_workspace_permissions,
)
from webapp.authz.roles import (
    OrgMemberStatus,
    OrgRole,
    ProgramRole,
    ProjectMemberStatus,
    ProjectRole,
    SpaceRole,
    SpaceVisibility,
    WorkspaceMemberRole,
    WorkspaceMemberStatus,
)
from webapp.authz.vocabulary import (
    OrgPermission,
    Permission,
    ProgramPermission,
    ProjectPermission,
    SpacePermission,
    WorkspacePermission,
)

from .builders import ACTOR

ALL_KEYS: list[Permission] = [
    *OrgPermission, *WorkspacePermission, *SpacePermission, *ProjectPermission,
    *ProgramPermission,
]

project_keys = st.frozensets(st.sampled_from(list(ProjectPermission)), max_size=8)
org_keys = st.frozensets(st.sampled_from(list(OrgPermission)), max_size=5)

org_grants = st.builds(
    OrgGrant, st.sampled_from(list(OrgRole)), st.sampled_from(list(OrgMemberStatus)),
    st.frozensets(st.sampled_from(["eng", "ops"])), org_keys, org_keys,
)
workspace_grants = st.builds(
    WorkspaceGrant, st.sampled_from(list(WorkspaceMemberRole)),
    st.sampled_from(list(WorkspaceMemberStatus)),
)
project_grants = st.builds(
    ProjectGrant, st.sampled_from(list(ProjectRole)), st.sampled_from(list(ProjectMemberStatus)),
    project_keys, project_keys, project_keys,
)
contexts = st.builds(
    AccessContext,
    st.just(ACTOR),
    st.none() | org_grants,
    st.none() | workspace_grants,
    st.booleans(),
    st.none() | st.sampled_from(list(SpaceVisibility)),
    st.none() | st.builds(SpaceGrant, st.sampled_from(list(SpaceRole))),
    st.none() | project_grants,
    st.none() | st.builds(ProgramGrant, st.sampled_from(list(ProgramRole))),
)


def _allowed(context: AccessContext) -> frozenset[Permission]:
    return frozenset(key for key in ALL_KEYS if decide(context, key).allowed)


@given(contexts)
def test_decisions_agree_with_effective_sets(context):
    effective: set[Permission] = set()
    effective |= effective_workspace_permissions(context)
    effective |= effective_space_permissions(context)
    effective |= effective_project_permissions(context)
    effective |= effective_program_permissions(context)
    if not context.personal_workspace:
        effective |= effective_org_permissions(context.org)
    for key in ALL_KEYS:
        decision = decide(context, key)
        assert decision.allowed == (key in effective)
        assert decision.permission is key
        if decision.allowed:
            assert decision.visible and decision.refusal_status is None
        else:
            assert decision.refusal_status == (403 if decision.visible else 404)


@given(contexts, project_grants, project_keys, project_keys, project_keys)
def test_adding_project_grants_never_removes_a_key(context, grant, roles, teams, users):
    context = replace(context, project=grant)
    widened = replace(context, project=replace(
        grant,
        role_permissions=grant.role_permissions | roles,
        team_permissions=grant.team_permissions | teams,
        user_grants=grant.user_grants | users,
    ))
    assert effective_project_permissions(context) <= effective_project_permissions(widened)
    assert _allowed(context) <= _allowed(widened)


@given(contexts, project_grants, st.sampled_from(list(ProjectRole)),
       st.sampled_from(list(ProjectRole)))
def test_a_higher_project_role_never_has_fewer_keys(context, grant, one, other):
    low, high = sorted((one, other))
    lower = replace(context, project=replace(grant, role=low))
    higher = replace(context, project=replace(grant, role=high))
    assert effective_project_permissions(lower) <= effective_project_permissions(higher)


@given(contexts, org_grants, st.sampled_from(list(OrgRole)), st.sampled_from(list(OrgRole)))
def test_a_higher_org_role_never_loses_anything(context, grant, one, other):
    low, high = sorted((one, other))
    lower = replace(context, org=replace(grant, role=low))
    higher = replace(context, org=replace(grant, role=high))
    assert _allowed(lower) <= _allowed(higher)


@given(contexts, org_grants, st.frozensets(st.sampled_from(["eng", "ops", "hr"])), org_keys,
       org_keys)
def test_more_departments_and_grants_never_remove_org_keys(context, grant, depts, keys, direct):
    context = replace(context, org=grant)
    widened = replace(context, org=replace(
        grant,
        department_ids=grant.department_ids | depts,
        department_permissions=grant.department_permissions | keys,
        direct_permissions=grant.direct_permissions | direct,
    ))
    assert effective_org_permissions(grant) <= effective_org_permissions(widened.org)
    assert _allowed(context) <= _allowed(widened)


@given(contexts, st.sampled_from(list(SpaceRole)), st.sampled_from(list(SpaceRole)))
def test_a_higher_space_role_never_has_fewer_keys(context, one, other):
    low, high = sorted((one, other))
    lower = replace(context, space=SpaceGrant(low))
    higher = replace(context, space=SpaceGrant(high))
    assert effective_space_permissions(lower) <= effective_space_permissions(higher)


@given(contexts)
def test_activating_memberships_never_removes_a_key(context):
    activated = context
    if context.org is not None:
        activated = replace(activated, org=replace(context.org, status=OrgMemberStatus.ACTIVE))
    if context.workspace is not None:
        activated = replace(activated, workspace=replace(
            context.workspace, status=WorkspaceMemberStatus.ACTIVE))
    assert _allowed(context) <= _allowed(activated)


@given(contexts)
def test_org_owner_holds_every_key_of_an_org_resource(context):
    context = replace(context, org=OrgGrant(OrgRole.OWNER), personal_workspace=False,
                      space_visibility=context.space_visibility or SpaceVisibility.PRIVATE)
    assert _allowed(context) == frozenset(ALL_KEYS)


@given(contexts)
def test_platform_admin_flag_changes_nothing(context):
    flagged = replace(context, actor=replace(context.actor, is_platform_admin=True))
    assert all(decide(context, key) == decide(flagged, key) for key in ALL_KEYS)


@given(contexts)
def test_effective_project_role_matches_project_access(context):
    role = effective_project_role(context)
    visible = decide(context, ProjectPermission.VIEW_PROJECT).visible
    assert (role is not None) == visible
    if role is ProjectRole.PROJECT_OWNER:
        assert effective_project_permissions(context) == frozenset(ProjectPermission)
