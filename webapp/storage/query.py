"""The query language, in Appwrite's vocabulary, shared by every driver.

    Query.equal("project_id", pid), Query.order_desc("$createdAt"), Query.limit(30)

A query is a small immutable value; ``to_json`` gives Appwrite's wire form
(``{"method": "equal", "attribute": "x", "values": [...]}``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

FILTERS = frozenset(
    {
        "equal",
        "notEqual",
        "lessThan",
        "lessThanEqual",
        "greaterThan",
        "greaterThanEqual",
        "between",
        "isNull",
        "isNotNull",
        "startsWith",
        "search",
        "contains",
    }
)
MODIFIERS = frozenset({"orderAsc", "orderDesc", "limit", "offset", "cursorAfter", "select"})


@dataclass(frozen=True)
class Query:
    method: str
    attribute: str | None = None
    values: tuple[Any, ...] = ()

    # -- filters -----------------------------------------------------------------
    @staticmethod
    def equal(attribute: str, value: Any) -> Query:
        """``value`` may be a list: matches any of them (Appwrite semantics)."""
        return Query("equal", attribute, _many(value))

    @staticmethod
    def not_equal(attribute: str, value: Any) -> Query:
        return Query("notEqual", attribute, _many(value))

    @staticmethod
    def less_than(attribute: str, value: Any) -> Query:
        return Query("lessThan", attribute, (value,))

    @staticmethod
    def less_than_equal(attribute: str, value: Any) -> Query:
        return Query("lessThanEqual", attribute, (value,))

    @staticmethod
    def greater_than(attribute: str, value: Any) -> Query:
        return Query("greaterThan", attribute, (value,))

    @staticmethod
    def greater_than_equal(attribute: str, value: Any) -> Query:
        return Query("greaterThanEqual", attribute, (value,))

    @staticmethod
    def between(attribute: str, low: Any, high: Any) -> Query:
        """Inclusive on both ends."""
        return Query("between", attribute, (low, high))

    @staticmethod
    def is_null(attribute: str) -> Query:
        return Query("isNull", attribute)

    @staticmethod
    def is_not_null(attribute: str) -> Query:
        return Query("isNotNull", attribute)

    @staticmethod
    def starts_with(attribute: str, prefix: str) -> Query:
        return Query("startsWith", attribute, (prefix,))

    @staticmethod
    def search(attribute: str, text: str) -> Query:
        """Full-text search; ``attribute`` must be covered by a fulltext index."""
        return Query("search", attribute, (text,))

    @staticmethod
    def contains(attribute: str, value: Any) -> Query:
        """Array attribute holds any of the values; string attribute contains the substring."""
        return Query("contains", attribute, _many(value))

    # -- modifiers ---------------------------------------------------------------
    @staticmethod
    def order_asc(attribute: str) -> Query:
        return Query("orderAsc", attribute)

    @staticmethod
    def order_desc(attribute: str) -> Query:
        return Query("orderDesc", attribute)

    @staticmethod
    def limit(n: int) -> Query:
        return Query("limit", None, (int(n),))

    @staticmethod
    def offset(n: int) -> Query:
        return Query("offset", None, (int(n),))

    @staticmethod
    def cursor_after(document_id: str) -> Query:
        return Query("cursorAfter", None, (document_id,))

    @staticmethod
    def select(*attributes: str) -> Query:
        return Query("select", None, tuple(attributes))

    # -- wire form ---------------------------------------------------------------
    def to_json(self) -> str:
        body: dict[str, Any] = {"method": self.method}
        if self.attribute is not None:
            body["attribute"] = self.attribute
        if self.values or self.method not in ("isNull", "isNotNull"):
            body["values"] = [_wire(v) for v in self.values]
        return json.dumps(body, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> Query:
        body = json.loads(text)
        return Query(body["method"], body.get("attribute"), tuple(body.get("values", ())))

    @property
    def is_filter(self) -> bool:
        return self.method in FILTERS


def _many(value: Any) -> tuple[Any, ...]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(value)
    return (value,)


def _wire(value: Any) -> Any:
    iso = getattr(value, "isoformat", None)
    return iso() if callable(iso) else value


@dataclass(frozen=True)
class Page:
    """The modifiers of a query list, split out for drivers."""

    filters: tuple[Query, ...]
    order: tuple[tuple[str, bool], ...]  # (attribute, descending)
    limit: int
    offset: int
    cursor_after: str | None
    select: tuple[str, ...] | None


DEFAULT_LIMIT = 25
MAX_LIMIT = 5000


def split(queries: Sequence[Query]) -> Page:
    from .errors import InvalidQuery

    filters: list[Query] = []
    order: list[tuple[str, bool]] = []
    limit, offset, cursor, select = DEFAULT_LIMIT, 0, None, None
    for q in queries:
        if q.method in FILTERS:
            if q.attribute is None:
                raise InvalidQuery(f"{q.method} needs an attribute")
            filters.append(q)
        elif q.method in ("orderAsc", "orderDesc"):
            order.append((str(q.attribute), q.method == "orderDesc"))
        elif q.method == "limit":
            limit = int(q.values[0])
            if not 0 <= limit <= MAX_LIMIT:
                raise InvalidQuery(f"limit must be between 0 and {MAX_LIMIT}")
        elif q.method == "offset":
            offset = int(q.values[0])
            if offset < 0:
                raise InvalidQuery("offset must not be negative")
        elif q.method == "cursorAfter":
            cursor = str(q.values[0])
        elif q.method == "select":
            select = tuple(str(v) for v in q.values)
        else:
            raise InvalidQuery(f"unknown query method {q.method!r}")
    return Page(tuple(filters), tuple(order), limit, offset, cursor, select)
