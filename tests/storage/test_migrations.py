"""Contract: schema versions, migrations and the plan shown by ``flask db status``."""

from __future__ import annotations

import threading
from typing import Any, Protocol

import pytest

from webapp.storage import Conflict, DocumentStore, Query, StorageError
from webapp.storage.migrations import StepKind, index_since, migration, pending, plan
from webapp.storage.schema import Attribute, AttrType, Collection, Index, IndexType, Schema

NOTES_V1 = Collection(
    "notes",
    "Notes",
    attributes=(
        Attribute("title", AttrType.STRING, 100, required=True),
        Attribute("tags", AttrType.STRING, 20, array=True, default=[]),
    ),
    indexes=(Index("title_text", IndexType.FULLTEXT, ("title",)),),
)

NOTES_V2 = Collection(
    "notes",
    "Notes",
    attributes=(
        *NOTES_V1.attributes,
        Attribute("priority", AttrType.INTEGER, default=3, since=2),
        Attribute("summary", AttrType.TEXT, since=2),
        Attribute("code", AttrType.STRING, 10, since=2),
    ),
    indexes=(
        *NOTES_V1.indexes,
        Index("priority", IndexType.KEY, ("priority",), since=2),
        Index("code", IndexType.UNIQUE, ("code",), since=2),
        Index("summary_text", IndexType.FULLTEXT, ("summary",), since=2),
    ),
)

COMMENTS_V2 = Collection(
    "comments",
    "Comments",
    attributes=(Attribute("note_id", AttrType.STRING, 36, required=True, since=2),),
    indexes=(Index("note", IndexType.KEY, ("note_id", "$createdAt")),),
    since=2,
)


class Backend(Protocol):
    """The ``backend`` fixture: opens stores on the same data, once per driver."""

    def open(self, schema: Schema) -> DocumentStore: ...


def schema_of(*collections: Collection) -> Schema:
    schema = Schema()
    schema.add(*collections)
    return schema


def v1() -> Schema:
    return schema_of(NOTES_V1)


def v2() -> Schema:
    return schema_of(NOTES_V2, COMMENTS_V2)


def test_migrate_is_idempotent(backend: Backend, schema: Schema) -> None:
    store = backend.open(schema)
    assert store.schema_version() == 0
    assert store.migrate() == [1]
    assert store.schema_version() == 1
    assert store.migrate() == []
    again = backend.open(schema)
    assert again.schema_version() == 1
    assert again.migrate() == []
    doc = again.create("users", {"email": "a@example.com"})
    assert store.get("users", doc["$id"]) == doc


def test_adding_attributes_and_indexes_keeps_data(backend: Backend) -> None:
    old = backend.open(v1())
    old.migrate()
    first = old.create("notes", {"title": "Quarterly planning", "tags": ["ops"]})
    second = old.create("notes", {"title": "Retro notes"})
    old.close()

    new = backend.open(v2())
    assert new.schema_version() == 1
    assert new.migrate() == [2]
    assert new.schema_version() == 2

    kept = new.get("notes", first["$id"])
    assert kept["title"] == "Quarterly planning"
    assert kept["tags"] == ["ops"]
    assert kept["$createdAt"] == first["$createdAt"]
    assert kept["$updatedAt"] == first["$updatedAt"]
    assert kept["priority"] == 3
    assert kept["summary"] is None and kept["code"] is None

    new.update("notes", second["$id"], {"code": "R1", "summary": "What went well"})
    with pytest.raises(Conflict):
        new.update("notes", first["$id"], {"code": "R1"})
    assert [d["$id"] for d in new.list("notes", [Query.search("title", "quarter")])] == [
        first["$id"]
    ]
    assert [d["$id"] for d in new.list("notes", [Query.search("summary", "went")])] == [
        second["$id"]
    ]
    third = new.create("notes", {"title": "Roadmap", "summary": "Quarterly goals", "priority": 1})
    assert {d["$id"] for d in new.list("notes", [Query.search("summary", "goals")])} == {
        third["$id"]
    }
    assert new.count("notes", [Query.less_than("priority", 3)]) == 1

    comment = new.create("comments", {"note_id": first["$id"]})
    assert new.list("comments", [Query.equal("note_id", first["$id"])]).documents == [comment]


def test_pending_versions_apply_in_order(backend: Backend) -> None:
    notes_v3 = Collection(
        "notes",
        "Notes",
        attributes=(
            *NOTES_V2.attributes,
            Attribute("archived", AttrType.BOOLEAN, default=False, since=3),
        ),
        indexes=NOTES_V2.indexes,
    )
    old = backend.open(v1())
    old.migrate()
    old.create("notes", {"title": "Old"})
    new = backend.open(schema_of(notes_v3, COMMENTS_V2))
    assert new.migrate() == [2, 3]
    doc = new.list("notes").documents[0]
    assert doc["priority"] == 3 and doc["archived"] is False


def test_a_failed_version_leaves_nothing_behind(backend: Backend) -> None:
    old = backend.open(v1())
    old.migrate()
    old.create("notes", {"title": "one"})
    old.create("notes", {"title": "one"})
    unique_title = Collection(
        "notes",
        "Notes",
        attributes=(*NOTES_V1.attributes, Attribute("extra", AttrType.STRING, 10, since=2)),
        indexes=(*NOTES_V1.indexes, Index("title_unique", IndexType.UNIQUE, ("title",), since=2)),
    )
    new = backend.open(schema_of(unique_title))
    with pytest.raises(StorageError, match="migration v2 failed"):
        new.migrate()
    assert new.schema_version() == 1
    with pytest.raises(StorageError, match="migration v2 failed"):
        new.migrate()
    assert old.count("notes") == 2
    old.delete_where("notes", [Query.limit(1)])
    assert new.migrate() == [2]
    assert new.list("notes").documents[0]["extra"] is None


def test_concurrent_migrations_apply_once(backend: Backend, schema: Schema) -> None:
    stores = [backend.open(schema) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    results: list[Any] = []

    def run(store: Any) -> None:
        barrier.wait(timeout=10)
        try:
            results.append(store.migrate())
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results, key=len) == [[], [], [], [1]]
    assert stores[0].schema_version() == 1


# -- the driver-neutral migration plan --------------------------------------------------------


def test_migration_steps_by_version() -> None:
    schema = v2()
    first = migration(schema, 1)
    assert [s.kind for s in first.steps] == [StepKind.CREATE_COLLECTION]
    assert [a.name for a in first.steps[0].attributes] == ["title", "tags"]
    assert [i.name for i in first.steps[0].indexes] == ["title_text"]

    second = migration(schema, 2)
    kinds = [(s.kind, s.collection.id) for s in second.steps]
    assert kinds == [
        (StepKind.ADD_ATTRIBUTE, "notes"),
        (StepKind.ADD_ATTRIBUTE, "notes"),
        (StepKind.ADD_ATTRIBUTE, "notes"),
        (StepKind.ADD_INDEX, "notes"),
        (StepKind.ADD_INDEX, "notes"),
        (StepKind.ADD_INDEX, "notes"),
        (StepKind.CREATE_COLLECTION, "comments"),
    ]
    assert [m.version for m in pending(schema, 0)] == [1, 2]
    assert pending(schema, 2) == []


def test_an_index_waits_for_its_attributes() -> None:
    late = Collection(
        "late",
        "Late",
        attributes=(
            Attribute("a", AttrType.STRING, 10),
            Attribute("b", AttrType.STRING, 10, since=3),
        ),
        indexes=(Index("ab", IndexType.KEY, ("a", "b")),),
    )
    assert index_since(late, late.indexes[0]) == 3
    assert [s.kind for s in migration(schema_of(late), 3).steps] == [
        StepKind.ADD_ATTRIBUTE,
        StepKind.ADD_INDEX,
    ]


def test_plan_describes_pending_steps() -> None:
    lines = plan(v2(), 1)
    assert lines == [
        "v2: add attribute notes.priority (integer, default 3)",
        "v2: add attribute notes.summary (text)",
        "v2: add attribute notes.code (string)",
        "v2: add key index notes.priority (priority)",
        "v2: add unique index notes.code (code)",
        "v2: add fulltext index notes.summary_text (summary)",
        "v2: create collection comments (1 attributes, 1 indexes)",
    ]
    assert plan(v2(), 2) == []
    assert plan(v1(), 0) == ["v1: create collection notes (2 attributes, 1 indexes)"]
    gap = schema_of(Collection("c", "C", attributes=(Attribute("x", AttrType.TEXT, since=3),)))
    assert plan(gap, 1) == ["v2: no changes", "v3: add attribute c.x (text)"]
