"""The files port on Appwrite Storage and the mail port on Appwrite Messaging (the double)."""

from __future__ import annotations

import hashlib
import io
import socket
from typing import Any

import pytest

from webapp.storage import FileTooLarge, InvalidFileId, MailError, NotFound, UnknownBucket
from webapp.storage.files import MB
from webapp.storage.files_appwrite import AppwriteFileStore
from webapp.storage.mail import Message
from webapp.storage.mail_appwrite import AppwriteMailer


@pytest.fixture
def double(appwrite_server: Any) -> Any:
    appwrite_server.double.faults.clear()
    return appwrite_server.double


@pytest.fixture
def files(double: Any) -> AppwriteFileStore:
    store = AppwriteFileStore(double.endpoint, double.project, double.key)
    store.provision()
    return store


def test_provision_creates_the_buckets_once(double: Any) -> None:
    store = AppwriteFileStore(double.endpoint, double.project, double.key)
    store.provision()
    assert store.provision() == []
    assert store.missing_buckets() == []
    assert double.buckets["attachments"]["maximumFileSize"] == 20 * MB


def test_put_and_read_back(files: AppwriteFileStore) -> None:
    info = files.put("docs", "f1", b"hello", "text/plain; charset=utf-8", "../notes.txt")
    assert info.size == 5 and info.name == "notes.txt" and info.content_type == "text/plain"
    assert info.sha256 == hashlib.sha256(b"hello").hexdigest()
    with files.open("docs", "f1") as stream:
        assert stream.read() == b"hello"
    assert files.info("docs", "f1") == info
    assert files.exists("docs", "f1") and files.size("docs", "f1") == 5


def test_large_files_are_uploaded_in_chunks(files: AppwriteFileStore, double: Any) -> None:
    data = bytes(range(256)) * (12 * MB // 256) + b"tail"
    double.log.clear()
    info = files.put("attachments", "big", io.BytesIO(data), "application/pdf", "big.pdf")
    uploads = [e for e in double.log if e[0] == "POST" and e[1].endswith("/files")]
    assert len(uploads) == 3
    assert all("Content-Range" in e[3] for e in uploads)
    assert files.open("attachments", "big").read() == data
    assert info.sha256 == hashlib.sha256(data).hexdigest()


def test_put_replaces(files: AppwriteFileStore) -> None:
    files.put("images", "img", b"old")
    files.put("images", "img", b"new")
    assert files.open("images", "img").read() == b"new"


def test_limits_ids_and_buckets(files: AppwriteFileStore) -> None:
    with pytest.raises(FileTooLarge):
        files.put("images", "huge", b"x" * (10 * MB + 1))
    assert not files.exists("images", "huge")
    with pytest.raises(UnknownBucket):
        files.put("videos", "v", b"x")
    for bad in ("../x", "", "a/b"):
        with pytest.raises(InvalidFileId):
            files.put("docs", bad, b"x")


def test_missing_files(files: AppwriteFileStore) -> None:
    for read in (files.open, files.info, files.size):
        with pytest.raises(NotFound):
            read("docs", "missing")
    assert files.delete("docs", "missing") is False
    files.put("docs", "gone", b"x")
    assert files.delete("docs", "gone") is True
    assert files.exists("docs", "gone") is False


def test_mail_goes_to_messaging(double: Any) -> None:
    mailer = AppwriteMailer(double.endpoint, double.project, double.key)
    message_id = mailer.send(
        Message(to=["a@example.com", "b@example.com"], subject="Hi", text="t", html="<p>h</p>")
    )
    sent = next(m for m in double.messages if m["$id"] == message_id)
    assert sent["data"]["emails"] == ["a@example.com", "b@example.com"]
    assert sent["data"]["html"] is True and sent["data"]["content"] == "<p>h</p>"
    text_id = mailer.send(Message(to="c@example.com", subject="Plain", text="just text"))
    plain = next(m for m in double.messages if m["$id"] == text_id)
    assert plain["data"]["html"] is False and plain["data"]["content"] == "just text"


def test_mail_failures(double: Any) -> None:
    mailer = AppwriteMailer(double.endpoint, double.project, double.key)
    with pytest.raises(ValueError):
        mailer.send(Message(to=[], subject="x", text="y"))
    with pytest.raises(ValueError, match="refused"):
        mailer.send(Message(to="not-an-address", subject="x", text="y"))
    double.fail_next("POST", 500)
    with pytest.raises(MailError):
        mailer.send(Message(to="a@example.com", subject="x", text="y"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    offline = AppwriteMailer(f"http://127.0.0.1:{port}/v1", "p", "k")
    with pytest.raises(MailError):
        offline.send(Message(to="a@example.com", subject="x", text="y"))
