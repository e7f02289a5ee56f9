"""Projects (list, get, create, update), project members, workflow and custom fields."""

from __future__ import annotations

from typing import Any

from flask import g

from webapp.api import schemas as s
from webapp.api.base import acting, api, store
from webapp.api.router import ok, parse_body
from webapp.authz.guards import project_required, workspace_required
from webapp.authz.policy import effective_project_role
from webapp.authz.roles import ProjectRole
from webapp.authz.vocabulary import ProjectPermission as PP
from webapp.authz.vocabulary import WorkspacePermission as WP
from webapp.features.fields.service import fields_for
from webapp.features.projects import service as projects
from webapp.features.projects import settings
from webapp.features.workflows import engine
from webapp.features.workflows.service import get_workflow

PROJECT = "/workspaces/<workspace_id>/projects/<project_id>"


@api.operation("GET", "/workspaces/<workspace_id>/projects", guard=workspace_required(),
               scope="read", response=s.ProjectList, summary="List projects", tag="Projects")
def list_projects(workspace_id: str) -> Any:
    """Projects of the workspace the user can open (all of them for those who own every
    project: org owners/admins and workspace admins), by name."""
    sees_all = effective_project_role(g.access.complete()) is ProjectRole.PROJECT_OWNER
    rows = projects.list_projects(store(), workspace_id, g.user["$id"], sees_all=sees_all)
    return ok(s.ProjectList(data=[s.of(s.Project, p) for p in rows]))


@api.operation("POST", "/workspaces/<workspace_id>/projects",
               guard=workspace_required(WP.CREATE_PROJECTS), scope="admin",
               body=s.ProjectCreate, response=s.Project, status=201, errors=(409,),
               summary="Create a project", tag="Projects")
def create_project(workspace_id: str) -> Any:
    """A project with the default roles, the caller as its owner and the space's (or the
    default) workflow. Needs ``workspace.projects.create``."""
    data = parse_body(s.ProjectCreate)
    project = projects.create_project(
        store(), acting(), workspace_id, creator_id=g.user["$id"], name=data.name,
        key=data.key, space_id=data.space_id, description=data.description,
        board_type=data.board_type, start_date=data.start_date, deadline=data.deadline,
        workflow_id=data.workflow_id)
    return ok(s.of(s.Project, project), 201)


@api.operation("GET", PROJECT, guard=project_required(), scope="read", response=s.Project,
               summary="Get a project", tag="Projects")
def get_project(workspace_id: str, project_id: str) -> Any:
    """A project the user may view."""
    return ok(s.of(s.Project, g.project))


@api.operation("PATCH", PROJECT, guard=project_required(PP.EDIT_SETTINGS), scope="admin",
               body=s.ProjectUpdate, response=s.Project, errors=(409,),
               summary="Update a project", tag="Projects")
def update_project(workspace_id: str, project_id: str) -> Any:
    """Change the general settings named in the body (others keep their values). Needs
    ``project.settings.edit``."""
    data = parse_body(s.ProjectUpdate).model_dump(exclude_unset=True)
    current = {name: g.project.get(name) for name in settings.GENERAL_FIELDS}
    after = settings.update_general(store(), acting(), project_id, {**current, **data})
    return ok(s.of(s.Project, after))


@api.operation("GET", f"{PROJECT}/members", guard=project_required(PP.VIEW_MEMBERS),
               scope="read", response=s.MemberList, summary="List project members",
               tag="Projects")
def list_project_members(workspace_id: str, project_id: str) -> Any:
    """The project's members with their roles."""
    rows = projects.list_project_members(store(), project_id)
    users = store().get_many("users", sorted({str(r["user_id"]) for r in rows}))
    out = []
    for row in rows:
        user = users.get(str(row["user_id"])) or {}
        out.append(s.of(s.Member, row, name=user.get("name"), email=user.get("email")))
    return ok(s.MemberList(data=out))


@api.operation("GET", f"{PROJECT}/workflow", guard=project_required(), scope="read",
               response=s.Workflow, summary="The project's workflow", tag="Workflows")
def get_project_workflow(workspace_id: str, project_id: str) -> Any:
    """Statuses (workflow statuses and the project's custom columns, in board order) and
    the workflow's transitions."""
    flow = engine.load(store(), g.project)
    statuses = engine.all_statuses(store(), g.project, data=flow)
    keys = {st.get("$id"): st["key"] for st in flow.statuses}
    transitions = [s.Transition(
        id=t["$id"], name=t.get("name"), from_status=keys.get(t.get("from_status_id")),
        to_status=keys.get(t.get("to_status_id")), allowed_roles=t.get("allowed_roles") or [],
        requires_approval=bool(t.get("requires_approval")),
        requires_comment=bool(t.get("requires_comment")),
    ) for t in flow.transitions(store())]
    workflow = get_workflow(store(), workspace_id, g.project["workflow_id"]) \
        if g.project.get("workflow_id") else None
    return ok(s.Workflow(id=(workflow or {}).get("$id"), name=(workflow or {}).get("name"),
                         statuses=[s.status_from(c) for c in statuses], transitions=transitions))


@api.operation("GET", f"{PROJECT}/statuses", guard=project_required(), scope="read",
               response=s.StatusList, summary="List statuses", tag="Workflows")
def list_statuses(workspace_id: str, project_id: str) -> Any:
    """Every status an item of the project can have, in board order."""
    columns = engine.all_statuses(store(), g.project)
    return ok(s.StatusList(data=[s.status_from(c) for c in columns]))


@api.operation("GET", f"{PROJECT}/fields", guard=project_required(), scope="read",
               response=s.FieldList, summary="List custom fields", tag="Custom fields")
def list_fields(workspace_id: str, project_id: str) -> Any:
    """Custom fields the project's items carry (workspace, space and project scope); an
    item's ``custom_fields`` is keyed by their ``key``."""
    rows = fields_for(store(), g.project)
    return ok(s.FieldList(data=[s.of(s.CustomField, f) for f in rows]))
