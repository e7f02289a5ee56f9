"""The in-memory TablesDB of the Appwrite double: tables, row writes and Appwrite queries.

Semantics follow Appwrite (TablesDB on MariaDB) as documented:

- queries are JSON ``{"method", "attribute", "values"}``; filters AND-ed; ``or``/``and``
  nest; ``equal`` with several values is IN; nulls match only ``isNull``;
- ordering puts nulls first ascending and last descending, always ending with
  ``$sequence``; ``cursorAfter`` is keyset pagination from the cursor row's values;
  ``total`` counts the filter matches, ignoring limit, offset and cursor;
- ``search`` needs a fulltext index on exactly that column (as MariaDB's ``MATCH``) and
  runs MariaDB boolean-mode full text: the value loses the reserved characters
  ``@+-*()<>~"``, gets ``*`` appended (a prefix on its last word) unless it was a quoted
  phrase, and matches rows holding *any* of its words (words: runs of letters and
  digits, case-insensitive);
- unique indexes ignore rows with a null in an indexed column; violations are 409.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ID_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$")
WORD = re.compile(r"[^\W_]+")
SYSTEM = ("$id", "$sequence", "$createdAt", "$updatedAt")


class ApiError(Exception):
    def __init__(self, code: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.code, self.kind, self.message = code, kind, message


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def stamp(value: str) -> str:
    """Appwrite keeps timestamps to the millisecond."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "document_invalid_structure", f"Invalid datetime {value!r}") from None
    return parsed.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass
class Table:
    id: str
    name: str
    database_id: str
    created: str = field(default_factory=now)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def unique_sets(self) -> list[tuple[str, list[str]]]:
        return [(i["key"], i["columns"]) for i in self.indexes.values() if i["type"] == "unique"]


Rows = dict[str, dict[str, Any]]


def _check_value(column: dict[str, Any], value: Any) -> None:
    key, kind = column["key"], column["type"]
    if value is None:
        if column["required"]:
            raise ApiError(400, "document_invalid_structure", f'Missing required attribute "{key}"')
        return
    items = value if column.get("array") else [value]
    if column.get("array") and not isinstance(value, list):
        raise ApiError(400, "document_invalid_structure", f'Attribute "{key}" must be an array')
    for item in items:
        ok = {
            "varchar": lambda v: isinstance(v, str) and len(v) <= column["size"],
            "longtext": lambda v: isinstance(v, str),
            "bigint": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "string": lambda v: isinstance(v, str) and v in column.get("elements", []),
        }[kind](item)
        if not ok:
            raise ApiError(
                400,
                "document_invalid_structure",
                f'Invalid document structure: Attribute "{key}" has invalid type or value',
            )


def write_values(table: Table, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("$createdAt", "$updatedAt"):
            values[key] = stamp(value)
            continue
        if key.startswith("$"):
            continue
        if key not in table.columns:
            raise ApiError(
                400,
                "document_invalid_structure",
                f'Invalid document structure: Unknown attribute: "{key}"',
            )
        _check_value(table.columns[key], value)
        values[key] = value
    if not partial:
        for key, column in table.columns.items():
            if key not in values:
                _check_value(column, column.get("default"))
                values[key] = column.get("default")
    return values


def check_unique(table: Table, rows: Rows, row: dict[str, Any]) -> None:
    for _, columns in table.unique_sets():
        key = [row.get(c) for c in columns]
        if any(v is None for v in key):
            continue
        for other in rows.values():
            if other["$id"] != row["$id"] and [other.get(c) for c in columns] == key:
                raise ApiError(
                    409,
                    "row_already_exists",
                    "Row with the requested unique attributes already exists.",
                )


def not_found(row_id: str) -> ApiError:
    return ApiError(
        404, "row_not_found", f"Row with the requested ID '{row_id}' could not be found."
    )


# -- queries ------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return WORD.findall(text.lower())


def fulltext(value: str, text: Any) -> bool:
    if not isinstance(text, str):
        return False
    exact = len(value) > 1 and value.startswith('"') and value.endswith('"')
    for char in '@+-*()<>~"':
        value = value.replace(char, " ")
    terms = _tokens(value)
    if not terms:
        return False
    have = _tokens(text)
    if exact:
        n = len(terms)
        return any(have[i : i + n] == terms for i in range(len(have) - n + 1))
    *whole, last = terms
    return any(t in have for t in whole) or any(t.startswith(last) for t in have)


def _compare(method: str, have: Any, want: Any) -> bool:
    if have is None or want is None:
        return False
    try:
        return {
            "lessThan": have < want,
            "lessThanEqual": have <= want,
            "greaterThan": have > want,
            "greaterThanEqual": have >= want,
        }[method]
    except TypeError:
        return False


def _known(table: Table, name: str) -> None:
    if name not in SYSTEM and name not in table.columns:
        raise ApiError(
            400, "general_query_invalid", f"Invalid query: Attribute not found in schema: {name}"
        )


def matcher(table: Table, q: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    method, name, values = q["method"], q.get("attribute"), q.get("values") or []
    if method in ("or", "and"):
        parts = [matcher(table, json.loads(v) if isinstance(v, str) else v) for v in values]
        join = any if method == "or" else all
        return lambda row: join(p(row) for p in parts)
    _known(table, name)
    column = table.columns.get(name, {})
    if method == "equal":
        if column.get("array"):
            raise ApiError(
                400, "general_query_invalid", "Invalid query: Cannot query equal on array"
            )
        return lambda row: row.get(name) is not None and row.get(name) in values
    if method == "notEqual":
        return lambda row: row.get(name) is not None and row.get(name) not in values
    if method in ("lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual"):
        return lambda row: _compare(method, row.get(name), values[0])
    if method == "between":
        return lambda row: (
            _compare("greaterThanEqual", row.get(name), values[0])
            and _compare("lessThanEqual", row.get(name), values[1])
        )
    if method == "isNull":
        return lambda row: row.get(name) is None
    if method == "isNotNull":
        return lambda row: row.get(name) is not None
    if method == "startsWith":
        return lambda row: isinstance(row.get(name), str) and row[name].startswith(values[0])
    if method == "contains":
        if column.get("array"):
            return lambda row: any(v in (row.get(name) or []) for v in values)
        return lambda row: (
            isinstance(row.get(name), str)
            and any(str(v).lower() in row[name].lower() for v in values)
        )
    if method == "search":
        covered = any(
            i["type"] == "fulltext" and i["columns"] == [name] for i in table.indexes.values()
        )
        if not covered:
            raise ApiError(
                400,
                "general_query_invalid",
                f'Invalid query: Searching by attribute "{name}" requires a fulltext index.',
            )
        return lambda row: fulltext(str(values[0]), row.get(name))
    raise ApiError(400, "general_query_invalid", f"Invalid query: Invalid query method: {method}")


@dataclass
class Listing:
    filters: list[Callable[[dict[str, Any]], bool]]
    order: list[tuple[str, bool]]
    limit: int = 25
    offset: int = 0
    cursor: str | None = None
    select: list[str] | None = None


def parse_queries(table: Table, raw: list[str]) -> Listing:
    listing = Listing([], [])
    for text in raw:
        try:
            q = json.loads(text)
        except ValueError:
            raise ApiError(400, "general_query_invalid", f"Invalid query: {text}") from None
        method = q.get("method")
        values = q.get("values") or []
        if method in ("orderAsc", "orderDesc"):
            _known(table, q["attribute"])
            listing.order.append((q["attribute"], method == "orderDesc"))
        elif method == "limit":
            if not 1 <= int(values[0]) <= 5000:
                raise ApiError(400, "general_query_invalid", "Invalid query: Invalid limit")
            listing.limit = int(values[0])
        elif method == "offset":
            listing.offset = int(values[0])
        elif method == "cursorAfter":
            listing.cursor = str(values[0])
        elif method == "select":
            for name in values:
                _known(table, name)
            listing.select = list(values)
        else:
            listing.filters.append(matcher(table, q))
    return listing


def _key(row: dict[str, Any], order: list[tuple[str, bool]]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for name, desc in order:
        value = row.get(name)
        # nulls are the smallest value: first ascending, last descending
        rank = (0, 0) if value is None else (1, value)
        parts.append(_Desc(rank) if desc else rank)
    return tuple(parts)


class _Desc:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value


def select_rows(table: Table, rows: Rows, listing: Listing) -> tuple[int, list[dict[str, Any]]]:
    matched = [r for r in rows.values() if all(f(r) for f in listing.filters)]
    total = len(matched)
    order = [*listing.order, ("$sequence", False)]
    matched.sort(key=lambda r: _key(r, order))
    if listing.cursor is not None:
        cursor = rows.get(listing.cursor)
        if cursor is None:
            raise ApiError(
                400,
                "general_cursor_not_found",
                f"Invalid query: Cursor document with ID '{listing.cursor}' not found",
            )
        mark = _key(cursor, order)
        matched = [r for r in matched if mark < _key(r, order)]
    return total, matched[listing.offset : listing.offset + listing.limit]
