"""Creating organizations and looking up memberships."""

from __future__ import annotations

import pytest

from webapp.features.orgs import service
from webapp.features.orgs.errors import FieldErrors, Refused
from webapp.storage.query import Query

from .conftest import acting, make_user


def test_create_organization_makes_the_creator_an_active_owner(store, owner, org):
    assert org["name"] == "Acme Corp"
    assert org["size"] == "11-50"
    assert org["owner_id"] == owner["$id"]
    assert org["member_count"] == 1
    member = service.get_membership(store, org["$id"], owner["$id"])
    assert member["role"] == "OWNER"
    assert member["status"] == "ACTIVE"
    assert member["email"] == "owner@example.com"
    user = store.get("users", owner["$id"])
    assert user["account_type"] == "ORG"
    assert user["primary_organization_id"] == org["$id"]
    entry = store.first("audit_logs", [Query.equal("action", "organization_created")])
    assert entry["organization_id"] == org["$id"]
    assert entry["actor_id"] == owner["$id"]
    assert entry["changes"]["name"] == [None, "Acme Corp"]


def test_a_second_organization_keeps_the_primary_one(store, owner, org):
    other = service.create_organization(store, acting(owner), owner_id=owner["$id"],
                                        name="Beta Ltd")
    assert store.get("users", owner["$id"])["primary_organization_id"] == org["$id"]
    names = [o["name"] for o in service.list_user_organizations(store, owner["$id"])]
    assert names == ["Acme Corp", "Beta Ltd"]
    assert service.primary_organization(store, store.get("users", owner["$id"]))["$id"] == \
        org["$id"]
    assert other["member_count"] == 1


@pytest.mark.parametrize(
    ("name", "size", "field"),
    [("", None, "name"), ("A", None, "name"), ("x" * 129, None, "name"),
     ("Good name", "huge", "size")],
)
def test_create_organization_rejects_bad_input_and_writes_nothing(store, owner, name, size,
                                                                  field):
    with pytest.raises(FieldErrors) as caught:
        service.create_organization(store, acting(owner), owner_id=owner["$id"], name=name,
                                    size=size)
    assert field in caught.value.errors
    assert store.count("organizations") == 0
    assert store.count("organization_members") == 0
    assert store.get("users", owner["$id"]).get("account_type") is None


def test_membership_lookups(store, owner, org):
    stranger = make_user(store, "stranger@example.com")
    assert service.get_membership(store, org["$id"], stranger["$id"]) is None
    assert service.get_membership(store, "", owner["$id"]) is None
    assert service.list_user_organizations(store, stranger["$id"]) == []
    assert service.primary_organization(store, stranger) is None
    assert service.active_owner_ids(store, org["$id"]) == {
        service.get_membership(store, org["$id"], owner["$id"])["$id"]}


def test_soft_deleted_organizations_are_left_out_by_default(store, owner, org):
    store.update("organizations", org["$id"], {"deleted_at": service.utcnow()})
    assert service.list_user_organizations(store, owner["$id"]) == []
    assert len(service.list_user_organizations(store, owner["$id"], include_deleted=True)) == 1
    assert service.get_organization(store, org["$id"]) is None


def test_update_organization_records_the_changes(store, owner, org):
    updated = service.update_organization(store, acting(owner), org["$id"], name="Acme Inc",
                                          domain="https://Acme.example/")
    assert updated["name"] == "Acme Inc"
    assert updated["domain"] == "acme.example"
    entry = store.first("audit_logs", [Query.equal("action", "organization_updated")])
    assert entry["changes"] == {"name": ["Acme Corp", "Acme Inc"],
                                "domain": [None, "acme.example"]}
    # no change, no audit row
    service.update_organization(store, acting(owner), org["$id"], name="Acme Inc",
                                domain="acme.example")
    assert store.count("audit_logs", [Query.equal("action", "organization_updated")]) == 1


def test_update_organization_rejects_a_bad_domain(store, owner, org):
    with pytest.raises(FieldErrors) as caught:
        service.update_organization(store, acting(owner), org["$id"], name="Acme",
                                    domain="not a domain")
    assert "domain" in caught.value.errors
    assert store.get("organizations", org["$id"])["name"] == "Acme Corp"


def test_require_owner(store, owner, org):
    assert service.require_owner(store, org["$id"], owner["$id"])["role"] == "OWNER"
    stranger = make_user(store, "stranger@example.com")
    with pytest.raises(Refused) as caught:
        service.require_owner(store, org["$id"], stranger["$id"])
    assert caught.value.status == 403
