"""Projects: create/list, default roles, membership, custom roles, teams and grants."""

from __future__ import annotations

import pytest

from webapp.audit.service import list_entries
from webapp.authz.loader import load_context
from webapp.authz.policy import allows
from webapp.authz.roles import default_project_role_documents
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.projects import access, service
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, login_as, post

ALL = frozenset(p.value for p in PP)


def role_id(store, project, name):
    return store.first("project_roles", [Query.equal("project_id", project["$id"]),
                                         Query.equal("name", name)])["$id"]


def test_create_seeds_roles_and_owner(store, owner, org_ws, project):
    assert project["key"] == "WEB"
    roles = service.list_roles(store, project["$id"])
    assert [r["name"] for r in roles] == ["OWNER", "ADMIN", "MEMBER", "VIEWER"]
    expected = {d["name"]: d["permissions"] for d in default_project_role_documents()}
    assert {r["name"]: r["permissions"] for r in roles} == expected
    [member] = service.list_project_members(store, project["$id"])
    assert member["role"] == "PROJECT_OWNER" and member["role_id"] == roles[0]["$id"]
    again = service.seed_default_roles(store, project)
    assert set(again) == {"OWNER", "ADMIN", "MEMBER", "VIEWER"}
    assert store.count("project_roles", [Query.equal("project_id", project["$id"])]) == 4
    actions = [e["action"] for e in list_entries(store, project_id=project["$id"])]
    assert actions.count("project_created") == 1


def test_key_rules(store, owner, org_ws, project):
    for key in ("W", "1AB", "ABCDEFGHIJK", "A-B"):
        with pytest.raises(FieldErrors):
            service.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                   name="X", key=key)
    with pytest.raises(FieldErrors) as caught:
        service.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                               name="Other", key="WEB")
    assert "key" in caught.value.errors


def test_list_projects_membership(store, owner, editor, org_ws, project):
    assert service.list_projects(store, org_ws["$id"], editor["$id"], sees_all=False) == []
    service.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                               role_id(store, project, "MEMBER"),
                               actor_role=service.ProjectRole.PROJECT_OWNER)
    assert [p["key"] for p in service.list_projects(store, org_ws["$id"], editor["$id"],
                                                    sees_all=False)] == ["WEB"]


def test_member_add_change_remove(store, owner, editor, project):
    owner_role = service.ProjectRole.PROJECT_OWNER
    member = service.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                                        role_id(store, project, "VIEWER"), actor_role=owner_role)
    assert member["role"] == "VIEWER"
    with pytest.raises(Refused):
        service.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                                   role_id(store, project, "VIEWER"), actor_role=owner_role)
    # an ADMIN cannot hand out OWNER
    with pytest.raises(Refused) as caught:
        service.change_project_member_role(store, acting(owner), project["$id"], member["$id"],
                                           role_id(store, project, "OWNER"),
                                           actor_role=service.ProjectRole.PROJECT_ADMIN)
    assert caught.value.code == "ROLE_ESCALATION"
    after = service.change_project_member_role(store, acting(owner), project["$id"],
                                               member["$id"], role_id(store, project, "ADMIN"),
                                               actor_role=owner_role)
    assert after["role"] == "PROJECT_ADMIN"
    service.remove_project_member(store, acting(owner), project["$id"], member["$id"],
                                  actor_role=owner_role)
    assert store.get("project_members", member["$id"])["status"] == "REMOVED"


def test_last_project_owner_is_kept(store, owner, project):
    [me] = service.list_project_members(store, project["$id"])
    with pytest.raises(Refused) as caught:
        service.change_project_member_role(store, acting(owner), project["$id"], me["$id"],
                                           role_id(store, project, "MEMBER"),
                                           actor_role=service.ProjectRole.PROJECT_OWNER)
    assert caught.value.code == "LAST_OWNER"
    with pytest.raises(Refused):
        service.remove_project_member(store, acting(owner), project["$id"], me["$id"],
                                      actor_role=service.ProjectRole.PROJECT_OWNER)


def test_non_workspace_member_cannot_join(store, owner, alice, project):
    with pytest.raises(Refused) as caught:
        service.add_project_member(store, acting(owner), project["$id"], alice["$id"],
                                   role_id(store, project, "MEMBER"),
                                   actor_role=service.ProjectRole.PROJECT_OWNER)
    assert caught.value.code == "NOT_WORKSPACE_MEMBER"


def test_custom_role_matrix_and_defaults(store, owner, editor, project):
    with pytest.raises(Refused) as caught:
        access.create_role(store, acting(owner), project["$id"], name="Reviewer",
                           permissions=["project.tasks.edit"], held=frozenset({"project.view"}))
    assert caught.value.code == "PERMISSION_ESCALATION"
    with pytest.raises(FieldErrors):
        access.create_role(store, acting(owner), project["$id"], name="owner", permissions=[],
                           held=ALL)
    role = access.create_role(store, acting(owner), project["$id"], name="Reviewer",
                              permissions=["project.view", "project.tasks.view", "nonsense"],
                              held=ALL)
    assert role["permissions"] == ["project.tasks.view", "project.view"]
    member = service.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                                        role["$id"], actor_role=service.ProjectRole.PROJECT_OWNER)
    assert member["role"] == "VIEWER" and member["role_id"] == role["$id"]
    access.update_role_permissions(store, acting(owner), project["$id"], role["$id"],
                                   ["project.view", "project.tasks.edit"], held=ALL)
    context = load_context(store, editor, project_id=project["$id"])
    assert allows(context, PP.EDIT_TASKS)
    with pytest.raises(Refused) as caught:
        access.delete_role(store, acting(owner), project["$id"], role["$id"])
    assert caught.value.code == "ROLE_IN_USE"
    viewer_id = role_id(store, project, "VIEWER")
    with pytest.raises(Refused) as caught:
        access.delete_role(store, acting(owner), project["$id"], viewer_id)
    assert caught.value.code == "DEFAULT_ROLE"
    # default keys are fixed: unticking them keeps them
    after = access.update_role_permissions(store, acting(owner), project["$id"], viewer_id,
                                           ["project.tasks.create"], held=ALL)
    assert "project.view" in after["permissions"] and "project.tasks.create" in after[
        "permissions"]


def test_teams_widen_member_permissions(store, owner, editor, project):
    service.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                               role_id(store, project, "VIEWER"),
                               actor_role=service.ProjectRole.PROJECT_OWNER)
    assert not allows(load_context(store, editor, project_id=project["$id"]), PP.CREATE_SPRINTS)
    team = access.create_team(store, acting(owner), project["$id"], name="Backend")
    with pytest.raises(FieldErrors):
        access.create_team(store, acting(owner), project["$id"], name="Backend")
    access.add_team_member(store, acting(owner), project["$id"], team["$id"], editor["$id"],
                           "lead")
    access.set_team_permissions(store, acting(owner), project["$id"], team["$id"],
                                ["project.sprints.create"], held=ALL)
    assert allows(load_context(store, editor, project_id=project["$id"]), PP.CREATE_SPRINTS)
    assert store.get("project_teams", team["$id"])["member_count"] == 1
    access.remove_team_member(store, acting(owner), project["$id"], team["$id"], editor["$id"])
    assert not allows(load_context(store, editor, project_id=project["$id"]), PP.CREATE_SPRINTS)
    access.delete_team(store, acting(owner), project["$id"], team["$id"])
    assert store.count("project_teams") == 0


def test_explicit_grants(store, owner, editor, project):
    service.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                               role_id(store, project, "VIEWER"),
                               actor_role=service.ProjectRole.PROJECT_OWNER)
    row = access.grant(store, acting(owner), project["$id"], editor["$id"],
                       "project.docs.create", held=ALL)
    assert allows(load_context(store, editor, project_id=project["$id"]), PP.CREATE_DOCS)
    with pytest.raises(Refused):
        access.grant(store, acting(owner), project["$id"], editor["$id"], "project.delete",
                     held=frozenset({"project.view"}))
    access.revoke(store, acting(owner), project["$id"], row["$id"])
    assert not allows(load_context(store, editor, project_id=project["$id"]), PP.CREATE_DOCS)
    actions = [e["action"] for e in list_entries(store, project_id=project["$id"])]
    assert "permission_granted" in actions and "permission_revoked" in actions


# -- pages --------------------------------------------------------------------------------
def test_project_pages(client, store, owner, editor, org_ws):
    login_as(client, owner)
    ws_id = org_ws["$id"]
    listing = client.get(f"/w/{ws_id}/projects")
    assert listing.status_code == 200 and "No projects yet" in listing.get_data(as_text=True)
    dup = post(client, f"/w/{ws_id}/projects", f"/w/{ws_id}/projects",
               {"name": "Web", "key": "w"})
    assert dup.status_code == 422
    made = post(client, f"/w/{ws_id}/projects", f"/w/{ws_id}/projects",
                {"name": "Web", "key": "web"})
    assert made.status_code == 303
    project = store.first("projects", [Query.equal("key", "WEB")])
    base = f"/w/{ws_id}/projects/{project['$id']}"
    assert client.get(f"{base}/members").status_code == 200
    roles = client.get(f"{base}/roles").get_data(as_text=True)
    assert "Create role" in roles and "Save permissions" in roles
    added = post(client, f"{base}/members", f"{base}/members",
                 {"user_id": editor["$id"], "role_id": role_id(store, project, "VIEWER")})
    assert added.status_code == 303
    created = post(client, f"{base}/roles", f"{base}/roles",
                   {"name": "QA", "permissions": ["project.view", "project.tasks.view"]})
    assert created.status_code == 303
    team = post(client, f"{base}/members", f"{base}/teams", {"name": "Core"})
    assert team.status_code == 303
    activity = client.get(f"{base}/activity").get_data(as_text=True)
    assert "project role created" in activity and "team created" in activity


def test_project_viewer_sees_no_controls(client, store, owner, editor, org_ws, project):
    service.add_project_member(store, acting(owner), project["$id"], editor["$id"],
                               role_id(store, project, "VIEWER"),
                               actor_role=service.ProjectRole.PROJECT_OWNER)
    login_as(client, editor)
    base = f"/w/{org_ws['$id']}/projects/{project['$id']}"
    html = client.get(f"{base}/members").get_data(as_text=True)
    assert "Add member" not in html and "Create team" not in html and "Grant</button>" not in html
    roles = client.get(f"{base}/roles").get_data(as_text=True)
    assert "Save permissions" not in roles and "Create role" not in roles
    for action in ("members", "roles", "teams", "grants"):
        assert post(client, f"{base}/members", f"{base}/{action}",
                    {"name": "X", "user_id": editor["$id"]}).status_code == 403, action
    other = service.create_project(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                   name="Hidden", key="HID")
    assert client.get(f"/w/{org_ws['$id']}/projects/{other['$id']}/members").status_code == 404


def test_matrix_editor_saves_every_role(client, store, owner, org_ws, project):
    login_as(client, owner)
    base = f"/w/{org_ws['$id']}/projects/{project['$id']}"
    custom = access.create_role(store, acting(owner), project["$id"], name="QA",
                                permissions=["project.view"], held=ALL)
    member_id = role_id(store, project, "MEMBER")
    viewer_id = role_id(store, project, "VIEWER")
    viewer_before = set(store.get("project_roles", viewer_id)["permissions"])
    response = post(client, f"{base}/roles", f"{base}/roles/matrix", {
        f"role-{custom['$id']}": ["project.view", "project.tasks.view"],
        f"role-{member_id}": ["project.sprints.create"],
    })
    assert response.status_code == 303
    assert store.get("project_roles", custom["$id"])["permissions"] == [
        "project.tasks.view", "project.view"]
    member_keys = set(store.get("project_roles", member_id)["permissions"])
    assert "project.sprints.create" in member_keys and "project.tasks.edit" in member_keys
    assert set(store.get("project_roles", viewer_id)["permissions"]) == viewer_before
    rows = list_entries(store, project_id=project["$id"], actions=["project_role_updated"])
    assert len(rows.documents) == 2


def test_membership_rows_carry_their_grants(store, owner, editor, project):
    """Every service write to roles, teams, grants and memberships keeps the membership
    rows' grant copies equal to what the source rows say (webapp.authz.grants)."""
    from webapp.authz.grants import copy_from_row, member_grants

    def agree() -> None:
        rows = store.list("project_members", [Query.equal("project_id", project["$id"])])
        source = member_grants(store, project["$id"], rows)
        for row in rows:
            assert copy_from_row(row) == source[row["user_id"]], row

    pid = project["$id"]
    member = service.add_project_member(store, acting(owner), pid, editor["$id"],
                                        role_id(store, project, "VIEWER"),
                                        actor_role=service.ProjectRole.PROJECT_OWNER)
    agree()
    custom = access.create_role(store, acting(owner), pid, name="QA",
                                permissions=["project.docs.create"], held=ALL)
    service.change_project_member_role(store, acting(owner), pid, member["$id"], custom["$id"],
                                       actor_role=service.ProjectRole.PROJECT_OWNER)
    row = store.get("project_members", member["$id"])
    assert "project.docs.create" in row["role_keys"]
    access.update_role_permissions(store, acting(owner), pid, custom["$id"],
                                   ["project.docs.create", "project.docs.edit"], held=ALL)
    assert "project.docs.edit" in store.get("project_members", member["$id"])["role_keys"]
    team = access.create_team(store, acting(owner), pid, name="Backend")
    access.add_team_member(store, acting(owner), pid, team["$id"], editor["$id"])
    access.set_team_permissions(store, acting(owner), pid, team["$id"],
                                ["project.sprints.create"], held=ALL)
    assert store.get("project_members", member["$id"])["team_keys"] == ["project.sprints.create"]
    grant = access.grant(store, acting(owner), pid, editor["$id"], "project.delete", held=ALL)
    assert store.get("project_members", member["$id"])["user_keys"] == ["project.delete"]
    agree()
    access.revoke(store, acting(owner), pid, grant["$id"])
    access.delete_team(store, acting(owner), pid, team["$id"])
    row = store.get("project_members", member["$id"])
    assert row["user_keys"] == [] and row["team_keys"] == []
    agree()
    context = load_context(store, editor, project_id=pid)
    assert allows(context, PP.EDIT_DOCS) and not allows(context, PP.CREATE_SPRINTS)
