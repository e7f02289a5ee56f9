"""Member roles, removal and bulk operations: the owner invariant and no escalation."""

from __future__ import annotations

import pytest

from webapp.features.orgs import members, service
from webapp.features.orgs.errors import FieldErrors, Refused
from webapp.storage.query import Query

from .conftest import acting, add_member


def _owner_member(store, org, owner):
    return service.get_membership(store, org["$id"], owner["$id"])


def test_change_role_records_before_and_after(store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    updated = members.change_role(store, acting(owner), org["$id"], bob["$id"], "ADMIN")
    assert updated["role"] == "ADMIN"
    entry = store.first("audit_logs", [Query.equal("action", "member_role_changed")])
    assert entry["changes"] == {"role": ["MEMBER", "ADMIN"]}
    assert entry["resource_id"] == bob["$id"]


def test_the_last_owner_cannot_be_demoted_or_removed(store, owner, org):
    me = _owner_member(store, org, owner)
    with pytest.raises(Refused) as caught:
        members.change_role(store, acting(owner), org["$id"], me["$id"], "ADMIN")
    assert caught.value.code == "LAST_OWNER"
    with pytest.raises(Refused) as caught:
        members.remove_member(store, acting(owner), org["$id"], me["$id"])
    assert caught.value.code == "LAST_OWNER"
    assert store.get("organization_members", me["$id"])["role"] == "OWNER"


def test_an_invited_owner_does_not_count_as_the_remaining_owner(store, owner, org):
    add_member(store, org, owner, "pending@example.com", "OWNER", activate=False)
    me = _owner_member(store, org, owner)
    with pytest.raises(Refused) as caught:
        members.change_role(store, acting(owner), org["$id"], me["$id"], "MEMBER")
    assert caught.value.code == "LAST_OWNER"


def test_an_owner_can_step_down_when_another_owner_remains(store, owner, org):
    other = add_member(store, org, owner, "other@example.com", "OWNER")
    me = _owner_member(store, org, owner)
    members.change_role(store, acting(owner), org["$id"], me["$id"], "MEMBER")
    assert store.get("organizations", org["$id"])["owner_id"] == other["user_id"]


def test_admins_cannot_escalate(store, owner, org):
    admin = add_member(store, org, owner, "admin@example.com", "ADMIN")
    bob = add_member(store, org, owner, "bob@example.com")
    admin_user = store.get("users", admin["user_id"])
    with pytest.raises(Refused) as caught:
        members.change_role(store, acting(admin_user), org["$id"], bob["$id"], "OWNER")
    assert caught.value.code == "ROLE_ESCALATION"
    with pytest.raises(Refused):
        members.remove_member(store, acting(admin_user), org["$id"],
                              _owner_member(store, org, owner)["$id"])
    # peers and below are fine
    members.change_role(store, acting(admin_user), org["$id"], bob["$id"], "MODERATOR")
    assert members.role_options(members.OrgRole.ADMIN)[0]["value"] == "ADMIN"


def test_invited_and_outside_actors_are_refused(store, owner, org):
    pending = add_member(store, org, owner, "pending@example.com", "ADMIN", activate=False)
    bob = add_member(store, org, owner, "bob@example.com")
    with pytest.raises(Refused) as caught:
        members.change_role(store, acting(store.get("users", pending["user_id"])),
                            org["$id"], bob["$id"], "MEMBER")
    assert caught.value.status == 403


def test_bad_role_and_unknown_member(store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    with pytest.raises(FieldErrors):
        members.change_role(store, acting(owner), org["$id"], bob["$id"], "EMPEROR")
    with pytest.raises(Refused) as caught:
        members.change_role(store, acting(owner), org["$id"], "nope", "ADMIN")
    assert caught.value.status == 404
    other = service.create_organization(store, acting(owner), owner_id=owner["$id"],
                                        name="Other")
    with pytest.raises(Refused):  # a member id from another organization
        members.change_role(store, acting(owner), other["$id"], bob["$id"], "ADMIN")


def test_remove_member_cleans_up(store, owner, org):
    from webapp.features.orgs import departments

    bob = add_member(store, org, owner, "bob@example.com")
    dept = departments.create_department(store, acting(owner), org["$id"], name="Eng")
    departments.add_department_member(store, acting(owner), org["$id"], dept["$id"], bob["$id"])
    departments.set_member_permissions(store, acting(owner), org["$id"], bob["$id"],
                                       ["org.members.view"])
    workspace = store.create("workspaces", {"name": "WS", "owner_id": owner["$id"],
                                            "organization_id": org["$id"],
                                            "account_type": "organization"})
    seat = store.create("workspace_members", {"workspace_id": workspace["$id"],
                                              "user_id": bob["user_id"], "role": "WS_EDITOR",
                                              "org_member_id": bob["$id"]})
    assert store.get("organizations", org["$id"])["member_count"] == 2
    members.remove_member(store, acting(owner), org["$id"], bob["$id"])
    assert store.find("organization_members", bob["$id"]) is None
    assert store.count("org_member_departments") == 0
    assert store.count("org_member_permissions") == 0
    assert store.get("departments", dept["$id"])["member_count"] == 0
    assert store.get("organizations", org["$id"])["member_count"] == 1
    assert store.get("users", bob["user_id"])["primary_organization_id"] is None
    assert store.get("workspace_members", seat["$id"])["status"] == "DELETED"
    entry = store.first("audit_logs", [Query.equal("action", "member_removed")])
    assert entry["changes"]["role"] == ["MEMBER", None]


def test_bulk_role_change_never_drops_the_last_owner(store, owner, org):
    second = add_member(store, org, owner, "second@example.com", "OWNER")
    bob = add_member(store, org, owner, "bob@example.com")
    me = _owner_member(store, org, owner)
    results = members.bulk_change_role(store, acting(owner), org["$id"],
                                       [second["$id"], me["$id"], bob["$id"]], "ADMIN")
    outcome = {r.member_id: r.ok for r in results}
    assert outcome == {second["$id"]: True, me["$id"]: False, bob["$id"]: True}
    assert "at least one owner" in next(r for r in results if not r.ok).message
    assert service.active_owner_ids(store, org["$id"]) == {me["$id"]}


def test_bulk_remove_reports_per_member(store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com")
    me = _owner_member(store, org, owner)
    results = members.bulk_remove(store, acting(owner), org["$id"], [bob["$id"], me["$id"],
                                                                      "missing"])
    assert (results[0].ok, results[0].message) == (True, "Removed.")
    assert not results[1].ok and not results[2].ok
    with pytest.raises(FieldErrors):
        members.bulk_remove(store, acting(owner), org["$id"], [])


def test_list_and_search_members(store, owner, org):
    add_member(store, org, owner, "bob.builder@example.com")
    add_member(store, org, owner, "carol@other.example")
    everyone = members.list_members(store, org["$id"])
    assert everyone.total == 3
    assert [m["email"] for m in members.list_members(store, org["$id"], search="carol")] == [
        "carol@other.example"]
    assert [m["email"] for m in members.list_members(store, org["$id"], search="bui")] == [
        "bob.builder@example.com"]
    found = members.list_members(store, org["$id"], search="example")
    assert found.total == 3
    assert members.list_members(store, org["$id"], search="zzz").total == 0
