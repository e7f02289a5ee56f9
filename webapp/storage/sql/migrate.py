"""Applying schema migrations to a SQL database.

Each pending version runs in its own transaction together with its row in
``keel_schema_migrations``, so a failed version leaves nothing behind and the next start
retries it. Concurrent starters serialise: on PostgreSQL with a transaction-level
advisory lock (per database schema), on SQLite with ``BEGIN IMMEDIATE``; whoever gets the
lock second finds the version applied and moves on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateColumn

from .. import migrations
from ..errors import StorageError
from ..migrations import Migration, Step, StepKind
from ..schema import IndexType
from ..validation import check_value
from . import fulltext
from .engine import WRITE, translated
from .tables import MIGRATIONS_TABLE, Layout, build_table, index_objects, migrations_table
from .types import to_column

log = logging.getLogger(__name__)
_LOCK_CLASS = 7301  # first key of the advisory lock; the second is the schema's hash


class Migrator:
    def __init__(self, engine: Engine, layout: Layout) -> None:
        self.engine = engine
        self.layout = layout
        self.dialect = engine.dialect.name

    def version(self) -> int:
        with translated(MIGRATIONS_TABLE), self.engine.connect() as conn:
            return self._current(conn)

    def _current(self, conn: Connection) -> int:
        if not sa.inspect(conn).has_table(MIGRATIONS_TABLE):
            return 0
        version = conn.execute(sa.select(sa.func.max(self.layout.migrations.c.version)))
        return int(version.scalar() or 0)

    def migrate(self) -> list[int]:
        applied: list[int] = []
        while True:
            version = self._next()
            if version is None:
                return applied
            applied.append(version)

    def _next(self) -> int | None:
        """Apply the next pending version, if any; returns it."""
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                self._lock(conn)
                migrations_table(sa.MetaData()).create(conn, checkfirst=True)
                current = self._current(conn)
                if current > self.layout.schema.version:
                    log.warning(
                        "the database is at schema v%d, newer than this code's v%d",
                        current,
                        self.layout.schema.version,
                    )
                if current >= self.layout.schema.version:
                    return None
                step = migrations.migration(self.layout.schema, current + 1)
                try:
                    self._apply(conn, step)
                except sa.exc.SQLAlchemyError as exc:
                    detail = getattr(exc, "orig", None) or exc
                    raise StorageError(f"migration {step.name} failed: {detail}") from exc
                with translated(MIGRATIONS_TABLE):
                    conn.execute(
                        self.layout.migrations.insert(),
                        {
                            "version": step.version,
                            "name": step.name,
                            "description": step.description,
                            "applied_at": datetime.now(UTC),
                        },
                    )
                return step.version

    def _lock(self, conn: Connection) -> None:
        if self.dialect == "postgresql":
            conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:cls, hashtext(current_schema()))"),
                {"cls": _LOCK_CLASS},
            )

    def _apply(self, conn: Connection, migration: Migration) -> None:
        for step in migration.steps:
            if step.kind is StepKind.CREATE_COLLECTION:
                self._create(conn, step, migration.version)
            elif step.kind is StepKind.ADD_ATTRIBUTE:
                self._add_attribute(conn, step, migration.version)
            else:
                self._add_index(conn, step, migration.version)

    def _create(self, conn: Connection, step: Step, version: int) -> None:
        table = build_table(step.collection, sa.MetaData(), self.dialect, version)
        table.create(conn)
        self._sqlite_fulltext(conn, step, version, replace=False)

    def _add_attribute(self, conn: Connection, step: Step, version: int) -> None:
        collection, attr = step.collection, step.attributes[0]
        table = build_table(collection, sa.MetaData(), self.dialect, version, with_indexes=False)
        column = CreateColumn(table.c[attr.name]).compile(dialect=conn.dialect)
        name = conn.dialect.identifier_preparer.format_table(table)
        conn.exec_driver_sql(f"ALTER TABLE {name} ADD COLUMN {column}")
        if attr.default is not None:
            default = to_column(attr, check_value(collection, attr, attr.default))
            conn.execute(table.update().values({attr.name: default}))

    def _add_index(self, conn: Connection, step: Step, version: int) -> None:
        table = build_table(
            step.collection, sa.MetaData(), self.dialect, version, with_indexes=False
        )
        for index in index_objects(step.collection, table, step.indexes[0], self.dialect):
            index.create(conn)
        self._sqlite_fulltext(conn, step, version, replace=True)

    def _sqlite_fulltext(
        self, conn: Connection, step: Step, version: int, *, replace: bool
    ) -> None:
        """(Re)build the collection's FTS table when this step changes its columns."""
        if self.dialect != "sqlite":
            return
        if replace and step.indexes[0].type is not IndexType.FULLTEXT:
            return
        columns = migrations.fulltext_at(step.collection, version)
        if not columns:
            return
        quote = conn.dialect.identifier_preparer
        statements = fulltext.sqlite_drop(quote, step.collection.id) if replace else []
        statements += fulltext.sqlite_create(quote, step.collection.id, columns)
        for statement in statements:
            conn.exec_driver_sql(statement)
