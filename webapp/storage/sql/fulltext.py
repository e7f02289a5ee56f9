"""Full-text search with the same observable behaviour on SQLite and PostgreSQL.

Text is split into words of letters and digits: every other character separates words
(on PostgreSQL the ASCII punctuation is replaced by spaces before parsing, so e-mail
addresses, URLs and paths split into words exactly as SQLite's ``unicode61`` tokenizer
splits them). Matching ignores case but not accents. ``search(attr, text)`` matches
documents whose attribute contains every word of ``text``; the last word also matches as
a prefix, for search-as-you-type. A text with no words matches every document.

SQLite: one FTS5 table per collection (``<collection>__fts``), one column per attribute
covered by a fulltext index, plus a map table ``<collection>__fts_ids`` from document id
to FTS row number; triggers on the collection's table keep both in sync. Keying by our
own integer (not the table's implicit rowid, which VACUUM may renumber) keeps the index
correct across VACUUM and ``VACUUM INTO`` snapshots.

PostgreSQL: one GIN expression index per covered attribute over
``to_tsvector('simple', ...)``; queries repeat the exact expression so the index is used.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.compiler import IdentifierPreparer

MAX_WORDS = 32
_WORD = re.compile(r"[^\W_]+")
_PG_CONFIG = "'simple'::regconfig"
_PG_SEPARATORS = r"'[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+'"


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())[:MAX_WORDS]


def fts_table(collection_id: str) -> str:
    return f"{collection_id}__fts"


def fts_map(collection_id: str) -> str:
    return f"{collection_id}__fts_ids"


def table_names(collection_id: str) -> tuple[str, str]:
    return fts_table(collection_id), fts_map(collection_id)


# -- SQLite --------------------------------------------------------------------------


def sqlite_match(terms: list[str]) -> str:
    """An FTS5 query: every word, the last one as a prefix."""
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def sqlite_search(table: sa.Table, attribute: str, text: str) -> sa.ColumnElement[bool]:
    terms = words(text)
    if not terms:
        return sa.true()
    fts = sa.table(fts_table(table.name), sa.column("rowid"), sa.column(attribute))
    ids = sa.table(fts_map(table.name), sa.column("n"), sa.column("id"))
    matching = (
        sa.select(ids.c.id)
        .join_from(ids, fts, fts.c.rowid == ids.c.n)
        .where(fts.c[attribute].op("MATCH")(sqlite_match(terms)))
    )
    return table.c.id.in_(matching)


def sqlite_drop(q: IdentifierPreparer, collection_id: str) -> list[str]:
    fts, ids = table_names(collection_id)
    return [
        f"DROP TRIGGER IF EXISTS {q.quote(fts + '_ai')}",
        f"DROP TRIGGER IF EXISTS {q.quote(fts + '_ad')}",
        f"DROP TRIGGER IF EXISTS {q.quote(fts + '_au')}",
        f"DROP TABLE IF EXISTS {q.quote(fts)}",
        f"DROP TABLE IF EXISTS {q.quote(ids)}",
    ]


def sqlite_create(q: IdentifierPreparer, collection_id: str, columns: tuple[str, ...]) -> list[str]:
    """DDL for the FTS table, its id map and triggers, filled from the existing rows."""
    fts_name, ids_name = table_names(collection_id)
    t, fts, ids = q.quote(collection_id), q.quote(fts_name), q.quote(ids_name)
    cols = ", ".join(q.quote(c) for c in columns)
    new = ", ".join(f"new.{q.quote(c)}" for c in columns)
    sets = ", ".join(f"{q.quote(c)} = new.{q.quote(c)}" for c in columns)
    from_t = ", ".join(f"{t}.{q.quote(c)}" for c in columns)
    row_of = f"(SELECT n FROM {ids} WHERE id = {{}}.id)"  # noqa: S608
    # Every name below is a quoted identifier from the schema; no value is interpolated.
    return [
        f"CREATE TABLE {ids} (n INTEGER PRIMARY KEY, id VARCHAR(36) NOT NULL UNIQUE)",
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, "
        "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3')",
        f"INSERT INTO {ids} (id) SELECT id FROM {t}",  # noqa: S608
        f"INSERT INTO {fts} (rowid, {cols}) "  # noqa: S608
        f"SELECT m.n, {from_t} FROM {t} JOIN {ids} AS m ON m.id = {t}.id",
        f"CREATE TRIGGER {q.quote(fts_name + '_ai')} AFTER INSERT ON {t} BEGIN "  # noqa: S608
        f"INSERT INTO {ids} (id) VALUES (new.id); "
        f"INSERT INTO {fts} (rowid, {cols}) VALUES ({row_of.format('new')}, {new}); END",
        f"CREATE TRIGGER {q.quote(fts_name + '_ad')} AFTER DELETE ON {t} BEGIN "  # noqa: S608
        f"DELETE FROM {fts} WHERE rowid = {row_of.format('old')}; "
        f"DELETE FROM {ids} WHERE id = old.id; END",
        f"CREATE TRIGGER {q.quote(fts_name + '_au')} AFTER UPDATE OF {cols} ON {t} BEGIN "  # noqa: S608
        f"UPDATE {fts} SET {sets} WHERE rowid = {row_of.format('old')}; END",
    ]


# -- PostgreSQL ----------------------------------------------------------------------


def pg_vector(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The indexed expression; queries must build it the same way to use the index."""
    cleaned = sa.func.regexp_replace(
        sa.func.coalesce(column, sa.literal_column("''")),
        sa.literal_column(_PG_SEPARATORS),
        sa.literal_column("' '"),
        sa.literal_column("'g'"),
    )
    return sa.func.to_tsvector(sa.literal_column(_PG_CONFIG), cleaned)


def pg_index(name: str, column: sa.Column[Any]) -> sa.Index:
    return sa.Index(name, pg_vector(column), postgresql_using="gin", _table=column.table)


def pg_search(table: sa.Table, attribute: str, text: str) -> sa.ColumnElement[bool]:
    terms = words(text)
    if not terms:
        return sa.true()
    query = " & ".join(terms) + ":*"
    tsquery = sa.func.to_tsquery(sa.literal_column(_PG_CONFIG), sa.literal(query))
    return pg_vector(table.c[attribute]).op("@@")(tsquery)
