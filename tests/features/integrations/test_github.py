"""GitHub: linking (validation against the API double), commit sync with Link-header
pagination and item links, errors and rate limits, the signed webhook, and the pages."""

from __future__ import annotations

import json

import pytest
from doubles.github_server import Repo, commit, commits, sign

from webapp.features.integrations import secrets
from webapp.features.integrations.github import service, webhook
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as


def code_url(project):
    return f"/w/{project['workspace_id']}/projects/{project['$id']}/code"


def test_key_mentions():
    assert service.mentioned_keys("WEB", "Fix WEB-12 and web-3, WEB-12 again (WEB-7)",
                                  "XWEB-5 WEB-99x WEB-100") == ["WEB-12", "WEB-7", "WEB-100"]


def test_link_validates_and_encrypts_token(store, owner, project, github, secret):
    github.add(Repo("acme", "secret-app", private=True, token="ghp_right",
                    branches={"main": []}))
    with pytest.raises(FieldErrors) as bad_url:
        service.link_repository(store, acting(owner), secret, project, url="gitlab.com/a/b")
    assert "url" in bad_url.value.errors
    with pytest.raises(FieldErrors) as hidden:
        service.link_repository(store, acting(owner), secret, project,
                                url="https://github.com/acme/secret-app")
    assert "personal access token" in hidden.value.errors["url"]
    with pytest.raises(FieldErrors) as wrong:
        service.link_repository(store, acting(owner), secret, project,
                                url="https://github.com/acme/secret-app", token="ghp_wrong")
    assert "token" in wrong.value.errors
    with pytest.raises(FieldErrors) as branch:
        service.link_repository(store, acting(owner), secret, project,
                                url="https://github.com/acme/secret-app", branch="dev",
                                token="ghp_right")
    assert "branch" in branch.value.errors
    repo = service.link_repository(store, acting(owner), secret, project,
                                   url="https://github.com/acme/secret-app.git",
                                   token="ghp_right")
    assert repo["private"] and repo["owner"] == "acme" and repo["name"] == "secret-app"
    assert "ghp_right" not in json.dumps(repo, default=str)
    assert secrets.decrypt(secret, repo["token_enc"]) == "ghp_right"
    assert secrets.decrypt("another-key", repo["token_enc"]) is None
    sent = github.requests[-1]["headers"]
    assert sent["Authorization"] == "Bearer ghp_right"
    assert sent["Accept"] == "application/vnd.github+json"
    assert sent["X-Github-Api-Version"] == "2022-11-28"
    assert store.first("audit_logs", [Query.equal("action", "github_repository_linked")])


def test_sync_pages_links_items_and_stops_at_known(store, owner, project, make, github,
                                                   secret):
    first, second = make("Login page"), make("Signup page")
    history = commits(230)
    history[5] = commit("a" * 40, f"Fix {first['key']} layout\n\nAlso {second['key']}")
    history[150] = commit("b" * 40, f"Refs {second['key']}")
    github.add(Repo("acme", "web", branches={"main": history}))
    repo = service.link_repository(store, acting(owner), secret, project,
                                   url="https://github.com/acme/web")
    assert service.sync_commits(store, secret, repo["$id"], owner["$id"]) == 230
    pages = [r for r in github.requests if r["path"].endswith("/commits")]
    assert len(pages) == 3 and pages[0]["args"] == {"sha": "main", "per_page": "100"}
    assert pages[2]["args"]["page"] == "3"
    after = store.get("github_repositories", repo["$id"])
    assert after["sync_state"] == "DONE" and after["sync_done"] == 230
    assert after["last_synced_at"] is not None
    assert [r["ref"] for r in service.refs_for_item(store, first["$id"])] == ["a" * 40]
    assert {r["ref"] for r in service.refs_for_item(store, second["$id"])} == {"a" * 40,
                                                                              "b" * 40}
    assert store.count("code_refs", [Query.equal("repository_id", repo["$id"])]) == 230
    usage = store.first("ai_usage", [Query.equal("operation", "sync")])
    assert usage["units"] == 5 and usage["module"] == "github"
    # a second sync reads one page and stops at the first commit it already has
    github.repos["acme/web"].branches["main"].insert(0, commit("c" * 40, f"{first['key']}"))
    github.requests.clear()
    assert service.sync_commits(store, secret, repo["$id"]) == 1
    assert len([r for r in github.requests if r["path"].endswith("/commits")]) == 1
    assert len(service.refs_for_item(store, first["$id"])) == 2


@pytest.mark.parametrize(("status", "headers", "text", "state"), [
    (403, {"X-RateLimit-Remaining": "0"}, "rate limit", "CONNECTED"),
    (502, {}, "not answering", "CONNECTED"),
    (404, {}, "cannot find", "ERROR"),
])
def test_sync_failures_are_reported(store, owner, project, github, secret, status, headers,
                                    text, state):
    github.add(Repo("acme", "web", branches={"main": commits(3)}))
    repo = service.link_repository(store, acting(owner), secret, project,
                                   url="https://github.com/acme/web")
    github.fail_next(status, headers)
    assert service.sync_commits(store, secret, repo["$id"]) == 0
    after = store.get("github_repositories", repo["$id"])
    assert after["sync_state"] == "FAILED" and text in after["sync_message"]
    assert after["status"] == state


def test_unreachable_github_is_a_field_error(store, owner, project, secret, monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")
    with pytest.raises(FieldErrors) as down:
        service.link_repository(store, acting(owner), secret, project,
                                url="https://github.com/acme/web")
    assert "could not be reached" in down.value.errors["url"]


def _delivery(event, payload, secret_value):
    body = json.dumps(payload).encode()
    return {"event": event, "signature": sign(secret_value, body), "body": body}


def test_webhook_signature_push_and_pull_request(store, owner, project, make, github, secret):
    item = make("Checkout")
    github.add(Repo("acme", "web", branches={"main": []}))
    repo = service.link_repository(store, acting(owner), secret, project,
                                   url="https://github.com/acme/web")
    hook_secret = service.webhook_secret(repo, secret)
    push = {"ref": "refs/heads/main", "commits": [
        {"id": "d" * 40, "message": f"{item['key']}: pay button", "url": "https://x/d",
         "timestamp": "2026-12-02T10:00:00Z", "author": {"name": "Ada", "username": "ada"}}]}
    with pytest.raises(webhook.BadDelivery) as bad:
        webhook.handle(store, secret, repo["$id"], event="push", body=json.dumps(push).encode(),
                       signature=sign("not-the-secret", json.dumps(push).encode()))
    assert bad.value.status == 401
    with pytest.raises(webhook.BadDelivery) as missing:
        webhook.handle(store, secret, repo["$id"], event="push", signature=None, body=b"{}")
    assert missing.value.status == 401
    assert store.count("code_refs", []) == 0
    assert webhook.handle(store, secret, repo["$id"], **_delivery("push", push, hook_secret))[
        "saved"] == 1
    other_branch = {**push, "ref": "refs/heads/feature"}
    assert "ignored" in webhook.handle(store, secret, repo["$id"],
                                       **_delivery("push", other_branch, hook_secret))
    pr = {"action": "opened", "pull_request": {
        "number": 7, "title": "Checkout flow", "body": "Closes nothing", "state": "open",
        "merged": False, "html_url": "https://x/pull/7", "user": {"login": "ada"},
        "updated_at": "2026-12-02T11:00:00Z", "head": {"ref": f"feature/{item['key']}-pay"}}}
    webhook.handle(store, secret, repo["$id"], **_delivery("pull_request", pr, hook_secret))
    refs = service.refs_for_item(store, item["$id"])
    assert [(r["kind"], r["ref"]) for r in refs] == [("PULL_REQUEST", "7"), ("COMMIT", "d" * 40)]
    pr["pull_request"]["merged"] = True
    webhook.handle(store, secret, repo["$id"], **_delivery("pull_request", pr, hook_secret))
    assert service.refs_for_item(store, item["$id"])[0]["state"] == "merged"
    assert store.count("code_ref_links", []) == 2


def test_code_tab_link_sync_webhook_routes(client, store, owner, project, make, github,
                                           editor, viewer):
    item = make("Search box")
    github.add(Repo("acme", "web", branches={"main": [commit("e" * 40, f"{item['key']} done")]}))
    login_as(client, owner)
    page = client.get(code_url(project))
    assert page.status_code == 200 and "Link a repository" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    bad = client.post(f"{code_url(project)}/link", data={"csrf_token": token,
                                                          "url": "nope", "branch": "main"})
    assert bad.status_code == 422 and "github.com repository URL" in bad.get_data(as_text=True)
    ok = client.post(f"{code_url(project)}/link", data={
        "csrf_token": token, "url": "https://github.com/acme/web", "branch": "main"})
    assert ok.status_code == 303
    linked = client.get(code_url(project)).get_data(as_text=True)
    assert "acme/web" in linked and "Not synced yet." in linked and "Payload URL" in linked
    synced = client.post(f"{code_url(project)}/sync", data={"csrf_token": token},
                         headers={"HX-Request": "true"})
    assert synced.status_code == 200 and "1 new commit" in synced.get_data(as_text=True)
    assert "Synced" in client.get(f"{code_url(project)}/status").get_data(as_text=True)
    item_page = client.get(f"/w/{project['workspace_id']}/projects/{project['$id']}/items/"
                           f"{item['$id']}").get_data(as_text=True)
    assert "Development" in item_page and "eeeeeee" in item_page
    repo = service.repository_of(store, project["$id"])
    hook = f"/integrations/github/hooks/{repo['$id']}"
    anon = client.application.test_client()
    body = json.dumps({"zen": "hi"}).encode()
    refused = anon.post(hook, data=body, headers={"X-GitHub-Event": "ping",
                                                  "X-Hub-Signature-256": "sha256=00"})
    assert refused.status_code == 401
    good = anon.post(hook, data=body, headers={
        "X-GitHub-Event": "ping", "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(service.webhook_secret(repo, client.application.extensions[
            "keel.runtime"].settings.secret_key), body)})
    assert good.status_code == 200 and good.get_json()["event"] == "ping"
    assert anon.post("/integrations/github/hooks/missing", data=body).status_code == 404
    # the viewer reads the tab but cannot sync or link; the editor (MEMBER) may sync
    login_as(client, viewer)
    seen = client.get(code_url(project)).get_data(as_text=True)
    assert "Sync commits" not in seen and "Payload URL" not in seen
    login_as(client, editor)
    page = client.get(code_url(project)).get_data(as_text=True)
    assert "Sync commits" in page and "Unlink repository" not in page
    login_as(client, owner)
    token = csrf_from(client.get(code_url(project)).get_data(as_text=True))
    assert client.post(f"{code_url(project)}/unlink",
                       data={"csrf_token": token}).status_code == 303
    assert store.count("code_refs", []) == 0 and service.repository_of(
        store, project["$id"]) is None
    with pytest.raises(Refused):
        service.request_sync(store, project)



def test_one_sync_at_a_time(store, owner, project, github, secret):
    github.add(Repo("acme", "web", branches={"main": []}))
    service.link_repository(store, acting(owner), secret, project,
                            url="https://github.com/acme/web")
    assert service.request_sync(store, project)["sync_state"] == "QUEUED"
    with pytest.raises(Refused) as busy:
        service.request_sync(store, project)
    assert busy.value.code == "SYNC_RUNNING"
