"""Due-soon (within 24 h) and overdue reminders: once per item, threshold and due date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jobs import notifications as jobs
from webapp.features.notifications import events
from webapp.storage.query import Query


def reminders(store: Any, user: Any) -> list[str]:
    return [r["type"] for r in store.list("notifications", [
        Query.equal("user_id", user["$id"]), Query.equal("group", "due"),
        Query.order_asc("$createdAt")]).documents]


def test_due_soon_then_overdue_once_each(store, owner, editor, project, make):
    now = datetime.now(UTC).replace(microsecond=0)
    item = make("Deadline", assignee_ids=[editor["$id"]], due_date=now + timedelta(hours=5))
    make("Far away", assignee_ids=[editor["$id"]], due_date=now + timedelta(days=3))
    done = make("Closed", assignee_ids=[editor["$id"]], due_date=now + timedelta(hours=1))
    store.update("work_items", done["$id"], {"status_category": "CLOSED"})
    assert jobs.due_reminders(now) == 1
    assert jobs.due_reminders(now + timedelta(minutes=10)) == 0  # once per threshold
    assert reminders(store, editor) == [events.DUE_SOON]
    assert jobs.due_reminders(now + timedelta(hours=6)) == 1
    assert jobs.due_reminders(now + timedelta(hours=7)) == 0
    assert reminders(store, editor) == [events.DUE_SOON, events.OVERDUE]
    rows = store.list("notifications", [Query.equal("user_id", editor["$id"]),
                                        Query.equal("type", events.OVERDUE)]).documents
    assert rows[0]["title"] == "⚠️ Overdue: Deadline" and rows[0]["item_id"] == item["$id"]
    # the reporter (the owner) hears of the overdue item too; the system is the actor
    assert events.OVERDUE in reminders(store, owner)


def test_a_new_due_date_gets_its_own_reminder(store, owner, editor, project, make):
    now = datetime.now(UTC).replace(microsecond=0)
    item = make("Moved deadline", assignee_ids=[editor["$id"]],
                due_date=now + timedelta(hours=2))
    assert jobs.due_reminders(now) == 1
    store.update("work_items", item["$id"], {"due_date": now + timedelta(hours=20)})
    assert jobs.due_reminders(now) == 1
    assert reminders(store, editor) == [events.DUE_SOON, events.DUE_SOON]
