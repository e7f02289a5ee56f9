"""Organization members: listing and search, role changes, removal, bulk operations.

Rules (SYSTEM.md section 3.1): roles OWNER > ADMIN > MODERATOR > MEMBER; an organization
always keeps at least one ACTIVE owner; nobody changes a member who outranks them or
hands out a role above their own (``webapp.authz.invariants``). Route guards check the
permission key (``org.members.manage``); these functions check the role rules, so a
member holding the key through a department still cannot promote anyone above themself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from webapp.audit import Acting, record
from webapp.authz.invariants import check_keeps_an_owner, check_role_assignment
from webapp.authz.mirrors import sync_org_member
from webapp.authz.roles import OrgMemberStatus, OrgRole
from webapp.storage.base import Document, DocumentList, DocumentStore
from webapp.storage.errors import NotFound
from webapp.storage.query import Query

from .errors import FieldErrors, Refused
from .service import MAX_MEMBERSHIPS, active_owner_ids, invalidate_users, utcnow

PAGE_SIZE = 50
MAX_BULK = 200
ROLE_CHOICES = tuple(role.stored for role in sorted(OrgRole, reverse=True))


@dataclass(frozen=True)
class BulkResult:
    member_id: str
    name: str
    ok: bool
    message: str


# -- reading -------------------------------------------------------------------------------
def list_members(
    store: DocumentStore,
    org_id: str,
    *,
    search: str | None = None,
    status: str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> DocumentList:
    """Members by name; ``search`` matches words of the name or the e-mail address."""
    base = [Query.equal("organization_id", org_id)]
    if status:
        base.append(Query.equal("status", status))
    text = (search or "").strip()[:100]
    if not text:
        return store.list(
            "organization_members",
            [*base, Query.order_asc("name"), Query.order_asc("$id"), Query.limit(limit),
             Query.offset(offset)],
        )
    found: dict[str, Document] = {}
    for attribute in ("name", "email"):
        rows = store.list("organization_members",
                          [*base, Query.search(attribute, text), Query.limit(MAX_MEMBERSHIPS)])
        found.update({row["$id"]: row for row in rows})
    ordered = sorted(found.values(), key=lambda m: ((m.get("name") or "").casefold(), m["$id"]))
    return DocumentList(total=len(ordered), documents=ordered[offset:offset + limit])


def get_member(store: DocumentStore, org_id: str, member_id: str) -> Document:
    """The membership ``member_id`` of ``org_id``; Refused(NOT_A_MEMBER, 404) otherwise."""
    member = store.find("organization_members", member_id) if member_id else None
    if member is None or member.get("organization_id") != org_id:
        raise Refused("NOT_A_MEMBER", status=404)
    return member


def actor_role(store: DocumentStore, org_id: str, acting: Acting) -> OrgRole:
    """The acting user's role in the org (ACTIVE memberships only; 403 otherwise)."""
    row = store.first(
        "organization_members",
        [Query.equal("organization_id", org_id), Query.equal("user_id", acting.user_id or "")],
    )
    if row is None or row.get("status") != OrgMemberStatus.ACTIVE.value:
        raise Refused("NOT_A_MEMBER", "You are not an active member of this organization.",
                      status=403)
    return OrgRole.parse(row["role"])


def parse_role(value: str | None, field: str = "role") -> OrgRole:
    role = OrgRole.parse_or_none((value or "").strip() or None)
    if role is None:
        raise FieldErrors({field: "Choose a role: Owner, Admin, Moderator or Member."})
    return role


def _check(actor: OrgRole, member: Document, new: OrgRole | None,
           owners: set[str]) -> None:
    current = OrgRole.parse(member["role"])
    violation = check_role_assignment(actor, current, new)
    if violation:
        raise Refused(violation.value, status=403)
    if current is OrgRole.OWNER and new is not OrgRole.OWNER:
        violation = check_keeps_an_owner(owners, losing={member["$id"]})
        if violation:
            raise Refused(violation.value)


def _refresh_owner_id(store: DocumentStore, org_id: str) -> None:
    """Keep ``organizations.owner_id`` pointing at an owner after an owner leaves."""
    org = store.get("organizations", org_id)
    still = store.first(
        "organization_members",
        [Query.equal("organization_id", org_id), Query.equal("user_id", org["owner_id"]),
         Query.equal("role", OrgRole.OWNER.stored)],
    )
    if still is not None:
        return
    other = store.first(
        "organization_members",
        [Query.equal("organization_id", org_id), Query.equal("role", OrgRole.OWNER.stored),
         Query.equal("status", OrgMemberStatus.ACTIVE.value), Query.order_asc("$createdAt")],
    )
    if other is not None:
        store.update("organizations", org_id, {"owner_id": other["user_id"]})


# -- role changes --------------------------------------------------------------------------
def change_role(
    store: DocumentStore, acting: Acting, org_id: str, member_id: str, role: str
) -> Document:
    """Move a member to ``role``; raises FieldErrors, Refused (LAST_OWNER, ROLE_ESCALATION)."""
    new = parse_role(role)
    member = get_member(store, org_id, member_id)
    actor = actor_role(store, org_id, acting)
    _check(actor, member, new, active_owner_ids(store, org_id))
    if member["role"] == new.stored:
        return member
    with store.transaction():
        updated = store.update("organization_members", member_id, {"role": new.stored})
        sync_org_member(store, org_id, member["user_id"])
        _refresh_owner_id(store, org_id)
        record(store, acting, "member_role_changed", "organization_member", member_id,
               resource_name=member.get("name") or member.get("email"),
               organization_id=org_id, changes={"role": [member["role"], new.stored]},
               metadata={"user_id": member["user_id"]})
    invalidate_users([member["user_id"]])
    return updated


# -- removal -------------------------------------------------------------------------------
def remove_member(store: DocumentStore, acting: Acting, org_id: str, member_id: str) -> None:
    """Remove a member, their department places, direct grants and org workspace seats."""
    member = get_member(store, org_id, member_id)
    actor = actor_role(store, org_id, acting)
    _check(actor, member, None, active_owner_ids(store, org_id))
    _remove(store, acting, org_id, member)


def _remove(store: DocumentStore, acting: Acting, org_id: str, member: Document) -> None:
    member_id, user_id = member["$id"], member["user_id"]
    now = utcnow()
    with store.transaction():
        places = store.list("org_member_departments",
                            [Query.equal("member_id", member_id), Query.limit(MAX_MEMBERSHIPS)])
        for place in places:
            store.delete("org_member_departments", place["$id"])
            with contextlib.suppress(NotFound):
                store.increment("departments", place["department_id"], "member_count", -1)
        store.delete_where("org_member_permissions", [Query.equal("member_id", member_id)])
        workspace_ids = [w["$id"] for w in store.list(
            "workspaces", [Query.equal("organization_id", org_id), Query.limit(5000)])]
        if workspace_ids:
            store.update_where(
                "workspace_members",
                [Query.equal("workspace_id", workspace_ids), Query.equal("user_id", user_id),
                 Query.not_equal("status", "DELETED")],
                {"status": "DELETED", "deleted_at": now, "deleted_by": acting.user_id},
            )
        store.delete("organization_members", member_id)
        sync_org_member(store, org_id, user_id)
        store.increment("organizations", org_id, "member_count", -1)
        _refresh_owner_id(store, org_id)
        user = store.find("users", user_id)
        if user is not None and user.get("primary_organization_id") == org_id:
            other = store.first("organization_members", [Query.equal("user_id", user_id)])
            store.update("users", user_id, {
                "primary_organization_id": other["organization_id"] if other else None})
        record(store, acting, "member_removed", "organization_member", member_id,
               resource_name=member.get("name") or member.get("email"),
               organization_id=org_id,
               changes={"role": [member["role"], None], "status": [member["status"], None]},
               metadata={"user_id": user_id, "email": member.get("email")})
    invalidate_users([user_id])


# -- bulk ----------------------------------------------------------------------------------
def _bulk_targets(store: DocumentStore, org_id: str, member_ids: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(i for i in member_ids if i))
    if not ids:
        raise FieldErrors({"member_ids": "Select at least one member."})
    if len(ids) > MAX_BULK:
        raise FieldErrors({"member_ids": f"Select at most {MAX_BULK} members at a time."})
    return ids


def _label(member: Document | None, member_id: str) -> str:
    if member is None:
        return member_id
    return str(member.get("name") or member.get("email") or member_id)


def bulk_change_role(
    store: DocumentStore, acting: Acting, org_id: str, member_ids: Iterable[str], role: str
) -> list[BulkResult]:
    """Change each member's role in turn; one result per member (never drops the last owner:
    owners are counted again before each change)."""
    new = parse_role(role)
    ids = _bulk_targets(store, org_id, member_ids)
    results = []
    for member_id in ids:
        member: Document | None = None
        try:
            member = get_member(store, org_id, member_id)
            before = member["role"]
            change_role(store, acting, org_id, member_id, new.stored)
        except Refused as exc:
            results.append(BulkResult(member_id, _label(member, member_id), False, exc.message))
            continue
        message = "Unchanged." if before == new.stored else f"Now {new.label}."
        results.append(BulkResult(member_id, _label(member, member_id), True, message))
    return results


def bulk_remove(
    store: DocumentStore, acting: Acting, org_id: str, member_ids: Iterable[str]
) -> list[BulkResult]:
    """Remove each member in turn; one result per member."""
    ids = _bulk_targets(store, org_id, member_ids)
    results = []
    for member_id in ids:
        member: Document | None = None
        try:
            member = get_member(store, org_id, member_id)
            remove_member(store, acting, org_id, member_id)
        except Refused as exc:
            results.append(BulkResult(member_id, _label(member, member_id), False, exc.message))
            continue
        results.append(BulkResult(member_id, _label(member, member_id), True, "Removed."))
    return results


def role_options(actor: OrgRole) -> list[dict[str, Any]]:
    """Roles the actor may hand out (for select boxes)."""
    return [
        {"value": role.stored, "label": role.label, "description": role.description}
        for role in sorted(OrgRole, reverse=True)
        if check_role_assignment(actor, None, role) is None
    ]
