"""Column types: how each attribute type is stored on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from ..schema import Attribute, AttrType
from ..validation import iso, to_utc


def sqlite_text(value: datetime) -> str:
    """Fixed-width UTC text, so text order is time order: ``2024-05-01 09:30:00.000000``."""
    v = value.astimezone(UTC)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
    )


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out.

    PostgreSQL: ``timestamp with time zone``. SQLite: fixed-width UTC text (sortable).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(26))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = to_utc(value)
        return sqlite_text(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JsonValue(sa.types.TypeDecorator[Any]):
    """Any JSON value; SQL NULL for ``None``. PostgreSQL: ``jsonb``. SQLite: JSON text."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str) and dialect.name != "postgresql":
            return json.loads(value)
        return value


def column_type(attr: Attribute) -> TypeEngine[Any]:
    if attr.array or attr.type is AttrType.JSON:
        return JsonValue()
    match attr.type:
        case AttrType.STRING:
            return sa.String(attr.size)
        case AttrType.TEXT:
            return sa.Text()
        case AttrType.INTEGER:
            return sa.BigInteger()
        case AttrType.FLOAT:
            return sa.Double()
        case AttrType.BOOLEAN:
            return sa.Boolean()
        case AttrType.DATETIME:
            return UtcDateTime()
    raise ValueError(f"unsupported attribute type {attr.type}")


def to_column(attr: Attribute, value: Any) -> Any:
    """A validated attribute value as bound to its column."""
    if attr.array and attr.type is AttrType.DATETIME and value is not None:
        return [iso(item) for item in value]
    return value


def from_column(attr: Attribute, value: Any) -> Any:
    """A column value as the document shows it."""
    if value is None:
        return None
    if attr.array:
        if attr.type is AttrType.DATETIME:
            return [datetime.fromisoformat(item).astimezone(UTC) for item in value]
        if attr.type is AttrType.FLOAT:
            return [float(item) for item in value]
        return list(value)
    if attr.type is AttrType.FLOAT:
        return float(value)
    return value
