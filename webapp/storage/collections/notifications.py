"""Collections of the notifications area (schema v3): in-app notifications, preferences,
due-date reminders sent, outgoing project webhooks and their delivery log.

``notifications.email_state``: ``none`` (no mail wanted), ``pending`` (waiting for the
digest window that ends at ``email_due_at``), ``sent`` or ``failed`` (gave up).
``webhook_deliveries.attempts`` lists every attempt (status, duration, truncated body);
``next_attempt_at`` is set while a retry is due (persisted, picked up by the retry job).
"""

from __future__ import annotations

from webapp.storage.schema import Attribute as A
from webapp.storage.schema import AttrType as T
from webapp.storage.schema import Collection, Index
from webapp.storage.schema import IndexType as I

V = 3

EMAIL_STATES = ("none", "pending", "sent", "failed")
DELIVERY_STATES = ("pending", "retrying", "success", "failed")

NOTIFICATIONS = Collection(
    id="notifications",
    name="Notifications",
    since=V,
    attributes=(
        A("user_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, since=V),
        A("project_id", T.STRING, 36, since=V),
        A("item_id", T.STRING, 36, since=V),
        A("type", T.STRING, 48, required=True, since=V),  # events.py event type
        A("kind", T.STRING, 32, since=V),  # stored legacy type (task_assigned ...)
        A("group", T.STRING, 24, since=V),
        A("title", T.STRING, 200, required=True, since=V),
        A("message", T.STRING, 1000, since=V),
        A("link", T.STRING, 500, since=V),  # deep link path
        A("triggered_by", T.STRING, 36, since=V),
        A("is_read", T.BOOLEAN, default=False, since=V),
        A("metadata", T.JSON, default={}, since=V),
        A("email_state", T.STRING, 12, default="none", elements=EMAIL_STATES, since=V),
        A("email_due_at", T.DATETIME, since=V),
        A("email_attempts", T.INTEGER, default=0, since=V),
    ),
    indexes=(
        Index("notifications_user_read", I.KEY, ("user_id", "is_read"), since=V),
        Index("notifications_ws_user", I.KEY, ("workspace_id", "user_id"), since=V),
        Index("notifications_user_created", I.KEY, ("user_id", "$createdAt"), since=V),
        Index("notifications_email", I.KEY, ("email_state", "email_due_at"), since=V),
    ),
)

NOTIFICATION_PREFS = Collection(
    id="notification_prefs",
    name="Notification preferences",
    since=V,
    attributes=(
        A("user_id", T.STRING, 36, required=True, since=V),
        A("channels", T.JSON, default={}, since=V),  # {group: {"in_app"|"email"|"push": bool}}
        A("muted_items", T.STRING, 36, array=True, default=[], since=V),
        A("muted_projects", T.STRING, 36, array=True, default=[], since=V),
        A("self_suppression", T.BOOLEAN, default=True, since=V),
    ),
    indexes=(Index("notification_prefs_user", I.UNIQUE, ("user_id",), since=V),),
)

DUE_REMINDERS = Collection(
    id="due_reminders",
    name="Due-date reminders sent",
    since=V,
    attributes=(
        A("item_id", T.STRING, 36, required=True, since=V),
        A("threshold", T.STRING, 16, required=True, elements=("due_soon", "overdue"), since=V),
        A("due_at", T.STRING, 40, required=True, since=V),  # the due date reminded of (ISO)
    ),
    indexes=(
        Index("due_reminders_once", I.UNIQUE, ("item_id", "threshold", "due_at"), since=V),
    ),
)

PROJECT_WEBHOOKS = Collection(
    id="project_webhooks",
    name="Project webhooks",
    since=V,
    attributes=(
        A("project_id", T.STRING, 36, required=True, since=V),
        A("workspace_id", T.STRING, 36, since=V),
        A("name", T.STRING, 100, required=True, since=V),
        A("url", T.STRING, 1000, required=True, since=V),
        A("secret", T.STRING, 100, required=True, since=V),  # whsec_<base64>
        A("events", T.STRING, 32, array=True, default=[], since=V),
        A("enabled", T.BOOLEAN, default=True, since=V),
        A("created_by", T.STRING, 36, since=V),
        A("last_triggered_at", T.DATETIME, since=V),
        A("failure_count", T.INTEGER, default=0, since=V),
        A("disabled_reason", T.STRING, 300, since=V),
    ),
    indexes=(Index("project_webhooks_project", I.KEY, ("project_id",), since=V),),
)

WEBHOOK_DELIVERIES = Collection(
    id="webhook_deliveries",
    name="Webhook deliveries",
    since=V,
    attributes=(
        A("webhook_id", T.STRING, 36, required=True, since=V),
        A("project_id", T.STRING, 36, required=True, since=V),
        A("event_type", T.STRING, 32, required=True, since=V),
        A("message_id", T.STRING, 40, required=True, since=V),  # webhook-id header
        A("payload", T.TEXT, required=True, since=V),
        A("state", T.STRING, 12, default="pending", elements=DELIVERY_STATES, since=V),
        A("attempt_count", T.INTEGER, default=0, since=V),
        A("next_attempt_at", T.DATETIME, since=V),
        A("response_status", T.INTEGER, since=V),
        A("response_body", T.STRING, 1000, since=V),
        A("duration_ms", T.INTEGER, since=V),
        A("delivered_at", T.DATETIME, since=V),
        A("attempts", T.JSON, default=[], since=V),
    ),
    indexes=(
        Index("webhook_deliveries_hook", I.KEY, ("webhook_id", "$createdAt"), since=V),
        Index("webhook_deliveries_due", I.KEY, ("state", "next_attempt_at"), since=V),
    ),
)

COLLECTIONS: tuple[Collection, ...] = (
    NOTIFICATIONS, NOTIFICATION_PREFS, DUE_REMINDERS, PROJECT_WEBHOOKS, WEBHOOK_DELIVERIES,
)
