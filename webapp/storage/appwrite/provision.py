"""Provisioning: the schema's tables, columns and indexes on Appwrite, version by version.

``migrate()`` creates the database if needed, then applies each pending schema version
(``migrations.migration``): create tables, add columns, add indexes. Every step is
idempotent (an existing table, column or index, HTTP 409, counts as done), and Appwrite
builds columns and indexes in the background, so each step waits until they are
``available``. A version is recorded as a row ``v<N>`` of the ``keel_meta`` table only
after all of its steps are available; the row id doubles as the lock: when several
processes provision at once, one records the version and the others get 409 and move on.

Appwrite has no transactional DDL: a version that fails half way (a unique index over
duplicate values, say) keeps the columns it already created, is not recorded, and its
failed index is removed, so running ``migrate()`` again (after fixing the data) completes
it. Column defaults are applied by the driver on create, so columns are created without
defaults; a column added to a table that already has rows gets its default written into
those rows.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from appwrite.enums.tables_db_index_type import TablesDBIndexType
from appwrite.exception import AppwriteException
from appwrite.query import Query as Q
from appwrite.services.tables_db import TablesDB

from .. import migrations
from ..errors import StorageError
from ..migrations import Migration, Step, StepKind
from ..schema import Attribute, AttrType, Collection, Index, IndexType, Schema
from ..validation import check_value
from .client import translate
from .values import DATETIME_SIZE, to_wire

META_TABLE = "keel_meta"
MAX_KEY = 36  # Appwrite keys: at most 36 characters
WAIT_SECONDS = 120.0

COLUMN_TYPES: dict[str, frozenset[str]] = {
    "enum": frozenset({"enum"}),
    AttrType.STRING: frozenset({"varchar", "string"}),
    AttrType.TEXT: frozenset({"longtext", "mediumtext", "text", "string"}),
    AttrType.JSON: frozenset({"longtext", "mediumtext", "text", "string"}),
    AttrType.INTEGER: frozenset({"bigint", "integer"}),
    AttrType.FLOAT: frozenset({"double", "float"}),
    AttrType.BOOLEAN: frozenset({"boolean"}),
    AttrType.DATETIME: frozenset({"varchar", "string"}),
}


def _exists_ok(call: Callable[[], Any]) -> None:
    try:
        call()
    except AppwriteException as exc:
        if exc.code != 409:
            raise


class Provisioner:
    def __init__(self, db: TablesDB, database_id: str, schema: Schema) -> None:
        self.db = db
        self.database_id = database_id
        self.schema = schema
        if META_TABLE in schema.collections:
            raise ValueError(f"{META_TABLE!r} is reserved for the schema version")

    # -- version -------------------------------------------------------------------------
    def version(self) -> int:
        try:
            rows = self.db.list_rows(
                self.database_id,
                META_TABLE,
                [Q.order_desc("version"), Q.limit(1)],
                total=False,
            )
        except AppwriteException as exc:
            if exc.code == 404:
                return 0
            raise translate(exc, META_TABLE) from exc
        return int(rows.rows[0].data["version"]) if rows.rows else 0

    def migrate(self) -> list[int]:
        try:
            self._meta()
        except AppwriteException as exc:
            raise StorageError(f"cannot provision {self.database_id}: {exc.message}") from exc
        applied: list[int] = []
        while True:
            current = self.version()
            if current >= self.schema.version:
                return applied
            step = migrations.migration(self.schema, current + 1)
            try:
                self._apply(step)
            except (AppwriteException, StorageError) as exc:
                detail = exc.message if isinstance(exc, AppwriteException) else str(exc)
                raise StorageError(f"migration {step.name} failed: {detail}") from exc
            if self._record(step):
                applied.append(step.version)

    def _meta(self) -> None:
        _exists_ok(lambda: self.db.create(self.database_id, "Keel"))
        _exists_ok(lambda: self.db.create_table(self.database_id, META_TABLE, "Keel schema"))
        table = META_TABLE
        _exists_ok(lambda: self.db.create_big_int_column(self.database_id, table, "version", True))
        _exists_ok(
            lambda: self.db.create_varchar_column(self.database_id, table, "name", 100, True)
        )
        _exists_ok(
            lambda: self.db.create_longtext_column(self.database_id, table, "description", False)
        )
        _exists_ok(
            lambda: self.db.create_varchar_column(
                self.database_id, table, "applied_at", DATETIME_SIZE, False
            )
        )
        self._wait_columns(table, {"version", "name", "description", "applied_at"})

    def _record(self, step: Migration) -> bool:
        from datetime import UTC, datetime

        data = {
            "version": step.version,
            "name": step.name,
            "description": step.description[:100_000],
            "applied_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        }
        try:
            self.db.create_row(self.database_id, META_TABLE, step.name, data)
        except AppwriteException as exc:
            if exc.code == 409:
                return False  # another process recorded it first
            raise translate(exc, META_TABLE) from exc
        return True

    # -- steps -----------------------------------------------------------------------------
    def _apply(self, migration: Migration) -> None:
        for step in migration.steps:
            if step.kind is StepKind.CREATE_COLLECTION:
                self._create_table(step)
            elif step.kind is StepKind.ADD_ATTRIBUTE:
                self._add_column(step.collection, step.attributes[0])
            else:
                self._add_index(step.collection, step.indexes[0])

    def _create_table(self, step: Step) -> None:
        coll = step.collection
        _exists_ok(
            lambda: self.db.create_table(
                self.database_id, coll.id, coll.name, permissions=[], row_security=False
            )
        )
        for attr in step.attributes:
            self._column(coll, attr)
        self._wait_columns(coll.id, {a.name for a in step.attributes})
        for index in step.indexes:
            self._add_index(coll, index)

    def _column(self, coll: Collection, attr: Attribute) -> None:
        db, table, key, array = self.database_id, coll.id, attr.name, attr.array
        t = attr.type
        if t is AttrType.STRING and attr.elements:
            call = lambda: self.db.create_enum_column(  # noqa: E731
                db, table, key, list(attr.elements), False, array=array
            )
        elif t in (AttrType.STRING, AttrType.DATETIME):
            size = attr.size if t is AttrType.STRING else DATETIME_SIZE
            call = lambda: self.db.create_varchar_column(db, table, key, size, False, array=array)  # noqa: E731
        elif t in (AttrType.TEXT, AttrType.JSON):
            call = lambda: self.db.create_longtext_column(db, table, key, False, array=array)  # noqa: E731
        elif t is AttrType.INTEGER:
            call = lambda: self.db.create_big_int_column(db, table, key, False, array=array)  # noqa: E731
        elif t is AttrType.FLOAT:
            call = lambda: self.db.create_float_column(db, table, key, False, array=array)  # noqa: E731
        else:
            call = lambda: self.db.create_boolean_column(db, table, key, False, array=array)  # noqa: E731
        _exists_ok(call)

    def _add_column(self, coll: Collection, attr: Attribute) -> None:
        self._column(coll, attr)
        self._wait_columns(coll.id, {attr.name})
        if attr.default is None:
            return
        value = to_wire(attr, check_value(coll, attr, attr.default))
        pending = [Q.is_null(attr.name), Q.select(["$id", "$updatedAt"]), Q.limit(100)]
        while True:
            rows = self.db.list_rows(self.database_id, coll.id, pending, total=False).rows
            if not rows:
                return
            for row in rows:  # one by one, keeping each row's $updatedAt
                data = {attr.name: value, "$updatedAt": row.updatedat}
                self.db.update_row(self.database_id, coll.id, row.id, data)

    def _add_index(self, coll: Collection, index: Index) -> None:
        for key, kind, columns in appwrite_indexes(index):
            self._create_index(coll, key, kind, columns)

    def _create_index(self, coll: Collection, key: str, kind: str, columns: list[str]) -> None:
        _exists_ok(
            lambda: self.db.create_index(
                self.database_id, coll.id, key, TablesDBIndexType(kind), columns
            )
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            found = self.db.get_index(self.database_id, coll.id, key)
            if found.status == "available":
                return
            if found.status in ("failed", "stuck"):
                error = found.error or found.status
                _exists_ok(lambda: self.db.delete_index(self.database_id, coll.id, key))
                raise StorageError(f"index {coll.id}.{key}: {error}")
            if time.monotonic() > deadline:
                raise StorageError(f"index {coll.id}.{key} still {found.status}")
            time.sleep(0.5)

    def _wait_columns(self, table: str, keys: set[str]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            columns = self.db.list_columns(self.database_id, table, [Q.limit(5000)]).columns
            status = {c.key: _status(c) for c in columns}
            failed = sorted(k for k in keys if status.get(k) in ("failed", "stuck"))
            if failed:
                raise StorageError(f"columns {table}.{', '.join(failed)} failed")
            if all(status.get(k) == "available" for k in keys):
                return
            if time.monotonic() > deadline:
                raise StorageError(f"columns of {table} still processing")
            time.sleep(0.5)

    # -- drift -----------------------------------------------------------------------------
    def drift(self) -> list[str]:
        """What differs between the declared schema and the database (empty: nothing)."""
        lines: list[str] = []
        try:
            version = self.version()
        except StorageError as exc:
            return [f"cannot read the schema version: {exc}"]
        if version != self.schema.version:
            lines.append(f"schema version: database v{version}, declared v{self.schema.version}")
        for coll in self.schema:
            lines.extend(self._table_drift(coll))
        return lines

    def _table_drift(self, coll: Collection) -> list[str]:
        try:
            columns = self._raw_columns(coll.id)
            indexes = self.db.list_indexes(self.database_id, coll.id, [Q.limit(5000)]).indexes
        except AppwriteException as exc:
            if exc.code == 404:
                return [f"{coll.id}: table missing"]
            raise translate(exc, coll.id) from exc
        lines: list[str] = []
        actual = {c["key"]: c for c in columns}
        for attr in coll.attributes:
            col = actual.pop(attr.name, None)
            where = f"{coll.id}.{attr.name}"
            if col is None:
                lines.append(f"{where}: column missing")
                continue
            kind = "enum" if attr.elements and attr.type is AttrType.STRING else attr.type
            col_type = "enum" if col.get("format") == "enum" else str(col.get("type"))
            if col_type not in COLUMN_TYPES[kind]:
                lines.append(f"{where}: column type {col_type}, expected {attr.type.value}")
            if bool(col.get("array")) != attr.array:
                lines.append(f"{where}: array is {bool(col.get('array'))}")
            size = col.get("size")
            plain_string = attr.type is AttrType.STRING and not attr.elements
            if plain_string and size is not None and int(size) < attr.size:
                lines.append(f"{where}: size {int(size)}, declared {attr.size}")
            if col.get("status") != "available":
                lines.append(f"{where}: column {col.get('status')}")
        lines.extend(f"{coll.id}.{key}: column not in the schema" for key in sorted(actual))
        found = {i.key: i for i in indexes}
        expected = [spec for index in coll.indexes for spec in appwrite_indexes(index)]
        for key, kind, index_columns in expected:
            got = found.pop(key, None)
            where = f"{coll.id} index {key}"
            if got is None:
                lines.append(f"{where}: missing")
            elif got.type != kind or list(got.columns) != index_columns:
                lines.append(f"{where}: is {got.type} on {', '.join(got.columns)}")
            elif got.status != "available":
                lines.append(f"{where}: {got.status}")
        lines.extend(f"{coll.id} index {key}: not in the schema" for key in sorted(found))
        return lines

    def _raw_columns(self, table: str) -> list[dict[str, Any]]:
        """The columns as Appwrite sends them (the SDK's union model can lose their type)."""
        client = self.db.client
        path = f"/tablesdb/{self.database_id}/tables/{table}/columns"
        headers = {"X-Appwrite-Project": client.get_config("project"), "accept": "application/json"}
        body = client.call("get", path, headers, {"queries": [Q.limit(5000)]})
        return list(body.get("columns", []))


def appwrite_indexes(index: Index) -> list[tuple[str, str, list[str]]]:
    """The Appwrite indexes ``(key, type, columns)`` for one declared index.

    A fulltext index over several attributes becomes one fulltext index per attribute
    (``<name>_<attribute>``): Appwrite (MariaDB ``MATCH``) searches one column at a time
    and needs a fulltext index on exactly that column.
    """
    if index.type is not IndexType.FULLTEXT or len(index.attributes) == 1:
        return [(index.name, index.type.value, list(index.attributes))]
    return [(_key(f"{index.name}_{name}"), "fulltext", [name]) for name in index.attributes]


def _key(name: str) -> str:
    if len(name) <= MAX_KEY:
        return name
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{name[: MAX_KEY - 9]}_{digest}"


def _status(column: Any) -> str:
    status = getattr(column, "status", "")
    return str(getattr(status, "value", status))
