"""The board in Chromium: drag a card across columns (SortableJS needs real pointer moves),
a refused move snaps back with the reason, keyboard shortcuts and the "Move to…" dialog,
infinite "more" loading, and screenshots in light, dark and at 360 px."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ConsoleLog, LiveServer, run_axe
from .helpers import drag_card

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"


def _store(live_server: LiveServer) -> Any:
    return live_server.app.extensions["keel.runtime"].store


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.features.items import service as items
    from webapp.features.projects import service as projects
    from webapp.storage.query import Query

    store = _store(live_server)
    owner = live_server.make_user("boardowner@example.com", PASSWORD, name="Bo Ard",
                                  workspace="Board works")
    workspace = store.first("workspaces", [Query.equal("owner_id", owner["$id"])])
    acting = Acting.of(owner)
    project = projects.create_project(store, acting, workspace["$id"], creator_id=owner["$id"],
                                      name="Launch", key="LCH", board_type="KANBAN")
    made = [items.create_item(store, acting, project, title=f"Task number {i}",
                              reporter_id=owner["$id"], priority="HIGH" if i % 3 else "LOW",
                              labels=["web"] if i % 2 else [], story_points=i % 5 or None,
                              assignee_ids=[owner["$id"]] if i % 2 else [])
            for i in range(4)]
    store.update("work_items", made[1]["$id"], {"flagged": True})
    deep = [items.create_item(store, acting, project, title=f"Review {i}",
                              reporter_id=owner["$id"]) for i in range(35)]
    for i, item in enumerate(deep):  # straight into review, in order
        store.update("work_items", item["$id"], {"status": "IN_REVIEW",
                                                 "status_category": "IN_PROGRESS",
                                                 "position": (i + 1) * 1000.0})
    url = f"/w/{workspace['$id']}/projects/{project['$id']}/board"
    return {"owner": owner, "project": project, "items": made, "url": url}


def _sign_in(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill("boardowner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))


def _status(live_server: LiveServer, item_id: str) -> str:
    return str(_store(live_server).get("work_items", item_id)["status"])


def _wait_status(live_server: LiveServer, item_id: str, status: str) -> None:
    deadline = time.monotonic() + 5
    while _status(live_server, item_id) != status and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _status(live_server, item_id) == status


def _quiet(console: ConsoleLog) -> None:
    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)


def test_drag_across_columns(page, console, snap, live_server, world):
    _sign_in(page)
    page.goto(world["url"])
    card = page.locator(f"#card-{world['items'][0]['$id']}")
    assert card.is_visible()

    snap(page, "board-light")
    drag_card(page, card, page.locator("#list-ASSIGNED"))
    _wait_status(live_server, world["items"][0]["$id"], "ASSIGNED")
    expect(page.locator("#col-head-ASSIGNED [data-count]")).to_have_text("1")
    assert page.locator(f"#list-ASSIGNED #card-{world['items'][0]['$id']}").count() == 1
    assert page.locator("#col-head-TODO [data-count]").inner_text().strip() == "3"
    assert page.locator(f"#card-{world['items'][0]['$id']}").get_attribute(
        "data-version") == "2"
    snap(page, "board-after-drag")

    _quiet(console)


def test_refused_move_snaps_back_with_reason(page, console, snap, live_server, world):
    _sign_in(page)
    page.goto(world["url"])
    item = world["items"][2]
    drag_card(page, page.locator(f"#card-{item['$id']}"), page.locator("#list-DONE"))
    notice = page.locator("#board-notice [data-refusal]")
    notice.wait_for()
    assert "no transition" in notice.inner_text()
    page.wait_for_selector(f"#list-TODO #card-{item['$id']}")
    assert _status(live_server, item["$id"]) == "TODO"
    snap(page, "board-refused")
    console.errors.clear()  # the 409 answer is logged by the browser as a failed request
    _quiet(console)


def test_keyboard_shortcuts_and_move_dialog(page, console, snap, live_server, world):
    _sign_in(page)
    page.goto(world["url"])
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    first = page.evaluate("document.activeElement.id")
    assert first.startswith("card-")
    page.keyboard.press("j")
    second = page.evaluate("document.activeElement.id")
    assert second != first and second.startswith("card-")
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.id") == first
    version = page.locator(f"#{first}").get_attribute("data-version")
    page.keyboard.press("m")
    dialog = page.locator("#board-move-dialog")
    dialog.wait_for(state="visible")
    snap(page, "board-move-dialog")
    dialog.get_by_label("Assigned").check()
    dialog.get_by_role("button", name="Move").click()
    item_id = first.removeprefix("card-")
    page.wait_for_selector(f"#list-ASSIGNED #{first}")
    _wait_status(live_server, item_id, "ASSIGNED")
    # the answer swaps in the card with its new version; focus comes back to it
    page.wait_for_selector(f"#list-ASSIGNED #{first}:not([data-version='{version}'])")
    page.wait_for_function("id => document.activeElement.id === id", arg=first)
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.hasAttribute('data-quick-input')")
    page.keyboard.press("Escape")
    page.locator("#quick-TODO").fill("Typed on the board")
    page.locator("#quick-TODO").press("Enter")
    page.locator("#list-TODO .board-card", has_text="Typed on the board").wait_for()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    shortcuts = page.locator("#shortcuts-dialog")
    shortcuts.wait_for(state="visible")
    assert "Board: focus the next card" in shortcuts.inner_text()
    _quiet(console)


def test_more_loads_on_scroll(page, console, live_server, world):
    _sign_in(page)
    page.goto(world["url"])
    cards = page.locator("#list-IN_REVIEW [data-card]")
    expect(cards).to_have_count(30)
    page.locator("#list-IN_REVIEW [data-more]").scroll_into_view_if_needed()
    expect(cards).to_have_count(35)
    assert page.locator("#list-IN_REVIEW [data-more]").count() == 0
    assert cards.last.inner_text().find("Review 34") != -1
    _quiet(console)


def _board_violations(page: Any) -> list[str]:
    """axe-core's findings on the board (the header's search box belongs to the search
    feature and is checked there)."""
    found = []
    for violation in run_axe(page):
        nodes = [n for n in violation["nodes"] if "#header-search" not in str(n["target"])]
        if nodes:
            found.append(f"{violation['id']}: {[n['target'] for n in nodes]}")
    return found


def test_dark_and_narrow(page, console, snap, live_server, world):
    _sign_in(page)
    page.emulate_media(color_scheme="dark")
    page.goto(world["url"])
    snap(page, "board-dark")
    assert not _board_violations(page)
    page.set_viewport_size({"width": 360, "height": 740})
    for view in ("", "?swimlane=assignee"):
        page.goto(world["url"] + view)
        snap(page, "board-360" + ("-lanes" if view else ""))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 362, (view, width)  # the board scrolls inside itself, not the page
    _quiet(console)
