"""Workspace search: the results page and the header's live dropdown."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request

from webapp.authz.grants import projects_allowing
from webapp.authz.guards import workspace_required
from webapp.authz.policy import effective_project_role
from webapp.authz.roles import ProjectRole
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.features.projects.service import list_projects
from webapp.features.table.search import LIVE_LIMIT, PAGE_LIMIT, search_items
from webapp.features.workspaces.web import store
from webapp.htmx import render

bp = Blueprint("search", __name__)


def _search(workspace_id: str, limit: int) -> tuple[Any, dict[str, Any]]:
    """Search the projects whose work items the caller may view (project.tasks.view)."""
    context = g.access.complete()
    sees_all = effective_project_role(context) is ProjectRole.PROJECT_OWNER
    projects = {p["$id"]: p for p in list_projects(store(), workspace_id, g.user["$id"],
                                                   sees_all=sees_all)}
    viewable = projects_allowing(store(), context, g.user["$id"], projects, PP.VIEW_TASKS)
    projects = {pid: p for pid, p in projects.items() if pid in viewable}
    text = str(request.args.get("q") or "")
    return search_items(store(), workspace_id, list(projects), text, limit=limit), projects


@bp.get("/w/<workspace_id>/search")
@workspace_required()
def results(workspace_id: str) -> Any:
    found, projects = _search(workspace_id, PAGE_LIMIT)
    return render("search/results.html", "search_results", workspace=g.workspace,
                  found=found, projects=projects)


@bp.get("/w/<workspace_id>/search/live")
@workspace_required()
def live(workspace_id: str) -> Any:
    found, projects = _search(workspace_id, LIVE_LIMIT)
    return render("search/_live.html", workspace=g.workspace, found=found, projects=projects)
