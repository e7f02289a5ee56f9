"""The access loader against a real store: what it reads, how often, and what it concludes.

The store is wrapped in a counting proxy (every call still reaches the real SQLite store),
so the cost of a load is asserted, not assumed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from matrix.counting import CountingStore
from matrix.world import World, add_org_member, add_ws_member, build_world, make_user

from webapp.authz.grants import sync_project_grants
from webapp.authz.loader import NotVisible, load_context, load_scope
from webapp.authz.mirrors import backfill, sync_member_keys
from webapp.authz.roles import (
    OrgRole,
    ProjectRole,
    SpaceRole,
    SpaceVisibility,
    WorkspaceMemberRole,
    WorkspaceMemberStatus,
)
from webapp.authz.vocabulary import (
    OrgPermission,
    ProjectPermission,
    SpacePermission,
    WorkspacePermission,
)
from webapp.storage import open_store
from webapp.storage.collections import SCHEMA
from webapp.storage.query import Query


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    opened = open_store(f"sqlite:///{tmp_path / 'keel.db'}", SCHEMA, migrate=True)
    yield opened
    opened.close()


@pytest.fixture
def world(store: Any) -> World:
    """The matrix world as a migrated database holds it: copies filled in (v3 backfill)."""
    built = build_world(store)
    backfill(store)
    return built


@pytest.fixture
def counting(store: Any) -> CountingStore:
    return CountingStore(store)


def test_workspace_member_costs_two_queries(world: World, counting: CountingStore) -> None:
    scope = load_scope(counting, world.user("ws_editor"), workspace_id=world.workspace["$id"])
    assert counting.total == 2, counting.log  # the org role comes with the membership row
    assert scope.workspace is not None and scope.workspace["$id"] == world.workspace["$id"]
    assert scope.context.workspace is not None
    assert scope.context.workspace.role is WorkspaceMemberRole.WS_EDITOR
    assert scope.context.org is not None and scope.context.org.role is OrgRole.MEMBER
    assert scope.allows(WorkspacePermission.CREATE_PROJECTS)
    assert scope.decide(WorkspacePermission.MANAGE_SETTINGS).refusal_status == 403
    # a member's refusal needs no org grants (they only decide listing for non-members)
    assert counting.total == 2, counting.log


def test_org_owner_outside_the_workspace_costs_three(world: World,
                                                     counting: CountingStore) -> None:
    side = next(w for w in counting._store.list("workspaces").documents if w["name"] == "Side")
    scope = load_scope(counting, world.user("org_owner"), workspace_id=side["$id"])
    assert [c for _, c in counting.log] == [
        "workspaces", "workspace_members", "organization_members"]
    assert all(scope.allows(p) for p in WorkspacePermission)
    assert counting.total == 3


def test_load_context_for_a_workspace_is_at_most_three_queries(
    world: World, counting: CountingStore
) -> None:
    context = load_context(counting, world.user("ws_viewer"),
                           workspace_id=world.workspace["$id"])
    assert context.workspace is not None
    assert context.workspace.role is WorkspaceMemberRole.WS_VIEWER
    assert counting.total == 2, counting.log  # org keys are not asked about a workspace
    counting.reset()
    load_context(counting, world.user("ws_editor"), workspace_id=world.workspace["$id"],
                 org_id=world.org["$id"])
    # naming the org loads department and direct org keys (none here: 2 more reads)
    assert counting.total == 4, counting.log


def test_org_page_costs_two_queries_for_members(world: World, counting: CountingStore) -> None:
    scope = load_scope(counting, world.user("org_member"), org_id=world.org["$id"])
    assert counting.total == 2, counting.log
    assert scope.organization is not None and scope.organization["name"] == "Acme"
    assert scope.org_member is not None and scope.org_member["role"] == "MEMBER"


def test_outsider_sees_nothing(world: World, counting: CountingStore) -> None:
    outsider = world.user("outsider")
    scope = load_scope(counting, outsider, workspace_id=world.workspace["$id"])
    assert counting.total == 3
    assert scope.decide(WorkspacePermission.VIEW_ALL).refusal_status == 404
    assert counting.total == 3  # no org membership: nothing lazy to load
    project = load_scope(counting, outsider, project_id=world.project["$id"])
    assert project.decide(ProjectPermission.VIEW_PROJECT).refusal_status == 404
    org = load_scope(counting, outsider, org_id=world.org["$id"])
    assert org.context.org is None
    assert org.decide(OrgPermission.MEMBERS_VIEW).refusal_status == 404


@pytest.mark.parametrize("actor, role", [
    ("p_owner", ProjectRole.PROJECT_OWNER), ("p_admin", ProjectRole.PROJECT_ADMIN),
    ("p_member", ProjectRole.MEMBER), ("p_viewer", ProjectRole.VIEWER),
])
def test_project_member_costs_three_queries(
    world: World, counting: CountingStore, actor: str, role: ProjectRole
) -> None:
    scope = load_scope(counting, world.user(actor), project_id=world.project["$id"],
                       defer_workspace=True)
    assert [c for _, c in counting.log] == [
        "projects", "workspace_members", "project_members"]
    assert scope.context.project is not None and scope.context.project.role is role
    assert scope.allows(ProjectPermission.VIEW_PROJECT)
    assert scope.allows(ProjectPermission.VIEW_TASKS)
    assert counting.total == 3  # the role's own keys need no further read
    workspace = scope.load_workspace()  # the page's document, after the decision
    assert workspace is not None and workspace["$id"] == world.workspace["$id"]
    assert counting.total == 4 and scope.allows(ProjectPermission.VIEW_TASKS)


@pytest.mark.parametrize("actor", ["org_owner", "org_admin", "org_moderator", "ws_admin"])
def test_overrides_skip_the_project_membership(
    world: World, counting: CountingStore, actor: str
) -> None:
    scope = load_scope(counting, world.user(actor), project_id=world.project["$id"],
                       defer_workspace=True)
    assert counting.total <= 3, counting.log
    assert all(scope.allows(p) for p in ProjectPermission)
    assert scope.project_member is None


def test_workspace_member_outside_the_project_gets_404(world: World, store: Any) -> None:
    scope = load_scope(store, world.user("ws_editor"), project_id=world.project["$id"])
    assert scope.decide(ProjectPermission.VIEW_PROJECT).refusal_status == 404


def _grants_from(store: Any, project_id: str, source: str) -> None:
    """After direct writes: "copies" recomputes the membership rows' grant copies (as
    every service write does); "rows" drops them, so the loader reads the source rows."""
    if source == "copies":
        sync_project_grants(store, project_id)
    else:
        store.update_where("project_members", [Query.equal("project_id", project_id)],
                           {"role_keys": None, "team_keys": None, "user_keys": None})


@pytest.mark.parametrize("source", ["copies", "rows"])
def test_viewer_refused_a_write_gets_403_after_checking_grants(
    world: World, counting: CountingStore, store: Any, source: str
) -> None:
    _grants_from(store, world.project["$id"], source)
    scope = load_scope(counting, world.user("p_viewer"), project_id=world.project["$id"])
    counting.reset()
    assert scope.decide(ProjectPermission.CREATE_TASKS).refusal_status == 403
    lazy = counting.total
    if source == "copies":
        assert lazy == 0, counting.log  # the membership row carried them
    else:
        assert 1 <= lazy <= 4, counting.log
    assert scope.decide(ProjectPermission.DELETE_TASKS).refusal_status == 403
    assert counting.total == lazy  # grants are read once per scope


@pytest.mark.parametrize("source", ["copies", "rows"])
def test_role_document_keys_widen_the_role(world: World, store: Any, source: str) -> None:
    role = world.project_roles["VIEWER"]
    store.update("project_roles", role["$id"], {
        "permissions": [*role["permissions"], ProjectPermission.CREATE_DOCS.value],
    })
    _grants_from(store, world.project["$id"], source)
    scope = load_scope(store, world.user("p_viewer"), project_id=world.project["$id"])
    assert scope.allows(ProjectPermission.CREATE_DOCS)
    assert not scope.allows(ProjectPermission.CREATE_TASKS)
    context = load_context(store, world.user("p_viewer"), project_id=world.project["$id"])
    assert context.project is not None
    assert ProjectPermission.CREATE_DOCS in context.project.role_permissions


@pytest.mark.parametrize("source", ["copies", "rows"])
def test_team_and_direct_grants_widen_the_member(world: World, store: Any,
                                                 source: str) -> None:
    project_id = world.project["$id"]
    viewer = world.user("p_viewer")
    team = store.create("project_teams", {
        "project_id": project_id, "workspace_id": world.workspace["$id"], "name": "QA",
        "permissions": [ProjectPermission.CREATE_SPRINTS.value],
    })
    store.create("project_team_members", {"team_id": team["$id"], "project_id": project_id,
                                           "user_id": viewer["$id"]})
    store.create("project_permissions", {"project_id": project_id,
                                          "workspace_id": world.workspace["$id"],
                                          "permission": "project.docs.edit",
                                          "team_id": team["$id"]})
    store.create("project_permissions", {"project_id": project_id,
                                          "workspace_id": world.workspace["$id"],
                                          "permission": "project.tasks.create",
                                          "user_id": viewer["$id"]})
    store.create("project_permissions", {"project_id": project_id,
                                          "workspace_id": world.workspace["$id"],
                                          "permission": "project.delete",
                                          "user_id": world.user("p_member")["$id"]})
    store.create("project_permissions", {"project_id": project_id,
                                          "workspace_id": world.workspace["$id"],
                                          "permission": "not.a.key",
                                          "user_id": viewer["$id"]})
    _grants_from(store, project_id, source)
    scope = load_scope(store, viewer, project_id=project_id)
    assert scope.allows(ProjectPermission.CREATE_SPRINTS)  # team keys
    assert scope.allows(ProjectPermission.EDIT_DOCS)  # team grant row
    assert scope.allows(ProjectPermission.CREATE_TASKS)  # direct grant
    assert not scope.allows(ProjectPermission.DELETE_PROJECT)  # someone else's grant
    assert scope.decide(ProjectPermission.CREATE_TASKS).reason.value == "grant"


def test_removed_project_member_and_inactive_workspace_member(world: World,
                                                              store: Any) -> None:
    member = store.first("project_members", [])
    assert member is not None
    viewer = world.user("p_viewer")
    row = next(m for m in store.list("project_members").documents
               if m["user_id"] == viewer["$id"])
    store.update("project_members", row["$id"], {"status": "REMOVED"})
    scope = load_scope(store, viewer, project_id=world.project["$id"])
    assert scope.decide(ProjectPermission.VIEW_PROJECT).refusal_status == 404
    p_member = world.user("p_member")
    store.update("workspace_members", world.members["p_member"]["$id"], {"status": "INACTIVE"})
    scope = load_scope(store, p_member, project_id=world.project["$id"])
    assert scope.context.workspace is not None
    assert scope.context.workspace.status is WorkspaceMemberStatus.INACTIVE
    assert scope.project_member is None  # not read: an inactive member has no project access
    assert scope.decide(ProjectPermission.VIEW_PROJECT).refusal_status == 404


def test_private_space_hidden_from_workspace_members(world: World, store: Any) -> None:
    private = world.private_space["$id"]
    editor = load_scope(store, world.user("ws_editor"), space_id=private)
    assert editor.context.space_visibility is SpaceVisibility.PRIVATE
    assert editor.decide(SpacePermission.VIEW_SPACE).refusal_status == 404
    public = load_scope(store, world.user("ws_editor"), space_id=world.public_space["$id"])
    assert public.allows(SpacePermission.VIEW_SPACE)
    assert public.decide(SpacePermission.EDIT_SPACE_SETTINGS).refusal_status == 403
    admin = load_scope(store, world.user("ws_admin"), space_id=private)
    assert admin.allows(SpacePermission.DELETE_SPACE)
    assert admin.space_member is None  # the admin override needs no space membership
    store.create("space_members", {"space_id": private, "workspace_id": world.workspace["$id"],
                                   "user_id": world.user("ws_viewer")["$id"], "role": "MEMBER"})
    viewer = load_scope(store, world.user("ws_viewer"), space_id=private)
    assert viewer.context.space is not None and viewer.context.space.role is SpaceRole.MEMBER
    assert viewer.allows(SpacePermission.CREATE_WORK_ITEMS)


def test_space_scope_costs_three(world: World, counting: CountingStore) -> None:
    load_scope(counting, world.user("ws_viewer"), space_id=world.private_space["$id"],
               defer_workspace=True)
    assert [c for _, c in counting.log] == ["spaces", "workspace_members", "space_members"]


def test_rows_without_copies_read_the_source_rows(store: Any) -> None:
    """Rows written before v3 (no copies): right answers, one or two reads more."""
    world = build_world(store)  # no backfill
    counting = CountingStore(store)
    scope = load_scope(counting, world.user("p_member"), project_id=world.project["$id"],
                       defer_workspace=True)
    assert counting.log == [
        ("find", "projects"), ("first", "workspace_members"), ("find", "workspaces"),
        ("update", "projects"),  # the copy, filled in once
        ("first", "organization_members"), ("first", "project_members")]
    assert scope.allows(ProjectPermission.CREATE_TASKS)
    # the project now carries its organization (filled in on the way): the next load of
    # an org owner outside the workspace reads no workspace before deciding
    counting.reset()
    admin = load_scope(counting, world.user("org_admin"), project_id=world.project["$id"],
                       defer_workspace=True)
    assert [c for _, c in counting.log] == [
        "projects", "workspace_members", "organization_members"]
    assert admin.allows(ProjectPermission.DELETE_PROJECT)


def test_a_stale_copy_is_caught_by_the_workspace_cross_check(world: World,
                                                             store: Any) -> None:
    """A copy naming another organization than the workspace's: reload from the rows."""
    row = world.members["p_member"]
    store.update("workspace_members", row["$id"], {"organization_id": world.other_org["$id"],
                                                   "org_role": "OWNER",
                                                   "org_status": "ACTIVE"})
    store.update("projects", world.project["$id"], {"organization_id": None})
    scope = load_scope(store, world.user("p_member"), project_id=world.project["$id"],
                       defer_workspace=True)
    scope.load_workspace()
    assert scope.context.org is not None and scope.context.org.role is OrgRole.MEMBER
    assert not scope.allows(ProjectPermission.DELETE_PROJECT)
    assert scope.allows(ProjectPermission.CREATE_TASKS)


def test_department_and_direct_org_grants(world: World, store: Any) -> None:
    org_id = world.org["$id"]
    member = world.user("org_member")
    scope = load_scope(store, member, org_id=org_id)
    assert scope.decide(OrgPermission.MEMBERS_VIEW).refusal_status == 403
    department = store.create("departments", {
        "organization_id": org_id, "name": "People",
        "permissions": [OrgPermission.MEMBERS_VIEW.value, "org.unknown"],
    })
    org_member = store.first("organization_members", [])
    assert org_member is not None
    row = next(m for m in store.list("organization_members").documents
               if m["user_id"] == member["$id"])
    store.create("org_member_departments", {"organization_id": org_id, "member_id": row["$id"],
                                             "user_id": member["$id"],
                                             "department_id": department["$id"]})
    store.create("org_member_permissions", {"organization_id": org_id, "member_id": row["$id"],
                                             "user_id": member["$id"],
                                             "permissions": [OrgPermission.AUDIT_VIEW.value]})
    sync_member_keys(store, org_id, [row["$id"]])  # as the departments service does
    counting = CountingStore(store)
    scope = load_scope(counting, member, org_id=org_id)
    assert scope.allows(OrgPermission.MEMBERS_VIEW)
    assert scope.allows(OrgPermission.AUDIT_VIEW)
    assert not scope.allows(OrgPermission.MEMBERS_MANAGE)
    assert counting.total == 2, counting.log  # the keys came with the membership row
    # without the copy (a row written before v3) the keys are read lazily
    store.update("organization_members", row["$id"], {"org_keys": None})
    lazy = load_scope(store, member, org_id=org_id)
    assert lazy.allows(OrgPermission.MEMBERS_VIEW) and lazy.allows(OrgPermission.AUDIT_VIEW)
    # org access (a department) lets the member see the workspaces listed: 403, not 404
    other = store.create("workspaces", {
        "name": "Hidden", "owner_id": world.user("org_owner")["$id"],
        "organization_id": org_id, "account_type": "organization",
    })
    listed = load_scope(store, member, workspace_id=other["$id"])
    assert listed.decide(WorkspacePermission.VIEW_ALL).refusal_status == 403
    unlisted = load_scope(store, world.user("org_moderator"), workspace_id=other["$id"])
    assert unlisted.decide(WorkspacePermission.VIEW_ALL).refusal_status == 404


def test_inactive_org_membership_is_visible_but_holds_nothing(world: World,
                                                              store: Any) -> None:
    user = make_user(store, "invitee")
    add_org_member(store, world.org, user, "ADMIN", status="INVITED")
    scope = load_scope(store, user, org_id=world.org["$id"])
    assert scope.decide(OrgPermission.MEMBERS_VIEW).refusal_status == 403
    project = load_scope(store, user, project_id=world.project["$id"])
    assert project.decide(ProjectPermission.VIEW_PROJECT).refusal_status == 404


def test_custom_workspace_role_loads_as_its_stored_floor(world: World, store: Any) -> None:
    user = make_user(store, "custom")
    add_ws_member(store, world.workspace, user, "Release managers")  # legacy free-text role
    scope = load_scope(store, user, workspace_id=world.workspace["$id"])
    assert scope.context.workspace is not None
    assert scope.context.workspace.role is WorkspaceMemberRole.WS_VIEWER
    assert scope.allows(WorkspacePermission.VIEW_ALL)
    assert not scope.allows(WorkspacePermission.CREATE_PROJECTS)


def test_personal_workspace_ignores_the_org(world: World, store: Any) -> None:
    owner = make_user(store, "solo", account_type="PERSONAL")
    personal = store.create("workspaces", {"name": "Mine", "owner_id": owner["$id"],
                                           "account_type": "personal"})
    add_ws_member(store, personal, owner, "OWNER")
    counting = CountingStore(store)
    scope = load_scope(counting, owner, workspace_id=personal["$id"])
    assert counting.total == 2
    assert scope.context.personal_workspace and scope.context.org is None
    assert scope.allows(WorkspacePermission.DELETE_WORKSPACE)
    stranger = load_scope(store, world.user("org_owner"), workspace_id=personal["$id"])
    assert stranger.decide(WorkspacePermission.VIEW_ALL).refusal_status == 404


@pytest.mark.parametrize("ids", [
    {"workspace_id": "nope"},
    {"project_id": "nope"},
    {"space_id": "nope"},
    {"org_id": "nope"},
    {"workspace_id": ""},
])
def test_missing_resources_are_not_visible(world: World, store: Any,
                                           ids: dict[str, str]) -> None:
    with pytest.raises(NotVisible):
        load_scope(store, world.user("org_owner"), **ids)


def test_ids_must_belong_together(world: World, store: Any) -> None:
    owner = world.user("org_owner")
    with pytest.raises(NotVisible):
        load_scope(store, owner, workspace_id=world.other_workspace["$id"],
                   project_id=world.project["$id"])
    with pytest.raises(NotVisible):
        load_scope(store, owner, space_id=world.public_space["$id"],
                   project_id=world.project["$id"])
    with pytest.raises(NotVisible):
        load_scope(store, owner, org_id=world.other_org["$id"],
                   workspace_id=world.workspace["$id"])
    scope = load_scope(store, owner, org_id=world.org["$id"],
                       workspace_id=world.workspace["$id"], space_id=world.private_space["$id"],
                       project_id=world.project["$id"])
    assert scope.project is not None and scope.workspace is not None


def test_deleted_organization_is_not_visible(world: World, store: Any) -> None:
    from datetime import UTC, datetime

    store.update("organizations", world.org["$id"], {"deleted_at": datetime.now(UTC)})
    with pytest.raises(NotVisible):
        load_scope(store, world.user("org_owner"), org_id=world.org["$id"])
