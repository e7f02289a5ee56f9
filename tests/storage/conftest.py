"""Fixtures for the storage contract suite.

Every test that takes ``store`` (or ``backend``) runs once per backend: ``sqlite`` (a file
under ``tmp_path``), ``appwrite`` (the Appwrite driver against the local double in
``tests/doubles/appwrite_server.py``, a new database per test; ``appwrite-live`` against a
real server when ``APPWRITE_TEST_ENDPOINT``, ``_PROJECT`` and ``_KEY`` are set) and
``postgres`` (a database created for this test session on
``TEST_DATABASE_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``, dropped at
the end; each test gets its own PostgreSQL schema in it). ``store`` is an empty, migrated
store with the contract schema; it starts from a copy of a file migrated once (SQLite) or
from a schema migrated once and emptied (PostgreSQL). Without a reachable PostgreSQL
server the ``postgres`` runs are skipped, unless ``KEEL_REQUIRE_POSTGRES=1`` (CI), which
fails them.

A new driver joins by adding a param to ``backend`` that builds a ``Backend`` for it; the
tests only use the ``DocumentStore`` protocol.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from webapp.storage import DocumentStore, open_store
from webapp.storage.schema import Attribute, AttrType, Collection, Index, IndexType, Schema

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"

TASKS = Collection(
    "tasks",
    "Tasks",
    attributes=(
        Attribute("project_id", AttrType.STRING, 36, required=True),
        Attribute("title", AttrType.STRING, 200, required=True),
        Attribute("body", AttrType.TEXT),
        Attribute(
            "status", AttrType.STRING, 16, default="todo", elements=("todo", "doing", "done")
        ),
        Attribute("points", AttrType.INTEGER, default=0),
        Attribute("estimate", AttrType.FLOAT),
        Attribute("order", AttrType.FLOAT),  # an SQL keyword, on purpose
        Attribute("flagged", AttrType.BOOLEAN, default=False),
        Attribute("due_at", AttrType.DATETIME),
        Attribute("labels", AttrType.STRING, 32, array=True, default=[]),
        Attribute("scores", AttrType.INTEGER, array=True),
        Attribute("reminders", AttrType.DATETIME, array=True),
        Attribute("meta", AttrType.JSON),
        Attribute("key", AttrType.STRING, 20),
    ),
    indexes=(
        Index("key", IndexType.UNIQUE, ("key",)),
        Index("project", IndexType.KEY, ("project_id", "$createdAt")),
        Index("labels", IndexType.KEY, ("labels",)),
        Index("text", IndexType.FULLTEXT, ("title", "body")),
    ),
)

USERS = Collection(
    "users",
    "Users",
    attributes=(
        Attribute("email", AttrType.STRING, 254, required=True),
        Attribute("name", AttrType.STRING, 100),
    ),
    indexes=(Index("email", IndexType.UNIQUE, ("email",)),),
)

COUNTERS = Collection(
    "counters",
    "Counters",
    attributes=(
        Attribute("name", AttrType.STRING, 50),
        Attribute("hits", AttrType.INTEGER, default=0),
        Attribute("amount", AttrType.FLOAT, default=0.0),
    ),
)


def contract_schema() -> Schema:
    schema = Schema()
    schema.add(TASKS, USERS, COUNTERS)
    return schema


@dataclass
class Backend:
    """Where a test's stores live, once per driver.

    ``open`` may be called several times in a test: every store it returns works on the
    same data. ``migrated`` returns a migrated store; for the contract schema it starts
    from a location prepared once per session (a copied SQLite file, a truncated
    PostgreSQL schema), which keeps the suite fast. The location is made on first use.
    """

    name: str
    make_location: Callable[[], str]
    prepared: Callable[[], str] | None = None
    url: str | None = None
    opened: list[DocumentStore] = field(default_factory=list)

    def open(self, schema: Schema) -> DocumentStore:
        if self.url is None:
            self.url = self.make_location()
        store = open_store(self.url, schema)
        self.opened.append(store)
        return store

    def migrated(self, schema: Schema) -> DocumentStore:
        if self.url is None and self.prepared is not None and schema == contract_schema():
            self.url = self.prepared()
            return self.open(schema)
        store = self.open(schema)
        store.migrate()
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()


def _libpq(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class PgServer:
    """A PostgreSQL database of this session, and an admin connection to it."""

    url: str
    admin: psycopg.Connection[Any]
    contract_url: str = ""

    def schema_url(self, schema: str) -> str:
        url = make_url(self.url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A database for this session (and xdist worker) on ``TEST_DATABASE_URL``, dropped after."""
    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    try:
        admin = psycopg.connect(_libpq(base), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL not reachable at {make_url(base)!r}: {exc}"
        if os.environ.get("KEEL_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    name = f"keel_storage_{secrets.token_hex(5)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(_libpq(base)).set(database=name).render_as_string(hide_password=False)
            with psycopg.connect(url, autocommit=True) as conn:
                server = PgServer(url, conn)
                conn.execute("CREATE SCHEMA contract")
                server.contract_url = server.schema_url("contract")
                prepared = open_store(server.contract_url, contract_schema())
                prepared.migrate()
                prepared.close()
                yield server
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    server: PgServer = request.getfixturevalue("pg_server")
    created: list[str] = []

    def make_location() -> str:
        schema = f"t_{secrets.token_hex(6)}"
        server.admin.execute(f"CREATE SCHEMA {schema}")
        created.append(schema)
        return server.schema_url(schema)

    def prepared() -> str:
        server.admin.execute(
            "; ".join(f"DELETE FROM contract.{c}" for c in contract_schema().collections)
        )
        return server.contract_url

    backend = Backend("postgres", make_location, prepared)
    try:
        yield backend
    finally:
        backend.close()
        for schema in created:
            server.admin.execute(f"DROP SCHEMA {schema} CASCADE")


# -- Appwrite: the local double always; a real server when APPWRITE_TEST_ENDPOINT is set ------

LIVE_ENDPOINT = "APPWRITE_TEST_ENDPOINT"


@dataclass
class AppwriteServer:
    """Where Appwrite backends live: an endpoint, credentials, and a provisioned database."""

    endpoint: str
    project: str
    key: str
    created: list[str] = field(default_factory=list)
    contract: DocumentStore | None = None
    contract_url: str = ""
    double: Any = None  # the AppwriteDouble, when it is one

    def url(self, database_id: str) -> str:
        from webapp.storage.appwrite import appwrite_url

        return appwrite_url(self.endpoint, self.project, self.key, database_id)

    def new_database(self) -> str:
        database_id = f"keel_{secrets.token_hex(6)}"
        self.created.append(database_id)
        return self.url(database_id)

    def prepared(self) -> str:
        """The contract schema, provisioned once per session and emptied for each test."""
        if self.contract is None:
            self.contract_url = self.new_database()
            self.contract = open_store(self.contract_url, contract_schema())
            self.contract.migrate()
        for collection in contract_schema().collections:
            self.contract.delete_where(collection, [])
        return self.contract_url

    def drop_all(self) -> None:
        from appwrite.services.tables_db import TablesDB

        from webapp.storage.appwrite.client import make_client

        tables = TablesDB(make_client(self.endpoint, self.project, self.key))
        for database_id in self.created:
            with contextlib.suppress(Exception):  # best-effort clean-up of a test database
                tables.delete(database_id)


@pytest.fixture(scope="session")
def appwrite_server() -> Iterator[AppwriteServer]:
    """The Appwrite double (tests/doubles/appwrite_server.py) for this session."""
    from doubles.appwrite_server import AppwriteDouble

    with AppwriteDouble() as double:
        yield AppwriteServer(double.endpoint, double.project, double.key, double=double)


@pytest.fixture(scope="session")
def appwrite_live() -> Iterator[AppwriteServer]:
    """A real Appwrite server (APPWRITE_TEST_ENDPOINT, _PROJECT, _KEY); databases dropped after."""
    server = AppwriteServer(
        os.environ[LIVE_ENDPOINT],
        os.environ.get("APPWRITE_TEST_PROJECT", ""),
        os.environ.get("APPWRITE_TEST_KEY", ""),
    )
    try:
        yield server
    finally:
        server.drop_all()


APPWRITE_XFAIL = {
    "test_failed_inner_transaction_undoes_only_its_writes": (
        "Appwrite transactions have no savepoints: when a nested transaction() fails and "
        "the outer block carries on, the driver refuses the outer commit (StorageError) "
        "and rolls everything back instead of undoing only the inner writes"
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Contract tests whose semantics Appwrite cannot give, expected to fail only there."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = getattr(item, "originalname", item.name)
        if callspec is None or name not in APPWRITE_XFAIL:
            continue
        if str(callspec.params.get("backend", "")).startswith("appwrite"):
            item.add_marker(pytest.mark.xfail(reason=APPWRITE_XFAIL[name], strict=True))


def _appwrite_backend(name: str, server: AppwriteServer) -> Iterator[Backend]:
    backend = Backend(name, server.new_database, server.prepared)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated with the contract schema, copied by tests that need one."""
    path = tmp_path_factory.mktemp("template") / "contract.db"
    store = open_store(f"sqlite:///{path}", contract_schema())
    store.migrate()
    store.close()
    return path


SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
APPWRITE_BACKENDS = ["appwrite"] + (["appwrite-live"] if os.environ.get(LIVE_ENDPOINT) else [])


def _backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "postgres":
        yield from _postgres_backend(request)
        return
    if request.param.startswith("appwrite"):
        server = request.getfixturevalue(
            "appwrite_live" if request.param == "appwrite-live" else "appwrite_server"
        )
        yield from _appwrite_backend(request.param, server)
        return
    path = tmp_path / "store.db"

    def prepared() -> str:
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"

    backend = Backend("sqlite", lambda: f"sqlite:///{path}", prepared)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture(params=SQL_BACKENDS + APPWRITE_BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Every driver of the documents port (the contract suite runs once per param)."""
    yield from _backend(request, tmp_path)


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Only the SQL driver's backends, for tests of its own details."""
    yield from _backend(request, tmp_path)


@pytest.fixture
def postgres_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Only PostgreSQL, for tests of PostgreSQL specifics."""
    yield from _postgres_backend(request)


@pytest.fixture
def schema() -> Schema:
    return contract_schema()


@pytest.fixture
def store(backend: Backend, schema: Schema) -> DocumentStore:
    """A migrated store with the contract schema (tasks, users, counters), empty."""
    return backend.migrated(schema)


@pytest.fixture
def make_task(store: DocumentStore) -> Callable[..., dict[str, object]]:
    """Create a task with sensible required values; keyword arguments override them."""

    def make(**values: object) -> dict[str, object]:
        data: dict[str, object] = {"project_id": "p1", "title": "A task"}
        data.update(values)
        document_id = data.pop("document_id", None)
        return store.create("tasks", data, document_id=document_id)  # type: ignore[arg-type]

    return make
