"""Project roles (custom roles and the permission matrix), teams and explicit grants.

* Keys are only granted by someone who holds them (``check_grantable``): ``held`` is the
  actor's effective project keys.
* The four default roles cannot be deleted, and their default keys are fixed: the matrix
  editor may add keys to them, never remove a default (grants only widen).
* A custom role still assigned to members cannot be deleted.
* Teams carry a permission set that unions into every member's project keys, whatever their
  team role (lead/member). Team members must be active project members.
* Explicit per-user grants (``project_permissions`` with ``user_id``) add one key each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.grants import sync_project_grants
from webapp.authz.invariants import check_grantable
from webapp.authz.roles import PROJECT_ROLE_PERMISSIONS, ProjectRole
from webapp.authz.vocabulary import ProjectPermission, parse_permissions
from webapp.features.projects.service import ACTIVE, scope_of
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

TEAM_ROLES = ("lead", "member")


def keys(values: Iterable[str]) -> list[str]:
    return sorted(p.value for p in parse_permissions(ProjectPermission, values))


def default_keys(role_doc: Document) -> frozenset[str]:
    """The fixed keys of a default role document (empty for a custom role)."""
    if not role_doc.get("is_default"):
        return frozenset()
    role = ProjectRole.parse(role_doc["name"])
    return frozenset(p.value for p in PROJECT_ROLE_PERMISSIONS[role])


def _grantable(held: Set[str], requested: Iterable[str]) -> None:
    if check_grantable(held, requested):
        raise Refused("PERMISSION_ESCALATION", status=403)


def _name(value: str | None, limit: int = 64) -> str:
    name = (value or "").strip()
    if not name:
        raise FieldErrors({"name": "Enter a name."})
    if len(name) > limit:
        raise FieldErrors({"name": f"Use at most {limit} characters."})
    return name


def _owned(store: DocumentStore, collection: str, project_id: str, doc_id: str) -> Document:
    doc = store.find(collection, doc_id)
    if doc is None or doc["project_id"] != project_id:
        raise Refused("NOT_FOUND", "This does not exist.", status=404)
    return doc


# -- roles --------------------------------------------------------------------------------
def create_role(store: DocumentStore, acting: Acting, project_id: str, *, name: str,
                permissions: Iterable[str], held: Set[str],
                description: str | None = None) -> Document:
    project = store.get("projects", project_id)
    clean = _name(name)
    if clean.upper() in {r.document_name for r in ProjectRole}:
        raise FieldErrors({"name": "This name is reserved for a default role."})
    wanted = keys(permissions)
    _grantable(held, wanted)
    with store.transaction():
        try:
            role = store.create("project_roles", {
                "project_id": project_id, "workspace_id": project["workspace_id"],
                "name": clean, "description": (description or "").strip()[:500] or None,
                "permissions": wanted, "is_default": False, "created_by": acting.user_id,
            })
        except Conflict:
            raise FieldErrors({"name": "A role with this name already exists."}) from None
        record(store, acting, "project_role_created", "project_role", role["$id"],
               resource_name=clean, changes=diff(None, role, ("name", "permissions")),
               **scope_of(store, project))
    return role


def update_role_permissions(store: DocumentStore, acting: Acting, project_id: str,
                            role_id: str, permissions: Iterable[str], *,
                            held: Set[str]) -> Document:
    project = store.get("projects", project_id)
    role = _owned(store, "project_roles", project_id, role_id)
    fixed = default_keys(role)
    wanted = sorted(set(keys(permissions)) | fixed)
    added = set(wanted) - set(role.get("permissions") or [])
    _grantable(held, added)
    with store.transaction():
        after = store.update("project_roles", role_id, {"permissions": wanted})
        sync_project_grants(store, project_id)
        changes = diff(role, after, ("permissions",))
        if changes:
            record(store, acting, "project_role_updated", "project_role", role_id,
                   resource_name=role["name"], changes=changes, **scope_of(store, project))
    return after


def update_matrix(store: DocumentStore, acting: Acting, project_id: str,
                  wanted: Mapping[str, Iterable[str]], *, held: Set[str]) -> list[Document]:
    """Save the permission matrix: ``wanted`` maps role id -> its ticked keys. Every role of
    the project is rewritten in one transaction; roles whose keys did not change are left
    alone (no audit row)."""
    changed = []
    with store.transaction():
        for role in store.list("project_roles", [Query.equal("project_id", project_id),
                                                 Query.limit(500)]):
            ticked = set(keys(wanted.get(role["$id"], ()))) | default_keys(role)
            if ticked != set(role.get("permissions") or []):
                changed.append(update_role_permissions(store, acting, project_id, role["$id"],
                                                       ticked, held=held))
    return changed


def delete_role(store: DocumentStore, acting: Acting, project_id: str, role_id: str) -> None:
    project = store.get("projects", project_id)
    role = _owned(store, "project_roles", project_id, role_id)
    if role.get("is_default"):
        raise Refused("DEFAULT_ROLE")
    if store.count("project_members", [Query.equal("project_id", project_id),
                                       Query.equal("role_id", role_id),
                                       Query.not_equal("status", "REMOVED")]):
        raise Refused("ROLE_IN_USE")
    with store.transaction():
        store.delete("project_roles", role_id)
        record(store, acting, "project_role_deleted", "project_role", role_id,
               resource_name=role["name"], changes={"name": [role["name"], None]},
               **scope_of(store, project))


# -- teams --------------------------------------------------------------------------------
def list_teams(store: DocumentStore, project_id: str) -> list[Document]:
    return list(store.list("project_teams", [Query.equal("project_id", project_id),
                                             Query.order_asc("name"), Query.limit(500)]))


def team_members(store: DocumentStore, project_id: str) -> dict[str, list[Document]]:
    """Team id -> its member rows."""
    out: dict[str, list[Document]] = {}
    for row in store.list("project_team_members", [Query.equal("project_id", project_id),
                                                   Query.limit(5000)]):
        out.setdefault(row["team_id"], []).append(row)
    return out


def create_team(store: DocumentStore, acting: Acting, project_id: str, *, name: str,
                description: str | None = None) -> Document:
    project = store.get("projects", project_id)
    clean = _name(name)
    with store.transaction():
        try:
            team = store.create("project_teams", {
                "project_id": project_id, "workspace_id": project["workspace_id"],
                "name": clean, "description": (description or "").strip()[:500] or None,
                "permissions": [], "member_count": 0, "created_by": acting.user_id,
            })
        except Conflict:
            raise FieldErrors({"name": "A team with this name already exists."}) from None
        record(store, acting, "team_created", "project_team", team["$id"], resource_name=clean,
               changes=diff(None, team, ("name",)), **scope_of(store, project))
    return team


def set_team_permissions(store: DocumentStore, acting: Acting, project_id: str, team_id: str,
                         permissions: Iterable[str], *, held: Set[str]) -> Document:
    project = store.get("projects", project_id)
    team = _owned(store, "project_teams", project_id, team_id)
    wanted = keys(permissions)
    _grantable(held, set(wanted) - set(team.get("permissions") or []))
    with store.transaction():
        after = store.update("project_teams", team_id, {"permissions": wanted})
        sync_project_grants(store, project_id)
        changes = diff(team, after, ("permissions",))
        if changes:
            record(store, acting, "team_permissions_changed", "project_team", team_id,
                   resource_name=team["name"], changes=changes, **scope_of(store, project))
    return after


def add_team_member(store: DocumentStore, acting: Acting, project_id: str, team_id: str,
                    user_id: str, role: str = "member") -> Document:
    project = store.get("projects", project_id)
    team = _owned(store, "project_teams", project_id, team_id)
    if role not in TEAM_ROLES:
        raise FieldErrors({"role": "Choose lead or member."})
    member = store.first("project_members", [Query.equal("project_id", project_id),
                                             Query.equal("user_id", user_id)])
    if member is None or member["status"] != ACTIVE:
        raise Refused("NOT_A_MEMBER", "Only project members can join a team.", status=400)
    existing = store.first("project_team_members", [Query.equal("team_id", team_id),
                                                    Query.equal("user_id", user_id)])
    with store.transaction():
        if existing is not None:
            row = store.update("project_team_members", existing["$id"], {"role": role})
        else:
            row = store.create("project_team_members", {
                "team_id": team_id, "project_id": project_id, "user_id": user_id, "role": role,
            })
            store.increment("project_teams", team_id, "member_count", 1)
        sync_project_grants(store, project_id, [user_id])
        record(store, acting, "team_member_added", "project_team", team_id,
               resource_name=team["name"], changes=diff(existing, row, ("role",)),
               metadata={"user_id": user_id}, **scope_of(store, project))
    return row


def remove_team_member(store: DocumentStore, acting: Acting, project_id: str, team_id: str,
                       user_id: str) -> None:
    project = store.get("projects", project_id)
    team = _owned(store, "project_teams", project_id, team_id)
    row = store.first("project_team_members", [Query.equal("team_id", team_id),
                                               Query.equal("user_id", user_id)])
    if row is None:
        raise Refused("NOT_A_MEMBER", status=404)
    with store.transaction():
        store.delete("project_team_members", row["$id"])
        store.increment("project_teams", team_id, "member_count", -1)
        sync_project_grants(store, project_id, [user_id])
        record(store, acting, "team_member_removed", "project_team", team_id,
               resource_name=team["name"], changes={"role": [row["role"], None]},
               metadata={"user_id": user_id}, **scope_of(store, project))


def delete_team(store: DocumentStore, acting: Acting, project_id: str, team_id: str) -> None:
    project = store.get("projects", project_id)
    team = _owned(store, "project_teams", project_id, team_id)
    with store.transaction():
        store.delete_where("project_team_members", [Query.equal("team_id", team_id)])
        store.delete_where("project_permissions", [Query.equal("team_id", team_id)])
        store.delete("project_teams", team_id)
        sync_project_grants(store, project_id)
        record(store, acting, "team_deleted", "project_team", team_id,
               resource_name=team["name"], changes={"name": [team["name"], None]},
               **scope_of(store, project))


# -- explicit grants ----------------------------------------------------------------------
def list_user_grants(store: DocumentStore, project_id: str) -> list[Document]:
    return [g for g in store.list("project_permissions", [
        Query.equal("project_id", project_id), Query.limit(5000),
    ]) if g.get("user_id")]


def grant(store: DocumentStore, acting: Acting, project_id: str, user_id: str,
          permission: str, *, held: Set[str]) -> Document:
    project = store.get("projects", project_id)
    wanted = keys([permission])
    if not wanted:
        raise FieldErrors({"permission": "Choose a permission."})
    _grantable(held, wanted)
    member = store.first("project_members", [Query.equal("project_id", project_id),
                                             Query.equal("user_id", user_id)])
    if member is None or member["status"] != ACTIVE:
        raise FieldErrors({"user_id": "Choose a project member."})
    existing = store.first("project_permissions", [
        Query.equal("project_id", project_id), Query.equal("user_id", user_id),
        Query.equal("permission", wanted[0]),
    ])
    if existing is not None:
        return existing
    with store.transaction():
        row = store.create("project_permissions", {
            "project_id": project_id, "workspace_id": project["workspace_id"],
            "permission": wanted[0], "user_id": user_id, "granted_by": acting.user_id,
        })
        sync_project_grants(store, project_id, [user_id])
        record(store, acting, "permission_granted", "project_permission", row["$id"],
               resource_name=wanted[0], changes={"permission": [None, wanted[0]]},
               metadata={"user_id": user_id}, **scope_of(store, project))
    return row


def revoke(store: DocumentStore, acting: Acting, project_id: str, grant_id: str) -> None:
    project = store.get("projects", project_id)
    row = _owned(store, "project_permissions", project_id, grant_id)
    with store.transaction():
        store.delete("project_permissions", grant_id)
        sync_project_grants(store, project_id,
                            [str(row["user_id"])] if row.get("user_id") else None)
        record(store, acting, "permission_revoked", "project_permission", grant_id,
               resource_name=row["permission"], changes={"permission": [row["permission"], None]},
               metadata={"user_id": row.get("user_id")}, **scope_of(store, project))


def matrix_rows() -> list[tuple[Any, list[ProjectPermission]]]:
    from webapp.authz.vocabulary import project_permission_matrix

    return [(category, list(perms)) for category, perms in project_permission_matrix()]
