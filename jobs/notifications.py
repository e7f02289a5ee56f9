"""Notification jobs: webhook deliveries and their persisted retries, the e-mail digests,
and the due-soon / overdue reminders.

Scheduled (``jobs/schedule.py``): ``send_notification_mail`` and ``retry_webhooks`` every
minute, ``due_reminders`` every 10 minutes. All are idempotent by period: a reminder is
claimed through a unique row per item, threshold and due date; a mail or delivery is
marked once it went out.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from jobs.context import runtime
from webapp.features.notifications import events, webhooks
from webapp.features.notifications import mail as notification_mail
from webapp.storage.errors import Conflict
from webapp.storage.query import Query

log = logging.getLogger(__name__)

DUE_SOON = timedelta(hours=24)
OVERDUE_LOOKBACK = timedelta(days=7)  # older overdue items were reminded or are stale
BATCH = 500


def deliver_webhook(delivery_id: str) -> str:
    """First attempt of a delivery (queued by the dispatcher); returns its state."""
    rt = runtime()
    delivery = rt.store.find("webhook_deliveries", delivery_id)
    if delivery is None or delivery["state"] not in ("pending", "retrying"):
        return "gone" if delivery is None else str(delivery["state"])
    if not webhooks.claim(rt.store, delivery, datetime.now(UTC)):
        return "claimed"
    return str(webhooks.attempt(rt.store, delivery_id,
                                allow_private=rt.settings.webhooks_allow_private)["state"])


def retry_webhooks() -> int:
    """Attempt every delivery whose retry (or first attempt) is due; returns how many."""
    rt = runtime()
    now = datetime.now(UTC)
    done = 0
    for delivery in webhooks.due_deliveries(rt.store, now):
        if webhooks.claim(rt.store, delivery, now):
            webhooks.attempt(rt.store, delivery["$id"],
                             allow_private=rt.settings.webhooks_allow_private)
            done += 1
    return done


def send_notification_mail() -> int:
    """Send the e-mail digests whose window has ended; returns the number of mails."""
    rt = runtime()
    return notification_mail.send_due(rt.store, rt.mailer, datetime.now(UTC),
                                      base_url=rt.settings.base_url,
                                      secret=rt.settings.secret_key)


def due_reminders(now: datetime | None = None) -> int:
    """Emit DUE_SOON (within 24 h) and OVERDUE once per item, threshold and due date."""
    rt = runtime()
    store = rt.store
    now = now or datetime.now(UTC)
    items = store.list("work_items", [
        Query.between("due_date", now - OVERDUE_LOOKBACK, now + DUE_SOON),
        Query.not_equal("status_category", "CLOSED"), Query.order_asc("due_date"),
        Query.limit(BATCH)]).documents
    projects = store.get_many("projects", list({i["project_id"] for i in items}))
    emitted = 0
    for item in items:
        due = item["due_date"]
        threshold = "overdue" if due <= now else "due_soon"
        try:
            store.create("due_reminders", {"item_id": item["$id"], "threshold": threshold,
                                           "due_at": due.isoformat()})
        except Conflict:
            continue
        kind = events.OVERDUE if threshold == "overdue" else events.DUE_SOON
        events.emit(store, kind, actor_id=None, actor_name="Keel", item=item,
                    project=projects.get(item["project_id"]))
        emitted += 1
    return emitted
