"""A local Appwrite server for tests: the subset of the REST API Keel's drivers use.

    with AppwriteDouble() as server:       # werkzeug, threaded, on a free port
        server.endpoint                    # "http://127.0.0.1:<port>/v1"
        server.project, server.key         # what the X-Appwrite-Project/-Key headers must be

It answers the official SDK (27.x, response format 2.5) with the fields its pydantic
models require, Appwrite's error bodies (``{"message", "code", "type", "version"}``) and
status codes, from an in-memory store. TablesDB: databases, tables, columns, indexes,
rows (queries, bulk update/delete, increment/decrement) and transactions (staged
operations; reads inside see them; commit applies them atomically, a conflict fails the
commit with 409). Storage and Messaging live in ``appwrite_storage.py``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .appwrite_rows import (
    ID_RE,
    ApiError,
    Rows,
    Table,
    check_unique,
    not_found,
    now,
    parse_queries,
    select_rows,
    stamp,
    write_values,
)
from .appwrite_schema import SchemaMixin
from .appwrite_storage import StorageMixin, storage_rules

VERSION = "1.8.0"

R = Rule
RULES = [
    R("/v1/tablesdb", methods=["POST"], endpoint="create_database"),
    R("/v1/tablesdb/transactions", methods=["POST"], endpoint="create_tx"),
    R("/v1/tablesdb/transactions/<tx>", methods=["PATCH"], endpoint="update_tx"),
    R("/v1/tablesdb/transactions/<tx>", methods=["DELETE"], endpoint="delete_tx"),
    R("/v1/tablesdb/<db>", methods=["GET"], endpoint="get_database"),
    R("/v1/tablesdb/<db>/tables", methods=["POST"], endpoint="create_table"),
    R("/v1/tablesdb/<db>/tables", methods=["GET"], endpoint="list_tables"),
    R("/v1/tablesdb/<db>/tables/<t>", methods=["GET"], endpoint="get_table"),
    R("/v1/tablesdb/<db>/tables/<t>/columns", methods=["GET"], endpoint="list_columns"),
    R("/v1/tablesdb/<db>/tables/<t>/columns/<kind>", methods=["POST"], endpoint="create_column"),
    R("/v1/tablesdb/<db>/tables/<t>/indexes", methods=["GET"], endpoint="list_indexes"),
    R("/v1/tablesdb/<db>/tables/<t>/indexes", methods=["POST"], endpoint="create_index"),
    R("/v1/tablesdb/<db>/tables/<t>/indexes/<key>", methods=["GET"], endpoint="get_index"),
    R("/v1/tablesdb/<db>/tables/<t>/indexes/<key>", methods=["DELETE"], endpoint="delete_index"),
    R("/v1/tablesdb/<db>/tables/<t>/rows", methods=["GET"], endpoint="list_rows"),
    R("/v1/tablesdb/<db>/tables/<t>/rows", methods=["POST"], endpoint="create_row"),
    R("/v1/tablesdb/<db>/tables/<t>/rows", methods=["PATCH"], endpoint="update_rows"),
    R("/v1/tablesdb/<db>/tables/<t>/rows", methods=["DELETE"], endpoint="delete_rows"),
    R("/v1/tablesdb/<db>/tables/<t>/rows/<row>", methods=["GET"], endpoint="get_row"),
    R("/v1/tablesdb/<db>/tables/<t>/rows/<row>", methods=["PATCH"], endpoint="update_row"),
    R("/v1/tablesdb/<db>/tables/<t>/rows/<row>", methods=["DELETE"], endpoint="delete_row"),
    R("/v1/tablesdb/<db>/tables/<t>/rows/<row>/<col>/increment", methods=["PATCH"], endpoint="inc"),
    R("/v1/tablesdb/<db>/tables/<t>/rows/<row>/<col>/decrement", methods=["PATCH"], endpoint="dec"),
    *storage_rules(),
]


class AppwriteDouble(SchemaMixin, StorageMixin):
    def __init__(self, project: str = "keel-test", key: str = "test-secret-key") -> None:
        self.project, self.key = project, key
        self.lock = threading.RLock()
        self.databases: dict[str, dict[str, Any]] = {}
        self.tables: dict[tuple[str, str], Table] = {}
        self.rows: dict[tuple[str, str], Rows] = {}
        self.transactions: dict[str, dict[str, Any]] = {}
        self.sequence = 0
        self.commits = 0
        self.requests = 0
        self.log: list[tuple[str, str, list[tuple[str, str]], dict[str, str]]] = []
        self.faults: list[tuple[str, int]] = []
        self.stall = 1.0
        self.url_map = Map(RULES)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        super().__init__()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> AppwriteDouble:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> AppwriteDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    # -- HTTP ---------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except ApiError as exc:
            body = {"message": exc.message, "code": exc.code, "type": exc.kind, "version": VERSION}
            response = Response(json.dumps(body), exc.code, content_type="application/json")
        return response(environ, start_response)

    def fail_next(self, method: str, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``method`` with ``status`` (then normally).

        Status 0 stalls the request for ``stall`` seconds, then handles it normally.
        """
        with self.lock:
            self.faults.extend([(method.upper(), status)] * times)

    def dispatch(self, request: Request) -> Response:
        self.requests += 1
        with self.lock:
            self.log.append(
                (
                    request.method,
                    request.path,
                    list(request.args.items(multi=True)),
                    dict(request.headers),
                )
            )
            fault = next((f for f in self.faults if f[0] == request.method), None)
            if fault is not None:
                self.faults.remove(fault)
        if fault is not None and fault[1] == 0:
            time.sleep(self.stall)  # a stalled server: the client's read timeout fires
        elif fault is not None:
            raise ApiError(fault[1], "general_server_error", "Injected failure")
        try:
            endpoint, args = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException:
            raise ApiError(
                404, "general_route_not_found", "The requested route was not found."
            ) from None
        if request.headers.get("X-Appwrite-Project") != self.project:
            raise ApiError(
                404, "project_not_found", "Project with the requested ID could not be found."
            )
        if request.headers.get("X-Appwrite-Key") != self.key:
            raise ApiError(401, "general_unauthorized_scope", "app.missing scopes")
        params = self.params(request)
        with self.lock:
            status, body = getattr(self, "on_" + endpoint)(params, **args)
        if isinstance(body, Response):
            return body
        if status == 204:
            return Response(b"", 204, content_type="text/plain; charset=UTF-8")
        return Response(json.dumps(body), status, content_type="application/json")

    @staticmethod
    def params(request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params: dict[str, Any] = {}
            queries = sorted(
                ((int(k[8:-1]), v) for k, v in request.args.items() if k.startswith("queries[")),
            )
            params["queries"] = [v for _, v in queries]
            for key, value in request.args.items():
                if not key.startswith("queries["):
                    params[key] = {"true": True, "false": False}.get(value, value)
            return params
        if request.mimetype == "multipart/form-data":
            return {"form": request.form, "files": request.files, "headers": request.headers}
        data = request.get_data()
        return json.loads(data) if data else {}

    # -- rows ---------------------------------------------------------------------------------
    def row_body(self, db: str, t: str, row: dict[str, Any], select: list[str] | None = None):
        body = {k: v for k, v in row.items() if select is None or k in select or k.startswith("$")}
        if select is not None:
            for name in ("$createdAt", "$updatedAt", "$permissions"):
                if name not in select:
                    body.pop(name, None)
        body.update({"$sequence": str(row["$sequence"]), "$tableId": t, "$databaseId": db})
        body.setdefault("$permissions", [])
        return body

    def op(self, state: dict[tuple[str, str], Rows], op: dict[str, Any]) -> Any:
        """Apply one write to ``state`` (the committed rows or a transaction's view)."""
        db, t, action = op["databaseId"], op["tableId"], op["action"]
        table, rows = self.table(db, t), state[(db, t)]
        if action == "create":
            row_id = op["rowId"]
            if not ID_RE.match(row_id):
                raise ApiError(400, "general_argument_invalid", "Invalid `rowId` param")
            if row_id in rows:
                raise ApiError(
                    409, "row_already_exists", "Row with the requested ID already exists."
                )
            values = write_values(table, op["data"], partial=False)
            created = values.pop("$createdAt", op["at"])
            updated = values.pop("$updatedAt", created)
            row = {"$id": row_id, "$sequence": op["seq"], "$createdAt": created,
                   "$updatedAt": updated, "$permissions": [], **values}  # fmt: skip
            check_unique(table, rows, row)
            rows[row_id] = row
            return row
        if action in ("update", "increment", "decrement"):
            row_id = op["rowId"]
            if row_id not in rows:
                raise not_found(row_id)
            old = rows[row_id]
            if action == "update":
                values = write_values(table, op["data"], partial=True)
            else:
                column = table.columns.get(op["column"])
                if column is None or column["type"] not in ("bigint", "double") or column["array"]:
                    raise ApiError(400, "column_type_invalid", "Column must be numeric")
                by = op["value"] if action == "increment" else -op["value"]
                values = {op["column"]: (old.get(op["column"]) or 0) + by}
            new = {**old, "$updatedAt": op["at"], **values}
            check_unique(table, rows, new)
            rows[row_id] = new
            return new
        if action == "delete":
            if op["rowId"] not in rows:
                raise not_found(op["rowId"])
            return rows.pop(op["rowId"])
        listing = parse_queries(table, op.get("queries") or [])
        matched = [r for r in rows.values() if all(f(r) for f in listing.filters)]
        if action == "bulkDelete":
            for row in matched:
                del rows[row["$id"]]
            return matched
        values = write_values(table, op.get("data") or {}, partial=True)
        changed = dict(rows)
        for row in matched:
            changed[row["$id"]] = {**row, **values, "$updatedAt": op["at"]}
        for row in matched:
            check_unique(table, changed, changed[row["$id"]])
        rows.clear()
        rows.update(changed)
        return [changed[r["$id"]] for r in matched]

    def write(self, p: dict[str, Any], op: dict[str, Any]) -> Any:
        self.sequence += 1
        op = {**op, "seq": self.sequence, "at": now()}
        tx_id = p.get("transactionId")
        if tx_id:
            tx = self.tx(tx_id)
            result = self.op(self.view(tx), op)
            tx["ops"].append(op)
            tx["body"]["operations"] = len(tx["ops"])
            return result
        self.table(op["databaseId"], op["tableId"])
        result = self.op(self.rows, op)
        self.commits += 1
        return result

    def state(self, p: dict[str, Any]) -> dict[tuple[str, str], Rows]:
        tx_id = p.get("transactionId")
        return self.view(self.tx(tx_id)) if tx_id else self.rows

    def on_list_rows(self, p: dict[str, Any], db: str, t: str) -> tuple[int, Any]:
        table = self.table(db, t)
        listing = parse_queries(table, p.get("queries") or [])
        total, rows = select_rows(table, self.state(p)[(db, t)], listing)
        body = [self.row_body(db, t, r, listing.select) for r in rows]
        return 200, {"total": total if p.get("total", True) else 0, "rows": body}

    def on_get_row(self, p: dict[str, Any], db: str, t: str, row: str) -> tuple[int, Any]:
        self.table(db, t)
        found = self.state(p)[(db, t)].get(row)
        if found is None:
            raise not_found(row)
        return 200, self.row_body(db, t, found)

    def on_create_row(self, p: dict[str, Any], db: str, t: str) -> tuple[int, Any]:
        op = {"action": "create", "databaseId": db, "tableId": t, "rowId": p["rowId"],
              "data": p.get("data") or {}}  # fmt: skip
        return 201, self.row_body(db, t, self.write(p, op))

    def on_update_row(self, p: dict[str, Any], db: str, t: str, row: str) -> tuple[int, Any]:
        op = {"action": "update", "databaseId": db, "tableId": t, "rowId": row,
              "data": p.get("data") or {}}  # fmt: skip
        return 200, self.row_body(db, t, self.write(p, op))

    def on_delete_row(self, p: dict[str, Any], db: str, t: str, row: str) -> tuple[int, Any]:
        self.write(p, {"action": "delete", "databaseId": db, "tableId": t, "rowId": row})
        return 204, None

    def _step(self, p: dict[str, Any], db: str, t: str, row: str, col: str, action: str):
        op = {"action": action, "databaseId": db, "tableId": t, "rowId": row, "column": col,
              "value": p.get("value", 1)}  # fmt: skip
        return 200, self.row_body(db, t, self.write(p, op))

    def on_inc(self, p: dict[str, Any], db: str, t: str, row: str, col: str) -> tuple[int, Any]:
        return self._step(p, db, t, row, col, "increment")

    def on_dec(self, p: dict[str, Any], db: str, t: str, row: str, col: str) -> tuple[int, Any]:
        return self._step(p, db, t, row, col, "decrement")

    def _bulk(self, p: dict[str, Any], db: str, t: str, action: str) -> tuple[int, Any]:
        op = {"action": action, "databaseId": db, "tableId": t,
              "queries": p.get("queries") or [], "data": p.get("data") or {}}  # fmt: skip
        rows = self.write(p, op)
        return 200, {"total": len(rows), "rows": [self.row_body(db, t, r) for r in rows]}

    def on_update_rows(self, p: dict[str, Any], db: str, t: str) -> tuple[int, Any]:
        return self._bulk(p, db, t, "bulkUpdate")

    def on_delete_rows(self, p: dict[str, Any], db: str, t: str) -> tuple[int, Any]:
        return self._bulk(p, db, t, "bulkDelete")

    # -- transactions ------------------------------------------------------------------------
    def tx(self, tx_id: str) -> dict[str, Any]:
        tx = self.transactions.get(tx_id)
        if tx is None:
            raise ApiError(404, "transaction_not_found", "Transaction not found.")
        if tx["body"]["status"] != "pending":
            raise ApiError(400, "transaction_not_ready", "Transaction is not pending.")
        return tx

    def view(self, tx: dict[str, Any]) -> dict[tuple[str, str], Rows]:
        """Committed rows as of now, with the transaction's staged writes applied."""
        if tx["view"] is None or tx["view_at"] != self.commits:
            view = {
                key: {rid: dict(row) for rid, row in rows.items()}
                for key, rows in self.rows.items()
            }
            for op in tx["ops"]:
                with contextlib.suppress(ApiError):  # the commit will report it
                    self.op(view, op)
            tx["view"], tx["view_at"] = view, self.commits
        return tx["view"]

    def on_create_tx(self, p: dict[str, Any]) -> tuple[int, Any]:
        tx_id = f"tx{len(self.transactions) + 1:06d}"
        created = datetime.now(UTC)
        ttl = int(p.get("ttl") or 300)
        body = {
            "$id": tx_id, "$createdAt": stamp(created.isoformat()),
            "$updatedAt": stamp(created.isoformat()), "status": "pending", "operations": 0,
            "expiresAt": stamp((created + timedelta(seconds=ttl)).isoformat()),
        }  # fmt: skip
        self.transactions[tx_id] = {"body": body, "ops": [], "view": None, "view_at": -1}
        return 201, body

    def on_update_tx(self, p: dict[str, Any], tx: str) -> tuple[int, Any]:
        found = self.tx(tx)
        if p.get("rollback"):
            found["body"]["status"] = "rolledBack"
            return 200, found["body"]
        if not p.get("commit"):
            raise ApiError(400, "general_argument_invalid", "Either commit or rollback")
        state = dict(self.rows)
        touched = {(op["databaseId"], op["tableId"]) for op in found["ops"]}
        for key in touched:
            state[key] = copy.copy(self.rows[key])
        try:
            for op in found["ops"]:
                self.sequence += 1
                self.op(state, {**op, "seq": self.sequence})
        except ApiError:
            found["body"]["status"] = "failed"
            raise
        for key in touched:
            self.rows[key] = state[key]
        self.commits += 1
        found["body"]["status"] = "committed"
        return 200, found["body"]

    def on_delete_tx(self, p: dict[str, Any], tx: str) -> tuple[int, Any]:
        self.transactions.pop(tx, None)
        return 204, None
