"""Personal → organization conversion (one way; organization → personal does not exist).

In one transaction: the organization is created with the user as its OWNER
(``create_organization``), ``billing_start_at`` records the billing boundary (usage before
it belongs to the user, after it to the organization), every personal workspace the user
owns moves into the organization (``organization_id``, ``billing_scope=organization``,
``account_type=organization``, invite code dropped, the first one becomes the default), the
user's account type becomes ORG, and ``account_converted`` is audited. Converting an
account that is already an organization account changes nothing and returns its
organization (idempotent).
"""

from __future__ import annotations

from datetime import UTC, datetime

from webapp.audit import Acting, record
from webapp.authz.mirrors import forget_workspaces, sync_org_member
from webapp.features.orgs.service import clean_name, clean_size, create_organization
from webapp.identity.lifecycle import invalidate_many, primary_membership
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .errors import FieldErrors, Refused
from .legal import record_org_acceptance


def convert_to_organization(
    store: DocumentStore,
    acting: Acting,
    user_id: str,
    *,
    name: str,
    size: str | None = None,
    confirm: bool,
    accept_legal: bool,
    now: datetime | None = None,
) -> Document:
    """Convert a personal account; returns the organization. Raises FieldErrors/Refused."""
    now = now or datetime.now(UTC)
    user = store.get("users", user_id)
    if user.get("account_type") == "ORG":
        _member, org = primary_membership(store, user)
        if org is not None:
            return org
        raise Refused("NOT_PERSONAL")
    if user.get("account_type") != "PERSONAL":
        raise Refused("NOT_PERSONAL")
    errors: dict[str, str] = {}
    for cleaner, value in ((clean_name, name), (clean_size, size)):
        try:
            cleaner(value)
        except FieldErrors as exc:
            errors.update(exc.errors)
    if not confirm:
        errors["confirm"] = "Confirm that you understand the conversion can't be undone."
    if not accept_legal:
        errors["accept_legal"] = ("Accept the Terms of Service and the Data Processing "
                                  "Agreement on behalf of the organization.")
    if errors:
        raise FieldErrors(errors)
    workspaces = list(store.list("workspaces", [
        Query.equal("owner_id", user_id), Query.is_null("organization_id"),
        Query.order_asc("$createdAt"), Query.limit(1000),
    ]))
    with store.transaction():
        org = create_organization(store, acting, owner_id=user_id, name=name, size=size)
        org = store.update("organizations", org["$id"], {"billing_start_at": now})
        org = record_org_acceptance(store, acting, org, now=now)
        member = store.first("organization_members", [
            Query.equal("organization_id", org["$id"]), Query.equal("user_id", user_id),
        ])
        moved: list[str] = []
        for index, workspace in enumerate(workspaces):
            store.update("workspaces", workspace["$id"], {
                "organization_id": org["$id"],
                "billing_scope": "organization",
                "account_type": "organization",
                "is_default": index == 0,
                "invite_code": None,
                "last_modified_by": user_id,
            })
            if member is not None:
                store.update_where("workspace_members", [
                    Query.equal("workspace_id", workspace["$id"]),
                    Query.equal("user_id", user_id),
                ], {"org_member_id": member["$id"]})
            moved.append(workspace["$id"])
        forget_workspaces(store, moved)  # the access copies describe a personal workspace
        sync_org_member(store, org["$id"], user_id)
        store.update("users", user_id, {
            "account_type": "ORG",
            "primary_organization_id": org["$id"],
            "default_workspace_id": moved[0] if moved else user.get("default_workspace_id"),
        })
        record(store, acting, "account_converted", "organization", org["$id"],
               resource_name=org["name"], organization_id=org["$id"],
               changes={"account_type": ["PERSONAL", "ORG"]},
               metadata={"workspace_ids": moved, "billing_start_at": now.isoformat()})
    affected = {user_id}
    for workspace_id in moved:
        affected.update(str(r["user_id"]) for r in store.list("workspace_members", [
            Query.equal("workspace_id", workspace_id), Query.limit(5000)]))
    invalidate_many(affected)
    return org
