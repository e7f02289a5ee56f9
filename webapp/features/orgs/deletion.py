"""Organization soft delete, restore within the grace period, and the purge after it.

Deleting is for OWNERs only and needs the organization's name typed exactly. A deleted
organization is hidden from every guarded page at once (``deleted_at`` set, billing
frozen); an owner can restore it for 30 days. ``purge_deleted_organizations`` (the
scheduled job ``jobs.orgs.purge_deleted_organizations``) then deletes it for good with its
workspaces, members, departments and grants. Audit rows stay: they are the record of what
happened. The purge is idempotent: a second run finds nothing left to delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from webapp.audit import Acting, record
from webapp.authz.mirrors import mark_org_deleted
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .errors import FieldErrors, Refused
from .service import MAX_MEMBERSHIPS, invalidate_users, require_owner, utcnow

GRACE = timedelta(days=30)
PURGE_BATCH = 50


@dataclass(frozen=True)
class PurgeReport:
    organizations: int
    workspaces: int
    members: int


def purge_due_at(org: Document) -> datetime | None:
    """When a deleted organization will be purged (None if it is not deleted)."""
    deleted_at = org.get("deleted_at")
    return deleted_at + GRACE if deleted_at else None


def _member_user_ids(store: DocumentStore, org_id: str) -> list[str]:
    rows = store.list("organization_members", [Query.equal("organization_id", org_id),
                                               Query.limit(5000)])
    return [row["user_id"] for row in rows]


def delete_organization(
    store: DocumentStore, acting: Acting, org_id: str, *, confirm_name: str,
    now: datetime | None = None,
) -> Document:
    """Soft-delete (OWNER only); raises Refused(OWNER_ONLY/DELETED), FieldErrors."""
    org = store.get("organizations", org_id)
    require_owner(store, org_id, acting.user_id)
    if org.get("deleted_at"):
        raise Refused("DELETED")
    if (confirm_name or "").strip() != org["name"]:
        raise FieldErrors({"confirm_name": "Type the organization's name exactly to confirm."})
    now = now or utcnow()
    with store.transaction():
        updated = store.update("organizations", org_id, {
            "deleted_at": now, "deleted_by": acting.user_id, "billing_frozen_at": now,
        })
        mark_org_deleted(store, org_id, now)  # its workspaces close (owners: a notice)
        record(store, acting, "organization_deleted", "organization", org_id,
               resource_name=org["name"], organization_id=org_id,
               changes={"deleted_at": [None, now.isoformat()]},
               metadata={"grace_period_days": GRACE.days,
                         "purge_after": (now + GRACE).isoformat()})
    invalidate_users(_member_user_ids(store, org_id))
    return updated


def restore_organization(
    store: DocumentStore, acting: Acting, org_id: str, *, now: datetime | None = None
) -> Document:
    """Undo a soft delete within the grace period (OWNER only)."""
    org = store.get("organizations", org_id)
    require_owner(store, org_id, acting.user_id)
    deleted_at = org.get("deleted_at")
    if not deleted_at:
        raise Refused("NOT_DELETED")
    if deleted_at + GRACE <= (now or utcnow()):
        raise Refused("GRACE_OVER", status=410)
    with store.transaction():
        updated = store.update("organizations", org_id, {
            "deleted_at": None, "deleted_by": None, "billing_frozen_at": None,
        })
        mark_org_deleted(store, org_id, None)
        record(store, acting, "organization_restored", "organization", org_id,
               resource_name=org["name"], organization_id=org_id,
               changes={"deleted_at": [deleted_at.isoformat(), None]})
    invalidate_users(_member_user_ids(store, org_id))
    return updated


def purge_organization(store: DocumentStore, org: Document) -> tuple[int, int]:
    """Hard-delete one organization and everything it owns; (workspaces, members) deleted."""
    from webapp.features.workspaces.service import delete_workspace

    org_id = org["$id"]
    system = Acting.system()
    user_ids = _member_user_ids(store, org_id)
    workspaces = store.list("workspaces", [Query.equal("organization_id", org_id),
                                           Query.limit(5000)]).documents
    for workspace in workspaces:
        delete_workspace(store, system, workspace["$id"], confirm_name=workspace["name"])
    by_org = [Query.equal("organization_id", org_id)]
    with store.transaction():
        for collection in ("org_member_departments", "org_member_permissions", "departments"):
            store.delete_where(collection, by_org)
        members = store.delete_where("organization_members", by_org)
        store.update_where("users", [Query.equal("primary_organization_id", org_id)],
                           {"primary_organization_id": None})
        store.delete("organizations", org_id)
        record(store, system, "organization_purged", "organization", org_id,
               resource_name=org["name"], organization_id=org_id,
               changes={"name": [org["name"], None]},
               metadata={"workspaces": len(workspaces), "members": members})
    invalidate_users(user_ids)
    return len(workspaces), members


def purge_deleted_organizations(
    store: DocumentStore, *, now: datetime | None = None
) -> PurgeReport:
    """Purge every organization deleted more than 30 days ago."""
    cutoff = (now or utcnow()) - GRACE
    orgs = workspaces = members = 0
    while True:
        due = store.list("organizations", [
            Query.is_not_null("deleted_at"), Query.less_than_equal("deleted_at", cutoff),
            Query.order_asc("deleted_at"), Query.limit(PURGE_BATCH),
        ]).documents
        if not due:
            break
        for org in due:
            ws, ms = purge_organization(store, org)
            orgs, workspaces, members = orgs + 1, workspaces + ws, members + ms
        if len(due) < PURGE_BATCH:
            break
    return PurgeReport(orgs, workspaces, members)


def deleted_organizations_of(store: DocumentStore, user_id: str) -> list[Document]:
    """Soft-deleted organizations the user owns (to offer a restore)."""
    rows = store.list("organization_members", [
        Query.equal("user_id", user_id), Query.equal("role", "OWNER"),
        Query.equal("status", "ACTIVE"), Query.limit(MAX_MEMBERSHIPS),
    ])
    orgs = store.get_many("organizations", [r["organization_id"] for r in rows])
    return sorted((o for o in orgs.values() if o.get("deleted_at")),
                  key=lambda o: o["deleted_at"])
