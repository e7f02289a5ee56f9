"""Organizations, workspaces, spaces, members, projects, workflow, fields, links and
checklist subtasks through the API."""

from __future__ import annotations

from typing import Any

from features.workspaces.helpers import acting

from webapp.features.fields.service import create_field
from webapp.features.spaces.service import create_space


def test_me_organizations_and_workspaces(owner: Any, org: Any, org_ws: Any, outsider: Any,
                                         token_for: Any, call: Any) -> None:
    token = token_for(owner, ("read",))
    me = call("GET", "/me", token).get_json()
    assert me["id"] == owner["$id"] and me["email"] == "owner@example.com"
    orgs = call("GET", "/organizations", token).get_json()["data"]
    assert [o["name"] for o in orgs] == ["Acme Corp"]
    assert call("GET", f"/organizations/{org['$id']}", token).get_json()["id"] == org["$id"]
    assert call("GET", f"/organizations/{org['$id']}", token_for(outsider)).status_code == 404
    workspaces = call("GET", "/workspaces", token).get_json()["data"]
    assert [w["name"] for w in workspaces] == ["Engineering"]
    got = call("GET", f"/workspaces/{org_ws['$id']}", token)
    assert got.status_code == 200 and got.get_json()["organization_id"] == org["$id"]
    assert call("GET", f"/workspaces/{org_ws['$id']}", token_for(outsider)).status_code == 404
    members = call("GET", f"/workspaces/{org_ws['$id']}/members", token).get_json()["data"]
    assert [m["user_id"] for m in members] == [owner["$id"]]


def test_spaces_follow_the_page_rules(store: Any, owner: Any, editor: Any, org_ws: Any,
                                      token_for: Any, call: Any) -> None:
    public = create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                          name="Public", key="PUB", visibility="PUBLIC")
    private = create_space(store, acting(owner), org_ws["$id"], creator_id=owner["$id"],
                           name="Secret", key="SEC", visibility="PRIVATE")
    url = f"/workspaces/{org_ws['$id']}/spaces"
    owner_sees = [s["key"] for s in call("GET", url, token_for(owner)).get_json()["data"]]
    assert sorted(owner_sees) == ["PUB", "SEC"]
    editor_token = token_for(editor)
    assert [s["key"] for s in call("GET", url, editor_token).get_json()["data"]] == ["PUB"]
    assert call("GET", f"{url}/{public['$id']}", editor_token).status_code == 200
    assert call("GET", f"{url}/{private['$id']}", editor_token).status_code == 404


def test_projects_list_get_create_update(owner: Any, editor: Any, viewer: Any, org_ws: Any,
                                         project: Any, token_for: Any, call: Any) -> None:
    token = token_for(owner)
    url = f"/workspaces/{org_ws['$id']}/projects"
    assert [p["key"] for p in call("GET", url, token).get_json()["data"]] == ["WEB"]
    made = call("POST", url, token, json={"name": "Mobile", "key": "MOB",
                                          "board_type": "KANBAN", "deadline": "2026-06-30"})
    assert made.status_code == 201
    body = made.get_json()
    assert body["key"] == "MOB" and body["workflow_id"] and body["board_type"] == "KANBAN"
    again = call("POST", url, token, json={"name": "Mobile 2", "key": "MOB"})
    assert again.status_code == 422 and "key" in again.get_json()["errors"]
    dates = call("POST", url, token, json={"name": "Dated", "key": "DAT",
                                           "start_date": "2026-05-01",
                                           "deadline": "2026-04-01"})
    assert dates.status_code == 422 and "deadline" in dates.get_json()["errors"]
    patched = call("PATCH", f"{url}/{body['id']}", token, json={"description": "Apps"})
    assert patched.status_code == 200
    after = patched.get_json()
    assert after["description"] == "Apps" and after["name"] == "Mobile"
    assert after["board_type"] == "KANBAN"  # untouched fields keep their values
    assert call("GET", f"{url}/{body['id']}", token).get_json()["description"] == "Apps"
    editor_token = token_for(editor)
    assert [p["key"] for p in call("GET", url, editor_token).get_json()["data"]] == ["WEB"]
    assert call("GET", f"{url}/{body['id']}", editor_token).status_code == 404
    assert call("PATCH", f"{url}/{project['$id']}", editor_token,
                json={"name": "Mine"}).status_code == 403
    # workspace editors may create projects (workspace.projects.create), viewers may not
    denied = call("POST", url, token_for(viewer), json={"name": "No", "key": "NOP"})
    assert denied.status_code == 403


def test_project_members_workflow_statuses_and_fields(store: Any, owner: Any, editor: Any,
                                                      org_ws: Any, project: Any, base: str,
                                                      token_for: Any, call: Any) -> None:
    create_field(store, acting(owner), workspace_id=org_ws["$id"], scope="PROJECT",
                 project_id=project["$id"], values={"name": "Customer", "field_type": "TEXT"})
    token = token_for(owner)
    members = call("GET", f"{base}/members", token).get_json()["data"]
    assert {m["user_id"]: m["role"] for m in members} == {
        owner["$id"]: "PROJECT_OWNER", editor["$id"]: "MEMBER"}
    flow = call("GET", f"{base}/workflow", token).get_json()
    keys = [s["key"] for s in flow["statuses"]]
    assert keys == ["TODO", "ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    assert {"from_status": "TODO", "to_status": "ASSIGNED"} in [
        {"from_status": t["from_status"], "to_status": t["to_status"]}
        for t in flow["transitions"]]
    statuses = call("GET", f"{base}/statuses", token).get_json()["data"]
    assert [s["key"] for s in statuses] == keys and statuses[0]["is_initial"]
    fields = call("GET", f"{base}/fields", token).get_json()["data"]
    assert [(f["name"], f["field_type"]) for f in fields] == [("Customer", "TEXT")]


def test_links(store: Any, owner: Any, outsider: Any, base: str, token_for: Any,
               call: Any) -> None:
    token = token_for(owner)
    a = call("POST", f"{base}/items", token, json={"title": "A"}).get_json()
    b = call("POST", f"{base}/items", token, json={"title": "B"}).get_json()
    made = call("POST", f"{base}/items/{a['id']}/links", token,
                json={"target_id": b["id"], "type": "BLOCKS"})
    assert made.status_code == 201
    link = made.get_json()
    assert link["type"] == "BLOCKS" and link["other_id"] == b["id"]
    seen_from_b = call("GET", f"{base}/items/{b['id']}/links", token).get_json()["data"]
    assert [(x["type"], x["other_id"]) for x in seen_from_b] == [("IS_BLOCKED_BY", a["id"])]
    twice = call("POST", f"{base}/items/{a['id']}/links", token,
                 json={"target_id": b["id"], "type": "BLOCKS"})
    assert twice.status_code == 409 and twice.get_json()["code"] == "duplicate_link"
    circle = call("POST", f"{base}/items/{b['id']}/links", token,
                  json={"target_id": a["id"], "type": "BLOCKS"})
    assert circle.status_code == 409 and circle.get_json()["code"] == "circular_blocking"
    nowhere = call("POST", f"{base}/items/{a['id']}/links", token,
                   json={"target_id": "missing", "type": "BLOCKS"})
    assert nowhere.status_code == 422 and "target_id" in nowhere.get_json()["errors"]
    kind = call("POST", f"{base}/items/{a['id']}/links", token,
                json={"target_id": b["id"], "type": "LOVES"})
    assert kind.status_code == 422 and "type" in kind.get_json()["errors"]
    gone = call("DELETE", f"{base}/items/{a['id']}/links/{link['id']}", token)
    assert gone.status_code == 204
    assert call("GET", f"{base}/items/{a['id']}/links", token).get_json()["data"] == []
    assert call("DELETE", f"{base}/items/{a['id']}/links/{link['id']}",
                token).status_code == 404


def test_subtasks(owner: Any, viewer: Any, base: str, token_for: Any, call: Any) -> None:
    token = token_for(owner)
    item = call("POST", f"{base}/items", token, json={"title": "Parent"}).get_json()
    url = f"{base}/items/{item['id']}/subtasks"
    first = call("POST", url, token, json={"title": "Write tests"})
    assert first.status_code == 201 and first.get_json()["done"] is False
    call("POST", url, token, json={"title": "Ship"})
    assert call("POST", url, token, json={"title": ""}).status_code == 422
    entry = first.get_json()["id"]
    ticked = call("PATCH", f"{url}/{entry}", token, json={"done": True, "title": "Tests"})
    assert ticked.status_code == 200
    assert ticked.get_json()["done"] is True and ticked.get_json()["title"] == "Tests"
    listed = call("GET", url, token).get_json()["data"]
    assert [(s["title"], s["done"]) for s in listed] == [("Tests", True), ("Ship", False)]
    assert call("PATCH", f"{url}/missing", token, json={"done": True}).status_code == 404
    assert call("PATCH", f"{url}/{entry}", token, json={}).status_code == 422
    assert call("POST", url, token_for(viewer), json={"title": "x"}).status_code == 403
    assert call("DELETE", f"{url}/{entry}", token).status_code == 204
    assert [s["title"] for s in call("GET", url, token).get_json()["data"]] == ["Ship"]
