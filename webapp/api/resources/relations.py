"""A work item's links and checklist subtasks."""

from __future__ import annotations

from typing import Any

from flask import g

from webapp.api import schemas as s
from webapp.api.base import acting, api, load_item, store
from webapp.api.errors import ApiError
from webapp.api.router import ok, parse_body
from webapp.authz.guards import project_required, scope_for
from webapp.authz.loader import NotVisible
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items import checklist, links

ITEM = "/workspaces/<workspace_id>/projects/<project_id>/items/<item_id>"


def _link(view: Any) -> s.Link:
    row = view.link
    return s.Link(id=row["$id"], type=view.link_type, label=view.label, other_id=view.other_id,
                  source_id=row["source_id"], target_id=row["target_id"])


@api.operation("GET", f"{ITEM}/links", guard=project_required(PP.VIEW_TASKS), scope="read",
               response=s.LinkList, summary="List links", tag="Links")
def list_links(workspace_id: str, project_id: str, item_id: str) -> Any:
    """Every link of the item, read from its side (``type`` is the inverse for incoming
    links: an item blocked by another shows ``IS_BLOCKED_BY``)."""
    item = load_item(project_id, item_id)
    return ok(s.LinkList(data=[_link(v) for v in links.links_of(store(), item["$id"])]))


@api.operation("POST", f"{ITEM}/links", guard=project_required(PP.EDIT_TASKS), scope="write",
               body=s.LinkCreate, response=s.Link, status=201, errors=(409,),
               summary="Link two work items", tag="Links")
def create_link(workspace_id: str, project_id: str, item_id: str) -> Any:
    """Link the item to another item of the workspace the caller may see. Duplicates and
    circular blocking are 409."""
    item = load_item(project_id, item_id)
    data = parse_body(s.LinkCreate)
    other = store().find("work_items", data.target_id)
    visible = False
    if other is not None and other["workspace_id"] == workspace_id:
        try:
            visible = scope_for(workspace_id=workspace_id,
                                project_id=other["project_id"]).allows(PP.VIEW_TASKS)
        except NotVisible:
            visible = False
    if not visible:
        raise ApiError(422, "invalid", "Some fields are invalid.",
                       {"target_id": "Choose a work item of this workspace."})
    link = links.add_link(store(), acting(), g.project, item, data.target_id, data.type)
    view = next(v for v in links.links_of(store(), item["$id"]) if v.link["$id"] == link["$id"])
    return ok(_link(view), 201)


@api.operation("DELETE", f"{ITEM}/links/<link_id>", guard=project_required(PP.EDIT_TASKS),
               scope="write", status=204, summary="Remove a link", tag="Links")
def delete_link(workspace_id: str, project_id: str, item_id: str, link_id: str) -> Any:
    """Remove one of the item's links."""
    item = load_item(project_id, item_id)
    links.remove_link(store(), acting(), g.project, item, link_id)
    return ok(None, 204)


def _subtask(row: dict[str, Any]) -> s.Subtask:
    return s.Subtask(id=row["$id"], title=row["title"], done=bool(row.get("is_completed")),
                     position=row.get("position"))


@api.operation("GET", f"{ITEM}/subtasks", guard=project_required(PP.VIEW_TASKS),
               scope="read", response=s.SubtaskList, summary="List checklist subtasks",
               tag="Subtasks")
def list_subtasks(workspace_id: str, project_id: str, item_id: str) -> Any:
    """The item's checklist, in order."""
    item = load_item(project_id, item_id)
    return ok(s.SubtaskList(data=[_subtask(r) for r in checklist.entries(store(),
                                                                         item["$id"])]))


@api.operation("POST", f"{ITEM}/subtasks", guard=project_required(PP.EDIT_TASKS),
               scope="write", body=s.SubtaskCreate, response=s.Subtask, status=201,
               errors=(409,), summary="Add a checklist subtask", tag="Subtasks")
def create_subtask(workspace_id: str, project_id: str, item_id: str) -> Any:
    """Append an entry to the item's checklist."""
    item = load_item(project_id, item_id)
    data = parse_body(s.SubtaskCreate)
    return ok(_subtask(checklist.add(store(), acting(), g.project, item, data.title)), 201)


@api.operation("PATCH", f"{ITEM}/subtasks/<entry_id>", guard=project_required(PP.EDIT_TASKS),
               scope="write", body=s.SubtaskUpdate, response=s.Subtask,
               summary="Rename or tick a checklist subtask", tag="Subtasks")
def update_subtask(workspace_id: str, project_id: str, item_id: str, entry_id: str) -> Any:
    """Change the title and/or the done flag (ticking the last open entry may move the
    item, per the workflow's automatic transitions)."""
    item = load_item(project_id, item_id)
    data = parse_body(s.SubtaskUpdate)
    if data.title is None and data.done is None:
        raise ApiError(422, "invalid", "Name at least one field to change.",
                       {"body": "Nothing to change."})
    row = None
    if data.title is not None:
        row = checklist.rename(store(), acting(), g.project, item, entry_id, data.title)
    if data.done is not None:
        row = checklist.toggle(store(), acting(), g.project, item, entry_id, data.done)
    return ok(_subtask(row or {}))


@api.operation("DELETE", f"{ITEM}/subtasks/<entry_id>", guard=project_required(PP.EDIT_TASKS),
               scope="write", status=204, summary="Remove a checklist subtask",
               tag="Subtasks")
def delete_subtask(workspace_id: str, project_id: str, item_id: str, entry_id: str) -> Any:
    """Remove an entry from the item's checklist."""
    item = load_item(project_id, item_id)
    checklist.delete(store(), acting(), g.project, item, entry_id)
    return ok(None, 204)
