"""Workspace roles: the built-in WS_* roles and the workspace's custom roles.

A custom role (``custom_roles``) carries a list of workspace permission keys. A member on a
custom role is stored with ``custom_role_id`` and ``role`` = the *floor*: the highest
built-in role whose default keys the custom role fully contains (at least WS_VIEWER). The
policy decides with the floor, so a custom role never grants more than its keys; the
role's name is what the members page shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.roles import WORKSPACE_ROLE_PERMISSIONS, WorkspaceRole
from webapp.authz.vocabulary import WorkspacePermission, parse_permissions
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

BUILTIN_ROLES = ("WS_ADMIN", "WS_EDITOR", "WS_VIEWER")
ROLE_LABELS = {
    "OWNER": "Owner",
    "ADMIN": "Admin",
    "MEMBER": "Member",
    "WS_ADMIN": "Admin",
    "WS_EDITOR": "Editor",
    "WS_VIEWER": "Viewer",
}
ROLE_DESCRIPTIONS = {
    "WS_ADMIN": "Manage members and settings, create and edit projects and spaces",
    "WS_EDITOR": "Create and edit projects and spaces",
    "WS_VIEWER": "View the workspace",
}


def floor_role(permissions: Iterable[str]) -> str:
    """The highest built-in role whose defaults the custom keys contain (min WS_VIEWER)."""
    held = parse_permissions(WorkspacePermission, permissions)
    for role in sorted(WorkspaceRole, reverse=True):
        if WORKSPACE_ROLE_PERMISSIONS[role] <= held:
            return role.stored
    return WorkspaceRole.WS_VIEWER.stored


def list_custom_roles(store: DocumentStore, workspace_id: str) -> list[Document]:
    return list(store.list("custom_roles", [
        Query.equal("workspace_id", workspace_id), Query.order_asc("name"), Query.limit(200),
    ]))


def resolve_role(store: DocumentStore, workspace_id: str, role: str) -> tuple[str, str | None]:
    """(stored role, custom role id) for ``WS_*`` or a custom role's id; FieldErrors else."""
    value = (role or "").strip()
    if value in BUILTIN_ROLES:
        return value, None
    custom = store.find("custom_roles", value) if value else None
    if custom is None or custom.get("workspace_id") != workspace_id:
        raise FieldErrors({"role": "Choose a role."})
    return floor_role(custom.get("permissions") or []), custom["$id"]


def role_label(member: Document, custom_roles: dict[str, Document] | None = None) -> str:
    custom_id = member.get("custom_role_id")
    if custom_id and custom_roles and custom_id in custom_roles:
        return str(custom_roles[custom_id]["name"])
    return ROLE_LABELS.get(member.get("role") or "", str(member.get("role")))


def _clean(name: str, permissions: Iterable[str]) -> tuple[str, list[str]]:
    value = (name or "").strip()
    if not value:
        raise FieldErrors({"name": "Enter a name."})
    if len(value) > 64:
        raise FieldErrors({"name": "Use at most 64 characters."})
    if value.upper() in {*BUILTIN_ROLES, "OWNER", "ADMIN", "MEMBER"}:
        raise FieldErrors({"name": "This name is reserved for a built-in role."})
    keys = sorted(p.value for p in parse_permissions(WorkspacePermission, permissions))
    if not keys:
        raise FieldErrors({"permissions": "Choose at least one permission."})
    return value, keys


def create_custom_role(
    store: DocumentStore, acting: Acting, workspace_id: str, *, name: str,
    permissions: Iterable[str], description: str | None = None, color: str | None = None,
) -> Document:
    value, keys = _clean(name, permissions)
    workspace = store.get("workspaces", workspace_id)
    with store.transaction():
        try:
            role = store.create("custom_roles", {
                "workspace_id": workspace_id, "name": value, "permissions": keys,
                "description": (description or "").strip()[:500] or None, "color": color,
            })
        except Conflict:
            raise FieldErrors({"name": "A role with this name already exists."}) from None
        record(store, acting, "role_created", "custom_role", role["$id"], resource_name=value,
               organization_id=workspace.get("organization_id"), workspace_id=workspace_id,
               changes=diff(None, role, ("name", "permissions")))
    return role


def delete_custom_role(store: DocumentStore, acting: Acting, workspace_id: str,
                       role_id: str) -> None:
    role = store.find("custom_roles", role_id)
    if role is None or role["workspace_id"] != workspace_id:
        raise Refused("NOT_FOUND", "This role does not exist.", status=404)
    in_use = store.count("workspace_members", [
        Query.equal("workspace_id", workspace_id), Query.equal("custom_role_id", role_id),
        Query.equal("status", "ACTIVE"),
    ])
    if in_use:
        raise Refused("ROLE_IN_USE")
    workspace = store.get("workspaces", workspace_id)
    with store.transaction():
        store.delete("custom_roles", role_id)
        record(store, acting, "role_deleted", "custom_role", role_id, resource_name=role["name"],
               organization_id=workspace.get("organization_id"), workspace_id=workspace_id,
               changes={"name": [role["name"], None]})


def role_choices(custom_roles: list[Document]) -> list[tuple[str, str]]:
    """(value, label) options for a role select: built-ins, then custom roles."""
    choices = [(r, ROLE_LABELS[r]) for r in BUILTIN_ROLES]
    choices += [(str(c["$id"]), f"{c['name']} (custom)") for c in custom_roles]
    return choices


def describe(role: Any) -> str:
    return ROLE_DESCRIPTIONS.get(str(role), "")
