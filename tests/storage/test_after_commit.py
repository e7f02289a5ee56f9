"""Contract: ``after_commit`` callbacks run after the outermost commit, never on rollback."""

from __future__ import annotations

from typing import Any

import pytest

from webapp.storage import DocumentStore


class Boom(Exception):
    pass


def test_callback_outside_a_transaction_runs_at_once(store: DocumentStore) -> None:
    ran: list[str] = []
    store.after_commit(lambda: ran.append("now"))
    assert ran == ["now"]


def test_callback_waits_for_the_outermost_commit_and_sees_committed_data(
        store: DocumentStore) -> None:
    seen: list[int] = []
    with store.transaction():
        store.create("users", {"email": "a@example.com"})
        with store.transaction():
            store.after_commit(lambda: seen.append(store.count("users")))
            store.create("users", {"email": "b@example.com"})
        assert seen == []
    assert seen == [2]


def test_callback_is_dropped_on_rollback(store: DocumentStore) -> None:
    ran: list[str] = []
    with pytest.raises(Boom), store.transaction():
        store.create("users", {"email": "a@example.com"})
        store.after_commit(lambda: ran.append("x"))
        raise Boom
    assert ran == []
    store.after_commit(lambda: ran.append("later"))  # the thread's state is clean again
    assert ran == ["later"]


def test_a_failing_callback_neither_raises_nor_stops_the_others(store: DocumentStore) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("side effect failed")

    with store.transaction():
        store.create("users", {"email": "a@example.com"})
        store.after_commit(broken)
        store.after_commit(lambda: ran.append("second"))
    assert ran == ["second"]
    assert store.count("users") == 1


def test_callback_may_write_in_its_own_transaction(store: DocumentStore) -> None:
    def follow_up() -> None:
        with store.transaction():
            store.create("users", {"email": "follow@example.com"})

    with store.transaction():
        store.create("users", {"email": "a@example.com"})
        store.after_commit(follow_up)
    assert store.count("users") == 2


def test_undone_savepoint_drops_only_its_callbacks(sql_backend: Any, schema: Any) -> None:
    sql_store = sql_backend.migrated(schema)
    ran: list[str] = []
    with sql_store.transaction():
        sql_store.after_commit(lambda: ran.append("outer"))
        with pytest.raises(Boom), sql_store.transaction():
            sql_store.after_commit(lambda: ran.append("inner"))
            raise Boom
    assert ran == ["outer"]
