"""Project pages of workflows: the Workflow tab (diagram, switch, pending approvals) and
the settings "Columns" tab (custom columns, built-in columns on/off and order, WIP).

Reading: project members. Switching: ``project.settings.manage``; approvals: requesting
needs ``project.tasks.edit``, deciding ``project.tasks.edit`` and being an approver;
columns and WIP limits: ``project.board.update``."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for

from webapp.authz.guards import project_required
from webapp.authz.policy import effective_project_role
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.workflows import columns, diagram, engine, service, statuses
from webapp.features.workflows.forms import ActionForm, ApprovalForm, ColumnForm, SwitchForm
from webapp.features.workflows.routes import bp, may_edit, save_form
from webapp.features.workflows.templates import PALETTE
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.forms import options
from webapp.features.workspaces.web import acting, allowed, refused, store
from webapp.htmx import render
from webapp.storage.query import Query

BASE = "/w/<workspace_id>/projects/<project_id>"
CATEGORY_LABELS = {"todo": "To do", "in_progress": "In progress", "done": "Done",
                   "cancelled": "Cancelled"}


def _role() -> Any:
    return effective_project_role(g.access.complete())


def _teams() -> list[str]:
    return engine.team_ids_of(store(), g.project["$id"], g.user["$id"])


def _here(endpoint: str) -> Any:
    return redirect(url_for(endpoint, workspace_id=g.workspace["$id"],
                            project_id=g.project["$id"]), 303)


def _csrf() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


# -- Workflow tab ------------------------------------------------------------------------
def _workflow_page(switch: SwitchForm | None = None, status: int = 200,
                   message: str | None = None) -> Any:
    project = g.project
    workflow = store().find("workflows", project["workflow_id"]) if project.get(
        "workflow_id") else None
    states = statuses.statuses_of(store(), workflow["$id"]) if workflow else []
    moves = statuses.transitions_of(store(), workflow["$id"]) if workflow else []
    form = switch or SwitchForm(formdata=None)
    form.workflow_id.choices = options((w["$id"], w["name"])
                                       for w in service.usable_by(store(), project))
    if not form.workflow_id.data:
        form.workflow_id.data = project.get("workflow_id")
    pending = service.list_pending(store(), project["$id"])
    items = store().get_many("work_items", sorted({a["item_id"] for a in pending}))
    by_id = {t["$id"]: t for t in moves}
    teams = _teams()
    role = _role()
    deciders = {a["$id"] for a in pending if a["transition_id"] in by_id and engine.is_approver(
        by_id[a["transition_id"]], project_role=role, team_ids=teams)}
    return render("workflows/project.html", "project_workflow", status=status,
                  workspace=g.workspace, project=project, workflow=workflow,
                  statuses=states, transitions=moves, by_status={s["$id"]: s for s in states},
                  svg=diagram.render_svg(states, moves) if workflow else None,
                  switch_form=form, can_switch=allowed(PP.MANAGE_SETTINGS)
                  and not project.get("workflow_locked"),
                  can_edit=workflow is not None and may_edit(workflow), pending=pending,
                  items=items,
                  transitions_by_id=by_id, deciders=deciders,
                  can_decide=allowed(PP.EDIT_TASKS), action_form=ActionForm(formdata=None),
                  message=message)


@bp.route(f"{BASE}/workflow")
@project_required()
def project_workflow(workspace_id: str, project_id: str) -> Any:
    return _workflow_page()


@bp.route(f"{BASE}/workflow", methods=["POST"])
@project_required(PP.MANAGE_SETTINGS)
def switch_workflow(workspace_id: str, project_id: str) -> Any:
    form = SwitchForm()
    form.workflow_id.choices = options((w["$id"], w["name"])
                                       for w in service.usable_by(store(), g.project))
    return save_form(
        form, lambda: service.switch_project_workflow(store(), acting(), g.project,
                                                      form.workflow_id.data or ""),
        lambda report: f"Workflow switched; {report['moved']} work item(s) moved to a "
                       "matching status.",
        lambda: _here(".project_workflow"), lambda: _workflow_page(form, 422))


@bp.route(f"{BASE}/workflow/approvals", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def request_approval(workspace_id: str, project_id: str) -> Any:
    form = ApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    item = store().find("work_items", form.item_id.data or "")
    if item is None or item["project_id"] != project_id:
        abort(404)
    try:
        service.request_approval(store(), acting(), g.project, item,
                                 form.transition_id.data or "", comment=form.comment.data)
    except FieldErrors as exc:
        abort(422, next(iter(exc.errors.values())))
    except Refused as exc:
        return refused(exc)
    flash("Approval requested.", "success")
    return _here(".project_workflow")


@bp.route(f"{BASE}/workflow/approvals/<approval_id>/<any(approve, reject):decision>",
          methods=["POST"])
@project_required(PP.EDIT_TASKS)
def decide(workspace_id: str, project_id: str, approval_id: str, decision: str) -> Any:
    _csrf()
    action = service.approve if decision == "approve" else service.reject
    try:
        action(store(), acting(), g.project, approval_id, project_role=_role(),
               team_ids=_teams(), comment=request.form.get("comment"))
    except Refused as exc:
        return refused(exc)
    flash("Approved: the work item moved." if decision == "approve" else "Rejected.",
          "success")
    return _here(".project_workflow")


# -- Columns tab -------------------------------------------------------------------------
def _column_form(form: ColumnForm | None = None) -> ColumnForm:
    form = form or ColumnForm(formdata=None)
    form.color.choices = options((c, c) for c in PALETTE)
    form.status_category.choices = options(CATEGORY_LABELS.items())
    return form


def _columns_page(form: ColumnForm | None = None, status: int = 200,
                  errors: dict[str, str] | None = None) -> Any:
    project = store().get("projects", g.project["$id"])
    cols = engine.all_statuses(store(), project)
    counts = {c.key: store().count("work_items", [
        Query.equal("project_id", project["$id"]), Query.equal("status", c.key)])
        for c in cols}
    return render("workflows/columns.html", "settings_columns", status=status,
                  workspace=g.workspace, project=project, columns=cols, counts=counts,
                  form=_column_form(form), can_edit=allowed(PP.UPDATE_BOARD),
                  categories=CATEGORY_LABELS, palette=PALETTE, errors=errors or {},
                  initial=engine.initial_status(store(), project).key,
                  action_form=ActionForm(formdata=None))


@bp.route(f"{BASE}/settings/columns")
@project_required()
def project_columns(workspace_id: str, project_id: str) -> Any:
    return _columns_page()


@bp.route(f"{BASE}/settings/columns", methods=["POST"])
@project_required(PP.UPDATE_BOARD)
def add_column(workspace_id: str, project_id: str) -> Any:
    form = _column_form(ColumnForm())
    return save_form(form, lambda: columns.add_custom_column(store(), acting(), g.project,
                                                             form.data),
                     "Column added.", lambda: _here(".project_columns"),
                     lambda: _columns_page(form, 422))


@bp.route(f"{BASE}/settings/columns/<column_id>", methods=["POST"])
@project_required(PP.UPDATE_BOARD)
def update_column(workspace_id: str, project_id: str, column_id: str) -> Any:
    _csrf()
    values = {k: request.form[k] for k in ("name", "color", "status_category")
              if k in request.form}
    try:
        columns.update_custom_column(store(), acting(), g.project, column_id, values)
    except FieldErrors as exc:
        return _columns_page(status=422, errors={f"{column_id}:{k}": v
                                                 for k, v in exc.errors.items()})
    except Refused as exc:
        return refused(exc)
    flash("Column saved.", "success")
    return _here(".project_columns")


@bp.route(f"{BASE}/settings/columns/<column_id>/delete", methods=["POST"])
@project_required(PP.UPDATE_BOARD)
def delete_column(workspace_id: str, project_id: str, column_id: str) -> Any:
    _csrf()
    try:
        moved = columns.delete_custom_column(store(), acting(), g.project, column_id,
                                             move_to=request.form.get("move_to") or None)
    except FieldErrors as exc:
        return _columns_page(status=422, errors={f"{column_id}:move_to": exc.errors["move_to"]})
    except Refused as exc:
        if exc.code == "COLUMN_NOT_EMPTY":
            return _columns_page(status=409, errors={f"{column_id}:move_to": exc.message})
        return refused(exc)
    flash(f"Column deleted; {moved} work item(s) moved.", "success")
    return _here(".project_columns")


@bp.route(f"{BASE}/settings/columns/board", methods=["POST"])
@project_required(PP.UPDATE_BOARD)
def arrange_columns(workspace_id: str, project_id: str) -> Any:
    """One form per action: ``toggle=<key>`` / ``up=<key>`` / ``down=<key>`` / ``order``."""
    _csrf()
    form = request.form
    try:
        if form.get("toggle"):
            columns.set_enabled(store(), acting(), g.project, form["toggle"],
                                form.get("enabled") == "1")
        elif form.get("up") or form.get("down"):
            columns.move(store(), acting(), g.project, form.get("up") or form["down"],
                         -1 if form.get("up") else 1)
        elif form.get("order"):
            columns.reorder(store(), acting(), g.project, form["order"].split(","))
        else:
            abort(400)
    except Refused as exc:
        if exc.status == 409:
            return _columns_page(status=409, errors={"board": exc.message})
        return refused(exc)
    return _here(".project_columns")


@bp.route(f"{BASE}/settings/columns/wip", methods=["POST"])
@project_required(PP.UPDATE_BOARD)
def save_wip(workspace_id: str, project_id: str) -> Any:
    _csrf()
    values = {k.removeprefix("wip_"): v for k, v in request.form.items() if k.startswith("wip_")}
    try:
        columns.set_wip_limits(store(), acting(), g.project, values)
    except FieldErrors as exc:
        return _columns_page(status=422, errors=exc.errors)
    flash("WIP limits saved.", "success")
    return _here(".project_columns")
