"""The dispatcher: one event → recipients → in-app rows, pending e-mails, webhook deliveries.

Recipients (SYSTEM.md §5.1): assignees for most item events, the reporter for status,
completion, deletion and overdue, mentioned users for a mention, the targets the emitter
names (new assignees, a parent comment's author, a new member). Mentioned users are left
out of the generic comment notice (they get the mention). Per recipient: the actor's own
actions are dropped (self-action suppression, on by default), muted items/projects are
dropped, and the in-app row is always written; the in-app preference only decides whether
it rings the bell (off: written as read). An e-mail is marked pending with a due time one
digest window away, so several changes to one item within a minute become one mail
(``mail.py``). Project webhooks get one delivery per event (``webhooks.py``). Each step is
isolated: a failing channel is logged and never stops the others.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from webapp.features.notifications import events as ev
from webapp.features.notifications import prefs as prefs_mod
from webapp.features.notifications import texts
from webapp.features.notifications.events import Event
from webapp.storage.base import Document, DocumentStore
from webapp.storage.query import Query

log = logging.getLogger(__name__)

DIGEST_WINDOW = timedelta(seconds=60)

_ASSIGNEES = {
    ev.CREATED, ev.STATUS_CHANGED, ev.COMPLETED, ev.PRIORITY_CHANGED, ev.DUE_DATE_CHANGED,
    ev.COMMENT_ADDED, ev.ATTACHMENT_ADDED, ev.ATTACHMENT_DELETED, ev.UPDATED, ev.DUE_SOON,
    ev.OVERDUE, ev.DELETED,
}
_REPORTER = {ev.STATUS_CHANGED, ev.COMPLETED, ev.OVERDUE, ev.DELETED}


def recipients(event: Event) -> list[str]:
    """Who hears of ``event``, before preferences (actor included: suppression is a pref)."""
    item = event.item or {}
    out: list[str] = list(event.recipient_ids)
    if event.type in _ASSIGNEES:
        out += list(item.get("assignee_ids") or [])
    if event.type in _REPORTER and item.get("reporter_id"):
        out.append(str(item["reporter_id"]))
    if event.type == ev.MENTION:
        out += list(event.mentioned_ids)
    exclude = set(event.extra.get("exclude_user_ids") or ())
    if event.type == ev.COMMENT_ADDED:
        exclude |= set(event.mentioned_ids)
    return [u for u in dict.fromkeys(out) if u and u not in exclude]


def deliver(store: DocumentStore, event: Event) -> list[Document]:
    """Write the notifications of ``event`` and queue its webhooks; returns the rows written."""
    rows: list[Document] = []
    if event.type in ev.EVENT_TYPES:
        try:
            rows = notify(store, event)
        except Exception:
            log.exception("in-app notifications of %s failed", event.type)
    try:
        from webapp.features.notifications import webhooks

        webhooks.fan_out(store, event)
    except Exception:
        log.exception("webhook fan-out of %s failed", event.type)
    return rows


def notify(store: DocumentStore, event: Event) -> list[Document]:
    users = recipients(event)
    if not users:
        return []
    prefs = prefs_mod.get_many(store, users)
    known = store.get_many("users", users)
    rows: list[Document] = []
    title, message, link = texts.title(event), texts.summary(event), texts.link(event)
    for user_id in users:
        pref = prefs[user_id]
        if user_id not in known:
            continue
        if user_id == event.actor_id and pref.self_suppression:
            continue
        if pref.mutes(event.item_id, event.project_id):
            continue
        wants_mail = pref.wants(event.group, "email") and bool(known[user_id].get("email"))
        try:
            rows.append(store.create("notifications", {
                "user_id": user_id, "workspace_id": event.workspace_id,
                "project_id": event.project_id, "item_id": event.item_id,
                "type": event.type, "kind": texts.STORED_TYPES.get(event.type, "task_updated"),
                "group": event.group, "title": title, "message": message, "link": link,
                "triggered_by": event.actor_id,
                "is_read": not pref.wants(event.group, "in_app"),
                "metadata": _metadata(event),
                "email_state": "pending" if wants_mail else "none",
                "email_due_at": _due(store, user_id, event) if wants_mail else None,
            }))
        except Exception:  # one recipient's failure never stops the others
            log.exception("notification for %s failed", user_id)
    return rows


def _due(store: DocumentStore, user_id: str, event: Event) -> Any:
    """Join a pending digest of the same item, else open a new window."""
    if event.item_id:
        pending = store.first("notifications", [
            Query.equal("user_id", user_id), Query.equal("item_id", event.item_id),
            Query.equal("email_state", "pending"), Query.order_asc("email_due_at")])
        if pending is not None and pending.get("email_due_at"):
            return pending["email_due_at"]
    return event.at + DIGEST_WINDOW


def _metadata(event: Event) -> dict[str, Any]:
    item = event.item or {}
    return {
        "event_id": event.id, "actor_name": event.actor_name,
        "item_key": item.get("key"), "item_title": item.get("title"),
        "project_name": (event.project or {}).get("name"),
        "changes": {k: v for k, v in event.changes.items()
                    if k in ("status", "priority", "due_date", "assignee_ids", "title")},
        **{k: v for k, v in event.extra.items() if k in ("comment_excerpt", "file_name",
                                                          "amount_label")},
        **({"comment_excerpt": event.extra["excerpt"]} if event.extra.get("excerpt") else {}),
    }


def unread_count(store: DocumentStore, user_id: str) -> int:
    return store.count("notifications", [Query.equal("user_id", user_id),
                                         Query.equal("is_read", False)])
