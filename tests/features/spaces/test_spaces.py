"""Spaces: keys, visibility, membership, archive, delete only when empty; pages and guards."""

from __future__ import annotations

import pytest

from webapp.audit.service import list_entries
from webapp.features.spaces import service
from webapp.features.workspaces import service as workspaces
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, login_as, post


@pytest.fixture
def space(store, owner, org_ws):
    return service.create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                name="Engineering", key="eng")


def test_create_space_makes_creator_master(store, owner, org_ws, space):
    assert space["key"] == "ENG" and space["visibility"] == "PUBLIC"
    assert space["template"] == "SOFTWARE" and space["workflow_inheritance"] == "SUGGEST"
    [member] = service.list_space_members(store, space["$id"])
    assert (member["user_id"], member["role"]) == (owner["$id"], "ADMIN")
    [entry] = list_entries(store, workspace_id=org_ws["$id"], actions=["space_created"])
    assert entry["changes"]["key"] == [None, "ENG"]


@pytest.mark.parametrize("key", ["E", "1ENG", "EN-G", "A" * 17, ""])
def test_bad_keys_are_refused(store, owner, org_ws, key):
    with pytest.raises(FieldErrors) as caught:
        service.create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                             name="X", key=key)
    assert "key" in caught.value.errors


def test_duplicate_key_in_workspace(store, owner, org, org_ws, space):
    with pytest.raises(FieldErrors) as caught:
        service.create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                             name="Other", key="ENG")
    assert "key" in caught.value.errors
    other = workspaces.create_workspace(store, acting(owner), owner_id=owner["$id"], name="B",
                                        organization_id=org["$id"])
    service.create_space(store, acting(owner), other["$id"], creator_id=owner["$id"],
                         name="Same key elsewhere", key="ENG")


def test_private_spaces_hidden_from_non_members(store, owner, bob, bob_member, org_ws, space):
    workspaces.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                   "WS_EDITOR")
    secret = service.create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                  name="Secret", key="SEC", visibility="PRIVATE")
    seen = service.list_spaces(store, org_ws["$id"], bob["$id"], sees_private=False)
    assert [s["key"] for s in seen] == ["ENG"]
    service.add_space_member(store, acting(owner), secret["$id"], bob["$id"], "VIEWER")
    seen = service.list_spaces(store, org_ws["$id"], bob["$id"], sees_private=False)
    assert {s["key"] for s in seen} == {"ENG", "SEC"}


def test_members_roles_and_owner_protection(store, owner, bob, bob_member, org_ws, space):
    with pytest.raises(Refused) as caught:
        service.add_space_member(store, acting(owner), space["$id"], bob["$id"], "MEMBER")
    assert caught.value.code == "NOT_WORKSPACE_MEMBER"
    workspaces.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                   "WS_EDITOR")
    service.add_space_member(store, acting(owner), space["$id"], bob["$id"], "MEMBER")
    with pytest.raises(Refused):
        service.add_space_member(store, acting(owner), space["$id"], bob["$id"], "VIEWER")
    with pytest.raises(FieldErrors):
        service.change_space_member_role(store, acting(owner), space["$id"], bob["$id"], "BOSS")
    after = service.change_space_member_role(store, acting(owner), space["$id"], bob["$id"],
                                             "VIEWER")
    assert after["role"] == "VIEWER"
    assert store.get("spaces", space["$id"])["member_count"] == 2
    for call in (service.remove_space_member, ):
        with pytest.raises(Refused) as caught:
            call(store, acting(owner), space["$id"], owner["$id"])
        assert caught.value.code == "SPACE_OWNER"
    service.remove_space_member(store, acting(owner), space["$id"], bob["$id"])
    assert store.get("spaces", space["$id"])["member_count"] == 1


def test_settings_archive_and_workflow_inheritance(store, owner, space):
    after = service.update_space(store, acting(owner), space["$id"], name="Eng",
                                 default_workflow_id="wf1", workflow_inheritance="REQUIRE")
    assert service.workflow_for_new_project(after) == ("wf1", True)
    after = service.update_space(store, acting(owner), space["$id"],
                                 workflow_inheritance="SUGGEST")
    assert service.workflow_for_new_project(after) == ("wf1", False)
    after = service.update_space(store, acting(owner), space["$id"], workflow_inheritance="NONE")
    assert service.workflow_for_new_project(after) == (None, False)
    with pytest.raises(FieldErrors):
        service.update_space(store, acting(owner), space["$id"], workflow_inheritance="MAYBE")
    archived = service.set_archived(store, acting(owner), space["$id"], True)
    assert archived["archived"] is True
    assert service.list_spaces(store, space["workspace_id"], owner["$id"], sees_private=True) == []


def test_delete_only_when_empty(store, owner, org_ws, space):
    project = store.create("projects", {"workspace_id": org_ws["$id"], "space_id": space["$id"],
                                        "name": "P", "key": "PR"})
    with pytest.raises(Refused) as caught:
        service.delete_space(store, acting(owner), space["$id"])
    assert caught.value.code == "SPACE_NOT_EMPTY"
    store.delete("projects", project["$id"])
    service.delete_space(store, acting(owner), space["$id"])
    assert store.find("spaces", space["$id"]) is None
    assert store.count("space_members", [Query.equal("space_id", space["$id"])]) == 0


# -- pages --------------------------------------------------------------------------------
def test_space_pages_for_admin(client, store, owner, org_ws):
    login_as(client, owner)
    ws_id = org_ws["$id"]
    page = client.get(f"/w/{ws_id}/spaces")
    assert page.status_code == 200 and "New space" in page.get_data(as_text=True)
    bad = post(client, f"/w/{ws_id}/spaces", f"/w/{ws_id}/spaces", {"name": "X", "key": "x"})
    assert bad.status_code == 422
    created = post(client, f"/w/{ws_id}/spaces", f"/w/{ws_id}/spaces",
                   {"name": "Design", "key": "des", "visibility": "PRIVATE",
                    "template": "KANBAN_ONLY"})
    assert created.status_code == 303
    space = store.first("spaces", [Query.equal("key", "DES")])
    assert space["visibility"] == "PRIVATE" and space["template"] == "KANBAN_ONLY"
    url = f"/w/{ws_id}/spaces/{space['$id']}"
    assert client.get(url).status_code == 200
    project = store.create("projects", {"workspace_id": ws_id, "space_id": space["$id"],
                                        "name": "P", "key": "PR"})
    refused = post(client, url, f"{url}/delete")
    assert refused.status_code == 409
    store.delete("projects", project["$id"])
    assert post(client, url, f"{url}/delete").status_code == 303
    assert store.find("spaces", space["$id"]) is None


def test_space_pages_for_viewer(client, store, owner, bob, bob_member, org_ws, space):
    workspaces.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                   "WS_VIEWER")
    secret = service.create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                                  name="Secret", key="SEC", visibility="PRIVATE")
    login_as(client, bob)
    ws_id = org_ws["$id"]
    listing = client.get(f"/w/{ws_id}/spaces").get_data(as_text=True)
    assert "Engineering" in listing and "Secret" not in listing and "New space" not in listing
    url = f"/w/{ws_id}/spaces/{space['$id']}"
    page = client.get(url).get_data(as_text=True)
    assert "Save space" not in page and "Delete space" not in page
    assert client.get(f"/w/{ws_id}/spaces/{secret['$id']}").status_code == 404
    for action in ("settings", "archive", "delete", "members"):
        assert post(client, url, f"{url}/{action}", {"name": "Hacked"}).status_code == 403
    assert post(client, url, f"/w/{ws_id}/spaces", {"name": "N", "key": "NEW"}).status_code == 403
    assert store.get("spaces", space["$id"])["name"] == "Engineering"
