"""Organizations: create, read, settings, and the memberships other areas look up.

Plain functions over a document store; every write records an audit row in the same
transaction. Members, departments, deletion and CSV import live in their own modules
(``members``, ``departments``, ``deletion``, ``imports``); this module holds what other
areas call:

    create_organization(store, acting, owner_id=..., name=...)   -> organization
    get_membership(store, org_id, user_id)                       -> membership | None
    list_user_organizations(store, user_id)                      -> [organization, ...]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.roles import OrgMemberStatus, OrgRole
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

from .errors import FieldErrors, Refused

ORG_SIZES = ("1-10", "11-50", "51-200", "201-500", "500+")
NAME_MIN, NAME_MAX = 2, 128
_DOMAIN = re.compile(r"^(?=.{3,255}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_MEMBERSHIPS = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def invalidate_users(user_ids: Iterable[str | None]) -> None:
    """Tell the lifecycle resolver that these users' state may have changed."""
    from webapp.identity.lifecycle import invalidate_many

    invalidate_many({u for u in user_ids if u})


# -- validation ----------------------------------------------------------------------------
def clean_name(name: str | None, field: str = "name") -> str:
    value = " ".join((name or "").split())
    if len(value) < NAME_MIN:
        raise FieldErrors({field: f"Use at least {NAME_MIN} characters."})
    if len(value) > NAME_MAX:
        raise FieldErrors({field: f"Use at most {NAME_MAX} characters."})
    return value


def clean_size(size: str | None) -> str | None:
    if size in (None, ""):
        return None
    if size not in ORG_SIZES:
        raise FieldErrors({"size": "Choose one of the listed sizes."})
    return size


def clean_domain(domain: str | None) -> str | None:
    value = (domain or "").strip().lower().removeprefix("https://").removeprefix("http://")
    value = value.rstrip("/")
    if not value:
        return None
    if not _DOMAIN.match(value):
        raise FieldErrors({"domain": "Enter a domain such as example.com."})
    return value


# -- creating ------------------------------------------------------------------------------
def create_organization(
    store: DocumentStore,
    acting: Acting,
    *,
    owner_id: str,
    name: str,
    size: str | None = None,
    logo_file_id: str | None = None,
) -> Document:
    """Create an organization with ``owner_id`` as its ACTIVE OWNER.

    The owner's account becomes an ORG account; its primary organization is set when it
    has none. Raises FieldErrors (name, size) and writes nothing on bad input.
    """
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for field, cleaner, value in (("name", clean_name, name), ("size", clean_size, size)):
        try:
            clean[field] = cleaner(value)
        except FieldErrors as exc:
            errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    owner = store.get("users", owner_id)
    now = utcnow()
    with store.transaction():
        org = store.create(
            "organizations",
            {
                "name": clean["name"],
                "size": clean["size"],
                "owner_id": owner_id,
                "created_by": acting.user_id or owner_id,
                "logo_file_id": logo_file_id,
                "member_count": 1,
            },
        )
        member = store.create(
            "organization_members",
            {
                "organization_id": org["$id"],
                "user_id": owner_id,
                "role": OrgRole.OWNER.stored,
                "status": OrgMemberStatus.ACTIVE.value,
                "name": owner.get("name"),
                "email": owner.get("email"),
                "joined_at": now,
                "invited_by": acting.user_id,
            },
        )
        user_changes: dict[str, Any] = {"account_type": "ORG"}
        if not owner.get("primary_organization_id"):
            user_changes["primary_organization_id"] = org["$id"]
        store.update("users", owner_id, user_changes)
        record(store, acting, "organization_created", "organization", org["$id"],
               resource_name=org["name"], organization_id=org["$id"],
               changes=diff(None, org, ("name", "size")),
               metadata={"owner_member_id": member["$id"]})
    invalidate_users([owner_id])
    return org


# -- reading -------------------------------------------------------------------------------
def get_organization(
    store: DocumentStore, org_id: str, *, include_deleted: bool = False
) -> Document | None:
    org = store.find("organizations", org_id) if org_id else None
    if org is None or (org.get("deleted_at") and not include_deleted):
        return None
    return org


def get_membership(store: DocumentStore, org_id: str, user_id: str) -> Document | None:
    """The user's ``organization_members`` row in the org (any status), or None."""
    if not org_id or not user_id:
        return None
    return store.first(
        "organization_members",
        [Query.equal("organization_id", org_id), Query.equal("user_id", user_id)],
    )


def list_user_memberships(store: DocumentStore, user_id: str) -> list[Document]:
    return store.list(
        "organization_members",
        [Query.equal("user_id", user_id), Query.limit(MAX_MEMBERSHIPS)],
    ).documents


def list_user_organizations(
    store: DocumentStore, user_id: str, *, include_deleted: bool = False
) -> list[Document]:
    """Organizations the user belongs to (any membership status), by name.

    Soft-deleted organizations are left out unless ``include_deleted``.
    """
    memberships = list_user_memberships(store, user_id)
    orgs = store.get_many("organizations", [m["organization_id"] for m in memberships])
    found = [o for o in orgs.values() if include_deleted or not o.get("deleted_at")]
    return sorted(found, key=lambda o: (o["name"].casefold(), o["$id"]))


def primary_organization(
    store: DocumentStore, user: Document, *, include_deleted: bool = False
) -> Document | None:
    """The user's primary organization if they still belong to it, else their first one."""
    primary_id = user.get("primary_organization_id")
    if primary_id and get_membership(store, primary_id, user["$id"]) is not None:
        org = get_organization(store, primary_id, include_deleted=include_deleted)
        if org is not None:
            return org
    orgs = list_user_organizations(store, user["$id"], include_deleted=include_deleted)
    return orgs[0] if orgs else None


def active_owner_ids(store: DocumentStore, org_id: str) -> set[str]:
    """Member ids of the org's ACTIVE owners (the ≥1 owner invariant counts these)."""
    rows = store.list(
        "organization_members",
        [
            Query.equal("organization_id", org_id),
            Query.equal("role", OrgRole.OWNER.stored),
            Query.equal("status", OrgMemberStatus.ACTIVE.value),
            Query.limit(MAX_MEMBERSHIPS),
        ],
    )
    return {m["$id"] for m in rows}


def require_owner(store: DocumentStore, org_id: str, user_id: str | None) -> Document:
    """The actor's ACTIVE OWNER membership; raises Refused(OWNER_ONLY, 403) otherwise."""
    member = get_membership(store, org_id, user_id or "")
    if (
        member is None
        or member.get("status") != OrgMemberStatus.ACTIVE.value
        or member.get("role") != OrgRole.OWNER.stored
    ):
        raise Refused("OWNER_ONLY", status=403)
    return member


# -- settings ------------------------------------------------------------------------------
def update_organization(
    store: DocumentStore,
    acting: Acting,
    org_id: str,
    *,
    name: str,
    domain: str | None = None,
    logo_file_id: str | None = None,
    remove_logo: bool = False,
) -> Document:
    """Change the general settings; raises FieldErrors (name, domain)."""
    org = store.get("organizations", org_id)
    if org.get("deleted_at"):
        raise Refused("DELETED")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, cleaner, value in (("name", clean_name, name), ("domain", clean_domain, domain)):
        try:
            values[field] = cleaner(value)
        except FieldErrors as exc:
            errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    if logo_file_id:
        values["logo_file_id"] = logo_file_id
    elif remove_logo:
        values["logo_file_id"] = None
    changes = diff(org, values, values.keys())
    if not changes:
        return org
    with store.transaction():
        updated = store.update("organizations", org_id, values)
        record(store, acting, "organization_updated", "organization", org_id,
               resource_name=updated["name"], organization_id=org_id, changes=changes)
    return updated
