"""Workspace membership: list, change role, remove, leave, invite codes and joining.

* A workspace always keeps at least one active admin (stored OWNER, ADMIN or WS_ADMIN):
  demoting, removing or leaving that would drop the last one is refused (``LAST_OWNER``).
* The stored ``OWNER`` (creator of a personal workspace) cannot be demoted or removed and
  cannot leave (``OWNER_PROTECTED``); deleting the workspace is the way out.
* Removing is a soft delete (``status=DELETED``, ``deleted_at``, ``deleted_by``); the
  person's space memberships in the workspace go too. Adding them again re-activates the row.
* Invite codes exist only for personal workspaces; joiners become WS_EDITOR.
"""

from __future__ import annotations

from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.mirrors import copy_of
from webapp.features.notifications import events
from webapp.features.workspaces.errors import Refused
from webapp.features.workspaces.roles import resolve_role
from webapp.features.workspaces.service import (
    ACTIVE,
    _with_unique_code,
    get_membership,
    invalidate_user,
    now,
)
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

ADMIN_ROLES = ("OWNER", "ADMIN", "WS_ADMIN")
JOINER_ROLE = "WS_EDITOR"


def list_members(store: DocumentStore, workspace_id: str) -> list[Document]:
    rows = store.list("workspace_members", [
        Query.equal("workspace_id", workspace_id), Query.equal("status", ACTIVE),
        Query.limit(5000),
    ])
    return sorted(rows, key=lambda m: (str(m.get("name") or m.get("email") or "").casefold(),
                                       m["$id"]))


def active_admin_ids(store: DocumentStore, workspace_id: str) -> set[str]:
    rows = store.list("workspace_members", [
        Query.equal("workspace_id", workspace_id), Query.equal("status", ACTIVE),
        Query.equal("role", list(ADMIN_ROLES)), Query.limit(5000),
    ])
    return {row["$id"] for row in rows}


def _member(store: DocumentStore, workspace_id: str, member_id: str) -> Document:
    member = store.find("workspace_members", member_id)
    if member is None or member["workspace_id"] != workspace_id or member["status"] != ACTIVE:
        raise Refused("NOT_A_MEMBER", status=404)
    return member


def _keeps_an_admin(store: DocumentStore, workspace_id: str, member: Document) -> None:
    if member["role"] in ADMIN_ROLES and active_admin_ids(store, workspace_id) <= {member["$id"]}:
        raise Refused("LAST_OWNER")


def _scope(store: DocumentStore, workspace_id: str) -> dict[str, Any]:
    workspace = store.get("workspaces", workspace_id)
    return {"organization_id": workspace.get("organization_id"), "workspace_id": workspace_id}


def change_member_role(
    store: DocumentStore, acting: Acting, workspace_id: str, member_id: str, role: str
) -> Document:
    """Give a member a built-in WS_* role or a custom role (by id)."""
    member = _member(store, workspace_id, member_id)
    stored, custom_id = resolve_role(store, workspace_id, role)
    if member["role"] == "OWNER":
        raise Refused("OWNER_PROTECTED")
    if stored not in ADMIN_ROLES:
        _keeps_an_admin(store, workspace_id, member)
    with store.transaction():
        after = store.update("workspace_members", member_id,
                             {"role": stored, "custom_role_id": custom_id})
        changes = diff(member, after, ("role", "custom_role_id"))
        if changes:
            record(store, acting, "member_role_changed", "workspace_member", member_id,
                   resource_name=member.get("name"), changes=changes,
                   metadata={"user_id": member["user_id"]}, **_scope(store, workspace_id))
            events.emit(store, events.WORKSPACE_ROLE_CHANGED, actor_id=acting.user_id,
                        actor_name=acting.name, workspace_id=workspace_id,
                        recipient_ids=[member["user_id"]], changes=changes)
    invalidate_user(member["user_id"])
    return after


def _soft_delete(store: DocumentStore, acting: Acting, member: Document, action: str) -> None:
    workspace_id = member["workspace_id"]
    with store.transaction():
        after = store.update("workspace_members", member["$id"], {
            "status": "DELETED", "deleted_at": now(), "deleted_by": acting.user_id,
        })
        store.delete_where("space_members", [
            Query.equal("workspace_id", workspace_id), Query.equal("user_id", member["user_id"]),
        ])
        record(store, acting, action, "workspace_member", member["$id"],
               resource_name=member.get("name"), changes=diff(member, after, ("status",)),
               metadata={"user_id": member["user_id"], "role": member["role"]},
               **_scope(store, workspace_id))
        if action == "member_removed":
            events.emit(store, events.WORKSPACE_MEMBER_REMOVED, actor_id=acting.user_id,
                        actor_name=acting.name, workspace_id=workspace_id,
                        recipient_ids=[member["user_id"]])
    invalidate_user(member["user_id"])


def remove_member(store: DocumentStore, acting: Acting, workspace_id: str, member_id: str) -> None:
    member = _member(store, workspace_id, member_id)
    if member["role"] == "OWNER":
        raise Refused("OWNER_PROTECTED")
    _keeps_an_admin(store, workspace_id, member)
    _soft_delete(store, acting, member, "member_removed")


def leave_workspace(store: DocumentStore, acting: Acting, workspace_id: str, user_id: str) -> None:
    member = get_membership(store, workspace_id, user_id)
    if member is None or member["status"] != ACTIVE:
        raise Refused("NOT_A_MEMBER", status=404)
    if member["role"] == "OWNER":
        raise Refused("OWNER_PROTECTED", "The workspace owner cannot leave. Delete the "
                      "workspace instead.")
    if member["role"] in ADMIN_ROLES and active_admin_ids(store, workspace_id) <= {member["$id"]}:
        raise Refused("LAST_OWNER", "You are the last admin of this workspace. Make someone "
                      "else an admin before leaving.")
    _soft_delete(store, acting, member, "member_left")


def reset_invite_code(store: DocumentStore, acting: Acting, workspace_id: str) -> Document:
    workspace = store.get("workspaces", workspace_id)
    if workspace.get("organization_id"):
        raise Refused("ORG_WORKSPACE", status=400)
    with store.transaction():
        after = _with_unique_code(
            lambda code: store.update("workspaces", workspace_id, {"invite_code": code})
        )
        record(store, acting, "invite_code_reset", "workspace", workspace_id,
               resource_name=workspace["name"], workspace_id=workspace_id)
    return after


def workspace_for_code(store: DocumentStore, code: str) -> Document | None:
    value = (code or "").strip().upper()
    if not value or len(value) > 16:
        return None
    workspace = store.first("workspaces", [Query.equal("invite_code", value)])
    if workspace is None or workspace.get("organization_id"):
        return None
    return workspace


def join_by_code(store: DocumentStore, acting: Acting, user_id: str, code: str) -> Document:
    """Join the personal workspace whose invite code is ``code``; returns the workspace."""
    workspace = workspace_for_code(store, code)
    if workspace is None:
        raise Refused("INVALID_CODE", status=404)
    existing = get_membership(store, workspace["$id"], user_id)
    if existing is not None and existing["status"] == ACTIVE:
        return workspace
    user = store.get("users", user_id)
    values = {"role": JOINER_ROLE, "custom_role_id": None, "status": ACTIVE,
              "name": user.get("name"), "email": user.get("email"),
              "deleted_at": None, "deleted_by": None, **copy_of(None, None)}
    with store.transaction():
        if existing is not None:
            member = store.update("workspace_members", existing["$id"], values)
        else:
            member = store.create("workspace_members",
                                  {"workspace_id": workspace["$id"], "user_id": user_id, **values})
        record(store, acting, "member_added", "workspace_member", member["$id"],
               resource_name=user.get("name"), workspace_id=workspace["$id"],
               changes=diff(existing, member, ("role", "status")),
               metadata={"user_id": user_id, "source": "invite_code"})
        events.emit(store, events.WORKSPACE_MEMBER_ADDED, actor_id=acting.user_id,
                    actor_name=acting.name, workspace_id=workspace["$id"],
                    recipient_ids=[user_id])
    invalidate_user(user_id)
    return workspace


def org_roster_candidates(store: DocumentStore, workspace: Document) -> list[Document]:
    """Organization members (not suspended) who are not active workspace members yet."""
    org_id = workspace.get("organization_id")
    if not org_id:
        return []
    roster = store.list("organization_members", [
        Query.equal("organization_id", org_id), Query.not_equal("status", "SUSPENDED"),
        Query.limit(5000),
    ])
    inside = {m["user_id"] for m in list_members(store, workspace["$id"])}
    rows = [m for m in roster if m["user_id"] not in inside]
    return sorted(rows, key=lambda m: str(m.get("name") or m.get("email") or "").casefold())
