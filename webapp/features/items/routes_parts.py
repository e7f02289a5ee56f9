"""Work item page parts: sub-issues, checklist, links (with the item picker), split,
clone and move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, request

from webapp.authz.guards import project_required, scope_for
from webapp.authz.loader import NotVisible
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items import checklist, links, ops, service
from webapp.features.items.routes import BASE, bp, load
from webapp.features.items.web import done, item_url, page
from webapp.features.projects.service import list_projects
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import acting, refused, store
from webapp.htmx import render
from webapp.storage.query import Query

ITEM = f"{BASE}/<item_id>"


def _failed(item: dict[str, Any], exc: Exception) -> Any:
    if isinstance(exc, FieldErrors):
        return page(item, status=422, errors=exc.errors)
    assert isinstance(exc, Refused)
    if exc.status in (403, 404):
        return refused(exc)
    return page(item, status=exc.status, refusal=exc)


def _change(item_id: str, write: Callable[[dict[str, Any]], Any], *, reload: bool = False,
            error_key: str | None = None) -> Any:
    """Load the item, run ``write(item)`` and answer the refreshed page part (``reload``:
    from the item as it is now). An input error shows at ``error_key``; others as
    ``_failed``."""
    item = load(item_id)
    try:
        write(item)
    except (FieldErrors, Refused) as exc:
        if error_key and isinstance(exc, FieldErrors):
            return page(item, status=422, errors={error_key: next(iter(exc.errors.values()))})
        return _failed(item, exc)
    return done(load(item_id) if reload else item)


@bp.route(f"{ITEM}/subs", methods=["POST"])
@project_required(PP.CREATE_TASKS)
def add_sub(workspace_id: str, project_id: str, item_id: str) -> Any:
    return _change(item_id, lambda item: service.create_item(
        store(), acting(), g.project, title=request.form.get("title", ""),
        type="SUBTASK" if item["type"] != "EPIC" else "STORY", parent_id=item["$id"],
        reporter_id=g.user["$id"]), reload=True, error_key="sub_title")


# -- checklist --------------------------------------------------------------------------------
@bp.route(f"{ITEM}/checklist", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def checklist_add(workspace_id: str, project_id: str, item_id: str) -> Any:
    return _change(item_id, lambda item: checklist.add(
        store(), acting(), g.project, item, request.form.get("title")), error_key="checklist")


@bp.route(f"{ITEM}/checklist/<entry_id>/toggle", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def checklist_toggle(workspace_id: str, project_id: str, item_id: str, entry_id: str) -> Any:
    wanted = request.form.get("done")
    return _change(item_id, lambda item: checklist.toggle(
        store(), acting(), g.project, item, entry_id,
        None if wanted is None else wanted in ("1", "on", "true")), reload=True)


@bp.route(f"{ITEM}/checklist/<entry_id>/rename", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def checklist_rename(workspace_id: str, project_id: str, item_id: str, entry_id: str) -> Any:
    return _change(item_id, lambda item: checklist.rename(
        store(), acting(), g.project, item, entry_id, request.form.get("title")),
        error_key=f"entry_{entry_id}")


@bp.route(f"{ITEM}/checklist/<entry_id>/delete", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def checklist_delete(workspace_id: str, project_id: str, item_id: str, entry_id: str) -> Any:
    return _change(item_id, lambda item: checklist.delete(store(), acting(), g.project, item,
                                                          entry_id))


@bp.route(f"{ITEM}/checklist/order", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def checklist_order(workspace_id: str, project_id: str, item_id: str) -> Any:
    return _change(item_id, lambda item: checklist.reorder(
        store(), acting(), g.project, item, request.form.getlist("entry")))


# -- links -------------------------------------------------------------------------------------
def _visible_project_ids() -> set[str]:
    out = set()
    for project in list_projects(store(), g.workspace["$id"], g.user["$id"], sees_all=True):
        try:
            scope = scope_for(workspace_id=g.workspace["$id"], project_id=project["$id"])
        except NotVisible:
            continue
        if scope.allows(PP.VIEW_TASKS):
            out.add(project["$id"])
    return out


@bp.route(f"{ITEM}/picker")
@project_required(PP.VIEW_TASKS)
def picker(workspace_id: str, project_id: str, item_id: str) -> Any:
    """Items of the workspace (projects the user may see) matching a key or title."""
    item = load(item_id)
    text = (request.args.get("q") or request.args.get("other_key") or "").strip()
    found: list[dict[str, Any]] = []
    if text:
        base = [Query.equal("workspace_id", workspace_id)]
        if "-" in text and text.split("-")[-1].isdigit():
            found = store().list("work_items", [*base, Query.equal("key", text.upper())]
                                 ).documents
        if not found:
            found = store().list("work_items", [*base, Query.search("title", text),
                                                Query.limit(20)]).documents
        visible = _visible_project_ids()
        found = [f for f in found if f["project_id"] in visible and f["$id"] != item["$id"]]
    return render("items/_picker.html", results=found[:10], query=text)


@bp.route(f"{ITEM}/links", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def link_add(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = load(item_id)
    other_id = request.form.get("other_id", "").strip()
    key = request.form.get("other_key", "").strip().upper()
    if not other_id and key:
        other = store().first("work_items", [Query.equal("workspace_id", workspace_id),
                                             Query.equal("key", key)])
        other_id = other["$id"] if other else ""
    other = store().find("work_items", other_id) if other_id else None
    if other is None or other["workspace_id"] != workspace_id or (
            other["project_id"] not in _visible_project_ids()):
        return page(item, status=422, errors={"link": "Choose a work item of this workspace "
                                                      "(search by key or title)."})
    try:
        links.add_link(store(), acting(), g.project, item, other["$id"],
                       request.form.get("link_type", ""))
    except Refused as exc:
        if exc.status in (403, 404):
            return refused(exc)
        return page(item, status=422, errors={"link": exc.message})
    return done(item)


@bp.route(f"{ITEM}/links/<link_id>/delete", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def link_remove(workspace_id: str, project_id: str, item_id: str, link_id: str) -> Any:
    return _change(item_id, lambda item: links.remove_link(store(), acting(), g.project, item,
                                                           link_id))


# -- split, clone, move -------------------------------------------------------------------------
@bp.route(f"{ITEM}/split", methods=["POST"])
@project_required(PP.CREATE_TASKS)
def split(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = load(item_id)
    parts = list(zip(request.form.getlist("part_title"), request.form.getlist("part_points"),
                     strict=False))
    try:
        made = ops.split_item(store(), acting(), g.project, item_id, parts)
    except (FieldErrors, Refused) as exc:
        if isinstance(exc, FieldErrors):
            return page(item, status=422, errors={"split": next(iter(exc.errors.values()))})
        return _failed(item, exc)
    flash(f"{item['key']} split into {', '.join(m['key'] for m in made)}.", "success")
    return done(load(item_id), "Split.")


@bp.route(f"{ITEM}/clone", methods=["POST"])
@project_required(PP.CREATE_TASKS)
def clone(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = load(item_id)
    try:
        new = ops.clone_item(store(), acting(), g.project, item_id,
                             title=request.form.get("title"))
    except (FieldErrors, Refused) as exc:
        return _failed(item, exc)
    flash(f"{item['key']} cloned as {new['key']}.", "success")
    return _go(new)


def _go(item: dict[str, Any]) -> Any:
    target = item_url(item)
    response = redirect(target, 303)
    if request.headers.get("HX-Request"):
        response.headers["HX-Redirect"] = target
    return response


@bp.route(f"{ITEM}/move", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def move(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = load(item_id)
    target_id = request.form.get("target_project_id", "")
    target = store().find("projects", target_id) if target_id else None
    allowed_target = False
    if target is not None and target["workspace_id"] == workspace_id:
        try:
            allowed_target = scope_for(workspace_id=workspace_id,
                                       project_id=target_id).allows(PP.CREATE_TASKS)
        except NotVisible:
            allowed_target = False
    if not allowed_target or target is None:
        return page(item, status=422, errors={"move": "Choose a project of this workspace "
                                                      "where you may create work items."})
    try:
        moved = ops.move_item(store(), acting(), g.project, item_id, target)
    except FieldErrors as exc:
        return page(item, status=422, errors={"move": next(iter(exc.errors.values()))})
    except Refused as exc:
        return _failed(item, exc)
    flash(f"{item['key']} moved to {target['name']} as {moved['key']}.", "success")
    return _go(moved)
