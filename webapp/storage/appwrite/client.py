"""The Appwrite SDK client with what the bare SDK lacks: timeouts, connection reuse, retries.

``appwrite.client.Client.call`` sends every request through ``requests.request`` with no
timeout and a fresh connection. ``KeelClient.call`` keeps the SDK's wire format (JSON or
multipart bodies, ``queries[0]=...`` query strings, ``AppwriteException`` on errors) but
sends through one ``requests.Session`` per thread with connect/read timeouts, and retries
with exponential backoff where a retry cannot apply a write twice:

- reads (GET) and idempotent writes (PUT, DELETE): on timeouts, dropped connections,
  429 and 5xx;
- POST and PATCH: only when the request provably did not run: the connection could not
  be opened, or the server answered 429 or 503.

Rows come back with their columns at the top level, but the SDK's ``Row.with_data`` takes
a top-level ``data`` key for a nested payload and drops it when it is not an object, which
would lose a column named ``data`` (the ``sessions`` collection has one). ``call`` wraps
such a column as ``{"data": value}`` so the SDK hands it on as the column it is.

``translate`` turns an ``AppwriteException`` into the storage seam's errors.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from appwrite.client import Client
from appwrite.encoders.value_class_encoder import ValueClassEncoder
from appwrite.exception import AppwriteException
from appwrite.input_file import InputFile
from appwrite.query import Query as SdkQuery

from ..errors import Conflict, InvalidDocument, InvalidQuery, NotFound, StorageError, Unavailable

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_RUN_STATUSES = frozenset({429, 503})
IDEMPOTENT = frozenset({"get", "put", "delete"})


class KeelClient(Client):  # type: ignore[misc]
    """``Client`` with timeouts (seconds), pooled connections and bounded retries."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        retries: int = 3,
        backoff: float = 0.2,
    ) -> None:
        super().__init__()
        self.timeout = (connect_timeout, timeout)
        self.retries = retries
        self.backoff = backoff
        self._local = threading.local()
        self._pid = os.getpid()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def close(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if os.getpid() != self._pid:  # forked child: never share the parent's sockets
            self._local = threading.local()
            self._pid = os.getpid()
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def call(
        self,
        method: str,
        path: str = "",
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        response_type: str = "json",
    ) -> Any:
        headers = {**self._global_headers, **(headers or {})}
        params = {key: SdkQuery._flatten(value) for key, value in (params or {}).items()}
        data: Any = {}
        files: dict[str, Any] = {}
        stringify = False
        if method != "get":
            data, params = params, {}
        if headers["content-type"].startswith("application/json"):
            data = json.dumps(data, cls=ValueClassEncoder)
        if headers["content-type"].startswith("multipart/form-data"):
            del headers["content-type"]
            stringify = True
            for key in list(data):
                if isinstance(data[key], InputFile):
                    files[key] = (data[key].filename, data[key].data)
                    del data[key]
            data = self.flatten(data, stringify=stringify)
            if not files and data:
                files = {key: (None, value) for key, value in data.items()}
                data = {}
        response = self._send(
            method,
            self._endpoint + path,
            params=self.flatten(params, stringify=stringify),
            data=data,
            files=files,
            headers=headers,
            verify=not self._self_signed,
            allow_redirects=response_type != "location",
        )
        content_type = response.headers.get("Content-Type", "")
        if response.status_code >= 400:
            if content_type.startswith("application/json"):
                body = response.json()
                raise AppwriteException(
                    body.get("message", response.text),
                    response.status_code,
                    body.get("type"),
                    response.text,
                )
            raise AppwriteException(response.text, response.status_code, None, response.text)
        if response_type == "location":
            return response.headers.get("Location")
        if response_type == "text":
            return response.content.decode("utf-8")
        if content_type.startswith("application/json"):
            body = response.json()
            if "/rows" in path:
                _keep_data_columns(body)
            return body
        return response.content

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        attempt = 0
        while True:
            try:
                response = self._session().request(method, url, timeout=self.timeout, **kwargs)
            except requests.ConnectionError as exc:
                never_sent = _connect_failed(exc)
                if attempt >= self.retries or not (method in IDEMPOTENT or never_sent):
                    raise AppwriteException(
                        f"Appwrite unreachable: {exc}", 0, "unavailable"
                    ) from exc
            except requests.Timeout as exc:
                if attempt >= self.retries or method not in IDEMPOTENT:
                    raise AppwriteException(f"Appwrite timed out: {exc}", 0, "unavailable") from exc
            else:
                status = response.status_code
                retry = status in RETRY_STATUSES and (
                    method in IDEMPOTENT or status in NOT_RUN_STATUSES
                )
                if not retry or attempt >= self.retries:
                    return response
            attempt += 1
            delay = self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
            log.info("appwrite %s %s: retry %d in %.2fs", method.upper(), url, attempt, delay)
            time.sleep(delay)


def _keep_data_columns(body: Any) -> None:
    """Wrap the ``data`` column of a row (or of each row of a list) for ``Row.with_data``."""
    if not isinstance(body, dict):
        return
    found = body.get("rows")
    rows: list[Any] = found if isinstance(found, list) else [body]
    for row in rows:
        if isinstance(row, dict) and "data" in row:
            row["data"] = {"data": row["data"]}


def _connect_failed(exc: requests.ConnectionError) -> bool:
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text


def make_client(endpoint: str, project: str, key: str, **options: Any) -> KeelClient:
    client = KeelClient(**options)
    client.set_endpoint(endpoint.rstrip("/")).set_project(project).set_key(key)
    return client


@contextmanager
def translated(collection: str, document_id: str = "") -> Iterator[None]:
    """Turn the SDK's ``AppwriteException`` into the storage seam's errors."""
    try:
        yield
    except AppwriteException as exc:
        raise translate(exc, collection, document_id) from exc


def translate(exc: AppwriteException, collection: str, document_id: str = "") -> StorageError:
    kind = str(exc.type or "")
    code = int(exc.code or 0)
    message = str(exc.message)
    if code == 409 or kind.endswith("_already_exists"):
        detail = "$id" if "id" in message.lower() and "index" not in message.lower() else ""
        return Conflict(collection, detail or message)
    if code == 404:
        if kind in ("row_not_found", "document_not_found"):
            return NotFound(collection, document_id)
        if kind in ("database_not_found", "table_not_found", "collection_not_found"):
            return StorageError(f"{message} (has the store been provisioned?)")
        return StorageError(f"Appwrite error 404 {kind}: {message}")
    if kind in ("general_query_invalid", "general_cursor_not_found") or "query" in kind:
        return InvalidQuery(message)
    if code == 400:
        return InvalidDocument(f"{collection}: {message}")
    if code == 0 or code in RETRY_STATUSES or kind == "unavailable":
        return Unavailable(message)
    return StorageError(f"Appwrite error {code} {kind}: {message}")
