"""The access copies (``webapp.authz.mirrors``) follow every service write that changes
what they copy, so the 3-read loads decide exactly what the source rows would; and a
soft-deleted organization closes its workspaces (only its owner sees them: a notice)."""

from __future__ import annotations

from typing import Any

import pytest
from matrix.world import World, build_world, client_for

from webapp.audit import Acting
from webapp.authz.loader import NotVisible, load_scope
from webapp.authz.mirrors import backfill
from webapp.authz.vocabulary import ProjectPermission, WorkspacePermission
from webapp.features.orgs import deletion, departments, members
from webapp.storage.query import Query


@pytest.fixture
def world(runtime: Any) -> World:
    built = build_world(runtime.store, services=True)
    backfill(runtime.store)
    return built


def _acting(world: World, actor: str = "org_owner") -> Acting:
    return Acting.of(world.user(actor), "127.0.0.1")


def _ws_row(store: Any, world: World, actor: str) -> dict[str, Any]:
    row = store.first("workspace_members", [
        Query.equal("workspace_id", world.workspace["$id"]),
        Query.equal("user_id", world.user(actor)["$id"])])
    assert row is not None
    return row


def test_services_write_the_copies(runtime: Any, world: World) -> None:
    store = runtime.store
    row = _ws_row(store, world, "ws_editor")
    assert (row["organization_id"], row["org_role"], row["org_status"]) == (
        world.org["$id"], "MEMBER", "ACTIVE")
    assert store.get("spaces", world.public_space["$id"])["organization_id"] == world.org["$id"]


def test_a_role_change_reaches_the_copies_and_the_decisions(runtime: Any,
                                                            world: World) -> None:
    store = runtime.store
    member = world.org_members["ws_editor"]
    project_id = world.project["$id"]
    before = load_scope(store, world.user("ws_editor"), project_id=project_id,
                        defer_workspace=True)
    assert before.decide(ProjectPermission.VIEW_PROJECT).refusal_status == 404
    members.change_role(store, _acting(world), world.org["$id"], member["$id"], "MODERATOR")
    assert _ws_row(store, world, "ws_editor")["org_role"] == "MODERATOR"
    after = load_scope(store, world.user("ws_editor"), project_id=project_id,
                       defer_workspace=True)
    assert after.allows(ProjectPermission.DELETE_PROJECT)  # moderators own every project
    members.change_role(store, _acting(world), world.org["$id"], member["$id"], "MEMBER")
    again = load_scope(store, world.user("ws_editor"), project_id=project_id,
                       defer_workspace=True)
    assert again.decide(ProjectPermission.VIEW_PROJECT).refusal_status == 404


def test_removal_from_the_org_clears_the_copy(runtime: Any, world: World) -> None:
    store = runtime.store
    members.remove_member(store, _acting(world), world.org["$id"],
                          world.org_members["ws_viewer"]["$id"])
    row = _ws_row(store, world, "ws_viewer")
    assert row["org_role"] == "NONE" and row["status"] == "DELETED"
    scope = load_scope(store, world.user("ws_viewer"), workspace_id=world.workspace["$id"])
    assert scope.decide(WorkspacePermission.VIEW_ALL).refusal_status == 404


def test_department_keys_are_copied_onto_the_member(runtime: Any, world: World) -> None:
    store = runtime.store
    org_id = world.org["$id"]
    dept = departments.create_department(store, _acting(world), org_id, name="Finance",
                                         permissions=["org.billing.view"])
    moderator = world.org_members["org_moderator"]
    departments.add_department_member(store, _acting(world), org_id, dept["$id"],
                                      moderator["$id"])
    row = store.get("organization_members", moderator["$id"])
    assert row["department_ids"] == [dept["$id"]] and row["org_keys"] == ["org.billing.view"]
    departments.set_department_permissions(store, _acting(world), org_id, dept["$id"],
                                           ["org.billing.view", "org.audit.view"])
    assert store.get("organization_members", moderator["$id"])["org_keys"] == [
        "org.audit.view", "org.billing.view"]
    departments.delete_department(store, _acting(world), org_id, dept["$id"])
    row = store.get("organization_members", moderator["$id"])
    assert row["department_ids"] == [] and row["org_keys"] == []


def test_backfill_is_idempotent(runtime: Any, world: World) -> None:
    assert backfill(runtime.store) == 0


def test_a_deleted_org_closes_its_workspaces(app: Any, runtime: Any, world: World) -> None:
    """The guards' answer (members of another live organization reach them; for members
    whose only organization it is, the lifecycle already routes to onboarding)."""
    store = runtime.store
    app.before_request_funcs[None] = [
        f for f in app.before_request_funcs.get(None, []) if f.__name__ != "lifecycle_guard"
    ]
    org = world.org
    deletion.delete_organization(store, _acting(world), org["$id"], confirm_name=org["name"])
    assert store.get("workspaces", world.workspace["$id"])["org_deleted_at"] is not None
    with pytest.raises(NotVisible):
        load_scope(store, world.user("ws_admin"), workspace_id=world.workspace["$id"])
    scope = load_scope(store, world.user("org_owner"), workspace_id=world.workspace["$id"])
    assert scope.org_closed_at is not None
    paths = [f"/w/{world.workspace['$id']}",
             f"/w/{world.workspace['$id']}/spaces/{world.public_space['$id']}",
             f"/w/{world.workspace['$id']}/projects/{world.project['$id']}/members"]
    for actor in ("ws_admin", "p_owner", "org_admin"):
        client = client_for(app, world.user(actor))
        for path in paths:
            assert client.get(path).status_code == 404, (actor, path)
    owner = client_for(app, world.user("org_owner"))
    for path in paths:
        page = owner.get(path)
        assert page.status_code == 403, path
        html = page.get_data(as_text=True)
        assert "is scheduled for deletion" in html and f"Restore {org['name']}" in html
    deletion.restore_organization(store, _acting(world), org["$id"])
    assert store.get("workspaces", world.workspace["$id"])["org_deleted_at"] is None
    assert client_for(app, world.user("ws_admin")).get(paths[0]).status_code == 200
    assert owner.get(paths[0]).status_code == 200


def test_with_the_lifecycle_an_owner_of_a_deleted_only_org_is_offered_the_restore(
        app: Any, runtime: Any, world: World) -> None:
    org = world.org
    deletion.delete_organization(runtime.store, _acting(world), org["$id"],
                                 confirm_name=org["name"])
    member = client_for(app, world.user("ws_admin"))
    assert member.get(f"/w/{world.workspace['$id']}").headers["Location"].endswith(
        "/onboarding")
    owner = client_for(app, world.user("org_owner"))
    page = owner.get("/onboarding", follow_redirects=True).get_data(as_text=True)
    assert "Acme</strong> is scheduled for deletion" in page
    assert "Restore an organization" in page
    assert "Restore an organization" not in member.get(
        "/onboarding", follow_redirects=True).get_data(as_text=True)
