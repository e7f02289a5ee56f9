"""Matrix rows of the notifications area: the inbox (any signed-in user; a notification of
someone else is 404), preferences and mute, the signed unsubscribe link (public; a bad
token is 404), and project webhooks (``project.settings.manage``: owners and overrides).

``extras`` gives the org owner one notification and project RKT one webhook (stored
directly: its loopback URL would not pass the SSRF guard, and is never called)."""

from __future__ import annotations

from typing import Any

from matrix.rows import ALLOW, DELETE, HIDDEN, Row, everyone, project, row, signed_in

ORDER = 60


def owner_only() -> Row:
    """The org owner's own notification: 404 to every other signed-in user."""
    return row(HIDDEN, org_owner=ALLOW)


ROWS = {
    ("notifications.index", "GET"): signed_in(),
    ("notifications.dropdown", "GET"): signed_in(),
    ("notifications.bell", "GET"): signed_in(),
    ("notifications.go", "GET"): owner_only(),
    ("notifications.read", "POST"): owner_only(),
    ("notifications.read_all", "POST"): signed_in(),
    ("notifications.delete", "POST"): owner_only(),
    ("notifications.preferences", "GET"): signed_in(),
    ("notifications.preferences", "POST"): signed_in(),
    ("notifications.mute", "POST"): signed_in(),
    ("notifications.unsubscribe", "GET"): everyone(HIDDEN),
    ("notifications.unsubscribe", "POST"): everyone(HIDDEN),
    ("project_webhooks.index", "GET"): project(DELETE),
    ("project_webhooks.create", "POST"): project(DELETE),
    ("project_webhooks.edit", "GET"): project(DELETE),
    ("project_webhooks.update", "POST"): project(DELETE),
    ("project_webhooks.delete", "POST"): project(DELETE),
    ("project_webhooks.test", "POST"): project(DELETE),
}

FORMS = {"notifications.mute": {"item_id": "matrix-item", "muted": "1"}}


def extras(store: Any, world: Any) -> None:
    owner = world.user("org_owner")
    world.extras["notification"] = store.create("notifications", {
        "user_id": owner["$id"], "workspace_id": world.workspace["$id"],
        "project_id": world.project["$id"], "type": "WORKITEM_UPDATED", "kind": "task_updated",
        "group": "updates", "title": "Matrix notification", "message": "m",
        "link": f"/w/{world.workspace['$id']}/projects/{world.project['$id']}/board",
    })
    world.extras["webhook"] = store.create("project_webhooks", {
        "project_id": world.project["$id"], "workspace_id": world.workspace["$id"],
        "name": "Matrix hook", "url": "http://127.0.0.1:9/hook",
        "secret": "whsec_bWF0cml4LXNlY3JldC1rZXktMTIzNA==", "events": ["TASK_CREATED"],
        "enabled": True,
    })


def ids(world: Any, endpoint: str) -> dict[str, str]:
    if endpoint.startswith("notifications."):
        return {"notification_id": world.extras["notification"]["$id"]}
    if endpoint.startswith("project_webhooks."):
        return {"hook_id": world.extras["webhook"]["$id"]}
    return {}
