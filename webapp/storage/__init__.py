"""The storage seam: documents, files and mail ports, and their drivers.

Features import from here (``from webapp.storage import Query, NotFound``) and never from
a driver or from SQLAlchemy.
"""

from __future__ import annotations

from .base import Document, DocumentList, DocumentStore, new_id
from .errors import (
    Conflict,
    FileTooLarge,
    InvalidDocument,
    InvalidFileId,
    InvalidQuery,
    MailError,
    NotFound,
    StorageError,
    Unavailable,
    UnknownBucket,
    UnknownCollection,
)
from .query import Query
from .schema import Attribute, AttrType, Collection, Index, IndexType, Schema

__all__ = [
    "AttrType",
    "Attribute",
    "Collection",
    "Conflict",
    "Document",
    "DocumentList",
    "DocumentStore",
    "FileTooLarge",
    "Index",
    "IndexType",
    "InvalidDocument",
    "InvalidFileId",
    "InvalidQuery",
    "MailError",
    "NotFound",
    "Query",
    "Schema",
    "StorageError",
    "Unavailable",
    "UnknownBucket",
    "UnknownCollection",
    "new_id",
    "open_store",
]

SQL_SCHEMES = ("sqlite", "postgresql", "postgres")


def open_store(url: str, schema: Schema, *, migrate: bool = False) -> DocumentStore:
    """The document store for ``url``, chosen by its scheme.

    ``sqlite:///path/to/keel.db`` (relative paths are relative to the working directory;
    four slashes for an absolute path), ``postgresql://user:pass@host:5432/db``, or
    ``appwrite+https://PROJECT:KEY@host/v1?database=ID`` (the Appwrite TablesDB driver).
    With ``migrate=True`` pending schema versions are applied before returning.
    """
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme == "appwrite":
        from .appwrite import open_appwrite

        appwrite_store = open_appwrite(url, schema)
        if migrate:
            appwrite_store.migrate()
        return appwrite_store
    if scheme not in SQL_SCHEMES:
        raise ValueError(
            f"no storage driver for {scheme!r} URLs (expected sqlite, postgresql or appwrite)"
        )
    from .sql import SqlStore

    store = SqlStore(url, schema)
    if migrate:
        store.migrate()
    return store
