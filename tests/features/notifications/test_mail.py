"""Every event group's e-mail renders branded HTML and plain text with the deep link and
its own unsubscribe link; a failing transport keeps the mail pending and then gives up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from webapp.features.notifications import events, texts
from webapp.features.notifications import mail as notification_mail
from webapp.storage.mail import Message

SECRET = "test-secret"


def row(kind: str, **meta: Any) -> dict[str, Any]:
    event = events.Event(type=kind, actor_id="u2", actor_name="Ann Actor", workspace_id="w1",
                         project={"$id": "p1", "name": "Website"},
                         item={"$id": "i1", "key": "WEB-7", "title": "Fix <login>",
                               "project_id": "p1"},
                         changes={"status": ["TODO", "DONE"]},
                         extra={"amount_label": "$5.00", "comment_excerpt": "Looks good"})
    return {"$id": "n1", "user_id": "u1", "type": kind, "group": event.group,
            "title": texts.title(event), "message": texts.summary(event),
            "link": texts.link(event), "metadata": {
                "item_key": "WEB-7", "item_title": "Fix <login>", "project_name": "Website",
                "actor_name": "Ann Actor", "changes": {"status": ["TODO", "DONE"]},
                "comment_excerpt": "Looks good", **meta}}


@pytest.mark.parametrize("kind", events.EVENT_TYPES)
def test_each_event_renders_html_and_text(kind: str) -> None:
    user = {"$id": "u1", "name": "Una User", "email": "una@example.com"}
    mail = notification_mail.render([row(kind)], user, base_url="https://keel.example",
                                    secret=SECRET)
    assert mail.subject and "Keel" in mail.html and "#2563eb" in mail.html
    assert "Fix &lt;login&gt;" in mail.html or kind in (events.REWARD_CREDITED,)
    for body in (mail.text, mail.html):
        assert "https://keel.example/auth/unsubscribe/" in body
        assert "Una User" in body
    token = mail.text.split("/auth/unsubscribe/")[1].split()[0]
    assert notification_mail.read_unsubscribe_token(SECRET, token) == (
        "u1", events.GROUP_OF[kind])


def test_status_mail_shows_old_and_new() -> None:
    user = {"$id": "u1", "name": "Una", "email": "una@example.com"}
    mail = notification_mail.render([row(events.STATUS_CHANGED)], user,
                                    base_url="https://k", secret=SECRET)
    assert "TODO" in mail.text and "DONE" in mail.text and "<s>TODO</s>" in mail.html


def test_overdue_mail_has_the_alert() -> None:
    user = {"$id": "u1", "name": "Una", "email": "una@example.com"}
    mail = notification_mail.render([row(events.OVERDUE)], user, base_url="https://k",
                                    secret=SECRET)
    assert mail.subject.startswith("⚠️ Overdue: Fix <login>")
    assert "past its due date" in mail.text and "#fef3c7" in mail.html


class Broken:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, message: Message) -> str:
        self.calls += 1
        raise OSError("smtp down")


def test_a_failing_transport_retries_then_gives_up(store, owner) -> None:
    due = datetime.now(UTC) - timedelta(seconds=1)
    made = store.create("notifications", {
        "user_id": owner["$id"], "type": events.UPDATED, "group": "updates", "title": "T",
        "message": "m", "link": "/", "email_state": "pending", "email_due_at": due})
    mailer = Broken()
    for _ in range(notification_mail.MAX_ATTEMPTS):
        notification_mail.send_due(store, mailer, datetime.now(UTC), base_url="http://k",
                                   secret=SECRET)
    after = store.get("notifications", made["$id"])
    assert after["email_state"] == "failed" and mailer.calls == notification_mail.MAX_ATTEMPTS
    assert after["is_read"] is False  # the in-app notification is untouched
