"""Compiling the query language to SQLAlchemy Core expressions.

Semantics shared by both dialects:

- Filters are AND-ed. ``equal``/``notEqual`` with several values mean IN / NOT IN; a
  ``None`` among the values matches (or excludes) nulls. As in SQL (and Appwrite),
  ``notEqual`` and the comparisons never match a null attribute.
- ``startsWith`` is case-sensitive, with ``%`` and ``_`` taken literally. ``contains`` on a
  string attribute is a case-insensitive substring match; on an array attribute it
  matches when any of the values is an element.
- Array and JSON attributes support only ``contains`` (arrays), ``isNull`` and
  ``isNotNull``, and cannot be ordered by.
- Ordering puts nulls first when ascending and last when descending (null is the smallest
  value), and always ends with ``$id`` so that pages are stable. The default order is
  ``$createdAt`` ascending.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..errors import InvalidQuery
from ..query import Query
from ..schema import META, AttrType, Collection
from ..validation import iso, query_value
from . import fulltext
from .tables import META_COLUMNS

OrderKey = tuple[sa.ColumnElement[Any], bool]


class Compiler:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    # -- columns -------------------------------------------------------------------
    def column(self, collection: Collection, table: sa.Table, name: str) -> sa.Column[Any]:
        if name in META:
            return table.c[META_COLUMNS[name]]
        if not collection.has(name):
            raise InvalidQuery(f"{collection.id} has no attribute {name!r}")
        return table.c[name]

    def selected(
        self, collection: Collection, table: sa.Table, select: Sequence[str] | None
    ) -> list[sa.Column[Any]]:
        columns: list[sa.Column[Any]] = [table.c.id, table.c.created_at, table.c.updated_at]
        names = [a.name for a in collection.attributes] if select is None else select
        for name in names:
            if name not in META:
                columns.append(self.column(collection, table, name))
        return columns

    # -- filters -------------------------------------------------------------------
    def where(
        self, collection: Collection, table: sa.Table, filters: Sequence[Query]
    ) -> list[sa.ColumnElement[bool]]:
        return [self._filter(collection, table, q) for q in filters]

    def _filter(self, collection: Collection, table: sa.Table, q: Query) -> sa.ColumnElement[bool]:
        name = str(q.attribute)
        col = self.column(collection, table, name)
        attr = collection.attribute(name) if name not in META else None
        method = q.method
        if method == "isNull":
            return col.is_(None)
        if method == "isNotNull":
            return col.is_not(None)
        if method == "search":
            return self._search(collection, table, name, q)
        textual = attr is None or attr.type in (AttrType.STRING, AttrType.TEXT)
        if method == "contains":
            if attr is not None and attr.array:
                return self._array_contains(collection, col, name, q.values)
            if not textual or name in ("$createdAt", "$updatedAt"):
                raise InvalidQuery(f"contains needs a string or array attribute, not {name!r}")
            values = [self._value(collection, name, v, method) for v in q.values]
            if not values:
                raise InvalidQuery("contains needs at least one value")
            return sa.or_(*(col.icontains(v, autoescape=True) for v in values))
        if attr is not None and (attr.array or attr.type is AttrType.JSON):
            raise InvalidQuery(f"{method} is not supported on {collection.id}.{name}")
        if method in ("equal", "notEqual"):
            return self._equal(collection, col, name, q.values, negate=method == "notEqual")
        if method == "between":
            if len(q.values) != 2:
                raise InvalidQuery("between needs two values")
            low, high = (self._value(collection, name, v, method) for v in q.values)
            return col.between(low, high)
        if len(q.values) != 1:
            raise InvalidQuery(f"{method} needs exactly one value")
        value = self._value(collection, name, q.values[0], method)
        if method == "startsWith":
            if not textual or name in ("$createdAt", "$updatedAt"):
                raise InvalidQuery(f"startsWith needs a string attribute, not {name!r}")
            return self._starts_with(col, value)
        comparisons = {
            "lessThan": col.__lt__,
            "lessThanEqual": col.__le__,
            "greaterThan": col.__gt__,
            "greaterThanEqual": col.__ge__,
        }
        if method not in comparisons:
            raise InvalidQuery(f"unknown filter {method!r}")
        result: sa.ColumnElement[bool] = comparisons[method](value)
        return result

    def _value(self, collection: Collection, name: str, value: Any, method: str) -> Any:
        if value is None:
            raise InvalidQuery(f"{method} on {collection.id}.{name}: null is not a value here")
        return query_value(collection, name, value)

    def _equal(
        self,
        collection: Collection,
        col: sa.Column[Any],
        name: str,
        raw: Sequence[Any],
        *,
        negate: bool,
    ) -> sa.ColumnElement[bool]:
        values = [query_value(collection, name, v) for v in raw if v is not None]
        with_null = any(v is None for v in raw)
        if not negate:
            parts: list[sa.ColumnElement[bool]] = []
            if values:
                parts.append(col == values[0] if len(values) == 1 else col.in_(values))
            if with_null:
                parts.append(col.is_(None))
            return sa.or_(*parts) if parts else sa.false()
        parts = [col.is_not(None)] if with_null else []
        if values:
            parts.append(col != values[0] if len(values) == 1 else col.not_in(values))
        return sa.and_(*parts) if parts else sa.true()

    def _starts_with(self, col: sa.Column[Any], prefix: str) -> sa.ColumnElement[bool]:
        if self.dialect == "sqlite":
            # SQLite's LIKE ignores case; a range plus an exact head keeps it case-sensitive
            # and lets an index on the column serve the range.
            return sa.and_(col >= prefix, sa.func.substr(col, 1, len(prefix)) == prefix)
        return col.startswith(prefix, autoescape=True)

    def _search(
        self, collection: Collection, table: sa.Table, name: str, q: Query
    ) -> sa.ColumnElement[bool]:
        if name not in collection.fulltext:
            raise InvalidQuery(f"search needs a fulltext index on {collection.id}.{name}")
        if len(q.values) != 1 or not isinstance(q.values[0], str):
            raise InvalidQuery("search needs one text value")
        if self.dialect == "sqlite":
            return fulltext.sqlite_search(table, name, q.values[0])
        return fulltext.pg_search(table, name, q.values[0])

    def _array_contains(
        self, collection: Collection, col: sa.Column[Any], name: str, raw: Sequence[Any]
    ) -> sa.ColumnElement[bool]:
        attr = collection.attribute(name)
        values = [self._value(collection, name, v, "contains") for v in raw]
        if not values:
            raise InvalidQuery("contains needs at least one value")
        if attr.type is AttrType.DATETIME:
            values = [iso(v) for v in values]
        elif attr.type is AttrType.FLOAT:
            values = [float(v) for v in values]
        if self.dialect == "postgresql":
            return sa.or_(
                *(
                    col.op("@>")(sa.cast(sa.literal(json.dumps([v])), postgresql.JSONB))
                    for v in values
                )
            )
        each = sa.func.json_each(col).table_valued("value")
        return sa.exists(sa.select(sa.literal(1)).select_from(each).where(each.c.value.in_(values)))

    # -- order and cursor --------------------------------------------------------------
    def order(
        self, collection: Collection, table: sa.Table, order: Sequence[tuple[str, bool]]
    ) -> list[OrderKey]:
        keys: list[OrderKey] = []
        for name, descending in order:
            col = self.column(collection, table, name)
            if name not in META:
                attr = collection.attribute(name)
                if attr.array or attr.type is AttrType.JSON:
                    raise InvalidQuery(f"cannot order by {collection.id}.{name}")
            keys.append((col, descending))
        if not keys:
            keys.append((table.c.created_at, False))
        if not any(col is table.c.id for col, _ in keys):
            keys.append((table.c.id, False))
        return keys

    @staticmethod
    def order_by(keys: Sequence[OrderKey]) -> list[sa.UnaryExpression[Any]]:
        return [col.desc().nulls_last() if desc else col.asc().nulls_first() for col, desc in keys]

    @staticmethod
    def after(keys: Sequence[OrderKey], values: Sequence[Any]) -> sa.ColumnElement[bool]:
        """Rows that come after a row with ``values`` in the order ``keys`` (keyset)."""
        alternatives: list[sa.ColumnElement[bool]] = []
        same: list[sa.ColumnElement[bool]] = []
        for (col, descending), value in zip(keys, values, strict=True):
            if not descending:
                beyond = col.is_not(None) if value is None else col > value
            else:
                beyond = sa.false() if value is None else sa.or_(col < value, col.is_(None))
            alternatives.append(sa.and_(*same, beyond))
            same.append(col.is_(None) if value is None else col == value)
        return sa.or_(*alternatives)
