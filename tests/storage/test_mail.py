"""The mail port: the outbox for real, and SMTP against a local aiosmtpd server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from webapp.storage import MailError
from webapp.storage.mail import Message, OutboxMailer, SmtpMailer, open_mailer, read_outbox

SENDER = "Keel <no-reply@keel.test>"


def welcome(**changes: Any) -> Message:
    values: dict[str, Any] = {
        "to": "ann@example.com",
        "subject": "Welcome to Keel",
        "text": "Hello Ann,\nwelcome aboard.",
        "html": "<p>Hello Ann,<br>welcome aboard.</p>",
    }
    values.update(changes)
    return Message(**values)


# -- outbox ---------------------------------------------------------------------------------


def test_outbox_writes_rfc5322_multipart_alternative(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox", SENDER)
    message_id = mailer.send(
        welcome(reply_to="support@keel.test", headers={"X-Keel-Event": "signup"})
    )
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    [email] = read_outbox(tmp_path / "outbox")
    assert email["Message-ID"] == message_id and message_id.endswith("@keel.test>")
    assert email["From"] == SENDER
    assert email["To"] == "ann@example.com"
    assert email["Subject"] == "Welcome to Keel"
    assert email["Reply-To"] == "support@keel.test"
    assert email["X-Keel-Event"] == "signup"
    assert email["Date"]
    assert email.get_content_type() == "multipart/alternative"
    text = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert text is not None and text.get_content().strip() == "Hello Ann,\nwelcome aboard."
    assert html is not None and "<p>Hello Ann" in html.get_content()


def test_outbox_text_only_and_many_recipients(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path, SENDER)
    mailer.send(welcome(html=None, to=["a@example.com", "b@example.com"], subject="Ünïcode ✓"))
    [email] = mailer.messages()
    assert email.get_content_type() == "text/plain"
    assert email["To"] == "a@example.com, b@example.com"
    assert email["Subject"] == "Ünïcode ✓"


def test_outbox_files_sort_in_sending_order(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path, SENDER)
    for n in range(5):
        mailer.send(welcome(subject=f"message {n}"))
    names = sorted(p.name for p in tmp_path.glob("*.eml"))
    assert len(names) == 5
    assert [m["Subject"] for m in read_outbox(tmp_path)] == [f"message {n}" for n in range(5)]
    assert all(name[:8].isdigit() and name.endswith(".eml") for name in names)
    assert read_outbox(tmp_path / "missing") == []


@pytest.mark.parametrize(
    "bad",
    [
        {"to": []},
        {"to": ""},
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"to": "a@example.com\nBcc: victim@example.com"},
        {"headers": {"From": "boss@example.com"}},
        {"headers": {"X-Note": "line\nbreak"}},
    ],
)
def test_malformed_messages_are_refused(tmp_path: Path, bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        OutboxMailer(tmp_path, SENDER).send(welcome(**bad))
    assert list(tmp_path.glob("*.eml")) == []


def test_outbox_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(MailError):
        OutboxMailer(blocker / "outbox", SENDER).send(welcome())


# -- SMTP -----------------------------------------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


class Capture:
    def __init__(self) -> None:
        self.messages: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"keel",
        b"s3cret:/@",
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Capture, int]]:
    capture = Capture()
    port = _free_port()
    controller = Controller(
        capture,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield capture, port
    finally:
        controller.stop()


def test_smtp_delivers(smtp_server: tuple[Capture, int]) -> None:
    capture, port = smtp_server
    mailer = SmtpMailer("127.0.0.1", port, sender=SENDER, timeout=5)
    message_id = mailer.send(welcome(to=["ann@example.com", "bob@example.com"]))
    [received] = capture.messages
    assert received.sender == "no-reply@keel.test"
    assert received.recipients == ["ann@example.com", "bob@example.com"]
    assert f"Message-ID: {message_id}".encode() in received.data
    assert b"multipart/alternative" in received.data


def test_smtp_login_from_a_url(smtp_server: tuple[Capture, int]) -> None:
    capture, port = smtp_server
    mailer = open_mailer(f"smtp://keel:s3cret%3A%2F%40@127.0.0.1:{port}?timeout=5", SENDER)
    assert isinstance(mailer, SmtpMailer)
    mailer.send(welcome())
    assert len(capture.messages) == 1


def test_smtp_wrong_password(smtp_server: tuple[Capture, int]) -> None:
    capture, port = smtp_server
    mailer = SmtpMailer("127.0.0.1", port, "keel", "wrong", sender=SENDER, timeout=5)
    with pytest.raises(MailError, match=r"SMTP 127\.0\.0\.1"):
        mailer.send(welcome())
    assert capture.messages == []


def test_smtp_starttls_not_offered(smtp_server: tuple[Capture, int]) -> None:
    _, port = smtp_server
    with pytest.raises(MailError, match="STARTTLS"):
        SmtpMailer("127.0.0.1", port, use_tls=True, sender=SENDER, timeout=5).send(welcome())


def test_smtp_unreachable() -> None:
    mailer = SmtpMailer("127.0.0.1", _free_port(), sender=SENDER, timeout=2)
    with pytest.raises(MailError):
        mailer.send(welcome())


# -- the factory ------------------------------------------------------------------------------


def test_open_mailer_urls(tmp_path: Path) -> None:
    outbox = open_mailer(f"outbox://{tmp_path / 'out'}", sender=SENDER)
    assert isinstance(outbox, OutboxMailer)
    assert outbox.directory == tmp_path / "out" and outbox.sender == SENDER

    tls = open_mailer("smtp://u:p@mail.example.com?tls=1&from=Ops%20%3Cops%40x.test%3E")
    assert isinstance(tls, SmtpMailer)
    assert (tls.host, tls.port, tls.username, tls.password) == ("mail.example.com", 587, "u", "p")
    assert tls.use_tls and not tls.implicit_tls
    assert tls.sender == "Ops <ops@x.test>"

    implicit = open_mailer("smtps://mail.example.com")
    assert isinstance(implicit, SmtpMailer)
    assert implicit.port == 465 and implicit.implicit_tls and implicit.username is None

    plain = open_mailer("smtp://localhost:2525")
    assert isinstance(plain, SmtpMailer) and plain.port == 2525 and not plain.use_tls

    for bad in ("http://x", "outbox://", "smtp://"):
        with pytest.raises(ValueError):
            open_mailer(bad)


def test_open_mailer_from_settings(tmp_path: Path) -> None:
    class Settings:
        mail_url = f"outbox://{tmp_path}"
        mail_sender = SENDER

    mailer = open_mailer(Settings())
    assert isinstance(mailer, OutboxMailer) and mailer.sender == SENDER
