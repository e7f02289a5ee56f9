"""Identity e-mails, sent from the ``mail`` queue.

Jobs receive a user id only: the job itself creates the token and stores its hash, so no
secret ever sits in Redis job arguments, job results or logs. A transport failure raises
``MailError`` and the queue retries the job (each attempt mints its own link).
"""

from __future__ import annotations

import logging

from jobs.context import runtime
from webapp.identity import emails
from webapp.identity.tokens import EMAIL_VERIFY, PASSWORD_RESET, TTL, issue_token
from webapp.storage.mail import Message

log = logging.getLogger(__name__)


def send_verification_email(user_id: str) -> bool:
    """Mail a fresh verification link (48 h); False when there is nothing to verify."""
    rt = runtime()
    user = rt.store.find("users", user_id)
    if user is None or user.get("status") != "active" or user.get("email_verified_at"):
        log.info("verification email for %s skipped", user_id)
        return False
    token = issue_token(rt.store, user_id, EMAIL_VERIFY)
    hours = int(TTL[EMAIL_VERIFY].total_seconds() // 3600)
    mail = emails.verification_email(user["name"], rt.settings.base_url, token, hours)
    rt.mailer.send(Message(to=user["email"], subject=mail.subject, text=mail.text,
                           html=mail.html))
    return True


def send_password_reset_email(user_id: str) -> bool:
    """Mail a fresh password-reset link (1 h); False for a missing or inactive account."""
    rt = runtime()
    user = rt.store.find("users", user_id)
    if user is None or user.get("status") != "active":
        log.info("password reset email for %s skipped", user_id)
        return False
    token = issue_token(rt.store, user_id, PASSWORD_RESET)
    minutes = int(TTL[PASSWORD_RESET].total_seconds() // 60)
    mail = emails.password_reset_email(user["name"], rt.settings.base_url, token, minutes)
    rt.mailer.send(Message(to=user["email"], subject=mail.subject, text=mail.text,
                           html=mail.html))
    return True
