"""Danger zone: archive/unarchive, change the key, delete a project with everything in it.

* Archiving sets ``status=ARCHIVED``; unarchiving returns it to ACTIVE.
* The key is part of every item's key (``WEB-12``) and of links people have shared, so it
  can change only while the project has no work items (``KEY_LOCKED`` otherwise).
* Deleting needs the project's key typed as confirmation and removes, in one transaction,
  the items with their links (both directions), checklists and approvals, the board's
  custom columns and column settings, the project-scoped workflows with their statuses and
  transitions, project-scoped custom fields, sprints, members, roles, teams and grants.
  Audit entries stay: they are the record of what happened.
"""

from __future__ import annotations

from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.projects.service import clean_key, scope_of
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

# collections holding rows with a ``project_id`` of the project, deleted with it
PROJECT_ROWS = (
    "work_item_links", "checklist_items", "work_item_approvals", "custom_columns",
    "column_settings", "custom_fields", "sprints", "project_team_members",
    "project_permissions", "project_teams", "project_members", "project_roles", "work_items",
)


def set_archived(store: DocumentStore, acting: Acting, project_id: str,
                 archived: bool) -> Document:
    project = store.get("projects", project_id)
    status = "ARCHIVED" if archived else "ACTIVE"
    if project.get("status") == status:
        return project
    with store.transaction():
        after = store.update("projects", project_id, {"status": status,
                                                      "last_modified_by": acting.user_id})
        record(store, acting, "project_archived" if archived else "project_unarchived",
               "project", project_id, resource_name=project["name"],
               changes=diff(project, after, ("status",)), **scope_of(store, project))
    return after


def change_key(store: DocumentStore, acting: Acting, project_id: str, key: str) -> Document:
    project = store.get("projects", project_id)
    clean = clean_key(key)
    if clean == project["key"]:
        return project
    if store.count("work_items", [Query.equal("project_id", project_id), Query.limit(1)]):
        raise Refused("KEY_LOCKED", "The key can only change while the project has no work "
                                    "items: item keys and shared links use it.")
    taken = store.first("projects", [Query.equal("workspace_id", project["workspace_id"]),
                                     Query.equal("key", clean)])
    if taken is not None:
        raise FieldErrors({"key": "Another project in this workspace uses this key."})
    with store.transaction():
        try:
            after = store.update("projects", project_id, {"key": clean,
                                                          "last_modified_by": acting.user_id})
        except Conflict:
            raise FieldErrors({"key": "Another project in this workspace uses this key."}) \
                from None
        record(store, acting, "project_key_changed", "project", project_id,
               resource_name=project["name"], changes=diff(project, after, ("key",)),
               **scope_of(store, project))
    return after


def _ids(store: DocumentStore, collection: str, queries: list[Query]) -> list[str]:
    out: list[str] = []
    cursor: str | None = None
    while True:
        page = [*queries, Query.select("$id"), Query.limit(500)]
        if cursor:
            page.append(Query.cursor_after(cursor))
        rows = store.list(collection, page).documents
        out.extend(r["$id"] for r in rows)
        if len(rows) < 500:
            return out
        cursor = rows[-1]["$id"]


def delete_project(store: DocumentStore, acting: Acting, project_id: str, *,
                   confirm: str, files: Any = None) -> dict[str, int]:
    """Delete the project and everything in it; returns rows removed per collection."""
    project = store.get("projects", project_id)
    if (confirm or "").strip() != project["key"]:
        raise FieldErrors({"confirm": f"Type the project key {project['key']} to confirm."})
    by_project = [Query.equal("project_id", project_id)]
    item_ids = _ids(store, "work_items", by_project)
    workflow_ids = _ids(store, "workflows", [*by_project, Query.equal("scope", "PROJECT")])
    removed: dict[str, int] = {}
    scope = scope_of(store, project)
    with store.transaction():
        for start in range(0, len(item_ids), 100):
            chunk = item_ids[start:start + 100]
            removed["work_item_links"] = removed.get("work_item_links", 0) + store.delete_where(
                "work_item_links", [Query.equal("target_id", chunk)])
        for collection in PROJECT_ROWS:
            removed[collection] = removed.get(collection, 0) + store.delete_where(
                collection, by_project)
        for start in range(0, len(workflow_ids), 100):
            chunk = workflow_ids[start:start + 100]
            for collection in ("workflow_transitions", "workflow_statuses"):
                removed[collection] = removed.get(collection, 0) + store.delete_where(
                    collection, [Query.equal("workflow_id", chunk)])
            removed["workflows"] = removed.get("workflows", 0) + store.delete_where(
                "workflows", [Query.equal("$id", chunk)])
        store.delete("projects", project_id)
        record(store, acting, "project_deleted", "project", project_id,
               resource_name=project["name"], metadata={"key": project["key"],
                                                        "removed": removed}, **scope)
    if files is not None and project.get("image_file_id"):
        from webapp.features.workspaces.images import BUCKET

        files.delete(BUCKET, project["image_file_id"])
    return removed
