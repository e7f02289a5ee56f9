"""Departments: nested groups of org members that carry org permission keys, plus the
per-member direct grants (SYSTEM.md sections 3.1 and 4.22).

Non-owners hold org keys through their role (ADMIN: ``ORG_ADMIN_PERMISSIONS``), the
departments they belong to (directly: a sub-department does not inherit its parent's
keys) and their direct grants. Keys are granted only by someone who holds them
(``check_grantable``), both when a department's keys change and when someone joins a
department, so holding ``org.departments.manage`` is not a way to mint other keys;
direct grants are OWNER-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.invariants import check_grantable
from webapp.authz.mirrors import sync_member_keys
from webapp.authz.roles import ORG_ROLE_PERMISSIONS, OrgMemberStatus, OrgRole
from webapp.authz.vocabulary import OrgPermission
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

from .errors import FieldErrors, Refused
from .members import get_member
from .service import MAX_MEMBERSHIPS, invalidate_users, require_owner

MAX_DEPARTMENTS = 500
MAX_DEPTH = 32
COLORS = ("slate", "blue", "green", "amber", "red", "purple", "pink", "teal")
NAME_TAKEN = "A department with this name already exists."


# -- reading -------------------------------------------------------------------------------
def list_departments(store: DocumentStore, org_id: str) -> list[Document]:
    """Every department of the org as a tree walk: parents first, each with ``depth``."""
    rows = store.list("departments", [Query.equal("organization_id", org_id),
                                      Query.order_asc("name"), Query.limit(MAX_DEPARTMENTS)])
    by_parent: dict[str | None, list[Document]] = {}
    ids = {d["$id"] for d in rows}
    for dept in rows:
        parent = dept.get("parent_department_id")
        by_parent.setdefault(parent if parent in ids else None, []).append(dept)
    ordered: list[Document] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for dept in by_parent.get(parent, []):
            if depth > MAX_DEPTH or dept["$id"] in seen:
                continue
            seen.add(dept["$id"])
            ordered.append({**dept, "depth": depth})
            walk(dept["$id"], depth + 1)

    walk(None, 0)
    return ordered


def get_department(store: DocumentStore, org_id: str, department_id: str) -> Document:
    dept = store.find("departments", department_id) if department_id else None
    if dept is None or dept.get("organization_id") != org_id:
        raise Refused("NOT_FOUND", "This department does not exist.", status=404)
    return dept


def department_members(store: DocumentStore, org_id: str, department_id: str
                       ) -> list[Document]:
    links = store.list("org_member_departments", [
        Query.equal("department_id", department_id), Query.limit(MAX_MEMBERSHIPS)])
    members = store.get_many("organization_members", [link["member_id"] for link in links])
    return sorted((m for m in members.values() if m.get("organization_id") == org_id),
                  key=lambda m: (m.get("name") or "").casefold())


def member_permissions(store: DocumentStore, org_id: str, user_id: str | None
                       ) -> frozenset[OrgPermission]:
    """The org keys a user holds: every key for an active OWNER, else the role's implicit
    keys (ADMIN) | departments | direct grants."""
    member = store.first("organization_members", [
        Query.equal("organization_id", org_id), Query.equal("user_id", user_id or "")])
    if member is None or member.get("status") != OrgMemberStatus.ACTIVE.value:
        return frozenset()
    if member.get("role") == OrgRole.OWNER.stored:
        return frozenset(OrgPermission)
    role = OrgRole.parse_or_none(member.get("role")) or OrgRole.MEMBER
    keys: set[str] = {k.value for k in ORG_ROLE_PERMISSIONS[role]}
    links = store.list("org_member_departments", [
        Query.equal("member_id", member["$id"]), Query.limit(MAX_DEPARTMENTS)])
    for dept in store.get_many("departments", [link["department_id"] for link in links]).values():
        keys.update(dept.get("permissions") or [])
    for row in store.list("org_member_permissions", [Query.equal("member_id", member["$id"])]):
        keys.update(row.get("permissions") or [])
    return frozenset(OrgPermission(k) for k in keys if k in OrgPermission._value2member_map_)


def direct_grants(store: DocumentStore, member_id: str) -> list[str]:
    row = store.first("org_member_permissions", [Query.equal("member_id", member_id)])
    return sorted(row.get("permissions") or []) if row else []


# -- validation ----------------------------------------------------------------------------
def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = " ".join((values.get("name") or "").split())
    if not name:
        errors["name"] = "Enter a name."
    elif len(name) > 128:
        errors["name"] = "Use at most 128 characters."
    description = (values.get("description") or "").strip()
    if len(description) > 1000:
        errors["description"] = "Use at most 1000 characters."
    color = values.get("color") or None
    if color is not None and color not in COLORS:
        errors["color"] = "Choose one of the listed colours."
    if errors:
        raise FieldErrors(errors)
    return {"name": name, "description": description or None, "color": color}


def parse_keys(keys: Iterable[str]) -> list[str]:
    chosen = sorted(set(keys))
    unknown = [k for k in chosen if k not in OrgPermission._value2member_map_]
    if unknown:
        raise FieldErrors({"permissions": f"Unknown permission: {', '.join(unknown)}."})
    return chosen


def _check_parent(store: DocumentStore, org_id: str, department_id: str | None,
                  parent_id: str | None) -> str | None:
    """The parent id if valid: same org, and not the department or one of its descendants."""
    if not parent_id:
        return None
    cursor: str | None = parent_id
    for _ in range(MAX_DEPTH + 1):
        if cursor is None:
            return parent_id
        if department_id and cursor == department_id:
            raise FieldErrors({"parent_department_id": Refused.MESSAGES["CYCLE"]})
        dept = store.find("departments", cursor)
        if dept is None or dept.get("organization_id") != org_id:
            raise FieldErrors({"parent_department_id": "Choose a department of this "
                                                       "organization."})
        cursor = dept.get("parent_department_id")
    raise FieldErrors({"parent_department_id": "Departments can be nested at most "
                                               f"{MAX_DEPTH} levels deep."})


def _check_grantable(store: DocumentStore, org_id: str, acting: Acting,
                     before: Iterable[str], after: Iterable[str]) -> None:
    held = {k.value for k in member_permissions(store, org_id, acting.user_id)}
    if check_grantable(held, set(after) - set(before)):
        raise Refused("PERMISSION_ESCALATION", status=403)


def _check_joinable(store: DocumentStore, org_id: str, acting: Acting, dept: Document) -> None:
    """Joining a department hands over its keys: only someone holding them may add people."""
    held = member_permissions(store, org_id, acting.user_id)
    keys = [OrgPermission(k) for k in dept.get("permissions") or []
            if k in OrgPermission._value2member_map_]
    missing = sorted(k.label for k in keys if k not in held)
    if missing:
        raise Refused("PERMISSION_ESCALATION", (
            f"“{dept['name']}” grants {', '.join(missing)}, which you do not hold yourself. "
            "Only someone who holds every key of a department can add people to it; "
            "ask an owner."), status=403)


# -- writing -------------------------------------------------------------------------------
def create_department(store: DocumentStore, acting: Acting, org_id: str,
                      **values: Any) -> Document:
    """Create a department (name, description, color, parent_department_id, permissions)."""
    clean = _clean(values)
    clean["parent_department_id"] = _check_parent(store, org_id, None,
                                                  values.get("parent_department_id"))
    keys = parse_keys(values.get("permissions") or [])
    _check_grantable(store, org_id, acting, [], keys)
    try:
        with store.transaction():
            dept = store.create("departments", {**clean, "organization_id": org_id,
                                                "permissions": keys})
            record(store, acting, "department_created", "department", dept["$id"],
                   resource_name=dept["name"], organization_id=org_id,
                   changes=diff(None, dept, ("name", "parent_department_id", "permissions")))
    except Conflict:
        raise FieldErrors({"name": NAME_TAKEN}) from None
    return dept


def update_department(store: DocumentStore, acting: Acting, org_id: str, department_id: str,
                      **values: Any) -> Document:
    dept = get_department(store, org_id, department_id)
    clean = _clean(values)
    clean["parent_department_id"] = _check_parent(store, org_id, department_id,
                                                  values.get("parent_department_id"))
    changes = diff(dept, clean, clean.keys())
    if not changes:
        return dept
    try:
        with store.transaction():
            updated = store.update("departments", department_id, clean)
            record(store, acting, "department_updated", "department", department_id,
                   resource_name=updated["name"], organization_id=org_id, changes=changes)
    except Conflict:
        raise FieldErrors({"name": NAME_TAKEN}) from None
    return updated


def delete_department(store: DocumentStore, acting: Acting, org_id: str,
                      department_id: str) -> None:
    """Delete a department; its sub-departments move up to its parent."""
    dept = get_department(store, org_id, department_id)
    links = store.list("org_member_departments", [Query.equal("department_id", department_id),
                                                  Query.limit(MAX_MEMBERSHIPS)])
    with store.transaction():
        store.update_where("departments", [Query.equal("parent_department_id", department_id)],
                           {"parent_department_id": dept.get("parent_department_id")})
        store.delete_where("org_member_departments", [Query.equal("department_id",
                                                                  department_id)])
        store.delete("departments", department_id)
        sync_member_keys(store, org_id, [link["member_id"] for link in links])
        record(store, acting, "department_deleted", "department", department_id,
               resource_name=dept["name"], organization_id=org_id,
               changes={"name": [dept["name"], None]},
               metadata={"members": len(links), "permissions": dept.get("permissions") or []})
    invalidate_users(link["user_id"] for link in links)


def set_department_permissions(store: DocumentStore, acting: Acting, org_id: str,
                               department_id: str, keys: Iterable[str]) -> Document:
    dept = get_department(store, org_id, department_id)
    chosen = parse_keys(keys)
    before = sorted(dept.get("permissions") or [])
    if chosen == before:
        return dept
    _check_grantable(store, org_id, acting, before, chosen)
    links = store.list("org_member_departments", [Query.equal("department_id", department_id),
                                                  Query.limit(MAX_MEMBERSHIPS)])
    with store.transaction():
        updated = store.update("departments", department_id, {"permissions": chosen})
        sync_member_keys(store, org_id, [link["member_id"] for link in links])
        record(store, acting, "department_permissions_changed", "department", department_id,
               resource_name=dept["name"], organization_id=org_id,
               changes={"permissions": [before, chosen]})
    invalidate_users(link["user_id"] for link in links)
    return updated


def add_department_member(store: DocumentStore, acting: Acting, org_id: str,
                          department_id: str, member_id: str) -> Document:
    dept = get_department(store, org_id, department_id)
    member = get_member(store, org_id, member_id)
    _check_joinable(store, org_id, acting, dept)
    try:
        with store.transaction():
            link = store.create("org_member_departments", {
                "organization_id": org_id, "member_id": member_id,
                "user_id": member["user_id"], "department_id": department_id})
            store.increment("departments", department_id, "member_count", 1)
            sync_member_keys(store, org_id, [member_id])
            record(store, acting, "department_member_added", "department", department_id,
                   resource_name=dept["name"], organization_id=org_id,
                   metadata={"member_id": member_id, "member": member.get("name")})
    except Conflict:
        raise FieldErrors({"member_id": "Already in this department."}) from None
    invalidate_users([member["user_id"]])
    return link


def remove_department_member(store: DocumentStore, acting: Acting, org_id: str,
                             department_id: str, member_id: str) -> None:
    dept = get_department(store, org_id, department_id)
    member = get_member(store, org_id, member_id)
    with store.transaction():
        removed = store.delete_where("org_member_departments", [
            Query.equal("department_id", department_id), Query.equal("member_id", member_id)])
        if not removed:
            return
        store.increment("departments", department_id, "member_count", -1)
        sync_member_keys(store, org_id, [member_id])
        record(store, acting, "department_member_removed", "department", department_id,
               resource_name=dept["name"], organization_id=org_id,
               metadata={"member_id": member_id, "member": member.get("name")})
    invalidate_users([member["user_id"]])


def set_member_permissions(store: DocumentStore, acting: Acting, org_id: str, member_id: str,
                           keys: Iterable[str]) -> list[str]:
    """Replace a member's direct grants (OWNER only)."""
    require_owner(store, org_id, acting.user_id)
    member = get_member(store, org_id, member_id)
    chosen = parse_keys(keys)
    row = store.first("org_member_permissions", [Query.equal("member_id", member_id)])
    before = sorted(row.get("permissions") or []) if row else []
    if chosen == before:
        return chosen
    with store.transaction():
        if row is None:
            store.create("org_member_permissions", {
                "organization_id": org_id, "member_id": member_id,
                "user_id": member["user_id"], "permissions": chosen,
                "granted_by": acting.user_id})
        else:
            store.update("org_member_permissions", row["$id"],
                         {"permissions": chosen, "granted_by": acting.user_id})
        sync_member_keys(store, org_id, [member_id])
        record(store, acting, "member_permissions_changed", "organization_member", member_id,
               resource_name=member.get("name"), organization_id=org_id,
               changes={"permissions": [before, chosen]})
    invalidate_users([member["user_id"]])
    return chosen
