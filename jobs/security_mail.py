"""Account-security e-mails, sent from the ``mail`` queue: two-factor codes and the
confirmation link for a new e-mail address.

Like the identity mails, each job receives ids only and creates its own code or token, so
no secret sits in Redis job arguments, results or logs.
"""

from __future__ import annotations

import logging

from jobs.context import runtime
from webapp.features.security.service import EMAIL_CODE_TTL, issue_email_code
from webapp.identity.emails import absolute_link, render_email
from webapp.identity.tokens import issue_token
from webapp.storage.mail import Message

log = logging.getLogger(__name__)

EMAIL_CHANGE = "email_change"
EMAIL_CHANGE_PATH = "/auth/email-change/{token}"
EMAIL_CHANGE_HOURS = 24
PURPOSES = {"login": "sign-in", "setup": "verification", "disable": "confirmation"}


def send_two_factor_code(user_id: str, purpose: str = "login") -> bool:
    """Mail a fresh 6-digit code (5 minutes); False for a missing or inactive account."""
    rt = runtime()
    user = rt.store.find("users", user_id)
    if user is None or user.get("status") != "active":
        log.info("two-factor code for %s skipped", user_id)
        return False
    code = issue_email_code(rt.store, user_id)
    minutes = int(EMAIL_CODE_TTL.total_seconds() // 60)
    purpose_text = PURPOSES.get(purpose, "sign-in")
    mail = render_email(
        "two_factor_code", f"{code} is your Keel {purpose_text} code",
        name=user["name"], code=code, minutes=minutes, purpose_text=purpose_text,
        base_url=rt.settings.base_url.rstrip("/"),
    )
    rt.mailer.send(Message(to=user["email"], subject=mail.subject, text=mail.text,
                           html=mail.html))
    return True


def send_email_change_link(user_id: str) -> bool:
    """Mail a confirmation link to the user's pending new address (24 h)."""
    from datetime import timedelta

    rt = runtime()
    user = rt.store.find("users", user_id)
    if user is None or user.get("status") != "active" or not user.get("pending_email"):
        log.info("email change link for %s skipped", user_id)
        return False
    token = issue_token(rt.store, user_id, EMAIL_CHANGE, ttl=timedelta(hours=EMAIL_CHANGE_HOURS))
    mail = render_email(
        "email_change", "Confirm your new email address for Keel",
        name=user["name"], link=absolute_link(rt.settings.base_url, EMAIL_CHANGE_PATH, token),
        hours=EMAIL_CHANGE_HOURS, base_url=rt.settings.base_url.rstrip("/"),
    )
    rt.mailer.send(Message(to=user["pending_email"], subject=mail.subject, text=mail.text,
                           html=mail.html))
    return True
