"""Workspace members and custom roles pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from webapp.authz.guards import workspace_required
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.features.workspaces import members, roles, service
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import (
    ActionForm,
    AddMemberForm,
    CustomRoleForm,
    RoleForm,
    options,
)
from webapp.features.workspaces.web import acting, allowed, attach_errors, refused, store
from webapp.htmx import render

bp = Blueprint("workspace_members", __name__)


def _page(workspace_id: str, *, add_form: AddMemberForm | None = None,
          role_form: CustomRoleForm | None = None, status: int = 200) -> Any:
    workspace = g.workspace
    custom = roles.list_custom_roles(store(), workspace_id)
    by_id = {c["$id"]: c for c in custom}
    rows = members.list_members(store(), workspace_id)
    choices = roles.role_choices(custom)
    add_form = add_form or AddMemberForm(formdata=None)
    candidates = members.org_roster_candidates(store(), workspace)
    add_form.org_member_id.choices = options(
        (m["$id"], f"{m.get('name') or ''} <{m.get('email') or ''}>") for m in candidates
    )
    add_form.role.choices = options(choices)
    if not add_form.role.data:
        add_form.role.data = "WS_EDITOR"
    return render(
        "workspaces/members.html", "workspaces_members_list", status=status,
        workspace=workspace, members=rows, custom_roles=custom, custom_by_id=by_id,
        role_label=roles.role_label, choices=choices, add_form=add_form,
        role_form=role_form or CustomRoleForm(formdata=None), candidates=candidates,
        can_manage=allowed(WP.MANAGE_MEMBERS), permissions=list(WP),
        action_form=ActionForm(formdata=None), me=g.user["$id"],
    )


@bp.route("/w/<workspace_id>/members")
@workspace_required()
def index(workspace_id: str) -> Any:
    return _page(workspace_id)


@bp.route("/w/<workspace_id>/members", methods=["POST"])
@workspace_required(WP.MANAGE_MEMBERS)
def add(workspace_id: str) -> Any:
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            service.add_member_from_org(store(), acting(), workspace_id,
                                        form.org_member_id.data or "", form.role.data or "")
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            if exc.status in (403, 404):
                return refused(exc)
            form.org_member_id.errors = [exc.message]
        else:
            flash("Member added.", "success")
            return redirect(url_for(".index", workspace_id=workspace_id), 303)
    return _page(workspace_id, add_form=form, status=422)


@bp.route("/w/<workspace_id>/members/<member_id>/role", methods=["POST"])
@workspace_required(WP.MANAGE_MEMBERS)
def change_role(workspace_id: str, member_id: str) -> Any:
    form = RoleForm()
    form.role.choices = options(roles.role_choices(roles.list_custom_roles(store(),
                                                                           workspace_id)))
    if not form.validate_on_submit():
        abort(400)
    try:
        members.change_member_role(store(), acting(), workspace_id, member_id,
                                   form.role.data or "")
    except FieldErrors as exc:
        abort(422, next(iter(exc.errors.values())))
    except Refused as exc:
        return refused(exc)
    flash("Role changed.", "success")
    return redirect(url_for(".index", workspace_id=workspace_id), 303)


@bp.route("/w/<workspace_id>/members/<member_id>/remove", methods=["POST"])
@workspace_required(WP.MANAGE_MEMBERS)
def remove(workspace_id: str, member_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        members.remove_member(store(), acting(), workspace_id, member_id)
    except Refused as exc:
        return refused(exc)
    flash("Member removed.", "success")
    return redirect(url_for(".index", workspace_id=workspace_id), 303)


@bp.route("/w/<workspace_id>/roles", methods=["POST"])
@workspace_required(WP.MANAGE_MEMBERS)
def create_role(workspace_id: str) -> Any:
    form = CustomRoleForm()
    if form.validate_on_submit():
        try:
            roles.create_custom_role(store(), acting(), workspace_id, name=form.name.data or "",
                                     description=form.description.data,
                                     permissions=request.form.getlist("permissions"))
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Role created.", "success")
            return redirect(url_for(".index", workspace_id=workspace_id) + "#roles", 303)
    return _page(workspace_id, role_form=form, status=422)


@bp.route("/w/<workspace_id>/roles/<role_id>/delete", methods=["POST"])
@workspace_required(WP.MANAGE_MEMBERS)
def delete_role(workspace_id: str, role_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        roles.delete_custom_role(store(), acting(), workspace_id, role_id)
    except Refused as exc:
        return refused(exc)
    flash("Role deleted.", "success")
    return redirect(url_for(".index", workspace_id=workspace_id) + "#roles", 303)
