"""Workflows in a real browser: the owner adds a status and a transition restricted to
admins in the editor, edits the transition, sees it in the server-rendered diagram, the
project Workflow tab and the Columns settings tab (light and dark, 360 px, axe)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ConsoleLog, LiveServer, _format_violations, run_axe
from .helpers import PASSWORD, project_with_workflow, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
# The header's live search box belongs to the search feature (checked by its own tests).
FOREIGN = ("#header-search",)


def axe_here(page: Any) -> None:
    """axe on the page, leaving out findings that belong to other features' widgets."""
    found = []
    for violation in run_axe(page):
        nodes = [n for n in violation["nodes"]
                 if not any(str(t) in FOREIGN for t in n["target"])]
        if nodes:
            found.append({**violation, "nodes": nodes})
    assert not found, f"axe on {page.url}:\n" + _format_violations(found)


def test_editor_builds_a_restricted_transition(page: Any, console: ConsoleLog,
                                               live_server: LiveServer, snap: Any) -> None:
    from webapp.storage.query import Query

    store = live_server.app.extensions["keel.runtime"].store
    owner = live_server.make_user("wfowner@example.com", PASSWORD, name="Wanda Flow",
                                  workspace="Flows")
    workspace_id = owner["default_workspace_id"]
    project = project_with_workflow(store, owner, workspace_id, name="Rocket", key="ROC")
    workflow_id = project["workflow_id"]

    page.emulate_media(color_scheme="light")
    sign_in(page, "wfowner@example.com")

    page.goto(f"/w/{workspace_id}/workflows/{workflow_id}")
    add = page.locator("#status-add")
    add.get_by_label("Name").fill("In QA")
    add.get_by_label("Type").select_option("IN_PROGRESS")
    add.get_by_role("button", name="Add status").click()
    assert page.get_by_text("cannot be reached from the initial status").is_visible()

    form = page.locator("#transition-add")
    form.get_by_label("From").select_option(label="In Review")
    form.get_by_label("To").select_option(label="In QA")
    form.get_by_label("Name").fill("Send to QA")
    form.get_by_label("Allowed roles").select_option(["PROJECT_ADMIN"])
    form.get_by_role("button", name="Add transition").click()
    assert page.locator(".wf-edge--restricted", has_text="Send to QA").count() == 1
    stored = store.first("workflow_transitions", [Query.equal("name", "Send to QA")])
    assert stored["allowed_roles"] == ["PROJECT_ADMIN"]
    snap(page, "workflow-editor-light")
    axe_here(page)

    page.locator("#workflow-transitions .wf-list__item", has_text="Send to QA").locator(
        "summary").click()
    edit = page.locator("form.wf-edit").filter(has=page.locator("input[value='Send to QA']"))
    edit.get_by_label("Needs a comment").check()
    edit.get_by_label("Description").fill("Hand the work to QA")
    edit.get_by_role("button", name="Save transition").click()
    assert page.get_by_text("Transition saved.").is_visible()
    saved = store.get("workflow_transitions", stored["$id"])
    assert saved["requires_comment"] and saved["description"] == "Hand the work to QA"
    assert saved["allowed_roles"] == ["PROJECT_ADMIN"]
    assert page.get_by_role("navigation", name="Workspace").get_by_role(
        "link", name="Workflows").get_attribute("aria-current") == "page"

    page.emulate_media(color_scheme="dark")
    snap(page, "workflow-editor-dark")
    axe_here(page)
    project_url = f"/w/{workspace_id}/projects/{project['$id']}"
    page.goto(f"{project_url}/workflow")
    snap(page, "workflow-project-dark")
    axe_here(page)
    page.goto(f"{project_url}/settings/columns")
    add_column = page.locator("#column-add")
    add_column.get_by_label("Name").fill("Parked")
    add_column.get_by_role("button", name="Add column").click()
    parked = page.locator(".wf-col", has_text="Parked")
    parked.locator("summary").click()
    assert parked.get_by_label("Move its work items to").is_visible()
    snap(page, "workflow-columns-dark")
    axe_here(page)

    page.emulate_media(color_scheme="light")
    snap(page, "workflow-columns-light")
    page.goto(f"{project_url}/workflow")
    snap(page, "workflow-project-light")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.locator("svg.wf-diagram").is_visible()
    snap(page, "workflow-project-360")
    axe_here(page)
    page.goto(f"{project_url}/settings/columns")
    snap(page, "workflow-columns-360")
    page.goto(f"/w/{workspace_id}/workflows/{workflow_id}")
    snap(page, "workflow-editor-360")
    axe_here(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the editor scrolls sideways at 360 px ({width} px)"
    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)
