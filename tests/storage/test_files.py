"""The files port on the local driver."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from webapp.storage import FileTooLarge, InvalidFileId, NotFound, UnknownBucket
from webapp.storage.files import MB, Bucket, FileInfo, LocalFileStore


@pytest.fixture
def files(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


def test_put_and_read_back(files: LocalFileStore) -> None:
    data = b"\x89PNG fake image bytes" * 100
    info = files.put("images", "avatar1", data, "image/png", "me.png")
    assert info == FileInfo(len(data), hashlib.sha256(data).hexdigest(), "image/png", "me.png")
    assert files.exists("images", "avatar1")
    assert files.size("images", "avatar1") == len(data)
    assert files.info("images", "avatar1") == info
    with files.open("images", "avatar1") as stream:
        assert stream.read() == data


def test_put_streams(files: LocalFileStore) -> None:
    data = bytes(range(256)) * 10_000
    info = files.put("attachments", "big.file-1", io.BytesIO(data), "application/pdf", "r.pdf")
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    with files.open("attachments", "big.file-1") as stream:
        assert stream.read() == data


def test_files_live_under_their_bucket(files: LocalFileStore, tmp_path: Path) -> None:
    files.put("docs", "doc42", b"hello")
    assert (tmp_path / "files" / "docs" / "do" / "doc42" / "content").read_bytes() == b"hello"
    assert not files.exists("images", "doc42")


def test_put_replaces(files: LocalFileStore) -> None:
    files.put("docs", "d1", b"first", "text/plain", "a.txt")
    info = files.put("docs", "d1", b"second version", "text/markdown", "b.md")
    assert files.info("docs", "d1") == info
    with files.open("docs", "d1") as stream:
        assert stream.read() == b"second version"


def test_delete(files: LocalFileStore) -> None:
    files.put("docs", "d1", b"x")
    assert files.delete("docs", "d1") is True
    assert files.delete("docs", "d1") is False
    assert not files.exists("docs", "d1")
    with pytest.raises(NotFound):
        files.open("docs", "d1")
    with pytest.raises(NotFound):
        files.size("docs", "d1")
    with pytest.raises(NotFound):
        files.info("docs", "d1")


def test_attachments_are_limited_to_20_mb(files: LocalFileStore) -> None:
    files.put("attachments", "exact", io.BytesIO(b"\0" * (20 * MB)))
    with pytest.raises(FileTooLarge, match="20 MB") as caught:
        files.put("attachments", "over", io.BytesIO(b"\0" * (20 * MB + 1)))
    assert caught.value.code == "storage_file_too_large"
    with pytest.raises(FileTooLarge):
        files.put("attachments", "over", b"\0" * (20 * MB + 1))
    assert not files.exists("attachments", "over")
    leftovers = [p for p in (files.root / "attachments").rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_too_large_replacement_keeps_the_old_file(tmp_path: Path) -> None:
    small = LocalFileStore(tmp_path, {"docs": Bucket("docs", 10)})
    small.put("docs", "d", b"old")
    with pytest.raises(FileTooLarge):
        small.put("docs", "d", io.BytesIO(b"x" * 11))
    with small.open("docs", "d") as stream:
        assert stream.read() == b"old"


def test_unknown_bucket(files: LocalFileStore) -> None:
    with pytest.raises(UnknownBucket, match="known: attachments, docs, images"):
        files.put("secrets", "x", b"x")
    with pytest.raises(UnknownBucket):
        files.exists("../images", "x")


@pytest.mark.parametrize("bad", ["../etc", "..", ".hidden", "a/b", "a\\b", "", "x" * 37, "/abs"])
def test_ids_cannot_escape(files: LocalFileStore, bad: str) -> None:
    with pytest.raises(InvalidFileId):
        files.put("docs", bad, b"x")
    with pytest.raises(InvalidFileId):
        files.open("docs", bad)


def test_names_and_types_are_cleaned(files: LocalFileStore) -> None:
    info = files.put("docs", "d1", b"x", "Text/HTML; charset=utf-8", "../../etc/pass\nwd.txt")
    assert info.name == "passwd.txt"
    assert info.content_type == "text/html"
    assert files.put("docs", "d2", b"x", "not a type", "C:\\Users\\me\\a.txt").content_type == (
        "application/octet-stream"
    )
    assert files.info("docs", "d2").name == "a.txt"


def test_text_streams_are_refused(files: LocalFileStore) -> None:
    with pytest.raises(TypeError, match="binary"):
        files.put("docs", "d1", io.StringIO("text"))  # type: ignore[arg-type]
    assert not files.exists("docs", "d1")
