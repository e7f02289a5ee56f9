"""Contract: the query language (filters, order, pagination, select, search)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from webapp.storage import DocumentStore, InvalidQuery, Query

MakeTask = Callable[..., dict[str, Any]]
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def titles(store: DocumentStore, *queries: Query) -> list[str]:
    return [d["title"] for d in store.list("tasks", [*queries, Query.limit(500)])]


def title_set(store: DocumentStore, *queries: Query) -> set[str]:
    return set(titles(store, *queries))


@pytest.fixture
def board(store: DocumentStore, make_task: MakeTask) -> DocumentStore:
    """Five tasks with known values, created in this order."""
    make_task(
        title="alpha",
        points=1,
        estimate=0.5,
        status="todo",
        labels=["ui", "bug"],
        due_at=T0,
        scores=[1, 2],
        meta={"a": 1},
        project_id="p1",
    )
    make_task(
        title="beta",
        points=2,
        estimate=None,
        status="doing",
        labels=["api"],
        due_at=T0 + timedelta(days=1),
        scores=[3],
        project_id="p1",
    )
    make_task(
        title="gamma",
        points=3,
        estimate=2.5,
        status="done",
        labels=[],
        due_at=None,
        project_id="p2",
    )
    make_task(
        title="delta",
        points=2,
        estimate=1.0,
        status="todo",
        labels=["bug"],
        due_at=T0 + timedelta(days=2),
        project_id="p2",
        body="Ships the delta",
    )
    make_task(
        title="Epsilon",
        points=5,
        estimate=None,
        status="done",
        labels=["UI"],
        due_at=T0 - timedelta(days=1),
        project_id="p3",
    )
    return store


# -- filters ------------------------------------------------------------------------------


def test_equal(board: DocumentStore) -> None:
    assert title_set(board, Query.equal("status", "todo")) == {"alpha", "delta"}
    assert title_set(board, Query.equal("points", 2)) == {"beta", "delta"}
    assert title_set(board, Query.equal("flagged", False)) == {
        "alpha",
        "beta",
        "gamma",
        "delta",
        "Epsilon",
    }
    assert title_set(board, Query.equal("due_at", T0)) == {"alpha"}


def test_equal_with_a_list_is_in(board: DocumentStore) -> None:
    assert title_set(board, Query.equal("status", ["doing", "done"])) == {
        "beta",
        "gamma",
        "Epsilon",
    }
    assert title_set(board, Query.equal("status", [])) == set()


def test_equal_none_matches_nulls(board: DocumentStore) -> None:
    assert title_set(board, Query.equal("estimate", None)) == {"beta", "Epsilon"}
    assert title_set(board, Query.equal("estimate", [None, 0.5])) == {"alpha", "beta", "Epsilon"}


def test_filters_are_and_ed(board: DocumentStore) -> None:
    assert title_set(board, Query.equal("status", "todo"), Query.equal("project_id", "p2")) == {
        "delta"
    }


def test_not_equal(board: DocumentStore) -> None:
    assert title_set(board, Query.not_equal("status", "todo")) == {"beta", "gamma", "Epsilon"}
    assert title_set(board, Query.not_equal("status", ["todo", "done"])) == {"beta"}
    # As in SQL and Appwrite: a null attribute is neither equal nor unequal to a value.
    assert title_set(board, Query.not_equal("estimate", 0.5)) == {"gamma", "delta"}
    assert title_set(board, Query.not_equal("estimate", None)) == {"alpha", "gamma", "delta"}


def test_comparisons(board: DocumentStore) -> None:
    assert title_set(board, Query.less_than("points", 2)) == {"alpha"}
    assert title_set(board, Query.less_than_equal("points", 2)) == {"alpha", "beta", "delta"}
    assert title_set(board, Query.greater_than("points", 2)) == {"gamma", "Epsilon"}
    assert title_set(board, Query.greater_than_equal("points", 3)) == {"gamma", "Epsilon"}
    assert title_set(board, Query.greater_than("estimate", 0.75)) == {"gamma", "delta"}
    assert title_set(board, Query.less_than("points", 1.5)) == {"alpha"}
    assert title_set(board, Query.greater_than("title", "delta")) == {"gamma"}
    assert title_set(board, Query.less_than("due_at", T0)) == {"Epsilon"}
    assert title_set(board, Query.greater_than_equal("due_at", T0.isoformat())) == {
        "alpha",
        "beta",
        "delta",
    }


def test_between_is_inclusive(board: DocumentStore) -> None:
    assert title_set(board, Query.between("points", 2, 3)) == {"beta", "gamma", "delta"}
    assert title_set(board, Query.between("due_at", T0, T0 + timedelta(days=1))) == {
        "alpha",
        "beta",
    }


def test_null_checks(board: DocumentStore) -> None:
    assert title_set(board, Query.is_null("due_at")) == {"gamma"}
    assert len(titles(board, Query.is_not_null("due_at"))) == 4
    assert title_set(board, Query.is_not_null("meta")) == {"alpha"}
    assert title_set(board, Query.is_null("scores")) == {"gamma", "delta", "Epsilon"}
    assert title_set(board, Query.is_null("body")) == {"alpha", "beta", "gamma", "Epsilon"}


def test_meta_attributes_in_filters(board: DocumentStore) -> None:
    docs = board.list("tasks", [Query.order_asc("$createdAt")]).documents
    first, second = docs[0], docs[1]
    assert title_set(board, Query.equal("$id", [first["$id"], second["$id"]])) == {
        first["title"],
        second["title"],
    }
    assert title_set(board, Query.not_equal("$id", first["$id"])) == {d["title"] for d in docs[1:]}
    assert first["title"] in title_set(
        board, Query.less_than_equal("$createdAt", first["$createdAt"])
    )
    later = title_set(board, Query.greater_than("$updatedAt", first["$updatedAt"]))
    assert first["title"] not in later and len(later) == 4
    assert title_set(board, Query.starts_with("$id", first["$id"][:20])) == {first["title"]}


def test_starts_with_is_literal_and_case_sensitive(
    store: DocumentStore, make_task: MakeTask
) -> None:
    for title in ("100% done", "100 percent", "a_b", "axb", "Alpha", "alpha", "al%"):
        make_task(title=title)
    assert title_set(store, Query.starts_with("title", "100%")) == {"100% done"}
    assert title_set(store, Query.starts_with("title", "a_")) == {"a_b"}
    assert title_set(store, Query.starts_with("title", "al")) == {"alpha", "al%"}
    assert title_set(store, Query.starts_with("title", "Al")) == {"Alpha"}
    assert title_set(store, Query.starts_with("title", "al%")) == {"al%"}
    assert len(titles(store, Query.starts_with("title", ""))) == 7


def test_contains_on_strings_is_a_case_insensitive_substring(
    store: DocumentStore, make_task: MakeTask
) -> None:
    for title in ("Fix Login bug", "login page", "blog", "50% off", "5000 offers"):
        make_task(title=title)
    assert title_set(store, Query.contains("title", "LOGIN")) == {"Fix Login bug", "login page"}
    assert title_set(store, Query.contains("title", "0% o")) == {"50% off"}
    assert title_set(store, Query.contains("title", ["blog", "page"])) == {"blog", "login page"}
    assert title_set(store, Query.contains("title", "_")) == set()


def test_contains_on_arrays_matches_any_value(board: DocumentStore) -> None:
    assert title_set(board, Query.contains("labels", "bug")) == {"alpha", "delta"}
    assert title_set(board, Query.contains("labels", ["api", "UI"])) == {"beta", "Epsilon"}
    assert title_set(board, Query.contains("labels", "ui")) == {"alpha"}
    assert title_set(board, Query.contains("labels", "nothing")) == set()
    assert title_set(board, Query.contains("scores", 3)) == {"beta"}
    assert title_set(board, Query.contains("scores", [2, 3])) == {"alpha", "beta"}


def test_contains_combined_with_other_filters(board: DocumentStore) -> None:
    found = title_set(board, Query.contains("labels", "bug"), Query.equal("project_id", "p2"))
    assert found == {"delta"}


# -- full-text search -----------------------------------------------------------------------


@pytest.fixture
def library(store: DocumentStore, make_task: MakeTask) -> DocumentStore:
    make_task(title="Design the login page", body="Mockups for sign-in and sign-up")
    make_task(title="Login API", body="Mail bob@example.com about https://github.com/keel/api")
    make_task(title="Payment gateway", body="Integrate the PAYMENT provider; logins later")
    make_task(title="Café menu", body="Résumé of the café's 2024 plans")
    return store


def test_search_matches_words_ignoring_case(library: DocumentStore) -> None:
    assert title_set(library, Query.search("title", "login")) == {
        "Design the login page",
        "Login API",
    }
    assert title_set(library, Query.search("body", "payment")) == {"Payment gateway"}


def test_search_needs_every_word(library: DocumentStore) -> None:
    assert title_set(library, Query.search("title", "login page")) == {"Design the login page"}
    assert title_set(library, Query.search("title", "page login")) == {"Design the login page"}
    assert title_set(library, Query.search("title", "login gateway")) == set()


def test_search_as_you_type_prefix_on_the_last_word(library: DocumentStore) -> None:
    assert title_set(library, Query.search("title", "log")) == {
        "Design the login page",
        "Login API",
    }
    assert title_set(library, Query.search("title", "login pa")) == {"Design the login page"}
    assert title_set(library, Query.search("title", "pa login")) == set()


def test_search_splits_on_punctuation(library: DocumentStore) -> None:
    assert title_set(library, Query.search("body", "github")) == {"Login API"}
    assert title_set(library, Query.search("body", "bob@example.com")) == {"Login API"}
    assert title_set(library, Query.search("body", "example")) == {"Login API"}
    assert title_set(library, Query.search("body", "sign-up")) == {"Design the login page"}
    assert title_set(library, Query.search("body", "2024")) == {"Café menu"}
    assert title_set(library, Query.search("title", "café")) == {"Café menu"}
    assert title_set(library, Query.search("title", "CAFÉ")) == {"Café menu"}


def test_search_is_per_attribute(library: DocumentStore) -> None:
    assert title_set(library, Query.search("title", "mockups")) == set()
    assert title_set(library, Query.search("body", "mockups")) == {"Design the login page"}


def test_search_without_words_matches_everything(library: DocumentStore) -> None:
    assert len(titles(library, Query.search("title", "  ...  "))) == 4


def test_search_quotes_and_operators_are_plain_text(library: DocumentStore) -> None:
    for text in ('"login', "login OR payment", "NOT login", "login*", "(login", "title:login"):
        titles(library, Query.search("title", text))
    assert title_set(library, Query.search("title", "login OR")) == set()
    assert title_set(library, Query.search("title", '"login"')) == {
        "Design the login page",
        "Login API",
    }


def test_search_follows_updates_and_deletes(library: DocumentStore, make_task: MakeTask) -> None:
    doc = make_task(title="Rocket launch")
    assert title_set(library, Query.search("title", "rocket")) == {"Rocket launch"}
    library.update("tasks", doc["$id"], {"title": "Boat trip"})
    assert title_set(library, Query.search("title", "rocket")) == set()
    assert title_set(library, Query.search("title", "boat")) == {"Boat trip"}
    library.update_where("tasks", [Query.equal("$id", doc["$id"])], {"title": "Train ride"})
    assert title_set(library, Query.search("title", "train")) == {"Train ride"}
    library.delete("tasks", doc["$id"])
    assert title_set(library, Query.search("title", "train")) == set()
    library.delete_where("tasks", [Query.search("title", "login")])
    assert title_set(library, Query.search("title", "log")) == set()
    assert library.count("tasks") == 2


def test_search_with_filters_order_and_count(library: DocumentStore) -> None:
    found = library.list(
        "tasks", [Query.search("title", "login"), Query.order_desc("title"), Query.limit(1)]
    )
    assert found.total == 2
    assert [d["title"] for d in found] == ["Login API"]
    assert library.count("tasks", [Query.search("body", "later")]) == 1


def test_search_needs_a_fulltext_index(library: DocumentStore) -> None:
    with pytest.raises(InvalidQuery, match="fulltext"):
        library.list("tasks", [Query.search("project_id", "p1")])


# -- invalid queries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        Query.equal("colour", "red"),
        Query.order_asc("colour"),
        Query.select("title", "colour"),
        Query.equal("points", "three"),
        Query.equal("flagged", "yes"),
        Query.equal("title", 3),
        Query.less_than("due_at", datetime(2024, 1, 1)),
        Query.greater_than("due_at", "soon"),
        Query.less_than("points", None),
        Query.starts_with("points", "1"),
        Query.contains("points", 1),
        Query.contains("due_at", "2024"),
        Query.less_than("labels", "a"),
        Query.equal("meta", {"a": 1}),
        Query.order_desc("labels"),
        Query.order_asc("meta"),
        Query.contains("labels", []),
        Query("between", "points", (1,)),
        Query("lessThan", "points", (1, 2)),
        Query("fuzzy", "title", ("x",)),
        Query.limit(100_000),
        Query.limit(-1),
        Query.offset(-1),
    ],
    ids=lambda q: q.to_json(),
)
def test_invalid_queries(store: DocumentStore, make_task: MakeTask, query: Query) -> None:
    make_task()
    with pytest.raises(InvalidQuery) as caught:
        store.list("tasks", [query])
    assert caught.value.code == "general_query_invalid"


# -- order, pages, select ----------------------------------------------------------------------


def test_default_order_is_creation_order(board: DocumentStore) -> None:
    assert titles(board) == ["alpha", "beta", "gamma", "delta", "Epsilon"]


def test_order_multi_key(board: DocumentStore) -> None:
    assert titles(board, Query.order_asc("points"), Query.order_desc("title")) == [
        "alpha",
        "delta",
        "beta",
        "gamma",
        "Epsilon",
    ]
    assert titles(board, Query.order_desc("points"), Query.order_asc("$createdAt")) == [
        "Epsilon",
        "gamma",
        "beta",
        "delta",
        "alpha",
    ]
    assert titles(board, Query.order_desc("due_at"))[:2] == ["delta", "beta"]


def test_nulls_sort_first_ascending_and_last_descending(board: DocumentStore) -> None:
    ascending = titles(board, Query.order_asc("estimate"))
    assert set(ascending[:2]) == {"beta", "Epsilon"}
    assert ascending[2:] == ["alpha", "delta", "gamma"]
    descending = titles(board, Query.order_desc("estimate"))
    assert descending[:3] == ["gamma", "delta", "alpha"]
    assert set(descending[3:]) == {"beta", "Epsilon"}


def test_order_by_id(board: DocumentStore) -> None:
    docs = board.list("tasks", [Query.order_desc("$id")]).documents
    ids = [d["$id"] for d in docs]
    assert ids == sorted(ids, reverse=True)


def test_limit_offset_and_total(board: DocumentStore) -> None:
    page = board.list("tasks", [Query.order_asc("points"), Query.limit(2), Query.offset(1)])
    assert page.total == 5
    assert len(page) == 2
    assert page.documents == [d for d in page]
    only_total = board.list("tasks", [Query.equal("status", "done"), Query.limit(0)])
    assert only_total.total == 2 and only_total.documents == []
    beyond = board.list("tasks", [Query.offset(10)])
    assert beyond.total == 5 and beyond.documents == []


def test_total_of_short_full_and_last_pages(board: DocumentStore) -> None:
    # a page that is not full tells the total by itself; a full one or a cursor page counts
    short = board.list("tasks", [Query.limit(50)])
    assert short.total == 5 and len(short) == 5
    full = board.list("tasks", [Query.order_asc("points"), Query.limit(5)])
    assert full.total == 5 and len(full) == 5
    last = board.list("tasks", [Query.order_asc("points"), Query.limit(2), Query.offset(4)])
    assert last.total == 5 and len(last) == 1
    empty = board.list("tasks", [Query.equal("status", "nope"), Query.limit(10)])
    assert empty.total == 0 and empty.documents == []
    first_two = board.list("tasks", [Query.order_asc("$id"), Query.limit(2)])
    after = board.list("tasks", [Query.order_asc("$id"), Query.limit(10),
                                 Query.cursor_after(first_two.documents[-1]["$id"])])
    assert after.total == 5 and len(after) == 3


def test_default_limit_is_25(store: DocumentStore) -> None:
    with store.transaction():
        for n in range(30):
            store.create("counters", {"hits": n})
    page = store.list("counters")
    assert page.total == 30
    assert len(page) == 25


def test_select_returns_only_those_attributes_plus_meta(board: DocumentStore) -> None:
    docs = board.list("tasks", [Query.select("title", "labels"), Query.order_asc("title")])
    assert docs.total == 5
    for doc in docs:
        assert set(doc) == {"$id", "$createdAt", "$updatedAt", "title", "labels"}
    assert docs.documents[0]["$createdAt"].tzinfo is UTC
    first = board.first("tasks", [Query.select("$id"), Query.equal("title", "gamma")])
    assert first is not None and set(first) == {"$id", "$createdAt", "$updatedAt"}


def test_first(board: DocumentStore) -> None:
    top = board.first("tasks", [Query.order_desc("points")])
    assert top is not None and top["title"] == "Epsilon"
    assert board.first("tasks", [Query.equal("status", "nope")]) is None
    assert (
        board.first("tasks", [Query.order_asc("points"), Query.offset(1), Query.limit(3)])
        is not None
    )


def test_count(board: DocumentStore) -> None:
    assert board.count("tasks") == 5
    assert board.count("tasks", [Query.contains("labels", "bug")]) == 2
    assert board.count("tasks", [Query.equal("status", "done"), Query.limit(1)]) == 2
    assert board.count("users") == 0


# -- cursor pagination -------------------------------------------------------------------------


@pytest.fixture
def many(store: DocumentStore) -> DocumentStore:
    """130 tasks; ``points`` has only 4 distinct values, ``estimate`` is often null."""
    with store.transaction():
        for n in range(130):
            store.create(
                "tasks",
                {
                    "project_id": "p1",
                    "title": f"task {n:03d}",
                    "points": n % 4,
                    "estimate": None if n % 3 == 0 else float(n % 5),
                },
            )
    return store


def _walk(store: DocumentStore, order: list[Query], page_size: int) -> list[str]:
    seen: list[str] = []
    cursor: list[Query] = []
    while True:
        page = store.list("tasks", [*order, *cursor, Query.limit(page_size)])
        assert page.total == 130
        seen.extend(d["$id"] for d in page)
        if len(page) < page_size:
            return seen
        cursor = [Query.cursor_after(page.documents[-1]["$id"])]


@pytest.mark.parametrize(
    "order",
    [
        [],
        [Query.order_asc("points")],
        [Query.order_desc("points")],
        [Query.order_asc("estimate")],
        [Query.order_desc("estimate"), Query.order_asc("points")],
        [Query.order_desc("points"), Query.order_desc("$createdAt")],
    ],
    ids=["default", "points-asc", "points-desc", "estimate-asc", "estimate-desc", "two-keys"],
)
def test_cursor_pagination_is_stable_with_ties_and_nulls(
    many: DocumentStore, order: list[Query]
) -> None:
    everything = [d["$id"] for d in many.list("tasks", [*order, Query.limit(500)])]
    assert len(everything) == 130
    walked = _walk(many, order, page_size=17)
    assert walked == everything


def test_cursor_with_filters(many: DocumentStore) -> None:
    filters = [Query.equal("points", 2), Query.order_asc("estimate")]
    everything = [d["$id"] for d in many.list("tasks", [*filters, Query.limit(500)])]
    after = many.list("tasks", [*filters, Query.cursor_after(everything[4]), Query.limit(5)])
    assert after.total == len(everything)
    assert [d["$id"] for d in after] == everything[5:10]


def test_cursor_of_a_missing_document(many: DocumentStore) -> None:
    with pytest.raises(InvalidQuery, match="cursor"):
        many.list("tasks", [Query.cursor_after("missing")])
