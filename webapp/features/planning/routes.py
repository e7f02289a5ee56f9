"""Planning pages: the backlog (sprint sections + backlog, moves, quick create, bulk
actions, epics), sprint writes (create, edit, delete, start, complete, cancel) and the sprint
page with its charts.

Every write works as a plain POST + redirect (messages flashed, 422 with the form's
messages when invalid); the backlog's drag and drop posts the same move form with htmx and
gets the backlog region back.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from webapp.authz.guards import authorize, project_required
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items.service import StaleEdit
from webapp.features.planning import backlog, charts, sprints
from webapp.features.planning.view import backlog_context
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.features.workspaces.web import acting, allowed, store
from webapp.htmx import is_htmx, render

bp = Blueprint("planning", __name__)
P = "/w/<workspace_id>/projects/<project_id>"
TEMPLATE = "planning/backlog.html"
SPRINT_FIELDS = ("name", "goal", "start_date", "end_date")


def _backlog_url(**args: Any) -> str:
    return url_for("planning.backlog", workspace_id=g.workspace["$id"],
                   project_id=g.project["$id"], **args)


def _sprint_url(sprint_id: str) -> str:
    return url_for("planning.sprint", workspace_id=g.workspace["$id"],
                   project_id=g.project["$id"], sprint_id=sprint_id)


def _page(status: int = 200, **extra: Any) -> Any:
    if not allowed(PP.VIEW_TASKS):
        abort(403)
    ctx = backlog_context(request.args, **extra)
    return render(TEMPLATE, "planning_backlog", status=status, **ctx)


def _done(message: str, category: str = "success", url: str | None = None) -> Any:
    if is_htmx():
        return _page(notice=message)
    flash(message, category)
    return redirect(url or _backlog_url(), 303)


def _refused(exc: Refused, url: str | None = None) -> Any:
    if is_htmx():
        return _page(status=exc.status, refusal=exc.message)
    flash(exc.message, "error")
    return redirect(url or _backlog_url(), 303)


@bp.route(f"{P}/backlog", endpoint="backlog")
@project_required(PP.VIEW_SPRINTS)
def backlog_page(workspace_id: str, project_id: str) -> Any:
    return _page()


@bp.route(f"{P}/sprints", methods=["POST"])
@project_required(PP.CREATE_SPRINTS)
def sprint_create(workspace_id: str, project_id: str) -> Any:
    values = {k: request.form.get(k, "") for k in SPRINT_FIELDS}
    try:
        sprint = sprints.create_sprint(store(), acting(), g.project, values)
    except FieldErrors as exc:
        return _page(status=422, sprint_errors=exc.errors, sprint_attempt=values)
    return _done(f"{sprint['name']} created.")


def _load_sprint(sprint_id: str) -> dict[str, Any]:
    try:
        return sprints.get_sprint(store(), g.project["$id"], sprint_id)
    except Refused:
        abort(404)


@bp.route(f"{P}/sprints/<sprint_id>")
@project_required(PP.VIEW_SPRINTS)
def sprint(workspace_id: str, project_id: str, sprint_id: str) -> Any:
    return _sprint_page(sprint_id)


def _sprint_page(sprint_id: str, status: int = 200, **extra: Any) -> Any:
    found = _load_sprint(sprint_id)
    st = store()
    if found["status"] == sprints.ACTIVE:
        charts.record_day(st, found)
    rows = sprints.items_in(st, g.project["$id"], sprint_id)
    reports = allowed(PP.VIEW_REPORTS)
    return render("planning/sprint.html", "planning_sprint", status=status,
                  workspace=g.workspace, project=g.project, sprint=found,
                  stats=sprints.stats(rows), rows=rows, reports=reports,
                  burndown=charts.burndown(st, found) if reports else None,
                  flow=charts.cumulative_flow(st, found) if reports else None,
                  velocity=charts.velocity(st, g.project["$id"]) if reports else None,
                  targets=[s for s in sprints.sprints_of(st, g.project["$id"])
                           if s["$id"] != sprint_id],
                  can_edit=allowed(PP.EDIT_SPRINTS), can_delete=allowed(PP.DELETE_SPRINTS),
                  can_start=allowed(PP.START_SPRINT),
                  can_complete=allowed(PP.COMPLETE_SPRINT),
                  backlog_url=_backlog_url(), errors=extra.get("errors", {}),
                  attempt=extra.get("attempt", {}))


@bp.route(f"{P}/sprints/<sprint_id>/edit", methods=["POST"])
@project_required(PP.EDIT_SPRINTS)
def sprint_edit(workspace_id: str, project_id: str, sprint_id: str) -> Any:
    _load_sprint(sprint_id)
    values = {k: request.form[k] for k in SPRINT_FIELDS if k in request.form}
    try:
        found = sprints.update_sprint(store(), acting(), g.project, sprint_id, values)
    except FieldErrors as exc:
        return _sprint_page(sprint_id, 422, errors=exc.errors,
                      attempt=values)
    except Refused as exc:
        return _refused(exc, _sprint_url(sprint_id))
    flash(f"{found['name']} saved.", "success")
    return redirect(_sprint_url(sprint_id), 303)


@bp.route(f"{P}/sprints/<sprint_id>/delete", methods=["POST"])
@project_required(PP.DELETE_SPRINTS)
def sprint_delete(workspace_id: str, project_id: str, sprint_id: str) -> Any:
    found = _load_sprint(sprint_id)
    if request.form.get("confirm") != "yes":
        return _sprint_page(sprint_id, 422,
                      errors={"confirm": "Tick the box to confirm the deletion."})
    try:
        sprints.delete_sprint(store(), acting(), g.project, sprint_id)
    except Refused as exc:
        return _refused(exc, _sprint_url(sprint_id))
    return _done(f"{found['name']} deleted; its work items are back in the backlog.")


@bp.route(f"{P}/sprints/<sprint_id>/start", methods=["POST"])
@project_required(PP.START_SPRINT)
def sprint_start(workspace_id: str, project_id: str, sprint_id: str) -> Any:
    _load_sprint(sprint_id)
    try:
        found = sprints.start_sprint(store(), acting(), g.project, sprint_id)
    except FieldErrors as exc:
        return _refused(Refused("SPRINT_DATES", " ".join(exc.errors.values()), status=422))
    except Refused as exc:
        return _refused(exc)
    return _done(f"{found['name']} started.")


@bp.route(f"{P}/sprints/<sprint_id>/complete", methods=["POST"])
@project_required(PP.COMPLETE_SPRINT)
def sprint_complete(workspace_id: str, project_id: str, sprint_id: str) -> Any:
    _load_sprint(sprint_id)
    move_to = request.form.get("move_to") or ""
    if not move_to:
        return _sprint_page(sprint_id, 422,
                      errors={"move_to": "Choose where unfinished work items go."})
    try:
        found = sprints.complete_sprint(store(), acting(), g.project, sprint_id,
                                        move_to=move_to)
    except FieldErrors as exc:
        return _sprint_page(sprint_id, 422, errors=exc.errors)
    except Refused as exc:
        return _refused(exc, _sprint_url(sprint_id))
    flash(f"{found['name']} completed: {found.get('completed_points') or 0:g} points done.",
          "success")
    return redirect(_sprint_url(sprint_id), 303)


@bp.route(f"{P}/sprints/<sprint_id>/cancel", methods=["POST"])
@project_required(PP.COMPLETE_SPRINT)
def sprint_cancel(workspace_id: str, project_id: str, sprint_id: str) -> Any:
    _load_sprint(sprint_id)
    if request.form.get("confirm") != "yes":
        return _sprint_page(sprint_id, 422,
                      errors={"cancel": "Tick the box to confirm the cancellation."})
    try:
        found = sprints.cancel_sprint(store(), acting(), g.project, sprint_id)
    except Refused as exc:
        return _refused(exc, _sprint_url(sprint_id))
    return _done(f"{found['name']} cancelled; unfinished work items are back in the backlog.")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@bp.route(f"{P}/backlog/move", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def backlog_move(workspace_id: str, project_id: str) -> Any:
    form = request.form
    item_id, target = form.get("item_id", ""), form.get("target", "")
    if not item_id or not target:
        return _refused(Refused("NOTHING_TO_MOVE", "Choose a work item and where it goes.",
                                status=400))
    try:
        item = backlog.move(store(), acting(), g.project, item_id, target,
                            above_id=form.get("above_id") or None,
                            below_id=form.get("below_id") or None,
                            expected_version=_int(form.get("version")))
    except FieldErrors as exc:
        return _refused(Refused("BAD_TARGET", " ".join(exc.errors.values()), status=422))
    except StaleEdit:
        return _refused(Refused("STALE_VERSION", "Someone changed this work item since you "
                                "loaded the backlog; it was not moved. The backlog now shows "
                                "the latest version."))
    except Refused as exc:
        return _refused(exc)
    return _done(f"{item['key']} moved.")


@bp.route(f"{P}/backlog/items", methods=["POST"])
@project_required(PP.CREATE_TASKS)
def backlog_create(workspace_id: str, project_id: str) -> Any:
    form = request.form
    attempt = {k: form.get(k, "") for k in ("title", "target", "type", "story_points",
                                             "epic_id")}
    try:
        item = backlog.quick_create(
            store(), acting(), g.project, title=attempt["title"],
            target=attempt["target"] or sprints.BACKLOG, type=attempt["type"] or "TASK",
            story_points=attempt["story_points"] or None, epic_id=attempt["epic_id"] or None)
    except FieldErrors as exc:
        return _page(status=422, create_errors=exc.errors, create_attempt=attempt)
    except Refused as exc:
        return _refused(exc)
    return _done(f"{item['key']} created.")


@bp.route(f"{P}/backlog/bulk", methods=["POST"])
@project_required(PP.EDIT_TASKS)
def backlog_bulk(workspace_id: str, project_id: str) -> Any:
    form = request.form
    ids = form.getlist("item")
    op = form.get("op", "")
    try:
        if not ids:
            raise FieldErrors({"items": "Select at least one work item."})
        if op == "move":
            report = backlog.bulk_move(store(), acting(), g.project, ids,
                                       form.get("target") or sprints.BACKLOG)
        elif op in ("assign", "epic"):
            if op == "assign":
                authorize(PP.ASSIGN_TASKS)
            from webapp.features.items.web import actor_from_request

            value = form.get("assignee") if op == "assign" else form.get("epic_id")
            changes = ({"assignee_ids": [value] if value else []} if op == "assign"
                       else {"epic_id": value or None})
            report = backlog.bulk_update(store(), acting(), g.project, ids, changes,
                                         actor_from_request())
        else:
            raise FieldErrors({"op": "Choose what to do with the selected work items."})
    except FieldErrors as exc:
        return _page(status=422, bulk_errors=exc.errors)
    return _done(report.message, "success" if not report.failed else "warning")


@bp.route(f"{P}/epics", methods=["POST"])
@project_required(PP.CREATE_TASKS)
def epic_create(workspace_id: str, project_id: str) -> Any:
    title = request.form.get("title", "")
    try:
        epic = backlog.create_epic(store(), acting(), g.project, title)
    except FieldErrors as exc:
        return _page(status=422, epic_errors={"title": exc.errors.get("title") or
                                              " ".join(exc.errors.values())},
                     epic_attempt=title)
    return _done(f"Epic {epic['key']} created.")

