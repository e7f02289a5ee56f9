"""Workspaces: create, list, settings and delete (membership lives in ``members.py``).

    workspace = create_workspace(store, acting, owner_id=user_id, name="Acme")
    list_user_workspaces(store, user_id)
    add_member_from_org(store, acting, workspace_id, org_member_id, "WS_VIEWER")

Rules (SYSTEM.md section 3.2 and 4.1):

* A personal account (``users.account_type`` is not ``ORG``) owns at most one workspace;
  a second one is refused with ``PERSONAL_LIMIT`` (403) and the upgrade explanation.
* The first workspace of a personal account makes its creator the stored ``OWNER`` (the
  one member who cannot be removed and who alone may delete it); every other creator is
  ``WS_ADMIN``. Personal workspaces get a 6-character invite code; organization
  workspaces are joined only through the organization roster.
* Deleting a workspace removes, in one transaction, its spaces and space members, its
  projects with their roles, members, grants and teams, its custom roles and its members.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.mirrors import copy_of
from webapp.features.notifications import events
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.roles import resolve_role
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

NAME_MAX = 128
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 6
FEATURES = ("spaces", "programs", "teams", "customFields", "workflows", "timeTracking")
FEATURE_LABELS = {
    "spaces": "Spaces",
    "programs": "Programs",
    "teams": "Teams",
    "customFields": "Custom fields",
    "workflows": "Workflows",
    "timeTracking": "Time tracking",
}
UI_MODES = ("SIMPLE", "ADVANCED")
ACTIVE = "ACTIVE"


def now() -> datetime:
    return datetime.now(UTC)


def default_features() -> dict[str, bool]:
    return dict.fromkeys(FEATURES, True)


def features_of(workspace: Mapping[str, Any]) -> dict[str, bool]:
    """The workspace's toggles with every known feature present (missing = on)."""
    stored = workspace.get("features") or {}
    return {name: bool(stored.get(name, True)) for name in FEATURES}


def clean_name(name: str | None, field: str = "name") -> str:
    value = (name or "").strip()
    if not value:
        raise FieldErrors({field: "Enter a name."})
    if len(value) > NAME_MAX:
        raise FieldErrors({field: f"Use at most {NAME_MAX} characters."})
    return value


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def _with_unique_code(create: Any) -> Document:
    """Call ``create(code)`` until the invite code is not taken (a unique index)."""
    for _ in range(8):
        try:
            return create(new_invite_code())
        except Conflict as exc:
            if "invite" not in str(exc) and "workspaces" not in str(exc):
                raise
    raise RuntimeError("could not find a free invite code")


def is_personal_account(user: Mapping[str, Any]) -> bool:
    return user.get("account_type") != "ORG"


def owned_workspace_count(store: DocumentStore, user_id: str) -> int:
    return store.count("workspaces", [Query.equal("owner_id", user_id)])


def get_workspace(store: DocumentStore, workspace_id: str) -> Document | None:
    return store.find("workspaces", workspace_id)


def get_membership(store: DocumentStore, workspace_id: str, user_id: str) -> Document | None:
    """The user's row in the workspace (any status) or None."""
    return store.first("workspace_members", [
        Query.equal("workspace_id", workspace_id), Query.equal("user_id", user_id),
    ])


def _active_org_membership(store: DocumentStore, org_id: str, user_id: str) -> Document | None:
    row = store.first("organization_members", [
        Query.equal("organization_id", org_id), Query.equal("user_id", user_id),
    ])
    return row if row and row.get("status") == ACTIVE else None


def create_workspace(
    store: DocumentStore,
    acting: Acting,
    *,
    owner_id: str,
    name: str,
    organization_id: str | None = None,
    image_file_id: str | None = None,
) -> Document:
    """Create a workspace with its creator as first member; see the module rules."""
    name = clean_name(name)
    user = store.get("users", owner_id)
    personal_account = is_personal_account(user)
    org_member: Document | None = None
    if organization_id is not None:
        org_member = _active_org_membership(store, organization_id, owner_id)
        if org_member is None:
            raise Refused("NOT_ORG_MEMBER", status=403)
    owned = owned_workspace_count(store, owner_id)
    if personal_account and organization_id is None and owned >= 1:
        raise Refused("PERSONAL_LIMIT", status=403)
    first_personal = personal_account and organization_id is None and owned == 0
    with store.transaction():
        data: dict[str, Any] = {
            "name": name,
            "owner_id": owner_id,
            "organization_id": organization_id,
            "account_type": "organization" if organization_id else "personal",
            "image_file_id": image_file_id,
            "ui_mode": "ADVANCED",
            "features": default_features(),
            "is_default": owned == 0,
            "billing_scope": "organization" if organization_id else "user",
            "created_by": owner_id,
            "last_modified_by": owner_id,
        }
        if organization_id is None:
            workspace = _with_unique_code(
                lambda code: store.create("workspaces", {**data, "invite_code": code})
            )
        else:
            workspace = store.create("workspaces", data)
        store.create("workspace_members", {
            "workspace_id": workspace["$id"],
            "user_id": owner_id,
            "org_member_id": org_member["$id"] if org_member else None,
            "role": "OWNER" if first_personal else "WS_ADMIN",
            "status": ACTIVE,
            "name": user.get("name"),
            "email": user.get("email"),
            **copy_of(org_member, organization_id),
        })
        if not user.get("default_workspace_id"):
            store.update("users", owner_id, {"default_workspace_id": workspace["$id"]})
        record(store, acting, "workspace_created", "workspace", workspace["$id"],
               resource_name=name, organization_id=organization_id,
               workspace_id=workspace["$id"],
               changes=diff(None, workspace, ("name", "account_type", "organization_id")))
    invalidate_user(owner_id)
    return workspace


def list_user_workspaces(store: DocumentStore, user_id: str) -> list[Document]:
    """Workspaces the user can open: ACTIVE memberships, plus every workspace of the
    organizations the user owns (an org OWNER reaches them all). Sorted by name."""
    rows = store.list("workspace_members", [
        Query.equal("user_id", user_id), Query.equal("status", ACTIVE), Query.limit(500),
    ])
    ids = [row["workspace_id"] for row in rows]
    found = dict(store.get_many("workspaces", ids)) if ids else {}
    owned_orgs = store.list("organization_members", [
        Query.equal("user_id", user_id), Query.equal("role", "OWNER"),
        Query.equal("status", ACTIVE), Query.limit(100),
    ])
    org_ids = [row["organization_id"] for row in owned_orgs]
    if org_ids:
        for workspace in store.list("workspaces", [
            Query.equal("organization_id", org_ids), Query.limit(500),
        ]):
            found.setdefault(workspace["$id"], workspace)
    return sorted(found.values(), key=lambda w: (str(w["name"]).casefold(), w["$id"]))


def add_member_from_org(
    store: DocumentStore,
    acting: Acting,
    workspace_id: str,
    org_member_id: str,
    role: str,
) -> Document:
    """Add an organization member to an organization workspace (re-activates a removed row)."""
    workspace = store.get("workspaces", workspace_id)
    org_id = workspace.get("organization_id")
    if not org_id:
        raise Refused("NOT_ORG_WORKSPACE", status=400)
    org_member = store.find("organization_members", org_member_id)
    if (
        org_member is None
        or org_member.get("organization_id") != org_id
        or org_member.get("status") == "SUSPENDED"
    ):
        raise Refused("NOT_ORG_MEMBER", status=400)
    stored_role, custom_role_id = resolve_role(store, workspace_id, role)
    user = store.get("users", org_member["user_id"])
    existing = get_membership(store, workspace_id, user["$id"])
    if existing is not None and existing.get("status") == ACTIVE:
        raise Refused("ALREADY_MEMBER")
    values = {
        "org_member_id": org_member_id,
        "role": stored_role,
        "custom_role_id": custom_role_id,
        "status": ACTIVE,
        "name": user.get("name"),
        "email": user.get("email"),
        "deleted_at": None,
        "deleted_by": None,
        **copy_of(org_member, str(org_id)),
    }
    with store.transaction():
        if existing is not None:
            member = store.update("workspace_members", existing["$id"], values)
        else:
            member = store.create("workspace_members", {
                "workspace_id": workspace_id, "user_id": user["$id"], **values,
            })
        record(store, acting, "member_added", "workspace_member", member["$id"],
               resource_name=user.get("name"), organization_id=org_id,
               workspace_id=workspace_id,
               changes=diff(existing, member, ("role", "status")),
               metadata={"user_id": user["$id"], "source": "organization"})
        events.emit(store, events.WORKSPACE_MEMBER_ADDED, actor_id=acting.user_id,
                    actor_name=acting.name, workspace_id=workspace_id,
                    recipient_ids=[user["$id"]])
    invalidate_user(user["$id"])
    return member


def update_settings(
    store: DocumentStore,
    acting: Acting,
    workspace_id: str,
    *,
    name: str | None = None,
    ui_mode: str | None = None,
    features: Mapping[str, bool] | None = None,
    image_file_id: str | None = None,
    remove_image: bool = False,
) -> Document:
    """Change name / UI mode / feature toggles / image; records only what changed."""
    before = store.get("workspaces", workspace_id)
    values: dict[str, Any] = {"last_modified_by": acting.user_id}
    if name is not None:
        values["name"] = clean_name(name)
    if ui_mode is not None:
        if ui_mode not in UI_MODES:
            raise FieldErrors({"ui_mode": "Choose Simple or Advanced."})
        values["ui_mode"] = ui_mode
    if features is not None:
        values["features"] = {f: bool(features.get(f, False)) for f in FEATURES}
    if image_file_id is not None:
        values["image_file_id"] = image_file_id
    elif remove_image:
        values["image_file_id"] = None
    with store.transaction():
        after = store.update("workspaces", workspace_id, values)
        changes = diff(before, after, ("name", "ui_mode", "features", "image_file_id"))
        if changes:
            record(store, acting, "workspace_updated", "workspace", workspace_id,
                   resource_name=after["name"], organization_id=after.get("organization_id"),
                   workspace_id=workspace_id, changes=changes)
    return after


def delete_workspace(
    store: DocumentStore, acting: Acting, workspace_id: str, *, confirm_name: str
) -> list[str]:
    """Delete the workspace and everything in it; ``confirm_name`` must match its name.

    Returns the ids of the users who were members (their lifecycle state may change)."""
    workspace = store.get("workspaces", workspace_id)
    if (confirm_name or "").strip() != workspace["name"]:
        raise FieldErrors({"confirm_name": "Type the workspace name exactly to confirm."})
    members = store.list("workspace_members", [
        Query.equal("workspace_id", workspace_id), Query.limit(5000),
    ])
    user_ids = [m["user_id"] for m in members]
    ws = [Query.equal("workspace_id", workspace_id)]
    with store.transaction():
        project_ids = [p["$id"] for p in store.list("projects", [*ws, Query.limit(5000)])]
        if project_ids:
            by_project = [Query.equal("project_id", project_ids)]
            for collection in ("project_team_members", "project_teams", "project_permissions",
                               "project_members", "project_roles"):
                store.delete_where(collection, by_project)
        counts = {
            "projects": store.delete_where("projects", ws),
            "space_members": store.delete_where("space_members", ws),
            "spaces": store.delete_where("spaces", ws),
            "custom_roles": store.delete_where("custom_roles", ws),
            "members": store.delete_where("workspace_members", ws),
        }
        store.update_where("users", [Query.equal("default_workspace_id", workspace_id)],
                           {"default_workspace_id": None})
        store.delete("workspaces", workspace_id)
        record(store, acting, "workspace_deleted", "workspace", workspace_id,
               resource_name=workspace["name"],
               organization_id=workspace.get("organization_id"), workspace_id=workspace_id,
               changes={"name": [workspace["name"], None]}, metadata=counts)
    for user_id in user_ids:
        invalidate_user(user_id)
    return user_ids


def switch_workspace(store: DocumentStore, acting: Acting, user_id: str,
                     workspace_id: str) -> None:
    """Remember ``workspace_id`` as the user's current workspace (audited as a context switch)."""
    user = store.get("users", user_id)
    if user.get("default_workspace_id") == workspace_id:
        return
    workspace = store.get("workspaces", workspace_id)
    with store.transaction():
        store.update("users", user_id, {"default_workspace_id": workspace_id})
        record(store, acting, "context_switch", "workspace", workspace_id,
               resource_name=workspace["name"], organization_id=workspace.get("organization_id"),
               workspace_id=workspace_id,
               changes={"default_workspace_id": [user.get("default_workspace_id"), workspace_id]})


def invalidate_user(user_id: str) -> None:
    """Tell the identity lifecycle that the user's state may have changed."""
    try:
        from webapp.identity import lifecycle
    except ImportError:  # pragma: no cover - the lifecycle engine is optional at import time
        return
    invalidate = getattr(lifecycle, "invalidate", None)
    if invalidate is not None:
        invalidate(user_id)
