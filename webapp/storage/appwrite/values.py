"""How attribute values travel to and from Appwrite columns.

| attribute | Appwrite column | wire value |
|---|---|---|
| STRING (``elements``: enum) | ``varchar`` of ``size`` (``enum``) | the string |
| TEXT | ``longtext`` | the string |
| INTEGER | ``bigint`` | the integer |
| FLOAT | ``float`` | the number |
| BOOLEAN | ``boolean`` | true / false |
| DATETIME | ``varchar(32)`` | UTC text ``2024-03-10T03:45:30.123456+00:00`` |
| JSON | ``longtext`` | the value as JSON text |

DATETIME attributes are text rather than Appwrite ``datetime`` columns because those keep
milliseconds, and the documents port keeps microseconds (as on SQL). The text is fixed
width, so comparing and ordering it as text is comparing and ordering the instants.
Array attributes are array columns of the element's column type.
``$createdAt``/``$updatedAt`` are Appwrite's own (millisecond precision).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..schema import Attribute, AttrType
from ..validation import iso

DATETIME_SIZE = 32


def appwrite_time(value: datetime) -> str:
    """Appwrite's own timestamp form: ``2024-06-01T12:00:00.000+00:00``."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _element_out(attr: Attribute, value: Any) -> Any:
    if attr.type is AttrType.DATETIME:
        return iso(value)
    if attr.type is AttrType.JSON:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if attr.type is AttrType.FLOAT:
        return float(value)
    return value


def _element_in(attr: Attribute, value: Any) -> Any:
    if attr.type is AttrType.DATETIME:
        return parse_time(value)
    if attr.type is AttrType.JSON:
        return json.loads(value)
    if attr.type is AttrType.FLOAT:
        return float(value)
    if attr.type is AttrType.INTEGER:
        return int(value)
    return value


def to_wire(attr: Attribute, value: Any, *, element: bool = False) -> Any:
    """A validated value (or, with ``element``, one element of an array) for Appwrite."""
    if value is None:
        return None
    if attr.array and not element:
        return [_element_out(attr, item) for item in value]
    return _element_out(attr, value)


def from_wire(attr: Attribute, value: Any) -> Any:
    if value is None:
        return None
    if attr.array:
        return [_element_in(attr, item) for item in value]
    return _element_in(attr, value)
