"""Project list/create, members and the project activity feed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for

from webapp.audit.service import list_entries
from webapp.authz.guards import project_required, workspace_required
from webapp.authz.policy import effective_project_permissions, effective_project_role
from webapp.authz.roles import ProjectRole
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.extensions import runtime
from webapp.features.projects import access, service
from webapp.features.projects.forms import (
    ActionForm,
    AddMemberForm,
    GrantForm,
    ProjectForm,
    TeamForm,
)
from webapp.features.spaces.service import list_spaces
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import options
from webapp.features.workspaces.images import BUCKET, store_image
from webapp.features.workspaces.members import list_members
from webapp.features.workspaces.web import acting, allowed, attach_errors, refused, store
from webapp.htmx import render
from webapp.storage.query import Query

bp = Blueprint("projects", __name__)


def project_home(workspace_id: str, project_id: str) -> str:
    """The project's board when the board feature is installed, else its members page."""
    for endpoint in ("board.board", "board.index"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, workspace_id=workspace_id, project_id=project_id)
    return url_for("projects.members", workspace_id=workspace_id, project_id=project_id)


def actor_role() -> ProjectRole | None:
    return effective_project_role(g.access.complete())


def held() -> frozenset[str]:
    return frozenset(p.value for p in effective_project_permissions(g.access.complete()))


def _list_page(workspace_id: str, form: ProjectForm | None = None, status: int = 200) -> Any:
    sees_all = effective_project_role(g.access.complete()) is ProjectRole.PROJECT_OWNER
    projects = service.list_projects(store(), workspace_id, g.user["$id"], sees_all=sees_all)
    spaces = list_spaces(store(), workspace_id, g.user["$id"],
                         sees_private=allowed(WP.MANAGE_SETTINGS))
    form = form or ProjectForm(formdata=None)
    form.space_id.choices = options([("", "No space")] + [(s["$id"], s["name"]) for s in spaces])
    form.workflow_id.choices = options([("", "Default for the space")] + [
        (w["$id"], w["name"]) for w in _workflow_choices(workspace_id)])
    names = {s["$id"]: s["name"] for s in spaces}
    counts = {p["$id"]: store().count("work_items", [Query.equal("project_id", p["$id"])])
              for p in projects}
    return render("projects/index.html", "projects_list", status=status, workspace=g.workspace,
                  projects=projects, form=form, space_names=names, item_counts=counts,
                  homes={p["$id"]: project_home(workspace_id, p["$id"]) for p in projects},
                  can_create=allowed(WP.CREATE_PROJECTS))


def _workflow_choices(workspace_id: str) -> list[dict[str, Any]]:
    """Workspace- and space-scoped workflows a new project may use instead of the default."""
    return list(store().list("workflows", [
        Query.equal("workspace_id", workspace_id), Query.equal("scope", ["WORKSPACE", "SPACE"]),
        Query.order_asc("name"), Query.limit(200),
    ]))


@bp.route("/w/<workspace_id>/projects")
@workspace_required()
def index(workspace_id: str) -> Any:
    return _list_page(workspace_id)


@bp.route("/w/<workspace_id>/projects", methods=["POST"])
@workspace_required(WP.CREATE_PROJECTS)
def create(workspace_id: str) -> Any:
    form = ProjectForm()
    if form.validate_on_submit():
        upload = form.image.data
        data = upload.read() if upload and getattr(upload, "filename", "") else b""
        image_id = None
        try:
            if data:
                image_id = store_image(runtime().files, data)
            project = service.create_project(
                store(), acting(), workspace_id, creator_id=g.user["$id"],
                name=form.name.data or "", key=form.key.data or "",
                space_id=form.space_id.data or None, description=form.description.data,
                board_type=form.board_type.data or "SCRUM", start_date=form.start_date.data,
                deadline=form.deadline.data, image_file_id=image_id,
                workflow_id=form.workflow_id.data or None)
        except FieldErrors as exc:
            if image_id:
                runtime().files.delete(BUCKET, image_id)
            attach_errors(form, exc)
        else:
            flash(f"Project “{project['name']}” created.", "success")
            return redirect(project_home(workspace_id, project["$id"]), 303)
    return _list_page(workspace_id, form, 422)


def _members_page(workspace_id: str, project_id: str, *, add_form: Any = None,
                  team_form: Any = None, grant_form: Any = None, status: int = 200) -> Any:
    members = service.list_project_members(store(), project_id)
    roles = service.list_roles(store(), project_id)
    ws_members = {m["user_id"]: m for m in list_members(store(), workspace_id)}
    inside = {m["user_id"] for m in members}
    add_form = add_form or AddMemberForm(formdata=None)
    add_form.user_id.choices = options((uid, m.get("name") or m.get("email") or uid)
                                       for uid, m in ws_members.items() if uid not in inside)
    add_form.role_id.choices = options(
        (r["$id"], str(r["name"]).title() if r.get("is_default") else r["name"]) for r in roles
    )
    if not add_form.role_id.data:
        add_form.role_id.data = next((r["$id"] for r in roles if r["name"] == "MEMBER"), None)
    grant_form = grant_form or GrantForm(formdata=None)
    grant_form.user_id.choices = options((m["user_id"], (ws_members.get(m["user_id"]) or {}).get(
        "name") or m["user_id"]) for m in members)
    grant_form.permission.choices = options((p.value, f"{p.category} · {p.label}") for p in PP)
    return render(
        "projects/members.html", status=status, workspace=g.workspace, project=g.project,
        members=members, roles=roles, roles_by_id={r["$id"]: r for r in roles},
        ws_members=ws_members, add_form=add_form, team_form=team_form or TeamForm(formdata=None),
        grant_form=grant_form, teams=access.list_teams(store(), project_id),
        team_members=access.team_members(store(), project_id),
        grants=access.list_user_grants(store(), project_id), labels={p.value: p.label for p in PP},
        matrix=access.matrix_rows(), action_form=ActionForm(formdata=None),
    )


@bp.route("/w/<workspace_id>/projects/<project_id>/members")
@project_required(PP.VIEW_MEMBERS)
def members(workspace_id: str, project_id: str) -> Any:
    return _members_page(workspace_id, project_id)


@bp.route("/w/<workspace_id>/projects/<project_id>/members", methods=["POST"])
@project_required(PP.INVITE_MEMBERS)
def add_member(workspace_id: str, project_id: str) -> Any:
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            service.add_project_member(store(), acting(), project_id, form.user_id.data or "",
                                       form.role_id.data or "", actor_role=actor_role())
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            if exc.status == 403:
                return refused(exc)
            form.user_id.errors = [exc.message]
        else:
            flash("Member added to the project.", "success")
            return redirect(url_for(".members", workspace_id=workspace_id,
                                    project_id=project_id), 303)
    return _members_page(workspace_id, project_id, add_form=form, status=422)


@bp.route("/w/<workspace_id>/projects/<project_id>/members/<member_id>/role",
          methods=["POST"])
@project_required(PP.MANAGE_MEMBERS)
def change_role(workspace_id: str, project_id: str, member_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.change_project_member_role(store(), acting(), project_id, member_id,
                                           request.form.get("role_id", ""),
                                           actor_role=actor_role())
    except FieldErrors as exc:
        abort(422, next(iter(exc.errors.values())))
    except Refused as exc:
        return refused(exc)
    flash("Role changed.", "success")
    return redirect(url_for(".members", workspace_id=workspace_id, project_id=project_id), 303)


@bp.route("/w/<workspace_id>/projects/<project_id>/members/<member_id>/remove",
          methods=["POST"])
@project_required(PP.REMOVE_MEMBERS)
def remove_member(workspace_id: str, project_id: str, member_id: str) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.remove_project_member(store(), acting(), project_id, member_id,
                                      actor_role=actor_role())
    except Refused as exc:
        return refused(exc)
    flash("Member removed from the project.", "success")
    return redirect(url_for(".members", workspace_id=workspace_id, project_id=project_id), 303)


@bp.route("/w/<workspace_id>/projects/<project_id>/activity")
@project_required()
def activity(workspace_id: str, project_id: str) -> Any:
    cursor = request.args.get("after") or None
    page = list_entries(store(), project_id=project_id, limit=50, cursor=cursor)
    entries = page.documents
    more = entries[-1]["$id"] if len(entries) == 50 else None
    return render("projects/activity.html", workspace=g.workspace, project=g.project,
                  entries=entries, more=more)
