"""Domain events of Keel and how services emit them (no Flask).

A service calls ``emit`` inside or after its transaction::

    from webapp.features.notifications import events
    events.emit(store, events.STATUS_CHANGED, actor_id=acting.user_id, item=after,
                project=project, changes={"status": ["TODO", "DONE"]})

The event is dispatched only after the outermost transaction commits
(``store.after_commit``): a rolled-back write emits nothing, and a failing dispatcher or
channel is logged and never reaches the request. Inside a web request the dispatch waits
until the response has been sent (``set_runner``; see ``live.py``). Dispatch writes the
in-app notifications and queues e-mails and webhook deliveries (``dispatcher.py``), then
runs the sinks other parts register with ``register_sink`` (the live pushes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from webapp.storage.base import Document, DocumentStore, new_id

log = logging.getLogger(__name__)

# -- event types (SYSTEM.md §5.2) ----------------------------------------------------------
CREATED = "WORKITEM_CREATED"
ASSIGNED = "WORKITEM_ASSIGNED"
UNASSIGNED = "WORKITEM_UNASSIGNED"
STATUS_CHANGED = "WORKITEM_STATUS_CHANGED"
COMPLETED = "WORKITEM_COMPLETED"
DELETED = "WORKITEM_DELETED"
UPDATED = "WORKITEM_UPDATED"
PRIORITY_CHANGED = "WORKITEM_PRIORITY_CHANGED"
DUE_DATE_CHANGED = "WORKITEM_DUE_DATE_CHANGED"
DUE_SOON = "WORKITEM_DUE_DATE_APPROACHING"
OVERDUE = "WORKITEM_OVERDUE"
COMMENT_ADDED = "WORKITEM_COMMENT_ADDED"
MENTION = "WORKITEM_MENTION"
REPLY = "WORKITEM_REPLY"
ATTACHMENT_ADDED = "WORKITEM_ATTACHMENT_ADDED"
ATTACHMENT_DELETED = "WORKITEM_ATTACHMENT_DELETED"
WORKSPACE_MEMBER_ADDED = "WORKSPACE_MEMBER_ADDED"
WORKSPACE_MEMBER_REMOVED = "WORKSPACE_MEMBER_REMOVED"
WORKSPACE_ROLE_CHANGED = "WORKSPACE_ROLE_CHANGED"
PROJECT_UPDATED = "PROJECT_UPDATED"
PROJECT_MEMBER_ADDED = "PROJECT_MEMBER_ADDED"
PROJECT_MEMBER_REMOVED = "PROJECT_MEMBER_REMOVED"
REWARD_CREDITED = "GITHUB_REWARD_REDEEMED"
CHANGED = "WORKITEM_CHANGED"  # once per item write: live pushes only, nobody is notified

ITEM_EVENTS = (
    CREATED, ASSIGNED, UNASSIGNED, STATUS_CHANGED, COMPLETED, DELETED, UPDATED,
    PRIORITY_CHANGED, DUE_DATE_CHANGED, DUE_SOON, OVERDUE, COMMENT_ADDED, MENTION, REPLY,
    ATTACHMENT_ADDED, ATTACHMENT_DELETED,
)
MEMBER_EVENTS = (
    WORKSPACE_MEMBER_ADDED, WORKSPACE_MEMBER_REMOVED, WORKSPACE_ROLE_CHANGED,
    PROJECT_UPDATED, PROJECT_MEMBER_ADDED, PROJECT_MEMBER_REMOVED,
)
EVENT_TYPES = (*ITEM_EVENTS, *MEMBER_EVENTS, REWARD_CREDITED)

# -- event groups: the rows of the preferences page and the unsubscribe scopes ------------------
GROUPS: dict[str, str] = {
    "assignment": "Assignments",
    "status": "Status and completion",
    "updates": "Edits, priority and due dates",
    "due": "Due soon and overdue reminders",
    "comments": "Comments and replies",
    "mentions": "Mentions",
    "attachments": "Attachments",
    "members": "Workspace and project membership",
    "rewards": "Rewards",
}
GROUP_OF: dict[str, str] = {
    CREATED: "updates", ASSIGNED: "assignment", UNASSIGNED: "assignment",
    STATUS_CHANGED: "status", COMPLETED: "status", DELETED: "updates", UPDATED: "updates",
    PRIORITY_CHANGED: "updates", DUE_DATE_CHANGED: "updates", DUE_SOON: "due",
    OVERDUE: "due", COMMENT_ADDED: "comments", REPLY: "comments", MENTION: "mentions",
    ATTACHMENT_ADDED: "attachments", ATTACHMENT_DELETED: "attachments",
    WORKSPACE_MEMBER_ADDED: "members", WORKSPACE_MEMBER_REMOVED: "members",
    WORKSPACE_ROLE_CHANGED: "members", PROJECT_UPDATED: "members",
    PROJECT_MEMBER_ADDED: "members", PROJECT_MEMBER_REMOVED: "members",
    REWARD_CREDITED: "rewards",
}


@dataclass(frozen=True)
class Event:
    """One thing that happened, as the dispatcher and the sinks see it."""

    type: str
    actor_id: str | None
    actor_name: str = ""
    workspace_id: str | None = None
    project: Document | None = None
    item: Document | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)
    mentioned_ids: tuple[str, ...] = ()
    recipient_ids: tuple[str, ...] = ()  # targets named by the emitter (new member, parent author)
    extra: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: new_id("ev_"))
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def project_id(self) -> str | None:
        if self.project:
            return str(self.project["$id"])
        return str(self.item["project_id"]) if self.item and self.item.get("project_id") else None

    @property
    def item_id(self) -> str | None:
        return str(self.item["$id"]) if self.item else None

    @property
    def group(self) -> str:
        return GROUP_OF.get(self.type, "updates")


Sink = Callable[[DocumentStore, Event, list[Document]], Any]
Runner = Callable[[DocumentStore, Event], Any]
_SINKS: list[Sink] = []


def dispatch_now(store: DocumentStore, event: Event) -> None:
    dispatch(store, event)


_runner: Runner = dispatch_now


def set_runner(runner: Runner) -> None:
    """How committed events are dispatched: at once (jobs, scripts), or — the web app's
    runner — once the response has been sent, so a request never pays for its events."""
    global _runner
    _runner = runner


def register_sink(sink: Sink) -> None:
    """Also hand every dispatched event to ``sink(store, event, notification_rows)``, after
    the notifications are written."""
    if sink not in _SINKS:
        _SINKS.append(sink)


def emit(
    store: DocumentStore, event_type: str, *, actor_id: str | None,
    item: Document | None = None, project: Document | None = None,
    workspace_id: str | None = None, changes: Mapping[str, Any] | None = None,
    mentioned_ids: Iterable[str] = (), recipient_ids: Iterable[str] = (),
    extra: Mapping[str, Any] | None = None, actor_name: str = "",
) -> Event:
    """Dispatch an event once the current transaction commits (at once outside one).

    ``item`` and ``project`` are the documents as written; ``changes`` is
    ``{field: [before, after]}``. Never raises for a dispatch failure.
    """
    if event_type not in EVENT_TYPES and event_type != CHANGED:
        raise ValueError(f"unknown event type {event_type!r}")
    workspace = workspace_id or (item or {}).get("workspace_id") or (project or {}).get(
        "workspace_id")
    event = Event(
        type=event_type, actor_id=actor_id, actor_name=actor_name,
        workspace_id=str(workspace) if workspace else None,
        project=dict(project) if project else None, item=dict(item) if item else None,
        changes=dict(changes or {}), mentioned_ids=tuple(dict.fromkeys(mentioned_ids)),
        recipient_ids=tuple(dict.fromkeys(recipient_ids)), extra=dict(extra or {}),
    )
    store.after_commit(lambda: _runner(store, event))
    return event


def item_events(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                closed: bool = False) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
    """The events an item write means: ``[(type, changes, recipients)]``.

    ``closed``: the new status is in the CLOSED category (a completion).
    """
    if before is None:
        return [(CREATED, {}, ())]
    if after is None:
        return [(DELETED, {}, ())]
    out: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
    old_a = list(before.get("assignee_ids") or [])
    new_a = list(after.get("assignee_ids") or [])
    added = tuple(u for u in new_a if u not in old_a)
    removed = tuple(u for u in old_a if u not in new_a)
    if added:
        out.append((ASSIGNED, {"assignee_ids": [old_a, new_a]}, added))
    if removed:
        out.append((UNASSIGNED, {"assignee_ids": [old_a, new_a]}, removed))
    if before.get("status") != after.get("status"):
        kind = COMPLETED if closed else STATUS_CHANGED
        out.append((kind, {"status": [before.get("status"), after.get("status")]}, ()))
    if before.get("priority") != after.get("priority"):
        out.append((PRIORITY_CHANGED,
                    {"priority": [before.get("priority"), after.get("priority")]}, ()))
    if before.get("due_date") != after.get("due_date"):
        out.append((DUE_DATE_CHANGED, {"due_date": [_plain(before.get("due_date")),
                                                    _plain(after.get("due_date"))]}, ()))
    skip = {"assignee_ids", "status", "status_category", "priority", "due_date", "version",
            "last_modified_by", "position", "resolved_at", "description_html", "mentions",
            "custom_values"}
    other = {k: [_plain(before.get(k)), _plain(after.get(k))] for k in after
             if not k.startswith("$") and k not in skip and before.get(k) != after.get(k)}
    if other:
        out.append((UPDATED, other, ()))
    return out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def emit_item_write(store: DocumentStore, actor_id: str | None, project: Document,
                    before: Document | None, after: Document | None, *,
                    actor_name: str = "", new_mentions: Iterable[str] = ()) -> None:
    """Emit every event of one item write (create, update or delete) and its mentions."""
    item = after if after is not None else before
    if item is None:
        return
    emit(store, CHANGED, actor_id=actor_id, item=item, project=project, actor_name=actor_name,
         changes={"status": [(before or {}).get("status"), (after or {}).get("status")]},
         extra={"created": before is None, "removed": after is None})
    closed = bool(after and after.get("status_category") == "CLOSED"
                  and (before or {}).get("status_category") != "CLOSED")
    for kind, changes, recipients in item_events(before, after, closed):
        emit(store, kind, actor_id=actor_id, item=item, project=project, changes=changes,
             recipient_ids=recipients, actor_name=actor_name)
    mentioned = tuple(new_mentions)
    if mentioned and after is not None:
        emit(store, MENTION, actor_id=actor_id, item=after, project=project,
             mentioned_ids=mentioned, actor_name=actor_name)


def emit_live(store: DocumentStore, project: Document, item: Document, *,
              actor_id: str | None, removed: bool = False) -> None:
    """Only refresh the pages showing ``item`` in ``project`` (no notification): a card
    that arrives from, or leaves for, another project."""
    emit(store, CHANGED, actor_id=actor_id, item=item, project=project,
         changes={"status": [None if not removed else item.get("status"),
                             None if removed else item.get("status")]},
         extra={"created": not removed, "removed": removed})


def dispatch(store: DocumentStore, event: Event) -> None:
    """Notify (``dispatcher.deliver``), then hand the event to every sink; each isolated."""
    rows: list[Document] = []
    try:
        from webapp.features.notifications import dispatcher

        rows = dispatcher.deliver(store, event)
    except Exception:
        log.exception("notification dispatch of %s failed", event.type)
    for sink in list(_SINKS):
        try:
            sink(store, event, rows)
        except Exception:
            log.exception("event sink %r failed for %s", sink, event.type)
