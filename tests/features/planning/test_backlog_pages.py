"""The backlog page, sprint routes and the sprint page (charts) through the web."""

from __future__ import annotations

import re

from webapp.features.planning import sprints
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as
from .helpers import P, close, make_items, put_in, sprint

HX = {"HX-Request": "true"}


def token(client, project):
    return csrf_from(client.get(f"{P(project)}/backlog").get_data(as_text=True))


def test_backlog_shows_sections_capacity_and_epics(client, store, owner, project):
    s = sprint(store, owner, project, goal="Launch")
    a, b, c = make_items(store, owner, project, 3, story_points=3)
    put_in(store, owner, project, a, s["$id"])
    put_in(store, owner, project, b, s["$id"])
    login_as(client, owner)
    page = client.get(f"{P(project)}/backlog")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="planning-backlog"' in html and "Goal: Launch" in html
    assert "2 items · <strong>6 pts</strong> (0 done)" in html
    assert "1 item · <strong>3 pts</strong>" in html  # the backlog
    assert html.index(a["key"]) < html.index(c["key"])  # the sprint section comes first
    assert "Start sprint" in html and "Create sprint" in html and "Create epic" in html
    assert "js/planning.js" in html and "vendor/Sortable.min.js" in html


def test_move_without_javascript_and_with_htmx(client, store, owner, project):
    s = sprint(store, owner, project)
    a, b = make_items(store, owner, project, 2)
    login_as(client, owner)
    csrf = token(client, project)
    moved = client.post(f"{P(project)}/backlog/move", data={
        "csrf_token": csrf, "item_id": a["$id"], "target": s["$id"]})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/backlog")
    assert store.get("work_items", a["$id"])["sprint_id"] == s["$id"]
    # htmx: a drop above ``a`` in the sprint answers the backlog region
    answer = client.post(f"{P(project)}/backlog/move", headers=HX, data={
        "csrf_token": csrf, "item_id": b["$id"], "target": s["$id"], "below_id": a["$id"],
        "version": str(b["version"])})
    html = answer.get_data(as_text=True)
    assert (answer.status_code == 200 and html.startswith('\n<div id="planning-backlog"')) or \
        '<div id="planning-backlog"' in html[:200]
    after_b = store.get("work_items", b["$id"])
    assert after_b["sprint_id"] == s["$id"]
    assert after_b["position"] < store.get("work_items", a["$id"])["position"]
    # a stale version is refused with a message and nothing moves
    stale = client.post(f"{P(project)}/backlog/move", headers=HX, data={
        "csrf_token": csrf, "item_id": b["$id"], "target": "backlog", "version": "1"})
    assert stale.status_code == 409 and "Someone changed" in stale.get_data(as_text=True)
    assert store.get("work_items", b["$id"])["sprint_id"] == s["$id"]


def test_move_into_closed_or_foreign_sprint_refused(client, store, owner, project):
    s = sprint(store, owner, project)
    sprints.cancel_sprint(store, acting(owner), project, s["$id"])
    (a,) = make_items(store, owner, project, 1)
    login_as(client, owner)
    csrf = token(client, project)
    answer = client.post(f"{P(project)}/backlog/move", headers=HX, data={
        "csrf_token": csrf, "item_id": a["$id"], "target": s["$id"]})
    assert answer.status_code == 422 and "closed" in answer.get_data(as_text=True)
    answer = client.post(f"{P(project)}/backlog/move", headers=HX, data={
        "csrf_token": csrf, "item_id": a["$id"], "target": "not-a-sprint"})
    assert answer.status_code == 422
    assert store.get("work_items", a["$id"])["sprint_id"] is None


def test_quick_create_bulk_and_epics(client, store, owner, member, project):
    s = sprint(store, owner, project)
    login_as(client, owner)
    csrf = token(client, project)
    empty = client.post(f"{P(project)}/backlog/items", data={"csrf_token": csrf, "title": "",
                                                             "target": s["$id"]})
    assert empty.status_code == 422 and "field__error" in empty.get_data(as_text=True)
    made = client.post(f"{P(project)}/backlog/items", data={
        "csrf_token": csrf, "title": "Quick one", "target": s["$id"], "story_points": "2"})
    assert made.status_code == 303
    quick = store.first("work_items", [Query.equal("title", "Quick one")])
    assert quick["sprint_id"] == s["$id"] and quick["story_points"] == 2
    epic = client.post(f"{P(project)}/epics", data={"csrf_token": csrf, "title": "Payments"})
    assert epic.status_code == 303
    epic_doc = store.first("work_items", [Query.equal("type", "EPIC")])
    a, b = make_items(store, owner, project, 2)
    nothing = client.post(f"{P(project)}/backlog/bulk", data={"csrf_token": csrf, "op": "move",
                                                              "target": s["$id"]})
    assert nothing.status_code == 422
    moved = client.post(f"{P(project)}/backlog/bulk", data={
        "csrf_token": csrf, "op": "move", "target": s["$id"], "item": [a["$id"], b["$id"]]})
    assert moved.status_code == 303
    assert {store.get("work_items", i["$id"])["sprint_id"] for i in (a, b)} == {s["$id"]}
    client.post(f"{P(project)}/backlog/bulk", data={
        "csrf_token": csrf, "op": "assign", "assignee": member["$id"], "item": [a["$id"]]})
    assert store.get("work_items", a["$id"])["assignee_ids"] == [member["$id"]]
    client.post(f"{P(project)}/backlog/bulk", data={
        "csrf_token": csrf, "op": "epic", "epic_id": epic_doc["$id"], "item": [a["$id"],
                                                                           b["$id"]]})
    assert store.get("work_items", b["$id"])["epic_id"] == epic_doc["$id"]
    html = client.get(f"{P(project)}/backlog").get_data(as_text=True)
    assert "0/2 done" in html and "Payments" in html
    # filters: the shared item filter narrows sections, capacity stays whole
    filtered = client.get(f"{P(project)}/backlog?q=Quick").get_data(as_text=True)
    assert "Quick one" in filtered and a["key"] + "<" not in filtered
    assert "Clear filters" in filtered


def test_bulk_assign_needs_the_assign_key(client, store, owner, viewer, project):
    (a,) = make_items(store, owner, project, 1)
    login_as(client, viewer)
    page = client.get(f"{P(project)}/backlog")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "backlog-bulk" not in html and "Start sprint" not in html
    answer = client.post(f"{P(project)}/backlog/bulk", data={
        "csrf_token": csrf_from(html), "op": "assign", "assignee": "", "item": [a["$id"]]})
    assert answer.status_code == 403


def test_start_and_complete_through_the_web(client, store, owner, member, project):
    s, nxt = sprint(store, owner, project), sprint(store, owner, project, "Sprint 2")
    a, b = make_items(store, owner, project, 2, story_points=4)
    put_in(store, owner, project, a, s["$id"])
    put_in(store, owner, project, b, s["$id"])
    # a member may not start a sprint (project.sprints.start)
    login_as(client, member)
    refused = client.post(f"{P(project)}/sprints/{s['$id']}/start",
                          data={"csrf_token": token(client, project)})
    assert refused.status_code == 403
    assert store.get("sprints", s["$id"])["status"] == "PLANNED"
    login_as(client, owner)
    csrf = token(client, project)
    started = client.post(f"{P(project)}/sprints/{s['$id']}/start", data={"csrf_token": csrf})
    assert started.status_code == 303
    second = client.post(f"{P(project)}/sprints/{nxt['$id']}/start", headers=HX,
                         data={"csrf_token": csrf})
    assert second.status_code == 409 and "already active" in second.get_data(as_text=True)
    close(store, a)
    page = client.get(f"{P(project)}/sprints/{s['$id']}").get_data(as_text=True)
    assert 'id="chart-burndown"' in page and "<title id=\"chart-burndown-t\">" in page
    assert "<desc" in page and "Data table" in page and 'role="img"' in page
    no_choice = client.post(f"{P(project)}/sprints/{s['$id']}/complete",
                            data={"csrf_token": csrf})
    assert no_choice.status_code == 422
    done = client.post(f"{P(project)}/sprints/{s['$id']}/complete",
                       data={"csrf_token": csrf, "move_to": nxt["$id"]})
    assert done.status_code == 303
    assert store.get("sprints", s["$id"])["status"] == "COMPLETED"
    assert store.get("work_items", b["$id"])["sprint_id"] == nxt["$id"]
    page = client.get(f"{P(project)}/sprints/{s['$id']}").get_data(as_text=True)
    assert re.search(r'class="pl-bar pl-bar--completed"', page)  # velocity has a sprint


def test_sprint_create_edit_delete_web(client, store, owner, project):
    login_as(client, owner)
    csrf = token(client, project)
    bad = client.post(f"{P(project)}/sprints", data={"csrf_token": csrf, "name": "",
                                                     "end_date": "2026-01-01",
                                                     "start_date": "2026-02-01"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Give the sprint a name." in html
    assert "The end date must be on or after the start date." in html
    ok = client.post(f"{P(project)}/sprints", data={"csrf_token": csrf, "name": "Alpha"})
    assert ok.status_code == 303
    s = store.first("sprints", [Query.equal("name", "Alpha")])
    edited = client.post(f"{P(project)}/sprints/{s['$id']}/edit",
                         data={"csrf_token": csrf, "name": "Beta", "goal": "G"})
    assert edited.status_code == 303 and store.get("sprints", s["$id"])["name"] == "Beta"
    unconfirmed = client.post(f"{P(project)}/sprints/{s['$id']}/delete",
                              data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422
    deleted = client.post(f"{P(project)}/sprints/{s['$id']}/delete",
                          data={"csrf_token": csrf, "confirm": "yes"})
    assert deleted.status_code == 303 and store.find("sprints", s["$id"]) is None
    assert client.get(f"{P(project)}/sprints/{s['$id']}").status_code == 404


def test_card_created_on_the_sprint_board_joins_the_sprint(client, store, owner, project):
    s = sprint(store, owner, project)
    sprints.start_sprint(store, acting(owner), project, s["$id"])
    login_as(client, owner)
    board = client.get(f"{P(project)}/board").get_data(as_text=True)
    assert 'id="planning-board-sprint"' in board and "Sprint 1" in board
    made = client.post(f"{P(project)}/board/columns/TODO/items",
                       data={"csrf_token": csrf_from(board), "title": "Hotfix"})
    assert made.status_code == 303
    item = store.first("work_items", [Query.equal("title", "Hotfix")])
    assert item["sprint_id"] == s["$id"]
    assert "Hotfix" in client.get(f"{P(project)}/board").get_data(as_text=True)


def test_scrum_board_without_sprint_points_to_the_backlog(client, store, owner, project):
    login_as(client, owner)
    board = client.get(f"{P(project)}/board").get_data(as_text=True)
    assert "No active sprint" in board and f'href="{P(project)}/backlog">Open the backlog' in board
