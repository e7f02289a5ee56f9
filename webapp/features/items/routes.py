"""Work item pages: create, the item page with in-place edits, browse-by-key, delete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request

from webapp.authz.guards import authorize, project_required, scope_for, workspace_required
from webapp.authz.loader import NotVisible
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items import markdown, people, service
from webapp.features.items.forms import ItemForm
from webapp.features.items.service import StaleEdit
from webapp.features.items.web import (
    actor_from_request,
    custom_values,
    done,
    fields_for,
    form_values,
    item_url,
    page,
    project_home,
)
from webapp.features.projects import helpers
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import options
from webapp.features.workspaces.web import acting, attach_errors, refused, store
from webapp.htmx import render
from webapp.storage.query import Query

bp = Blueprint("items", __name__)
BASE = "/w/<workspace_id>/projects/<project_id>/items"


def load(item_id: str) -> Any:
    try:
        return service.get_item(store(), g.project["$id"], item_id)
    except Refused:
        abort(404)


def _new_form(form: ItemForm | None = None) -> ItemForm:
    from webapp.features.workflows import engine

    form = form or ItemForm(formdata=None)
    project = g.project
    form.type.choices = options((t["key"], t["label"]) for t in helpers.item_types(project))
    form.priority.choices = options((p["key"], p["label"]) for p in helpers.priorities(project))
    starts = [c for c in engine.all_statuses(store(), project)
              if c.is_initial or c.source == "custom"]
    form.status.choices = options([("", "Default")] + [(c.key, c.name) for c in starts])
    members = people.members(store(), project["$id"])
    form.assignee_ids.choices = options((p.user_id, p.name) for p in members)
    form.parent_id.choices = options([("", "None")] + [
        (i["$id"], f"{i['key']} {i['title']}") for i in store().list("work_items", [
            Query.equal("project_id", project["$id"]), Query.order_desc("number"),
            Query.limit(200)])])
    return form


@bp.route(f"{BASE}/new")
@project_required(PP.CREATE_TASKS)
def new(workspace_id: str, project_id: str) -> Any:
    form = _new_form()
    if request.args.get("parent"):
        form.parent_id.data = request.args["parent"]
    return _new_page(form)


def _new_page(form: ItemForm, status: int = 200, custom_errors: Any = None) -> Any:
    members = people.members(store(), g.project["$id"])
    return render("items/new.html", "items_new", status=status, workspace=g.workspace,
                  project=g.project, form=form, custom_defs=fields_for({"type": None}),
                  custom_errors=custom_errors or {},
                  people_pairs=[(p.user_id, p.name) for p in members])


@bp.route(BASE, methods=["POST"])
@project_required(PP.CREATE_TASKS)
def create(workspace_id: str, project_id: str) -> Any:
    form = _new_form(ItemForm())
    custom_errors: dict[str, str] = {}
    if form.validate_on_submit():
        if form.assignee_ids.data:
            authorize(PP.ASSIGN_TASKS)
        try:
            item = service.create_item(
                store(), acting(), g.project, title=form.title.data or "",
                type=form.type.data or "TASK", priority=form.priority.data or "MEDIUM",
                status=form.status.data or None, description=form.description.data,
                assignee_ids=form.assignee_ids.data or [], story_points=form.story_points.data,
                due_date=form.due_date.data or None, start_date=form.start_date.data or None,
                parent_id=form.parent_id.data or None, labels=form.labels.data or "",
                custom_fields=custom_values(fields_for({"type": form.type.data})),
                reporter_id=g.user["$id"])
        except FieldErrors as exc:
            custom_errors = {k: v for k, v in exc.errors.items() if k.startswith("cf_")}
            attach_errors(form, FieldErrors({k: v for k, v in exc.errors.items()
                                             if not k.startswith("cf_")}))
        except Refused as exc:
            form.status.errors = [exc.message]
        else:
            flash(f"{item['key']} created.", "success")
            return redirect(item_url(item), 303)
    return _new_page(form, 422, custom_errors)


@bp.route(f"{BASE}/<item_id>", endpoint="page")
@project_required(PP.VIEW_TASKS)
def page_view(workspace_id: str, project_id: str, item_id: str) -> Any:
    return page(load(item_id))


@bp.route("/w/<workspace_id>/browse/<key>")
@workspace_required()
def browse(workspace_id: str, key: str) -> Any:
    item = store().first("work_items", [Query.equal("workspace_id", workspace_id),
                                        Query.equal("key", key.strip().upper())])
    if item is None:
        abort(404)
    try:
        scope = scope_for(workspace_id=workspace_id, project_id=item["project_id"])
    except NotVisible:
        abort(404)
    if not scope.allows(PP.VIEW_TASKS):
        abort(404)
    return redirect(item_url(item), 302)


def _version() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        abort(400, "The form is missing the item's version; reload the page.")


@bp.route(f"{BASE}/<item_id>/edit", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def edit(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = load(item_id)
    version = _version()
    changes = form_values(item)
    if "status" in request.form.getlist("fields"):
        changes["status"] = request.form.get("status", "")
    if not changes:
        abort(400, "Nothing to change.")
    if "assignee_ids" in changes:
        authorize(PP.ASSIGN_TASKS)
    try:
        after = service.update_item(store(), acting(), g.project, item_id, changes,
                                    expected_version=version, actor=actor_from_request(),
                                    comment=request.form.get("comment") or None)
    except FieldErrors as exc:
        return page(item, status=422, errors=exc.errors, attempt=changes)
    except StaleEdit as exc:
        return page(exc.current, status=409, conflict=exc, attempt=changes)
    except Refused as exc:
        if exc.status == 403:
            return refused(exc)
        return page(item, status=exc.status, refusal=exc, attempt=changes)
    return done(after, "Saved.")


@bp.route(f"{BASE}/<item_id>/preview", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def preview(workspace_id: str, project_id: str, item_id: str) -> Any:
    load(item_id)
    html, _ = markdown.render(request.form.get("description", ""),
                              people.mention_map(people.members(store(), project_id)))
    return render("items/_preview.html", html=html)


@bp.route(f"{BASE}/<item_id>/delete", methods=["POST"])
@project_required(PP.DELETE_TASKS)
def delete(workspace_id: str, project_id: str, item_id: str) -> Any:
    item = load(item_id)
    if request.form.get("confirm_key", "").strip().upper() != item["key"]:
        return page(item, status=422, errors={"confirm_key": f"Type {item['key']} to confirm."})
    try:
        service.delete_item(store(), acting(), g.project, item_id)
    except Refused as exc:
        return refused(exc)
    flash(f"{item['key']} deleted.", "success")
    target = project_home(workspace_id, project_id)
    if request.headers.get("HX-Request"):
        response = redirect(target, 303)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)
