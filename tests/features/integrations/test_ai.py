"""AI: workspace settings, the real google-genai client against the Gemini double (answers,
429, 5xx, timeouts, a bad key, an unconfigured workspace), billing suspension, compute
units, the project assistant with confirmed proposals, and duplicate detection."""

from __future__ import annotations

import pytest
from doubles.gemini_server import API_KEY

from webapp.features.integrations import secrets
from webapp.features.integrations.ai import assistant, duplicates, gemini
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.query import Query

from ..workspaces.helpers import acting, csrf_from, login_as


def call(store, secret, ws, user, **kw):
    return gemini.generate(store, secret, workspace=ws, user=user, operation="ai_suggestion",
                           prompt="Hello?", **kw)


def test_settings_are_validated_and_encrypted(store, owner, org_ws, secret):
    with pytest.raises(FieldErrors) as missing:
        gemini.save_settings(store, acting(owner), secret, org_ws, enabled=True,
                             model="gemini-2.5-flash-lite", api_key="")
    assert "api_key" in missing.value.errors
    with pytest.raises(FieldErrors) as model:
        gemini.save_settings(store, acting(owner), secret, org_ws, enabled=False,
                             model="gpt-4", api_key="")
    assert "model" in model.value.errors
    doc = gemini.save_settings(store, acting(owner), secret, org_ws, enabled=True,
                               model="gemini-2.5-flash", api_key=API_KEY)
    assert API_KEY not in str(doc) and secrets.decrypt(secret, doc["api_key_enc"]) == API_KEY
    kept = gemini.save_settings(store, acting(owner), secret, org_ws, enabled=False,
                                model="gemini-2.5-flash", api_key="")
    assert kept["api_key_enc"] == doc["api_key_enc"]
    conf = gemini.config(store, secret, org_ws["$id"])
    assert conf.api_key == API_KEY and not conf.ready
    audit = store.list("audit_logs", [Query.equal("action", "ai_settings_updated")])
    assert len(audit.documents) == 2 and API_KEY not in str(audit.documents)


def test_unconfigured_workspace_degrades(store, owner, org_ws, secret, gemini_server):
    with pytest.raises(gemini.AIUnavailable) as off:
        call(store, secret, org_ws, owner)
    assert off.value.code == "NOT_CONFIGURED" and "not set up" in off.value.message
    assert gemini_server.requests == [] and store.count("ai_usage", []) == 0


def test_answer_and_compute_units(store, owner, org_ws, secret, ai_on, gemini_server):
    gemini_server.reply("Use **In Review**.")
    assert call(store, secret, org_ws, owner, system="Be brief") == "Use **In Review**."
    sent = gemini_server.requests[-1]
    assert sent["key"] == API_KEY and sent["model"] == "gemini-2.5-flash-lite"
    assert sent["body"]["systemInstruction"]["parts"][0]["text"] == "Be brief"
    usage = store.first("ai_usage", [Query.equal("workspace_id", org_ws["$id"])])
    assert (usage["operation"], usage["units"], usage["base_units"]) == ("ai_suggestion", 5, 1)
    assert usage["user_id"] == owner["$id"]
    ledger = store.first("usage_events", [Query.equal("workspace_id", org_ws["$id"])])
    assert (ledger["resource"], ledger["operation"], ledger["quantity"], ledger["source"]) == (
        "compute", "ai_suggestion", 5000, "ai")


@pytest.mark.parametrize(("script", "code"), [
    (("fail", 429), "RATE_LIMITED"),
    (("fail", 500), "UNAVAILABLE"),
    (("fail", 503), "UNAVAILABLE"),
    (("stall", 1.5), "UNREACHABLE"),
])
def test_failures_degrade_without_metering(store, owner, org_ws, secret, ai_on, gemini_server,
                                           script, code):
    getattr(gemini_server, script[0])(script[1])
    with pytest.raises(gemini.AIUnavailable) as failed:
        call(store, secret, org_ws, owner)
    assert failed.value.code == code and failed.value.message
    assert store.count("ai_usage", []) == 0


def test_an_empty_answer_is_reported(store, owner, org_ws, secret, ai_on, gemini_server):
    gemini_server.reply("   ")
    with pytest.raises(gemini.AIUnavailable) as empty:
        call(store, secret, org_ws, owner)
    assert empty.value.code == "EMPTY"


def test_bad_key_and_unreachable(store, owner, org_ws, secret, monkeypatch):
    gemini.save_settings(store, acting(owner), secret, org_ws, enabled=True,
                         model="gemini-2.5-flash-lite", api_key="AIzaWrongKey-000000")
    with pytest.raises(gemini.AIUnavailable) as bad:
        call(store, secret, org_ws, owner)
    assert bad.value.code == "BAD_KEY"
    monkeypatch.setenv("GEMINI_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(gemini.AIUnavailable) as down:
        call(store, secret, org_ws, owner)
    assert down.value.code == "UNREACHABLE"


def test_suspended_billing_refuses_before_calling(store, owner, org_ws, secret, ai_on,
                                                  gemini_server):
    from webapp.features.billing.accounts import account_for_workspace

    account = account_for_workspace(store, org_ws)
    store.update("billing_accounts", account["$id"], {"status": "SUSPENDED"})
    with pytest.raises(Refused) as refused:
        call(store, secret, org_ws, owner)
    assert refused.value.code == "BILLING_SUSPENDED" and refused.value.status == 403
    assert "unpaid invoice" in refused.value.message
    assert gemini_server.requests == [] and store.count("ai_usage", []) == 0
    store.update("billing_accounts", account["$id"], {"status": "ACTIVE"})
    assert call(store, secret, org_ws, owner)


def test_assistant_context_answer_and_proposals(store, owner, org_ws, project, make, secret,
                                                ai_on, gemini_server):
    bug = make("Checkout crashes on Safari", type="BUG", assignee_ids=[owner["$id"]])
    gemini_server.reply({"answer": f"{bug['key']} is the open bug.", "proposals": [
        {"action": "create", "title": "Add Safari to CI", "type": "TASK", "priority": "HIGH"},
        {"action": "update", "key": bug["key"], "title": "Checkout crashes on Safari 17",
         "priority": "URGENT"},
        {"action": "update", "key": "WEB-999", "title": "Ghost"},
        {"action": "create", "title": "  "}]})
    answer = assistant.ask(store, secret, workspace=org_ws, project=project, user=owner,
                           question="What bugs are open?")
    prompt = gemini_server.prompts()[-1]
    assert bug["key"] in prompt and "open items assigned: 1" in prompt
    assert f"<p>{bug['key']} is the open bug.</p>" in answer.html
    assert [(p.action, p.title) for p in answer.proposals] == [
        ("create", "Add Safari to CI"), ("update", "Checkout crashes on Safari 17")]
    assert answer.proposals[1].item["$id"] == bug["$id"]
    assert store.count("work_items", []) == 1  # nothing written by asking


def test_assistant_pages_confirm_proposals(client, store, owner, org_ws, project, make, ai_on,
                                           gemini_server, viewer):
    bug = make("Slow search")
    base = f"/w/{org_ws['$id']}/projects/{project['$id']}/assistant"
    login_as(client, owner)
    page = client.get(base)
    token = csrf_from(page.get_data(as_text=True))
    gemini_server.reply({"answer": "Proposed.", "proposals": [
        {"action": "create", "title": "Index titles", "type": "STORY", "priority": "HIGH"}]})
    asked = client.post(f"{base}/ask", data={"csrf_token": token, "question": "Plan it"},
                        headers={"HX-Request": "true"})
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Index titles" in body and "Create item" in body
    assert 'id="assistant-answer"' in body and "<html" not in body
    made = client.post(f"{base}/create", data={"csrf_token": token, "title": "Index titles",
                                               "type": "STORY", "priority": "HIGH"})
    assert made.status_code == 303
    created = store.first("work_items", [Query.equal("title", "Index titles")])
    assert created["type"] == "STORY" and created["priority"] == "HIGH"
    audit = store.first("audit_logs", [Query.equal("resource_id", created["$id"])])
    assert audit["metadata"]["source"] == "ai_assistant"
    changed = client.post(f"{base}/update", data={
        "csrf_token": token, "item_id": bug["$id"], "version": "1", "title": "Slow search (p95)",
        "priority": "URGENT"})
    assert changed.status_code == 303
    assert store.get("work_items", bug["$id"])["title"] == "Slow search (p95)"
    stale = client.post(f"{base}/update", data={
        "csrf_token": token, "item_id": bug["$id"], "version": "1", "title": "Again",
        "priority": "LOW"})
    assert stale.status_code == 409
    gemini_server.fail(429)
    busy = client.post(f"{base}/ask", data={"csrf_token": token, "question": "Again?"},
                       headers={"HX-Request": "true"})
    assert busy.status_code == 200 and "rate limit" in busy.get_data(as_text=True)
    login_as(client, viewer)
    token = csrf_from(client.get(base).get_data(as_text=True))
    assert client.post(f"{base}/create", data={"csrf_token": token,
                                               "title": "x"}).status_code == 403


def test_unconfigured_assistant_page_says_so(client, owner, org_ws, project):
    login_as(client, owner)
    page = client.get(f"/w/{org_ws['$id']}/projects/{project['$id']}/assistant")
    assert "AI assistance is not set up for this workspace." in page.get_data(as_text=True)


def test_settings_page(client, store, owner, org_ws, secret, viewer):
    url = f"/w/{org_ws['$id']}/settings/ai"
    login_as(client, owner)
    token = csrf_from(client.get(url).get_data(as_text=True))
    bad = client.post(url, data={"csrf_token": token, "enabled": "y",
                                 "model": "gemini-2.5-flash-lite"})
    assert bad.status_code == 422 and "Add an API key" in bad.get_data(as_text=True)
    ok = client.post(url, data={"csrf_token": token, "enabled": "y", "api_key": API_KEY,
                                "model": "gemini-2.5-flash-lite"})
    assert ok.status_code == 303
    shown = client.get(url).get_data(as_text=True)
    assert API_KEY not in shown and API_KEY[-4:] in shown and "On</span>" in shown
    login_as(client, viewer)
    assert client.get(url).status_code == 403


def test_duplicates(client, store, owner, project, make):
    make("Login page shows a blank screen on Safari")
    make("Export invoices as CSV")
    make("Dark mode for the settings page")
    found = duplicates.similar_items(store, project["$id"], "Blank screen on login page (Safari)")
    assert [m.item["title"] for m in found][:1] == ["Login page shows a blank screen on Safari"]
    assert duplicates.similar_items(store, project["$id"], "Quarterly tax report") == []
    assert duplicates.similar_items(store, project["$id"], "   ") == []
    login_as(client, owner)
    url = f"/w/{project['workspace_id']}/projects/{project['$id']}"
    new_page = client.get(f"{url}/items/new").get_data(as_text=True)
    assert 'id="item-similar"' in new_page
    hint = client.get(f"{url}/similar-items", query_string={"title": "export invoices csv"},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Possible duplicates" in hint and "Export invoices as CSV" in hint
    assert "Possible duplicates" not in client.get(
        f"{url}/similar-items", query_string={"title": "unrelated words"}).get_data(as_text=True)


def test_pages_refuse_a_suspended_account(client, store, owner, org_ws, project, ai_on,
                                          gemini_server):
    from webapp.features.billing.accounts import account_for_workspace

    base = f"/w/{org_ws['$id']}/projects/{project['$id']}/assistant"
    login_as(client, owner)
    token = csrf_from(client.get(base).get_data(as_text=True))
    account = account_for_workspace(store, org_ws)
    store.update("billing_accounts", account["$id"], {"status": "SUSPENDED"})
    refused = client.post(f"{base}/ask", data={"csrf_token": token, "question": "Status?"},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 403
    assert 'data-error-message="Your account has been suspended' in refused.get_data(
        as_text=True)
    assert gemini_server.requests == []
