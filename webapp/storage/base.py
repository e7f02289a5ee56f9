"""The documents port: what every driver implements (SQL now, Appwrite later).

Documents are plain dicts: the collection's attributes plus ``$id``, ``$createdAt`` and
``$updatedAt`` (timezone-aware UTC datetimes). DATETIME attributes come back as aware
datetimes, JSON attributes as Python values, array attributes as lists.
"""

from __future__ import annotations

import builtins
import logging
import secrets
import string
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .query import Query
from .schema import Schema

Document = dict[str, Any]

log = logging.getLogger(__name__)

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


class AfterCommit:
    """Per-thread callbacks that run once the outermost transaction has committed.

    Drivers wrap every ``transaction()`` block in ``frame()``. A callback added inside a
    block waits for the outermost commit; an exception leaving a block (a rollback, or a
    savepoint undone) drops the callbacks added inside it. Outside any transaction a
    callback runs at once. A failing callback is logged and never reaches the writer.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _stack(self) -> list[list[Callable[[], Any]]]:
        stack: list[list[Callable[[], Any]]] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def add(self, callback: Callable[[], Any]) -> None:
        stack = self._stack()
        if stack:
            stack[-1].append(callback)
        else:
            self._run([callback])

    @contextmanager
    def frame(self) -> Iterator[None]:
        stack = self._stack()
        stack.append([])
        try:
            yield
        except BaseException:
            stack.pop()
            raise
        done = stack.pop()
        if stack:
            stack[-1].extend(done)
        else:
            self._run(done)

    @staticmethod
    def _run(callbacks: Sequence[Callable[[], Any]]) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback %r failed", callback)


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

    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` after the current outermost transaction commits (never if it
        rolls back); at once outside a transaction. Its failures are logged, not raised."""

    def reads_pinned(self) -> AbstractContextManager[None]:
        """A span (one web request) in which this thread's reads outside transactions share
        one connection, checked out on the first read and returned at the end; a driver
        without connections makes it a no-op."""

    def migrate(self) -> builtins.list[int]:
        """Apply pending schema versions; returns the versions applied."""

    def schema_version(self) -> int: ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...
