"""Tables and indexes for the collections of a schema.

Each collection is a table named by its id, with ``id`` (the ``$id``), ``created_at``,
``updated_at`` and one nullable column per attribute (validation happens in Python, so an
attribute added later never needs a table rewrite). KEY and UNIQUE indexes are real
indexes named ``ix_<collection>_<index>``; array attributes under a KEY index get a GIN
index on PostgreSQL. Fulltext indexes are described in ``fulltext.py``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa

from .. import migrations
from ..errors import InvalidDocument
from ..schema import Collection, Index, IndexType, Schema
from ..validation import check_value
from . import fulltext
from .types import UtcDateTime, column_type

RESERVED_COLUMNS = frozenset({"id", "created_at", "updated_at"})
FTS_RESERVED = frozenset({"rowid", "rank"})
META_COLUMNS = {"$id": "id", "$createdAt": "created_at", "$updatedAt": "updated_at"}
MIGRATIONS_TABLE = "keel_schema_migrations"
MAX_IDENTIFIER = 63


def identifier(name: str) -> str:
    """``name``, shortened with a hash suffix if PostgreSQL's 63-byte limit would cut it."""
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:10]
    return name.encode()[: MAX_IDENTIFIER - 11].decode(errors="ignore") + "_" + digest


def index_name(collection: Collection, index: Index, attribute: str = "") -> str:
    suffix = f"_{attribute}" if attribute else ""
    return identifier(f"ix_{collection.id}_{index.name}{suffix}")


def build_table(
    collection: Collection,
    metadata: sa.MetaData,
    dialect: str,
    version: int | None = None,
    *,
    with_indexes: bool = True,
) -> sa.Table:
    """The table as it is at schema ``version`` (all of it when None), with its indexes."""
    upto = version if version is not None else 1 << 30
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    ]
    columns.extend(
        sa.Column(attr.name, column_type(attr), nullable=True)
        for attr in migrations.attributes_at(collection, upto)
    )
    table = sa.Table(collection.id, metadata, *columns)
    for index in migrations.indexes_at(collection, upto) if with_indexes else ():
        index_objects(collection, table, index, dialect)
    return table


def index_objects(
    collection: Collection, table: sa.Table, index: Index, dialect: str
) -> list[sa.Index]:
    """The SQL indexes for one declared index, attached to ``table``.

    SQLite fulltext lives in an FTS table (``fulltext.sqlite_create``), so it has none here.
    """
    if index.type is IndexType.FULLTEXT:
        if dialect != "postgresql":
            return []
        return [
            fulltext.pg_index(index_name(collection, index, name), table.c[name])
            for name in index.attributes
        ]
    cols = [table.c[META_COLUMNS.get(name, name)] for name in index.attributes]
    name = index_name(collection, index)
    if (
        dialect == "postgresql"
        and index.type is IndexType.KEY
        and len(index.attributes) == 1
        and collection.has(index.attributes[0])
        and collection.attribute(index.attributes[0]).array
    ):
        return [sa.Index(name, cols[0], postgresql_using="gin")]
    if dialect == "postgresql":
        # Keel orders with nulls smallest (ASC NULLS FIRST, DESC NULLS LAST, as Appwrite and
        # SQLite do); an index kept in that order serves ORDER BY in both directions, where
        # PostgreSQL's default (ASC NULLS LAST) would leave every ordered page to a sort.
        keys: list[Any] = [col.asc().nulls_first() for col in cols]
        return [sa.Index(name, *keys, unique=index.type is IndexType.UNIQUE)]
    return [sa.Index(name, *cols, unique=index.type is IndexType.UNIQUE)]


def migrations_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        MIGRATIONS_TABLE,
        metadata,
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("applied_at", UtcDateTime(), nullable=False),
    )


class Layout:
    """The full, current tables of a schema for one dialect."""

    def __init__(self, schema: Schema, dialect: str) -> None:
        check_schema(schema)
        self.schema = schema
        self.dialect = dialect
        self.metadata = sa.MetaData()
        self.tables = {
            c.id: build_table(c, self.metadata, dialect) for c in schema.collections.values()
        }
        self.migrations = migrations_table(self.metadata)

    def table(self, collection_id: str) -> sa.Table:
        return self.tables[collection_id]


def check_schema(schema: Schema) -> None:
    """Refuse names that collide with the SQL driver's own, and defaults that are invalid."""
    taken: dict[str, str] = {MIGRATIONS_TABLE: "the migrations table"}
    for collection in schema.collections.values():
        names = [collection.id]
        if collection.fulltext:
            names.extend(fulltext.table_names(collection.id))
        for name in names:
            if name.lower() in taken:
                raise ValueError(f"table name {name!r} is already used by {taken[name.lower()]}")
            taken[name.lower()] = f"collection {collection.id}"
        for attr in collection.attributes:
            if attr.name.lower() in RESERVED_COLUMNS:
                raise ValueError(
                    f"{collection.id}.{attr.name}: the name is reserved for the document's "
                    "meta data ($id, $createdAt, $updatedAt); choose another"
                )
            if attr.name.lower() in FTS_RESERVED and attr.name in collection.fulltext:
                raise ValueError(f"{collection.id}.{attr.name}: SQLite FTS5 reserves this name")
            if attr.default is not None:
                try:
                    check_value(collection, attr, attr.default)
                except InvalidDocument as exc:
                    raise ValueError(f"invalid default: {exc}") from None
