"""Matrix rows of workflows: the workspace list and editor, the project Workflow tab with
approvals, and the project settings Columns tab.

``extras`` (ORDER 10, before the items' extras) gives project RKT its default workflow, adds
a "Sign off" transition (from any status to DONE) that needs approval with one pending
request on an item, a workspace workflow "Matrix flow" and a custom column "Parked"."""

from __future__ import annotations

from typing import Any

from matrix.rows import ADMIN, DELETE, EDIT, VIEW, project, workspace
from webapp.audit import Acting
from webapp.storage.query import Query

ORDER = 10

ROWS = {
    ("workflows.index", "GET"): workspace(VIEW),
    ("workflows.create", "POST"): workspace(ADMIN),
    ("workflows.editor", "GET"): workspace(VIEW),
    ("workflows.update", "POST"): workspace(ADMIN),
    ("workflows.delete", "POST"): workspace(ADMIN),
    ("workflows.add_status", "POST"): workspace(ADMIN),
    ("workflows.update_status", "POST"): workspace(ADMIN),
    ("workflows.move_status", "POST"): workspace(ADMIN),
    ("workflows.delete_status", "POST"): workspace(ADMIN),
    ("workflows.add_transition", "POST"): workspace(ADMIN),
    ("workflows.update_transition", "POST"): workspace(ADMIN),
    ("workflows.delete_transition", "POST"): workspace(ADMIN),
    ("workflows.project_workflow", "GET"): project(VIEW),
    # workflow binding: project.settings.manage (owners and the overrides)
    ("workflows.switch_workflow", "POST"): project(DELETE),
    ("workflows.request_approval", "POST"): project(EDIT),
    # guard: tasks.edit; the service then refuses non-approvers (403): the transition has
    # no approver team, so project owners and admins decide
    ("workflows.decide", "POST"): project(ADMIN),
    ("workflows.project_columns", "GET"): project(VIEW),
    # columns and WIP limits: project.board.update (owners, admins and the overrides)
    ("workflows.add_column", "POST"): project(ADMIN),
    ("workflows.update_column", "POST"): project(ADMIN),
    ("workflows.delete_column", "POST"): project(ADMIN),
    ("workflows.arrange_columns", "POST"): project(ADMIN),
    ("workflows.save_wip", "POST"): project(ADMIN),
}

FORMS = {"workflows.request_approval": {"item_id": "", "transition_id": "missing"}}


def extras(store: Any, world: Any) -> None:
    from webapp.features.workflows import columns, service

    acting = Acting.of(world.user("org_owner"), "127.0.0.1")
    rkt = world.project
    if not store.get("projects", rkt["$id"]).get("workflow_id"):
        service.attach_default_workflow(store, acting, rkt)
    rkt.update(store.get("projects", rkt["$id"]))
    flow = store.get("workflows", rkt["workflow_id"])
    done = store.first("workflow_statuses", [Query.equal("workflow_id", flow["$id"]),
                                             Query.equal("key", "DONE")])
    sign_off = service.add_transition(store, acting, flow, {
        "from_status_id": None, "to_status_id": done["$id"], "name": "Sign off",
        "requires_approval": True})
    number = store.increment("projects", rkt["$id"], "item_seq")["item_seq"]
    item = store.create("work_items", {
        "workspace_id": rkt["workspace_id"], "project_id": rkt["$id"],
        "space_id": rkt.get("space_id"), "key": f"RKT-{number}", "number": number,
        "title": "Needs sign-off", "status": "TODO", "status_category": "OPEN", "version": 1})
    world.extras["workflow_item"] = item
    world.extras["approval"] = service.request_approval(store, acting, rkt, item,
                                                        sign_off["$id"])
    matrix_flow = service.create_from_template(store, acting, world.workspace["$id"],
                                               "SIMPLE_KANBAN", name="Matrix flow")
    world.extras["workflow"] = matrix_flow
    world.extras["workflow_status"] = store.first("workflow_statuses", [
        Query.equal("workflow_id", matrix_flow["$id"])])
    world.extras["workflow_transition"] = store.first("workflow_transitions", [
        Query.equal("workflow_id", matrix_flow["$id"])])
    world.extras["custom_column"] = columns.add_custom_column(store, acting, rkt,
                                                              {"name": "Parked"})
    FORMS["workflows.request_approval"]["item_id"] = item["$id"]


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if not endpoint.startswith("workflows."):
        return {}
    extras = world.extras
    return {"workflow_id": extras["workflow"]["$id"],
            "status_id": extras["workflow_status"]["$id"],
            "transition_id": extras["workflow_transition"]["$id"],
            "approval_id": extras["approval"]["$id"], "decision": "approve",
            "column_id": extras["custom_column"]["$id"]}
