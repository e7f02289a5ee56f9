"""Organization soft delete, restore within 30 days, and the purge job."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs.context import bound
from jobs.orgs import purge_deleted_organizations
from webapp.features.orgs import deletion, service
from webapp.features.orgs.errors import FieldErrors, Refused
from webapp.storage.query import Query

from .conftest import acting, add_member


def test_delete_needs_an_owner_and_the_exact_name(store, owner, org):
    admin = add_member(store, org, owner, "admin@example.com", "ADMIN")
    with pytest.raises(Refused) as caught:
        deletion.delete_organization(store, acting(store.get("users", admin["user_id"])),
                                     org["$id"], confirm_name="Acme Corp")
    assert caught.value.code == "OWNER_ONLY"
    with pytest.raises(FieldErrors):
        deletion.delete_organization(store, acting(owner), org["$id"], confirm_name="acme corp")
    assert store.get("organizations", org["$id"])["deleted_at"] is None


def test_soft_delete_then_restore(store, owner, org):
    deleted = deletion.delete_organization(store, acting(owner), org["$id"],
                                           confirm_name=" Acme Corp ")
    assert deleted["deleted_at"] and deleted["deleted_by"] == owner["$id"]
    assert deleted["billing_frozen_at"]
    assert deletion.purge_due_at(deleted) == deleted["deleted_at"] + timedelta(days=30)
    assert service.list_user_organizations(store, owner["$id"]) == []
    assert [o["$id"] for o in deletion.deleted_organizations_of(store, owner["$id"])] == [
        org["$id"]]
    with pytest.raises(Refused):
        deletion.delete_organization(store, acting(owner), org["$id"], confirm_name="Acme Corp")
    restored = deletion.restore_organization(store, acting(owner), org["$id"])
    assert restored["deleted_at"] is None
    actions = [e["action"] for e in store.list("audit_logs", [Query.order_asc("$createdAt")])]
    assert actions[-2:] == ["organization_deleted", "organization_restored"]
    with pytest.raises(Refused) as caught:
        deletion.restore_organization(store, acting(owner), org["$id"])
    assert caught.value.code == "NOT_DELETED"


def test_restore_is_refused_after_the_grace_period(store, owner, org):
    deletion.delete_organization(store, acting(owner), org["$id"], confirm_name="Acme Corp")
    later = service.utcnow() + timedelta(days=30, seconds=1)
    with pytest.raises(Refused) as caught:
        deletion.restore_organization(store, acting(owner), org["$id"], now=later)
    assert caught.value.code == "GRACE_OVER"


def test_purge_deletes_only_organizations_past_grace_and_is_idempotent(
        store, service_runtime, owner, org):
    from webapp.features.orgs import departments

    keep = service.create_organization(store, acting(owner), owner_id=owner["$id"],
                                       name="Keep Me")
    bob = add_member(store, org, owner, "bob@example.com")
    dept = departments.create_department(store, acting(owner), org["$id"], name="Eng")
    departments.add_department_member(store, acting(owner), org["$id"], dept["$id"], bob["$id"])
    workspace = store.create("workspaces", {"name": "WS", "owner_id": owner["$id"],
                                            "organization_id": org["$id"],
                                            "account_type": "organization"})
    store.create("workspace_members", {"workspace_id": workspace["$id"],
                                       "user_id": owner["$id"], "role": "OWNER"})
    deletion.delete_organization(store, acting(owner), org["$id"], confirm_name="Acme Corp")
    # within grace: nothing happens
    with bound(service_runtime):
        assert purge_deleted_organizations() == 0
    store.update("organizations", org["$id"],
                 {"deleted_at": service.utcnow() - timedelta(days=31)})
    with bound(service_runtime):
        assert purge_deleted_organizations() == 1
        assert purge_deleted_organizations() == 0
    assert store.find("organizations", org["$id"]) is None
    assert store.find("organizations", keep["$id"]) is not None
    assert store.count("organization_members", [Query.equal("organization_id", org["$id"])]) == 0
    assert store.count("departments") == 0
    assert store.count("org_member_departments") == 0
    assert store.count("workspaces") == 0
    assert store.get("users", bob["user_id"])["primary_organization_id"] is None
    assert store.get("users", owner["$id"])["primary_organization_id"] is None
    assert store.first("audit_logs", [Query.equal("action", "organization_purged")])


def test_the_purge_is_scheduled_daily():
    from jobs.schedule import SCHEDULE

    entry = next(e for e in SCHEDULE if e.id == "keel-orgs-purge")
    assert entry.func is purge_deleted_organizations
    assert entry.cron.endswith("* * *")
