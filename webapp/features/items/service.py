"""Work items: create, edit (optimistic concurrency), delete, read.

* Key = project key + "-" + number; the number comes from ``store.increment("projects",
  id, "item_seq")``, so it is allocated atomically and never reused (not even after a delete).
* ``version`` grows on every write. ``update_item`` writes only where the version is still
  the one the edit was made against; otherwise it raises ``StaleEdit`` with the current
  document and what changed since (read from the audit trail), and nothing is written.
* Status changes go through the workflow engine (``check_transition`` then
  ``after_status_change``); the new status' category is denormalised onto the item and a
  CLOSED category sets ``resolved_at``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.authz.roles import ProjectRole
from webapp.features.items import markdown, people
from webapp.features.items.validate import FIELDS, clean
from webapp.features.notifications import events
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

SPACING = 1000.0
AUDITED = (*FIELDS, "status", "key", "project_id")
CREATED = ("key", "title", "type", "status", "priority", "assignee_ids", "parent_id", "epic_id")


@dataclass(frozen=True)
class Actor:
    """Who edits, as the workflow engine needs it: user, project role and team ids."""

    user_id: str
    project_role: ProjectRole | None = None
    team_ids: tuple[str, ...] = field(default_factory=tuple)


class StaleEdit(Exception):
    """The item changed since the version the edit was made against; nothing was written.

    ``current`` is the item now; ``changed`` maps each field changed since to
    ``[value then, value now]``.
    """

    def __init__(self, current: Document, changed: Mapping[str, Sequence[Any]]) -> None:
        self.current = current
        self.changed = dict(changed)
        fields = ", ".join(k.replace("_", " ") for k in self.changed) or "this item"
        self.message = (f"Someone changed {fields} of {current.get('key')} while you were "
                        "editing. Review the current values and apply your change again.")
        super().__init__(self.message)


def _engine() -> Any:
    from webapp.features.workflows import engine

    return engine


def get_item(store: DocumentStore, project_id: str, item_id: str) -> Document:
    """The item of this project, else ``Refused("ITEM_NOT_FOUND", status=404)``."""
    item = store.find("work_items", item_id)
    if item is None or item["project_id"] != project_id:
        raise Refused("ITEM_NOT_FOUND", "This work item does not exist.", status=404)
    return item


def scope(store: DocumentStore, project: Document) -> dict[str, Any]:
    workspace = store.find("workspaces", project["workspace_id"]) or {}
    return {"organization_id": workspace.get("organization_id"),
            "workspace_id": project["workspace_id"], "project_id": project["$id"]}


def column_of(store: DocumentStore, project: Document, key: str, data: Any = None) -> Any:
    return _engine().column_for(store, project, key, data=data)


def _status_values(column: Any, before: Document | None) -> dict[str, Any]:
    category = column.category if column is not None else "OPEN"
    values: dict[str, Any] = {"status": column.key, "status_category": category}
    if category == "CLOSED":
        if not (before or {}).get("resolved_at"):
            values["resolved_at"] = datetime.now(UTC)
    else:
        values["resolved_at"] = None
    return values


def _rendered(store: DocumentStore, project: Document, text: str | None) -> dict[str, Any]:
    html, mentioned = markdown.render(text, people.mention_map(
        people.members(store, project["$id"])) if text and "@" in text else {})
    return {"description": text, "description_html": html or None, "mentions": mentioned}


def next_position(store: DocumentStore, project_id: str, status: str) -> float:
    last = store.first("work_items", [Query.equal("project_id", project_id),
                                      Query.equal("status", status),
                                      Query.order_desc("position")])
    return float(last["position"] or 0) + SPACING if last else SPACING


def initial_column(store: DocumentStore, project: Document, status: str | None,
                   data: Any = None) -> Any:
    engine = _engine()
    if not status:
        return engine.initial_status(store, project, data=data)
    column = engine.column_for(store, project, status, data=data)
    if column is None or not (column.is_initial or column.source == "custom"):
        raise Refused("INVALID_INITIAL_STATUS", "A new work item must start in an initial "
                      "status of the workflow or in a custom column.", status=400)
    return column


def create_item(
    store: DocumentStore, acting: Acting, project: Document, *, title: str,
    type: str = "TASK", status: str | None = None, priority: str = "MEDIUM",
    assignee_ids: Sequence[str] = (), team_ids: Sequence[str] = (),
    labels: Sequence[str] = (), description: str | None = None,
    story_points: Any = None, estimated_hours: Any = None, remaining_hours: Any = None,
    start_date: Any = None, due_date: Any = None, epic_id: str | None = None,
    parent_id: str | None = None, flagged: bool = False,
    custom_fields: Mapping[str, Any] | None = None, reporter_id: str | None,
    position: float | None = None, audit_action: str = "work_item_created",
    audit_metadata: Mapping[str, Any] | None = None,
) -> Document:
    """Create a work item; raises FieldErrors (bad input) or Refused."""
    assignees = list(assignee_ids)
    if not assignees:
        if project.get("default_assignee_id"):
            assignees = [project["default_assignee_id"]]
        elif project.get("auto_assign_creator") and reporter_id:
            assignees = [reporter_id]
    raw: dict[str, Any] = {
        "title": title, "description": description, "type": type, "priority": priority,
        "assignee_ids": assignees, "team_ids": list(team_ids), "labels": list(labels),
        "story_points": story_points, "estimated_hours": estimated_hours,
        "remaining_hours": remaining_hours, "start_date": start_date, "due_date": due_date,
        "epic_id": epic_id, "parent_id": parent_id, "flagged": flagged,
        "custom_fields": dict(custom_fields or {}),
    }
    try:
        values = clean(store, project, raw)
    except FieldErrors as exc:
        if "assignee_ids" in exc.errors and not assignee_ids and assignees:
            # a default assignee who left the project is skipped, not an error of the user
            raw["assignee_ids"] = []
            values = clean(store, project, raw)
        else:
            raise
    column = initial_column(store, project, status)
    with store.transaction():
        number = int(store.increment("projects", project["$id"], "item_seq")["item_seq"])
        values.update(_rendered(store, project, values.get("description")))
        values.update(_status_values(column, None))
        item = store.create("work_items", {
            **values, "workspace_id": project["workspace_id"], "project_id": project["$id"],
            "space_id": project.get("space_id"), "key": f"{project['key']}-{number}",
            "number": number, "reporter_id": reporter_id,
            "position": position if position is not None else next_position(
                store, project["$id"], column.key),
            "version": 1, "last_modified_by": acting.user_id,
        })
        record(store, acting, audit_action, "work_item", item["$id"],
               resource_name=item["key"], changes=diff(None, item, CREATED),
               metadata={"version": 1, **dict(audit_metadata or {})},
               **scope(store, project))
        events.emit_item_write(store, acting.user_id, project, None, item,
                               actor_name=acting.name, new_mentions=item.get("mentions") or ())
    return item


def changed_since(store: DocumentStore, item: Document, version: int) -> dict[str, list[Any]]:
    """``{field: [then, now]}`` over the audited writes after ``version``."""
    rows = store.list("audit_logs", [
        Query.equal("resource_type", "work_item"), Query.equal("resource_id", item["$id"]),
        Query.order_desc("$createdAt"), Query.limit(100),
    ]).documents
    rows.reverse()  # oldest first
    seen = [n for n, row in enumerate(rows)
            if 0 < int((row.get("metadata") or {}).get("version") or 0) <= version]
    out: dict[str, list[Any]] = {}
    for row in rows[(seen[-1] + 1) if seen else 0:]:
        for name, pair in (row.get("changes") or {}).items():
            if name not in AUDITED:  # checklist and link entries leave the item's version
                continue
            if name in out:
                out[name][1] = pair[1]
            else:
                out[name] = [pair[0], pair[1]]
    return {k: v for k, v in out.items() if v[0] != v[1]}


def update_item(store: DocumentStore, acting: Acting, project: Document, item_id: str,
                changes: Mapping[str, Any], *, expected_version: int, actor: Actor,
                comment: str | None = None) -> Document:
    """Apply ``changes`` made against ``expected_version``.

    Raises FieldErrors (bad values), Refused (a refused transition: its code, 409) or
    StaleEdit (someone wrote in between). Returns the item as stored.
    """
    item = get_item(store, project["$id"], item_id)
    if int(item.get("version") or 1) != int(expected_version):
        raise StaleEdit(item, changed_since(store, item, int(expected_version)))
    unknown = set(changes) - set(FIELDS) - {"status"}
    if unknown:
        raise FieldErrors({name: "This field cannot be edited." for name in unknown})
    values = clean(store, project, {k: v for k, v in changes.items() if k != "status"},
                   current=item)
    values = {k: v for k, v in values.items() if item.get(k) != v}
    flow = None
    if "status" in changes and changes["status"] and changes["status"] != item["status"]:
        engine = _engine()
        flow = engine.load(store, project)
        check = engine.check_transition(
            store, project, item, str(changes["status"]), user_id=actor.user_id,
            project_role=actor.project_role, team_ids=list(actor.team_ids), comment=comment,
            data=flow)
        if not check.allowed:
            raise Refused(check.code or "TRANSITION_NOT_ALLOWED", check.message, status=409)
        column = column_of(store, project, str(changes["status"]), flow)
        if column is None:
            raise Refused("UNKNOWN_STATUS", "This is not a status of this project.")
        values.update(_status_values(column, item))
    if "description" in values:
        values.update(_rendered(store, project, values["description"]))
    if not values:
        return item
    version = int(item.get("version") or 1)
    with store.transaction():
        count = store.update_where("work_items", [
            Query.equal("$id", item_id), Query.equal("version", version),
        ], {**values, "version": version + 1, "last_modified_by": acting.user_id})
        if count == 0:
            current = get_item(store, project["$id"], item_id)
            raise StaleEdit(current, changed_since(store, current, version))
        after = store.get("work_items", item_id)
        new_mentions = [u for u in after.get("mentions") or [] if u not in (
            item.get("mentions") or [])]
        record(store, acting, "work_item_updated", "work_item", item_id,
               resource_name=after["key"], changes=diff(item, after, AUDITED),
               metadata={"version": version + 1, "new_mentions": new_mentions,
                         **({"comment": comment} if comment else {})},
               **scope(store, project))
        events.emit_item_write(store, acting.user_id, project, item, after,
                               actor_name=acting.name, new_mentions=new_mentions)
    if flow is not None:
        _engine().after_status_change(store, acting, project, after, data=flow)
        after = store.get("work_items", item_id)
    return after


def delete_item(store: DocumentStore, acting: Acting, project: Document, item_id: str,
                *, expected_version: int | None = None) -> None:
    """Delete an item with its checklist and links; sub-issues and epic members stay
    (their parent/epic is cleared). Its number is never issued again."""
    item = get_item(store, project["$id"], item_id)
    if expected_version is not None and int(item.get("version") or 1) != int(expected_version):
        raise StaleEdit(item, changed_since(store, item, int(expected_version)))
    with store.transaction():
        store.delete_where("checklist_items", [Query.equal("item_id", item_id)])
        store.delete_where("work_item_links", [Query.equal("source_id", item_id)])
        store.delete_where("work_item_links", [Query.equal("target_id", item_id)])
        for name in ("parent_id", "epic_id"):
            store.update_where("work_items", [Query.equal(name, item_id)], {name: None})
        store.delete("work_items", item_id)
        record(store, acting, "work_item_deleted", "work_item", item_id,
               resource_name=item["key"], changes=diff(item, {}, ("title", "key")),
               metadata={"version": int(item.get("version") or 1) + 1},
               **scope(store, project))
        events.emit_item_write(store, acting.user_id, project, item, None,
                               actor_name=acting.name)


def sub_issues(store: DocumentStore, item_id: str) -> list[Document]:
    return store.list("work_items", [Query.equal("parent_id", item_id),
                                     Query.order_asc("number"), Query.limit(500)]).documents


def epics(store: DocumentStore, project_id: str) -> list[Document]:
    return store.list("work_items", [Query.equal("project_id", project_id),
                                     Query.equal("type", "EPIC"), Query.order_asc("number"),
                                     Query.limit(500)]).documents


def history(store: DocumentStore, item_id: str, limit: int = 100) -> list[Document]:
    """The item's audit entries, newest first."""
    return store.list("audit_logs", [
        Query.equal("resource_type", "work_item"), Query.equal("resource_id", item_id),
        Query.order_desc("$createdAt"), Query.limit(limit),
    ]).documents
