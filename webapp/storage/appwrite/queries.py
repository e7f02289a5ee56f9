"""Checking our queries like the SQL driver does, and writing them in Appwrite's wire form.

The checks mirror ``sql/compiler.py`` rule for rule, so both drivers refuse the same
queries with ``InvalidQuery`` before anything is sent. The translation keeps the SQL
driver's semantics on Appwrite:

- ``equal``/``notEqual`` with ``None`` among the values become ``or(equal, isNull)`` and
  ``isNotNull`` + ``notEqual``; an empty ``equal`` list matches nothing, an empty
  ``notEqual`` list everything.
- ``search`` sends one Appwrite ``search`` query per word: every word but the last quoted
  (an exact word), the last bare (Appwrite appends ``*``: a prefix). Appwrite's own
  ``search`` matches *any* word; this gives "every word, the last as a prefix", as on SQL.
- DATETIME attributes are stored as fixed-width UTC text (see ``values.py``), so their
  filter values are sent in that form; ``$createdAt``/``$updatedAt`` as ISO 8601.
- The order always ends with ``$sequence`` (Appwrite's insertion counter), so ties,
  including ``$createdAt`` ties within Appwrite's millisecond precision, break the same
  way on every page; the default order is ``$createdAt`` ascending.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from appwrite.query import Query as Q

from ..errors import InvalidQuery
from ..query import Page, Query, split
from ..schema import META, AttrType, Collection
from ..validation import query_value
from .values import appwrite_time, to_wire

MAX_WORDS = 32
MAX_VALUES = 100  # Appwrite accepts at most 100 values in one query
_WORD = re.compile(r"[^\W_]+")
NOTHING = Q.equal("$id", [""])  # no row has an empty id


def words(text: str) -> list[str]:
    """The same word split as the SQL driver's full-text search."""
    return _WORD.findall(text.lower())[:MAX_WORDS]


@dataclass(frozen=True)
class Compiled:
    page: Page
    filters: list[str]
    order: list[str]
    select: list[str] | None


def compile_queries(collection: Collection, queries: Sequence[Query]) -> Compiled:
    page = split(queries)
    filters: list[str] = []
    for q in page.filters:
        filters.extend(_filter(collection, q))
    order: list[str] = []
    for name, descending in page.order:
        _known(collection, name)
        if name not in META:
            attr = collection.attribute(name)
            if attr.array or attr.type is AttrType.JSON:
                raise InvalidQuery(f"cannot order by {collection.id}.{name}")
        order.append(Q.order_desc(name) if descending else Q.order_asc(name))
    if not order:
        order.append(Q.order_asc("$createdAt"))
    order.append(Q.order_asc("$sequence"))
    select = None
    if page.select is not None:
        for name in page.select:
            _known(collection, name)
        select = [*META, *(n for n in page.select if n not in META)]
    return Compiled(page, filters, order, select)


def _known(collection: Collection, name: str) -> None:
    if name not in META and not collection.has(name):
        raise InvalidQuery(f"{collection.id} has no attribute {name!r}")


def _value(collection: Collection, name: str, value: Any, method: str) -> Any:
    if value is None:
        raise InvalidQuery(f"{method} on {collection.id}.{name}: null is not a value here")
    return _wire(collection, name, query_value(collection, name, value))


def _wire(collection: Collection, name: str, value: Any) -> Any:
    if name in ("$createdAt", "$updatedAt"):
        return appwrite_time(value)
    if name == "$id":
        return value
    return to_wire(collection.attribute(name), value, element=True)


def _filter(collection: Collection, q: Query) -> list[str]:
    name = str(q.attribute)
    _known(collection, name)
    attr = collection.attribute(name) if name not in META else None
    method = q.method
    if method == "isNull":
        return [Q.is_null(name)]
    if method == "isNotNull":
        return [Q.is_not_null(name)]
    if method == "search":
        return _search(collection, name, q)
    textual = attr is None or attr.type in (AttrType.STRING, AttrType.TEXT)
    if method == "contains":
        if attr is not None and attr.array:
            values = [_value(collection, name, v, method) for v in q.values]
        elif not textual or name in ("$createdAt", "$updatedAt"):
            raise InvalidQuery(f"contains needs a string or array attribute, not {name!r}")
        else:
            values = [_value(collection, name, v, method) for v in q.values]
        if not values:
            raise InvalidQuery("contains needs at least one value")
        return [Q.contains(name, values)]
    if attr is not None and (attr.array or attr.type is AttrType.JSON):
        raise InvalidQuery(f"{method} is not supported on {collection.id}.{name}")
    if method in ("equal", "notEqual"):
        return _equal(collection, name, q.values, negate=method == "notEqual")
    if method == "between":
        if len(q.values) != 2:
            raise InvalidQuery("between needs two values")
        low, high = (_value(collection, name, v, method) for v in q.values)
        return [Q.between(name, low, high)]
    if len(q.values) != 1:
        raise InvalidQuery(f"{method} needs exactly one value")
    value = _value(collection, name, q.values[0], method)
    if method == "startsWith":
        if not textual or name in ("$createdAt", "$updatedAt"):
            raise InvalidQuery(f"startsWith needs a string attribute, not {name!r}")
        return [Q.starts_with(name, value)]
    builders = {
        "lessThan": Q.less_than,
        "lessThanEqual": Q.less_than_equal,
        "greaterThan": Q.greater_than,
        "greaterThanEqual": Q.greater_than_equal,
    }
    if method not in builders:
        raise InvalidQuery(f"unknown filter {method!r}")
    return [builders[method](name, value)]


def _equal(collection: Collection, name: str, raw: Sequence[Any], *, negate: bool) -> list[str]:
    values = [
        _wire(collection, name, query_value(collection, name, v)) for v in raw if v is not None
    ]
    with_null = any(v is None for v in raw)
    if not negate:
        parts = [
            Q.equal(name, values[i : i + MAX_VALUES]) for i in range(0, len(values), MAX_VALUES)
        ]
        if with_null:
            parts.append(Q.is_null(name))
        if not parts:
            return [NOTHING]
        return parts if len(parts) == 1 else [Q.or_queries(parts)]
    result = [Q.is_not_null(name)] if with_null else []
    result.extend(Q.not_equal(name, value) for value in values)
    return result


def _search(collection: Collection, name: str, q: Query) -> list[str]:
    if name not in collection.fulltext:
        raise InvalidQuery(f"search needs a fulltext index on {collection.id}.{name}")
    if len(q.values) != 1 or not isinstance(q.values[0], str):
        raise InvalidQuery("search needs one text value")
    terms = words(q.values[0])
    if not terms:
        return []
    exact = [Q.search(name, f'"{term}"') for term in terms[:-1]]
    return [*exact, Q.search(name, terms[-1])]
