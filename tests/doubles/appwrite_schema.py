"""Databases, tables, columns and indexes of the Appwrite double (TablesDB schema API).

Columns and indexes are built at once; the create calls answer ``processing`` (as Appwrite
does, building them in the background) and later reads show ``available``, or ``failed``
for a unique index over duplicate values.
"""

from __future__ import annotations

import json
from typing import Any

from .appwrite_rows import ID_RE, ApiError, Rows, Table, now

COLUMN_KINDS = {
    "varchar": "varchar", "longtext": "longtext", "bigint": "bigint", "float": "double",
    "boolean": "boolean", "enum": "string",
}  # fmt: skip


class SchemaMixin:
    databases: dict[str, dict[str, Any]]
    tables: dict[tuple[str, str], Table]
    rows: dict[tuple[str, str], Rows]

    # -- databases and tables -----------------------------------------------------------------
    def database(self, db: str) -> dict[str, Any]:
        if db not in self.databases:
            raise ApiError(404, "database_not_found", "Database not found")
        return self.databases[db]

    def table(self, db: str, t: str) -> Table:
        self.database(db)
        if (db, t) not in self.tables:
            raise ApiError(
                404, "table_not_found", "Table with the requested ID could not be found."
            )
        return self.tables[(db, t)]

    def on_create_database(self, p: dict[str, Any]) -> tuple[int, Any]:
        db = p["databaseId"]
        if db in self.databases:
            raise ApiError(409, "database_already_exists", "Database already exists")
        stamp_ = now()
        self.databases[db] = {
            "$id": db, "name": p["name"], "description": "", "$createdAt": stamp_,
            "$updatedAt": stamp_, "enabled": p.get("enabled", True), "type": "tablesdb",
        }  # fmt: skip
        return 201, self.databases[db]

    def on_get_database(self, p: dict[str, Any], db: str) -> tuple[int, Any]:
        return 200, self.database(db)

    def table_body(self, table: Table) -> dict[str, Any]:
        return {
            "$id": table.id, "$createdAt": table.created, "$updatedAt": table.created,
            "$permissions": [], "databaseId": table.database_id, "name": table.name,
            "description": "", "enabled": True, "rowSecurity": False,
            "columns": list(table.columns.values()), "indexes": list(table.indexes.values()),
            "bytesMax": 65535, "bytesUsed": 0,
        }  # fmt: skip

    def on_create_table(self, p: dict[str, Any], db: str) -> tuple[int, Any]:
        self.database(db)
        t = p["tableId"]
        if not ID_RE.match(t):
            raise ApiError(400, "general_argument_invalid", "Invalid `tableId` param")
        if (db, t) in self.tables:
            raise ApiError(
                409, "table_already_exists", "A table with the requested ID already exists."
            )
        self.tables[(db, t)] = Table(t, p["name"], db)
        self.rows[(db, t)] = {}
        return 201, self.table_body(self.tables[(db, t)])

    def on_list_tables(self, p: dict[str, Any], db: str) -> tuple[int, Any]:
        self.database(db)
        tables = [self.table_body(v) for (d, _), v in self.tables.items() if d == db]
        return 200, {"total": len(tables), "tables": tables}

    def on_get_table(self, p: dict[str, Any], db: str, t: str) -> tuple[int, Any]:
        return 200, self.table_body(self.table(db, t))

    def on_list_columns(self, p: dict[str, Any], db: str, t: str) -> tuple[int, Any]:
        columns = list(self.table(db, t).columns.values())
        return 200, {"total": len(columns), "columns": columns}

    def on_create_column(self, p: dict[str, Any], db: str, t: str, kind: str) -> tuple[int, Any]:
        table = self.table(db, t)
        if kind not in COLUMN_KINDS:
            raise ApiError(400, "general_argument_invalid", f"Unsupported column type {kind}")
        key = p["key"]
        if key in table.columns:
            raise ApiError(
                409, "column_already_exists", "Column with the requested key already exists."
            )
        stamp_ = now()
        column = {
            "key": key, "description": "", "type": COLUMN_KINDS[kind], "status": "available",
            "error": "", "required": bool(p.get("required")), "array": bool(p.get("array")),
            "$createdAt": stamp_, "$updatedAt": stamp_, "default": p.get("default"),
        }  # fmt: skip
        if kind == "varchar":
            column["size"] = int(p["size"])
        if kind == "enum":
            column.update(elements=list(p["elements"]), format="enum")
        table.columns[key] = column
        for row in self.rows[(db, t)].values():
            row.setdefault(key, column["default"])
        return 202, {**column, "status": "processing"}

    def index_body(self, table: Table, key: str) -> dict[str, Any]:
        if key not in table.indexes:
            raise ApiError(
                404, "index_not_found", "Index with the requested key could not be found."
            )
        return table.indexes[key]

    def on_list_indexes(self, p: dict[str, Any], db: str, t: str) -> tuple[int, Any]:
        indexes = list(self.table(db, t).indexes.values())
        return 200, {"total": len(indexes), "indexes": indexes}

    def on_create_index(self, p: dict[str, Any], db: str, t: str) -> tuple[int, Any]:
        table = self.table(db, t)
        key, kind, columns = p["key"], p["type"], list(p["columns"])
        if key in table.indexes:
            raise ApiError(
                409, "index_already_exists", "Index with the requested key already exists."
            )
        for name in columns:
            if name not in table.columns and name not in ("$id", "$createdAt", "$updatedAt"):
                raise ApiError(400, "column_unknown", f"Unknown column: {name}")
            column = table.columns.get(name, {})
            if kind == "fulltext" and column.get("type") not in ("varchar", "longtext"):
                raise ApiError(400, "index_invalid", "Fulltext index is only for string columns")
        stamp_ = now()
        index = {
            "$id": key, "$createdAt": stamp_, "$updatedAt": stamp_, "key": key,
            "description": "", "type": kind, "status": "available", "error": "",
            "columns": columns, "lengths": [], "orders": p.get("orders") or [],
        }  # fmt: skip
        if kind == "unique":
            seen: set[str] = set()
            for row in self.rows[(db, t)].values():
                values = [row.get(c) for c in columns]
                marker = json.dumps(values, sort_keys=True, default=str)
                if any(v is None for v in values):
                    continue
                if marker in seen:
                    index.update(status="failed", error="Duplicate entry for the unique index")
                    break
                seen.add(marker)
        table.indexes[key] = index
        return 202, {**index, "status": "processing"}

    def on_get_index(self, p: dict[str, Any], db: str, t: str, key: str) -> tuple[int, Any]:
        return 200, self.index_body(self.table(db, t), key)

    def on_delete_index(self, p: dict[str, Any], db: str, t: str, key: str) -> tuple[int, Any]:
        table = self.table(db, t)
        self.index_body(table, key)
        del table.indexes[key]
        return 204, None
