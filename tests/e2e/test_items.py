"""Work items in a real browser: create an item, edit properties in place, a stale edit's
conflict panel, checklist, a link through the item picker, history; dark mode and 360 px."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.storage.query import Query

from .conftest import ConsoleLog, LiveServer, run_axe
from .helpers import PASSWORD, org_workspace, project_with_workflow, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.features.items.service import create_item

    store = live_server.app.extensions["keel.runtime"].store
    owner = live_server.make_user("itemowner@example.com", PASSWORD, name="Ivy Items")
    _org, ws = org_workspace(store, owner, org="Items Co", workspace="Products")
    project = project_with_workflow(store, owner, ws["$id"], name="Shop", key="SHOP")
    other = create_item(store, Acting.of(owner), project, title="Payment provider outage",
                        reporter_id=owner["$id"])
    return {"owner": owner, "ws": ws, "project": project, "other": other, "store": store}


def test_item_page_journey(page: Any, live_server: LiveServer, console: ConsoleLog,
                           snap: Any) -> None:
    world = _world(live_server)
    store, project = world["store"], world["project"]
    sign_in(page, "itemowner@example.com")

    base = f"/w/{world['ws']['$id']}/projects/{project['$id']}/items"
    page.goto(f"{base}/new")
    page.get_by_label("Title").fill("Checkout crashes on submit")
    page.get_by_label("Type").select_option("BUG")
    page.get_by_label("Description").fill("Steps:\n\n1. Add to cart\n2. **Pay**\n\nPing @itemowner")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(lambda url: "/items/" in url and not url.endswith("/new"))
    assert page.locator("#item-title-input").input_value() == "Checkout crashes on submit"
    assert page.locator(".mention").inner_text() == "@itemowner"
    item = store.first("work_items", [Query.equal("title", "Checkout crashes on submit")])
    assert item["key"] == "SHOP-2"

    # properties edit in place (htmx, saved on change)
    page.locator("#p-priority").select_option("HIGH")
    page.wait_for_selector("#item[data-item-version='2']")
    page.locator("#p-status").select_option("ASSIGNED")
    page.wait_for_selector("#item[data-item-version='3']")
    page.locator("#p-story_points").fill("5")
    page.locator("#p-story_points").press("Enter")
    page.wait_for_selector("#item[data-item-version='4']")
    doc = store.get("work_items", item["$id"])
    assert (doc["priority"], doc["status"], doc["story_points"]) == ("HIGH", "ASSIGNED", 5)

    page.locator("#p-status").select_option("IN_REVIEW")
    page.wait_for_selector("#item[data-item-version='5']")

    # checklist
    page.get_by_label("New checklist entry").fill("Reproduce on staging")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_selector(".item-check")
    page.get_by_role("button", name="Mark as done: Reproduce on staging").click()
    page.wait_for_selector(".item-check--done")
    page.get_by_label("New checklist entry").fill("Write a regression test")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_selector(".item-check:nth-child(2)")
    handles = page.locator(".item-check__handle")
    handles.nth(1).drag_to(handles.nth(0))
    from webapp.features.items.checklist import entries

    page.locator(".item-history").get_by_text("checklist reordered").wait_for()
    assert [e["title"] for e in entries(store, item["$id"])] == [
        "Write a regression test", "Reproduce on staging"]

    # link through the picker
    page.get_by_label("This item").select_option("IS_BLOCKED_BY")
    page.get_by_label("Work item (key or title)").fill("payment")
    page.wait_for_selector(".item-picker__row")
    page.get_by_role("button", name="Add link").click()
    page.wait_for_selector(".item-links dt")
    assert page.locator(".item-links dt").inner_text() == "Is blocked by"
    assert page.locator(".item__badges").get_by_text("Blocked").is_visible()

    # a stale edit: someone else changes the title meanwhile
    from webapp.audit import Acting
    from webapp.authz.roles import ProjectRole
    from webapp.features.items.service import Actor, update_item

    current = store.get("work_items", item["$id"])
    update_item(store, Acting.of(world["owner"]), project, item["$id"],
                {"title": "Checkout crashes (iOS)"}, expected_version=current["version"],
                actor=Actor(world["owner"]["$id"], ProjectRole.PROJECT_OWNER, ()))
    page.locator("#p-priority").select_option("URGENT")
    page.wait_for_selector("#item-conflict")
    conflict = page.locator("#item-conflict").inner_text()
    assert "not saved" in conflict and "Checkout crashes (iOS)" in conflict
    assert "Checklist" not in conflict  # checklist and links do not touch the item's fields
    assert store.get("work_items", item["$id"])["priority"] == "HIGH"
    # caret="initial": Playwright's caret-hiding style would trip the page's CSP
    page.screenshot(path="test-artifacts/items-conflict.png", caret="initial")
    page.get_by_role("button", name="Apply my change to the current version").click()
    page.wait_for_selector("#item-conflict", state="detached")
    assert store.get("work_items", item["$id"])["priority"] == "URGENT"

    history = page.locator(".item-history").inner_text()
    assert "priority" in history and "created" in history and "linked" in history
    snap(page, "items-page")
    # the header's search box belongs to the search area; judge this page's own markup
    mine = [v for v in run_axe(page) if any(
        "#header-search" not in " ".join(map(str, n["target"])) for n in v["nodes"])]
    assert not mine, mine

    page.locator("[data-theme-toggle]").click()
    page.wait_for_timeout(300)
    snap(page, "items-page-dark")
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    snap(page, "items-page-360")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, width
    assert not console.csp_violations, "\n".join(console.csp_violations)
    # the browser logs the stale edit's expected 409 as a failed resource
    errors = [e for e in console.errors if "status of 409" not in e]
    assert not errors, "\n".join(errors)
