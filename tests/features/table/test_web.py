"""Table page, bulk edit (confirmation, per-item results, permissions) and search."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.features.items import service as items
from webapp.features.projects import service as projects
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as, make_org, make_user
from .helpers import add_member, make_item


def table_url(project: Any) -> str:
    return f"/w/{project['workspace_id']}/projects/{project['$id']}/table"


@pytest.fixture
def three(store, owner, project):
    return [make_item(store, owner, project, title, priority=p) for title, p in
            (("Alpha login", "LOW"), ("Beta billing", "HIGH"), ("Gamma search", "URGENT"))]


def bulk(client: Any, project: Any, data: dict[str, Any]) -> Any:
    page = client.get(table_url(project))
    assert page.status_code == 200
    return client.post(table_url(project) + "/bulk",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data})


def test_table_page_renders_filters_and_rows(client, store, owner, project, three):
    login_as(client, owner)
    html = client.get(table_url(project) + "?priority=HIGH&priority=URGENT&sort=-priority"
                      ).get_data(as_text=True)
    assert html.index("WEB-3") < html.index("WEB-2") and "WEB-1</a>" not in html
    assert "Priority: High" in html and 'aria-sort="descending"' in html
    assert 'name="ids"' in html and "Review…" in html


def test_table_htmx_returns_the_view_block(client, owner, project, three):
    login_as(client, owner)
    got = client.get(table_url(project) + "?q=beta", headers={"HX-Request": "true"})
    html = got.get_data(as_text=True)
    assert got.status_code == 200 and html.lstrip().startswith("<div id=\"table-view\"")
    assert "Beta billing" in html and "Alpha login" not in html and "<html" not in html


def test_bad_filter_values_show_notices(client, owner, project, three):
    login_as(client, owner)
    got = client.get(table_url(project) + "?status=BOGUS&due_from=31-12-2020")
    html = got.get_data(as_text=True)
    assert got.status_code == 200
    assert "Unknown status “BOGUS” was ignored." in html and "YYYY-MM-DD" in html
    assert "Gamma search" in html


def test_bulk_needs_confirmation_then_applies(client, store, owner, project, three):
    login_as(client, owner)
    ids = [i["$id"] for i in three[:2]]
    got = bulk(client, project, {"ids": ids, "op": "priority:URGENT"})
    html = got.get_data(as_text=True)
    assert got.status_code == 200 and "Set priority: Urgent — 2 items?" in html
    assert all(store.get("work_items", i)["priority"] != "URGENT" for i in ids)
    data = {"ids": ids, "op": "priority:URGENT", "step": "apply",
            "csrf_token": csrf_from(html)}
    # apply without the versions of the confirmation step: confirmation again, no write
    again = client.post(table_url(project) + "/bulk", data=data)
    assert "— 2 items?" in again.get_data(as_text=True)
    assert all(store.get("work_items", i)["priority"] != "URGENT" for i in ids)
    data.update({f"v_{i['$id']}": str(i["version"]) for i in three[:2]})
    done = client.post(table_url(project) + "/bulk", data=data)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "2 of 2 items changed" in text
    assert all(store.get("work_items", i)["priority"] == "URGENT" for i in ids)


def test_bulk_reports_stale_item_and_applies_the_rest(client, store, owner, project, three):
    login_as(client, owner)
    page = client.get(table_url(project)).get_data(as_text=True)
    # someone edits item 1 after the confirmation step showed version 1
    actor = items.Actor(owner["$id"])
    items.update_item(store, acting(owner), store.get("projects", project["$id"]),
                      three[0]["$id"], {"title": "Alpha login v2"}, expected_version=1,
                      actor=actor)
    data = {"ids": [i["$id"] for i in three], "op": "priority:MEDIUM", "step": "apply",
            "csrf_token": csrf_from(page), **{f"v_{i['$id']}": "1" for i in three}}
    got = client.post(table_url(project) + "/bulk", data=data)
    html = got.get_data(as_text=True)
    assert got.status_code == 200 and "2 of 3 items changed" in html
    assert html.count('data-result="refused"') == 1 and "Changed by someone else" in html
    assert store.get("work_items", three[0]["$id"])["priority"] == "LOW"
    assert store.get("work_items", three[1]["$id"])["priority"] == "MEDIUM"


def test_bulk_reports_refused_transition(client, store, owner, project, three):
    project = store.get("projects", project["$id"])
    # the workflow has no direct TODO -> DONE transition for this item's status
    from webapp.features.workflows import engine

    check = engine.check_transition(store, project, three[0], "DONE", user_id=owner["$id"],
                                    project_role=None, team_ids=[])
    login_as(client, owner)
    page = client.get(table_url(project)).get_data(as_text=True)
    data = {"ids": [three[0]["$id"]], "op": "status:DONE", "step": "apply",
            "csrf_token": csrf_from(page), f"v_{three[0]['$id']}": "1"}
    got = client.post(table_url(project) + "/bulk", data=data)
    html = got.get_data(as_text=True)
    assert not check.allowed and check.code == "TRANSITION_NOT_DEFINED"
    assert got.status_code == 409 and 'data-result="refused"' in html
    assert check.message in html
    assert store.get("work_items", three[0]["$id"])["status"] == three[0]["status"]


def test_bulk_delete_and_bad_action(client, store, owner, project, three):
    login_as(client, owner)
    bad = bulk(client, project, {"ids": [three[0]["$id"]], "op": "explode:now"})
    assert bad.status_code == 422 and "Choose an action." in bad.get_data(as_text=True)
    none = bulk(client, project, {"op": "priority:LOW"})
    assert none.status_code == 422 and "Select at least one item." in none.get_data(as_text=True)
    page = client.get(table_url(project)).get_data(as_text=True)
    got = client.post(table_url(project) + "/bulk", data={
        "ids": [three[2]["$id"]], "op": "delete:", "step": "apply", "csrf_token": csrf_from(page),
        f"v_{three[2]['$id']}": "1"})
    assert got.status_code == 200 and store.find("work_items", three[2]["$id"]) is None


def test_viewer_sees_no_checkboxes_and_gets_403(client, store, owner, bob, project, three):
    add_member(store, owner, project, bob, "VIEWER")
    login_as(client, bob)
    page = client.get(table_url(project))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Gamma search" in html
    assert 'name="ids"' not in html and "bulk-form" not in html
    got = client.post(table_url(project) + "/bulk", data={
        "csrf_token": _token(client, project), "ids": [three[0]["$id"]], "op": "priority:URGENT"})
    assert got.status_code == 403
    assert store.get("work_items", three[0]["$id"])["priority"] == "LOW"


def _token(client: Any, project: Any) -> str:
    html = client.get(table_url(project)).get_data(as_text=True)
    import re

    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def test_member_cannot_delete(client, store, owner, bob, project, three):
    add_member(store, owner, project, bob, "MEMBER")
    login_as(client, bob)
    html = client.get(table_url(project)).get_data(as_text=True)
    assert 'value="delete:"' not in html and 'value="priority:HIGH"' in html
    got = client.post(table_url(project) + "/bulk", data={
        "csrf_token": _token(client, project), "ids": [three[0]["$id"]], "op": "delete:"})
    assert got.status_code == 403 and store.find("work_items", three[0]["$id"]) is not None


def test_other_tenant_gets_404(client, store, project, three):
    stranger = make_user(store, "eve@example.com", "Eve", account_type="ORG")
    other_org = make_org(store, stranger, name="Other Inc")
    from webapp.features.workspaces.service import create_workspace

    create_workspace(store, acting(stranger), owner_id=stranger["$id"], name="Theirs",
                     organization_id=other_org["$id"])
    login_as(client, stranger)
    assert client.get(table_url(project)).status_code == 404
    assert client.get(f"/w/{project['workspace_id']}/search?q=alpha").status_code == 404


def test_search_across_visible_projects_only(client, store, owner, bob, org_ws, project, three):
    hidden = projects.create_project(store, acting(owner), org_ws["$id"],
                                     creator_id=owner["$id"], name="Secret", key="sec")
    other = projects.create_project(store, acting(owner), org_ws["$id"],
                                    creator_id=owner["$id"], name="Mobile", key="mob")
    make_item(store, owner, hidden, "Alpha secret plan")
    make_item(store, owner, other, "Alpha mobile app", description="Login for phones")
    add_member(store, owner, project, bob, "VIEWER")
    add_member(store, owner, other, bob, "MEMBER")
    login_as(client, bob)
    ws = org_ws["$id"]
    live = client.get(f"/w/{ws}/search/live?q=alph", headers={"HX-Request": "true"})
    html = live.get_data(as_text=True)
    assert live.status_code == 200
    assert "Alpha login" in html and "Alpha mobile app" in html and "secret" not in html
    full = client.get(f"/w/{ws}/search?q=login").get_data(as_text=True)
    assert "WEB-1" in full and "MOB-1" in full and "SEC-" not in full  # title + description
    by_key = client.get(f"/w/{ws}/search/live?q=web-2").get_data(as_text=True)
    assert "Beta billing" in by_key and "Alpha login" not in by_key
    login_as(client, owner)  # the workspace admin sees every project
    assert "Alpha secret plan" in client.get(f"/w/{ws}/search?q=alpha").get_data(as_text=True)


def test_header_search_box_only_inside_a_workspace(client, store, owner, project):
    login_as(client, owner)
    assert 'id="header-search"' in client.get(table_url(project)).get_data(as_text=True)
    assert 'id="header-search"' not in client.get("/").get_data(as_text=True)
    assert store.count("work_items", [Query.equal("project_id", project["$id"])]) == 0
