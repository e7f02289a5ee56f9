"""Copies of access facts kept where the loader reads first (schema v3), so that a space
or project page is authorized in at most 3 store calls (see ``webapp.authz.loader``).

* ``workspace_members.organization_id`` / ``org_role`` / ``org_status``: the member's row
  in the workspace's organization, as of the last write to it. ``org_role`` ``NONE``
  means "not an org member" (always so in a personal workspace, where
  ``organization_id`` is null); a null ``org_role`` means "no copy yet": the loader then
  reads ``organization_members`` itself.
* ``projects.organization_id`` and ``spaces.organization_id``: the workspace's
  organization (null: personal, or not copied yet; the loader then reads the workspace
  and fills the copy in).
* ``organization_members.department_ids`` / ``org_keys``: the member's departments and
  the union of their keys with the member's direct grants (null: not copied yet; the
  loader then reads departments and grants itself).
* ``workspaces.org_deleted_at``: set while the organization is scheduled for deletion.
* ``project_members.role_keys`` / ``team_keys`` / ``user_keys``: the member's grants beyond
  the role's defaults (``webapp.authz.grants``, kept by ``sync_project_grants``).

Every write that changes an org membership's role or status calls ``sync_org_member``
(in the same transaction); workspace membership writes take ``member_copy``; department
membership, department keys and direct grants call ``sync_member_keys``. A copy
that disagrees with its source can only come from a write that skipped these helpers;
the guards re-check the copies against the workspace document they read for the page
and fall back to the source rows on any disagreement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from webapp.authz.grants import sync_project_grants
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

__all__ = [
    "NONE",
    "backfill",
    "copy_of",
    "forget_workspaces",
    "mark_org_deleted",
    "member_copy",
    "sync_member_keys",
    "sync_org_member",
    "workspace_org_id",
]

NONE = "NONE"
_MANY = 5000


def workspace_org_id(workspace: Document) -> str | None:
    """The organization owning ``workspace`` (None for a personal workspace)."""
    org_id = workspace.get("organization_id")
    if not org_id or workspace.get("account_type") == "personal":
        return None
    return str(org_id)


def copy_of(org_member: Document | None, org_id: str | None) -> dict[str, Any]:
    """The values to store on a ``workspace_members`` row of a workspace of ``org_id``."""
    if org_id is None or org_member is None:
        return {"organization_id": org_id, "org_role": NONE, "org_status": None}
    return {"organization_id": org_id, "org_role": str(org_member.get("role") or "MEMBER"),
            "org_status": str(org_member.get("status") or "ACTIVE")}


def member_copy(store: DocumentStore, workspace: Document, user_id: str) -> dict[str, Any]:
    """The copy for a new or changed membership of ``user_id`` in ``workspace``."""
    org_id = workspace_org_id(workspace)
    member = None
    if org_id is not None:
        member = store.first("organization_members", [
            Query.equal("organization_id", org_id), Query.equal("user_id", user_id)])
    return copy_of(member, org_id)


def sync_org_member(store: DocumentStore, org_id: str, user_id: str) -> int:
    """Rewrite the copy on ``user_id``'s rows in every workspace of ``org_id`` from their
    current ``organization_members`` row (none: ``NONE``). Returns the rows changed."""
    member = store.first("organization_members", [
        Query.equal("organization_id", org_id), Query.equal("user_id", user_id)])
    workspace_ids = [str(w["$id"]) for w in store.list("workspaces", [
        Query.equal("organization_id", org_id), Query.select("$id"), Query.limit(_MANY),
    ]).documents]
    if not workspace_ids:
        return 0
    return store.update_where("workspace_members", [
        Query.equal("workspace_id", workspace_ids), Query.equal("user_id", user_id),
    ], copy_of(member, org_id))


def sync_member_keys(store: DocumentStore, org_id: str, member_ids: list[str]) -> None:
    """Recompute the department and key copies of ``member_ids`` (organization_members
    row ids) from their department links, the departments and their direct grants."""
    for member_id in sorted(set(member_ids)):
        links = store.list("org_member_departments", [
            Query.equal("member_id", member_id), Query.limit(_MANY)]).documents
        department_ids = sorted({str(link["department_id"]) for link in links})
        keys: set[str] = set()
        if department_ids:
            for department in store.get_many("departments", department_ids).values():
                if department.get("organization_id") == org_id:
                    keys.update(department.get("permissions") or [])
        for row in store.list("org_member_permissions", [
                Query.equal("member_id", member_id), Query.limit(_MANY)]).documents:
            keys.update(row.get("permissions") or [])
        if store.find("organization_members", member_id) is not None:
            store.update("organization_members", member_id,
                         {"department_ids": department_ids, "org_keys": sorted(keys)})


def forget_workspaces(store: DocumentStore, workspace_ids: list[str]) -> None:
    """Drop the copies of workspaces whose organization changed (the loader then reads
    the source rows until ``backfill`` or the next membership write copies again)."""
    if not workspace_ids:
        return
    store.update_where("workspace_members", [Query.equal("workspace_id", workspace_ids)],
                       {"organization_id": None, "org_role": None, "org_status": None})
    for collection in ("projects", "spaces"):
        store.update_where(collection, [Query.equal("workspace_id", workspace_ids)],
                           {"organization_id": None})


def mark_org_deleted(store: DocumentStore, org_id: str, when: datetime | None) -> int:
    """Copy an organization's soft delete (``when``) or restore (None) to its workspaces."""
    return store.update_where("workspaces", [Query.equal("organization_id", org_id)],
                              {"org_deleted_at": when})


def backfill(store: DocumentStore, *, batch: int = 500) -> int:
    """Fill the copies in for rows written before schema v3 (idempotent; driver-agnostic:
    store calls only). Runs after the v3 migration; returns the rows written."""
    written = 0
    orgs: dict[str, Document | None] = {}
    workspaces: dict[str, Document | None] = {}

    def workspace(workspace_id: str) -> Document | None:
        if workspace_id not in workspaces:
            workspaces[workspace_id] = store.find("workspaces", workspace_id)
        return workspaces[workspace_id]

    for collection in ("projects", "spaces"):
        for row in _rows(store, collection, "organization_id", batch):
            ws = workspace(str(row["workspace_id"]))
            org_id = workspace_org_id(ws) if ws is not None else None
            if org_id is not None:
                store.update(collection, row["$id"], {"organization_id": org_id})
                written += 1
    for row in _rows(store, "workspace_members", "org_role", batch):
        ws = workspace(str(row["workspace_id"]))
        org_id = workspace_org_id(ws) if ws is not None else None
        key = f"{org_id}:{row['user_id']}"
        if key not in orgs:
            orgs[key] = store.first("organization_members", [
                Query.equal("organization_id", org_id),
                Query.equal("user_id", str(row["user_id"]))]) if org_id else None
        store.update("workspace_members", row["$id"], copy_of(orgs[key], org_id))
        written += 1
    pending: dict[str, list[str]] = {}
    for row in _rows(store, "organization_members", "org_keys", batch):
        pending.setdefault(str(row["organization_id"]), []).append(str(row["$id"]))
    for org_id, member_ids in pending.items():
        sync_member_keys(store, org_id, member_ids)
        written += len(member_ids)
    projects: dict[str, list[str]] = {}
    for row in _rows(store, "project_members", "role_keys", batch):
        projects.setdefault(str(row["project_id"]), []).append(str(row["user_id"]))
    for project_id, user_ids in projects.items():
        sync_project_grants(store, project_id, user_ids)
        written += len(user_ids)
    for org in store.list("organizations", [Query.is_not_null("deleted_at"),
                                            Query.limit(_MANY)]).documents:
        written += mark_org_deleted(store, str(org["$id"]), org["deleted_at"])
    return written


def _rows(store: DocumentStore, collection: str, missing: str, batch: int) -> list[Document]:
    """Every row of ``collection`` whose ``missing`` attribute is null (read before writing)."""
    found: list[Document] = []
    cursor: str | None = None
    while True:
        queries = [Query.is_null(missing), Query.order_asc("$id"), Query.limit(batch)]
        if cursor is not None:
            queries.append(Query.cursor_after(cursor))
        page = store.list(collection, queries).documents
        found.extend(page)
        if len(page) < batch:
            return found
        cursor = str(page[-1]["$id"])
