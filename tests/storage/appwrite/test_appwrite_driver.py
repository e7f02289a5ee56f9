"""The Appwrite documents driver's own details: wire format, retries, errors, provisioning."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from webapp.storage import (
    Conflict,
    InvalidQuery,
    Query,
    StorageError,
    Unavailable,
    open_store,
)
from webapp.storage.appwrite import AppwriteStore, appwrite_url, parse_url
from webapp.storage.schema import Attribute, AttrType, Collection, Index, IndexType, Schema

NOTES = Collection(
    "notes",
    "Notes",
    attributes=(
        Attribute("title", AttrType.STRING, 100, required=True),
        Attribute("state", AttrType.STRING, 10, elements=("open", "closed")),
        Attribute("due_at", AttrType.DATETIME),
        Attribute("meta", AttrType.JSON),
        Attribute("tags", AttrType.STRING, 20, array=True, default=[]),
        Attribute("views", AttrType.INTEGER, default=0),
    ),
    indexes=(
        Index("title", IndexType.UNIQUE, ("title",)),
        Index("text", IndexType.FULLTEXT, ("title",)),
    ),
)


def notes_schema() -> Schema:
    schema = Schema()
    schema.add(NOTES)
    return schema


@pytest.fixture
def server(appwrite_server: Any) -> Iterator[Any]:
    """The session's double with no injected faults, before and after the test: a fault a
    test leaves unconsumed must not fail the next test's requests."""
    double = appwrite_server.double
    double.faults.clear()
    yield appwrite_server
    double.faults.clear()


@pytest.fixture
def notes(server: Any) -> AppwriteStore:
    store = open_store(server.new_database(), notes_schema())
    store.migrate()
    assert isinstance(store, AppwriteStore)
    return store


def _requests(double: Any, method: str, suffix: str) -> list[Any]:
    return [entry for entry in double.log if entry[0] == method and entry[1].endswith(suffix)]


def test_urls_round_trip() -> None:
    url = appwrite_url("https://fra.cloud.appwrite.io/v1/", "proj", "k/ey:1", "keel")
    assert url.startswith("appwrite+https://")
    assert parse_url(url) == ("https://fra.cloud.appwrite.io/v1", "proj", "k/ey:1", "keel")
    with pytest.raises(ValueError, match="http"):
        appwrite_url("fra.cloud.appwrite.io", "p", "k", "db")
    with pytest.raises(ValueError, match="database"):
        parse_url("appwrite+https://p:k@host/v1")


def test_queries_travel_as_json_strings(notes: AppwriteStore, server: Any) -> None:
    double = server.double
    notes.create("notes", {"title": "Plan the launch"})
    double.log.clear()
    notes.list("notes", [Query.equal("state", ["open", None]), Query.search("title", "plan la")])
    (entry,) = _requests(double, "GET", "/rows")
    args, headers = entry[2], entry[3]
    assert headers["X-Appwrite-Project"] == server.project
    assert headers["X-Appwrite-Key"] == server.key
    keys = [k for k, _ in args if k.startswith("queries[")]
    assert keys == [f"queries[{n}]" for n in range(len(keys))]
    queries = [json.loads(unquote(v)) for k, v in args if k.startswith("queries[")]
    methods = [q["method"] for q in queries]
    assert methods[:3] == ["or", "search", "search"]
    assert queries[1]["values"] == ['"plan"'] and queries[2]["values"] == ["la"]
    assert {"method": "orderAsc", "attribute": "$sequence"} in queries


def test_values_are_mapped_to_columns(notes: AppwriteStore, server: Any) -> None:
    from datetime import UTC, datetime

    doc = notes.create(
        "notes",
        {"title": "x", "due_at": datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "meta": {"a": [1]}},
    )
    rows = server.double.rows[(notes.database_id, "notes")]
    raw = rows[doc["$id"]]
    assert raw["due_at"] == "2024-01-02T03:04:05.000006+00:00"
    assert raw["meta"] == '{"a":[1]}'
    assert raw["tags"] == [] and raw["views"] == 0
    assert doc["meta"] == {"a": [1]} and doc["due_at"].microsecond == 6


def test_provisioning_creates_columns_indexes_and_records_the_version(
    notes: AppwriteStore, server: Any
) -> None:
    table = server.double.tables[(notes.database_id, "notes")]
    assert {k: c["type"] for k, c in table.columns.items()} == {
        "title": "varchar",
        "state": "string",
        "due_at": "varchar",
        "meta": "longtext",
        "tags": "varchar",
        "views": "bigint",
    }
    assert table.columns["tags"]["array"] is True
    assert table.columns["state"]["elements"] == ["open", "closed"]
    assert {k: i["type"] for k, i in table.indexes.items()} == {
        "title": "unique",
        "text": "fulltext",
    }
    assert notes.schema_version() == 1
    meta = server.double.rows[(notes.database_id, "keel_meta")]
    assert meta["v1"]["version"] == 1
    assert notes.check() == []


def test_check_reports_drift(notes: AppwriteStore, server: Any) -> None:
    table = server.double.tables[(notes.database_id, "notes")]
    del table.indexes["text"]
    table.columns["extra"] = {**table.columns["title"], "key": "extra"}
    table.columns["views"]["type"] = "double"
    drift = notes.check()
    assert "notes index text: missing" in drift
    assert "notes.extra: column not in the schema" in drift
    assert any(line.startswith("notes.views: column type double") for line in drift)


def test_check_of_an_unprovisioned_database(server: Any) -> None:
    store = open_store(server.new_database(), notes_schema())
    assert isinstance(store, AppwriteStore)
    assert store.check() == ["schema version: database v0, declared v1", "notes: table missing"]


def test_unique_conflict_names_the_attributes(notes: AppwriteStore) -> None:
    notes.create("notes", {"title": "same"})
    with pytest.raises(Conflict) as caught:
        notes.create("notes", {"title": "same"})
    assert caught.value.detail == "title"


def test_reads_are_retried_on_server_errors(notes: AppwriteStore, server: Any) -> None:
    server.double.fail_next("GET", 503, times=2)
    assert notes.count("notes") == 0
    server.double.fail_next("GET", 500, times=10)
    with pytest.raises(Unavailable):
        notes.count("notes")


def test_writes_are_retried_only_when_they_did_not_run(notes: AppwriteStore, server: Any) -> None:
    server.double.fail_next("POST", 429)
    notes.create("notes", {"title": "after a rate limit"})
    server.double.fail_next("POST", 500)
    with pytest.raises(Unavailable):
        notes.create("notes", {"title": "maybe written"})
    assert notes.count("notes") == 1


def test_unreachable_server_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = AppwriteStore(f"http://127.0.0.1:{port}/v1", "p", "k", "db", notes_schema(), retries=1)
    with pytest.raises(Unavailable):
        store.count("notes")
    assert store.ping() is False


def test_wrong_key_is_a_storage_error(server: Any, notes: AppwriteStore) -> None:
    store = AppwriteStore(
        server.endpoint, server.project, "wrong", notes.database_id, notes_schema()
    )
    with pytest.raises(StorageError, match="401"):
        store.count("notes")
    assert store.ping() is False


def test_cursor_and_invalid_queries_are_refused_before_sending(
    notes: AppwriteStore, server: Any
) -> None:
    server.double.log.clear()
    with pytest.raises(InvalidQuery):
        notes.list("notes", [Query.equal("meta", "x")])
    with pytest.raises(InvalidQuery):
        notes.list("notes", [Query.search("state", "open")])
    assert server.double.log == []
    with pytest.raises(InvalidQuery, match="cursor"):
        notes.list("notes", [Query.cursor_after("nope")])


def test_a_commit_conflict_rolls_back_everything(notes: AppwriteStore) -> None:
    with pytest.raises(Conflict), notes.transaction():
        notes.create("notes", {"title": "one"})
        other = AppwriteStore(
            notes.endpoint,
            notes.project,
            notes.client.get_headers()["x-appwrite-key"],
            notes.database_id,
            notes_schema(),
        )
        other.create("notes", {"title": "one"})  # committed first, outside the transaction
    assert notes.count("notes") == 1


def test_migrate_adds_columns_with_defaults_keeping_updated_at(server: Any) -> None:
    url = server.new_database()
    old = open_store(url, notes_schema())
    old.migrate()
    doc = old.create("notes", {"title": "kept"})
    v2 = Collection(
        "notes",
        "Notes",
        attributes=(
            *NOTES.attributes,
            Attribute("pinned", AttrType.BOOLEAN, default=False, since=2),
        ),
        indexes=NOTES.indexes,
    )
    schema = Schema()
    schema.add(v2)
    new = open_store(url, schema)
    assert new.migrate() == [2]
    got = new.get("notes", doc["$id"])
    assert got["pinned"] is False and got["$updatedAt"] == doc["$updatedAt"]
    assert isinstance(new, AppwriteStore) and new.check() == []


def test_a_fulltext_index_on_several_attributes_is_one_index_per_column(server: Any) -> None:
    posts = Collection(
        "posts",
        "Posts",
        attributes=(Attribute("title", AttrType.STRING, 100), Attribute("body", AttrType.TEXT)),
        indexes=(Index("text", IndexType.FULLTEXT, ("title", "body")),),
    )
    schema = Schema()
    schema.add(posts)
    store = open_store(server.new_database(), schema)
    store.migrate()
    assert isinstance(store, AppwriteStore)
    table = server.double.tables[(store.database_id, "posts")]
    assert {k: i["columns"] for k, i in table.indexes.items()} == {
        "text_title": ["title"],
        "text_body": ["body"],
    }
    doc = store.create("posts", {"title": "Release", "body": "Ships the rocket engine"})
    assert [d["$id"] for d in store.list("posts", [Query.search("body", "rocket eng")])] == [
        doc["$id"]
    ]
    assert store.check() == []


def test_missing_tables_and_expired_transactions_are_storage_errors(server: Any) -> None:
    store = open_store(server.new_database(), notes_schema())
    with pytest.raises(StorageError, match="provisioned"):
        store.count("notes")
    with pytest.raises(StorageError, match="Transaction"), store.transaction():
        assert isinstance(store, AppwriteStore)
        server.double.transactions.clear()  # as if it had expired
        store.create("notes", {"title": "late"})


def test_timeouts_retry_reads_but_not_creates(notes: AppwriteStore, server: Any) -> None:
    key = notes.client.get_headers()["x-appwrite-key"]
    quick = AppwriteStore(
        server.endpoint, server.project, key, notes.database_id, notes_schema(), timeout=0.3
    )
    server.double.stall = 0.6
    server.double.fail_next("GET", 0)
    assert quick.count("notes") == 0  # the stalled read timed out and was sent again
    server.double.fail_next("POST", 0)
    with pytest.raises(Unavailable, match="timed out"):
        quick.create("notes", {"title": "slow"})
