"""The project table page and its bulk edit (select -> confirm -> per-item results)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, current_app, g, request, url_for
from werkzeug.datastructures import MultiDict

from webapp.authz.guards import authorize, project_required
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.items.query import FilterContext, ItemFilter
from webapp.features.items.web import actor_from_request
from webapp.features.projects import helpers
from webapp.features.table import bulk, service
from webapp.features.workspaces.errors import FieldErrors
from webapp.features.workspaces.web import acting, allowed, store
from webapp.htmx import render

bp = Blueprint("table", __name__)
TABLE = "/w/<workspace_id>/projects/<project_id>/table"


def _context() -> tuple[list[service.Status], FilterContext]:
    statuses = service.statuses(store(), g.project)
    return statuses, service.filter_context(store(), g.project, g.user["$id"], statuses)


def _bulk_actions(ctx: FilterContext) -> list[tuple[str, list[tuple[str, str]]]]:
    """The bulk menu as option groups of ``action:value`` the actor may apply."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    if allowed(PP.EDIT_TASKS):
        groups.append(("Set status", [(f"status:{k}", v) for k, v in ctx.statuses.items()]))
        groups.append(("Set priority",
                       [(f"priority:{k}", v) for k, v in ctx.priorities.items()]))
        labels = list(ctx.labels)
        if labels:
            groups.append(("Add label", [(f"label_add:{x}", x) for x in labels]))
            groups.append(("Remove label", [(f"label_remove:{x}", x) for x in labels]))
        if "sprint" in bulk.ACTIONS:
            groups.append(("Move to sprint", [("sprint:", "Backlog (no sprint)")]
                           + [(f"sprint:{k}", v) for k, v in ctx.sprints.items()]))
    if allowed(PP.ASSIGN_TASKS):
        groups.append(("Assign to", [("assignee:", "Nobody (unassign)")]
                       + [(f"assignee:{k}", v) for k, v in ctx.people.items()]))
    if allowed(PP.DELETE_TASKS):
        groups.append(("Delete", [("delete:", "Delete items")]))
    return groups


@bp.get(TABLE)
@project_required(PP.VIEW_TASKS)
def index(workspace_id: str, project_id: str) -> Any:
    statuses, ctx = _context()
    flt = ItemFilter.from_args(request.args, ctx)
    page = service.list_page(store(), g.project, flt, ctx)
    if page.total and flt.page > page.pages:
        flt.notices.append(f"There is no page {flt.page}; showing the last page.")
        flt.page = page.pages
        page = service.list_page(store(), g.project, flt, ctx)
    return render(
        "table/index.html", "table_view", workspace=g.workspace, project=g.project,
        flt=flt, ctx=ctx, page=page, statuses={s.key: s for s in statuses},
        chips=flt.describe(ctx), bulk_groups=_bulk_actions(ctx),
        priorities={p["key"]: p for p in helpers.priorities(g.project)},
        types={t["key"]: t for t in helpers.item_types(g.project)},
        cf_filters=[f for f in ctx.fields.values() if f.get("field_type") in
                    ("SELECT", "CHECKBOX", "USER", "NUMBER")],
        label_options=[*ctx.labels.items(), *((x, x) for x in flt.label if x not in ctx.labels)],
        create_url=url_for("items.new", workspace_id=workspace_id, project_id=project_id)
        if allowed(PP.CREATE_TASKS) and "items.new" in current_app.view_functions else "",
        back=urlencode(flt.to_args(), doseq=True))


def _back(raw: str | None, ctx: FilterContext) -> str:
    """The table view the bulk edit came from, re-parsed (never a foreign URL)."""
    args = MultiDict(parse_qsl(raw or "", keep_blank_values=False))
    return urlencode(ItemFilter.from_args(args, ctx).to_args(), doseq=True)


@bp.post(f"{TABLE}/bulk")
@project_required(PP.VIEW_TASKS)
def bulk_edit(workspace_id: str, project_id: str) -> Any:
    if not any(allowed(perm) for perm in bulk.EDIT_KEYS):
        abort(403)
    _, ctx = _context()
    form = request.form
    action, _, value = str(form.get("op") or "").partition(":")
    back = _back(form.get("back"), ctx)
    table_url = url_for(".index", workspace_id=workspace_id, project_id=project_id)
    items = bulk.selected(store(), g.project, form.getlist("ids"))
    errors: dict[str, str] = {}
    try:
        value = bulk.clean(action, value, ctx)
    except FieldErrors as exc:
        errors.update(exc.errors)
    else:
        authorize(bulk.permission_for(action))
    if not items:
        errors["ids"] = "Select at least one item."
    common = {"workspace": g.workspace, "project": g.project, "items": items,
              "table_url": table_url, "back": back, "ctx": ctx}
    if errors:
        return render("table/bulk.html", status=422, errors=errors, op="", summary="",
                      **common)
    op = f"{action}:{value}"
    summary = bulk.describe(action, value, ctx)
    versions: dict[str, int] = {}
    for item in items:
        raw = str(form.get(f"v_{item['$id']}") or "")
        if raw.isdigit():
            versions[item["$id"]] = int(raw)
    if form.get("step") != "apply" or len(versions) != len(items):
        # the confirmation step: it lists the items and carries the versions it showed
        return render("table/bulk.html", errors={}, op=op, summary=summary, action=action,
                      **common)
    outcomes = bulk.apply(store(), acting(), g.project, action, value, versions,
                          actor=actor_from_request())
    done = sum(1 for o in outcomes if o.ok)
    return render("table/bulk_result.html", status=200 if done else 409,
                  outcomes=outcomes, summary=summary, done=done, **common)
