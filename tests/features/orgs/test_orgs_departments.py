"""Departments: nesting without cycles, members, permission keys, direct grants."""

from __future__ import annotations

import pytest

from webapp.authz.roles import ORG_ADMIN_PERMISSIONS
from webapp.authz.vocabulary import OrgPermission
from webapp.features.orgs import departments
from webapp.features.orgs.errors import FieldErrors, Refused
from webapp.storage.query import Query

from .conftest import acting, add_member


def test_create_nested_departments_and_list_them_as_a_tree(store, owner, org):
    eng = departments.create_department(store, acting(owner), org["$id"], name="Engineering",
                                        permissions=["org.members.view"])
    web = departments.create_department(store, acting(owner), org["$id"], name="Web",
                                        parent_department_id=eng["$id"])
    departments.create_department(store, acting(owner), org["$id"], name="Admin")
    tree = [(d["name"], d["depth"]) for d in departments.list_departments(store, org["$id"])]
    assert tree == [("Admin", 0), ("Engineering", 0), ("Web", 1)]
    assert web["parent_department_id"] == eng["$id"]
    assert store.first("audit_logs", [Query.equal("action", "department_created")])


def test_department_validation(store, owner, org):
    departments.create_department(store, acting(owner), org["$id"], name="Eng")
    with pytest.raises(FieldErrors) as caught:
        departments.create_department(store, acting(owner), org["$id"], name="Eng")
    assert caught.value.errors == {"name": departments.NAME_TAKEN}
    with pytest.raises(FieldErrors) as caught:
        departments.create_department(store, acting(owner), org["$id"], name="",
                                      color="neon", description="x" * 1001)
    assert set(caught.value.errors) == {"name", "color", "description"}
    with pytest.raises(FieldErrors):
        departments.create_department(store, acting(owner), org["$id"], name="X",
                                      permissions=["org.everything"])
    with pytest.raises(FieldErrors):
        departments.create_department(store, acting(owner), org["$id"], name="X",
                                      parent_department_id="missing")


def test_a_department_cannot_move_inside_itself(store, owner, org):
    a = departments.create_department(store, acting(owner), org["$id"], name="A")
    b = departments.create_department(store, acting(owner), org["$id"], name="B",
                                      parent_department_id=a["$id"])
    c = departments.create_department(store, acting(owner), org["$id"], name="C",
                                      parent_department_id=b["$id"])
    for parent in (a["$id"], c["$id"]):
        with pytest.raises(FieldErrors) as caught:
            departments.update_department(store, acting(owner), org["$id"], a["$id"],
                                          name="A", parent_department_id=parent)
        assert "parent_department_id" in caught.value.errors
    assert store.get("departments", a["$id"])["parent_department_id"] is None
    moved = departments.update_department(store, acting(owner), org["$id"], c["$id"],
                                          name="C2", parent_department_id=a["$id"])
    assert moved["parent_department_id"] == a["$id"]


def test_deleting_a_department_moves_its_children_up(store, owner, org):
    a = departments.create_department(store, acting(owner), org["$id"], name="A")
    b = departments.create_department(store, acting(owner), org["$id"], name="B",
                                      parent_department_id=a["$id"])
    c = departments.create_department(store, acting(owner), org["$id"], name="C",
                                      parent_department_id=b["$id"])
    bob = add_member(store, org, owner, "bob@example.com")
    departments.add_department_member(store, acting(owner), org["$id"], b["$id"], bob["$id"])
    departments.delete_department(store, acting(owner), org["$id"], b["$id"])
    assert store.get("departments", c["$id"])["parent_department_id"] == a["$id"]
    assert store.count("org_member_departments") == 0


def test_admins_hold_their_role_keys_and_departments_widen_them(store, owner, org):
    admin = add_member(store, org, owner, "admin@example.com", "ADMIN")
    held = departments.member_permissions(store, org["$id"], admin["user_id"])
    assert held == ORG_ADMIN_PERMISSIONS
    assert OrgPermission.BILLING_MANAGE not in held
    finance = departments.create_department(store, acting(owner), org["$id"], name="Finance",
                                            permissions=["org.billing.view"])
    departments.add_department_member(store, acting(owner), org["$id"], finance["$id"],
                                      admin["$id"])
    assert OrgPermission.BILLING_VIEW in departments.member_permissions(
        store, org["$id"], admin["user_id"])


def test_joining_a_department_needs_its_keys(store, owner, org):
    """An admin manages departments but cannot hand anyone (themselves included) a key
    they do not hold by adding them to a department that carries it."""
    admin = add_member(store, org, owner, "admin@example.com", "ADMIN")
    carol = add_member(store, org, owner, "carol@example.com")
    billing = departments.create_department(store, acting(owner), org["$id"], name="Billing",
                                            permissions=["org.billing.manage"])
    people = departments.create_department(store, acting(owner), org["$id"], name="People",
                                           permissions=["org.members.view"])
    as_admin = acting(store.get("users", admin["user_id"]))
    for who in (admin, carol):
        with pytest.raises(Refused) as refused:
            departments.add_department_member(store, as_admin, org["$id"], billing["$id"],
                                              who["$id"])
        assert refused.value.code == "PERMISSION_ESCALATION"
        assert "Manage Billing" in refused.value.message
    assert store.count("org_member_departments") == 0
    departments.add_department_member(store, as_admin, org["$id"], people["$id"], carol["$id"])
    assert store.count("org_member_departments") == 1


def test_members_get_keys_only_through_departments_and_grants(store, owner, org):
    bob = add_member(store, org, owner, "bob@example.com", "MODERATOR")
    assert departments.member_permissions(store, org["$id"], bob["user_id"]) == frozenset()
    dept = departments.create_department(store, acting(owner), org["$id"], name="People",
                                         permissions=["org.members.view",
                                                      "org.members.manage"])
    departments.add_department_member(store, acting(owner), org["$id"], dept["$id"], bob["$id"])
    with pytest.raises(FieldErrors):
        departments.add_department_member(store, acting(owner), org["$id"], dept["$id"],
                                          bob["$id"])
    assert store.get("departments", dept["$id"])["member_count"] == 1
    assert {k.value for k in departments.member_permissions(store, org["$id"],
                                                             bob["user_id"])} == {
        "org.members.view", "org.members.manage"}
    departments.set_member_permissions(store, acting(owner), org["$id"], bob["$id"],
                                       ["org.audit.view"])
    assert "org.audit.view" in departments.member_permissions(store, org["$id"], bob["user_id"])
    departments.remove_department_member(store, acting(owner), org["$id"], dept["$id"],
                                         bob["$id"])
    assert {k.value for k in departments.member_permissions(store, org["$id"],
                                                             bob["user_id"])} == {
        "org.audit.view"}
    assert [m["$id"] for m in departments.department_members(store, org["$id"],
                                                             dept["$id"])] == []


def test_keys_are_granted_only_by_holders_and_direct_grants_by_owners(store, owner, org):
    manager = add_member(store, org, owner, "manager@example.com", "ADMIN")
    dept = departments.create_department(store, acting(owner), org["$id"], name="Ops",
                                         permissions=["org.departments.manage"])
    departments.add_department_member(store, acting(owner), org["$id"], dept["$id"],
                                      manager["$id"])
    manager_acting = acting(store.get("users", manager["user_id"]))
    with pytest.raises(Refused) as caught:
        departments.set_department_permissions(store, manager_acting, org["$id"], dept["$id"],
                                               ["org.departments.manage", "org.billing.manage"])
    assert caught.value.code == "PERMISSION_ESCALATION"
    # removing keys, or granting held ones, is fine
    departments.create_department(store, manager_acting, org["$id"], name="Sub",
                                  permissions=["org.departments.manage"])
    with pytest.raises(Refused) as caught:
        departments.set_member_permissions(store, manager_acting, org["$id"], manager["$id"],
                                           ["org.audit.view"])
    assert caught.value.code == "OWNER_ONLY"
    entry = store.first("audit_logs", [Query.equal("action", "department_created"),
                                       Query.equal("resource_name", "Sub")])
    assert entry["actor_id"] == manager["user_id"]
