"""What a notification says: titles, one-line summaries, stored legacy types and links."""

from __future__ import annotations

from typing import Any

from webapp.features.notifications import events as ev
from webapp.features.notifications.events import Event

TITLES: dict[str, str] = {
    ev.CREATED: "New Task Created", ev.ASSIGNED: "Task Assigned to You",
    ev.UNASSIGNED: "Task Unassigned", ev.STATUS_CHANGED: "Task Status Updated",
    ev.COMPLETED: "Task Completed", ev.DELETED: "Task Deleted", ev.UPDATED: "Task Updated",
    ev.PRIORITY_CHANGED: "Priority Changed", ev.DUE_DATE_CHANGED: "Due Date Updated",
    ev.DUE_SOON: "Due Soon: {title}", ev.OVERDUE: "⚠️ Overdue: {title}",
    ev.COMMENT_ADDED: "New Comment", ev.MENTION: "You were mentioned", ev.REPLY: "New Reply",
    ev.ATTACHMENT_ADDED: "Attachment Added", ev.ATTACHMENT_DELETED: "Attachment Removed",
    ev.WORKSPACE_MEMBER_ADDED: "Added to a Workspace",
    ev.WORKSPACE_MEMBER_REMOVED: "Removed from a Workspace",
    ev.WORKSPACE_ROLE_CHANGED: "Workspace Role Changed", ev.PROJECT_UPDATED: "Project Updated",
    ev.PROJECT_MEMBER_ADDED: "Added to a Project",
    ev.PROJECT_MEMBER_REMOVED: "Removed from a Project",
    ev.REWARD_CREDITED: "GitHub Star Reward Credited",
}

SUMMARIES: dict[str, str] = {
    ev.CREATED: '{actor} created "{title}"',
    ev.ASSIGNED: '{actor} assigned you to "{title}"',
    ev.UNASSIGNED: '{actor} unassigned you from "{title}"',
    ev.STATUS_CHANGED: '{actor} changed status of "{title}" to {new}',
    ev.COMPLETED: '{actor} completed "{title}"',
    ev.DELETED: '{actor} deleted "{title}"',
    ev.UPDATED: '{actor} updated "{title}"',
    ev.PRIORITY_CHANGED: '{actor} changed priority of "{title}" to {new}',
    ev.DUE_DATE_CHANGED: '{actor} changed the due date of "{title}"',
    ev.DUE_SOON: '"{title}" is due within 24 hours',
    ev.OVERDUE: '"{title}" is overdue',
    ev.COMMENT_ADDED: '{actor} commented on "{title}"',
    ev.MENTION: '{actor} mentioned you in "{title}"',
    ev.REPLY: '{actor} replied to your comment on "{title}"',
    ev.ATTACHMENT_ADDED: '{actor} attached a file to "{title}"',
    ev.ATTACHMENT_DELETED: '{actor} removed an attachment from "{title}"',
    ev.WORKSPACE_MEMBER_ADDED: "{actor} added you to a workspace",
    ev.WORKSPACE_MEMBER_REMOVED: "{actor} removed you from a workspace",
    ev.WORKSPACE_ROLE_CHANGED: "{actor} changed your workspace role",
    ev.PROJECT_UPDATED: '{actor} updated the project "{project}"',
    ev.PROJECT_MEMBER_ADDED: '{actor} added you to the project "{project}"',
    ev.PROJECT_MEMBER_REMOVED: '{actor} removed you from the project "{project}"',
    ev.REWARD_CREDITED: "{amount} has been credited to your wallet from GitHub Star Reward.",
}

STORED_TYPES: dict[str, str] = {
    ev.ASSIGNED: "task_assigned", ev.UPDATED: "task_updated", ev.COMPLETED: "task_completed",
    ev.STATUS_CHANGED: "task_status_changed", ev.PRIORITY_CHANGED: "task_priority_changed",
    ev.DUE_DATE_CHANGED: "task_due_date_changed", ev.DELETED: "task_deleted",
    ev.COMMENT_ADDED: "task_comment", ev.MENTION: "task_mention", ev.REPLY: "task_reply",
    ev.ATTACHMENT_ADDED: "task_attachment_added",
    ev.ATTACHMENT_DELETED: "task_attachment_deleted", ev.REWARD_CREDITED: "reward_credited",
}

WEBHOOK_EVENTS: dict[str, str] = {
    ev.CREATED: "TASK_CREATED", ev.UPDATED: "TASK_UPDATED", ev.COMPLETED: "TASK_COMPLETED",
    ev.DELETED: "TASK_DELETED", ev.ASSIGNED: "TASK_ASSIGNED", ev.UNASSIGNED: "TASK_UNASSIGNED",
    ev.STATUS_CHANGED: "STATUS_CHANGED", ev.PRIORITY_CHANGED: "PRIORITY_CHANGED",
    ev.DUE_DATE_CHANGED: "DUE_DATE_CHANGED", ev.COMMENT_ADDED: "COMMENT_ADDED",
    ev.REPLY: "REPLY_ADDED", ev.MENTION: "WORKITEM_MENTIONED",
    ev.ATTACHMENT_ADDED: "ATTACHMENT_ADDED", ev.ATTACHMENT_DELETED: "ATTACHMENT_DELETED",
    ev.PROJECT_MEMBER_ADDED: "MEMBER_ADDED", ev.PROJECT_MEMBER_REMOVED: "MEMBER_REMOVED",
    ev.PROJECT_UPDATED: "PROJECT_UPDATED",
}
HOOK_EVENTS: tuple[str, ...] = tuple(dict.fromkeys(WEBHOOK_EVENTS.values()))


def _fmt(template: str, event: Event) -> str:
    item = event.item or {}
    pair: Any = next(iter(event.changes.values()), [None, None]) if event.changes else [None,
                                                                                           None]
    new = pair[1] if isinstance(pair, list | tuple) and len(pair) > 1 else ""
    values = {
        "actor": event.actor_name or "Someone", "title": item.get("title") or "",
        "key": item.get("key") or "", "new": str(new or "").replace("_", " "),
        "project": (event.project or {}).get("name") or "",
        "amount": event.extra.get("amount_label") or "",
    }
    return template.format(**values)


def title(event: Event) -> str:
    return _fmt(TITLES.get(event.type, "Task Updated"), event)[:200]


def summary(event: Event) -> str:
    return _fmt(SUMMARIES.get(event.type, '{actor} updated "{title}"'), event)[:1000]


def link(event: Event) -> str:
    """The deep link path: the work item page, else the project, else the home page."""
    item, project = event.item or {}, event.project or {}
    workspace = event.workspace_id
    if item and event.type != ev.DELETED and workspace:
        return f"/w/{workspace}/projects/{item['project_id']}/items/{item['$id']}"
    if event.project_id and workspace:
        return f"/w/{workspace}/projects/{event.project_id}/board"
    if workspace:
        return f"/w/{workspace}"
    return str(project.get("link") or "/")
