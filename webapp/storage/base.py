"""The documents port: what every driver implements (SQL now, Appwrite later).

Documents are plain dicts: the collection's attributes plus ``$id``, ``$createdAt`` and
``$updatedAt`` (timezone-aware UTC datetimes). DATETIME attributes come back as aware
datetimes, JSON attributes as Python values, array attributes as lists.
"""

from __future__ import annotations

import builtins
import secrets
import string
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .query import Query
from .schema import Schema

Document = dict[str, Any]

_ALPHABET = string.ascii_lowercase + string.digits
_SPACE = len(_ALPHABET) ** 20


def new_id(prefix: str = "") -> str:
    """A fresh Appwrite-compatible id (20 random chars, optional short prefix)."""
    number = secrets.randbelow(_SPACE)
    chars = []
    for _ in range(20):
        number, digit = divmod(number, 36)
        chars.append(_ALPHABET[digit])
    return prefix + "".join(chars)


@dataclass
class DocumentList:
    total: int
    documents: list[Document] = field(default_factory=list)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)


class DocumentStore(Protocol):
    schema: Schema

    def create(
        self, collection: str, data: Mapping[str, Any], document_id: str | None = None
    ) -> Document:
        """Insert; raises Conflict on a taken id or unique index, InvalidDocument on bad data."""

    def get(self, collection: str, document_id: str) -> Document:
        """Raises NotFound."""

    def find(self, collection: str, document_id: str) -> Document | None:
        """Like get, but None when missing."""

    def get_many(self, collection: str, ids: Sequence[str]) -> dict[str, Document]:
        """Batch read by ids in one round trip; missing ids are absent from the result."""

    def list(self, collection: str, queries: Sequence[Query] = ()) -> DocumentList:
        """Filtered, ordered page of documents plus the total matching the filters."""

    def first(self, collection: str, queries: Sequence[Query] = ()) -> Document | None:
        """The first match or None (no total computed)."""

    def count(self, collection: str, queries: Sequence[Query] = ()) -> int: ...

    def update(self, collection: str, document_id: str, data: Mapping[str, Any]) -> Document:
        """Partial update; raises NotFound, Conflict, InvalidDocument."""

    def update_where(
        self, collection: str, queries: Sequence[Query], data: Mapping[str, Any]
    ) -> int:
        """Update every match; returns how many changed."""

    def increment(
        self, collection: str, document_id: str, attribute: str, by: int | float = 1
    ) -> Document:
        """Atomic in-place increment of a numeric attribute."""

    def delete(self, collection: str, document_id: str) -> None:
        """Raises NotFound."""

    def delete_where(self, collection: str, queries: Sequence[Query]) -> int: ...

    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all; nests (inner joins outer)."""

    def migrate(self) -> builtins.list[int]:
        """Apply pending schema versions; returns the versions applied."""

    def schema_version(self) -> int: ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...
