"""Errors every storage driver raises, so callers never see a driver's own exceptions."""

from __future__ import annotations


class StorageError(Exception):
    """Base class; ``code`` is stable and safe to show in API errors."""

    code = "storage_error"


class NotFound(StorageError):
    code = "document_not_found"

    def __init__(self, collection: str, document_id: str) -> None:
        super().__init__(f"{collection}/{document_id} not found")
        self.collection = collection
        self.document_id = document_id


class Conflict(StorageError):
    """A unique index (or the document id) is already taken."""

    code = "document_already_exists"

    def __init__(self, collection: str, detail: str = "") -> None:
        super().__init__(f"{collection}: unique constraint violated {detail}".strip())
        self.collection = collection
        self.detail = detail


class InvalidDocument(StorageError):
    """The data does not fit the collection's schema (unknown attribute, wrong type...)."""

    code = "document_invalid_structure"


class InvalidQuery(StorageError):
    code = "general_query_invalid"


class Unavailable(StorageError):
    """The backend cannot be reached (after retries)."""

    code = "storage_unavailable"


class UnknownCollection(StorageError, KeyError):
    """The collection is not declared in the schema (a programming error)."""

    code = "collection_not_found"

    def __init__(self, collection: str) -> None:
        super().__init__(f"unknown collection {collection!r}")
        self.collection = collection

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownBucket(StorageError):
    """The files port only knows its declared buckets (images, attachments, docs)."""

    code = "storage_bucket_not_found"


class FileTooLarge(StorageError):
    code = "storage_file_too_large"

    def __init__(self, bucket: str, limit: int) -> None:
        super().__init__(f"file too large for {bucket}: the limit is {limit // (1024 * 1024)} MB")
        self.bucket = bucket
        self.limit = limit


class InvalidFileId(StorageError):
    """A file id that is not a valid id (and so could escape its bucket's directory)."""

    code = "storage_invalid_file_id"


class MailError(StorageError):
    """A message could not be handed to the mail transport; safe to retry later."""

    code = "mail_delivery_failed"
