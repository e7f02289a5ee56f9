"""Workflows: templates, scopes, copies and the project binding (SYSTEM.md 4.8).

* A workflow belongs to a workspace and is scoped WORKSPACE, SPACE (``space_id``) or
  PROJECT (``project_id``). A project may use a workspace workflow, one of its space, or
  its own (``usable_by``).
* ``attach_default_workflow`` (project creation): the space's default workflow when the
  space's inheritance is REQUIRE (then ``workflow_locked``; a choice is ignored) or SUGGEST
  (unless the creator chose another usable one); else the chosen one; else a new
  project-scoped copy of the "Software Development" template.
* ``is_system`` workflows are immutable (SYSTEM_WORKFLOW); a workflow a project or a space
  uses cannot be deleted (WORKFLOW_IN_USE).
* Switching a project's workflow (``switch_project_workflow``) is refused when the project
  is locked (WORKFLOW_LOCKED); in one transaction, items whose status the new workflow does
  not know (custom columns excepted) move to its first status of the same category, else
  to its initial status.

Statuses and transitions: ``statuses.py``; approvals: ``approvals.py``; columns and WIP
limits: ``columns.py``; analysis: ``analysis.py`` (all re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webapp.audit import Acting, diff, record
from webapp.features.workflows import engine
from webapp.features.workflows.analysis import analyse
from webapp.features.workflows.approvals import (
    approve,
    list_pending,
    reject,
    request_approval,
)
from webapp.features.workflows.cache import new_rev
from webapp.features.workflows.statuses import (
    add_status,
    add_transition,
    clean_name,
    delete_status,
    delete_transition,
    update_status,
    update_transition,
)
from webapp.features.workflows.templates import DEFAULT_TEMPLATE, TEMPLATES
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

__all__ = [
    "TEMPLATES",
    "add_status",
    "add_transition",
    "analyse",
    "analyse_workflow",
    "approve",
    "attach_default_workflow",
    "copy_workflow",
    "create_from_template",
    "create_workflow",
    "delete_status",
    "delete_transition",
    "delete_workflow",
    "get_workflow",
    "list_pending",
    "list_workflows",
    "projects_using",
    "reject",
    "request_approval",
    "switch_project_workflow",
    "update_status",
    "update_transition",
    "update_workflow",
    "usable_by",
]

SCOPES = ("WORKSPACE", "SPACE", "PROJECT")
MAX = 5000
Refused.MESSAGES.update({
    "SYSTEM_WORKFLOW": "Built-in system workflows cannot be changed; copy it instead.",
    "WORKFLOW_IN_USE": "Projects or spaces still use this workflow.",
    "WORKFLOW_LOCKED": "This project's space requires its workflow; it cannot be switched.",
})


def _org_of(store: DocumentStore, workspace_id: str) -> str | None:
    found = store.find("workspaces", workspace_id)
    return found.get("organization_id") if found else None


def _audit(store: DocumentStore, acting: Acting, action: str, workflow: Mapping[str, Any],
           **kwargs: Any) -> None:
    record(store, acting, action, "workflow", workflow["$id"], resource_name=workflow["name"],
           organization_id=_org_of(store, workflow["workspace_id"]),
           workspace_id=workflow["workspace_id"], project_id=workflow.get("project_id"),
           **kwargs)


def get_workflow(store: DocumentStore, workspace_id: str, workflow_id: str) -> Document | None:
    """The workflow if it belongs to the workspace, else None."""
    found = store.find("workflows", workflow_id) if workflow_id else None
    return found if found is not None and found["workspace_id"] == workspace_id else None


def list_workflows(store: DocumentStore, workspace_id: str) -> list[Document]:
    return store.list("workflows", [Query.equal("workspace_id", workspace_id),
                                    Query.order_asc("name"), Query.limit(MAX)]).documents


def usable_by(store: DocumentStore, project: Mapping[str, Any]) -> list[Document]:
    """Workflows the project may use: workspace-wide, its space's, its own."""
    return [w for w in list_workflows(store, project["workspace_id"])
            if w["scope"] == "WORKSPACE"
            or (w["scope"] == "SPACE" and w.get("space_id")
                and w["space_id"] == project.get("space_id"))
            or (w["scope"] == "PROJECT" and w.get("project_id") == project["$id"])]


def projects_using(store: DocumentStore, workflow_id: str) -> list[Document]:
    return store.list("projects", [Query.equal("workflow_id", workflow_id),
                                   Query.limit(MAX)]).documents


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    clean_name(values, out, errors, 128)
    if "description" in values:
        text = (values.get("description") or "").strip()
        if len(text) > 2000:
            errors["description"] = "Use at most 2000 characters."
        out["description"] = text or None
    if errors:
        raise FieldErrors(errors)
    return out


def _check_scope(store: DocumentStore, workspace_id: str, scope: str, space_id: str | None,
                 project_id: str | None) -> None:
    if scope not in SCOPES:
        raise FieldErrors({"scope": "Choose workspace, space or project."})
    if scope == "SPACE":
        space = store.find("spaces", space_id) if space_id else None
        if space is None or space["workspace_id"] != workspace_id:
            raise FieldErrors({"space_id": "Choose a space of this workspace."})
    if scope == "PROJECT":
        project = store.find("projects", project_id) if project_id else None
        if project is None or project["workspace_id"] != workspace_id:
            raise FieldErrors({"project_id": "Choose a project of this workspace."})


def _new_workflow(store: DocumentStore, workspace_id: str, *, name: str, scope: str,
                  space_id: str | None, project_id: str | None, description: str | None,
                  template: str | None, created_by: str | None) -> Document:
    return store.create("workflows", {
        "workspace_id": workspace_id, "scope": scope, "name": name, "description": description,
        "space_id": space_id if scope == "SPACE" else None,
        "project_id": project_id if scope == "PROJECT" else None,
        "template": template, "created_by": created_by, "status_count": 0,
    })


def create_from_template(store: DocumentStore, acting: Acting, workspace_id: str,
                         template_key: str = DEFAULT_TEMPLATE, *, scope: str = "WORKSPACE",
                         space_id: str | None = None, project_id: str | None = None,
                         name: str | None = None, description: str | None = None) -> Document:
    """A new workflow with the template's statuses and named transitions."""
    template = TEMPLATES.get(template_key)
    if template is None:
        raise FieldErrors({"template": "Choose one of the templates."})
    values = _clean({"name": name or template.name,
                     "description": description if description is not None
                     else template.description})
    _check_scope(store, workspace_id, scope, space_id, project_id)
    with store.transaction():
        workflow = _new_workflow(store, workspace_id, scope=scope, space_id=space_id,
                                 project_id=project_id, template=template.key,
                                 created_by=acting.user_id, **values)
        ids: dict[str, str] = {}
        for position, (key, label, kind, color, icon) in enumerate(template.statuses):
            ids[key] = store.create("workflow_statuses", {
                "workflow_id": workflow["$id"], "workspace_id": workspace_id, "key": key,
                "name": label, "status_type": kind, "color": color, "icon": icon,
                "is_initial": position == 0, "is_final": key in template.final,
                "position": position,
            })["$id"]
        for label, source, target in template.transitions:
            store.create("workflow_transitions", {
                "workflow_id": workflow["$id"], "workspace_id": workspace_id, "name": label,
                "from_status_id": ids[source] if source else None, "to_status_id": ids[target],
            })
        workflow = store.update("workflows", workflow["$id"],
                                {"status_count": len(template.statuses)})
        _audit(store, acting, "workflow_created", workflow,
               changes=diff(None, workflow, ("name", "scope", "template")))
    return workflow


def create_workflow(store: DocumentStore, acting: Acting, workspace_id: str, *, name: str,
                    scope: str = "WORKSPACE", space_id: str | None = None,
                    project_id: str | None = None, description: str | None = None,
                    template: str | None = None, copy_from: str | None = None) -> Document:
    """Blank (seeded from "Software Development"), from a template, or a copy."""
    values = _clean({"name": name, "description": description})
    if copy_from:
        return copy_workflow(store, acting, workspace_id, copy_from, name=values["name"],
                             scope=scope, space_id=space_id, project_id=project_id,
                             description=values["description"])
    return create_from_template(store, acting, workspace_id, template or DEFAULT_TEMPLATE,
                                scope=scope, space_id=space_id, project_id=project_id,
                                name=values["name"], description=values["description"] or "")


def copy_workflow(store: DocumentStore, acting: Acting, workspace_id: str, source_id: str, *,
                  name: str | None = None, scope: str = "WORKSPACE", space_id: str | None = None,
                  project_id: str | None = None, description: str | None = None) -> Document:
    source = get_workflow(store, workspace_id, source_id)
    if source is None:
        raise FieldErrors({"copy_from": "Choose a workflow of this workspace."})
    values = _clean({"name": name or f"{source['name']} (copy)",
                     "description": description if description is not None
                     else source.get("description")})
    _check_scope(store, workspace_id, scope, space_id, project_id)
    statuses = store.list("workflow_statuses", [Query.equal("workflow_id", source_id),
                                                Query.limit(MAX)]).documents
    transitions = store.list("workflow_transitions", [Query.equal("workflow_id", source_id),
                                                      Query.limit(MAX)]).documents
    skip = {"$id", "$createdAt", "$updatedAt", "workflow_id"}
    with store.transaction():
        workflow = _new_workflow(store, workspace_id, scope=scope, space_id=space_id,
                                 project_id=project_id, template=source.get("template"),
                                 created_by=acting.user_id, **values)
        ids: dict[str, str] = {}
        for status in statuses:
            ids[status["$id"]] = store.create("workflow_statuses", {
                **{k: v for k, v in status.items() if k not in skip},
                "workflow_id": workflow["$id"]})["$id"]
        for transition in transitions:
            store.create("workflow_transitions", {
                **{k: v for k, v in transition.items() if k not in skip},
                "workflow_id": workflow["$id"],
                "from_status_id": ids.get(transition.get("from_status_id") or ""),
                "to_status_id": ids[transition["to_status_id"]]})
        workflow = store.update("workflows", workflow["$id"], {"status_count": len(statuses)})
        _audit(store, acting, "workflow_copied", workflow, metadata={"source_id": source_id},
               changes=diff(None, workflow, ("name", "scope")))
    return workflow


def check_mutable(workflow: Mapping[str, Any]) -> None:
    if workflow.get("is_system"):
        raise Refused("SYSTEM_WORKFLOW")


def update_workflow(store: DocumentStore, acting: Acting, workflow: Document,
                    values: Mapping[str, Any]) -> Document:
    check_mutable(workflow)
    clean = _clean({k: values[k] for k in ("name", "description") if k in values})
    with store.transaction():
        after = store.update("workflows", workflow["$id"], clean)
        changes = diff(workflow, after, ("name", "description"))
        if changes:
            _audit(store, acting, "workflow_updated", after, changes=changes)
    return after


def delete_workflow(store: DocumentStore, acting: Acting, workflow: Document) -> None:
    check_mutable(workflow)
    if projects_using(store, workflow["$id"]) or store.count("spaces", [
            Query.equal("default_workflow_id", workflow["$id"])]):
        raise Refused("WORKFLOW_IN_USE")
    with store.transaction():
        store.delete_where("workflow_transitions", [Query.equal("workflow_id", workflow["$id"])])
        store.delete_where("workflow_statuses", [Query.equal("workflow_id", workflow["$id"])])
        store.delete("workflows", workflow["$id"])
        _audit(store, acting, "workflow_deleted", workflow)


# -- project binding -------------------------------------------------------------------------
def attach_default_workflow(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                            *, chosen_workflow_id: str | None = None) -> Document:
    """Give a new project its workflow (see the module rules); returns the workflow."""
    space = store.find("spaces", project["space_id"]) if project.get("space_id") else None
    inheritance = (space or {}).get("workflow_inheritance") or "NONE"
    space_default = None
    if space is not None and space.get("default_workflow_id"):
        space_default = get_workflow(store, project["workspace_id"], space["default_workflow_id"])
    chosen = None
    if chosen_workflow_id:
        chosen = next((w for w in usable_by(store, project) if w["$id"] == chosen_workflow_id),
                      None)
        if chosen is None:
            raise FieldErrors({"workflow_id": "Choose a workflow this project may use."})
    locked = False
    with store.transaction():
        if space_default is not None and inheritance == "REQUIRE":
            workflow, locked = space_default, True
        elif chosen is not None:
            workflow = chosen
        elif space_default is not None and inheritance == "SUGGEST":
            workflow = space_default
        else:
            workflow = create_from_template(store, acting, project["workspace_id"],
                                            DEFAULT_TEMPLATE, scope="PROJECT",
                                            project_id=project["$id"])
        store.update("projects", project["$id"], {"workflow_id": workflow["$id"],
                                                  "workflow_locked": locked,
                                                  "config_rev": new_rev()})
        record(store, acting, "project_workflow_attached", "project", project["$id"],
               resource_name=project.get("name"),
               organization_id=_org_of(store, project["workspace_id"]),
               workspace_id=project["workspace_id"], project_id=project["$id"],
               changes={"workflow_id": [project.get("workflow_id"), workflow["$id"]]},
               metadata={"locked": locked, "inheritance": inheritance})
    return workflow


def switch_project_workflow(store: DocumentStore, acting: Acting, project: Mapping[str, Any],
                            workflow_id: str) -> dict[str, int]:
    """Bind the project to another usable workflow; returns ``{"moved": n}`` items remapped."""
    if project.get("workflow_locked"):
        raise Refused("WORKFLOW_LOCKED")
    workflow = next((w for w in usable_by(store, project) if w["$id"] == workflow_id), None)
    if workflow is None:
        raise FieldErrors({"workflow_id": "Choose a workflow this project may use."})
    if workflow["$id"] == project.get("workflow_id"):
        return {"moved": 0}
    after_project = {**project, "workflow_id": workflow["$id"]}
    data = engine.load(store, after_project)
    keys = {c.key for c in engine.all_statuses(store, after_project, data=data)}
    flow = [c for c in engine.all_statuses(store, after_project, data=data)
            if c.source == "workflow"]
    initial = engine.initial_status(store, after_project, data=data)
    items = store.list("work_items", [
        Query.equal("project_id", project["$id"]),
        Query.select("$id", "status", "status_category", "version"), Query.limit(MAX),
    ]).documents
    moving = [i for i in items if i["status"] not in keys]
    moved = 0
    with store.transaction():
        store.update("projects", project["$id"], {"workflow_id": workflow["$id"],
                                                  "config_rev": new_rev()})
        for item in moving:
            target = next((c for c in flow if c.category == item.get("status_category")),
                          initial)
            values: dict[str, Any] = {"status": target.key, "status_category": target.category,
                                      "version": int(item.get("version") or 1) + 1}
            if target.category != "CLOSED":
                values["resolved_at"] = None
            store.update("work_items", item["$id"], values)
            moved += 1
        record(store, acting, "project_workflow_switched", "project", project["$id"],
               resource_name=project.get("name"),
               organization_id=_org_of(store, project["workspace_id"]),
               workspace_id=project["workspace_id"], project_id=project["$id"],
               changes={"workflow_id": [project.get("workflow_id"), workflow["$id"]]},
               metadata={"items_remapped": moved})
    return {"moved": moved}


def analyse_workflow(store: DocumentStore, workflow: Mapping[str, Any]) -> Any:
    """``analysis.analyse`` for a stored workflow (2 queries)."""
    from webapp.features.workflows.statuses import statuses_of, transitions_of

    return analyse(statuses_of(store, workflow["$id"]), transitions_of(store, workflow["$id"]))
