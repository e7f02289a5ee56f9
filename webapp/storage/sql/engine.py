"""Engines for the supported URLs, SQLite connection set-up, and driver error translation."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

from ..errors import Conflict, InvalidDocument, StorageError, Unavailable

WRITE = "keel_write"
"""Execution option: on SQLite, the connection's transactions start with BEGIN IMMEDIATE."""


def engine_url(url: str) -> URL:
    """Parse a store URL; ``postgresql://`` and ``postgres://`` use psycopg 3."""
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        driver = parsed.get_driver_name() if "+" in parsed.drivername else "psycopg"
        return parsed.set(drivername=f"postgresql+{driver}")
    if backend == "sqlite":
        if parsed.drivername != "sqlite" and parsed.get_driver_name() != "pysqlite":
            raise ValueError(f"unsupported SQLite driver in {parsed.drivername!r}")
        memory = not parsed.database or parsed.database == ":memory:"
        if memory or parsed.query.get("mode") == "memory":
            raise ValueError(
                "in-memory SQLite cannot be shared between threads and connections; "
                "use a file, e.g. sqlite:///instance/keel.db (tests: a tmp_path file)"
            )
        return parsed
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")


def create(url: str, *, busy_timeout: float = 10.0, pool_size: int = 10) -> Engine:
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed, busy_timeout, pool_size)
    return sa.create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
        connect_args={"connect_timeout": max(1, int(busy_timeout))},
    )


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite(url: URL, busy_timeout: float, pool_size: int) -> Engine:
    assert url.database is not None
    if not url.query.get("uri"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        connect_args={"timeout": busy_timeout},
    )
    timeout_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")


@contextmanager
def translated(collection: str, constraints: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn driver exceptions into the seam's errors.

    ``constraints`` maps PostgreSQL constraint/index names to the attributes they cover,
    for a ``Conflict.detail`` that names attributes rather than SQL objects.
    """
    try:
        yield
    except sa.exc.IntegrityError as exc:
        detail = unique_violation(exc, constraints or {})
        if detail is None:
            raise InvalidDocument(f"{collection}: {exc.orig}") from exc
        raise Conflict(collection, detail) from exc
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        message = str(exc.orig)
        if "no such table" in message:
            raise StorageError(f"{message} (has the store been migrated?)") from exc
        raise Unavailable(message) from exc
    except sa.exc.ProgrammingError as exc:
        message = str(exc.orig)
        if "does not exist" in message:
            message += " (has the store been migrated?)"
        raise StorageError(message) from exc
    except sa.exc.DBAPIError as exc:
        raise StorageError(str(exc.orig)) from exc


def unique_violation(exc: sa.exc.IntegrityError, constraints: Mapping[str, str]) -> str | None:
    """The attributes whose uniqueness was violated, or None for another integrity error."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        if sqlstate != "23505":
            return None
        diag = getattr(orig, "diag", None)
        name = str(getattr(diag, "constraint_name", "") or "")
        if name in constraints:
            return constraints[name]
        return "$id" if name.endswith("_pkey") else name
    match = _SQLITE_UNIQUE.search(str(orig))
    if match is None:
        return "$id" if "PRIMARY KEY" in str(orig) else None
    columns = [part.strip().split(".")[-1] for part in match.group(1).split(",")]
    return ", ".join("$id" if c == "id" else c for c in columns)
