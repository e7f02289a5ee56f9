"""Tokens (UI and service), bearer authentication, scopes, and session calls with CSRF."""

from __future__ import annotations

import re
from typing import Any

from features.workspaces.helpers import csrf_from, login_as

from webapp.api import tokens
from webapp.storage.query import Query

SECRET = re.compile(r'id="api-secret-value"[^>]*value="(keel_[^"]+)"')


def test_token_page_creates_a_token_shown_once_and_stored_hashed(app: Any, store: Any,
                                                                  owner: Any, call: Any) -> None:
    client = app.test_client()
    login_as(client, owner)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/account/tokens"' in html  # the account navigation links the page
    made = client.post("/account/tokens", data={
        "csrf_token": csrf_from(html), "name": "CI script", "scopes": ["read", "write"],
        "expires_in_days": "30"})
    assert made.status_code == 201
    assert made.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    row = store.first("api_tokens", [Query.equal("user_id", owner["$id"])])
    assert row["token_hash"] == tokens.hash_token(secret) and secret not in str(row)
    assert row["scopes"] == ["read", "write"] and row["expires_at"] is not None
    # the list shows the prefix, never the secret again
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and row["prefix"] in again
    me = call("GET", "/me", secret)
    assert me.status_code == 200
    assert me.get_json()["token"]["scopes"] == ["read", "write"]
    assert store.get("api_tokens", row["$id"])["last_used_at"] is not None


def test_token_page_shows_field_errors(app: Any, owner: Any) -> None:
    client = app.test_client()
    login_as(client, owner)
    html = client.get("/account/tokens").get_data(as_text=True)
    bad = client.post("/account/tokens", data={"csrf_token": csrf_from(html), "name": " ",
                                               "expires_in_days": "999"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Give the token a name" in text and "Choose read, write and/or admin" in text
    assert "from 1 to 366" in text


def test_revoking_in_the_ui_ends_the_token(app: Any, store: Any, owner: Any, token_for: Any,
                                           call: Any) -> None:
    secret = token_for(owner)
    row = store.first("api_tokens", [Query.equal("user_id", owner["$id"])])
    client = app.test_client()
    login_as(client, owner)
    html = client.get("/account/tokens").get_data(as_text=True)
    done = client.post(f"/account/tokens/{row['$id']}/revoke",
                       data={"csrf_token": csrf_from(html)})
    assert done.status_code == 303
    refused = call("GET", "/me", secret)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "token_revoked"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_another_users_token_cannot_be_revoked(app: Any, store: Any, owner: Any, bob: Any,
                                               token_for: Any, call: Any) -> None:
    secret = token_for(owner)
    row = store.first("api_tokens", [Query.equal("user_id", owner["$id"])])
    client = app.test_client()
    login_as(client, bob)
    html = client.get("/account/tokens").get_data(as_text=True)
    assert client.post(f"/account/tokens/{row['$id']}/revoke",
                       data={"csrf_token": csrf_from(html)}).status_code == 404
    assert call("GET", "/me", secret).status_code == 200


def test_bad_expired_and_revoked_tokens_are_401(owner: Any, token_for: Any,
                                                call: Any) -> None:
    cases = {
        "keel_not-a-real-token": "invalid_token",
        "something-else": "invalid_token",
        token_for(owner, expired=True): "token_expired",
        token_for(owner, revoked=True): "token_revoked",
    }
    for secret, code in cases.items():
        got = call("GET", "/me", secret)
        assert got.status_code == 401, secret
        assert got.get_json() == {"code": code, "message": got.get_json()["message"],
                                  "errors": {}}
    assert call("GET", "/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert call("GET", "/me").get_json()["code"] == "unauthorized"


def test_a_suspended_user_token_is_refused(store: Any, owner: Any, token_for: Any,
                                           call: Any) -> None:
    secret = token_for(owner)
    store.update("users", owner["$id"], {"status": "suspended"})
    assert call("GET", "/me", secret).status_code == 401


def test_scopes_nest_and_are_enforced(owner: Any, token_for: Any, call: Any, base: str,
                                      org_ws: Any) -> None:
    read = token_for(owner, ("read",))
    write = token_for(owner, ("write",))
    assert call("GET", f"{base}/items", read).status_code == 200
    refused = call("POST", f"{base}/items", read, json={"title": "No"})
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "insufficient_scope"
    assert call("POST", f"{base}/items", write, json={"title": "Yes"}).status_code == 201
    assert call("GET", f"{base}/items", write).status_code == 200  # write implies read
    project = {"name": "Ops", "key": "OPS"}
    denied = call("POST", f"/workspaces/{org_ws['$id']}/projects", write, json=project)
    assert denied.status_code == 403 and denied.get_json()["code"] == "insufficient_scope"
    admin = token_for(owner, ("admin",))
    assert call("POST", f"/workspaces/{org_ws['$id']}/projects", admin,
                json=project).status_code == 201


def test_session_calls_need_csrf_for_writes(app: Any, owner: Any, project: Any,
                                            base: str) -> None:
    client = app.test_client()
    login_as(client, owner)
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["token"] is None
    no_csrf = client.post(f"/api/v1{base}/items", json={"title": "x"})
    assert no_csrf.status_code == 403 and no_csrf.get_json()["code"] == "csrf_failed"
    token = csrf_from(client.get("/account/tokens").get_data(as_text=True))
    cross = client.post(f"/api/v1{base}/items", json={"title": "x"},
                        headers={"X-CSRFToken": token, "Origin": "https://evil.example"})
    assert cross.status_code == 403 and cross.get_json()["code"] == "cross_origin"
    made = client.post(f"/api/v1{base}/items", json={"title": "From the page"},
                       headers={"X-CSRFToken": token})
    assert made.status_code == 201
    assert "X-RateLimit-Limit" not in made.headers  # limits count tokens, not sessions


def test_bearer_calls_skip_csrf_and_ignore_the_session(app: Any, owner: Any, bob: Any,
                                                       token_for: Any) -> None:
    client = app.test_client()
    login_as(client, bob)  # a session for bob, a token for the owner: the token wins
    secret = token_for(owner)
    got = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert got.get_json()["id"] == owner["$id"]
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer keel_nope"})
    assert bad.status_code == 401  # a bad token never falls back to the session


def test_unknown_api_paths_and_methods_answer_in_the_error_model(call: Any, owner: Any,
                                                                token_for: Any) -> None:
    missing = call("GET", "/nothing/here", token_for(owner))
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    wrong = call("PUT", "/me", token_for(owner))
    assert wrong.status_code == 405 and wrong.get_json()["code"] == "method_not_allowed"
