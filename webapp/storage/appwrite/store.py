"""``AppwriteStore``: the documents port on Appwrite TablesDB, through the official SDK.

Each collection is a table of the database ``APPWRITE_DATABASE_ID``; each attribute a
column with the same key (see ``values.py`` for the types). Documents are validated in
Python with the same rules as the SQL driver (``validation.py``), and queries are checked
by the same rules (``queries.py``), so both drivers refuse the same things.

Transactions use Appwrite's transactions API: ``transaction()`` creates one, every call
of the same thread inside passes its id (writes are staged, reads see the staged writes),
and leaving the block commits it (or rolls it back on an exception). Appwrite has no
savepoints: a nested ``transaction()`` joins the outer one, and if an inner block fails
while the outer block goes on, the outer commit is refused (``StorageError``) and
everything is rolled back rather than committing writes the inner block meant to undo.
"""

from __future__ import annotations

import builtins
import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from appwrite.exception import AppwriteException
from appwrite.query import Query as Q
from appwrite.services.tables_db import TablesDB

from ..base import AfterCommit, Document, DocumentList, new_id
from ..errors import (
    Conflict,
    InvalidQuery,
    NotFound,
    StorageError,
    UnknownCollection,
)
from ..query import Query
from ..schema import META, Collection, IndexType, Schema
from ..validation import check_increment, prepare_create, prepare_update
from .client import make_client, translate, translated
from .provision import Provisioner
from .queries import MAX_VALUES, compile_queries
from .values import appwrite_time, from_wire, parse_time, to_wire

BULK_PAGE = 1000


class _Tx:
    def __init__(self, tx_id: str) -> None:
        self.id = tx_id
        self.depth = 0
        self.inner_failed = False


class AppwriteStore:
    """``AppwriteStore(endpoint, project, key, database_id, SCHEMA)``."""

    def __init__(
        self,
        endpoint: str,
        project: str,
        key: str,
        database_id: str,
        schema: Schema,
        *,
        timeout: float = 10.0,
        retries: int = 3,
    ) -> None:
        self.schema = schema
        self.endpoint = endpoint
        self.project = project
        self.database_id = database_id
        self.client = make_client(endpoint, project, key, timeout=timeout, retries=retries)
        self.db = TablesDB(self.client)
        self._local = threading.local()
        self._after_commit = AfterCommit()
        self._provisioner = Provisioner(self.db, database_id, schema)

    def __repr__(self) -> str:
        return (
            f"AppwriteStore({self.endpoint!r}, project={self.project!r}, db={self.database_id!r})"
        )

    # -- helpers -----------------------------------------------------------------------
    def _collection(self, collection: str) -> Collection:
        found = self.schema.collections.get(collection)
        if found is None:
            raise UnknownCollection(collection)
        return found

    def _tx(self) -> _Tx | None:
        tx: _Tx | None = getattr(self._local, "tx", None)
        return tx

    def _tx_id(self) -> str | None:
        tx = self._tx()
        return tx.id if tx is not None else None

    @staticmethod
    def _document(collection: Collection, row: Any) -> Document:
        data = row.data
        doc: Document = {
            "$id": row.id,
            "$createdAt": parse_time(row.createdat),
            "$updatedAt": parse_time(row.updatedat),
        }
        for attr in collection.attributes:
            if attr.name in data:
                doc[attr.name] = from_wire(attr, data[attr.name])
        return doc

    @staticmethod
    def _wire(collection: Collection, values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: to_wire(collection.attribute(name), v) for name, v in values.items()}

    # -- transactions ------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._after_commit.frame():
            yield from self._transaction()

    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` once the outermost transaction commits (see ``AfterCommit``)."""
        self._after_commit.add(callback)

    def _transaction(self) -> Iterator[None]:
        tx = self._tx()
        if tx is not None:
            tx.depth += 1
            try:
                yield
            except BaseException:
                tx.inner_failed = True
                raise
            finally:
                tx.depth -= 1
            return
        with translated("transaction"):
            created = self.db.create_transaction()
        tx = _Tx(created.id)
        self._local.tx = tx
        try:
            yield
            if tx.inner_failed:
                raise StorageError(
                    "an inner transaction failed and Appwrite has no savepoints: "
                    "the whole transaction was rolled back"
                )
        except BaseException:
            self._local.tx = None
            with contextlib.suppress(AppwriteException):  # else it expires on its own
                self.db.update_transaction(tx.id, rollback=True)
            raise
        self._local.tx = None
        with translated("transaction"):
            self.db.update_transaction(tx.id, commit=True)

    # -- reads -------------------------------------------------------------------------
    def get(self, collection: str, document_id: str) -> Document:
        doc = self.find(collection, document_id)
        if doc is None:
            raise NotFound(collection, document_id)
        return doc

    def find(self, collection: str, document_id: str) -> Document | None:
        coll = self._collection(collection)
        try:
            row = self.db.get_row(
                self.database_id, collection, document_id, transaction_id=self._tx_id()
            )
        except AppwriteException as exc:
            error = translate(exc, collection, document_id)
            if isinstance(error, NotFound):
                return None
            raise error from exc
        return self._document(coll, row)

    def get_many(self, collection: str, ids: Sequence[str]) -> dict[str, Document]:
        coll = self._collection(collection)
        if isinstance(ids, str):
            raise InvalidQuery("get_many needs a sequence of ids, not one string")
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Document] = {}
        for start in range(0, len(wanted), MAX_VALUES):
            chunk = wanted[start : start + MAX_VALUES]
            queries = [Q.equal("$id", chunk), Q.limit(len(chunk))]
            for doc in self._rows(coll, queries, total=False)[1]:
                found[doc["$id"]] = doc
        return found

    def _rows(
        self, coll: Collection, queries: list[str], *, total: bool
    ) -> tuple[int, list[Document]]:
        with translated(coll.id):
            result = self.db.list_rows(
                self.database_id, coll.id, queries, transaction_id=self._tx_id(), total=total
            )
        return int(result.total), [self._document(coll, row) for row in result.rows]

    def list(self, collection: str, queries: Sequence[Query] = ()) -> DocumentList:
        return self._list(collection, queries, with_total=True)

    def first(self, collection: str, queries: Sequence[Query] = ()) -> Document | None:
        found = self._list(collection, [*queries, Query.limit(1)], with_total=False)
        return found.documents[0] if found.documents else None

    def _list(self, collection: str, queries: Sequence[Query], *, with_total: bool) -> DocumentList:
        coll = self._collection(collection)
        compiled = compile_queries(coll, queries)
        page = compiled.page
        wire = [*compiled.filters, *compiled.order, Q.limit(max(page.limit, 1))]
        if page.offset:
            wire.append(Q.offset(page.offset))
        if page.cursor_after is not None:
            wire.append(Q.cursor_after(page.cursor_after))
        if compiled.select is not None:
            wire.append(Q.select(compiled.select))
        try:
            total, docs = self._rows(coll, wire, total=with_total)
        except InvalidQuery as exc:
            if page.cursor_after is not None and "cursor" in str(exc).lower():
                raise InvalidQuery(
                    f"cursor document {collection}/{page.cursor_after} not found"
                ) from exc
            raise
        if page.limit == 0:
            docs = []
        if compiled.select is not None:
            keep = {"$id", "$createdAt", "$updatedAt", *compiled.select}
            docs = [{k: v for k, v in d.items() if k in keep} for d in docs]
        return DocumentList(total if with_total else len(docs), docs)

    def count(self, collection: str, queries: Sequence[Query] = ()) -> int:
        coll = self._collection(collection)
        compiled = compile_queries(coll, [q for q in queries if q.is_filter])
        return self._rows(coll, [*compiled.filters, Q.limit(1)], total=True)[0]

    # -- writes ------------------------------------------------------------------------
    def create(
        self, collection: str, data: Mapping[str, Any], document_id: str | None = None
    ) -> Document:
        coll = self._collection(collection)
        doc = prepare_create(coll, data, document_id, new_id)
        body = self._wire(coll, doc.values)
        if doc.created_at is not None:
            body["$createdAt"] = appwrite_time(doc.created_at)
        if doc.updated_at is not None or doc.created_at is not None:
            body["$updatedAt"] = appwrite_time(doc.updated_at or doc.created_at)  # type: ignore[arg-type]
        try:
            row = self.db.create_row(
                self.database_id, collection, doc.id, body, transaction_id=self._tx_id()
            )
        except AppwriteException as exc:
            raise self._error(exc, coll, doc.id, doc.values) from exc
        return self._document(coll, row)

    def _error(
        self, exc: AppwriteException, coll: Collection, doc_id: str, values: Mapping[str, Any]
    ) -> StorageError:
        """The seam's error; a ``Conflict`` names the id or the unique index's attributes."""
        error = translate(exc, coll.id, doc_id)
        if not isinstance(error, Conflict):
            return error
        if "requested id" in str(exc.message).lower():
            return Conflict(coll.id, "$id")
        for index in coll.indexes:
            if index.type is not IndexType.UNIQUE:
                continue
            wanted = [values.get(name) for name in index.attributes]
            if any(v is None for v in wanted):
                continue
            queries = [
                *(
                    Q.equal(n, to_wire(coll.attribute(n), v))
                    for n, v in zip(index.attributes, wanted, strict=True)
                ),
                Q.not_equal("$id", doc_id),
                Q.limit(1),
            ]
            try:
                if self._rows(coll, queries, total=False)[1]:
                    return Conflict(coll.id, ", ".join(index.attributes))
            except StorageError:
                break
        return error

    def update(self, collection: str, document_id: str, data: Mapping[str, Any]) -> Document:
        coll = self._collection(collection)
        values = prepare_update(coll, data)
        body = self._wire(coll, values)
        try:
            row = self.db.update_row(
                self.database_id, collection, document_id, body, transaction_id=self._tx_id()
            )
        except AppwriteException as exc:
            current = self.find(collection, document_id) if exc.code == 409 else None
            raise self._error(exc, coll, document_id, {**(current or {}), **values}) from exc
        return self._document(coll, row)

    def _targets(self, coll: Collection, queries: Sequence[Query]) -> builtins.list[str] | None:
        """Ids a bulk write picks when it has modifiers; None when filters alone decide."""
        compiled = compile_queries(coll, queries)
        if all(q.is_filter for q in queries):
            return None
        explicit = any(q.method == "limit" for q in queries)
        wanted = compiled.page.limit if explicit else None
        ids: builtins.list[str] = []
        offset = compiled.page.offset
        cursor = compiled.page.cursor_after
        while wanted is None or len(ids) < wanted:
            size = BULK_PAGE if wanted is None else min(BULK_PAGE, wanted - len(ids))
            if size <= 0:
                break
            wire = [*compiled.filters, *compiled.order, Q.limit(size), Q.select(list(META))]
            if cursor is not None:
                wire.append(Q.cursor_after(cursor))
            elif offset:
                wire.append(Q.offset(offset))
            batch = [d["$id"] for d in self._rows(coll, wire, total=False)[1]]
            ids.extend(batch)
            if len(batch) < size:
                break
            cursor = batch[-1]
        return ids

    def _bulk(self, coll: Collection, queries: Sequence[Query], write: Any) -> int:
        targets = self._targets(coll, queries)
        if targets is None:
            filters = compile_queries(coll, queries).filters
            with translated(coll.id):
                return int(write(filters).total)
        changed = 0
        for start in range(0, len(targets), MAX_VALUES):
            chunk = targets[start : start + MAX_VALUES]
            with translated(coll.id):
                changed += int(write([Q.equal("$id", chunk)]).total)
        return changed

    def update_where(
        self, collection: str, queries: Sequence[Query], data: Mapping[str, Any]
    ) -> int:
        coll = self._collection(collection)
        body = self._wire(coll, prepare_update(coll, data))
        return self._bulk(
            coll,
            queries,
            lambda q: self.db.update_rows(
                self.database_id, collection, body, q, transaction_id=self._tx_id()
            ),
        )

    def increment(
        self, collection: str, document_id: str, attribute: str, by: int | float = 1
    ) -> Document:
        coll = self._collection(collection)
        check_increment(coll, attribute, by)
        tx = self._tx_id()
        with translated(collection, document_id):
            if by > 0:
                row = self.db.increment_row_column(
                    self.database_id, collection, document_id, attribute, by, transaction_id=tx
                )
            elif by < 0:
                row = self.db.decrement_row_column(
                    self.database_id, collection, document_id, attribute, -by, transaction_id=tx
                )
            else:
                row = self.db.update_row(
                    self.database_id, collection, document_id, {}, transaction_id=tx
                )
        return self._document(coll, row)

    def delete(self, collection: str, document_id: str) -> None:
        self._collection(collection)
        with translated(collection, document_id):
            self.db.delete_row(
                self.database_id, collection, document_id, transaction_id=self._tx_id()
            )

    def delete_where(self, collection: str, queries: Sequence[Query]) -> int:
        coll = self._collection(collection)
        return self._bulk(
            coll,
            queries,
            lambda q: self.db.delete_rows(
                self.database_id, collection, q, transaction_id=self._tx_id()
            ),
        )

    # -- schema and lifecycle ----------------------------------------------------------
    def migrate(self) -> builtins.list[int]:
        """Provision pending schema versions; returns the versions applied (oldest first)."""
        return self._provisioner.migrate()

    def schema_version(self) -> int:
        return self._provisioner.version()

    def check(self) -> builtins.list[str]:
        """Drift between the declared schema and the provisioned database (empty: none)."""
        return self._provisioner.drift()

    def ping(self) -> bool:
        """True when the server answers and accepts the project and key."""
        try:
            self.db.get(self.database_id)
        except AppwriteException as exc:
            return bool(exc.type == "database_not_found")
        return True

    @contextmanager
    def reads_pinned(self) -> Iterator[None]:
        """Nothing to pin: every call is an HTTP request of its own."""
        yield

    def close(self) -> None:
        self.client.close()
