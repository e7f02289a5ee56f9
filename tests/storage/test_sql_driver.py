"""Details of the SQL driver that the contract does not see: URLs, SQLite set-up, indexes."""

from __future__ import annotations

import os
from typing import Any

import pytest
import sqlalchemy as sa

from webapp.storage import Query, StorageError, open_store
from webapp.storage.schema import Attribute, AttrType, Collection, Index, IndexType, Schema
from webapp.storage.sql import SqlStore
from webapp.storage.sql.engine import engine_url
from webapp.storage.sql.tables import Layout, identifier


def sql(store: Any) -> SqlStore:
    assert isinstance(store, SqlStore)
    return store


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u:p@db:5432/keel", "postgresql+psycopg"),
        ("postgres://u@db/keel", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db/keel", "postgresql+psycopg"),
        ("sqlite:///instance/keel.db", "sqlite"),
        ("sqlite+pysqlite:////abs/keel.db", "sqlite+pysqlite"),
    ],
)
def test_urls(url: str, driver: str) -> None:
    assert engine_url(url).drivername == driver


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://u@h/db", "redis://x"])
def test_unsupported_urls(url: str, schema: Schema) -> None:
    with pytest.raises(ValueError, match=r"memory|unsupported|no storage driver"):
        open_store(url, schema)


def test_sqlite_connection_settings(tmp_path: Any, schema: Schema) -> None:
    store = sql(open_store(f"sqlite:///{tmp_path / 'sub' / 'dir' / 'keel.db'}", schema))
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert store.ping()
    finally:
        store.close()


def test_sqlite_datetimes_are_sortable_utc_text(tmp_path: Any, schema: Schema) -> None:
    store = sql(open_store(f"sqlite:///{tmp_path / 'k.db'}", schema, migrate=True))
    try:
        doc = store.create(
            "tasks", {"project_id": "p", "title": "t", "due_at": "2024-01-02T03:04:05+02:00"}
        )
        with store.engine.connect() as conn:
            raw = conn.exec_driver_sql("SELECT due_at FROM tasks").scalar()
        assert raw == "2024-01-02 01:04:05.000000"
        assert doc["due_at"].isoformat() == "2024-01-02T01:04:05+00:00"
    finally:
        store.close()


def test_sqlite_fulltext_survives_vacuum(tmp_path: Any, schema: Schema) -> None:
    store = sql(open_store(f"sqlite:///{tmp_path / 'k.db'}", schema, migrate=True))
    try:
        docs = [
            store.create("tasks", {"project_id": "p", "title": f"item {n} word{n}"})
            for n in range(20)
        ]
        for doc in docs[:10]:
            store.delete("tasks", doc["$id"])
        raw = store.engine.raw_connection()
        try:
            raw.cursor().execute("VACUUM")
        finally:
            raw.close()
        assert store.count("tasks", [Query.search("title", "word15")]) == 1
        store.update("tasks", docs[15]["$id"], {"title": "renamed"})
        assert store.count("tasks", [Query.search("title", "word15")]) == 0
        assert store.count("tasks", [Query.search("title", "renamed")]) == 1
        assert store.count("tasks", [Query.search("title", "item")]) == 9
    finally:
        store.close()


def test_reserved_and_colliding_names_are_refused() -> None:
    reserved = Schema()
    reserved.add(Collection("c", "C", attributes=(Attribute("created_at", AttrType.DATETIME),)))
    with pytest.raises(ValueError, match="reserved"):
        Layout(reserved, "sqlite")
    colliding = Schema()
    colliding.add(
        Collection(
            "notes",
            "Notes",
            attributes=(Attribute("t", AttrType.TEXT),),
            indexes=(Index("t", IndexType.FULLTEXT, ("t",)),),
        ),
        Collection("notes__fts", "Shadow", attributes=(Attribute("t", AttrType.TEXT),)),
    )
    with pytest.raises(ValueError, match="already used"):
        Layout(colliding, "sqlite")


def test_invalid_defaults_are_refused() -> None:
    schema = Schema()
    schema.add(
        Collection(
            "c",
            "C",
            attributes=(Attribute("s", AttrType.STRING, 10, default="x", elements=("a", "b")),),
        )
    )
    with pytest.raises(ValueError, match=r"invalid default: c\.s"):
        Layout(schema, "sqlite")


def test_long_names_are_shortened_uniquely() -> None:
    a = identifier("ix_" + "a" * 36 + "_" + "b" * 40)
    b = identifier("ix_" + "a" * 36 + "_" + "b" * 39 + "c")
    assert len(a) <= 63 and len(b) <= 63 and a != b
    assert identifier("ix_short") == "ix_short"


def test_long_collection_and_index_names(sql_backend: Any) -> None:
    long_id = "a" * 36
    schema = Schema()
    schema.add(
        Collection(
            long_id,
            "Long",
            attributes=(Attribute("some_long_attribute_name_here", AttrType.STRING, 50),),
            indexes=(
                Index(
                    "a_very_long_index_name_for_testing",
                    IndexType.UNIQUE,
                    ("some_long_attribute_name_here",),
                ),
                Index(
                    "another_very_long_index_name_for_text",
                    IndexType.FULLTEXT,
                    ("some_long_attribute_name_here",),
                ),
            ),
        )
    )
    store = sql_backend.open(schema)
    store.migrate()
    store.create(long_id, {"some_long_attribute_name_here": "hello there"})
    assert store.count(long_id, [Query.search("some_long_attribute_name_here", "hel")]) == 1


def test_unmigrated_store_says_so(sql_backend: Any, schema: Schema) -> None:
    store = sql_backend.open(schema)
    with pytest.raises(StorageError, match="migrated"):
        store.list("tasks")


def test_ping_reports_an_unreachable_server(schema: Schema) -> None:
    store = open_store("postgresql://postgres@127.0.0.1:1/none", schema)
    try:
        assert store.ping() is False
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index(postgres_backend: Any, schema: Schema) -> None:
    store = sql(postgres_backend.open(schema))
    store.migrate()
    table = store.layout.table("tasks")
    where = store.compiler.where(store.schema["tasks"], table, [Query.search("title", "log")])
    stmt = sa.select(table.c.id).where(*where)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
        plan = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    assert "ix_tasks_text_title" in " ".join(row[0] for row in plan)


def test_a_forked_child_opens_its_own_connections(sql_backend: Any, schema: Schema) -> None:
    store = sql_backend.migrated(schema)
    store.create("users", {"email": "parent@example.com"})
    pid = os.fork()
    if pid == 0:  # the child: must not touch the parent's pooled connections
        code = 1
        try:
            store.create("users", {"email": "child@example.com"})
            code = 0 if store.count("users") == 2 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert {d["email"] for d in store.list("users")} == {
        "parent@example.com",
        "child@example.com",
    }
