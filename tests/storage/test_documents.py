"""Contract: creating, reading, updating, incrementing and deleting documents."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from webapp.storage import (
    Conflict,
    DocumentStore,
    InvalidDocument,
    NotFound,
    Query,
    StorageError,
    UnknownCollection,
)

MakeTask = Callable[..., dict[str, Any]]


# -- create ---------------------------------------------------------------------------


def test_create_returns_the_stored_document_with_meta_and_defaults(store: DocumentStore) -> None:
    before = datetime.now(UTC)
    doc = store.create("tasks", {"project_id": "p1", "title": "Write the contract"})
    after = datetime.now(UTC)

    assert set(doc) == {
        "$id",
        "$createdAt",
        "$updatedAt",
        *[a.name for a in store.schema["tasks"].attributes],
    }
    assert isinstance(doc["$id"], str) and 0 < len(doc["$id"]) <= 36
    assert doc["$createdAt"].tzinfo is UTC
    assert before - timedelta(seconds=1) <= doc["$createdAt"] <= after + timedelta(seconds=1)
    assert doc["$updatedAt"] == doc["$createdAt"]
    assert doc["status"] == "todo"
    assert doc["points"] == 0
    assert doc["flagged"] is False
    assert doc["labels"] == []
    assert doc["body"] is None and doc["scores"] is None and doc["meta"] is None
    assert doc["reminders"] is None
    assert store.get("tasks", doc["$id"]) == doc


def test_create_with_a_given_id(store: DocumentStore) -> None:
    doc = store.create("users", {"email": "a@example.com"}, document_id="user.A-1_x")
    assert doc["$id"] == "user.A-1_x"
    assert store.get("users", "user.A-1_x")["email"] == "a@example.com"


def test_create_takes_the_id_from_data(store: DocumentStore) -> None:
    doc = store.create("users", {"$id": "from-data", "email": "a@example.com"})
    assert doc["$id"] == "from-data"
    with pytest.raises(InvalidDocument, match="differs"):
        store.create("users", {"$id": "one", "email": "b@example.com"}, document_id="two")


@pytest.mark.parametrize("bad", ["", "x" * 37, "_starts", ".dot", "-dash", "has space", "a/b", "ü"])
def test_create_rejects_invalid_ids(store: DocumentStore, bad: str) -> None:
    with pytest.raises(InvalidDocument, match="invalid document id"):
        store.create("users", {"email": "a@example.com"}, document_id=bad)
    assert store.count("users") == 0


def test_generated_ids_are_unique(store: DocumentStore) -> None:
    ids = {store.create("counters", {})["$id"] for _ in range(50)}
    assert len(ids) == 50


def test_create_with_a_taken_id_is_a_conflict(store: DocumentStore) -> None:
    store.create("users", {"email": "a@example.com"}, document_id="u1")
    with pytest.raises(Conflict) as caught:
        store.create("users", {"email": "b@example.com"}, document_id="u1")
    assert caught.value.detail == "$id"
    assert caught.value.code == "document_already_exists"
    assert store.get("users", "u1")["email"] == "a@example.com"


def test_unique_index_violation_is_a_conflict(store: DocumentStore) -> None:
    store.create("users", {"email": "a@example.com"})
    with pytest.raises(Conflict) as caught:
        store.create("users", {"email": "a@example.com"})
    assert "email" in caught.value.detail
    assert isinstance(caught.value, StorageError)
    assert store.count("users") == 1


def test_unique_index_allows_many_nulls(store: DocumentStore, make_task: MakeTask) -> None:
    make_task(key=None)
    make_task()
    make_task(key="K-1")
    with pytest.raises(Conflict):
        make_task(key="K-1")
    assert store.count("tasks") == 3


def test_required_attributes(store: DocumentStore) -> None:
    with pytest.raises(InvalidDocument, match=r"tasks\.title is required"):
        store.create("tasks", {"project_id": "p1"})
    with pytest.raises(InvalidDocument, match=r"tasks\.project_id is required"):
        store.create("tasks", {"project_id": None, "title": "x"})


def test_unknown_attribute_is_refused(store: DocumentStore) -> None:
    with pytest.raises(InvalidDocument, match="'colour'"):
        store.create("tasks", {"project_id": "p1", "title": "x", "colour": "red"})


def test_unknown_collection(store: DocumentStore) -> None:
    with pytest.raises(UnknownCollection):
        store.create("nope", {})
    with pytest.raises(StorageError):
        store.list("nope")


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("status", "blocked", "not one of"),
        ("title", "x" * 201, "longer than 200"),
        ("title", 42, "expected a string"),
        ("title", "nul\x00byte", "NUL"),
        ("points", "3", "expected an integer"),
        ("points", True, "expected an integer"),
        ("points", 1.5, "expected an integer"),
        ("points", 2**63, "64-bit"),
        ("estimate", "1.5", "expected a number"),
        ("estimate", math.inf, "finite"),
        ("flagged", 1, "true or false"),
        ("due_at", "next tuesday", "ISO-8601"),
        ("due_at", datetime(2024, 1, 1, 12, 0), "naive"),
        ("labels", "one", "expected a list"),
        ("labels", ["ok", None], "element 1 is null"),
        ("labels", ["x" * 33], "element 0: longer than 32"),
        ("scores", [1, "2"], "element 1: expected an integer"),
        ("meta", {1, 2}, "not a JSON value"),
        ("meta", {"x": math.nan}, "not a JSON value"),
        ("meta", {"x": "nul\x00"}, "NUL"),
    ],
)
def test_invalid_values_name_the_attribute(
    store: DocumentStore, attribute: str, value: Any, message: str
) -> None:
    with pytest.raises(InvalidDocument, match=f"tasks.{attribute}") as caught:
        store.create("tasks", {"project_id": "p1", "title": "x", attribute: value})
    assert message in str(caught.value)
    assert caught.value.code == "document_invalid_structure"
    assert store.count("tasks") == 0


def test_size_limits(store: DocumentStore, make_task: MakeTask) -> None:
    assert make_task(title="é" * 200)["title"] == "é" * 200
    long_text = "word " * 5000
    assert make_task(body=long_text)["body"] == long_text


# -- value round trips ----------------------------------------------------------------------


def test_datetime_round_trip_is_aware_utc(store: DocumentStore, make_task: MakeTask) -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2024, 3, 10, 9, 15, 30, 123456, tzinfo=ist)
    doc = store.get("tasks", make_task(due_at=local)["$id"])
    assert doc["due_at"] == local
    assert doc["due_at"].tzinfo is UTC
    assert doc["due_at"] == datetime(2024, 3, 10, 3, 45, 30, 123456, tzinfo=UTC)

    from_text = store.get("tasks", make_task(due_at="2024-03-10T03:45:30Z")["$id"])
    assert from_text["due_at"] == datetime(2024, 3, 10, 3, 45, 30, tzinfo=UTC)


def test_datetime_arrays(store: DocumentStore, make_task: MakeTask) -> None:
    plus_one = timezone(timedelta(hours=1))
    times = [datetime(2024, 5, 1, 9, 0, 0, 1, tzinfo=plus_one), "2024-05-02T10:00:00Z"]
    doc = store.get("tasks", make_task(reminders=times)["$id"])
    assert doc["reminders"] == [
        datetime(2024, 5, 1, 8, 0, 0, 1, tzinfo=UTC),
        datetime(2024, 5, 2, 10, 0, tzinfo=UTC),
    ]
    assert all(t.tzinfo is UTC for t in doc["reminders"])
    found = store.list("tasks", [Query.contains("reminders", datetime(2024, 5, 2, 10, tzinfo=UTC))])
    assert [d["$id"] for d in found] == [doc["$id"]]
    with pytest.raises(InvalidDocument, match=r"tasks\.reminders: element 0: naive"):
        make_task(reminders=[datetime(2024, 5, 1)])


def test_created_at_may_be_given_on_create(store: DocumentStore, make_task: MakeTask) -> None:
    then = datetime(2020, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    doc = make_task(**{"$createdAt": then})
    assert doc["$createdAt"] == then
    assert doc["$updatedAt"] == then
    with pytest.raises(InvalidDocument, match="naive"):
        make_task(**{"$createdAt": datetime(2020, 1, 2)})


def test_json_and_array_round_trip(store: DocumentStore, make_task: MakeTask) -> None:
    meta = {"nested": {"list": [1, 2.5, "três", None, True]}, "empty": {}, "n": -7}
    doc = make_task(meta=meta, labels=["b", "a", "b"], scores=[3, -1, 2**40])
    got = store.get("tasks", doc["$id"])
    assert got["meta"] == meta
    assert got["labels"] == ["b", "a", "b"]
    assert got["scores"] == [3, -1, 2**40]
    for scalar in ("text", 12, 1.25, False, [1, [2]]):
        assert store.get("tasks", make_task(meta=scalar)["$id"])["meta"] == scalar


def test_numbers_and_booleans(store: DocumentStore, make_task: MakeTask) -> None:
    doc = store.get("tasks", make_task(points=-(2**62), estimate=3, order=0.1, flagged=True)["$id"])
    assert doc["points"] == -(2**62)
    assert doc["estimate"] == 3.0 and isinstance(doc["estimate"], float)
    assert doc["order"] == 0.1
    assert doc["flagged"] is True


# -- reads --------------------------------------------------------------------------------


def test_get_and_find_missing(store: DocumentStore) -> None:
    with pytest.raises(NotFound) as caught:
        store.get("tasks", "missing")
    assert caught.value.code == "document_not_found"
    assert caught.value.document_id == "missing"
    assert store.find("tasks", "missing") is None


def test_get_many(store: DocumentStore, make_task: MakeTask) -> None:
    a, b = make_task(title="a"), make_task(title="b")
    found = store.get_many("tasks", [b["$id"], "missing", a["$id"], b["$id"]])
    assert set(found) == {a["$id"], b["$id"]}
    assert found[a["$id"]] == a
    assert store.get_many("tasks", []) == {}


def test_get_many_above_one_chunk(store: DocumentStore) -> None:
    with store.transaction():
        ids = [store.create("counters", {"hits": n})["$id"] for n in range(620)]
    found = store.get_many("counters", [*ids, "nope"])
    assert len(found) == 620
    assert [found[i]["hits"] for i in ids] == list(range(620))


# -- update -------------------------------------------------------------------------------


def test_update_is_partial_and_touches_updated_at(
    store: DocumentStore, make_task: MakeTask
) -> None:
    doc = make_task(body="before", points=3)
    updated = store.update("tasks", doc["$id"], {"body": "after", "status": "doing"})
    assert updated["body"] == "after" and updated["status"] == "doing"
    assert updated["points"] == 3 and updated["title"] == doc["title"]
    assert updated["$createdAt"] == doc["$createdAt"]
    assert updated["$updatedAt"] >= doc["$updatedAt"]
    assert store.get("tasks", doc["$id"]) == updated


def test_update_ignores_meta_keys(store: DocumentStore, make_task: MakeTask) -> None:
    doc = make_task()
    updated = store.update(
        "tasks",
        doc["$id"],
        {"$id": "other", "$createdAt": datetime(2000, 1, 1, tzinfo=UTC), "title": "new"},
    )
    assert updated["$id"] == doc["$id"]
    assert updated["$createdAt"] == doc["$createdAt"]
    assert updated["title"] == "new"


def test_update_validates(store: DocumentStore, make_task: MakeTask) -> None:
    doc = make_task(body="kept")
    with pytest.raises(InvalidDocument, match="'colour'"):
        store.update("tasks", doc["$id"], {"colour": "red"})
    with pytest.raises(InvalidDocument, match=r"tasks\.title is required"):
        store.update("tasks", doc["$id"], {"title": None})
    with pytest.raises(InvalidDocument, match=r"tasks\.status"):
        store.update("tasks", doc["$id"], {"status": "nope", "body": "changed"})
    assert store.get("tasks", doc["$id"])["body"] == "kept"
    assert store.update("tasks", doc["$id"], {"body": None})["body"] is None


def test_update_missing_document(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        store.update("tasks", "missing", {"title": "x"})


def test_update_to_a_taken_unique_value(store: DocumentStore, make_task: MakeTask) -> None:
    make_task(key="A")
    b = make_task(key="B", title="b")
    with pytest.raises(Conflict):
        store.update("tasks", b["$id"], {"key": "A", "title": "changed"})
    assert store.get("tasks", b["$id"]) == b


def test_update_where(store: DocumentStore, make_task: MakeTask) -> None:
    for n in range(5):
        make_task(points=n, project_id="p1" if n < 3 else "p2")
    changed = store.update_where("tasks", [Query.equal("project_id", "p1")], {"status": "done"})
    assert changed == 3
    assert store.count("tasks", [Query.equal("status", "done")]) == 3
    assert store.update_where("tasks", [Query.equal("project_id", "none")], {"status": "done"}) == 0
    with pytest.raises(InvalidDocument):
        store.update_where("tasks", [], {"status": "nope"})


def test_update_where_with_order_and_limit(store: DocumentStore, make_task: MakeTask) -> None:
    for n in range(6):
        make_task(points=n)
    changed = store.update_where(
        "tasks", [Query.order_desc("points"), Query.limit(2)], {"flagged": True}
    )
    assert changed == 2
    flagged = store.list("tasks", [Query.equal("flagged", True), Query.order_asc("points")])
    assert [d["points"] for d in flagged] == [4, 5]


def test_update_where_conflict_changes_nothing(store: DocumentStore, make_task: MakeTask) -> None:
    make_task(key="A", points=1)
    make_task(key="B", points=1)
    with pytest.raises(Conflict):
        store.update_where("tasks", [], {"key": "C", "points": 9})
    assert store.count("tasks", [Query.equal("points", 9)]) == 0


# -- increment ----------------------------------------------------------------------------


def test_increment(store: DocumentStore) -> None:
    doc = store.create("counters", {"name": "views"})
    assert store.increment("counters", doc["$id"], "hits")["hits"] == 1
    assert store.increment("counters", doc["$id"], "hits", 10)["hits"] == 11
    assert store.increment("counters", doc["$id"], "hits", -12)["hits"] == -1
    result = store.increment("counters", doc["$id"], "amount", 0.25)
    assert result["amount"] == 0.25
    assert result["$updatedAt"] >= doc["$updatedAt"]
    assert store.get("counters", doc["$id"])["hits"] == -1


def test_increment_null_counts_from_zero(store: DocumentStore, make_task: MakeTask) -> None:
    doc = make_task(estimate=None)
    assert store.increment("tasks", doc["$id"], "estimate", 1.5)["estimate"] == 1.5


@pytest.mark.parametrize(
    ("attribute", "by", "message"),
    [
        ("hits", 0.5, "integer attribute is incremented by an integer"),
        ("hits", True, "increment by a number"),
        ("hits", "1", "increment by a number"),
        ("name", 1, "only integer and float"),
        ("nope", 1, "no attribute"),
    ],
)
def test_increment_refuses(store: DocumentStore, attribute: str, by: Any, message: str) -> None:
    doc = store.create("counters", {"name": "x", "hits": 5})
    with pytest.raises(InvalidDocument, match=message):
        store.increment("counters", doc["$id"], attribute, by)
    assert store.get("counters", doc["$id"])["hits"] == 5


def test_increment_missing_document(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        store.increment("counters", "missing", "hits")


# -- delete -------------------------------------------------------------------------------


def test_delete(store: DocumentStore, make_task: MakeTask) -> None:
    doc = make_task()
    store.delete("tasks", doc["$id"])
    assert store.find("tasks", doc["$id"]) is None
    with pytest.raises(NotFound):
        store.delete("tasks", doc["$id"])


def test_delete_frees_unique_values(store: DocumentStore) -> None:
    doc = store.create("users", {"email": "a@example.com"})
    store.delete("users", doc["$id"])
    store.create("users", {"email": "a@example.com"})


def test_delete_where(store: DocumentStore, make_task: MakeTask) -> None:
    for n in range(6):
        make_task(points=n)
    assert store.delete_where("tasks", [Query.greater_than_equal("points", 4)]) == 2
    assert store.delete_where("tasks", [Query.order_asc("points"), Query.limit(1)]) == 1
    remaining = store.list("tasks", [Query.order_asc("points")])
    assert [d["points"] for d in remaining] == [1, 2, 3]
    assert store.delete_where("tasks", []) == 3
    assert store.count("tasks") == 0


# -- lifecycle ----------------------------------------------------------------------------


def test_ping_and_close(backend: Any, schema: Any) -> None:
    store = backend.open(schema)
    assert store.ping() is True
    store.close()
    store.close()
