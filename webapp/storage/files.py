"""The files port: binary files in buckets (``images``, ``attachments``, ``docs``).

``LocalFileStore`` keeps each file in its own directory under the root::

    <root>/<bucket>/<first two characters of the id>/<file id>/content
    <root>/<bucket>/<first two characters of the id>/<file id>/meta.json

File ids follow the document id rules (``schema.valid_id``), so an id can never climb out
of its bucket. ``put`` streams into a temporary file, counting and hashing as it goes,
and moves it into place only when complete: readers never see half a file, and a file
over the bucket's limit is refused without keeping any of it. Putting an existing id
replaces the file (so a retried upload job is harmless).
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, Protocol

from .errors import FileTooLarge, InvalidFileId, NotFound, UnknownBucket
from .schema import valid_id

MB = 1024 * 1024
CHUNK = 1 * MB
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_CONTENT_TYPE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*$")


@dataclass(frozen=True)
class Bucket:
    name: str
    max_size: int


BUCKETS: dict[str, Bucket] = {
    "images": Bucket("images", 10 * MB),
    "attachments": Bucket("attachments", 20 * MB),
    "docs": Bucket("docs", 20 * MB),
}


@dataclass(frozen=True)
class FileInfo:
    size: int
    sha256: str
    content_type: str
    name: str


class FileStore(Protocol):
    def put(
        self,
        bucket: str,
        file_id: str,
        data: bytes | BinaryIO,
        content_type: str = DEFAULT_CONTENT_TYPE,
        filename: str = "",
    ) -> FileInfo:
        """Store (or replace) a file; raises UnknownBucket, InvalidFileId, FileTooLarge."""

    def open(self, bucket: str, file_id: str) -> BinaryIO:
        """A binary stream of the content (the caller closes it); raises NotFound."""

    def info(self, bucket: str, file_id: str) -> FileInfo:
        """Size, checksum, content type and original name; raises NotFound."""

    def delete(self, bucket: str, file_id: str) -> bool:
        """Remove a file; False if there was none (deleting twice is harmless)."""

    def exists(self, bucket: str, file_id: str) -> bool: ...

    def size(self, bucket: str, file_id: str) -> int:
        """Size in bytes; raises NotFound."""


def clean_filename(name: str) -> str:
    """The display name to keep: no directories, no control characters, at most 255 chars."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable())
    return base.strip()[:255]


def clean_content_type(content_type: str) -> str:
    value = content_type.split(";", 1)[0].strip().lower()
    return value if _CONTENT_TYPE.match(value) else DEFAULT_CONTENT_TYPE


def check_target(buckets: Mapping[str, Bucket], bucket: str, file_id: str) -> None:
    """Refuse an unknown bucket or a file id that is not a valid document id (no traversal)."""
    if bucket not in buckets:
        known = ", ".join(sorted(buckets))
        raise UnknownBucket(f"unknown bucket {bucket!r} (known: {known})")
    if not isinstance(file_id, str) or not valid_id(file_id):
        raise InvalidFileId(f"invalid file id {file_id!r}")


class LocalFileStore:
    """Files in a local directory (the embedded default; ``instance/files``)."""

    def __init__(self, root: Path | str, buckets: Mapping[str, Bucket] = BUCKETS) -> None:
        self.root = Path(root).resolve()
        self.buckets = dict(buckets)

    def __repr__(self) -> str:
        return f"LocalFileStore({str(self.root)!r})"

    def _dir(self, bucket: str, file_id: str) -> Path:
        check_target(self.buckets, bucket, file_id)
        path = (self.root / bucket / file_id[:2] / file_id).resolve()
        if not path.is_relative_to(self.root / bucket):
            raise InvalidFileId(f"invalid file id {file_id!r}")
        return path

    def put(
        self,
        bucket: str,
        file_id: str,
        data: bytes | BinaryIO,
        content_type: str = DEFAULT_CONTENT_TYPE,
        filename: str = "",
    ) -> FileInfo:
        folder = self._dir(bucket, file_id)
        limit = self.buckets[bucket].max_size
        if isinstance(data, (bytes, bytearray, memoryview)) and len(data) > limit:
            raise FileTooLarge(bucket, limit)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".upload-", dir=folder.parent))
        try:
            size, digest = _write(staging / "content", data, bucket, limit)
            info = FileInfo(
                size, digest, clean_content_type(content_type), clean_filename(filename)
            )
            (staging / "meta.json").write_text(json.dumps(asdict(info)), encoding="utf-8")
            _swap_in(staging, folder)
            return info
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def open(self, bucket: str, file_id: str) -> BinaryIO:
        try:
            return builtins.open(self._dir(bucket, file_id) / "content", "rb")
        except FileNotFoundError:
            raise NotFound(bucket, file_id) from None

    def info(self, bucket: str, file_id: str) -> FileInfo:
        try:
            text = (self._dir(bucket, file_id) / "meta.json").read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(bucket, file_id) from None
        return FileInfo(**json.loads(text))

    def delete(self, bucket: str, file_id: str) -> bool:
        folder = self._dir(bucket, file_id)
        if not folder.exists():
            return False
        trash = folder.with_name(f".deleted-{file_id}-{secrets.token_hex(4)}")
        try:
            os.replace(folder, trash)
        except FileNotFoundError:
            return False
        shutil.rmtree(trash, ignore_errors=True)
        return True

    def exists(self, bucket: str, file_id: str) -> bool:
        return (self._dir(bucket, file_id) / "content").is_file()

    def size(self, bucket: str, file_id: str) -> int:
        try:
            return (self._dir(bucket, file_id) / "content").stat().st_size
        except FileNotFoundError:
            raise NotFound(bucket, file_id) from None


def _swap_in(staging: Path, folder: Path, attempts: int = 5) -> None:
    """Move the complete new file directory into place, replacing an older one."""
    for _ in range(attempts):
        old = folder.with_name(f".old-{folder.name}-{secrets.token_hex(4)}")
        with contextlib.suppress(FileNotFoundError):
            os.replace(folder, old)
        try:
            os.replace(staging, folder)
        except OSError:
            continue  # a concurrent put of the same id got there first; go again
        finally:
            shutil.rmtree(old, ignore_errors=True)
        return
    raise OSError(f"could not replace {folder}")


def _chunks(data: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
        return
    while chunk := data.read(CHUNK):
        if not isinstance(chunk, bytes):
            raise TypeError("files are binary: open the stream in 'rb' mode")
        yield chunk


def _write(target: Path, data: bytes | BinaryIO, bucket: str, limit: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with builtins.open(target, "wb") as out:
        for chunk in _chunks(data):
            size += len(chunk)
            if size > limit:
                raise FileTooLarge(bucket, limit)
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        with contextlib.suppress(OSError):
            os.fsync(out.fileno())
    return size, digest.hexdigest()
