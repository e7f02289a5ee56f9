"""The dispatcher through the real item services: recipients, self-actions, mutes,
preferences, rollbacks, failing channels, and the e-mail digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobs import notifications as jobs
from jobs.context import bound
from webapp.features.items.service import StaleEdit, delete_item, update_item
from webapp.features.notifications import events, prefs
from webapp.features.notifications import mail as notification_mail
from webapp.storage.query import Query

from ..workspaces.helpers import acting


def inbox(store: Any, user: dict[str, Any]) -> list[dict[str, Any]]:
    """The user's work item notifications, oldest first."""
    return [r for r in store.list("notifications", [
        Query.equal("user_id", user["$id"]), Query.order_asc("$createdAt")]).documents
        if r["group"] != "members"]


def edit(store: Any, user: Any, project: Any, item: Any, actor: Any, **changes: Any) -> Any:
    current = store.get("work_items", item["$id"])
    return update_item(store, acting(user), project, item["$id"], changes,
                       expected_version=current["version"], actor=actor)


def test_assigning_notifies_the_new_assignee_once(store, owner, editor, project, make,
                                                   owner_actor):
    item = make("Write docs")
    edit(store, owner, project, item, owner_actor, assignee_ids=[editor["$id"]])
    rows = inbox(store, editor)
    assert [r["type"] for r in rows] == [events.ASSIGNED]
    row = rows[0]
    assert row["title"] == "Task Assigned to You"
    assert row["message"] == f'{owner["name"]} assigned you to "Write docs"'
    assert row["kind"] == "task_assigned" and not row["is_read"]
    base = f"/w/{project['workspace_id']}/projects/{project['$id']}"
    assert row["link"] == f"{base}/items/{item['$id']}"
    assert row["email_state"] == "pending"
    assert inbox(store, owner) == []  # the actor's own action is suppressed


def test_status_change_reaches_assignees_and_reporter(store, owner, editor, project, make,
                                                      owner_actor):
    item = make("Ship", assignee_ids=[editor["$id"]])
    prefs.save(store, acting(owner), owner["$id"], channels={}, self_suppression=False)
    edit(store, owner, project, item, owner_actor, status="ASSIGNED")
    assert [r["type"] for r in inbox(store, editor)][-1] == events.STATUS_CHANGED
    mine = [r for r in inbox(store, owner) if r["type"] == events.STATUS_CHANGED]
    assert len(mine) == 1  # suppression off: the reporter hears of their own change
    assert "to ASSIGNED" in mine[0]["message"]


def test_self_actions_are_dropped_by_default(store, owner, project, make, owner_actor):
    item = make("Mine", assignee_ids=[owner["$id"]])
    edit(store, owner, project, item, owner_actor, priority="HIGH")
    assert inbox(store, owner) == []


def test_muted_item_and_project_are_silent(store, owner, editor, project, make, owner_actor):
    one = make("One", assignee_ids=[editor["$id"]])
    two = make("Two", assignee_ids=[editor["$id"]])
    before = len(inbox(store, editor))
    prefs.set_muted(store, editor["$id"], item_id=one["$id"], muted=True)
    edit(store, owner, project, one, owner_actor, priority="HIGH")
    assert len(inbox(store, editor)) == before
    edit(store, owner, project, two, owner_actor, priority="HIGH")
    assert len(inbox(store, editor)) == before + 1
    prefs.set_muted(store, editor["$id"], project_id=project["$id"], muted=True)
    edit(store, owner, project, two, owner_actor, priority="LOW")
    assert len(inbox(store, editor)) == before + 1


def test_in_app_off_keeps_the_row_read_and_email_off_sends_nothing(store, owner, editor,
                                                                   project, make, owner_actor):
    channels = {g: {"in_app": g != "updates", "email": False, "push": True}
                for g in events.GROUPS}
    prefs.save(store, acting(editor), editor["$id"], channels=channels, self_suppression=True)
    item = make("Quiet", assignee_ids=[editor["$id"]])
    edit(store, owner, project, item, owner_actor, priority="URGENT")
    row = next(r for r in inbox(store, editor) if r["type"] == events.PRIORITY_CHANGED)
    assert row["is_read"] is True and row["email_state"] == "none"


def test_mentions_in_the_description_notify_the_mentioned(store, owner, editor, project, make,
                                                          owner_actor):
    item = make("Review")
    handle = editor["email"].split("@")[0]
    edit(store, owner, project, item, owner_actor, description=f"Please look, @{handle}")
    mention = [r for r in inbox(store, editor) if r["type"] == events.MENTION]
    assert len(mention) == 1 and mention[0]["kind"] == "task_mention"


def test_a_rolled_back_write_emits_nothing(store, owner, editor, project, make, owner_actor):
    item = make("Race", assignee_ids=[editor["$id"]])
    before = len(inbox(store, editor))
    with pytest.raises(StaleEdit):
        update_item(store, acting(owner), project, item["$id"], {"priority": "HIGH"},
                    expected_version=99, actor=owner_actor)
    with pytest.raises(RuntimeError), store.transaction():
        events.emit(store, events.UPDATED, actor_id=owner["$id"], item=item, project=project)
        raise RuntimeError("rolled back")
    assert len(inbox(store, editor)) == before


def test_a_failing_sink_breaks_neither_the_write_nor_the_notification(
        store, owner, editor, project, make, owner_actor):
    calls: list[str] = []

    def broken(store: Any, event: Any, rows: Any) -> None:
        calls.append(event.type)
        raise RuntimeError("channel down")

    events.register_sink(broken)
    try:
        item = make("Robust", assignee_ids=[editor["$id"]])
        after = edit(store, owner, project, item, owner_actor, priority="HIGH")
    finally:
        events._SINKS.remove(broken)
    assert after["priority"] == "HIGH"
    assert events.PRIORITY_CHANGED in calls
    assert any(r["type"] == events.PRIORITY_CHANGED for r in inbox(store, editor))


def test_delete_notifies_assignees(store, owner, editor, project, make):
    item = make("Gone", assignee_ids=[editor["$id"]])
    delete_item(store, acting(owner), project, item["$id"])
    row = inbox(store, editor)[-1]
    assert row["type"] == events.DELETED and row["link"].endswith("/board")


def test_digest_turns_a_burst_into_one_mail(store, owner, editor, project, make, owner_actor,
                                            runtime, settings):
    from tests.identity.conftest import outbox_messages, text_of

    item = make("Burst", assignee_ids=[editor["$id"]])
    edit(store, owner, project, item, owner_actor, priority="HIGH")
    edit(store, owner, project, item, owner_actor, status="ASSIGNED")
    pending = [r for r in inbox(store, editor) if r["email_state"] == "pending"]
    assert len(pending) >= 2
    assert len({r["email_due_at"] for r in pending}) == 1  # one window for the item
    with bound(runtime):
        assert jobs.send_notification_mail() == 0  # the window is still open
    later = datetime.now(UTC) + timedelta(minutes=2)
    sent = notification_mail.send_due(store, runtime.mailer, later,
                                      base_url=settings.base_url, secret=settings.secret_key)
    assert sent == 3  # the digest, and the two membership mails of the fixture
    mails = [m for m in outbox_messages(settings) if "updates on" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == editor["email"]
    body = text_of(mails[0])
    assert "Priority Changed" in body and "Task Status Updated" in body
    assert "/auth/unsubscribe/" in body
    assert mails[0]["List-Unsubscribe"].startswith("<http://localhost/auth/unsubscribe/")
    assert all(r["email_state"] == "sent" for r in inbox(store, editor)
               if r["$id"] in {p["$id"] for p in pending})
    assert notification_mail.send_due(store, runtime.mailer, later, base_url="x",
                                      secret="y") == 0


def test_joining_a_project_and_workspace_notifies_the_member(store, owner, editor, project):
    rows = store.list("notifications", [Query.equal("user_id", editor["$id"]),
                                        Query.equal("group", "members")]).documents
    kinds = {r["type"] for r in rows}
    assert {events.WORKSPACE_MEMBER_ADDED, events.PROJECT_MEMBER_ADDED} <= kinds
    added = next(r for r in rows if r["type"] == events.PROJECT_MEMBER_ADDED)
    assert added["message"] == f'{owner["name"]} added you to the project "Website"'
    assert added["link"].endswith(f"/projects/{project['$id']}/board")
