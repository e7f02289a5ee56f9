"""Workspace pages (thin: parse, guard, one service call, render)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, send_file, url_for

from webapp.audit.service import list_entries
from webapp.authz.guards import login_required, workspace_required
from webapp.authz.loader import NotVisible, load_scope
from webapp.authz.vocabulary import OrgPermission
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.extensions import runtime
from webapp.features.workspaces import members, service, user_workspaces
from webapp.features.workspaces.errors import PERSONAL_LIMIT_MESSAGE, FieldErrors, Refused
from webapp.features.workspaces.forms import (
    ActionForm,
    CreateWorkspaceForm,
    DeleteForm,
    ImageForm,
    SettingsForm,
    options,
)
from webapp.features.workspaces.images import BUCKET, store_image
from webapp.features.workspaces.web import acting, attach_errors, refused, store
from webapp.htmx import render
from webapp.storage.query import Query

bp = Blueprint("workspaces", __name__)

NO_CREATE_PERMISSION = ("Creating workspaces needs the Create Workspaces permission in your "
                        "organization. Owners and admins hold it; ask one of them to create "
                        "the workspace for you or to grant you the permission through a "
                        "department.")


def _creatable_orgs(user: dict[str, Any]) -> list[dict[str, Any]]:
    """Organizations where the user may create workspaces (``org.workspace.create``)."""
    from webapp.features.orgs.service import list_user_organizations

    found = []
    for org in list_user_organizations(store(), user["$id"]):
        try:
            scope = load_scope(store(), user, org_id=org["$id"])
        except NotVisible:
            continue
        if scope.allows(OrgPermission.WORKSPACE_CREATE):
            found.append(org)
    return found


@bp.route("/workspaces/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    user = g.user
    form = CreateWorkspaceForm()
    orgs = _creatable_orgs(user)
    personal = service.is_personal_account(user)
    form.organization_id.choices = options((o["$id"], o["name"]) for o in orgs)
    at_limit = personal and service.owned_workspace_count(store(), user["$id"]) >= 1
    may_create = not at_limit if personal else bool(orgs)
    status = 200 if may_create else 403  # the page explains why (and how to get there)
    if may_create and form.validate_on_submit():
        org_id = form.organization_id.data or None
        if org_id is not None and org_id not in {o["$id"] for o in orgs}:
            abort(403)
        if org_id is None and not personal:
            if not orgs:
                abort(403, NO_CREATE_PERMISSION)
            org_id = orgs[0]["$id"]
        try:
            workspace = service.create_workspace(store(), acting(), owner_id=user["$id"],
                                                 name=form.name.data or "",
                                                 organization_id=org_id)
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        except Refused as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(f"Workspace “{workspace['name']}” created.", "success")
            return redirect(url_for(".home", workspace_id=workspace["$id"]), 303)
    elif may_create and form.is_submitted():
        status = 422
    return render("workspaces/create.html", "workspaces_create_form", status=status, form=form,
                  orgs=orgs, at_limit=at_limit, personal=personal,
                  no_permission=NO_CREATE_PERMISSION if not personal and not orgs else None,
                  limit_message=PERSONAL_LIMIT_MESSAGE)


@bp.route("/workspaces")
@login_required
def index() -> Any:
    user = g.user
    workspaces = service.list_user_workspaces(store(), user["$id"])
    if service.is_personal_account(user):
        may_create = service.owned_workspace_count(store(), user["$id"]) < 1
    else:
        may_create = bool(_creatable_orgs(user))
    return render("workspaces/index.html", workspaces=workspaces, may_create=may_create)


@bp.route("/workspaces/switcher")
@login_required
def switcher() -> Any:
    """The header switcher's list, loaded when the menu is first opened (pages do not pay
    for it on every request)."""
    return render("workspaces/_switcher_list.html", workspaces=user_workspaces(),
                  current=request.args.get("current", ""))


@bp.route("/w/<workspace_id>")
@workspace_required()
def home(workspace_id: str) -> Any:
    ws = [Query.equal("workspace_id", workspace_id)]
    counts = {
        "members": store().count("workspace_members", [*ws, Query.equal("status", "ACTIVE")]),
        "projects": store().count("projects", ws),
        "spaces": store().count("spaces", [*ws, Query.equal("archived", False)]),
    }
    recent = list_entries(store(), workspace_id=workspace_id, limit=8)
    return render("workspaces/home.html", workspace=g.workspace, counts=counts,
                  recent=recent.documents, features=service.features_of(g.workspace))


@bp.route("/w/<workspace_id>/switch", methods=["POST"])
@workspace_required()
def switch(workspace_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    service.switch_workspace(store(), acting(), g.user["$id"], workspace_id)
    return redirect(url_for(".home", workspace_id=workspace_id), 303)


@bp.route("/w/<workspace_id>/image")
@workspace_required()
def image(workspace_id: str) -> Any:
    file_id = g.workspace.get("image_file_id")
    if not file_id or not runtime().files.exists(BUCKET, file_id):
        abort(404)
    response = send_file(runtime().files.open(BUCKET, file_id), mimetype="image/png",
                         max_age=0)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _settings_form(workspace: dict[str, Any]) -> SettingsForm:
    form = SettingsForm()
    if not form.is_submitted():
        form.name.data = workspace["name"]
        form.ui_mode.data = workspace.get("ui_mode") or "ADVANCED"
        for name, on in service.features_of(workspace).items():
            form[name].data = on
    return form


@bp.route("/w/<workspace_id>/settings", methods=["GET", "POST"])
@workspace_required(WP.MANAGE_SETTINGS)
def settings(workspace_id: str) -> Any:
    form = _settings_form(g.workspace)
    status = 200
    if form.validate_on_submit():
        try:
            service.update_settings(
                store(), acting(), workspace_id, name=form.name.data or "",
                ui_mode=form.ui_mode.data or "ADVANCED",
                features={name: bool(form[name].data) for name in service.FEATURES})
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        else:
            flash("Settings saved.", "success")
            return redirect(url_for(".settings", workspace_id=workspace_id), 303)
    elif form.is_submitted():
        status = 422
    return render("workspaces/settings.html", "workspaces_settings_form", status=status,
                  form=form, workspace=g.workspace, image_form=ImageForm(),
                  feature_names=service.FEATURES)


@bp.route("/w/<workspace_id>/settings/image", methods=["POST"])
@workspace_required(WP.MANAGE_SETTINGS)
def upload_image(workspace_id: str) -> Any:
    form = ImageForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("remove"):
        service.update_settings(store(), acting(), workspace_id, remove_image=True)
        flash("Image removed.", "success")
        return redirect(url_for(".settings", workspace_id=workspace_id), 303)
    upload = form.image.data
    try:
        file_id = store_image(runtime().files, upload.read() if upload else b"")
    except FieldErrors as exc:
        attach_errors(form, exc)
        return render("workspaces/settings.html", status=422, form=_settings_form(g.workspace),
                      workspace=g.workspace, image_form=form, feature_names=service.FEATURES)
    old = g.workspace.get("image_file_id")
    service.update_settings(store(), acting(), workspace_id, image_file_id=file_id)
    if old:
        runtime().files.delete(BUCKET, old)
    flash("Image updated.", "success")
    return redirect(url_for(".settings", workspace_id=workspace_id), 303)


@bp.route("/w/<workspace_id>/delete", methods=["GET", "POST"])
@workspace_required(WP.DELETE_WORKSPACE)
def delete(workspace_id: str) -> Any:
    form = DeleteForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.delete_workspace(store(), acting(), workspace_id,
                                     confirm_name=form.confirm_name.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
            status = 422
        else:
            flash(f"Workspace “{g.workspace['name']}” deleted.", "success")
            return redirect(url_for("web.home"), 303)
    elif form.is_submitted():
        status = 422
    ws = [Query.equal("workspace_id", workspace_id)]
    counts = {name: store().count(name, ws)
              for name in ("projects", "spaces", "workspace_members")}
    return render("workspaces/delete.html", "workspaces_delete_form", status=status, form=form,
                  workspace=g.workspace, counts=counts)


@bp.route("/w/<workspace_id>/leave", methods=["GET", "POST"])
@workspace_required()
def leave(workspace_id: str) -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        try:
            members.leave_workspace(store(), acting(), workspace_id, g.user["$id"])
        except Refused as exc:
            return refused(exc)
        flash(f"You left “{g.workspace['name']}”.", "success")
        return redirect(url_for("web.home"), 303)
    return render("workspaces/leave.html", form=form, workspace=g.workspace)


@bp.route("/w/<workspace_id>/activity")
@workspace_required()
def activity(workspace_id: str) -> Any:
    cursor = request.args.get("after") or None
    page = list_entries(store(), workspace_id=workspace_id, limit=50, cursor=cursor)
    entries = page.documents
    more = entries[-1]["$id"] if len(entries) == 50 else None
    return render("workspaces/activity.html", "workspaces_activity_list",
                  workspace=g.workspace, entries=entries, more=more)


# -- invite codes ------------------------------------------------------------------------
@bp.route("/w/<workspace_id>/invite-code", methods=["POST"])
@workspace_required(WP.MANAGE_MEMBERS)
def reset_code(workspace_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        members.reset_invite_code(store(), acting(), workspace_id)
    except Refused as exc:
        return refused(exc)
    flash("A new invite code was created; the old one no longer works.", "success")
    return redirect(url_for("workspace_members.index", workspace_id=workspace_id), 303)


@bp.route("/w/join/<code>", methods=["GET", "POST"])
@login_required
def join(code: str) -> Any:
    workspace = members.workspace_for_code(store(), code)
    if workspace is None:
        abort(404, "This invite code is not valid. Ask for a new link.")
    form = ActionForm()
    if form.validate_on_submit():
        try:
            members.join_by_code(store(), acting(), g.user["$id"], code)
        except Refused as exc:
            return refused(exc)
        flash(f"Welcome to “{workspace['name']}”.", "success")
        return redirect(url_for(".home", workspace_id=workspace["$id"]), 303)
    existing = service.get_membership(store(), workspace["$id"], g.user["$id"])
    already = existing is not None and existing["status"] == "ACTIVE"
    return render("workspaces/join.html", form=form, workspace=workspace, code=code,
                  already=already)
