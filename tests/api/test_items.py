"""Work items through the API: create, list (filters, sort, cursor), get, update with
If-Match, delete, transitions — and the refusals (401/403/404/409/422/428)."""

from __future__ import annotations

from typing import Any


def make(call: Any, token: str, base: str, **values: Any) -> dict[str, Any]:
    got = call("POST", f"{base}/items", token, json={"title": "Item", **values})
    assert got.status_code == 201, got.get_json()
    return got.get_json()


def test_create_answers_the_item_with_etag_and_location(owner: Any, token_for: Any,
                                                        call: Any, base: str,
                                                        store: Any) -> None:
    token = token_for(owner)
    got = call("POST", f"{base}/items", token, json={
        "title": "Fix login", "priority": "HIGH", "labels": ["auth"], "due_date": "2026-03-01",
        "description": "See **logs**", "story_points": 3})
    assert got.status_code == 201
    body = got.get_json()
    assert body["key"] == "WEB-1" and body["status"] == "TODO" and body["version"] == 1
    assert body["priority"] == "HIGH" and body["labels"] == ["auth"]
    assert body["due_date"].startswith("2026-03-01") and "<strong>" in body["description_html"]
    assert got.headers["ETag"] == '"1"'
    assert got.headers["Location"].endswith(f"/items/{body['id']}")
    stored = store.get("work_items", body["id"])
    assert stored["reporter_id"] == owner["$id"] and stored["title"] == "Fix login"
    audit = store.first("audit_logs", [])
    assert audit is not None


def test_create_refusals(owner: Any, token_for: Any, call: Any, base: str) -> None:
    token = token_for(owner)
    empty = call("POST", f"{base}/items", token, json={"title": "  "})
    assert empty.status_code == 422 and "title" in empty.get_json()["errors"]
    bad = call("POST", f"{base}/items", token, json={"title": "x", "priority": "WHENEVER"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"priority"}
    unknown = call("POST", f"{base}/items", token, json={"title": "x", "colour": "red"})
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["errors"]
    not_json = call("POST", f"{base}/items", token, data="title=x",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert not_json.status_code == 400 and not_json.get_json()["code"] == "invalid_json"
    status = call("POST", f"{base}/items", token, json={"title": "x", "status": "DONE"})
    assert status.status_code == 400
    assert status.get_json()["code"] == "invalid_initial_status"


def test_list_filters_sorts_and_pages_with_a_cursor(owner: Any, token_for: Any, call: Any,
                                                    base: str) -> None:
    token = token_for(owner)
    for n in range(7):
        make(call, token, base, title=f"Task {n}", priority="HIGH" if n % 2 else "LOW",
             labels=["ui"] if n < 3 else [], assignee_ids=[owner["$id"]] if n == 4 else [])
    make(call, token, base, title="Needle in the haystack", type="BUG")
    seen: list[str] = []
    cursor = None
    while True:
        query = f"?limit=3&sort=key{'&cursor=' + cursor if cursor else ''}"
        page = call("GET", f"{base}/items{query}", token).get_json()
        seen += [i["key"] for i in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"WEB-{n}" for n in range(1, 9)]  # every item once, in key order
    newest = call("GET", f"{base}/items?limit=2", token).get_json()
    assert [i["key"] for i in newest["data"]] == ["WEB-8", "WEB-7"]

    def keys(query: str) -> list[str]:
        got = call("GET", f"{base}/items?{query}", token)
        assert got.status_code == 200, got.get_json()
        return [i["key"] for i in got.get_json()["data"]]

    assert keys("priority=HIGH&sort=key") == ["WEB-2", "WEB-4", "WEB-6"]
    assert keys("priority=HIGH&priority=LOW&label=ui&sort=key") == ["WEB-1", "WEB-2", "WEB-3"]
    assert keys("assignee=me") == ["WEB-5"]
    assert keys("type=BUG") == ["WEB-8"]
    assert keys("q=needle") == ["WEB-8"]
    assert keys("q=WEB-3") == ["WEB-3"]
    assert keys("status=TODO&sort=title&limit=2") == ["WEB-8", "WEB-1"]


def test_list_refuses_bad_parameters(owner: Any, token_for: Any, call: Any,
                                     base: str) -> None:
    token = token_for(owner)
    for query, field in (("limit=0", "limit"), ("limit=abc", "limit"), ("sort=colour", "sort"),
                         ("cursor=nope", "cursor"), ("status=NOPE", "filter"),
                         ("page=2", "page")):
        got = call("GET", f"{base}/items?{query}", token)
        assert got.status_code == 400, query
        assert field in got.get_json()["errors"], (query, got.get_json())


def test_get_by_id_and_key(owner: Any, token_for: Any, call: Any, base: str,
                           org_ws: Any) -> None:
    token = token_for(owner)
    item = make(call, token, base, title="Find me")
    for ref in (item["id"], "WEB-1", "web-1"):
        got = call("GET", f"{base}/items/{ref}", token)
        assert got.status_code == 200 and got.get_json()["id"] == item["id"]
        assert got.headers["ETag"] == '"1"'
    by_key = call("GET", f"/workspaces/{org_ws['$id']}/items/WEB-1", token)
    assert by_key.status_code == 200 and by_key.get_json()["title"] == "Find me"
    assert call("GET", f"{base}/items/WEB-99", token).status_code == 404
    assert call("GET", f"/workspaces/{org_ws['$id']}/items/WEB-99", token).status_code == 404


def test_update_with_if_match(owner: Any, token_for: Any, call: Any, base: str) -> None:
    token = token_for(owner)
    item = make(call, token, base, title="Edit me")
    url = f"{base}/items/{item['id']}"
    missing = call("PATCH", url, token, json={"title": "New"})
    assert missing.status_code == 428 and missing.get_json()["code"] == "precondition_required"
    malformed = call("PATCH", url, token, json={"title": "New"}, headers={"If-Match": "abc"})
    assert malformed.status_code == 400
    done = call("PATCH", url, token, json={"title": "New", "priority": "URGENT"},
                headers={"If-Match": '"1"'})
    assert done.status_code == 200
    assert done.get_json()["version"] == 2 and done.headers["ETag"] == '"2"'
    stale = call("PATCH", url, token, json={"title": "Older"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["code"] == "stale_version" and set(body["errors"]) == {"title", "priority"}
    assert stale.headers["ETag"] == '"2"'
    assert call("GET", url, token).get_json()["title"] == "New"  # nothing written
    moved = call("PATCH", url, token, json={"status": "ASSIGNED"}, headers={"If-Match": 'W/"2"'})
    assert moved.status_code == 200 and moved.get_json()["status"] == "ASSIGNED"
    nothing = call("PATCH", url, token, json={}, headers={"If-Match": '"3"'})
    assert nothing.status_code == 422
    null = call("PATCH", url, token, json={"title": None}, headers={"If-Match": '"3"'})
    assert null.status_code == 422 and "title" in null.get_json()["errors"]
    cleared = call("PATCH", url, token, json={"labels": None, "due_date": None},
                   headers={"If-Match": "*"})
    assert cleared.status_code == 200 and cleared.get_json()["labels"] == []


def test_a_refused_transition_is_409(owner: Any, token_for: Any, call: Any,
                                     base: str) -> None:
    token = token_for(owner)
    item = make(call, token, base)
    got = call("PATCH", f"{base}/items/{item['id']}", token, json={"status": "DONE"},
               headers={"If-Match": '"1"'})
    assert got.status_code == 409
    assert got.get_json()["code"] == "transition_not_defined"
    allowed = call("GET", f"{base}/items/{item['id']}/transitions", token).get_json()["data"]
    keys = [s["key"] for s in allowed]
    assert "TODO" in keys and "ASSIGNED" in keys and "DONE" not in keys


def test_delete(owner: Any, token_for: Any, call: Any, base: str) -> None:
    token = token_for(owner)
    item = make(call, token, base)
    url = f"{base}/items/{item['id']}"
    stale = call("DELETE", url, token, headers={"If-Match": '"7"'})
    assert stale.status_code == 409
    assert call("DELETE", url, token).status_code == 204
    assert call("GET", url, token).status_code == 404
    assert call("DELETE", url, token).status_code == 404


def test_404_before_403_and_role_refusals(owner: Any, editor: Any, viewer: Any,
                                          outsider: Any, token_for: Any, call: Any,
                                          base: str) -> None:
    item = make(call, token_for(owner), base)
    url = f"{base}/items/{item['id']}"
    viewer_token = token_for(viewer)
    assert call("GET", url, viewer_token).status_code == 200
    refused = call("PATCH", url, viewer_token, json={"title": "x"}, headers={"If-Match": '"1"'})
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    assert call("POST", f"{base}/items", viewer_token, json={"title": "x"}).status_code == 403
    outsider_token = token_for(outsider)
    for method in ("GET", "PATCH", "DELETE"):
        hidden = call(method, url, outsider_token, json={"title": "x"},
                      headers={"If-Match": '"1"'})
        assert hidden.status_code == 404, method  # not 403: the outsider may not know it
    editor_token = token_for(editor)
    edited = call("PATCH", url, editor_token, json={"title": "By editor"},
                  headers={"If-Match": '"1"'})
    assert edited.status_code == 200
    assert call("DELETE", url, editor_token).status_code == 403  # members may not delete
