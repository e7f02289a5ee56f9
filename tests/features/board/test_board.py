"""The board page: columns, paging, swimlanes, read-only view, quick create."""

from __future__ import annotations

import re
from typing import Any

import pytest

from webapp.features.items import service as items
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as

HX = {"HX-Request": "true"}


def board_url(project: dict[str, Any]) -> str:
    return f"/w/{project['workspace_id']}/projects/{project['$id']}/board"


def add_items(store: Any, user: Any, project: Any, n: int, status: str = "TODO",
              **values: Any) -> list[dict[str, Any]]:
    return [items.create_item(store, acting(user), project, title=f"Card {i}", status=status,
                              reporter_id=user["$id"], **values) for i in range(n)]


def cards_in(html: str) -> list[str]:
    return re.findall(r'<li id="card-([^"]+)"', html)


def test_board_shows_columns_and_cards(client, store, owner, project):
    made = add_items(store, owner, project, 3, priority="HIGH", labels=[], story_points=3)
    login_as(client, owner)
    page = client.get(board_url(project))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("To Do", "Assigned", "In Progress", "In Review", "Done"):
        assert f'class="board-col__name">{name}<' in html
    assert set(cards_in(html)) == {m["$id"] for m in made}
    assert made[0]["key"] in html and "High" in html
    assert 'data-move-open' in html and 'data-quick="TODO"' in html
    assert 'js/board.js' in html and 'css/board.css' in html


def test_columns_page_with_more(client, store, owner, project):
    made = add_items(store, owner, project, 35)
    login_as(client, owner)
    html = client.get(board_url(project)).get_data(as_text=True)
    first = cards_in(html)
    assert len(first) == 30
    assert first == [m["$id"] for m in made[:30]]  # ordered by position
    more = re.search(r'hx-get="([^"]+/columns/TODO\?after=[^"]+)"', html)
    assert more, "a 'more' sentinel for the long column"
    nxt = client.get(more.group(1).replace("&amp;", "&"), headers=HX)
    rest = cards_in(nxt.get_data(as_text=True))
    assert rest == [m["$id"] for m in made[30:]]
    assert "hx-get" not in nxt.get_data(as_text=True)  # nothing further
    assert 'class="board-col__count" data-count>35' in html


def test_viewer_gets_read_only_board_and_403(client, store, owner, project, viewer):
    add_items(store, owner, project, 2)
    login_as(client, viewer)
    page = client.get(board_url(project))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Read-only board" in html
    assert "data-move-open" not in html and "data-quick=" not in html
    assert 'data-can-move="false"' in html
    token = csrf_from(html)
    item = store.first("work_items", [Query.equal("project_id", project["$id"])])
    moved = client.post(f"{board_url(project)}/move", headers=HX, data={
        "csrf_token": token, "item_id": item["$id"], "to_status": "DONE", "version": "1"})
    assert moved.status_code == 403
    created = client.post(f"{board_url(project)}/columns/TODO/items", headers=HX,
                          data={"csrf_token": token, "title": "Nope"})
    assert created.status_code == 403
    assert store.get("work_items", item["$id"])["status"] == "TODO"
    assert store.count("work_items", [Query.equal("project_id", project["$id"])]) == 2


def test_outsider_gets_404(client, store, owner, org_ws, project, bob, bob_member):
    from webapp.features.workspaces import service as workspaces

    workspaces.add_member_from_org(store, acting(owner), org_ws["$id"], bob_member["$id"],
                                   "WS_EDITOR")
    login_as(client, bob)  # in the workspace, not in the project
    assert client.get(board_url(project)).status_code == 404
    assert client.get(board_url(project) + "/columns/TODO", headers=HX).status_code == 404


def test_quick_create_puts_card_on_top(client, store, owner, project):
    add_items(store, owner, project, 2)
    login_as(client, owner)
    token = csrf_from(client.get(board_url(project)).get_data(as_text=True))
    answer = client.post(f"{board_url(project)}/columns/TODO/items", headers=HX, data={
        "csrf_token": token, "title": "Write the docs", "list": "list-TODO"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'hx-swap-oob="afterbegin:#list-TODO"' in html
    assert "Write the docs" in html and 'id="col-head-TODO"' in html
    assert 'data-count>3' in html
    rows = store.list("work_items", [Query.equal("project_id", project["$id"]),
                                     Query.equal("status", "TODO"), Query.order_asc("position")])
    assert rows.documents[0]["title"] == "Write the docs"


@pytest.mark.parametrize(("column", "title", "status", "message"), [
    ("TODO", "  ", 422, "Enter a title."),
    ("DONE", "Late", 400, "INVALID_INITIAL_STATUS"),
], ids=["needs-a-title", "non-initial-column-refused"])
def test_quick_create_refused(client, store, owner, project, column, title, status, message):
    login_as(client, owner)
    token = csrf_from(client.get(board_url(project)).get_data(as_text=True))
    answer = client.post(f"{board_url(project)}/columns/{column}/items", headers=HX,
                         data={"csrf_token": token, "title": title})
    assert answer.status_code == status
    assert message in answer.get_data(as_text=True)
    assert store.count("work_items", [Query.equal("project_id", project["$id"])]) == 0


def test_swimlanes_by_type_and_assignee(client, store, owner, project, member):
    add_items(store, owner, project, 2, type="BUG")
    add_items(store, owner, project, 1, type="STORY", assignee_ids=[member["$id"]])
    login_as(client, owner)
    html = client.get(board_url(project) + "?swimlane=type").get_data(as_text=True)
    assert 'aria-label="Swimlane Story"' in html and 'aria-label="Swimlane Bug"' in html
    assert 'id="list-TODO--BUG"' in html and 'id="list-TODO--STORY"' in html
    assert 'value="type" selected' in html
    html = client.get(board_url(project) + "?swimlane=assignee").get_data(as_text=True)
    assert 'aria-label="Swimlane Mia"' in html and 'aria-label="Swimlane Unassigned"' in html
    assert f'id="list-TODO--{member["$id"]}"' in html


def test_project_default_swimlane(client, store, owner, project):
    store.update("projects", project["$id"], {"default_swimlane": "type"})
    add_items(store, owner, project, 1)
    login_as(client, owner)
    html = client.get(board_url(project)).get_data(as_text=True)
    assert 'aria-label="Swimlane Task"' in html
    html = client.get(board_url(project) + "?swimlane=none").get_data(as_text=True)
    assert "Swimlane" not in html.split("board-toolbar")[-1].split("</form>", 1)[1]


def test_scrum_without_sprint_shows_all_with_notice(client, store, owner, project):
    store.update("projects", project["$id"], {"board_type": "SCRUM"})
    made = add_items(store, owner, project, 2)
    login_as(client, owner)
    html = client.get(board_url(project)).get_data(as_text=True)
    assert "No active sprint" in html and len(cards_in(html)) == 2
    sprint = store.create("sprints", {"workspace_id": project["workspace_id"],
                                      "project_id": project["$id"], "name": "S1",
                                      "status": "ACTIVE"})
    store.update("work_items", made[0]["$id"], {"sprint_id": sprint["$id"]})
    html = client.get(board_url(project)).get_data(as_text=True)
    assert "No active sprint" not in html and cards_in(html) == [made[0]["$id"]]


def test_filters_live_in_the_url(client, store, owner, project):
    bugs = add_items(store, owner, project, 2, type="BUG")
    add_items(store, owner, project, 2, type="STORY")
    login_as(client, owner)
    html = client.get(board_url(project) + "?type=BUG&swimlane=none").get_data(as_text=True)
    assert set(cards_in(html)) == {b["$id"] for b in bugs}
    assert '<option value="BUG" selected' in html
    assert 'data-query="type=BUG&amp;swimlane=none"' in html
    # the counts stay the column's (what WIP limits count), the cards are filtered
    assert 'data-count>4' in html


def test_swimlane_cells_page_on_their_own(client, store, owner, project):
    bugs = add_items(store, owner, project, 20, type="BUG")
    stories = add_items(store, owner, project, 20, type="STORY")  # positions after the bugs
    login_as(client, owner)
    html = client.get(board_url(project) + "?swimlane=type").get_data(as_text=True)
    assert set(cards_in(html)) == {b["$id"] for b in bugs} | {s["$id"] for s in stories[:10]}
    more = re.search(r'hx-get="([^"]+/columns/TODO\?after=[^"]*&amp;lane=STORY[^"]*)"', html)
    assert more
    page = client.get(more.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
    assert cards_in(page) == [s["$id"] for s in stories[10:]]
    empty = re.search(r'hx-get="([^"]+/columns/TODO\?after=[^"]*&amp;lane=BUG[^"]*)"', html)
    rest = client.get(empty.group(1).replace("&amp;", "&"), headers=HX).get_data(as_text=True)
    assert cards_in(rest) == []


def test_column_page_without_htmx_goes_back_to_the_board(client, store, owner, project):
    login_as(client, owner)
    answer = client.get(board_url(project) + "/columns/TODO?swimlane=type")
    assert answer.status_code == 303 and "swimlane=type" in answer.headers["Location"]
