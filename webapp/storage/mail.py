"""The mail port: ``Mailer.send(Message)``, with an outbox directory and an SMTP driver.

Messages are RFC 5322 (``email.message.EmailMessage``): plain text, or
``multipart/alternative`` with a text and an HTML part. ``open_mailer`` picks the driver
from a URL:

    outbox:///abs/path/to/outbox       .eml files, one per message (the embedded default)
    smtp://user:pass@host:587?tls=1    SMTP with STARTTLS (tls=0 or absent: plain SMTP)
    smtps://user:pass@host:465         SMTP over implicit TLS
    (optional query parameters: timeout=<seconds>, from=<sender address>)

Sending is a side effect for background jobs: a transport failure raises ``MailError`` so
the job can be retried; a malformed message raises ``ValueError``.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import MailError

log = logging.getLogger(__name__)

DEFAULT_SENDER = "Keel <no-reply@keel.localhost>"
RESERVED_HEADERS = frozenset(
    {
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "reply-to",
        "mime-version", "content-type", "content-transfer-encoding",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Message:
    to: str | Sequence[str]
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def recipients(self) -> tuple[str, ...]:
        return (self.to,) if isinstance(self.to, str) else tuple(self.to)


class Mailer(Protocol):
    def send(self, message: Message) -> str:
        """Hand the message over; returns its Message-ID. Raises MailError, ValueError."""


def build(message: Message, sender: str, message_id: str | None = None) -> EmailMessage:
    """The RFC 5322 form of ``message``; raises ValueError for a malformed one."""
    recipients = message.recipients
    if not recipients or not all(r.strip() for r in recipients):
        raise ValueError("a message needs at least one recipient")
    for address in (sender, *recipients, message.reply_to or ""):
        if "\r" in address or "\n" in address:
            raise ValueError(f"line break in address {address!r}")
    email = EmailMessage(policy=policy.SMTP)
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = message_id or make_msgid(domain=_domain(sender))
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    for name, value in message.headers.items():
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"header {name!r} is set by the mailer")
        email[name] = value
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    return email


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "keel.localhost"


class OutboxMailer:
    """Writes each message as an ``.eml`` file; names sort by the time they were sent."""

    def __init__(self, directory: Path | str, sender: str = DEFAULT_SENDER) -> None:
        self.directory = Path(directory)
        self.sender = sender

    def __repr__(self) -> str:
        return f"OutboxMailer({str(self.directory)!r})"

    def send(self, message: Message) -> str:
        email = build(message, self.sender)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        name = f"{stamp}-{secrets.token_hex(6)}.eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.directory)
            with os.fdopen(fd, "wb") as out:
                out.write(email.as_bytes())
            os.replace(tmp, self.directory / name)
        except OSError as exc:
            raise MailError(f"cannot write to the outbox {self.directory}: {exc}") from exc
        log.info("mail to %s (%s) written to %s", email["To"], message.subject, name)
        return str(email["Message-ID"])

    def messages(self) -> list[EmailMessage]:
        """The messages in the outbox, oldest first."""
        return read_outbox(self.directory)


def read_outbox(directory: Path | str) -> list[EmailMessage]:
    """Parse every ``.eml`` file of an outbox directory, oldest first."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    parser = BytesParser(policy=policy.default)
    found: list[EmailMessage] = []
    for path in sorted(folder.glob("*.eml")):
        parsed = parser.parsebytes(path.read_bytes().replace(b"\r\n", b"\n"))
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


class SmtpMailer:
    """Sends through an SMTP server; one connection per message, with a timeout."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        sender: str = DEFAULT_SENDER,
        *,
        timeout: float = 10.0,
        implicit_tls: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.use_tls = use_tls
        self.sender = sender
        self.timeout = timeout
        self.implicit_tls = implicit_tls

    def __repr__(self) -> str:
        return f"SmtpMailer({self.host!r}, {self.port})"

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, message: Message) -> str:
        email = build(message, self.sender)
        try:
            with self._connect() as smtp:
                if self.use_tls and not self.implicit_tls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"SMTP {self.host}:{self.port}: {exc}") from exc
        if refused:
            log.warning("SMTP %s refused recipients: %s", self.host, ", ".join(refused))
        log.info("mail to %s (%s) sent via %s", email["To"], message.subject, self.host)
        return str(email["Message-ID"])


class MailSettings(Protocol):
    mail_url: str
    mail_sender: str


def open_mailer(url_or_settings: str | MailSettings, sender: str | None = None) -> Mailer:
    """The mailer for a URL (see the module docstring) or for settings with ``mail_url``."""
    if isinstance(url_or_settings, str):
        url = url_or_settings
    else:
        url = url_or_settings.mail_url
        sender = sender or url_or_settings.mail_sender
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    sender = query.get("from") or sender or DEFAULT_SENDER
    if parts.scheme == "outbox":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ValueError("outbox URL needs a directory, e.g. outbox:///srv/keel/outbox")
        return OutboxMailer(Path(path), sender)
    if parts.scheme in ("smtp", "smtps"):
        if not parts.hostname:
            raise ValueError(f"SMTP URL needs a host: {url!r}")
        implicit = parts.scheme == "smtps"
        starttls = query.get("tls", "0").lower() in ("1", "true", "yes", "on")
        default_port = 465 if implicit else 587 if starttls else 25
        return SmtpMailer(
            parts.hostname,
            parts.port or default_port,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            use_tls=starttls,
            sender=sender,
            timeout=float(query.get("timeout", "10")),
            implicit_tls=implicit,
        )
    raise ValueError(f"unsupported mail URL scheme {parts.scheme!r} (outbox, smtp or smtps)")
