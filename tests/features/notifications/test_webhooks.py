"""Outgoing project webhooks against a local receiver: Standard Webhooks signatures (checked
with the standardwebhooks library), payload shapes, retries with backoff persisted in the
delivery log, automatic disabling, and the SSRF guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from jobs import notifications as jobs
from jobs.context import bound
from tests.doubles.webhook_receiver import WebhookReceiver
from webapp.features.items.service import update_item
from webapp.features.notifications import events, webhooks
from webapp.features.workspaces.errors import FieldErrors
from webapp.storage.query import Query

from ..workspaces.helpers import acting


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    with WebhookReceiver() as hook:
        yield hook


def hook_for(store: Any, owner: Any, project: Any, url: str, **kw: Any) -> dict[str, Any]:
    return webhooks.create_hook(store, acting(owner), project, name="CI", url=url,
                                events=kw.pop("events", list(webhooks.texts.HOOK_EVENTS)),
                                allow_private=True, **kw)


def deliveries(store: Any, hook: Any) -> list[dict[str, Any]]:
    return store.list("webhook_deliveries", [Query.equal("webhook_id", hook["$id"]),
                                             Query.order_asc("$createdAt")]).documents


@pytest.fixture
def private_ok(runtime: Any) -> None:
    runtime.settings.webhooks_allow_private = True


def test_a_created_item_is_delivered_signed(store, owner, project, make, receiver, private_ok):
    hook = hook_for(store, owner, project, receiver.url, events=["TASK_CREATED"])
    assert hook["secret"].startswith("whsec_")
    item = make("Signed")
    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)  # raises if invalid
    assert payload["event"] == "TASK_CREATED" and payload["projectId"] == project["$id"]
    assert payload["data"]["workitemKey"] == item["key"]
    assert payload["data"]["deepLinkUrl"].endswith(f"/items/{item['$id']}")
    assert payload["actor"]["userId"] == owner["$id"]
    assert got.headers["x-keel-event"] == "TASK_CREATED"
    [log] = deliveries(store, hook)
    assert log["state"] == "success" and log["response_status"] == 200
    assert log["attempts"][0]["status"] == 200 and log["next_attempt_at"] is None


def test_unselected_events_and_disabled_hooks_send_nothing(store, owner, project, make,
                                                            receiver, private_ok):
    hook_for(store, owner, project, receiver.url, events=["TASK_DELETED"])
    hook_for(store, owner, project, receiver.url, events=["TASK_CREATED"], enabled=False)
    make("Quiet")
    assert receiver.requests == []


def test_a_tampered_body_fails_verification(store, owner, project, make, receiver, private_ok):
    hook = hook_for(store, owner, project, receiver.url, events=["TASK_CREATED"])
    make("Tamper")
    got = receiver.requests[0]
    with pytest.raises(Exception):  # noqa: B017 (the library's own verification error)
        Webhook(hook["secret"]).verify(got.body.replace(b"Tamper", b"Tampex"), got.headers)


def test_failures_retry_with_backoff_then_succeed(store, owner, project, make, receiver,
                                                  runtime, private_ok):
    hook = hook_for(store, owner, project, receiver.url, events=["TASK_CREATED"])
    receiver.statuses = [500, 503]
    make("Flaky")
    [log] = deliveries(store, hook)
    assert log["state"] == "retrying" and log["attempt_count"] == 1
    delay = log["next_attempt_at"] - datetime.fromisoformat(log["attempts"][0]["at"])
    assert timedelta(seconds=55) < delay < timedelta(seconds=65)
    with bound(runtime):
        assert jobs.retry_webhooks() == 0  # not due yet
    store.update("webhook_deliveries", log["$id"], {"next_attempt_at": datetime.now(UTC)})
    with bound(runtime):
        assert jobs.retry_webhooks() == 1
    log = store.get("webhook_deliveries", log["$id"])
    assert log["state"] == "retrying" and log["attempt_count"] == 2
    assert log["next_attempt_at"] > datetime.now(UTC) + timedelta(minutes=9)
    store.update("webhook_deliveries", log["$id"], {"next_attempt_at": datetime.now(UTC)})
    with bound(runtime):
        jobs.retry_webhooks()
    log = store.get("webhook_deliveries", log["$id"])
    assert log["state"] == "success" and [a["status"] for a in log["attempts"]] == [500, 503,
                                                                                    200]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # same message id
    assert store.get("project_webhooks", hook["$id"])["failure_count"] == 0


def test_unreachable_endpoint_gives_up_after_six_attempts(store, owner, project, make,
                                                           runtime, private_ok):
    hook = hook_for(store, owner, project, "http://127.0.0.1:9/closed", events=["TASK_CREATED"])
    make("Nobody listens")
    [log] = deliveries(store, hook)
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        store.update("webhook_deliveries", log["$id"], {"next_attempt_at": datetime.now(UTC)})
        with bound(runtime):
            jobs.retry_webhooks()
    log = store.get("webhook_deliveries", log["$id"])
    assert log["state"] == "failed" and log["attempt_count"] == webhooks.MAX_ATTEMPTS
    assert log["response_status"] is None and "ConnectionError" in log["response_body"]


def test_repeated_failures_disable_the_hook_and_tell_the_admins(store, owner, project, make,
                                                                 receiver, private_ok):
    hook = hook_for(store, owner, project, receiver.url, events=["TASK_CREATED"])
    receiver.statuses = [500] * webhooks.DISABLE_AFTER
    for n in range(webhooks.DISABLE_AFTER):
        make(f"Fail {n}")
    hook = store.get("project_webhooks", hook["$id"])
    assert hook["enabled"] is False and "Disabled after" in hook["disabled_reason"]
    told = store.list("notifications", [Query.equal("user_id", owner["$id"]),
                                        Query.equal("title", "Webhook disabled")]).documents
    assert len(told) == 1
    make("After disable")
    assert len(receiver.requests) == webhooks.DISABLE_AFTER


def test_slack_and_discord_bodies() -> None:
    event = events.Event(type=events.CREATED, actor_id="u1", actor_name="Ann",
                         workspace_id="w1", project={"$id": "p1", "name": "Web"},
                         item={"$id": "i1", "key": "WEB-1", "title": "Hi", "project_id": "p1"})
    data = webhooks.payload("TASK_CREATED", event, "https://keel.example", None)
    slack = webhooks.body_for("https://hooks.slack.com/services/T/B/X", data)
    assert slack["text"].startswith("New Task Created") and slack["attachments"][0][
        "title_link"] == "https://keel.example/w/w1/projects/p1/items/i1"
    discord = webhooks.body_for("https://discord.com/api/webhooks/1/abc", data)
    assert discord["embeds"][0]["color"] == webhooks.COLOURS["TASK_CREATED"]
    assert set(webhooks.body_for("https://example.com/x", data)) >= {"event", "data", "embeds"}


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://localhost:8080/", "http://10.1.2.3/", "http://192.168.1.9/",
    "http://172.20.0.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
    "http://0.0.0.0/", "ftp://example.com/", "not a url",
])
def test_ssrf_guard_refuses_private_addresses(store, owner, project, url):
    with pytest.raises(FieldErrors) as exc:
        webhooks.create_hook(store, acting(owner), project, name="x", url=url,
                             events=["TASK_CREATED"])
    assert "url" in exc.value.errors


def test_ssrf_guard_rechecks_at_delivery(store, owner, project, make, receiver, runtime):
    hook = hook_for(store, owner, project, receiver.url, events=["TASK_CREATED"])
    runtime.settings.webhooks_allow_private = False
    make("Blocked")
    assert receiver.requests == []
    [log] = deliveries(store, hook)
    assert log["state"] == "retrying" and "not allowed" in log["response_body"]


def test_validation_messages(store, owner, project):
    with pytest.raises(FieldErrors) as exc:
        webhooks.create_hook(store, acting(owner), project, name="", url="https://x.invalid",
                             events=[])
    assert set(exc.value.errors) == {"name", "url", "events"}


def test_status_change_payload_carries_the_change(store, owner, project, make, receiver,
                                                  owner_actor, private_ok):
    hook = hook_for(store, owner, project, receiver.url, events=["STATUS_CHANGED"])
    item = make("Move me")
    update_item(store, acting(owner), project, item["$id"], {"status": "ASSIGNED"},
                expected_version=1, actor=owner_actor)
    body = json.loads(receiver.requests[-1].body)
    assert body["event"] == "STATUS_CHANGED"
    assert body["data"]["changes"]["status"] == ["TODO", "ASSIGNED"]
    assert Webhook(hook["secret"]).verify(receiver.requests[-1].body,
                                          receiver.requests[-1].headers)


def test_a_mention_rings_the_bell_mails_and_delivers_a_verified_webhook(
        store, owner, editor, project, make, receiver, owner_actor, runtime, settings,
        private_ok):
    """The issue's acceptance path, end to end through the services and the jobs."""
    from tests.identity.conftest import outbox_messages, text_of

    hook = hook_for(store, owner, project, receiver.url, events=["WORKITEM_MENTIONED"])
    item = make("Needs eyes")
    handle = editor["email"].split("@")[0]
    update_item(store, acting(owner), project, item["$id"],
                {"description": f"What do you think, @{handle}?"}, expected_version=1,
                actor=owner_actor)
    row = store.first("notifications", [Query.equal("user_id", editor["$id"]),
                                        Query.equal("type", events.MENTION)])
    assert row is not None and not row["is_read"]
    got = receiver.requests[-1]
    body = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert body["event"] == "WORKITEM_MENTIONED" and body["data"]["workitemId"] == item["$id"]
    from webapp.features.notifications import mail as notification_mail

    notification_mail.send_due(store, runtime.mailer, datetime.now(UTC) + timedelta(minutes=2),
                               base_url=settings.base_url, secret=settings.secret_key)
    mails = [m for m in outbox_messages(settings) if "You were mentioned" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == editor["email"]
    assert f"/items/{item['$id']}" in text_of(mails[0])
