"""Work items: list (filters, sort, cursor pages), get by id or key, create, update with
``If-Match``, delete, and the statuses an item may move to."""

from __future__ import annotations

from typing import Any

from flask import g, url_for
from werkzeug.datastructures import MultiDict

from webapp.api import schemas as s
from webapp.api.base import acting, api, etag, if_match, load_item, store
from webapp.api.errors import ApiError
from webapp.api.router import ok, parse_body, parse_query
from webapp.authz.guards import authorize, project_required, scope_for, workspace_required
from webapp.authz.loader import NotVisible
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items import service
from webapp.features.items.query import SORTS, ItemFilter
from webapp.features.items.web import actor_from_request
from webapp.features.table import service as table
from webapp.features.workflows import engine
from webapp.features.workspaces.web import allowed
from webapp.storage.query import Query

ITEMS = "/workspaces/<workspace_id>/projects/<project_id>/items"
ITEM = f"{ITEMS}/<item_id>"
NOT_NULL = ("title", "type", "priority", "flagged", "status")
LISTS = ("assignee_ids", "labels")
ETAG_HEADER = {"ETag": "The item's version, for If-Match."}
IF_MATCH = {"If-Match": ("The ETag (version) the change was made against.", True)}


def _item(doc: dict[str, Any]) -> s.WorkItem:
    return s.of(s.WorkItem, doc)


def _with_etag(doc: dict[str, Any], status: int = 200) -> Any:
    return ok(_item(doc), status, {"ETag": etag(doc.get("version"))})


@api.operation("GET", ITEMS, guard=project_required(PP.VIEW_TASKS), scope="read",
               query=s.ItemQuery, response=s.WorkItemPage, summary="List work items",
               tag="Work items")
def list_items(workspace_id: str, project_id: str) -> Any:
    """Filter by status, priority, type, assignee (``me`` for yourself), label and text;
    sort by key, title, due date, update/creation time or points (``-`` for descending);
    page with ``limit`` and the ``next_cursor`` of the previous page."""
    q = parse_query(s.ItemQuery)
    ctx = table.filter_context(store(), g.project, g.user["$id"])
    args: MultiDict[str, str] = MultiDict()
    for name in ("status", "priority", "type", "assignee", "label"):
        for value in getattr(q, name) or []:
            args.add(name, value)
    if q.q:
        args.add("q", q.q)
    args.add("sort", q.sort)
    flt = ItemFilter.from_args(args, ctx)
    if flt.notices:
        raise ApiError(400, "invalid_filter", "Some filter values are unknown.",
                       {"filter": " ".join(flt.notices)})
    attribute = SORTS[flt.sort]
    queries = [Query.equal("project_id", project_id), *flt.queries(),
               Query.order_desc(attribute) if flt.desc else Query.order_asc(attribute)]
    if flt.sort != "key":
        queries.append(Query.order_desc("number"))
    if q.cursor:
        anchor = store().find("work_items", q.cursor)
        if anchor is None or anchor["project_id"] != project_id:
            raise ApiError(400, "invalid_cursor", "This cursor is not valid for this list.",
                           {"cursor": "Use the next_cursor of the previous page."})
        queries.append(Query.cursor_after(q.cursor))
    rows = store().list("work_items", [*queries, Query.limit(q.limit + 1)]).documents
    more = len(rows) > q.limit
    rows = rows[:q.limit]
    return ok(s.WorkItemPage(data=[_item(r) for r in rows],
                             next_cursor=rows[-1]["$id"] if more and rows else None))


@api.operation("POST", ITEMS, guard=project_required(PP.CREATE_TASKS), scope="write",
               body=s.WorkItemCreate, response=s.WorkItem, status=201, errors=(409,),
               headers=ETAG_HEADER, summary="Create a work item", tag="Work items")
def create_item(workspace_id: str, project_id: str) -> Any:
    """A new item in the workflow's initial status (or the given initial status). Setting
    assignees needs ``project.tasks.assign``."""
    data = parse_body(s.WorkItemCreate)
    values = data.model_dump(exclude_unset=True, exclude_none=True)
    if values.get("assignee_ids"):
        authorize(PP.ASSIGN_TASKS)
    title = values.pop("title")
    item = service.create_item(store(), acting(), g.project, title=title,
                               reporter_id=g.user["$id"], **values)
    response = _with_etag(item, 201)
    response.headers["Location"] = url_for("api.get_item", workspace_id=workspace_id,
                                           project_id=project_id, item_id=item["$id"])
    return response


@api.operation("GET", ITEM, guard=project_required(PP.VIEW_TASKS), scope="read",
               response=s.WorkItem, headers=ETAG_HEADER, summary="Get a work item",
               tag="Work items")
def get_item(workspace_id: str, project_id: str, item_id: str) -> Any:
    """By id or by key (``WEB-12``)."""
    return _with_etag(load_item(project_id, item_id))


@api.operation("GET", "/workspaces/<workspace_id>/items/<key>", guard=workspace_required(),
               scope="read", response=s.WorkItem, headers=ETAG_HEADER,
               summary="Get a work item by key", tag="Work items")
def get_item_by_key(workspace_id: str, key: str) -> Any:
    """Any item of the workspace by its key; 404 unless the user may see its project."""
    item = store().first("work_items", [Query.equal("workspace_id", workspace_id),
                                        Query.equal("key", key.strip().upper()[:24])])
    if item is None:
        raise ApiError(404, "item_not_found", "This work item does not exist.")
    try:
        scope = scope_for(workspace_id=workspace_id, project_id=item["project_id"])
    except NotVisible:
        scope = None
    if scope is None or not scope.allows(PP.VIEW_TASKS):
        raise ApiError(404, "item_not_found", "This work item does not exist.")
    return _with_etag(item)


@api.operation("PATCH", ITEM, guard=project_required(PP.EDIT_TASKS), scope="write",
               body=s.WorkItemUpdate, response=s.WorkItem, errors=(409, 428),
               headers=ETAG_HEADER, request_headers=IF_MATCH, summary="Update a work item",
               tag="Work items")
def update_item(workspace_id: str, project_id: str, item_id: str) -> Any:
    """Change the fields named in the body. ``If-Match`` must carry the version the change
    was made against: a stale one is 409 ``stale_version`` (nothing written; ``errors``
    names the fields changed since, ``ETag`` the current version). A ``status`` moves the
    item through the workflow; a refused transition is 409 with the rule's code. Changing
    assignees needs ``project.tasks.assign``."""
    item = load_item(project_id, item_id)
    version = if_match(required=True)
    changes = parse_body(s.WorkItemUpdate).model_dump(exclude_unset=True)
    comment = changes.pop("comment", None)
    nulls = {k: "This field cannot be null." for k in NOT_NULL if k in changes
             and changes[k] is None}
    if nulls:
        raise ApiError(422, "invalid", "Some fields are invalid.", nulls)
    for name in LISTS:
        if name in changes and changes[name] is None:
            changes[name] = []
    if "custom_fields" in changes and changes["custom_fields"] is None:
        changes["custom_fields"] = {}
    if not changes:
        raise ApiError(422, "invalid", "Name at least one field to change.",
                       {"body": "Nothing to change."})
    if "assignee_ids" in changes:
        authorize(PP.ASSIGN_TASKS)
    after = service.update_item(
        store(), acting(), g.project, item["$id"], changes,
        expected_version=version if version is not None else int(item.get("version") or 1),
        actor=actor_from_request(), comment=comment)
    return _with_etag(after)


@api.operation("DELETE", ITEM, guard=project_required(PP.DELETE_TASKS), scope="write",
               status=204, errors=(409,), summary="Delete a work item", tag="Work items",
               request_headers={"If-Match": ("Optional: delete only this version.", False)})
def delete_item(workspace_id: str, project_id: str, item_id: str) -> Any:
    """Delete the item with its checklist and links (sub-issues stay, unparented). With
    ``If-Match``, only when the item is still at that version."""
    item = load_item(project_id, item_id)
    service.delete_item(store(), acting(), g.project, item["$id"],
                        expected_version=if_match(required=False))
    return ok(None, 204)


@api.operation("GET", f"{ITEM}/transitions", guard=project_required(PP.VIEW_TASKS),
               scope="read", response=s.StatusList, summary="Allowed transitions",
               tag="Workflows")
def list_transitions(workspace_id: str, project_id: str, item_id: str) -> Any:
    """The statuses the caller may move this item to now (its own status included);
    empty for those who may not edit items."""
    item = load_item(project_id, item_id)
    if not allowed(PP.EDIT_TASKS):
        return ok(s.StatusList(data=[]))
    actor = actor_from_request()
    targets = engine.allowed_targets(store(), g.project, item, user_id=actor.user_id,
                                     project_role=actor.project_role,
                                     team_ids=actor.team_ids)
    return ok(s.StatusList(data=[s.status_from(c) for c in targets]))
