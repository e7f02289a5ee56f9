"""Workflow pages: list, editor (statuses, transitions, diagram), project tab, columns."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.features.projects import service as projects
from webapp.features.workflows import service
from webapp.storage.query import Query

from ..workspaces.helpers import acting, login_as, post
from .conftest import make_item


@pytest.fixture
def viewer(store, owner, bob, bob_member, org_ws, project) -> Any:
    from webapp.features.workspaces import service as workspaces

    workspaces.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                   "WS_VIEWER")
    role = store.first("project_roles", [Query.equal("project_id", project["$id"]),
                                         Query.equal("name", "VIEWER")])
    projects.add_project_member(store, acting(owner), project["$id"], bob["$id"], role["$id"],
                                actor_role=projects.ProjectRole.PROJECT_OWNER)
    return bob


def _editor(org_ws, workflow):
    return f"/w/{org_ws['$id']}/workflows/{workflow['$id']}"


def test_list_create_and_editor_with_diagram(client, store, owner, org_ws, project):
    login_as(client, owner)
    base = f"/w/{org_ws['$id']}/workflows"
    page = client.get(base)
    assert page.status_code == 200 and "Software Development" in page.get_data(as_text=True)
    bad = post(client, base, base, {"name": "", "scope": "WORKSPACE",
                                    "template": "BUG_TRACKING"})
    assert bad.status_code == 422 and "Enter a name." in bad.get_data(as_text=True)
    assert store.count("workflows", [Query.equal("scope", "WORKSPACE")]) == 0
    done = post(client, base, base, {"name": "Bugs", "scope": "WORKSPACE",
                                     "template": "BUG_TRACKING"})
    assert done.status_code == 303
    workflow = store.first("workflows", [Query.equal("name", "Bugs")])
    html = client.get(_editor(org_ws, workflow)).get_data(as_text=True)
    assert "<svg" in html and "Verified" in html and "No problems found" in html
    assert 'style="' not in html and "<script>" not in html


def test_editor_adds_restricted_transition_and_status_errors(client, store, owner, org_ws,
                                                             project):
    login_as(client, owner)
    workflow = store.get("workflows", project["workflow_id"])
    url = _editor(org_ws, workflow)
    bad = post(client, url, f"{url}/statuses", {"name": "QA", "key": "1bad",
                                                "status_type": "IN_PROGRESS",
                                                "color": "#3b82f6"})
    assert bad.status_code == 422 and "capital letters" in bad.get_data(as_text=True)
    dup = post(client, url, f"{url}/statuses", {"name": "Todo", "key": "TODO",
                                                "status_type": "OPEN", "color": "#3b82f6"})
    assert dup.status_code == 422 and "uses this key" in dup.get_data(as_text=True)
    ok = post(client, url, f"{url}/statuses", {"name": "In QA", "status_type": "IN_PROGRESS",
                                               "color": "#3b82f6"})
    assert ok.status_code == 303
    qa = store.first("workflow_statuses", [Query.equal("workflow_id", workflow["$id"]),
                                           Query.equal("key", "IN_QA")])
    html = client.get(url).get_data(as_text=True)
    assert "Orphaned" in html and "Unreachable" in html and "Dead end" in html
    review = store.first("workflow_statuses", [Query.equal("workflow_id", workflow["$id"]),
                                               Query.equal("key", "IN_REVIEW")])
    added = post(client, url, f"{url}/transitions", {
        "from_status_id": review["$id"], "to_status_id": qa["$id"], "name": "Send to QA",
        "allowed_roles": ["PROJECT_ADMIN"], "requires_comment": "y"})
    assert added.status_code == 303
    transition = store.first("workflow_transitions", [Query.equal("name", "Send to QA")])
    assert transition["allowed_roles"] == ["PROJECT_ADMIN"] and transition["requires_comment"]
    html = client.get(url).get_data(as_text=True)
    assert "wf-edge--restricted" in html and "Send to QA" in html
    same = post(client, url, f"{url}/transitions", {"from_status_id": qa["$id"],
                                                    "to_status_id": qa["$id"]})
    assert same.status_code == 422 and "another status" in same.get_data(as_text=True)

    edit = f"{url}/transitions/{transition['$id']}"
    bad = post(client, url, edit, {"from_status_id": review["$id"], "to_status_id": qa["$id"],
                                   "name": "Send to QA", "auto_transition": "y"})
    assert bad.status_code == 422
    bad_html = bad.get_data(as_text=True)
    assert "Choose when the transition runs by itself." in bad_html
    assert f'id="te-{transition["$id"]}-auto_condition"' in bad_html
    assert store.get("workflow_transitions", transition["$id"])["auto_transition"] is False
    saved = post(client, url, edit, {
        "from_status_id": "", "to_status_id": qa["$id"], "name": "QA it",
        "description": "Hand over", "allowed_roles": ["MEMBER"], "requires_approval": "y",
        "auto_transition": "y", "auto_condition": "APPROVAL_RECEIVED"})
    assert saved.status_code == 303
    after = store.get("workflow_transitions", transition["$id"])
    assert (after["from_status_id"], after["name"], after["description"]) == (
        None, "QA it", "Hand over")
    assert after["allowed_roles"] == ["MEMBER"] and after["requires_approval"]
    assert not after["requires_comment"] and after["auto_condition"] == "APPROVAL_RECEIVED"
    status_edit = post(client, url, f"{url}/statuses/{qa['$id']}", {
        "name": "In QA", "key": "IN_QA", "status_type": "IN_PROGRESS", "color": "#22c55e",
        "icon": "bug", "description": "Testing"})
    assert status_edit.status_code == 303
    qa = store.get("workflow_statuses", qa["$id"])
    assert (qa["icon"], qa["description"], qa["color"]) == ("bug", "Testing", "#22c55e")
    assert 'class="wf-icon"' in client.get(url).get_data(as_text=True)
    missing = post(client, url, f"{url}/transitions/nope", {"to_status_id": qa["$id"]})
    assert missing.status_code == 404


def test_delete_status_in_use_needs_a_target(client, store, owner, org_ws, project):
    login_as(client, owner)
    workflow = store.get("workflows", project["workflow_id"])
    url = _editor(org_ws, workflow)
    item = make_item(store, project, "ASSIGNED")
    assigned = store.first("workflow_statuses", [Query.equal("workflow_id", workflow["$id"]),
                                                 Query.equal("key", "ASSIGNED")])
    todo = store.first("workflow_statuses", [Query.equal("workflow_id", workflow["$id"]),
                                             Query.equal("key", "TODO")])
    refused = post(client, url, f"{url}/statuses/{assigned['$id']}/delete", {})
    assert refused.status_code == 409 and "1 work item" in refused.get_data(as_text=True)
    assert store.find("workflow_statuses", assigned["$id"]) is not None
    done = post(client, url, f"{url}/statuses/{assigned['$id']}/delete",
                {"move_to": todo["$id"]})
    assert done.status_code == 303
    moved = store.get("work_items", item["$id"])
    assert moved["status"] == "TODO" and moved["version"] == 2
    assert store.count("workflow_transitions", [Query.equal("to_status_id",
                                                            assigned["$id"])]) == 0


def test_viewer_reads_but_cannot_change(client, store, owner, org_ws, project, viewer):
    login_as(client, viewer)
    workflow = store.get("workflows", project["workflow_id"])
    url = _editor(org_ws, workflow)
    html = client.get(url).get_data(as_text=True)
    assert "Add a status" not in html and "You can read this workflow" in html
    assert post(client, url, f"{url}/statuses", {"name": "X", "status_type": "OPEN"}
                ).status_code == 403
    pbase = f"/w/{org_ws['$id']}/projects/{project['$id']}"
    page = client.get(f"{pbase}/workflow")
    assert page.status_code == 200 and "Switch workflow" not in page.get_data(as_text=True)
    cols = client.get(f"{pbase}/settings/columns")
    assert cols.status_code == 200 and "Add a custom column" not in cols.get_data(as_text=True)
    assert post(client, f"{pbase}/settings/columns", f"{pbase}/settings/columns",
                {"name": "Parked", "status_category": "todo"}).status_code == 403
    assert post(client, f"{pbase}/workflow", f"{pbase}/workflow",
                {"workflow_id": "x"}).status_code == 403


def test_columns_tab(client, store, owner, org_ws, project):
    login_as(client, owner)
    base = f"/w/{org_ws['$id']}/projects/{project['$id']}/settings/columns"
    bad = post(client, base, base, {"name": "", "status_category": "todo"})
    assert bad.status_code == 422 and "Enter a name." in bad.get_data(as_text=True)
    assert post(client, base, base, {"name": "Parked", "color": "#6b7280",
                                     "status_category": "todo"}).status_code == 303
    assert "PARKED" in client.get(base).get_data(as_text=True)
    wip = post(client, base, f"{base}/wip", {"wip_IN_PROGRESS": "abc"})
    assert wip.status_code == 422 and "whole number" in wip.get_data(as_text=True)
    assert post(client, base, f"{base}/wip", {"wip_IN_PROGRESS": "4"}).status_code == 303
    assert store.get("projects", project["$id"])["wip_limits"] == {"IN_PROGRESS": 4}
    make_item(store, project, "ASSIGNED")
    hide = post(client, base, f"{base}/board", {"toggle": "ASSIGNED", "enabled": "0"})
    assert hide.status_code == 409 and "move them before hiding" in hide.get_data(as_text=True)
    assert post(client, base, f"{base}/board", {"toggle": "IN_REVIEW", "enabled": "0"}
                ).status_code == 303
    assert post(client, base, f"{base}/board", {"up": "PARKED"}).status_code == 303


def test_project_switch_remaps_items_and_lock(client, store, owner, org_ws, project):
    login_as(client, owner)
    kanban = service.create_from_template(store, acting(owner), org_ws["$id"], "SIMPLE_KANBAN")
    review = make_item(store, project, "IN_REVIEW", status_category="IN_PROGRESS")
    done = make_item(store, project, "DONE")
    assigned = make_item(store, project, "ASSIGNED")
    base = f"/w/{org_ws['$id']}/projects/{project['$id']}/workflow"
    assert post(client, base, base, {"workflow_id": kanban["$id"]}).status_code == 303
    assert store.get("projects", project["$id"])["workflow_id"] == kanban["$id"]
    assert store.get("work_items", review["$id"])["status"] == "IN_PROGRESS"
    assert store.get("work_items", done["$id"])["status"] == "DONE"
    assert store.get("work_items", assigned["$id"])["status"] == "BACKLOG"
    store.update("projects", project["$id"], {"workflow_locked": True})
    locked = post(client, base, base, {"workflow_id": project["workflow_id"]})
    assert locked.status_code == 409
