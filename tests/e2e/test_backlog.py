"""The backlog in Chromium: drag a work item into a sprint (SortableJS, real pointer moves),
start the sprint, see the SCRUM board show it; the sprint page's SVG charts in dark mode;
comments and time on the item page; screenshots in light, dark and at 360 px."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ConsoleLog, LiveServer
from .helpers import drag_card

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"
EMAIL = "planner@example.com"


def _store(live_server: LiveServer) -> Any:
    return live_server.app.extensions["keel.runtime"].store


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.features.items import service as items
    from webapp.features.planning import sprints
    from webapp.features.projects import service as projects
    from webapp.storage.query import Query

    store = _store(live_server)
    owner = live_server.make_user(EMAIL, PASSWORD, name="Pat Planner", workspace="Plan works")
    workspace = store.first("workspaces", [Query.equal("owner_id", owner["$id"])])
    acting = Acting.of(owner)
    project = projects.create_project(store, acting, workspace["$id"], creator_id=owner["$id"],
                                      name="Orbit", key="ORB", board_type="SCRUM")
    sprint = sprints.create_sprint(store, acting, project, {"name": "Sprint 1",
                                                            "goal": "First orbit"})
    made = [items.create_item(store, acting, project, title=title, reporter_id=owner["$id"],
                              story_points=points, estimated_hours=4)
            for title, points in (("Launch checklist", 5), ("Fuel telemetry", 3),
                                  ("Crew briefing", 2))]
    past = _finished_sprint(store, acting, owner, project)
    base = f"/w/{workspace['$id']}/projects/{project['$id']}"
    return {"past": past, "owner": owner, "project": project, "sprint": sprint, "items": made,
            "base": base}


def _finished_sprint(store: Any, acting: Any, owner: Any, project: Any) -> dict[str, Any]:
    """Sprint 0, two weeks ago: six items burnt down over ten days, then completed."""
    from datetime import UTC, datetime, timedelta

    from webapp.features.items import service as items
    from webapp.features.planning import backlog, charts, sprints

    now = datetime.now(UTC)
    start = now - timedelta(days=16)
    sprint = sprints.create_sprint(store, acting, project, {
        "name": "Sprint 0", "start_date": start.date().isoformat(),
        "end_date": (start + timedelta(days=9)).date().isoformat()})
    made = []
    for n, points in enumerate((3, 5, 2, 8, 3, 1)):
        item = items.create_item(store, acting, project, title=f"Groundwork {n}",
                                 reporter_id=owner["$id"], story_points=points)
        made.append(backlog.move(store, acting, project, item["$id"], sprint["$id"]))
    sprint = sprints.start_sprint(store, acting, project, sprint["$id"], today=start)
    for day, done in ((1, 0), (2, 1), (4, 2), (5, 3), (7, 4), (9, 5)):
        if done:
            item = store.get("work_items", made[done - 1]["$id"])
            store.update("work_items", item["$id"], {"status": "DONE",
                                                     "status_category": "CLOSED"})
        if day == 4:
            store.update("work_items", made[3]["$id"], {"status": "IN_PROGRESS",
                                                        "status_category": "IN_PROGRESS"})
        charts.record_day(store, sprint, today=start + timedelta(days=day))
    return sprints.complete_sprint(store, acting, project, sprint["$id"],
                                   today=start + timedelta(days=9))


def _sign_in(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))


def _wait(check: Any) -> None:
    deadline = time.monotonic() + 5
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert check()


def _quiet(console: ConsoleLog) -> None:
    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)


def test_plan_start_and_run_a_sprint(page, console, snap, live_server, world):
    store = _store(live_server)
    first, second = world["items"][0], world["items"][1]
    sprint_id = world["sprint"]["$id"]
    _sign_in(page)
    page.goto(f"{world['base']}/board")
    expect(page.locator(".board-notice-sprint")).to_contain_text("No active sprint")
    page.goto(f"{world['base']}/backlog")
    snap(page, "backlog-light")
    sprint_list = page.locator(f"[data-list][data-target='{sprint_id}']")
    drag_card(page, page.locator(f"#row-{first['$id']}"), sprint_list)
    _wait(lambda: store.get("work_items", first["$id"])["sprint_id"] == sprint_id)
    page.wait_for_selector(f"[data-target='{sprint_id}'] #row-{first['$id']}")
    expect(page.locator(f"[data-section='{sprint_id}'] [data-capacity]")).to_contain_text(
        "5 pts")
    # the keyboard way: the row's "Move to" select and button
    row = page.locator(f"#row-{second['$id']}")
    row.get_by_label(f"Move {second['key']} to").select_option(sprint_id)
    row.get_by_role("button", name="Move").click()
    _wait(lambda: store.get("work_items", second["$id"])["sprint_id"] == sprint_id)
    expect(page.locator(f"[data-section='{sprint_id}'] [data-capacity]")).to_contain_text(
        "8 pts")
    snap(page, "backlog-after-drag")

    page.get_by_role("button", name="Start sprint").click()
    _wait(lambda: store.get("sprints", sprint_id)["status"] == "ACTIVE")
    expect(page.locator(f"[data-section='{sprint_id}'] .badge--success")).to_have_text(
        "Active")

    page.goto(f"{world['base']}/board")
    expect(page.locator("#planning-board-sprint")).to_contain_text("Sprint 1")
    assert page.locator(f"#card-{first['$id']}").is_visible()
    assert page.locator(f"#card-{second['$id']}").is_visible()
    assert page.locator(f"#card-{world['items'][2]['$id']}").count() == 0  # not in the sprint
    snap(page, "board-active-sprint")
    _quiet(console)


def test_sprint_charts_dark_and_narrow(page, console, snap, axe, live_server, world):
    from webapp.audit import Acting
    from webapp.features.planning import sprints

    store = _store(live_server)
    if store.get("sprints", world["sprint"]["$id"])["status"] == "PLANNED":  # run alone
        sprints.start_sprint(store, Acting.of(world["owner"]), world["project"],
                             world["sprint"]["$id"])
    _sign_in(page)
    page.emulate_media(color_scheme="dark")
    page.goto(f"{world['base']}/sprints/{world['sprint']['$id']}")
    expect(page.locator("#chart-burndown svg title").first).to_contain_text("Burndown")
    assert page.locator("#chart-flow svg").count() == 1
    snap(page, "sprint-charts-dark")
    axe(page)
    page.goto(f"{world['base']}/sprints/{world['past']['$id']}")
    assert page.locator("#chart-velocity rect.pl-bar").count() == 2
    assert page.locator("#chart-burndown circle.pl-dot").count() == 10
    page.locator("#chart-burndown summary").click()
    expect(page.locator("#chart-burndown table")).to_contain_text("Remaining")
    snap(page, "sprint-past-charts-dark")
    page.emulate_media(color_scheme="light")
    snap(page, "sprint-past-charts-light")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{world['base']}/backlog")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, f"the backlog scrolls sideways at 360 px ({width})"
    snap(page, "backlog-360")
    axe(page)
    _quiet(console)


def test_comment_and_log_time_on_the_item(page, console, snap, axe, live_server, world):
    store = _store(live_server)
    item = world["items"][2]
    _sign_in(page)
    page.goto(f"{world['base']}/items/{item['$id']}")
    page.get_by_label("Add a comment").fill("Ready for **review**, @planner")
    page.locator("#planning-comments").get_by_role("button", name="Comment").click()
    expect(page.locator("#planning-comments .pl-comment__body strong")).to_have_text("review")
    expect(page.locator("#planning-comments .mention")).to_have_text("@planner")
    page.locator("#time-hours").fill("1h 30m")
    page.locator("#planning-time").get_by_role("button", name="Log time").click()
    expect(page.locator("#planning-time .pl-time__totals")).to_contain_text("2.5 h")
    _wait(lambda: store.get("work_items", item["$id"])["remaining_hours"] == 2.5)
    snap(page, "item-collaboration")
    axe(page)
    _quiet(console)
