"""Foundation figures: document store reads on SQLite and PostgreSQL, and the login page.

Each backend gets a throwaway store (a temporary SQLite file; a database created for the
run on ``BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``,
dropped afterwards) seeded with 10,000 user-like documents. PostgreSQL figures are left
out, with a note on stderr, when the server is unreachable.

- ``store_get_ms_<backend>``: one document by id
- ``store_get_many_500_ms_<backend>``: 500 documents by id in one call
- ``store_list_filtered_page_ms_<backend>``: a 50-row page, two filters and an order, with
  its total
- ``store_search_ms_<backend>``: a full-text search (25 rows)
- ``login_page_ms``: GET /login through the Flask test client, for a new visitor
"""

from __future__ import annotations

import itertools
import random
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import Figure, p50_ms
from webapp.storage import DocumentStore, Query, open_store
from webapp.storage.schema import Attribute, AttrType, Collection, Index, IndexType, Schema

DOCUMENTS = 10_000
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

PEOPLE = Collection(
    "bench_people",
    "Benchmark people",
    attributes=(
        Attribute("name", AttrType.STRING, 128, required=True),
        Attribute("email", AttrType.STRING, 254, required=True),
        Attribute("status", AttrType.STRING, 16, default="active",
                  elements=("active", "suspended", "deleted")),
        Attribute("team", AttrType.STRING, 32),
        Attribute("is_platform_admin", AttrType.BOOLEAN, default=False),
        Attribute("email_verified_at", AttrType.DATETIME),
        Attribute("last_login_at", AttrType.DATETIME),
        Attribute("time_zone", AttrType.STRING, 64, default="UTC"),
        Attribute("prefs", AttrType.JSON, default={}),
    ),
    indexes=(
        Index("bench_people_email", IndexType.UNIQUE, ("email",)),
        Index("bench_people_team", IndexType.KEY, ("team", "status", "name")),
        Index("bench_people_text", IndexType.FULLTEXT, ("name", "email")),
    ),
)

FIRST = ("ada", "grace", "alan", "edsger", "barbara", "donald", "margaret", "ken", "dennis",
         "frances", "john", "radia", "tim", "linus", "guido", "katherine", "leslie", "niklaus",
         "sophie", "bjarne")
LAST = ("lovelace", "hopper", "turing", "dijkstra", "liskov", "knuth", "hamilton", "thompson",
        "ritchie", "allen", "mccarthy", "perlman", "berners", "torvalds", "rossum", "johnson",
        "lamport", "wirth", "wilson", "stroustrup", "backus", "kay", "engelbart", "cerf",
        "kahn", "hoare", "milner", "naur", "floyd", "tarjan", "karp", "cook", "rivest",
        "shamir", "adleman", "diffie", "hellman", "merkle", "goldwasser", "micali")
TEAMS = tuple(f"team-{n:02d}" for n in range(20))
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


def _schema() -> Schema:
    schema = Schema()
    schema.add(PEOPLE)
    return schema


def _seed(store: DocumentStore, count: int = DOCUMENTS) -> list[str]:
    rng = random.Random(7)  # the same data on every backend and every run
    now = datetime.now(UTC)
    ids = []
    with store.transaction():
        for n in range(count):
            name = f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}"
            doc = store.create(PEOPLE.id, {
                "name": name,
                "email": f"{name.lower().replace(' ', '.')}.{n}@example.com",
                "status": "active" if rng.random() < 0.9 else "suspended",
                "team": rng.choice(TEAMS),
                "is_platform_admin": rng.random() < 0.01,
                "email_verified_at": now - timedelta(days=rng.randint(0, 900)),
                "last_login_at": now - timedelta(minutes=rng.randint(0, 100_000)),
                "time_zone": rng.choice(ZONES),
                "prefs": {"theme": rng.choice(("light", "dark")), "digest": rng.random() < 0.5},
            })
            ids.append(doc["$id"])
    return ids


def _store_figures(backend: str, store: DocumentStore) -> list[Figure]:
    store.migrate()
    ids = _seed(store)
    rng = random.Random(11)
    single = itertools.cycle(rng.sample(ids, 500))
    batches = itertools.cycle([rng.sample(ids, 500) for _ in range(8)])
    teams = itertools.cycle(TEAMS)
    words = itertools.cycle(LAST)

    def get() -> None:
        store.get(PEOPLE.id, next(single))

    def get_many() -> None:
        batch = next(batches)
        assert len(store.get_many(PEOPLE.id, batch)) == len(batch)

    def list_page() -> None:
        page = store.list(PEOPLE.id, [
            Query.equal("team", next(teams)),
            Query.equal("status", "active"),
            Query.order_asc("name"),
            Query.limit(50),
        ])
        assert len(page.documents) == 50 and page.total > 50

    def search() -> None:
        found = store.list(PEOPLE.id, [Query.search("name", next(words)), Query.limit(25)])
        assert found.documents

    return [
        Figure(f"store_get_ms_{backend}", p50_ms(get, runs=200), "ms", 1),
        Figure(f"store_get_many_500_ms_{backend}", p50_ms(get_many, runs=30), "ms", 15),
        Figure(f"store_list_filtered_page_ms_{backend}", p50_ms(list_page, runs=60), "ms", 10),
        Figure(f"store_search_ms_{backend}", p50_ms(search, runs=80), "ms", 20),
    ]


def _sqlite_figures() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="keel-bench-") as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}", _schema())
        try:
            return _store_figures("sqlite", store)
        finally:
            store.close()


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """A database created for this run (its URL), or None when the server is unreachable."""
    import os

    import psycopg

    admin_url = os.environ.get("BENCH_POSTGRES_URL", PG_ADMIN_URL)
    name = f"keel_bench_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(f"# PostgreSQL figures skipped: {admin_url} is unreachable ({exc})".strip(),
              file=sys.stderr)
        yield None
        return
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = admin_url.rsplit("/", 1)[0]
        yield f"{base}/{name}"
    finally:
        with suppress(psycopg.Error):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _postgres_figures() -> list[Figure]:
    with _postgres_database() as url:
        if url is None:
            return []
        store = open_store(url, _schema())
        try:
            return _store_figures("postgres", store)
        finally:
            store.close()


def _login_page_figure() -> Figure:
    import os

    from webapp import create_app
    from webapp.config import Settings

    with tempfile.TemporaryDirectory(prefix="keel-bench-") as folder:
        settings = Settings(
            KEEL_INSTANCE=folder,  # type: ignore[call-arg]
            SECRET_KEY="bench-secret-key",  # type: ignore[call-arg]
            REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),  # type: ignore[call-arg]
            DATABASE_URL=f"sqlite:///{Path(folder) / 'keel.db'}",  # type: ignore[call-arg]
            MAIL_URL=f"outbox://{Path(folder) / 'outbox'}",  # type: ignore[call-arg]
        )
        app = create_app(settings)
        try:
            def login_page() -> Any:
                # a new visitor every time: no cookie, so the page starts a session
                response = app.test_client().get("/login")
                assert response.status_code == 200, response.status_code
                return response

            value = p50_ms(login_page, runs=100, warmup=10)
        finally:
            app.extensions["keel.runtime"].close()
    return Figure("login_page_ms", value, "ms", 15)


def run() -> list[Figure]:
    return [*_sqlite_figures(), *_postgres_figures(), _login_page_figure()]
