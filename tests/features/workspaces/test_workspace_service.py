"""Creating, listing, configuring and deleting workspaces; adding members from the roster."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.audit.service import list_entries
from webapp.features.workspaces import service
from webapp.features.workspaces.errors import PERSONAL_LIMIT_MESSAGE, FieldErrors, Refused
from webapp.storage.query import Query

from .helpers import acting, make_user


def members_of(store: Any, workspace_id: str) -> list[dict[str, Any]]:
    return list(store.list("workspace_members", [Query.equal("workspace_id", workspace_id)]))


def test_personal_first_workspace_makes_owner_and_invite_code(store, alice):
    ws = service.create_workspace(store, acting(alice), owner_id=alice["$id"], name=" Home ")
    assert ws["name"] == "Home"
    assert ws["account_type"] == "personal" and ws["organization_id"] is None
    assert len(ws["invite_code"]) == 6 and ws["invite_code"].isupper()
    assert service.features_of(ws) == dict.fromkeys(service.FEATURES, True)
    [member] = members_of(store, ws["$id"])
    assert (member["user_id"], member["role"], member["status"]) == (alice["$id"], "OWNER",
                                                                    "ACTIVE")
    assert store.get("users", alice["$id"])["default_workspace_id"] == ws["$id"]
    [entry] = list_entries(store, workspace_id=ws["$id"])
    assert entry["action"] == "workspace_created"
    assert entry["changes"]["name"] == [None, "Home"]
    assert entry["ip_address"] == "127.0.0.1"


def test_personal_account_limited_to_one_workspace(store, alice):
    service.create_workspace(store, acting(alice), owner_id=alice["$id"], name="One")
    with pytest.raises(Refused) as caught:
        service.create_workspace(store, acting(alice), owner_id=alice["$id"], name="Two")
    assert caught.value.code == "PERSONAL_LIMIT" and caught.value.status == 403
    assert caught.value.message == PERSONAL_LIMIT_MESSAGE
    assert store.count("workspaces") == 1


def test_blank_or_long_name_is_refused(store, alice):
    for bad in ("", "   ", "x" * 129):
        with pytest.raises(FieldErrors) as caught:
            service.create_workspace(store, acting(alice), owner_id=alice["$id"], name=bad)
        assert "name" in caught.value.errors
    assert store.count("workspaces") == 0


def test_org_workspaces_are_unlimited_and_creator_is_ws_admin(store, org, owner):
    first = service.create_workspace(store, acting(owner), owner_id=owner["$id"], name="A",
                                     organization_id=org["$id"])
    second = service.create_workspace(store, acting(owner), owner_id=owner["$id"], name="B",
                                      organization_id=org["$id"])
    for ws in (first, second):
        assert ws["invite_code"] is None and ws["account_type"] == "organization"
        assert ws["billing_scope"] == "organization"
        [member] = members_of(store, ws["$id"])
        assert member["role"] == "WS_ADMIN"
        assert member["org_member_id"]


def test_outsider_cannot_create_in_an_org(store, org):
    stranger = make_user(store, "eve@example.com", account_type="ORG")
    with pytest.raises(Refused) as caught:
        service.create_workspace(store, acting(stranger), owner_id=stranger["$id"], name="X",
                                 organization_id=org["$id"])
    assert caught.value.code == "NOT_ORG_MEMBER"


def test_list_user_workspaces(store, org, owner, bob, bob_member, org_ws):
    other = service.create_workspace(store, acting(owner), owner_id=owner["$id"],
                                     name="alpha", organization_id=org["$id"])
    assert [w["$id"] for w in service.list_user_workspaces(store, owner["$id"])] == [
        other["$id"], org_ws["$id"]]
    assert service.list_user_workspaces(store, bob["$id"]) == []
    service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                "WS_VIEWER")
    assert [w["$id"] for w in service.list_user_workspaces(store, bob["$id"])] == [
        org_ws["$id"]]


def test_org_owner_lists_workspaces_without_membership(store, org, owner, bob, bob_member):
    from .helpers import add_org_member

    admin = make_user(store, "adm@example.com")
    add_org_member(store, org, admin, role="ADMIN")
    ws = service.create_workspace(store, acting(admin), owner_id=admin["$id"], name="Ops",
                                  organization_id=org["$id"])
    assert ws["$id"] in [w["$id"] for w in service.list_user_workspaces(store, owner["$id"])]


def test_add_member_from_org(store, owner, bob, bob_member, org_ws):
    member = service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                         "WS_VIEWER")
    assert (member["user_id"], member["role"], member["status"]) == (bob["$id"], "WS_VIEWER",
                                                                    "ACTIVE")
    assert member["email"] == "bob@example.com"
    with pytest.raises(Refused) as caught:
        service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                    "WS_EDITOR")
    assert caught.value.code == "ALREADY_MEMBER"
    actions = [e["action"] for e in list_entries(store, workspace_id=org_ws["$id"])]
    assert actions == ["member_added", "workspace_created"]


def test_add_member_from_org_refusals(store, org, owner, alice, bob_member, org_ws):
    personal = service.create_workspace(store, acting(alice), owner_id=alice["$id"], name="P")
    with pytest.raises(Refused) as caught:
        service.add_member_from_org(store, acting(alice), personal["$id"], bob_member["$id"],
                                    "WS_VIEWER")
    assert caught.value.code == "NOT_ORG_WORKSPACE"
    with pytest.raises(FieldErrors):
        service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                    "OWNER")
    other_owner = make_user(store, "other@example.com")
    from .helpers import make_org

    other_org = make_org(store, other_owner, "Other")
    foreign = store.first("organization_members",
                          [Query.equal("organization_id", other_org["$id"])])
    with pytest.raises(Refused) as caught:
        service.add_member_from_org(store, acting(owner), org_ws["$id"], foreign["$id"],
                                    "WS_VIEWER")
    assert caught.value.code == "NOT_ORG_MEMBER"
    store.update("organization_members", bob_member["$id"], {"status": "SUSPENDED"})
    with pytest.raises(Refused):
        service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                    "WS_VIEWER")
    assert len(members_of(store, org_ws["$id"])) == 1


def test_update_settings_records_changes(store, owner, org_ws):
    after = service.update_settings(
        store, acting(owner), org_ws["$id"], name="Eng", ui_mode="SIMPLE",
        features={"spaces": True, "teams": True})
    assert after["name"] == "Eng" and after["ui_mode"] == "SIMPLE"
    assert service.features_of(after)["programs"] is False
    entry = list_entries(store, workspace_id=org_ws["$id"], actions=["workspace_updated"])
    [row] = entry.documents
    assert row["changes"]["name"] == ["Engineering", "Eng"]
    assert row["changes"]["ui_mode"] == ["ADVANCED", "SIMPLE"]
    with pytest.raises(FieldErrors):
        service.update_settings(store, acting(owner), org_ws["$id"], ui_mode="LOUD")


def test_delete_needs_the_exact_name_and_cascades(store, owner, bob_member, org_ws):
    ws_id = org_ws["$id"]
    service.add_member_from_org(store, acting(owner), ws_id, bob_member["$id"], "WS_EDITOR")
    space = store.create("spaces", {"workspace_id": ws_id, "name": "S", "key": "SP"})
    store.create("space_members", {"space_id": space["$id"], "workspace_id": ws_id,
                                   "user_id": owner["$id"], "role": "ADMIN"})
    project = store.create("projects", {"workspace_id": ws_id, "name": "P", "key": "PR"})
    for collection, extra in (
        ("project_roles", {"name": "OWNER"}),
        ("project_members", {"user_id": owner["$id"], "role": "PROJECT_OWNER"}),
        ("project_teams", {"name": "T"}),
        ("project_permissions", {"permission": "project.view", "user_id": owner["$id"]}),
    ):
        store.create(collection, {"project_id": project["$id"], "workspace_id": ws_id, **extra})
    with pytest.raises(FieldErrors):
        service.delete_workspace(store, acting(owner), ws_id, confirm_name="engineering")
    assert store.find("workspaces", ws_id) is not None
    users = service.delete_workspace(store, acting(owner), ws_id, confirm_name="Engineering")
    assert len(users) == 2
    for collection in ("workspaces", "workspace_members", "spaces", "space_members", "projects",
                       "project_roles", "project_members", "project_teams",
                       "project_permissions"):
        assert store.count(collection) == 0, collection
    assert store.get("users", owner["$id"])["default_workspace_id"] is None
    [entry] = list_entries(store, workspace_id=ws_id, actions=["workspace_deleted"])
    assert entry["metadata"]["projects"] == 1
