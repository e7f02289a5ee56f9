"""Split, clone and move work items.

* Split: 2-10 new items (title + story points each) copying the original's type, status,
  priority, epic, parent, sprint, assignees and labels, placed after it; the original stays
  and is linked to each (SPLIT_TO / SPLIT_FROM).
* Clone: a new item with the original's fields and checklist, in the original's status if
  that is an initial status (else the workflow's initial status); linked CLONED_FROM.
* Move: to another project of the same workspace, with its sub-issues. Each moved item gets
  a new key from the target project (the old number is never reused); links, checklist and
  history stay. Status, type and priority are kept when the target knows them (else its
  initial status, TASK, MEDIUM); assignees who are not in the target project and project
  teams are dropped; an epic or parent left behind is cleared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.items import checklist, links, people, service
from webapp.features.items.validate import as_number
from webapp.features.notifications import events
from webapp.features.projects import helpers
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

COPIED = ("type", "priority", "assignee_ids", "labels", "epic_id", "parent_id", "team_ids")


def split_item(store: DocumentStore, acting: Acting, project: Document, item_id: str,
               parts: Sequence[tuple[str, Any]]) -> list[Document]:
    """``parts``: ``(title, story points)`` pairs; rows with an empty title are skipped."""
    item = service.get_item(store, project["$id"], item_id)
    wanted = [(str(t or "").strip(), p) for t, p in parts if str(t or "").strip()]
    if not 2 <= len(wanted) <= 10:
        raise FieldErrors({"parts": "Split into 2 to 10 work items, each with a title."})
    errors: dict[str, str] = {}
    for n, (title, points) in enumerate(wanted):
        try:
            value = as_number(points)
        except (TypeError, ValueError):
            value = -1
        if value is not None and not 0 <= value <= 100:
            errors[f"points_{n}"] = "Story points must be between 0 and 100."
        if len(title) > 500:
            errors[f"title_{n}"] = "Use at most 500 characters."
    if errors:
        raise FieldErrors(errors)
    made = []
    with store.transaction():
        position = float(item.get("position") or 0)
        for title, points in wanted:
            position += 1.0
            new = service.create_item(
                store, acting, project, title=title, story_points=points,
                reporter_id=acting.user_id, status=None, position=position,
                audit_action="work_item_split", audit_metadata={"from": item["$id"]},
                **{k: item.get(k) for k in COPIED},
            )
            new = _same_status(store, acting, project, new, item)
            links.add_link(store, acting, project, item, new["$id"], "SPLIT_TO")
            made.append(new)
    return made


def _same_status(store: DocumentStore, acting: Acting, project: Document, new: Document,
                 like: Document) -> Document:
    """Put a freshly created item in ``like``'s status (a copy, not a transition)."""
    if new["status"] == like["status"]:
        return new
    version = int(new.get("version") or 1)
    store.update_where("work_items", [Query.equal("$id", new["$id"])], {
        "status": like["status"], "status_category": like.get("status_category"),
        "resolved_at": like.get("resolved_at"), "version": version + 1,
    })
    after = store.get("work_items", new["$id"])
    record(store, acting, "work_item_updated", "work_item", new["$id"],
           resource_name=new["key"], changes=diff(new, after, ("status",)),
           metadata={"version": version + 1, "copied_from": like["$id"]},
           **service.scope(store, project))
    return after


def clone_item(store: DocumentStore, acting: Acting, project: Document, item_id: str, *,
               title: str | None = None) -> Document:
    item = service.get_item(store, project["$id"], item_id)
    try:
        column = service.initial_column(store, project, item["status"])
    except Refused:
        column = service.initial_column(store, project, None)
    with store.transaction():
        new = service.create_item(
            store, acting, project, title=(title or "").strip() or item["title"],
            description=item.get("description"), status=column.key,
            story_points=item.get("story_points"), estimated_hours=item.get("estimated_hours"),
            remaining_hours=item.get("estimated_hours"), start_date=item.get("start_date"),
            due_date=item.get("due_date"), flagged=bool(item.get("flagged")),
            custom_fields=item.get("custom_fields") or {}, reporter_id=acting.user_id,
            audit_action="work_item_cloned", audit_metadata={"from": item["$id"]},
            **{k: item.get(k) for k in COPIED},
        )
        for entry in checklist.entries(store, item_id):
            store.create("checklist_items", {
                "item_id": new["$id"], "project_id": new["project_id"],
                "workspace_id": new["workspace_id"], "title": entry["title"],
                "position": entry["position"], "is_completed": False,
            })
        links.add_link(store, acting, project, new, item["$id"], "CLONED_FROM")
    return new


def _subtree(store: DocumentStore, item: Document) -> list[Document]:
    out = [item]
    frontier = [item["$id"]]
    while frontier:
        rows = store.list("work_items", [Query.equal("parent_id", frontier),
                                         Query.limit(1000)]).documents
        frontier = [r["$id"] for r in rows if all(r["$id"] != o["$id"] for o in out)]
        out += [r for r in rows if r["$id"] in frontier]
    return out


def move_item(store: DocumentStore, acting: Acting, project: Document, item_id: str,
              target: Document) -> Document:
    """Move the item (and its sub-issues) to ``target``; returns the moved item."""
    item = service.get_item(store, project["$id"], item_id)
    if target["workspace_id"] != project["workspace_id"]:
        raise Refused("CROSS_WORKSPACE_MOVE", "Work items move only between projects of the "
                      "same workspace.", status=400)
    if target["$id"] == project["$id"]:
        raise FieldErrors({"target_project_id": "Choose another project."})
    moving = _subtree(store, item)
    moved_ids = {d["$id"] for d in moving}
    statuses = {c.key for c in service._engine().all_statuses(store, target)}
    initial = service.initial_column(store, target, None)
    types, prios = helpers.type_keys(target), helpers.priority_keys(target)
    members = {p.user_id for p in people.members(store, target["$id"])}
    with store.transaction():
        for doc in moving:
            number = int(store.increment("projects", target["$id"], "item_seq")["item_seq"])
            keep_status = doc["status"] in statuses
            values: dict[str, Any] = {
                "project_id": target["$id"], "space_id": target.get("space_id"),
                "key": f"{target['key']}-{number}", "number": number,
                "type": doc["type"] if doc["type"] in types else "TASK",
                "priority": doc.get("priority") if doc.get("priority") in prios else "MEDIUM",
                "assignee_ids": [u for u in doc.get("assignee_ids") or [] if u in members],
                "team_ids": [], "sprint_id": None,
                "version": int(doc.get("version") or 1) + 1,
                "last_modified_by": acting.user_id,
                "position": service.next_position(store, target["$id"], doc["status"]
                                                  if keep_status else initial.key),
            }
            if not keep_status:
                values.update(service._status_values(initial, doc))
            for name in ("parent_id", "epic_id"):
                if doc.get(name) and doc[name] not in moved_ids:
                    values[name] = None
            after = store.update("work_items", doc["$id"], values)
            store.update_where("checklist_items", [Query.equal("item_id", doc["$id"])],
                               {"project_id": target["$id"]})
            store.update_where("work_item_links", [Query.equal("source_id", doc["$id"])],
                               {"project_id": target["$id"]})
            record(store, acting, "work_item_moved", "work_item", doc["$id"],
                   resource_name=after["key"],
                   changes=diff(doc, after, ("key", "project_id", "status", "type",
                                             "priority", "assignee_ids")),
                   metadata={"version": values["version"], "from_project": project["$id"]},
                   **service.scope(store, target))
            events.emit_live(store, project, doc, actor_id=acting.user_id, removed=True)
            events.emit_live(store, target, after, actor_id=acting.user_id)
        # items left behind no longer point at an epic in another project
        store.update_where("work_items", [Query.equal("epic_id", sorted(moved_ids)),
                                          Query.equal("project_id", project["$id"])],
                           {"epic_id": None})
    return store.get("work_items", item_id)
