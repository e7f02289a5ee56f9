"""Notification pages in Chromium: the inbox (filter, mark read, delete, mute), the
preferences matrix, and project webhooks (create, test event against a local receiver,
delivery log). Screenshots in light, dark and at 360 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.doubles.webhook_receiver import WebhookReceiver

from .conftest import ConsoleLog, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "correct horse battery"


def _store(live_server: LiveServer) -> Any:
    return live_server.app.extensions["keel.runtime"].store


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, Any]:
    from webapp.audit import Acting
    from webapp.features.items import service as items
    from webapp.features.notifications import events
    from webapp.features.projects import service as projects
    from webapp.storage.query import Query

    store = _store(live_server)
    owner = live_server.make_user("inboxowner@example.com", PASSWORD, name="Ina Box",
                                  workspace="Inbox works")
    workspace = store.first("workspaces", [Query.equal("owner_id", owner["$id"])])
    acting = Acting.of(owner)
    project = projects.create_project(store, acting, workspace["$id"], creator_id=owner["$id"],
                                      name="Mailroom", key="MRM", board_type="KANBAN")
    item = items.create_item(store, acting, project, title="Sort the post",
                             reporter_id=owner["$id"])
    for kind, title in ((events.ASSIGNED, "Task Assigned to You"),
                        (events.MENTION, "You were mentioned"),
                        (events.OVERDUE, "⚠️ Overdue: Sort the post")):
        store.create("notifications", {
            "user_id": owner["$id"], "workspace_id": workspace["$id"],
            "project_id": project["$id"], "item_id": item["$id"], "type": kind,
            "kind": "task_updated", "group": events.GROUP_OF[kind], "title": title,
            "message": f'Someone did something to "Sort the post" ({kind.lower()})',
            "link": f"/w/{workspace['$id']}/projects/{project['$id']}/items/{item['$id']}",
            "metadata": {"item_key": item["key"]}})
    return {"owner": owner, "project": project, "workspace": workspace, "item": item}


def _sign_in(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill("inboxowner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))


def _deliver_now(live_server: LiveServer) -> None:
    """Attempt the queued deliveries in this process, where private addresses are allowed
    (a session's RQ worker, started by other browser tests, refuses the loopback receiver
    and leaves the delivery for a retry; this is that retry, early)."""
    from webapp.features.notifications import webhooks
    from webapp.storage.query import Query

    store = _store(live_server)
    for delivery in store.list("webhook_deliveries", [
            Query.equal("state", ["pending", "retrying"])]).documents:
        webhooks.attempt(store, delivery["$id"], allow_private=True)


def _quiet(console: ConsoleLog) -> None:
    assert not console.csp_violations, "\n".join(console.csp_violations)
    assert not console.errors, "\n".join(console.errors)


def test_inbox_and_preferences(page, console, snap, live_server, world):
    _sign_in(page)
    page.goto("/account/notifications")
    expect(page.locator("#notifications-bell")).to_have_attribute("data-unread", "3")
    snap(page, "notifications-inbox")
    first = page.locator(".notif", has_text="You were mentioned")
    first.get_by_role("button", name="Mark read").click()
    expect(page.locator("#notifications-bell")).to_have_attribute("data-unread", "2")
    page.get_by_role("link", name="Unread (2)").click()
    expect(page.locator(".notif")).to_have_count(2)
    page.locator(".notif", has_text="Overdue").get_by_role("button", name="Delete").click()
    expect(page.locator(".notif")).to_have_count(1)
    page.emulate_media(color_scheme="dark")
    snap(page, "notifications-inbox-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 360, "height": 740})
    snap(page, "notifications-inbox-360")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/account/notifications/preferences")
    page.locator("#pref-mentions-email").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("#pref-mentions-email")).not_to_be_checked()
    expect(page.locator("#pref-comments-email")).to_be_checked()
    snap(page, "notifications-preferences")
    _quiet(console)


def test_webhooks_page_create_and_test_send(page, console, snap, live_server, world):
    live_server.settings.webhooks_allow_private = True
    base = f"/w/{world['workspace']['$id']}/projects/{world['project']['$id']}/webhooks"
    try:
        with WebhookReceiver() as receiver:
            _sign_in(page)
            page.goto(base)
            page.get_by_role("button", name="Add webhook").click()
            expect(page.locator(".field__error, .form__error").first).to_be_visible()
            page.get_by_label("Name").fill("Build bot")
            page.get_by_label("Payload URL").fill(receiver.url)
            page.get_by_role("button", name="Add webhook").click()
            page.locator("[data-secret]").wait_for()
            page.get_by_role("button", name="Send test event").click()
            page.locator("tr[data-delivery]").first.wait_for()
            _deliver_now(live_server)
            page.reload()
            assert len(receiver.requests) == 1
            assert receiver.requests[0].headers["webhook-signature"].startswith("v1,")
            expect(page.locator("tr[data-delivery]").first).to_contain_text("success")
            snap(page, "webhooks-page")
    finally:
        live_server.settings.webhooks_allow_private = False
    console.errors[:] = [e for e in console.errors if "422" not in e]  # the invalid form
    _quiet(console)
