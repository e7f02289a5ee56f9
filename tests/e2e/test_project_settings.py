"""Project settings in a real browser: create a Kanban project, edit the General and Work
types tabs, add a custom field; light and dark, 360 px."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ConsoleLog, LiveServer
from .helpers import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_create_and_configure_a_project(page: Any, console: ConsoleLog,
                                        live_server: LiveServer, snap: Any) -> None:
    from webapp.storage.query import Query

    store = live_server.app.extensions["keel.runtime"].store
    owner = live_server.make_user("psowner@example.com", PASSWORD, name="Paula Settings",
                                  workspace="Settings HQ")
    workspace_id = owner["default_workspace_id"]

    page.emulate_media(color_scheme="light")
    sign_in(page, "psowner@example.com")

    page.goto(f"/w/{workspace_id}/projects")
    form = page.locator("#new-project")
    form.get_by_label("Name").fill("Harbour")
    form.get_by_label("Key").fill("HRB")
    form.get_by_label("Board type").select_option("KANBAN")
    form.get_by_label("Start date").fill("2026-05-01")
    form.get_by_label("Deadline").fill("2026-04-01")
    form.get_by_role("button", name="Create project").click()
    assert page.get_by_text("The deadline cannot be before the start date.").is_visible()
    form = page.locator("#new-project")
    form.get_by_label("Deadline").fill("2026-09-30")
    form.get_by_role("button", name="Create project").click()
    page.wait_for_url(lambda url: "/projects/" in url)
    project = store.first("projects", [Query.equal("key", "HRB")])
    assert project["board_type"] == "KANBAN" and project["workflow_id"]

    page.goto(f"/w/{workspace_id}/projects")
    card = page.locator(".ps-card", has_text="Harbour")
    assert card.get_by_text("Kanban").is_visible() and card.get_by_text("0 items").is_visible()
    snap(page, "project-list-light")

    base = f"/w/{workspace_id}/projects/{project['$id']}/settings"
    page.goto(f"{base}/general")
    general = page.locator("#settings-general")
    general.get_by_label("Sprint length (days)").fill("90")
    general.get_by_role("button", name="Save settings").click()
    assert page.get_by_text("Use a whole number of days from 1 to 60.").is_visible()
    general = page.locator("#settings-general")
    general.get_by_label("Sprint length (days)").fill("10")
    general.get_by_label("Default swimlane").select_option("assignee")
    general.get_by_role("button", name="Save settings").click()
    page.get_by_text("Settings saved.").wait_for()
    saved = store.get("projects", project["$id"])
    assert saved["default_sprint_duration"] == 10 and saved["default_swimlane"] == "assignee"
    snap(page, "project-settings-general-light")

    page.get_by_role("navigation", name="Project settings").get_by_role(
        "link", name="Work types").click()
    add = page.locator("#add-custom")
    add.get_by_label("Name").fill("Spike")
    add.get_by_label("Key").fill("SPIKE")
    add.get_by_role("button", name="Add").click()
    assert page.locator(".ws-list__item", has_text="Spike").is_visible()

    page.get_by_role("navigation", name="Project settings").get_by_role(
        "link", name="Fields").click()
    field = page.locator("#add-field")
    field.get_by_label("Name").fill("Risk")
    field.get_by_label("Field type").select_option("SELECT")
    field.get_by_role("button", name="Add field").click()
    assert page.get_by_text("Add at least one option, one per line.").is_visible()
    field = page.locator("#add-field")
    field.get_by_label("Options").fill("Low\nHigh")
    field.get_by_label("Show on board cards").check()
    field.get_by_role("button", name="Add field").click()
    page.get_by_text("Field added.").wait_for()
    stored = store.first("custom_fields", [Query.equal("key", "risk")])
    assert stored["options"][1]["value"] == "High" and stored["show_in_card"] is True
    snap(page, "project-settings-fields-light")

    page.emulate_media(color_scheme="dark")
    page.goto(f"{base}/types")
    snap(page, "project-settings-types-dark")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{base}/general")
    assert page.locator("#settings-general").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways at 360 px ({width})"
    snap(page, "project-settings-general-360-dark")
    page.goto(f"/w/{workspace_id}/projects")
    snap(page, "project-list-360-dark")
    assert not console.csp_violations, "\n".join(console.csp_violations)
    errors = [e for e in console.errors if "status of 422" not in e]  # the invalid forms
    assert not errors, "\n".join(errors)
