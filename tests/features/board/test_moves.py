"""Moves: within and across columns, positions, refused transitions, stale versions, WIP
warnings, swimlane moves and the query budget of a move request."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from webapp.features.items import moves
from webapp.features.items import service as items
from webapp.features.items.service import Actor, StaleEdit
from webapp.features.workflows import statuses
from webapp.features.workspaces.errors import Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as
from .test_board import HX, add_items, board_url

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from matrix.counting import CountingStore

OWNER = "PROJECT_OWNER"


def actor(user: Any, role: str = OWNER) -> Actor:
    from webapp.authz.roles import ProjectRole

    return Actor(user["$id"], ProjectRole[role], ())


def column(store: Any, project: Any, status: str) -> list[str]:
    rows = store.list("work_items", [Query.equal("project_id", project["$id"]),
                                     Query.equal("status", status), Query.order_asc("position")])
    return [r["title"] for r in rows]


def move(store: Any, user: Any, project: Any, item: Any, to: str, **kw: Any) -> Any:
    return moves.move_item(store, acting(user), project, item["$id"], to_status=to,
                           actor=kw.pop("who", actor(user)), **kw)


def test_reorder_within_a_column(store, owner, project):
    a, b, c = add_items(store, owner, project, 3)
    result = move(store, owner, project, c, "TODO", after_id=a["$id"], before_id=b["$id"])
    assert not result.status_changed
    assert column(store, project, "TODO") == ["Card 0", "Card 2", "Card 1"]
    assert result.item["position"] == (a["position"] + b["position"]) / 2
    assert store.get("work_items", c["$id"])["version"] == 2
    result = move(store, owner, project, a, "TODO", after_id=b["$id"])
    assert column(store, project, "TODO") == ["Card 2", "Card 1", "Card 0"]
    move(store, owner, project, a, "TODO", before_id=c["$id"])
    assert column(store, project, "TODO") == ["Card 0", "Card 2", "Card 1"]


def test_move_across_columns_sets_status_category_and_audit(store, owner, project):
    [a, _] = add_items(store, owner, project, 2)
    [x] = add_items(store, owner, project, 1, status="TODO")
    move(store, owner, project, x, "ASSIGNED")
    result = move(store, owner, project, a, "ASSIGNED", before_id=x["$id"])
    assert result.status_changed and result.to_count == 2
    assert column(store, project, "ASSIGNED") == ["Card 0", "Card 0"]
    doc = store.get("work_items", a["$id"])
    assert doc["status"] == "ASSIGNED" and doc["status_category"] == "OPEN"
    assert doc["position"] < store.get("work_items", x["$id"])["position"]
    entry = store.first("audit_logs", [Query.equal("action", "work_item_moved"),
                                       Query.order_desc("$createdAt")])
    assert entry["changes"]["status"] == ["TODO", "ASSIGNED"]


def test_close_sets_resolved_at_and_reopen_clears_it(store, owner, project):
    store.update("projects", project["$id"], {"workflow_id": None})  # no transition rules
    project = store.get("projects", project["$id"])
    [a] = add_items(store, owner, project, 1)
    done = move(store, owner, project, a, "DONE").item
    assert done["status_category"] == "CLOSED" and done["resolved_at"] is not None
    back = move(store, owner, project, done, "TODO").item
    assert back["status_category"] == "OPEN" and back["resolved_at"] is None


def test_tiny_gap_renumbers_the_column(store, owner, project):
    a, b, c = add_items(store, owner, project, 3)
    store.update("work_items", b["$id"], {"position": a["position"] + 1e-7})
    b = store.get("work_items", b["$id"])
    move(store, owner, project, c, "TODO", after_id=a["$id"], before_id=b["$id"])
    assert column(store, project, "TODO") == ["Card 0", "Card 2", "Card 1"]
    positions = [r["position"] for r in store.list("work_items", [
        Query.equal("status", "TODO"), Query.order_asc("position")])]
    assert positions == [1000.0, 2000.0, 3000.0]


@pytest.fixture
def restricted(store, owner, project):
    """The workflow's TODO -> ASSIGNED transition limited to admins."""
    workflow = store.get("workflows", project["workflow_id"])
    by_key = {s["key"]: s for s in store.list("workflow_statuses", [
        Query.equal("workflow_id", workflow["$id"])])}
    rows = store.list("workflow_transitions", [Query.equal("workflow_id", workflow["$id"])])
    target = next(t for t in rows if t["to_status_id"] == by_key["ASSIGNED"]["$id"])
    statuses.update_transition(store, acting(owner), workflow, target["$id"],
                               {"allowed_roles": ["PROJECT_ADMIN"]})
    return target


def test_refused_transition_writes_nothing(store, owner, project, member, restricted):
    [a] = add_items(store, owner, project, 1)
    with pytest.raises(Refused) as caught:
        move(store, member, project, a, "ASSIGNED", who=actor(member, "MEMBER"))
    assert caught.value.code == "ROLE_NOT_ALLOWED"
    with pytest.raises(Refused) as caught:
        move(store, member, project, a, "DONE", who=actor(member, "MEMBER"))
    assert caught.value.code == "TRANSITION_NOT_DEFINED"
    assert store.get("work_items", a["$id"])["version"] == 1
    assert store.count("audit_logs", [Query.equal("action", "work_item_moved")]) == 0


def test_stale_version_is_refused(store, owner, project):
    [a] = add_items(store, owner, project, 1)
    items.update_item(store, acting(owner), project, a["$id"], {"title": "Renamed"},
                      expected_version=1, actor=actor(owner))
    with pytest.raises(StaleEdit) as caught:
        move(store, owner, project, a, "ASSIGNED", expected_version=1)
    assert "title" in caught.value.changed
    assert store.get("work_items", a["$id"])["status"] == "TODO"


def test_wip_limit_is_soft(store, owner, project):
    store.update("projects", project["$id"], {"wip_limits": {"ASSIGNED": 1}})
    project = store.get("projects", project["$id"])
    a, b = add_items(store, owner, project, 2)
    assert move(store, owner, project, a, "ASSIGNED").wip_warning is None
    result = move(store, owner, project, b, "ASSIGNED")
    assert result.over_wip and "WIP limit exceeded" in (result.wip_warning or "")
    assert store.get("work_items", b["$id"])["status"] == "ASSIGNED"


def test_move_across_swimlanes_changes_the_lane_attribute(store, owner, project, member):
    a, b = add_items(store, owner, project, 2)
    move(store, owner, project, a, "TODO", swimlane=("type", "BUG"))
    assert store.get("work_items", a["$id"])["type"] == "BUG"
    move(store, owner, project, b, "TODO", swimlane=("assignee", member["$id"]))
    assert store.get("work_items", b["$id"])["assignee_ids"] == [member["$id"]]
    move(store, owner, project, store.get("work_items", b["$id"]), "TODO",
         swimlane=("assignee", "none"))
    assert store.get("work_items", b["$id"])["assignee_ids"] == []


# -- through the web ---------------------------------------------------------------------
def _token(client: Any, project: Any) -> str:
    return csrf_from(client.get(board_url(project)).get_data(as_text=True))


def test_move_request_swaps_card_and_two_headers(client, store, owner, project):
    store.update("projects", project["$id"], {"wip_limits": {"ASSIGNED": 1}})
    a, b = add_items(store, owner, project, 2)
    login_as(client, owner)
    token = _token(client, project)
    answer = client.post(f"{board_url(project)}/move", headers=HX, data={
        "csrf_token": token, "item_id": a["$id"], "to_status": "ASSIGNED", "version": "1"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert re.findall(r'id="(card-[^"]+|col-head-[^"]+)"[^>]*hx-swap-oob', html) or \
        html.count('hx-swap-oob="true"') >= 3
    assert f'id="card-{a["$id"]}"' in html and 'data-version="2"' in html
    assert 'id="col-head-TODO"' in html and 'id="col-head-ASSIGNED"' in html
    assert "board-col__list" not in html  # never the board
    assert f'id="card-{a["$id"]}-meta" class="board-card__meta" hx-preserve' in html
    answer = client.post(f"{board_url(project)}/move", headers=HX, data={
        "csrf_token": token, "item_id": b["$id"], "to_status": "ASSIGNED", "version": "1",
        "before_id": a["$id"]})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "data-wip-warning" in html and "is-over" in html


def test_refused_move_answers_409_with_reason(client, store, owner, project, member,
                                              restricted):
    [a] = add_items(store, owner, project, 1)
    login_as(client, member)
    answer = client.post(f"{board_url(project)}/move", headers=HX, data={
        "csrf_token": _token(client, project), "item_id": a["$id"], "to_status": "ASSIGNED",
        "version": "1"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert 'data-refusal="ROLE_NOT_ALLOWED"' in html and "limited to these roles" in html
    assert store.get("work_items", a["$id"])["status"] == "TODO"


def test_stale_move_request_is_refused(client, store, owner, project):
    [a] = add_items(store, owner, project, 1)
    store.update("work_items", a["$id"], {"version": 5})
    login_as(client, owner)
    answer = client.post(f"{board_url(project)}/move", headers=HX, data={
        "csrf_token": _token(client, project), "item_id": a["$id"], "to_status": "ASSIGNED",
        "version": "1"})
    assert answer.status_code == 409
    assert 'data-refusal="STALE_VERSION"' in answer.get_data(as_text=True)
    assert store.get("work_items", a["$id"])["status"] == "TODO"


def test_move_without_js_redirects_back(client, store, owner, project):
    [a] = add_items(store, owner, project, 1)
    login_as(client, owner)
    answer = client.post(f"{board_url(project)}/move", data={
        "csrf_token": _token(client, project), "item_id": a["$id"], "to_status": "ASSIGNED",
        "version": "1", "s_swimlane": "type"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("swimlane=type")
    assert store.get("work_items", a["$id"])["status"] == "ASSIGNED"


def test_unknown_item_is_404(client, store, owner, project):
    login_as(client, owner)
    answer = client.post(f"{board_url(project)}/move", headers=HX, data={
        "csrf_token": _token(client, project), "item_id": "nope", "to_status": "DONE"})
    assert answer.status_code == 404


def _measure(client: Any, runtime: Any, store: Any, url: str, data: dict[str, str]
             ) -> tuple[Any, int, int, list[tuple[str, str]]]:
    """(answer, all store calls, calls after the guard, log) of one POST; ``transaction()``
    opens no query and is not counted."""
    counting = CountingStore(store)
    runtime.__dict__["store"] = counting
    try:
        answer = client.post(url, headers=HX, data=data)
    finally:
        runtime.__dict__["store"] = store
    log = [entry for entry in counting.log if entry[0] != "transaction"]
    first_own = next(i for i, entry in enumerate(log) if entry == ("get_many", "work_items"))
    return answer, len(log), len(log) - first_own, log


@pytest.mark.parametrize("role", ["owner", "member"])
def test_move_request_query_budget(client, runtime, store, owner, project, member, role):
    """A move request costs at most 10 store calls in all (session and guard included),
    within a column and across columns (the workflow's reads come from its cache); the
    guard reads a member's project membership too (11)."""
    user = owner if role == "owner" else member
    a, b, c, d = add_items(store, owner, project, 4, assignee_ids=[member["$id"]])
    login_as(client, user)
    token = _token(client, project)
    url = f"{board_url(project)}/move"
    answer, total, own, log = _measure(client, runtime, store, url, {
        "csrf_token": token, "item_id": b["$id"], "to_status": "TODO", "version": "1",
        "after_id": c["$id"], "before_id": d["$id"]})
    assert answer.status_code == 200
    assert total <= 10, "\n".join(map(str, log))
    answer, total, own, log = _measure(client, runtime, store, url, {
        "csrf_token": token, "item_id": a["$id"], "to_status": "ASSIGNED", "version": "1"})
    assert answer.status_code == 200
    assert own <= 10, log
    assert total <= (10 if role == "owner" else 11), log  # a member's guard reads one more
    assert not any(name in ("users", "work_item_links") for _, name in log[-own:])


def test_move_total_budget(client, runtime, store, owner, project):
    """A whole move request across columns, session and guard included, costs at most 10
    store calls: the workflow configuration comes from the workflows cache and an empty
    target column needs no read of its last card."""
    [a, _] = add_items(store, owner, project, 2)
    login_as(client, owner)
    answer, total, _, log = _measure(client, runtime, store, f"{board_url(project)}/move", {
        "csrf_token": _token(client, project), "item_id": a["$id"], "to_status": "ASSIGNED",
        "version": "1", "before_id": ""})
    assert answer.status_code == 200
    assert total <= 10, "\n".join(map(str, log))
    assert not any(name.startswith("workflow_") or name in ("column_settings",
                                                            "custom_columns")
                   for _, name in log), log
    assert store.get("work_items", a["$id"])["status"] == "ASSIGNED"


def test_scrum_move_uses_the_boards_sprint(client, runtime, store, owner, project):
    """A SCRUM board sends its sprint with a move: no sprint read, headers count the
    sprint's cards; without it (a plain form post) the move reads the active sprint."""
    store.update("projects", project["$id"], {"board_type": "SCRUM"})
    sprint = store.create("sprints", {"workspace_id": project["workspace_id"],
                                      "project_id": project["$id"], "name": "S1",
                                      "status": "ACTIVE"})
    inside = add_items(store, owner, project, 3)
    for item in inside:
        store.update("work_items", item["$id"], {"sprint_id": sprint["$id"]})
    store.update("work_items", inside[2]["$id"], {"status": "ASSIGNED"})
    for item in add_items(store, owner, project, 2):  # not in the sprint
        store.update("work_items", item["$id"], {"status": "ASSIGNED"})
    login_as(client, owner)
    html = client.get(board_url(project)).get_data(as_text=True)
    assert f'data-sprint="{sprint["$id"]}"' in html
    token, url = csrf_from(html), f"{board_url(project)}/move"
    answer, total, _, log = _measure(client, runtime, store, url, {
        "csrf_token": token, "item_id": inside[0]["$id"], "to_status": "ASSIGNED",
        "version": "1", "after_id": inside[2]["$id"], "sprint": sprint["$id"]})
    assert answer.status_code == 200 and total <= 10, log
    assert ("first", "sprints") not in log
    body = answer.get_data(as_text=True)
    assert re.search(r'id="col-head-ASSIGNED".*?data-count>2<', body, re.S), body
    assert re.search(r'id="col-head-TODO".*?data-count>1<', body, re.S), body
    answer, _, _, log = _measure(client, runtime, store, url, {
        "csrf_token": token, "item_id": inside[1]["$id"], "to_status": "ASSIGNED",
        "version": "1"})
    assert answer.status_code == 200 and ("first", "sprints") in log
    assert re.search(r'id="col-head-ASSIGNED".*?data-count>3<', answer.get_data(
        as_text=True), re.S)


def test_move_needing_approval_offers_a_request(client, store, owner, project, member):
    workflow = store.get("workflows", project["workflow_id"])
    done = store.first("workflow_statuses", [Query.equal("workflow_id", workflow["$id"]),
                                             Query.equal("key", "DONE")])
    statuses.add_transition(store, acting(owner), workflow, {
        "from_status_id": None, "to_status_id": done["$id"], "name": "Sign off",
        "requires_approval": True})
    [a] = add_items(store, owner, project, 1)
    login_as(client, member)
    token = _token(client, project)
    answer = client.post(f"{board_url(project)}/move", headers=HX, data={
        "csrf_token": token, "item_id": a["$id"], "to_status": "DONE", "version": "1"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and 'data-refusal="REQUIRES_APPROVAL"' in html
    action = re.search(r'<form method="post" action="([^"]+/workflow/approvals)"', html)
    transition = re.search(r'name="transition_id" value="([^"]+)"', html)
    assert action and transition
    asked = client.post(action.group(1), data={
        "csrf_token": token, "item_id": a["$id"], "transition_id": transition.group(1)})
    assert asked.status_code in (302, 303)
    assert store.count("work_item_approvals", [Query.equal("item_id", a["$id"])]) == 1
    assert store.get("work_items", a["$id"])["status"] == "TODO"
