"""Project roles (permission matrix editor), teams and explicit grants."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from webapp.authz.guards import project_required
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.projects import access, service
from webapp.features.projects.forms import ActionForm, GrantForm, RoleForm, TeamForm
from webapp.features.projects.routes import _members_page, held
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import acting, attach_errors, refused, store
from webapp.htmx import render

bp = Blueprint("project_access", __name__)


def _roles_page(workspace_id: str, project_id: str, *, form: RoleForm | None = None,
                status: int = 200) -> Any:
    roles = service.list_roles(store(), project_id)
    in_use: dict[str, int] = {}
    for member in service.list_project_members(store(), project_id):
        in_use[member.get("role_id") or ""] = in_use.get(member.get("role_id") or "", 0) + 1
    return render(
        "projects/roles.html", status=status, workspace=g.workspace, project=g.project,
        roles=roles, fixed={r["$id"]: access.default_keys(r) for r in roles},
        matrix=access.matrix_rows(), form=form or RoleForm(formdata=None), in_use=in_use,
        held=held(), action_form=ActionForm(formdata=None),
    )


def _back(workspace_id: str, project_id: str, page: str = "roles") -> Any:
    endpoint = ".roles" if page == "roles" else "projects.members"
    return redirect(url_for(endpoint, workspace_id=workspace_id, project_id=project_id), 303)


@bp.route("/w/<workspace_id>/projects/<project_id>/roles")
@project_required(PP.VIEW_MEMBERS)
def roles(workspace_id: str, project_id: str) -> Any:
    return _roles_page(workspace_id, project_id)


@bp.route("/w/<workspace_id>/projects/<project_id>/roles", methods=["POST"])
@project_required(PP.CREATE_ROLES)
def create_role(workspace_id: str, project_id: str) -> Any:
    form = RoleForm()
    if form.validate_on_submit():
        try:
            access.create_role(store(), acting(), project_id, name=form.name.data or "",
                               description=form.description.data,
                               permissions=request.form.getlist("permissions"), held=held())
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            return refused(exc)
        else:
            flash("Role created.", "success")
            return _back(workspace_id, project_id)
    return _roles_page(workspace_id, project_id, form=form, status=422)


@bp.route("/w/<workspace_id>/projects/<project_id>/roles/matrix", methods=["POST"])
@project_required(PP.MANAGE_PERMISSIONS)
def update_matrix(workspace_id: str, project_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = {name.removeprefix("role-"): request.form.getlist(name)
              for name in request.form if name.startswith("role-")}
    try:
        access.update_matrix(store(), acting(), project_id, wanted, held=held())
    except Refused as exc:
        return refused(exc)
    flash("Permissions saved.", "success")
    return _back(workspace_id, project_id)


@bp.route("/w/<workspace_id>/projects/<project_id>/roles/<role_id>/delete", methods=["POST"])
@project_required(PP.DELETE_ROLES)
def delete_role(workspace_id: str, project_id: str, role_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        access.delete_role(store(), acting(), project_id, role_id)
    except Refused as exc:
        return refused(exc)
    flash("Role deleted.", "success")
    return _back(workspace_id, project_id)


# -- teams --------------------------------------------------------------------------------
@bp.route("/w/<workspace_id>/projects/<project_id>/teams", methods=["POST"])
@project_required(PP.CREATE_TEAMS)
def create_team(workspace_id: str, project_id: str) -> Any:
    form = TeamForm()
    if form.validate_on_submit():
        try:
            access.create_team(store(), acting(), project_id, name=form.name.data or "",
                               description=form.description.data)
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash("Team created.", "success")
            return _back(workspace_id, project_id, "members")
    return _members_page(workspace_id, project_id, team_form=form, status=422)


@bp.route("/w/<workspace_id>/projects/<project_id>/teams/<team_id>/members",
          methods=["POST"])
@project_required(PP.MANAGE_TEAMS)
def add_team_member(workspace_id: str, project_id: str, team_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        access.add_team_member(store(), acting(), project_id, team_id,
                               request.form.get("user_id", ""),
                               request.form.get("role", "member"))
    except FieldErrors as exc:
        abort(422, next(iter(exc.errors.values())))
    except Refused as exc:
        return refused(exc)
    flash("Team updated.", "success")
    return _back(workspace_id, project_id, "members")


@bp.route("/w/<workspace_id>/projects/<project_id>/teams/<team_id>/members/<user_id>/remove",
          methods=["POST"])
@project_required(PP.MANAGE_TEAMS)
def remove_team_member(workspace_id: str, project_id: str, team_id: str, user_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        access.remove_team_member(store(), acting(), project_id, team_id, user_id)
    except Refused as exc:
        return refused(exc)
    flash("Team updated.", "success")
    return _back(workspace_id, project_id, "members")


@bp.route("/w/<workspace_id>/projects/<project_id>/teams/<team_id>/permissions",
          methods=["POST"])
@project_required(PP.MANAGE_PERMISSIONS)
def team_permissions(workspace_id: str, project_id: str, team_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        access.set_team_permissions(store(), acting(), project_id, team_id,
                                    request.form.getlist("permissions"), held=held())
    except Refused as exc:
        return refused(exc)
    flash("Team permissions saved.", "success")
    return _back(workspace_id, project_id, "members")


@bp.route("/w/<workspace_id>/projects/<project_id>/teams/<team_id>/delete", methods=["POST"])
@project_required(PP.MANAGE_TEAMS)
def delete_team(workspace_id: str, project_id: str, team_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        access.delete_team(store(), acting(), project_id, team_id)
    except Refused as exc:
        return refused(exc)
    flash("Team deleted.", "success")
    return _back(workspace_id, project_id, "members")


# -- explicit grants ----------------------------------------------------------------------
@bp.route("/w/<workspace_id>/projects/<project_id>/grants", methods=["POST"])
@project_required(PP.MANAGE_PERMISSIONS)
def grant(workspace_id: str, project_id: str) -> Any:
    form = GrantForm()
    if form.validate_on_submit():
        try:
            access.grant(store(), acting(), project_id, form.user_id.data or "",
                         form.permission.data or "", held=held())
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            return refused(exc)
        else:
            flash("Permission granted.", "success")
            return _back(workspace_id, project_id, "members")
    return _members_page(workspace_id, project_id, grant_form=form, status=422)


@bp.route("/w/<workspace_id>/projects/<project_id>/grants/<grant_id>/delete",
          methods=["POST"])
@project_required(PP.MANAGE_PERMISSIONS)
def revoke(workspace_id: str, project_id: str, grant_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        access.revoke(store(), acting(), project_id, grant_id)
    except Refused as exc:
        return refused(exc)
    flash("Permission revoked.", "success")
    return _back(workspace_id, project_id, "members")
