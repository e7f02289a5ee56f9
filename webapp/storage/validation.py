"""Checking documents and query values against the schema; shared by every driver.

Rules (the same on every backend):

- Unknown attributes are refused (``InvalidDocument``); the meta keys ``$id``,
  ``$createdAt`` and ``$updatedAt`` are ignored on update. On create, ``$id`` may stand in
  for the ``document_id`` argument, and ``$createdAt``/``$updatedAt`` may be given to keep
  the timestamps of imported documents.
- STRING values are at most ``size`` characters; TEXT is unbounded. No string may contain
  a NUL character (PostgreSQL cannot store it).
- ``elements`` makes an attribute an enum: every value (every element of an array) must be
  one of them.
- INTEGER is a 64-bit signed ``int`` (``bool`` is refused); FLOAT accepts ``int`` or a
  finite ``float`` and is stored as ``float``; BOOLEAN accepts only ``bool``.
- DATETIME accepts a timezone-aware ``datetime`` or an ISO-8601 string with an offset
  (``Z`` included) and is normalised to UTC. Naive datetimes are refused: the code that
  made one has lost track of the time zone, and guessing would store a wrong instant.
- JSON accepts any JSON value (dicts with string keys, lists, str, int, float, bool, None);
  tuples become lists. Object key order is not preserved by every backend.
- Array attributes take a list (or tuple) of values of their type; ``None`` elements are
  refused; ``required`` means "not None" (an empty list is fine).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidDocument, InvalidQuery
from .schema import META, Attribute, AttrType, Collection, valid_id

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class _Invalid(ValueError):
    """A value does not fit its attribute; the caller adds which attribute and raises."""


def to_utc(value: Any) -> datetime:
    """An aware datetime or an ISO-8601 string with an offset, as an aware UTC datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _Invalid(f"{value!r} is not an ISO-8601 date-time") from None
    if not isinstance(value, datetime):
        raise _Invalid(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Invalid("naive datetime (give it a time zone, e.g. datetime.now(UTC))")
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """The canonical text form of an aware datetime: UTC, microseconds, ``+00:00``."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _scalar(attr: Attribute, value: Any) -> Any:
    kind = attr.type
    if kind in (AttrType.STRING, AttrType.TEXT):
        if not isinstance(value, str):
            raise _Invalid(f"expected a string, got {type(value).__name__}")
        if kind is AttrType.STRING and len(value) > attr.size:
            raise _Invalid(f"longer than {attr.size} characters")
        if "\x00" in value:
            raise _Invalid("contains a NUL character")
    elif kind is AttrType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"expected an integer, got {type(value).__name__}")
        if not INT64_MIN <= value <= INT64_MAX:
            raise _Invalid("outside the 64-bit integer range")
    elif kind is AttrType.FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid(f"expected a number, got {type(value).__name__}")
        value = float(value)
        if not math.isfinite(value):
            raise _Invalid("not a finite number")
    elif kind is AttrType.BOOLEAN:
        if not isinstance(value, bool):
            raise _Invalid(f"expected true or false, got {type(value).__name__}")
    elif kind is AttrType.DATETIME:
        value = to_utc(value)
    elif kind is AttrType.JSON:
        value = _json_value(value)
    if attr.elements and value not in attr.elements:
        allowed = ", ".join(attr.elements)
        raise _Invalid(f"{value!r} is not one of: {allowed}")
    return value


def _json_value(value: Any) -> Any:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise _Invalid(f"not a JSON value ({exc})") from None
    if "\\u0000" in text:
        raise _Invalid("contains a NUL character")
    return json.loads(text)


def check_value(collection: Collection, attr: Attribute, value: Any) -> Any:
    """The value normalised for storage, or ``InvalidDocument`` naming the attribute."""
    where = f"{collection.id}.{attr.name}"
    if value is None:
        if attr.required:
            raise InvalidDocument(f"{where} is required")
        return None
    try:
        if not attr.array:
            return _scalar(attr, value)
        if not isinstance(value, (list, tuple)):
            raise _Invalid(f"expected a list, got {type(value).__name__}")
        items = []
        for position, item in enumerate(value):
            if item is None:
                raise _Invalid(f"element {position} is null")
            try:
                items.append(_scalar(attr, item))
            except _Invalid as exc:
                raise _Invalid(f"element {position}: {exc}") from None
        return items
    except _Invalid as exc:
        raise InvalidDocument(f"{where}: {exc}") from None


@dataclass(frozen=True)
class NewDocument:
    """A validated document ready to insert."""

    id: str
    values: dict[str, Any]
    created_at: datetime | None
    updated_at: datetime | None


def _unknown(collection: Collection, data: Mapping[str, Any]) -> None:
    for key in data:
        if key not in META and not collection.has(key):
            raise InvalidDocument(f"{collection.id} has no attribute {key!r}")


def _meta_time(collection: Collection, data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return to_utc(value)
    except _Invalid as exc:
        raise InvalidDocument(f"{collection.id}.{key}: {exc}") from None


def check_id(collection: Collection, document_id: Any) -> str:
    if not isinstance(document_id, str) or not valid_id(document_id):
        raise InvalidDocument(
            f"{collection.id}: invalid document id {document_id!r} "
            "(1-36 characters of a-z, A-Z, 0-9, '.', '_', '-'; not starting with a special)"
        )
    return document_id


def prepare_create(
    collection: Collection,
    data: Mapping[str, Any],
    document_id: str | None,
    new_id: Callable[[], str],
) -> NewDocument:
    """Validate a whole new document: defaults applied, required attributes present."""
    _unknown(collection, data)
    given_id = data.get("$id")
    if document_id is not None and given_id is not None and given_id != document_id:
        raise InvalidDocument(f"{collection.id}: $id {given_id!r} differs from {document_id!r}")
    chosen = document_id if document_id is not None else given_id
    doc_id = check_id(collection, chosen) if chosen is not None else new_id()
    values: dict[str, Any] = {}
    for attr in collection.attributes:
        value = data[attr.name] if attr.name in data else copy.deepcopy(attr.default)
        values[attr.name] = check_value(collection, attr, value)
    return NewDocument(
        doc_id,
        values,
        _meta_time(collection, data, "$createdAt"),
        _meta_time(collection, data, "$updatedAt"),
    )


def prepare_update(collection: Collection, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a partial update: only the attributes given, meta keys ignored."""
    _unknown(collection, data)
    return {
        key: check_value(collection, collection.attribute(key), value)
        for key, value in data.items()
        if key not in META
    }


def query_value(collection: Collection, name: str, value: Any) -> Any:
    """A filter value normalised to the attribute's type (array attributes: element type)."""
    try:
        if name == "$id":
            if not isinstance(value, str):
                raise _Invalid(f"expected a string, got {type(value).__name__}")
            return value
        if name in ("$createdAt", "$updatedAt"):
            return to_utc(value)
        attr = collection.attribute(name)
        if attr.type in (AttrType.INTEGER, AttrType.FLOAT):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _Invalid(f"expected a number, got {type(value).__name__}")
            return value
        plain = Attribute(attr.name, attr.type, size=max(attr.size, len(str(value))))
        return _scalar(plain, value)
    except _Invalid as exc:
        raise InvalidQuery(f"{collection.id}.{name}: {exc}") from None


def check_increment(collection: Collection, attribute: str, by: int | float) -> Attribute:
    """The attribute ``increment`` may change by ``by``, or InvalidDocument saying why not."""
    if not collection.has(attribute):
        raise InvalidDocument(f"{collection.id} has no attribute {attribute!r}")
    attr = collection.attribute(attribute)
    where = f"{collection.id}.{attribute}"
    if attr.array or attr.type not in (AttrType.INTEGER, AttrType.FLOAT):
        raise InvalidDocument(f"{where}: only integer and float attributes can be incremented")
    if isinstance(by, bool) or not isinstance(by, (int, float)):
        raise InvalidDocument(f"{where}: increment by a number, not {type(by).__name__}")
    if attr.type is AttrType.INTEGER and not isinstance(by, int):
        raise InvalidDocument(f"{where}: an integer attribute is incremented by an integer")
    if isinstance(by, int) and not INT64_MIN <= by <= INT64_MAX:
        raise InvalidDocument(f"{where}: increment outside the 64-bit integer range")
    return attr
