"""The mail port on Appwrite Messaging: ``create_email`` to the message's addresses.

``AppwriteMailer(endpoint, project, key)`` hands each message to Appwrite's e-mail
provider (configured in the Appwrite console: SMTP, Mailgun, SendGrid...), addressed to
the recipients' e-mail addresses (``emails``), so they need not be Appwrite users. The
sender is the provider's; the HTML part is sent when there is one, else the text.
Appwrite cannot carry custom headers, so ``Message.headers`` are not sent.

Malformed messages raise ``ValueError`` (checked as for every mailer); Appwrite being
unreachable, rate limiting or failing raises ``MailError`` so the job is retried; a
request Appwrite refuses (4xx) raises ``ValueError``: retrying would not help.
"""

from __future__ import annotations

from appwrite.exception import AppwriteException
from appwrite.services.messaging import Messaging

from .appwrite.client import make_client
from .base import new_id
from .errors import MailError
from .mail import DEFAULT_SENDER, Message, build


class AppwriteMailer:
    def __init__(self, endpoint: str, project: str, key: str, *, timeout: float = 10.0) -> None:
        self.endpoint = endpoint
        self.messaging = Messaging(make_client(endpoint, project, key, timeout=timeout))

    def __repr__(self) -> str:
        return f"AppwriteMailer({self.endpoint!r})"

    def send(self, message: Message) -> str:
        build(message, DEFAULT_SENDER)  # the same checks as every mailer
        html = message.html is not None
        message_id = new_id("m")
        try:
            sent = self.messaging.create_email(
                message_id,
                message.subject,
                message.html if message.html is not None else message.text,
                html=html,
                emails=list(message.recipients),
                reply_to_email=message.reply_to,
            )
        except AppwriteException as exc:
            if exc.code in (0, 429) or exc.code >= 500:
                raise MailError(f"Appwrite Messaging unavailable: {exc.message}") from exc
            raise ValueError(f"Appwrite refused the message: {exc.message}") from exc
        return str(sent.id)
