"""Spaces: the optional layer between a workspace and its projects (SYSTEM.md 3.3, 4.2).

* A space's key is unique in its workspace: 2-16 characters, ``^[A-Z][A-Z0-9]{1,15}$``
  (input is upper-cased first).
* The creator becomes the space's owner and a Master (stored ``ADMIN``); the owner cannot
  be removed nor lose the Master role.
* Members must be active members of the workspace; roles ADMIN ("Master"), MEMBER, VIEWER.
* Archiving hides a space from the default list; deleting needs an empty space (no
  projects) and removes its memberships in the same transaction.
* ``default_workflow_id`` + ``workflow_inheritance`` (REQUIRE / SUGGEST / NONE) are stored
  here; ``workflow_for_new_project`` tells project creation what to use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.mirrors import workspace_org_id
from webapp.authz.roles import SpaceRole
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

KEY_RE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
VISIBILITIES = ("PUBLIC", "PRIVATE")
TEMPLATES = ("SOFTWARE", "KANBAN_ONLY", "MARKETING", "OPERATIONS", "CUSTOM")
TEMPLATE_LABELS = {
    "SOFTWARE": "Software", "KANBAN_ONLY": "Kanban only", "MARKETING": "Marketing",
    "OPERATIONS": "Operations", "CUSTOM": "Custom",
}
INHERITANCE = ("REQUIRE", "SUGGEST", "NONE")
INHERITANCE_LABELS = {
    "REQUIRE": "Require: new projects use this workflow and cannot change it",
    "SUGGEST": "Suggest: new projects start with it and may change it",
    "NONE": "None: projects choose their own workflow",
}
ROLES = ("ADMIN", "MEMBER", "VIEWER")
FIELDS = ("name", "key", "description", "visibility", "template", "default_workflow_id",
          "workflow_inheritance", "archived")


def _scope(space: Mapping[str, Any], store: DocumentStore) -> dict[str, Any]:
    workspace = store.get("workspaces", space["workspace_id"])
    return {"organization_id": workspace.get("organization_id"),
            "workspace_id": space["workspace_id"]}


def clean_key(key: str | None) -> str:
    value = (key or "").strip().upper()
    if not KEY_RE.match(value):
        raise FieldErrors({"key": "Use 2 to 16 letters or digits, starting with a letter "
                                  "(for example ENG)."})
    return value


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            errors["name"] = "Enter a name."
        elif len(name) > 128:
            errors["name"] = "Use at most 128 characters."
        out["name"] = name
    if "key" in values:
        try:
            out["key"] = clean_key(values["key"])
        except FieldErrors as exc:
            errors.update(exc.errors)
    if "description" in values:
        text = (values["description"] or "").strip()
        if len(text) > 2000:
            errors["description"] = "Use at most 2000 characters."
        out["description"] = text or None
    for name, allowed in (("visibility", VISIBILITIES), ("template", TEMPLATES),
                          ("workflow_inheritance", INHERITANCE)):
        if name in values:
            if values[name] not in allowed:
                errors[name] = "Choose one of the options."
            out[name] = values[name]
    if "default_workflow_id" in values:
        out["default_workflow_id"] = (values["default_workflow_id"] or "").strip()[:36] or None
    if errors:
        raise FieldErrors(errors)
    return out


def create_space(
    store: DocumentStore, acting: Acting, workspace_id: str, *, creator_id: str, name: str,
    key: str, description: str | None = None, visibility: str = "PUBLIC",
    template: str = "SOFTWARE",
) -> Document:
    values = _clean({"name": name, "key": key, "description": description,
                     "visibility": visibility, "template": template})
    workspace = store.get("workspaces", workspace_id)
    member = store.first("workspace_members", [
        Query.equal("workspace_id", workspace_id), Query.equal("user_id", creator_id),
    ])
    position = store.count("spaces", [Query.equal("workspace_id", workspace_id)])
    with store.transaction():
        try:
            space = store.create("spaces", {
                **values, "workspace_id": workspace_id, "owner_id": creator_id,
                "position": position, "member_count": 1,
                "organization_id": workspace_org_id(workspace),
            })
        except Conflict:
            raise FieldErrors({"key": "Another space in this workspace uses this key."}) from None
        store.create("space_members", {
            "space_id": space["$id"], "workspace_id": workspace_id, "user_id": creator_id,
            "member_id": member["$id"] if member else None, "role": "ADMIN",
            "joined_at": datetime.now(UTC),
        })
        record(store, acting, "space_created", "space", space["$id"], resource_name=space["name"],
               organization_id=workspace.get("organization_id"), workspace_id=workspace_id,
               changes=diff(None, space, ("name", "key", "visibility", "template")))
    return space


def list_spaces(
    store: DocumentStore, workspace_id: str, user_id: str, *, sees_private: bool,
    archived: bool = False,
) -> list[Document]:
    """The workspace's spaces the user may see (private ones need membership or admin)."""
    rows = store.list("spaces", [
        Query.equal("workspace_id", workspace_id), Query.equal("archived", archived),
        Query.order_asc("position"), Query.order_asc("name"), Query.limit(1000),
    ]).documents
    if sees_private:
        return rows
    mine = {m["space_id"] for m in store.list("space_members", [
        Query.equal("workspace_id", workspace_id), Query.equal("user_id", user_id),
        Query.limit(1000),
    ])}
    return [s for s in rows if s["visibility"] == "PUBLIC" or s["$id"] in mine]


def update_space(store: DocumentStore, acting: Acting, space_id: str,
                 **values: Any) -> Document:
    """Change any of name, key, description, visibility, template, default_workflow_id,
    workflow_inheritance."""
    before = store.get("spaces", space_id)
    clean = _clean(values)
    with store.transaction():
        try:
            after = store.update("spaces", space_id, clean)
        except Conflict:
            raise FieldErrors({"key": "Another space in this workspace uses this key."}) from None
        changes = diff(before, after, FIELDS)
        if changes:
            record(store, acting, "space_updated", "space", space_id, resource_name=after["name"],
                   changes=changes, **_scope(after, store))
    return after


def set_archived(store: DocumentStore, acting: Acting, space_id: str, archived: bool) -> Document:
    before = store.get("spaces", space_id)
    with store.transaction():
        after = store.update("spaces", space_id, {"archived": bool(archived)})
        record(store, acting, "space_archived" if archived else "space_restored", "space",
               space_id, resource_name=after["name"], changes=diff(before, after, ("archived",)),
               **_scope(after, store))
    return after


def delete_space(store: DocumentStore, acting: Acting, space_id: str) -> None:
    space = store.get("spaces", space_id)
    if store.count("projects", [Query.equal("space_id", space_id)]):
        raise Refused("SPACE_NOT_EMPTY")
    scope = _scope(space, store)
    with store.transaction():
        store.delete_where("space_members", [Query.equal("space_id", space_id)])
        store.delete("spaces", space_id)
        record(store, acting, "space_deleted", "space", space_id, resource_name=space["name"],
               changes={"name": [space["name"], None], "key": [space["key"], None]}, **scope)


# -- members ------------------------------------------------------------------------------
def list_space_members(store: DocumentStore, space_id: str) -> list[Document]:
    return list(store.list("space_members", [
        Query.equal("space_id", space_id), Query.order_asc("joined_at"), Query.limit(5000),
    ]))


def _role(role: str) -> str:
    if role not in ROLES:
        raise FieldErrors({"role": "Choose Master, Member or Viewer."})
    return role


def add_space_member(store: DocumentStore, acting: Acting, space_id: str, user_id: str,
                     role: str) -> Document:
    role = _role(role)
    space = store.get("spaces", space_id)
    ws_member = store.first("workspace_members", [
        Query.equal("workspace_id", space["workspace_id"]), Query.equal("user_id", user_id),
    ])
    if ws_member is None or ws_member["status"] != "ACTIVE":
        raise Refused("NOT_WORKSPACE_MEMBER", status=400)
    existing = store.first("space_members", [
        Query.equal("space_id", space_id), Query.equal("user_id", user_id),
    ])
    if existing is not None:
        raise Refused("ALREADY_MEMBER")
    with store.transaction():
        member = store.create("space_members", {
            "space_id": space_id, "workspace_id": space["workspace_id"], "user_id": user_id,
            "member_id": ws_member["$id"], "role": role, "joined_at": datetime.now(UTC),
        })
        store.increment("spaces", space_id, "member_count", 1)
        record(store, acting, "space_member_added", "space_member", member["$id"],
               resource_name=ws_member.get("name"), changes=diff(None, member, ("role",)),
               metadata={"user_id": user_id, "space_id": space_id}, **_scope(space, store))
    return member


def _space_member(store: DocumentStore, space: Document, user_id: str) -> Document:
    row = store.first("space_members", [
        Query.equal("space_id", space["$id"]), Query.equal("user_id", user_id),
    ])
    if row is None:
        raise Refused("NOT_A_MEMBER", status=404)
    if user_id == space.get("owner_id"):
        raise Refused("SPACE_OWNER", "The space owner stays a Master and cannot be removed.")
    return row


def change_space_member_role(store: DocumentStore, acting: Acting, space_id: str, user_id: str,
                             role: str) -> Document:
    role = _role(role)
    space = store.get("spaces", space_id)
    row = _space_member(store, space, user_id)
    with store.transaction():
        after = store.update("space_members", row["$id"], {"role": role})
        changes = diff(row, after, ("role",))
        if changes:
            record(store, acting, "space_member_role_changed", "space_member", row["$id"],
                   changes=changes, metadata={"user_id": user_id, "space_id": space_id},
                   **_scope(space, store))
    return after


def remove_space_member(store: DocumentStore, acting: Acting, space_id: str,
                        user_id: str) -> None:
    space = store.get("spaces", space_id)
    row = _space_member(store, space, user_id)
    with store.transaction():
        store.delete("space_members", row["$id"])
        store.increment("spaces", space_id, "member_count", -1)
        record(store, acting, "space_member_removed", "space_member", row["$id"],
               changes={"role": [row["role"], None]},
               metadata={"user_id": user_id, "space_id": space_id}, **_scope(space, store))


def role_label(role: str) -> str:
    return SpaceRole.parse(role).label


def workflow_for_new_project(space: Mapping[str, Any] | None) -> tuple[str | None, bool]:
    """(workflow id, locked) a project created in ``space`` starts with."""
    if not space or not space.get("default_workflow_id"):
        return None, False
    mode = space.get("workflow_inheritance") or "SUGGEST"
    if mode == "NONE":
        return None, False
    return space["default_workflow_id"], mode == "REQUIRE"
