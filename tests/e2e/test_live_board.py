"""Live boards in Chromium: two signed-in pages on one board (two browser contexts of two
project members). A drag in one appears in the other without a reload, in under a second;
the dragging tab is not disturbed by its own echo; an assignment rings the other user's
bell; a stranger's socket may not join the room. Screenshots of both pages."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ConsoleLog, LiveServer
from .helpers import drag_card

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"


def _store(live_server: LiveServer) -> Any:
    return live_server.app.extensions["keel.runtime"].store


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.authz.roles import ProjectRole
    from webapp.features.items import service as items
    from webapp.features.projects import service as projects
    from webapp.features.workspaces import members
    from webapp.storage.query import Query

    store = _store(live_server)
    owner = live_server.make_user("liveowner@example.com", PASSWORD, name="Liv Owner",
                                  workspace="Live works")
    mate = live_server.make_user("livemate@example.com", PASSWORD, name="Mat Mate",
                                 workspace="Mate's own")
    workspace = store.first("workspaces", [Query.equal("owner_id", owner["$id"])])
    acting = Acting.of(owner)
    project = projects.create_project(store, acting, workspace["$id"], creator_id=owner["$id"],
                                      name="Live", key="LIV", board_type="KANBAN")
    members.join_by_code(store, Acting.of(mate), mate["$id"], workspace["invite_code"])
    role = store.first("project_roles", [Query.equal("project_id", project["$id"]),
                                         Query.equal("name", "MEMBER")])
    projects.add_project_member(store, acting, project["$id"], mate["$id"], role["$id"],
                                actor_role=ProjectRole.PROJECT_OWNER)
    made = [items.create_item(store, acting, project, title=f"Live task {i}",
                              reporter_id=owner["$id"]) for i in range(3)]
    url = f"/w/{workspace['$id']}/projects/{project['$id']}/board"
    return {"owner": owner, "mate": mate, "project": project, "items": made, "url": url}


def _sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))


def _second_page(browser: Any, live_server: LiveServer) -> tuple[Any, Any, ConsoleLog]:
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log = ConsoleLog()
    page.on("console", lambda m: (log.errors if m.type == "error" else log.messages).append(
        f"{m.type}: {m.text}"))
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"))
    return context, page, log


def _joined(live_server: LiveServer, room: str) -> None:
    hub = live_server.app.extensions["keel.realtime"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if room in hub.rooms():
            return
        time.sleep(0.05)
    raise AssertionError(f"no socket joined {room}")


def _socket_open(page: Any) -> None:
    """live.js marks the body once the socket is open (its room was asked for in the URL)."""
    page.wait_for_selector("body[data-live-open]", state="attached")
    page.wait_for_timeout(150)  # the server joins the room right after the upgrade


def test_a_move_appears_on_the_other_board(page, console, snap, browser, live_server, world):
    room = f"project:{world['project']['$id']}"
    _sign_in(page, "liveowner@example.com")
    page.goto(world["url"])
    context, other, other_log = _second_page(browser, live_server)
    try:
        _sign_in(other, "livemate@example.com")
        other.goto(world["url"])
        _joined(live_server, room)
        hub = live_server.app.extensions["keel.realtime"]
        deadline = time.monotonic() + 5
        while len(hub._rooms.get(room, ())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        item = world["items"][0]
        card = f"#card-{item['$id']}"
        assert other.locator(f"#list-TODO {card}").count() == 1

        drag_card(page, page.locator(card), page.locator("#list-ASSIGNED"))
        moved = time.monotonic()
        other.wait_for_selector(f"#list-ASSIGNED {card}", timeout=3000)
        assert time.monotonic() - moved < 1.0
        expect(other.locator("#col-head-ASSIGNED [data-count]")).to_have_text("1")
        expect(other.locator("#col-head-TODO [data-count]")).to_have_text("2")
        assert other.locator(card).count() == 1
        # the mover's own tab keeps its card once, with the version its answer brought
        page.wait_for_selector(f"#list-ASSIGNED {card}[data-version='2']")
        assert page.locator(card).count() == 1
        snap(page, "live-board-mover")
        snap(other, "live-board-watcher")

        # a change made elsewhere (another tab, the API) lands in both
        from webapp.audit import Acting
        from webapp.features.items import service as items

        store = _store(live_server)
        with live_server.app.app_context():
            items.create_item(store, Acting.of(world["owner"]), world["project"],
                              title="Made elsewhere", reporter_id=world["owner"]["$id"])
        for p in (page, other):
            p.locator("#list-TODO .board-card", has_text="Made elsewhere").wait_for(
                timeout=3000)

        # the table view refreshes its block; an item page says who changed the item
        table_url = world["url"].replace("/board", "/table")
        other.goto(table_url)
        _joined(live_server, room)
        _socket_open(other)
        target = store.get("work_items", world["items"][2]["$id"])
        with live_server.app.app_context():
            items.update_item(store, Acting.of(world["owner"], "127.0.0.1"), world["project"],
                              target["$id"], {"title": "Renamed live"},
                              expected_version=target["version"],
                              actor=items.Actor(world["owner"]["$id"]))
        other.locator("#table-view", has_text="Renamed live").wait_for(timeout=3000)
        snap(other, "live-table-watcher", full_page=False)
        other.goto(world["url"].replace("/board", f"/items/{target['$id']}"))
        _socket_open(other)
        target = store.get("work_items", target["$id"])
        with live_server.app.app_context():
            items.update_item(store, Acting.of(world["owner"], "127.0.0.1"), world["project"],
                              target["$id"], {"priority": "HIGH"},
                              expected_version=target["version"],
                              actor=items.Actor(world["owner"]["$id"]))
        expect(other.locator("#live-item-notice")).to_contain_text("Liv Owner changed this item")
        snap(other, "live-item-notice", full_page=False)
        assert not other_log.errors, "\n".join(other_log.errors)
    finally:
        context.close()
    assert not console.errors, "\n".join(console.errors)
    assert not console.csp_violations


def test_assignment_rings_the_other_users_bell(page, snap, browser, live_server, world):
    from webapp.audit import Acting
    from webapp.features.items import service as items

    _sign_in(page, "livemate@example.com")
    page.goto(world["url"])
    _joined(live_server, f"user:{world['mate']['$id']}")
    before = int(page.locator("#notifications-bell").get_attribute("data-unread"))
    store = _store(live_server)
    item = store.get("work_items", world["items"][1]["$id"])
    with live_server.app.app_context():
        items.update_item(store, Acting.of(world["owner"], "127.0.0.1"), world["project"],
                          item["$id"], {"assignee_ids": [world["mate"]["$id"]]},
                          expected_version=item["version"],
                          actor=items.Actor(world["owner"]["$id"]))
    expect(page.locator("#notifications-bell")).to_have_attribute(
        "data-unread", str(before + 1), timeout=3000)
    page.locator("#notifications-menu summary").click()
    page.locator("#notifications-dropdown .notif", has_text="Task Assigned to You").wait_for()
    snap(page, "live-bell-dropdown", full_page=False)
    page.locator("#notifications-dropdown .notif__link").first.click()
    page.wait_for_url(f"**/items/{item['$id']}")
