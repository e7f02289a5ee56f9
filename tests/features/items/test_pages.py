"""Work item pages: create, in-place edits (incl. stale 409), parts, viewer and tenants."""

from __future__ import annotations

import re

from webapp.features.items import checklist, links, service
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as


def base(project, item=None):
    url = f"/w/{project['workspace_id']}/projects/{project['$id']}/items"
    return f"{url}/{item['$id']}" if item else url


def token(client, url):
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return csrf_from(page.get_data(as_text=True))


def post(client, page_url, action, data, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(action, data={"csrf_token": token(client, page_url), **data},
                       headers=headers)


def test_create_page_and_item_page(client, store, owner, project):
    login_as(client, owner)
    new = client.get(f"{base(project)}/new")
    assert new.status_code == 200 and "New work item in WEB" in new.get_data(as_text=True)
    bad = post(client, f"{base(project)}/new", base(project), {"title": " ",
                                                               "story_points": "500"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Enter a title." in body and "Story points must be between 0 and 100." in body
    assert store.count("work_items", []) == 0
    made = post(client, f"{base(project)}/new", base(project), {
        "title": "Ship it", "type": "BUG", "priority": "HIGH", "description": "Hi **there**",
        "labels": "ui, api"})
    assert made.status_code == 303
    item = store.first("work_items", [Query.equal("key", "WEB-1")])
    assert made.headers["Location"].endswith(f"/items/{item['$id']}")
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Ship it" in page and "<strong>there</strong>" in page and "Properties" in page
    assert 'name="version" value="1"' in page
    browse = client.get(f"/w/{project['workspace_id']}/browse/web-1")
    assert browse.status_code == 302 and browse.headers["Location"].endswith(item["$id"])
    assert client.get(f"/w/{project['workspace_id']}/browse/WEB-99").status_code == 404


def test_in_place_edit_stale_and_refused(client, store, owner, project, make):
    item = make("Edit me")
    login_as(client, owner)
    url = base(project, item)
    ok = post(client, url, f"{url}/edit", {"version": "1", "fields": "priority",
                                           "priority": "URGENT"}, htmx=True)
    assert ok.status_code == 200 and 'id="item"' in ok.get_data(as_text=True)
    assert store.get("work_items", item["$id"])["priority"] == "URGENT"
    stale = post(client, url, f"{url}/edit", {"version": "1", "fields": "title",
                                              "title": "Mine"}, htmx=True)
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Your change was not saved." in body and "Priority" in body
    assert "Apply my change to the current version" in body
    assert re.search(r'name="title" value="Mine"', body)
    assert store.get("work_items", item["$id"])["title"] == "Edit me"
    refused = post(client, url, f"{url}/edit", {"version": "2", "fields": "status",
                                                "status": "DONE"}, htmx=True)
    assert refused.status_code == 409 and "TRANSITION_NOT_DEFINED" in refused.get_data(
        as_text=True)
    invalid = post(client, url, f"{url}/edit", {"version": "2", "fields": "due_date",
                                                "due_date": "nope"}, htmx=True)
    assert invalid.status_code == 422 and "Enter a date as YYYY-MM-DD." in invalid.get_data(
        as_text=True)
    moved = post(client, url, f"{url}/edit", {"version": "2", "fields": "status",
                                              "status": "ASSIGNED"})
    assert moved.status_code == 303
    assert store.get("work_items", item["$id"])["status"] == "ASSIGNED"
    assert post(client, url, f"{url}/edit", {"fields": "title", "title": "x"}).status_code \
        == 400
    preview = post(client, url, f"{url}/preview",
                   {"description": "**hi** <script>x()</script>"}, htmx=True)
    text = preview.get_data(as_text=True)
    assert "<strong>hi</strong>" in text and "<script>" not in text


def test_parts_checklist_links_split_clone_move(client, store, owner, org_ws, project, make):
    from .conftest import new_project

    item, other = make("Main"), make("Other thing")
    login_as(client, owner)
    url = base(project, item)
    assert post(client, url, f"{url}/checklist", {"title": "Step one"}).status_code == 303
    assert post(client, url, f"{url}/checklist", {"title": ""}).status_code == 422
    [entry] = checklist.entries(store, item["$id"])
    assert post(client, url, f"{url}/checklist/{entry['$id']}/toggle", {}).status_code == 303
    assert post(client, url, f"{url}/checklist/{entry['$id']}/rename",
                {"title": "Step 1"}).status_code == 303
    assert checklist.entries(store, item["$id"])[0]["title"] == "Step 1"
    picked = client.get(f"{url}/picker?q=other").get_data(as_text=True)
    assert "WEB-2" in picked and "Other thing" in picked
    assert post(client, url, f"{url}/links", {"link_type": "IS_BLOCKED_BY",
                                              "other_id": other["$id"]}).status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Is blocked by" in page and "Blocked" in page
    dup = post(client, url, f"{url}/links", {"link_type": "IS_BLOCKED_BY",
                                             "other_key": "WEB-2"})
    assert dup.status_code == 422 and "already linked" in dup.get_data(as_text=True)
    [view] = links.links_of(store, item["$id"])
    assert post(client, url, f"{url}/links/{view.link['$id']}/delete", {}).status_code == 303
    assert post(client, url, f"{url}/subs", {"title": "Child"}).status_code == 303
    assert [s["title"] for s in service.sub_issues(store, item["$id"])] == ["Child"]
    assert post(client, url, f"{url}/split", {"part_title": ["A", "B"],
                                              "part_points": ["1", "2"]}).status_code == 303
    cloned = post(client, url, f"{url}/clone", {})
    assert cloned.status_code == 303
    target = new_project(store, owner, org_ws, "Apps", "APP")
    moved = post(client, url, f"{url}/move", {"target_project_id": target["$id"]})
    assert moved.status_code == 303
    assert store.get("work_items", item["$id"])["key"].startswith("APP-")
    history = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert "checklist added" not in history or "History" in history
    assert "moved" in history


def test_delete_needs_the_key(client, store, owner, project, make):
    item = make("Doomed")
    login_as(client, owner)
    url = base(project, item)
    assert post(client, url, f"{url}/delete", {"confirm_key": "nope"}).status_code == 422
    assert store.find("work_items", item["$id"]) is not None
    assert post(client, url, f"{url}/delete", {"confirm_key": "web-1"}).status_code == 303
    assert store.find("work_items", item["$id"]) is None
    assert client.get(url).status_code == 404


def test_viewer_reads_only(client, store, owner, viewer, project, make):
    item = make("Look only", description="Read me")
    checklist.add(store, acting(owner), project, item, "Entry")
    login_as(client, viewer)
    url = base(project, item)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = html[html.index('<article id="item"'):html.index("</article>")]
    assert "Look only" in body and "Read me" in body and "Entry" in body
    assert "<form" not in body and "<button" not in body and "<input" not in body
    for action, data in ((f"{url}/edit", {"version": "1", "fields": "title", "title": "x"}),
                         (f"{url}/checklist", {"title": "x"}), (f"{url}/delete", {}),
                         (f"{url}/links", {}), (f"{url}/clone", {}),
                         (base(project), {"title": "x"})):
        assert post(client, url, action, data).status_code == 403, action
    assert client.get(f"{base(project)}/new").status_code == 403
    assert store.get("work_items", item["$id"])["title"] == "Look only"


def test_member_assigns_project_members_only(client, store, owner, editor, project, make):
    item = make("Assign")
    login_as(client, editor)
    url = base(project, item)
    bad = post(client, url, f"{url}/edit", {"version": "1", "fields": "assignee_ids",
                                            "assignee_ids": "stranger"})
    assert bad.status_code == 422
    assert "Assignees must be active members of this project." in bad.get_data(as_text=True)
    assert post(client, url, f"{url}/edit", {"version": "1", "fields": "assignee_ids",
                                             "assignee_ids": editor["$id"]}).status_code == 303
    assert store.get("work_items", item["$id"])["assignee_ids"] == [editor["$id"]]


def test_other_tenants_get_404(client, store, owner, org_ws, project, make):
    from webapp.features.workspaces.service import create_workspace

    from ..workspaces.helpers import make_user

    item = make("Private")
    stranger = make_user(store, "eve@example.com", "Eve")
    own = create_workspace(store, acting(stranger), owner_id=stranger["$id"], name="Eve's")
    from .conftest import new_project

    theirs = new_project(store, stranger, own, "Mine", "EVE")
    login_as(client, stranger)
    assert client.get(base(project, item)).status_code == 404
    assert client.get(f"/w/{org_ws['$id']}/browse/WEB-1").status_code == 404
    # their own project with our item id: 404, and browse in their workspace: 404
    assert client.get(base(theirs, item)).status_code == 404
    assert client.get(f"/w/{own['$id']}/browse/WEB-1").status_code == 404
    page = f"{base(theirs)}/new"
    assert post(client, page, f"{base(theirs, item)}/edit",
                {"version": "1", "fields": "title", "title": "x"}).status_code == 404
    assert store.get("work_items", item["$id"])["title"] == "Private"


def test_transition_needing_a_comment(client, store, owner, project, make):
    from webapp.features.workflows.statuses import transitions_of

    for t in transitions_of(store, project["workflow_id"]):
        store.update("workflow_transitions", t["$id"], {"requires_comment": True})
    item = make("Talk first")
    login_as(client, owner)
    url = base(project, item)
    asked = post(client, url, f"{url}/edit", {"version": "1", "fields": "status",
                                              "status": "ASSIGNED"}, htmx=True)
    assert asked.status_code == 409
    body = asked.get_data(as_text=True)
    assert "REQUIRES_COMMENT" in body and "Move with comment" in body
    assert store.get("work_items", item["$id"])["status"] == "TODO"
    moved = post(client, url, f"{url}/edit", {"version": "1", "fields": "status",
                                              "status": "ASSIGNED", "comment": "Taking it"})
    assert moved.status_code == 303
    [entry, *_] = service.history(store, item["$id"])
    assert entry["metadata"]["comment"] == "Taking it"


def test_custom_fields_on_create_and_edit(client, store, owner, project, make):
    from webapp.features.fields.service import create_field

    create_field(store, acting(owner), workspace_id=project["workspace_id"], scope="PROJECT",
                 project_id=project["$id"], values={
                     "name": "Severity", "key": "severity", "field_type": "NUMBER",
                     "is_required": True})
    login_as(client, owner)
    page = f"{base(project)}/new"
    assert 'name="cf_severity"' in client.get(page).get_data(as_text=True)
    missing = post(client, page, base(project), {"title": "Needs severity"})
    assert missing.status_code == 422 and "Enter a value." in missing.get_data(as_text=True)
    made = post(client, page, base(project), {"title": "Has severity", "cf_severity": "3"})
    assert made.status_code == 303
    item = store.first("work_items", [Query.equal("title", "Has severity")])
    assert item["custom_fields"] == {"severity": 3}
    url = base(project, item)
    bad = post(client, url, f"{url}/edit", {"version": "1", "fields": "custom_fields",
                                            "cf_severity": "many"}, htmx=True)
    assert bad.status_code == 422
    ok = post(client, url, f"{url}/edit", {"version": "1", "fields": "custom_fields",
                                           "cf_severity": "5"}, htmx=True)
    assert ok.status_code == 200
    assert store.get("work_items", item["$id"])["custom_fields"] == {"severity": 5}
