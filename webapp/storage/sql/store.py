"""``SqlStore``: the documents port on SQLite or PostgreSQL, with SQLAlchemy Core.

Connections: outside a transaction every call checks a connection out of the engine's
pool for its own short transaction (writes on SQLite begin IMMEDIATE, so concurrent
writers queue on the busy timeout instead of failing on a lock upgrade). Inside
``transaction()`` every call of the same thread uses the transaction's connection, and a
write that fails (a ``Conflict``, say) leaves the transaction as it was before that write,
on both backends (PostgreSQL: each write runs in a savepoint; SQLite: every write is a
single statement, which SQLite backs out on its own); the exception then decides whether
the whole transaction rolls back.
"""

from __future__ import annotations

import builtins
import os
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from ..base import AfterCommit, Document, DocumentList, new_id
from ..errors import InvalidQuery, NotFound, UnknownCollection
from ..query import Page, Query, split
from ..schema import Attribute, Collection, IndexType, Schema
from ..validation import check_increment, prepare_create, prepare_update
from . import engine as engines
from .compiler import Compiler
from .migrate import Migrator
from .tables import Layout, index_name
from .types import from_column, to_column

GET_MANY_CHUNK = 500


def _dispose_after_fork(store: SqlStore) -> None:
    """A forked child (``gunicorn --preload``) must not reuse the parent's connections."""
    ref = weakref.ref(store)

    def forget_parent_connections() -> None:
        alive = ref()
        if alive is not None:
            alive.engine.dispose(close=False)

    os.register_at_fork(after_in_child=forget_parent_connections)


class SqlStore:
    """The SQL driver: ``SqlStore("sqlite:///instance/keel.db", SCHEMA)``."""

    def __init__(
        self, url: str, schema: Schema, *, busy_timeout: float = 10.0, pool_size: int = 10
    ) -> None:
        self.schema = schema
        self.dialect = engines.engine_url(url).get_backend_name()
        self.layout = Layout(schema, self.dialect)
        self.engine = engines.create(url, busy_timeout=busy_timeout, pool_size=pool_size)
        self.compiler = Compiler(self.dialect)
        self._migrator = Migrator(self.engine, self.layout)
        self._inserts = {cid: t.insert().returning(*t.c) for cid, t in self.layout.tables.items()}
        self._local = threading.local()
        self._after_commit = AfterCommit()
        _dispose_after_fork(self)
        # attributes under a unique index, per collection: writes that touch none of them
        # cannot raise Conflict
        self._unique: dict[str, frozenset[str]] = {
            c.id: frozenset(a for i in c.indexes if i.type is IndexType.UNIQUE
                            for a in i.attributes)
            for c in schema.collections.values()
        }
        self._constraints = {
            index_name(c, i): ", ".join(i.attributes)
            for c in schema.collections.values()
            for i in c.indexes
            if i.type is IndexType.UNIQUE
        }

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- connections -----------------------------------------------------------------
    def _tx(self) -> Connection | None:
        conn: Connection | None = getattr(self._local, "conn", None)
        return conn

    @contextmanager
    def _reading(self, collection: str) -> Iterator[Connection]:
        with engines.translated(collection, self._constraints):
            conn = self._tx()
            if conn is not None:
                yield conn
                return
            if getattr(self._local, "pinned", False):
                yield from self._pinned_read()
                return
            with self._read_connection() as conn:
                yield conn

    def _read_connection(self) -> Connection:
        """A connection for reads outside transactions. On PostgreSQL it runs in autocommit:
        no BEGIN before the statement and no ROLLBACK when it goes back to the pool."""
        conn = self.engine.connect()
        if self.dialect == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn

    def _pinned_read(self) -> Iterator[Connection]:
        conn: Connection | None = getattr(self._local, "read_conn", None)
        if conn is None:
            conn = self._local.read_conn = self._read_connection()
        try:
            yield conn
        except BaseException:
            # a broken or failed connection is not reused by the rest of the span
            self._local.read_conn = None
            conn.close()
            raise

    @contextmanager
    def reads_pinned(self) -> Iterator[None]:
        """Reads outside transactions share one connection until the block ends (a web
        request: one pool checkout and liveness ping instead of one per read)."""
        if self.dialect != "postgresql" or getattr(self._local, "pinned", False):
            yield  # SQLite reads are in-process: nothing to save, and no snapshot to hold
            return
        self._local.pinned = True
        try:
            yield
        finally:
            self._local.pinned = False
            conn = getattr(self._local, "read_conn", None)
            self._local.read_conn = None
            if conn is not None:
                conn.close()

    @contextmanager
    def _writing(self, collection: str, *, may_conflict: bool = True,
                 single: bool = False) -> Iterator[Connection]:
        """The connection for one write. Inside a transaction on PostgreSQL, a write that
        may break a unique index runs in a savepoint, so a caught ``Conflict`` leaves the
        transaction usable; one that cannot saves the two round trips. Outside a
        transaction, a ``single``-statement write on PostgreSQL runs in autocommit."""
        with engines.translated(collection, self._constraints):
            conn = self._tx()
            if conn is not None and (self.dialect == "sqlite" or not may_conflict):
                # SQLite backs out a failed statement without touching the rest of the
                # transaction; elsewhere only a broken unique index is expected to be
                # caught and carried on from.
                yield conn
                return
            if conn is not None:
                with conn.begin_nested():
                    yield conn
                return
            if single and self.dialect == "postgresql":
                if getattr(self._local, "pinned", False):
                    yield from self._pinned_read()
                else:
                    with self._read_connection() as conn:
                        yield conn
                return
            with self.engine.connect() as conn:
                conn.execution_options(**{engines.WRITE: True})
                with conn.begin():
                    yield conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All store calls of this thread inside commit together, or roll back on error.

        Nested ``transaction()`` blocks join the outer one through a savepoint: an
        exception leaving the inner block undoes only its writes (and, if it keeps
        propagating, the outer block's too).
        """
        outer = self._tx()
        if outer is not None:
            with self._after_commit.frame(), outer.begin_nested():
                yield
            return
        with self._after_commit.frame(), self.engine.connect() as conn:
            conn.execution_options(**{engines.WRITE: True})
            self._local.conn = conn
            try:
                with engines.translated("transaction", self._constraints), conn.begin():
                    yield
            finally:
                self._local.conn = None

    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` once the outermost transaction commits (see ``AfterCommit``)."""
        self._after_commit.add(callback)

    # -- helpers -------------------------------------------------------------------------
    def _collection(self, collection: str) -> tuple[Collection, sa.Table]:
        found = self.schema.collections.get(collection)
        if found is None:
            raise UnknownCollection(collection)
        return found, self.layout.table(collection)

    @staticmethod
    def _document(collection: Collection, row: Row[Any]) -> Document:
        values = row._mapping
        doc: Document = {
            "$id": values["id"],
            "$createdAt": values["created_at"],
            "$updatedAt": values["updated_at"],
        }
        attributes = _attributes_by_name(collection)
        for name, value in values.items():
            attr = attributes.get(name)
            if attr is not None:
                doc[name] = from_column(attr, value)
        return doc

    @staticmethod
    def _columns(collection: Collection, values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: to_column(collection.attribute(name), value) for name, value in values.items()
        }

    def _targets(
        self, conn: Connection, collection: Collection, table: sa.Table, queries: Sequence[Query]
    ) -> list[sa.ColumnElement[bool]]:
        """The WHERE of a bulk write; modifiers (order, limit...) pick ids by subquery."""
        page = split(queries)
        where = self.compiler.where(collection, table, page.filters)
        if all(q.is_filter for q in queries):
            return where
        explicit_limit = any(q.method == "limit" for q in queries)
        ids = self._page_select(conn, collection, table, page, [table.c.id], where)
        ids = ids.limit(page.limit if explicit_limit else None)
        return [table.c.id.in_(ids.scalar_subquery())]

    def _page_select(
        self,
        conn: Connection,
        collection: Collection,
        table: sa.Table,
        page: Page,
        columns: Sequence[sa.ColumnElement[Any]],
        where: Sequence[sa.ColumnElement[bool]],
    ) -> sa.Select[Any]:
        """One page: filters, cursor (resolved to its order-key values), order, limit."""
        keys = self.compiler.order(collection, table, page.order)
        stmt = sa.select(*columns).where(*where)
        if page.cursor_after is not None:
            cursor = sa.select(*(col for col, _ in keys)).where(table.c.id == page.cursor_after)
            found = conn.execute(cursor).first()
            if found is None:
                raise InvalidQuery(f"cursor document {collection.id}/{page.cursor_after} not found")
            stmt = stmt.where(self.compiler.after(keys, tuple(found)))
        return stmt.order_by(*self.compiler.order_by(keys)).limit(page.limit).offset(page.offset)

    # -- reads -------------------------------------------------------------------------------
    def get(self, collection: str, document_id: str) -> Document:
        doc = self.find(collection, document_id)
        if doc is None:
            raise NotFound(collection, document_id)
        return doc

    def find(self, collection: str, document_id: str) -> Document | None:
        coll, table = self._collection(collection)
        with self._reading(collection) as conn:
            row = conn.execute(sa.select(table).where(table.c.id == document_id)).first()
        return None if row is None else self._document(coll, row)

    def get_many(self, collection: str, ids: Sequence[str]) -> dict[str, Document]:
        coll, table = self._collection(collection)
        if isinstance(ids, str):
            raise InvalidQuery("get_many needs a sequence of ids, not one string")
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Document] = {}
        if not wanted:
            return found
        with self._reading(collection) as conn:
            for start in range(0, len(wanted), GET_MANY_CHUNK):
                chunk = wanted[start : start + GET_MANY_CHUNK]
                for row in conn.execute(sa.select(table).where(table.c.id.in_(chunk))):
                    doc = self._document(coll, row)
                    found[doc["$id"]] = doc
        return found

    def list(self, collection: str, queries: Sequence[Query] = ()) -> DocumentList:
        return self._list(collection, queries, with_total=True)

    def first(self, collection: str, queries: Sequence[Query] = ()) -> Document | None:
        found = self._list(collection, [*queries, Query.limit(1)], with_total=False)
        return found.documents[0] if found.documents else None

    def _list(self, collection: str, queries: Sequence[Query], *, with_total: bool) -> DocumentList:
        coll, table = self._collection(collection)
        page = split(queries)
        where = self.compiler.where(coll, table, page.filters)
        columns = self.compiler.selected(coll, table, page.select)
        with self._reading(collection) as conn:
            rows: Sequence[Row[Any]] = []
            if page.limit:
                stmt = self._page_select(conn, coll, table, page, columns, where)
                rows = conn.execute(stmt).all()
            total = len(rows)
            if with_total and not _page_tells_total(page, total):
                count = sa.select(sa.func.count()).select_from(table).where(*where)
                total = int(conn.execute(count).scalar_one())
            elif with_total:
                total += page.offset
        docs = [self._document(coll, row) for row in rows]
        return DocumentList(total, docs)

    def count(self, collection: str, queries: Sequence[Query] = ()) -> int:
        coll, table = self._collection(collection)
        where = self.compiler.where(coll, table, split(queries).filters)
        with self._reading(collection) as conn:
            stmt = sa.select(sa.func.count()).select_from(table).where(*where)
            return int(conn.execute(stmt).scalar_one())

    # -- writes ---------------------------------------------------------------------------
    def create(
        self, collection: str, data: Mapping[str, Any], document_id: str | None = None
    ) -> Document:
        coll, _ = self._collection(collection)
        doc = prepare_create(coll, data, document_id, new_id)
        now = datetime.now(UTC)
        created = doc.created_at or now
        row = {
            "id": doc.id,
            "created_at": created,
            "updated_at": doc.updated_at or created,
            **self._columns(coll, doc.values),
        }
        may_conflict = document_id is not None or bool(self._unique[collection])
        with self._writing(collection, may_conflict=may_conflict, single=True) as conn:
            inserted = conn.execute(self._inserts[collection], row).one()
        return self._document(coll, inserted)

    def update(self, collection: str, document_id: str, data: Mapping[str, Any]) -> Document:
        coll, table = self._collection(collection)
        values = self._columns(coll, prepare_update(coll, data))
        values["updated_at"] = datetime.now(UTC)
        stmt = table.update().where(table.c.id == document_id).values(values)
        may_conflict = not self._unique[collection].isdisjoint(values)
        with self._writing(collection, may_conflict=may_conflict, single=True) as conn:
            row = conn.execute(stmt.returning(*table.c)).first()
            if row is None:
                raise NotFound(collection, document_id)
        return self._document(coll, row)

    def update_where(
        self, collection: str, queries: Sequence[Query], data: Mapping[str, Any]
    ) -> int:
        coll, table = self._collection(collection)
        values = self._columns(coll, prepare_update(coll, data))
        values["updated_at"] = datetime.now(UTC)
        may_conflict = not self._unique[collection].isdisjoint(values)
        with self._writing(collection, may_conflict=may_conflict) as conn:
            where = self._targets(conn, coll, table, queries)
            return int(conn.execute(table.update().where(*where).values(values)).rowcount)

    def increment(
        self, collection: str, document_id: str, attribute: str, by: int | float = 1
    ) -> Document:
        coll, table = self._collection(collection)
        check_increment(coll, attribute, by)
        column = table.c[attribute]
        zero = sa.literal(0, column.type)
        stmt = (
            table.update()
            .where(table.c.id == document_id)
            .values(
                {attribute: sa.func.coalesce(column, zero) + by, "updated_at": datetime.now(UTC)}
            )
            .returning(*table.c)
        )
        may_conflict = attribute in self._unique[collection]
        with self._writing(collection, may_conflict=may_conflict, single=True) as conn:
            row = conn.execute(stmt).first()
            if row is None:
                raise NotFound(collection, document_id)
        return self._document(coll, row)

    def delete(self, collection: str, document_id: str) -> None:
        _, table = self._collection(collection)
        with self._writing(collection, may_conflict=False, single=True) as conn:
            result = conn.execute(table.delete().where(table.c.id == document_id))
            if result.rowcount == 0:
                raise NotFound(collection, document_id)

    def delete_where(self, collection: str, queries: Sequence[Query]) -> int:
        coll, table = self._collection(collection)
        with self._writing(collection, may_conflict=False) as conn:
            where = self._targets(conn, coll, table, queries)
            return int(conn.execute(table.delete().where(*where)).rowcount)

    # -- schema and lifecycle --------------------------------------------------------------
    def migrate(self) -> builtins.list[int]:
        """Apply pending schema versions; returns the versions applied (oldest first)."""
        return self._migrator.migrate()

    def schema_version(self) -> int:
        """The schema version applied to the database (0 before the first migration)."""
        return self._migrator.version()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        self.engine.dispose()


_BY_NAME: dict[int, tuple[Collection, dict[str, Attribute]]] = {}


def _attributes_by_name(collection: Collection) -> dict[str, Attribute]:
    """``{name: attribute}`` of a collection, built once per declaration."""
    found = _BY_NAME.get(id(collection))
    if found is None or found[0] is not collection:
        found = (collection, {attr.name: attr for attr in collection.attributes})
        _BY_NAME[id(collection)] = found
    return found[1]


def _page_tells_total(page: Page, found: int) -> bool:
    """Whether a page read without a cursor already tells the total (offset + rows): it was
    not full, and it either found rows or started at the beginning. A count is skipped."""
    if page.cursor_after is not None or not page.limit or found >= page.limit:
        return False
    return found > 0 or page.offset == 0
