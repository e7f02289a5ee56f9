"""The project table in a real browser: filter, sort, bulk edit with a confirmation and
per-item results, and the header search (`/`, live results, open the item)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ConsoleLog, LiveServer
from .helpers import PASSWORD, org_workspace, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.features.items.service import create_item
    from webapp.features.projects.service import create_project

    store = live_server.app.extensions["keel.runtime"].store
    owner = live_server.make_user("tableowner@example.com", PASSWORD, name="Tess Table")
    acting = Acting.of(owner)
    _org, ws = org_workspace(store, owner, org="Tablecorp", workspace="Product")
    project = create_project(store, acting, ws["$id"], creator_id=owner["$id"],
                             name="Storefront", key="sto")
    rows = [("Checkout button misaligned", "BUG", "HIGH"),
            ("Payment provider timeout", "BUG", "URGENT"),
            ("Wishlist sharing", "STORY", "LOW"),
            ("Gift card balance page", "TASK", "MEDIUM"),
            ("Refund e-mails", "TASK", "HIGH")]
    items = [create_item(store, acting, store.get("projects", project["$id"]), title=t,
                         type=ty, priority=pr, reporter_id=owner["$id"],
                         assignee_ids=[owner["$id"]] if n % 2 == 0 else [])
             for n, (t, ty, pr) in enumerate(rows)]
    return {"owner": owner, "ws": ws, "project": project, "items": items}


def _rows(page: Any) -> Any:
    return page.locator("#table-view tbody tr[data-row]")


def _keys(page: Any) -> list[str]:
    cells = page.locator("#table-view tbody tr[data-row] .tbl-key")
    return [k.strip() for k in cells.all_inner_texts()]


def test_filter_sort_bulk_edit_and_search(page: Any, console: ConsoleLog,
                                          live_server: LiveServer, snap: Any, axe: Any) -> None:
    world = _world(live_server)
    ws, project = world["ws"]["$id"], world["project"]["$id"]
    page.emulate_media(color_scheme="light")
    sign_in(page, "tableowner@example.com")
    page.goto(f"/w/{ws}/projects/{project}/table")
    assert _keys(page) == ["STO-5", "STO-4", "STO-3", "STO-2", "STO-1"]
    snap(page, "table-light")
    axe(page)
    page.reload()  # axe leaves style="" on what it measured; htmx's settle would copy it

    # filter: priority HIGH (the filter applies on change, the URL keeps it)
    page.locator("summary", has_text="Priority").click()
    page.get_by_label("High", exact=True).check()
    page.wait_for_url(re.compile(r"priority=HIGH"))
    expect(_rows(page)).to_have_count(2)
    assert _keys(page) == ["STO-5", "STO-1"]
    assert page.locator(".tbl-chip", has_text="Priority: High").is_visible()

    # sort by priority (level order), with the filter removed through its chip
    page.locator(".tbl-chip", has_text="Priority: High").click()
    expect(_rows(page)).to_have_count(5)
    page.locator("a.tbl-sort", has_text="Priority").click()
    page.wait_for_url(re.compile(r"sort=-priority"))
    expect(page.locator("#table-view tbody .tbl-key").first).to_have_text("STO-2")
    assert _keys(page)[0] == "STO-2" and _keys(page)[-1] == "STO-3"
    # the URL is the view: reloading it shows the same order
    page.reload()
    assert _keys(page)[0] == "STO-2"

    # bulk edit: select two, review, confirm, per-item results
    page.get_by_label("Select STO-3").check()
    page.get_by_label("Select STO-4").check()
    assert page.locator("[data-bulk-count]").inner_text() == "2 selected"
    page.locator("#bulk-op").select_option("priority:URGENT")
    page.get_by_role("button", name="Review…").click()
    page.wait_for_url(re.compile(r"/table/bulk$"))
    heading = re.compile(r"Set priority: Urgent — 2 items\?")
    assert page.get_by_role("heading", name=heading).is_visible()
    snap(page, "table-bulk-confirm")
    axe(page)
    page.get_by_role("button", name="Apply to 2 items").click()
    assert page.get_by_role("heading", name=re.compile(r"2 of 2 items changed")).is_visible()
    assert page.locator("[data-result=ok]").count() == 2
    snap(page, "table-bulk-results")
    page.get_by_role("link", name="Back to the table").click()
    page.wait_for_url(re.compile(r"sort=-priority"))

    # the header search: `/` focuses it, typing shows live results, a result opens the item
    page.locator("body").press("/")
    assert page.evaluate("document.activeElement.id") == "header-search"
    page.keyboard.type("refund")
    result = page.locator("#search-live [data-search-result]", has_text="Refund e-mails")
    result.wait_for()
    snap(page, "search-live-light")
    result.click()
    page.wait_for_url(re.compile(rf"/projects/{project}/items/{world['items'][4]['$id']}$"))

    # dark theme and a narrow screen
    page.goto(f"/w/{ws}/projects/{project}/table")
    page.emulate_media(color_scheme="dark")
    page.locator("summary", has_text="Status").click()
    snap(page, "table-dark")
    axe(page)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/w/{ws}/projects/{project}/table")
    snap(page, "table-360")
    page.goto(f"/w/{ws}/search?q=checkout")
    assert page.get_by_role("link", name=re.compile("STO-1")).is_visible()
    snap(page, "search-results-360")
    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)
