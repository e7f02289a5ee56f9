"""Workflow pages of a workspace: the list and the editor (statuses, transitions, diagram,
analysis). Reading needs workspace membership (a project-scoped workflow: that project's
view); editing needs the scope's key: workspace ``MANAGE_SETTINGS``, the space's
``space.settings.edit``, the project's ``project.settings.edit``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_wtf import FlaskForm

from webapp.authz.guards import authorize, scope_for, workspace_required
from webapp.authz.loader import NotVisible
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.authz.vocabulary import SpacePermission as SP
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.features.workflows import diagram, service, statuses
from webapp.features.workflows.forms import (
    ActionForm,
    MoveToForm,
    StatusForm,
    TransitionForm,
    WorkflowForm,
)
from webapp.features.workflows.templates import ICON_GLYPHS, ICONS, PALETTE, TEMPLATES
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import options
from webapp.features.workspaces.web import acting, allowed, attach_errors, refused, store
from webapp.htmx import render
from webapp.storage.query import Query

bp = Blueprint("workflows", __name__)
F = TypeVar("F", StatusForm, TransitionForm)
BASE = "/w/<workspace_id>/workflows"
TYPE_LABELS = {"OPEN": "Open", "IN_PROGRESS": "In progress", "CLOSED": "Closed"}
ROLE_LABELS = {"PROJECT_OWNER": "Owner", "PROJECT_ADMIN": "Admin", "MEMBER": "Member",
               "VIEWER": "Viewer"}
CONDITION_LABELS = {"ALL_SUBTASKS_DONE": "All sub-issues and checklist done",
                    "APPROVAL_RECEIVED": "An approval is received"}


def may_edit(workflow: dict[str, Any]) -> bool:
    """Does the signed-in user hold the key that edits this workflow's scope?"""
    try:
        if workflow["scope"] == "SPACE":
            return scope_for(workspace_id=workflow["workspace_id"],
                             space_id=workflow["space_id"]).allows(SP.EDIT_SPACE_SETTINGS)
        if workflow["scope"] == "PROJECT":
            return scope_for(workspace_id=workflow["workspace_id"],
                             project_id=workflow["project_id"]).allows(PP.EDIT_SETTINGS)
    except NotVisible:
        return False
    return allowed(WP.MANAGE_SETTINGS)


def may_read(workflow: dict[str, Any]) -> bool:
    if workflow["scope"] != "PROJECT":
        return True
    try:
        return scope_for(workspace_id=workflow["workspace_id"],
                         project_id=workflow["project_id"]).allows(PP.VIEW_PROJECT)
    except NotVisible:
        return False


def _workflow(workspace_id: str, workflow_id: str, *, edit: bool = False) -> dict[str, Any]:
    workflow = service.get_workflow(store(), workspace_id, workflow_id)
    if workflow is None or not may_read(workflow):
        abort(404)
    if edit and not may_edit(workflow):
        abort(403)
    return workflow


def _spaces(workspace_id: str) -> list[dict[str, Any]]:
    return store().list("spaces", [Query.equal("workspace_id", workspace_id),
                                   Query.order_asc("name"), Query.limit(500)]).documents


def _teams(workspace_id: str) -> list[tuple[str, str]]:
    teams = store().list("project_teams", [Query.equal("workspace_id", workspace_id),
                                           Query.limit(2000)]).documents
    projects = store().get_many("projects", sorted({t["project_id"] for t in teams}))
    return sorted(((t["$id"], f"{t['name']} ({projects.get(t['project_id'], {}).get('key', '?')})")
                   for t in teams), key=lambda pair: pair[1].casefold())


# -- list --------------------------------------------------------------------------------
def _create_form(workspace_id: str, form: WorkflowForm | None = None) -> WorkflowForm:
    form = form or WorkflowForm(formdata=None)
    form.scope.choices = options([("WORKSPACE", "Whole workspace"), ("SPACE", "One space")])
    form.space_id.choices = options([("", "—")] + [(s["$id"], s["name"])
                                                   for s in _spaces(workspace_id)])
    form.template.choices = options((t.key, t.name) for t in TEMPLATES.values())
    form.copy_from.choices = options([("", "— use the template —")] + [
        (w["$id"], w["name"]) for w in service.list_workflows(store(), workspace_id)
        if w["scope"] != "PROJECT"])
    return form


def _list_page(workspace_id: str, form: WorkflowForm | None = None, status: int = 200) -> Any:
    workflows = [w for w in service.list_workflows(store(), workspace_id) if may_read(w)]
    spaces = {s["$id"]: s["name"] for s in _spaces(workspace_id)}
    projects = store().get_many("projects", sorted({w["project_id"] for w in workflows
                                                    if w.get("project_id")}))
    return render("workflows/index.html", "workflows_list", status=status,
                  workspace=g.workspace, workflows=workflows, spaces=spaces, projects=projects,
                  form=_create_form(workspace_id, form), can_create=allowed(WP.MANAGE_SETTINGS))


@bp.route(BASE)
@workspace_required()
def index(workspace_id: str) -> Any:
    return _list_page(workspace_id)


@bp.route(BASE, methods=["POST"])
@workspace_required()
def create(workspace_id: str) -> Any:
    form = _create_form(workspace_id, WorkflowForm())
    scope = form.scope.data if form.scope.data in ("WORKSPACE", "SPACE") else "WORKSPACE"
    space_id = form.space_id.data or None
    if scope == "SPACE" and space_id:
        try:
            authorize(SP.EDIT_SPACE_SETTINGS, scope_for(workspace_id=workspace_id,
                                                        space_id=space_id))
        except NotVisible:
            abort(404)
    else:
        authorize(WP.MANAGE_SETTINGS)
    if form.validate_on_submit():
        try:
            workflow = service.create_workflow(
                store(), acting(), workspace_id, name=form.name.data or "", scope=scope,
                space_id=space_id, description=form.description.data,
                template=form.template.data or None, copy_from=form.copy_from.data or None)
        except FieldErrors as exc:
            attach_errors(form, exc)
        else:
            flash(f"Workflow “{workflow['name']}” created.", "success")
            return redirect(url_for(".editor", workspace_id=workspace_id,
                                    workflow_id=workflow["$id"]), 303)
    return _list_page(workspace_id, form, 422)


# -- editor ------------------------------------------------------------------------------
def _prefixed(form: F, prefix: str) -> F:
    """Give the form's inputs page-unique ids (several forms share field names)."""
    for f in form:
        f.id = f"{prefix}-{f.name}"
        f.label.field_id = f.id
    return form


def status_form(form: StatusForm | None = None) -> StatusForm:
    form = form or StatusForm(formdata=None)
    form.status_type.choices = options(TYPE_LABELS.items())
    form.color.choices = options((c, c) for c in PALETTE)
    form.icon.choices = options([("", "None")] + [(i, f"{ICON_GLYPHS.get(i, '')} {i}")
                                                  for i in ICONS])
    return _prefixed(form, "st")


def transition_form(states: list[dict[str, Any]], teams: list[tuple[str, str]],
                    form: TransitionForm | None = None, *, prefix: str = "tr") -> TransitionForm:
    form = form or TransitionForm(formdata=None)
    names = [(s["$id"], s["name"]) for s in states]
    form.from_status_id.choices = options([("", "Any status"), *names])
    form.to_status_id.choices = options(names)
    form.allowed_roles.choices = options(ROLE_LABELS.items())
    form.allowed_team_ids.choices = options(teams)
    form.approver_team_ids.choices = options(teams)
    form.auto_condition.choices = options([("", "—"), *CONDITION_LABELS.items()])
    return _prefixed(form, prefix)


def _edit_forms(states: list[dict[str, Any]], moves: list[dict[str, Any]],
                teams: list[tuple[str, str]], posted: tuple[str, Any] | None) -> dict[str, Any]:
    """One filled edit form per transition (the posted one keeps what was typed)."""
    out = {}
    for t in moves:
        form = posted[1] if posted and posted[0] == t["$id"] else TransitionForm(
            formdata=None, data={**t, "from_status_id": t.get("from_status_id") or "",
                                 "auto_condition": t.get("auto_condition") or ""})
        out[t["$id"]] = transition_form(states, teams, form, prefix=f"te-{t['$id']}")
    return out


def editor_context(workflow: dict[str, Any], *, status_add: Any = None,
                   transition_add: Any = None, transition_edit: tuple[str, Any] | None = None,
                   errors: dict[str, Any] | None = None) -> dict[str, Any]:
    states = statuses.statuses_of(store(), workflow["$id"])
    moves = statuses.transitions_of(store(), workflow["$id"])
    teams = _teams(workflow["workspace_id"])
    move_form = MoveToForm(formdata=None)
    move_form.move_to.choices = options([("", "—")] + [(s["$id"], s["name"]) for s in states])
    return {
        "workflow": workflow, "statuses": states, "transitions": moves,
        "by_id": {s["$id"]: s for s in states}, "team_names": dict(teams),
        "svg": diagram.render_svg(states, moves, title=f"{workflow['name']} diagram"),
        "analysis": service.analyse(states, moves), "can_edit": may_edit(workflow),
        "status_form": status_form(status_add),
        "transition_form": transition_form(states, teams, transition_add),
        "edit_forms": _edit_forms(states, moves, teams, transition_edit),
        "move_form": move_form, "action_form": ActionForm(formdata=None),
        "role_labels": ROLE_LABELS, "condition_labels": CONDITION_LABELS,
        "type_labels": TYPE_LABELS, "used_by": service.projects_using(store(), workflow["$id"]),
        "icons": ICONS, "glyphs": ICON_GLYPHS, "palette": PALETTE, "errors": errors or {},
    }


def _editor_page(workflow: dict[str, Any], status: int = 200, **forms: Any) -> Any:
    return render("workflows/editor.html", "workflow_editor", status=status,
                  workspace=g.workspace, **editor_context(workflow, **forms))


@bp.route(f"{BASE}/<workflow_id>")
@workspace_required()
def editor(workspace_id: str, workflow_id: str) -> Any:
    return _editor_page(_workflow(workspace_id, workflow_id))


def _back(workflow: dict[str, Any]) -> Any:
    return redirect(url_for(".editor", workspace_id=workflow["workspace_id"],
                            workflow_id=workflow["$id"]), 303)


def _csrf() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def save_form(form: FlaskForm, write: Callable[[], Any], done: str | Callable[[Any], str],
              back: Callable[[], Any], page: Callable[[], Any]) -> Any:
    """Validate ``form`` and run ``write``: on success flash ``done`` (a text, or made from
    what ``write`` returned) and answer ``back()``; input errors show at the fields of
    ``page()``; a refusal answers its status."""
    if form.validate_on_submit():
        try:
            result = write()
        except FieldErrors as exc:
            attach_errors(form, exc)
        except Refused as exc:
            return refused(exc)
        else:
            flash(done(result) if callable(done) else done, "success")
            return back()
    return page()


def _act(workflow: dict[str, Any], write: Callable[[], Any], done: str | None = None, *,
         errors_at: str | None = None) -> Any:
    """A CSRF-checked editor action: run ``write`` and go back to the editor; input errors
    re-render it (under ``errors_at`` when they belong to one row)."""
    _csrf()
    try:
        write()
    except FieldErrors as exc:
        return _editor_page(workflow, 422,
                            errors={errors_at: exc.errors} if errors_at else exc.errors)
    except Refused as exc:
        return refused(exc)
    if done:
        flash(done, "success")
    return _back(workflow)


@bp.route(f"{BASE}/<workflow_id>", methods=["POST"])
@workspace_required()
def update(workspace_id: str, workflow_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    return _act(workflow, lambda: service.update_workflow(store(), acting(), workflow,
                                                          request.form), "Workflow saved.")


@bp.route(f"{BASE}/<workflow_id>/delete", methods=["POST"])
@workspace_required()
def delete(workspace_id: str, workflow_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    _csrf()
    try:
        service.delete_workflow(store(), acting(), workflow)
    except Refused as exc:
        return refused(exc)
    flash(f"Workflow “{workflow['name']}” deleted.", "success")
    return redirect(url_for(".index", workspace_id=workspace_id), 303)


@bp.route(f"{BASE}/<workflow_id>/statuses", methods=["POST"])
@workspace_required()
def add_status(workspace_id: str, workflow_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    form = status_form(StatusForm())
    return save_form(form, lambda: service.add_status(store(), acting(), workflow, form.data),
                     "Status added.", lambda: _back(workflow),
                     lambda: _editor_page(workflow, 422, status_add=form))


@bp.route(f"{BASE}/<workflow_id>/statuses/<status_id>", methods=["POST"])
@workspace_required()
def update_status(workspace_id: str, workflow_id: str, status_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    values: dict[str, Any] = {k: request.form.get(k) for k in (
        "name", "key", "color", "status_type", "icon", "description") if k in request.form}
    values.update({flag: request.form.get(flag) == "y" for flag in ("is_initial", "is_final")})
    return _act(workflow, lambda: service.update_status(store(), acting(), workflow, status_id,
                                                        values),
                "Status saved.", errors_at=status_id)


@bp.route(f"{BASE}/<workflow_id>/statuses/<status_id>/move", methods=["POST"])
@workspace_required()
def move_status(workspace_id: str, workflow_id: str, status_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    step = -1 if request.form.get("direction") == "up" else 1
    return _act(workflow, lambda: statuses.move_status(store(), acting(), workflow, status_id,
                                                       step))


@bp.route(f"{BASE}/<workflow_id>/statuses/<status_id>/delete", methods=["POST"])
@workspace_required()
def delete_status(workspace_id: str, workflow_id: str, status_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    _csrf()
    try:
        report = service.delete_status(store(), acting(), workflow, status_id,
                                       move_to=request.form.get("move_to") or None)
    except FieldErrors as exc:
        return _editor_page(workflow, 422, errors={status_id: exc.errors})
    except Refused as exc:
        if exc.code == "STATUS_IN_USE":
            return _editor_page(workflow, 409, errors={status_id: {"move_to": exc.message}})
        return refused(exc)
    flash(f"Status deleted: {report['transitions']} transition(s) removed, "
          f"{report['items']} work item(s) moved.", "success")
    return _back(workflow)


@bp.route(f"{BASE}/<workflow_id>/transitions", methods=["POST"])
@workspace_required()
def add_transition(workspace_id: str, workflow_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    states = statuses.statuses_of(store(), workflow_id)
    form = transition_form(states, _teams(workspace_id), TransitionForm())
    return save_form(form, lambda: service.add_transition(store(), acting(), workflow, form.data),
                     "Transition added.", lambda: _back(workflow),
                     lambda: _editor_page(workflow, 422, transition_add=form))


@bp.route(f"{BASE}/<workflow_id>/transitions/<transition_id>", methods=["POST"])
@workspace_required()
def update_transition(workspace_id: str, workflow_id: str, transition_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    states = statuses.statuses_of(store(), workflow_id)
    form = transition_form(states, _teams(workspace_id), TransitionForm(),
                           prefix=f"te-{transition_id}")
    return save_form(
        form, lambda: service.update_transition(
            store(), acting(), workflow, transition_id,
            {k: v for k, v in form.data.items() if k != "csrf_token"}),
        "Transition saved.", lambda: _back(workflow),
        lambda: _editor_page(workflow, 422, transition_edit=(transition_id, form)))


@bp.route(f"{BASE}/<workflow_id>/transitions/<transition_id>/delete", methods=["POST"])
@workspace_required()
def delete_transition(workspace_id: str, workflow_id: str, transition_id: str) -> Any:
    workflow = _workflow(workspace_id, workflow_id, edit=True)
    return _act(workflow, lambda: service.delete_transition(store(), acting(), workflow,
                                                            transition_id),
                "Transition deleted.")
