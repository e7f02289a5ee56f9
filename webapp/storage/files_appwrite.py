"""The files port on Appwrite Storage: one Appwrite bucket per Keel bucket.

``AppwriteFileStore(endpoint, project, key)`` stores ``images``, ``attachments`` and
``docs`` in Appwrite buckets of the same ids (``provision()`` creates them with the size
limits of ``files.BUCKETS``). Uploads go through the SDK's ``create_file``, which sends
files over 5 MB in 5 MB chunks (``Content-Range``), as Appwrite requires.

Differences from ``LocalFileStore``, all documented in docs/appwrite.md:

- Putting an existing id deletes the old file, then uploads the new one; a reader in
  between sees ``NotFound`` (Appwrite files cannot be replaced in place).
- ``info().content_type`` is the type Appwrite records; ``info().sha256`` is computed by
  downloading the file (Appwrite keeps only an MD5 signature), so call it sparingly.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from typing import BinaryIO

from appwrite.exception import AppwriteException
from appwrite.input_file import InputFile
from appwrite.services.storage import Storage

from .appwrite.client import make_client
from .errors import FileTooLarge, NotFound, StorageError, Unavailable, UnknownBucket
from .files import (
    BUCKETS,
    DEFAULT_CONTENT_TYPE,
    Bucket,
    FileInfo,
    _chunks,
    check_target,
    clean_content_type,
    clean_filename,
)


class AppwriteFileStore:
    def __init__(
        self,
        endpoint: str,
        project: str,
        key: str,
        buckets: Mapping[str, Bucket] = BUCKETS,
        *,
        timeout: float = 60.0,
    ) -> None:
        self.endpoint = endpoint
        self.client = make_client(endpoint, project, key, timeout=timeout)
        self.storage = Storage(self.client)
        self.buckets = dict(buckets)

    def __repr__(self) -> str:
        return f"AppwriteFileStore({self.endpoint!r})"

    def _check(self, bucket: str, file_id: str) -> None:
        check_target(self.buckets, bucket, file_id)

    @staticmethod
    def _error(exc: AppwriteException, bucket: str, file_id: str) -> StorageError:
        if exc.code == 404 and exc.type == "storage_file_not_found":
            return NotFound(bucket, file_id)
        if exc.code == 404 and exc.type == "storage_bucket_not_found":
            return UnknownBucket(f"bucket {bucket!r} is not provisioned on Appwrite")
        if exc.code in (0, 429, 500, 502, 503, 504):
            return Unavailable(str(exc.message))
        return StorageError(f"Appwrite storage error {exc.code} {exc.type}: {exc.message}")

    def provision(self) -> list[str]:
        """Create the buckets that do not exist yet; returns their ids."""
        created = []
        for bucket in self.buckets.values():
            try:
                self.storage.create_bucket(
                    bucket.name,
                    bucket.name,
                    permissions=[],
                    file_security=False,
                    maximum_file_size=bucket.max_size,
                )
            except AppwriteException as exc:
                if exc.code != 409:
                    raise self._error(exc, bucket.name, "") from exc
                continue
            created.append(bucket.name)
        return created

    def missing_buckets(self) -> list[str]:
        """The declared buckets Appwrite does not have."""
        missing = []
        for name in self.buckets:
            try:
                self.storage.get_bucket(name)
            except AppwriteException as exc:
                if exc.code != 404:
                    raise self._error(exc, name, "") from exc
                missing.append(name)
        return missing

    def put(
        self,
        bucket: str,
        file_id: str,
        data: bytes | BinaryIO,
        content_type: str = DEFAULT_CONTENT_TYPE,
        filename: str = "",
    ) -> FileInfo:
        self._check(bucket, file_id)
        limit = self.buckets[bucket].max_size
        buffer = bytearray()
        digest = hashlib.sha256()
        for chunk in _chunks(data):
            if len(buffer) + len(chunk) > limit:
                raise FileTooLarge(bucket, limit)
            buffer.extend(chunk)
            digest.update(chunk)
        name = clean_filename(filename) or file_id
        kind = clean_content_type(content_type)
        upload = InputFile.from_bytes(bytes(buffer), name, kind)
        self.delete(bucket, file_id)
        try:
            self.storage.create_file(bucket, file_id, upload)
        except AppwriteException as exc:
            raise self._error(exc, bucket, file_id) from exc
        return FileInfo(len(buffer), digest.hexdigest(), kind, clean_filename(filename))

    def _download(self, bucket: str, file_id: str) -> bytes:
        self._check(bucket, file_id)
        try:
            content = self.storage.get_file_download(bucket, file_id)
        except AppwriteException as exc:
            raise self._error(exc, bucket, file_id) from exc
        return content if isinstance(content, bytes) else bytes(content)

    def open(self, bucket: str, file_id: str) -> BinaryIO:
        return io.BytesIO(self._download(bucket, file_id))

    def _file(self, bucket: str, file_id: str) -> object:
        self._check(bucket, file_id)
        try:
            return self.storage.get_file(bucket, file_id)
        except AppwriteException as exc:
            raise self._error(exc, bucket, file_id) from exc

    def info(self, bucket: str, file_id: str) -> FileInfo:
        found = self._file(bucket, file_id)
        content = self._download(bucket, file_id)
        name = str(getattr(found, "name", ""))
        return FileInfo(
            len(content),
            hashlib.sha256(content).hexdigest(),
            clean_content_type(str(getattr(found, "mimetype", DEFAULT_CONTENT_TYPE))),
            "" if name == file_id else name,
        )

    def delete(self, bucket: str, file_id: str) -> bool:
        self._check(bucket, file_id)
        try:
            self.storage.delete_file(bucket, file_id)
        except AppwriteException as exc:
            if exc.code == 404 and exc.type == "storage_file_not_found":
                return False
            raise self._error(exc, bucket, file_id) from exc
        return True

    def exists(self, bucket: str, file_id: str) -> bool:
        try:
            self._file(bucket, file_id)
        except NotFound:
            return False
        return True

    def size(self, bucket: str, file_id: str) -> int:
        return int(getattr(self._file(bucket, file_id), "sizeoriginal", 0))
