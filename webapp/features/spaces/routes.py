"""Space pages (thin: parse, guard, one service call, render)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from webapp.authz.guards import space_required, workspace_required
from webapp.authz.vocabulary import SpacePermission as SP
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.features.spaces import service
from webapp.features.spaces.forms import (
    ROLE_CHOICES,
    ActionForm,
    AddSpaceMemberForm,
    SpaceForm,
    SpaceSettingsForm,
)
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import options
from webapp.features.workspaces.members import list_members
from webapp.features.workspaces.web import acting, allowed, attach_errors, refused, store
from webapp.htmx import render
from webapp.storage.query import Query

bp = Blueprint("spaces", __name__)


def _list_page(workspace_id: str, form: SpaceForm | None = None, status: int = 200) -> Any:
    show_archived = request.args.get("archived") == "1"
    spaces = service.list_spaces(store(), workspace_id, g.user["$id"],
                                 sees_private=allowed(WP.MANAGE_SETTINGS),
                                 archived=show_archived)
    return render("spaces/index.html", "spaces_list", status=status, workspace=g.workspace,
                  spaces=spaces, form=form or SpaceForm(formdata=None),
                  show_archived=show_archived, can_create=allowed(WP.CREATE_SPACES))


@bp.route("/w/<workspace_id>/spaces")
@workspace_required()
def index(workspace_id: str) -> Any:
    return _list_page(workspace_id)


@bp.route("/w/<workspace_id>/spaces", methods=["POST"])
@workspace_required(WP.CREATE_SPACES)
def create(workspace_id: str) -> Any:
    form = SpaceForm()
    if form.validate_on_submit():
        try:
            space = service.create_space(
                store(), acting(), workspace_id, creator_id=g.user["$id"],
                name=form.name.data or "", key=form.key.data or "",
                description=form.description.data, visibility=form.visibility.data or "PUBLIC",
                template=form.template.data or "SOFTWARE")
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash(f"Space “{space['name']}” created.", "success")
            return redirect(url_for(".show", workspace_id=workspace_id,
                                    space_id=space["$id"]), 303)
    return _list_page(workspace_id, form, 422)


def _space_page(workspace_id: str, space_id: str, *, settings_form: Any = None,
                member_form: Any = None, status: int = 200) -> Any:
    space = g.space
    members = service.list_space_members(store(), space_id)
    ws_members = {m["user_id"]: m for m in list_members(store(), workspace_id)}
    member_form = member_form or AddSpaceMemberForm(formdata=None)
    inside = {m["user_id"] for m in members}
    member_form.user_id.choices = options(
        (uid, m.get("name") or m.get("email") or uid)
        for uid, m in ws_members.items() if uid not in inside
    )
    if settings_form is None:
        settings_form = SpaceSettingsForm(formdata=None, data={
            name: space.get(name) for name in (
                "name", "key", "description", "visibility", "template",
                "default_workflow_id", "workflow_inheritance")
        })
    projects = store().list("projects", [Query.equal("space_id", space_id),
                                         Query.order_asc("name"), Query.limit(500)])
    return render(
        "spaces/show.html", status=status, workspace=g.workspace, space=space,
        members=members, ws_members=ws_members, projects=projects.documents,
        settings_form=settings_form, member_form=member_form, role_choices=ROLE_CHOICES,
        action_form=ActionForm(formdata=None), role_label=service.role_label,
    )


@bp.route("/w/<workspace_id>/spaces/<space_id>")
@space_required()
def show(workspace_id: str, space_id: str) -> Any:
    return _space_page(workspace_id, space_id)


@bp.route("/w/<workspace_id>/spaces/<space_id>/settings", methods=["POST"])
@space_required(SP.EDIT_SPACE_SETTINGS)
def settings(workspace_id: str, space_id: str) -> Any:
    form = SpaceSettingsForm()
    if form.validate_on_submit():
        try:
            service.update_space(
                store(), acting(), space_id, name=form.name.data, key=form.key.data,
                description=form.description.data, visibility=form.visibility.data,
                template=form.template.data, default_workflow_id=form.default_workflow_id.data,
                workflow_inheritance=form.workflow_inheritance.data)
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Space settings saved.", "success")
            return redirect(url_for(".show", workspace_id=workspace_id, space_id=space_id), 303)
    return _space_page(workspace_id, space_id, settings_form=form, status=422)


@bp.route("/w/<workspace_id>/spaces/<space_id>/archive", methods=["POST"])
@space_required(SP.EDIT_SPACE_SETTINGS)
def archive(workspace_id: str, space_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    archived = not g.space.get("archived")
    service.set_archived(store(), acting(), space_id, archived)
    flash("Space archived." if archived else "Space restored.", "success")
    return redirect(url_for(".show", workspace_id=workspace_id, space_id=space_id), 303)


@bp.route("/w/<workspace_id>/spaces/<space_id>/delete", methods=["POST"])
@space_required(SP.DELETE_SPACE)
def delete(workspace_id: str, space_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.delete_space(store(), acting(), space_id)
    except Refused as exc:
        return refused(exc)
    flash(f"Space “{g.space['name']}” deleted.", "success")
    return redirect(url_for(".index", workspace_id=workspace_id), 303)


@bp.route("/w/<workspace_id>/spaces/<space_id>/members", methods=["POST"])
@space_required(SP.MANAGE_SPACE_MEMBERS)
def add_member(workspace_id: str, space_id: str) -> Any:
    form = AddSpaceMemberForm()
    if form.validate_on_submit():
        try:
            service.add_space_member(store(), acting(), space_id, form.user_id.data or "",
                                     form.role.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            form.user_id.errors = [exc.message]
        else:
            flash("Member added to the space.", "success")
            return redirect(url_for(".show", workspace_id=workspace_id, space_id=space_id), 303)
    return _space_page(workspace_id, space_id, member_form=form, status=422)


@bp.route("/w/<workspace_id>/spaces/<space_id>/members/<user_id>/role", methods=["POST"])
@space_required(SP.MANAGE_SPACE_MEMBERS)
def change_role(workspace_id: str, space_id: str, user_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.change_space_member_role(store(), acting(), space_id, user_id,
                                         request.form.get("role", ""))
    except FieldErrors as exc:
        abort(422, next(iter(exc.errors.values())))
    except Refused as exc:
        return refused(exc)
    flash("Role changed.", "success")
    return redirect(url_for(".show", workspace_id=workspace_id, space_id=space_id), 303)


@bp.route("/w/<workspace_id>/spaces/<space_id>/members/<user_id>/remove", methods=["POST"])
@space_required(SP.MANAGE_SPACE_MEMBERS)
def remove_member(workspace_id: str, space_id: str, user_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.remove_space_member(store(), acting(), space_id, user_id)
    except Refused as exc:
        return refused(exc)
    flash("Member removed from the space.", "success")
    return redirect(url_for(".show", workspace_id=workspace_id, space_id=space_id), 303)
