"""Contract: transactions, atomicity on conflicts, and concurrent use from threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from webapp.storage import Conflict, DocumentStore, Query


class Boom(Exception):
    pass


def test_transaction_commits(store: DocumentStore) -> None:
    with store.transaction():
        a = store.create("users", {"email": "a@example.com"})
        store.update("users", a["$id"], {"name": "Ann"})
        store.create("users", {"email": "b@example.com"})
    assert store.count("users") == 2
    assert store.get("users", a["$id"])["name"] == "Ann"


def test_exception_rolls_back_everything(store: DocumentStore) -> None:
    kept = store.create("counters", {"name": "kept", "hits": 1})
    with pytest.raises(Boom), store.transaction():
        store.create("counters", {"name": "new"})
        store.increment("counters", kept["$id"], "hits", 5)
        store.update_where("counters", [], {"amount": 9.5})
        store.delete("counters", kept["$id"])
        raise Boom
    assert store.count("counters") == 1
    assert store.get("counters", kept["$id"]) == kept


def test_rollback_covers_the_search_index(store: DocumentStore) -> None:
    with pytest.raises(Boom), store.transaction():
        store.create("tasks", {"project_id": "p", "title": "Phantom rocket"})
        assert store.count("tasks", [Query.search("title", "rocket")]) == 1
        raise Boom
    assert store.count("tasks", [Query.search("title", "rocket")]) == 0
    store.create("tasks", {"project_id": "p", "title": "Real rocket"})
    assert store.count("tasks", [Query.search("title", "rocket")]) == 1


def test_conflict_inside_a_transaction_writes_nothing(store: DocumentStore) -> None:
    store.create("users", {"email": "taken@example.com"})
    with pytest.raises(Conflict), store.transaction():
        store.create("users", {"email": "new@example.com"})
        store.create("users", {"email": "taken@example.com"})
    emails = {d["email"] for d in store.list("users")}
    assert emails == {"taken@example.com"}


def test_a_caught_conflict_leaves_the_transaction_usable(store: DocumentStore) -> None:
    store.create("users", {"email": "taken@example.com"})
    with store.transaction():
        store.create("users", {"email": "one@example.com"})
        with pytest.raises(Conflict):
            store.create("users", {"email": "taken@example.com"})
        store.create("users", {"email": "two@example.com"})
    emails = {d["email"] for d in store.list("users")}
    assert emails == {"taken@example.com", "one@example.com", "two@example.com"}


def test_reads_inside_see_the_transaction_s_writes(store: DocumentStore) -> None:
    with store.transaction():
        doc = store.create("users", {"email": "a@example.com"})
        assert store.get("users", doc["$id"])["email"] == "a@example.com"
        assert store.count("users", [Query.equal("email", "a@example.com")]) == 1
        assert set(store.get_many("users", [doc["$id"]])) == {doc["$id"]}


def test_other_threads_do_not_see_uncommitted_writes(store: DocumentStore) -> None:
    seen: list[Any] = []
    with store.transaction():
        doc = store.create("users", {"email": "a@example.com"})
        reader = threading.Thread(target=lambda: seen.append(store.find("users", doc["$id"])))
        reader.start()
        reader.join(timeout=10)
    assert seen == [None]
    assert store.find("users", doc["$id"]) is not None


def test_nested_transaction_joins_the_outer_one(store: DocumentStore) -> None:
    with store.transaction():
        store.create("users", {"email": "outer@example.com"})
        with store.transaction():
            store.create("users", {"email": "inner@example.com"})
        assert store.count("users") == 2
    assert store.count("users") == 2

    with pytest.raises(Boom), store.transaction():
        store.create("users", {"email": "outer2@example.com"})
        with store.transaction():
            store.create("users", {"email": "inner2@example.com"})
        raise Boom
    assert store.count("users") == 2


def test_failed_inner_transaction_undoes_only_its_writes(store: DocumentStore) -> None:
    with store.transaction():
        store.create("users", {"email": "outer@example.com"})
        with pytest.raises(Boom), store.transaction():
            store.create("users", {"email": "inner@example.com"})
            raise Boom
        store.create("users", {"email": "after@example.com"})
    emails = {d["email"] for d in store.list("users")}
    assert emails == {"outer@example.com", "after@example.com"}


def test_store_is_usable_after_a_rolled_back_transaction(store: DocumentStore) -> None:
    with pytest.raises(Boom), store.transaction():
        raise Boom
    with store.transaction():
        store.create("users", {"email": "a@example.com"})
    assert store.count("users") == 1


def _parallel(workers: int, job: Callable[[int], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(job, range(workers)))


def test_concurrent_increments_lose_nothing(store: DocumentStore) -> None:
    counter = store.create("counters", {"name": "hits"})

    def work(_: int) -> None:
        for _ in range(25):
            store.increment("counters", counter["$id"], "hits")
            store.increment("counters", counter["$id"], "amount", 0.5)

    _parallel(8, work)
    final = store.get("counters", counter["$id"])
    assert final["hits"] == 200
    assert final["amount"] == 100.0


def test_concurrent_transactions_serialise(store: DocumentStore) -> None:
    counter = store.create("counters", {"name": "tx"})

    def work(n: int) -> None:
        for _ in range(10):
            with store.transaction():
                current = store.increment("counters", counter["$id"], "hits")
                store.create("counters", {"name": f"w{n}-{current['hits']}"})

    _parallel(6, work)
    assert store.get("counters", counter["$id"])["hits"] == 60
    assert store.count("counters") == 61


def test_concurrent_creates_of_a_unique_value_have_one_winner(store: DocumentStore) -> None:
    barrier = threading.Barrier(6)

    def work(_: int) -> str:
        barrier.wait(timeout=10)
        try:
            store.create("users", {"email": "race@example.com"})
        except Conflict:
            return "conflict"
        return "created"

    outcomes = _parallel(6, work)
    assert sorted(outcomes) == ["conflict"] * 5 + ["created"]
    assert store.count("users") == 1
