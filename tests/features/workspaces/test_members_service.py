"""Workspace membership rules: admins kept, owner protected, custom roles, invite codes."""

from __future__ import annotations

import pytest

from webapp.audit.service import list_entries
from webapp.features.workspaces import members, roles, service
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from .helpers import acting, make_user


@pytest.fixture
def bob_row(store, owner, bob_member, org_ws):
    return service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                       "WS_EDITOR")


def test_personal_owner_is_protected(store, alice):
    ws = service.create_workspace(store, acting(alice), owner_id=alice["$id"], name="Home")
    me = service.get_membership(store, ws["$id"], alice["$id"])
    for call in (
        lambda: members.leave_workspace(store, acting(alice), ws["$id"], alice["$id"]),
        lambda: members.remove_member(store, acting(alice), ws["$id"], me["$id"]),
        lambda: members.change_member_role(store, acting(alice), ws["$id"], me["$id"],
                                           "WS_VIEWER"),
    ):
        with pytest.raises(Refused) as caught:
            call()
        assert caught.value.code == "OWNER_PROTECTED"


def test_last_admin_rules(store, owner, bob, bob_row, org_ws):
    me = service.get_membership(store, org_ws["$id"], owner["$id"])
    with pytest.raises(Refused) as caught:
        members.leave_workspace(store, acting(owner), org_ws["$id"], owner["$id"])
    assert caught.value.code == "LAST_OWNER"
    with pytest.raises(Refused):
        members.remove_member(store, acting(owner), org_ws["$id"], me["$id"])
    members.change_member_role(store, acting(owner), org_ws["$id"], bob_row["$id"], "WS_ADMIN")
    members.leave_workspace(store, acting(owner), org_ws["$id"], owner["$id"])
    assert store.get("workspace_members", me["$id"])["status"] == "DELETED"
    assert service.list_user_workspaces(store, bob["$id"])[0]["$id"] == org_ws["$id"]
    actions = [e["action"] for e in list_entries(store, workspace_id=org_ws["$id"])]
    assert actions[:2] == ["member_left", "member_role_changed"]


def test_removed_member_loses_space_membership_and_can_be_readded(
        store, owner, bob, bob_member, bob_row, org_ws):
    space = store.create("spaces", {"workspace_id": org_ws["$id"], "name": "S", "key": "SP"})
    store.create("space_members", {"space_id": space["$id"], "workspace_id": org_ws["$id"],
                                   "user_id": bob["$id"], "role": "MEMBER"})
    members.remove_member(store, acting(owner), org_ws["$id"], bob_row["$id"])
    assert store.count("space_members", [Query.equal("user_id", bob["$id"])]) == 0
    assert service.list_user_workspaces(store, bob["$id"]) == []
    again = service.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                        "WS_VIEWER")
    assert again["$id"] == bob_row["$id"] and again["status"] == "ACTIVE"
    assert again["deleted_at"] is None


def test_custom_roles_store_a_floor(store, owner, bob_row, org_ws):
    with pytest.raises(FieldErrors):
        roles.create_custom_role(store, acting(owner), org_ws["$id"], name="WS_ADMIN",
                                 permissions=["workspace.view"])
    with pytest.raises(FieldErrors):
        roles.create_custom_role(store, acting(owner), org_ws["$id"], name="Nothing",
                                 permissions=["bogus"])
    lead = roles.create_custom_role(
        store, acting(owner), org_ws["$id"], name="Lead",
        permissions=["workspace.view", "workspace.projects.create", "workspace.spaces.create",
                     "workspace.projects.edit", "workspace.spaces.edit"])
    with pytest.raises(FieldErrors):
        roles.create_custom_role(store, acting(owner), org_ws["$id"], name="Lead",
                                 permissions=["workspace.view"])
    member = members.change_member_role(store, acting(owner), org_ws["$id"], bob_row["$id"],
                                        lead["$id"])
    assert (member["role"], member["custom_role_id"]) == ("WS_EDITOR", lead["$id"])
    assert roles.role_label(member, {lead["$id"]: lead}) == "Lead"
    assert roles.floor_role(["workspace.view", "workspace.members.manage"]) == "WS_VIEWER"
    with pytest.raises(Refused) as caught:
        roles.delete_custom_role(store, acting(owner), org_ws["$id"], lead["$id"])
    assert caught.value.code == "ROLE_IN_USE"
    members.change_member_role(store, acting(owner), org_ws["$id"], bob_row["$id"], "WS_VIEWER")
    roles.delete_custom_role(store, acting(owner), org_ws["$id"], lead["$id"])
    assert store.count("custom_roles") == 0


def test_invite_codes(store, alice, org_ws, owner):
    with pytest.raises(Refused) as caught:
        members.reset_invite_code(store, acting(owner), org_ws["$id"])
    assert caught.value.code == "ORG_WORKSPACE" and caught.value.status == 400
    ws = service.create_workspace(store, acting(alice), owner_id=alice["$id"], name="Home")
    friend = make_user(store, "friend@example.com")
    joined = members.join_by_code(store, acting(friend), friend["$id"], f" {ws['invite_code']} ")
    assert joined["$id"] == ws["$id"]
    assert members.join_by_code(store, acting(friend), friend["$id"], ws["invite_code"])
    assert store.count("workspace_members", [Query.equal("workspace_id", ws["$id"])]) == 2
    fresh = members.reset_invite_code(store, acting(alice), ws["$id"])
    assert fresh["invite_code"] != ws["invite_code"] and len(fresh["invite_code"]) == 6
    with pytest.raises(Refused) as caught:
        members.join_by_code(store, acting(friend), friend["$id"], ws["invite_code"])
    assert caught.value.code == "INVALID_CODE"
    assert members.workspace_for_code(store, "") is None


def test_switch_is_audited(store, owner, org, org_ws):
    other = service.create_workspace(store, acting(owner), owner_id=owner["$id"], name="Two",
                                     organization_id=org["$id"])
    service.switch_workspace(store, acting(owner), owner["$id"], other["$id"])
    assert store.get("users", owner["$id"])["default_workspace_id"] == other["$id"]
    [entry] = list_entries(store, workspace_id=other["$id"], actions=["context_switch"])
    assert entry["changes"]["default_workspace_id"] == [org_ws["$id"], other["$id"]]
    service.switch_workspace(store, acting(owner), owner["$id"], other["$id"])
    assert len(list_entries(store, workspace_id=other["$id"], actions=["context_switch"])) == 1
