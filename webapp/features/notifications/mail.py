"""Notification e-mails: one per user and work item per digest window (no Flask).

Pending notifications (``email_state = pending``) whose window has ended are grouped by
user and item: one notification gets its event group's template, several get the digest
template. Each mail carries an unsubscribe link for its event group (a signed token, no
expiry, that only switches that group's e-mail off) and a ``List-Unsubscribe`` header.
A transport failure leaves the rows pending for the next run, up to ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from webapp.features.notifications.events import GROUPS
from webapp.identity.emails import RenderedEmail, render_email
from webapp.storage.base import Document, DocumentStore
from webapp.storage.mail import Mailer, Message
from webapp.storage.query import Query

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 500
UNSUBSCRIBE_PATH = "/auth/unsubscribe/{token}"
_SALT = "keel.notifications.unsubscribe"


def unsubscribe_token(secret: str, user_id: str, group: str) -> str:
    return URLSafeSerializer(secret, salt=_SALT).dumps({"u": user_id, "g": group})


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str] | None:
    """``(user_id, group)`` of a valid token, else None."""
    try:
        data = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("g") not in GROUPS or not data.get("u"):
        return None
    return str(data["u"]), str(data["g"])


def render(rows: Sequence[Document], user: Document, *, base_url: str,
           secret: str) -> RenderedEmail:
    """The mail for one user's pending notifications of one item (oldest first)."""
    first = rows[0]
    group = str(first.get("group") or "updates")
    meta = first.get("metadata") or {}
    base = base_url.rstrip("/")
    unsubscribe = base + UNSUBSCRIBE_PATH.format(
        token=unsubscribe_token(secret, user["$id"], group))
    context: dict[str, Any] = {
        "name": user.get("name") or user.get("email"), "base_url": base,
        "rows": rows, "first": first, "meta": meta, "group_label": GROUPS.get(group, group),
        "link": base + str(first.get("link") or "/"), "unsubscribe": unsubscribe,
        "preferences": base + "/account/notifications/preferences",
    }
    if len(rows) > 1:
        key = meta.get("item_key") or "an item"
        subject = f"{len(rows)} updates on {key}: {meta.get('item_title') or ''}".strip()
        return render_email("notifications/digest", subject[:200], **context)
    subject = str(first["title"])
    if meta.get("item_key"):
        subject += f" — {meta['item_key']}: {meta.get('item_title') or ''}"
    return render_email(f"notifications/{group}", subject[:200], **context)


def send_due(store: DocumentStore, mailer: Mailer, now: datetime, *, base_url: str,
             secret: str) -> int:
    """Send every digest whose window has ended; returns the number of mails sent."""
    due = store.list("notifications", [
        Query.equal("email_state", "pending"), Query.less_than_equal("email_due_at", now),
        Query.order_asc("email_due_at"), Query.limit(BATCH)]).documents
    groups: dict[tuple[str, str], list[Document]] = {}
    for row in due:
        item_id = row.get("item_id")
        key = (str(row["user_id"]), str(item_id or row["$id"]))
        if key in groups:
            continue
        groups[key] = [row] if not item_id else store.list("notifications", [
            Query.equal("user_id", row["user_id"]), Query.equal("item_id", item_id),
            Query.equal("email_state", "pending"), Query.order_asc("$createdAt"),
            Query.limit(50)]).documents
    sent = 0
    for (user_id, _), rows in groups.items():
        if rows and _send_group(store, mailer, user_id, rows, base_url=base_url,
                                secret=secret):
            sent += 1
    return sent


def _send_group(store: DocumentStore, mailer: Mailer, user_id: str, rows: list[Document], *,
                base_url: str, secret: str) -> bool:
    user = store.find("users", user_id)
    ids = [r["$id"] for r in rows]
    if user is None or not user.get("email") or user.get("status") not in (None, "active"):
        store.update_where("notifications", [Query.equal("$id", ids)], {"email_state": "none"})
        return False
    mail = render(rows, user, base_url=base_url, secret=secret)
    unsubscribe = base_url.rstrip("/") + UNSUBSCRIBE_PATH.format(
        token=unsubscribe_token(secret, user_id, str(rows[0].get("group") or "updates")))
    try:
        mailer.send(Message(to=user["email"], subject=mail.subject, text=mail.text,
                            html=mail.html, headers={
                                "List-Unsubscribe": f"<{unsubscribe}>",
                                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}))
    except Exception:
        log.exception("notification mail to %s failed", user_id)
        attempts = max(int(r.get("email_attempts") or 0) for r in rows) + 1
        state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
        store.update_where("notifications", [Query.equal("$id", ids)],
                           {"email_attempts": attempts, "email_state": state})
        return False
    store.update_where("notifications", [Query.equal("$id", ids)], {"email_state": "sent"})
    return True
