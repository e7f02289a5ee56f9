"""Work-management figures against a seeded 10,000-item project, on SQLite and PostgreSQL.

Each backend gets a throwaway Keel instance (a temporary SQLite file; a database created
for the run on ``BENCH_POSTGRES_URL``, ``VACUUM ANALYZE``d after seeding and dropped afterwards)
seeded once with ``seed_demo(items=10_000, projects=1)``. A Flask test client signed in as
the demo owner then measures (server time = wall time of the test-client request, p50):

- ``board_first_page_ms_<backend>``: GET the board (first page of every column)
- ``card_move_ms_<backend>``: POST one card move to the top of the next column (htmx)
- ``card_move_queries_<backend>``: document-store calls made by one move request,
  authorization included (counted by a store wrapper installed on the runtime)
- ``table_page_ms_<backend>``: GET a table page (50 rows) with two filters
- ``search_ms_<backend>``: GET the workspace search for a word found in many titles

Routes are found by their URL (the brief's scheme); a missing route, or one answering an
error, gives a MISS line that says why instead of a number.
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import Figure

ITEMS = int(os.environ.get("BENCH_WORK_ITEMS", "10000"))  # fewer for a quick look
PASSWORD = "bench password 1"
TARGETS = {"board_first_page_ms": 60.0, "card_move_ms": 15.0, "card_move_queries": 10.0,
           "table_page_ms": 25.0, "search_ms": 50.0}
RULES = {
    "board": ("/w/<workspace_id>/projects/<project_id>/board", "GET"),
    "move": ("/w/<workspace_id>/projects/<project_id>/board/move", "POST"),
    "table": ("/w/<workspace_id>/projects/<project_id>/table", "GET"),
    "search": ("/w/<workspace_id>/search", "GET"),
}
TABLE_FILTERS = "status=DONE&priority=MEDIUM"
SEARCH_WORD = "dashboard"
COUNTED = ("create", "get", "find", "get_many", "list", "first", "count", "update",
           "update_where", "increment", "delete", "delete_where")
_CSRF = re.compile(r'X-CSRFToken(?:"|&#34;|&quot;)\s*:\s*(?:"|&#34;|&quot;)([^"&]+)')


@dataclass(frozen=True)
class Missing(Figure):
    """A figure that could not be measured: printed as MISS with the reason."""

    reason: str = ""

    def line(self) -> str:
        return f"{self.name} - {self.unit} target {self.target:g} MISS ({self.reason})"


class CountingStore:
    """Forwards to a document store and counts the calls that reach the database."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name not in COUNTED:
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(f"{name}({args[0] if args else ''})")
            return value(*args, **kwargs)

        return counted


class Bench:
    """One seeded instance and a signed-in client."""

    def __init__(self, backend: str, folder: str, database_url: str) -> None:
        from webapp import create_app
        from webapp.cli.seed import seed_demo
        from webapp.config import Settings
        from webapp.storage.query import Query

        self.backend = backend
        settings = Settings(
            KEEL_INSTANCE=Path(folder),
            SECRET_KEY="bench-secret-key",
            REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            DATABASE_URL=database_url,
            MAIL_URL=f"outbox://{Path(folder) / 'outbox'}",
            BASE_URL="http://localhost",
        )
        self.app = create_app(settings)
        self.runtime = self.app.extensions["keel.runtime"]
        started = time.perf_counter()
        with self.app.app_context():
            self.seeded = seed_demo(self.runtime.store, items=ITEMS, projects=1, seed=1,
                                    email=f"bench.{backend}@example.com", password=PASSWORD)
        print(f"# {backend}: seeded {ITEMS} items in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        if backend == "postgres":
            _analyze(database_url)
        self.seeded_owner_id = self.runtime.store.first("users", [
            Query.equal("email", self.seeded.email)])["$id"]
        self.ids = {"workspace_id": self.seeded.workspace_id,
                    "project_id": self.seeded.project_ids[0]}
        self.client = self.app.test_client()
        self._sign_in()
        self.csrf = ""

    def close(self) -> None:
        self.runtime.close()

    def _sign_in(self) -> None:
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, "the login page has no CSRF token"
        response = self.client.post("/login", data={
            "csrf_token": token.group(1), "email": self.seeded.email, "password": PASSWORD})
        assert response.status_code in (302, 303), f"sign-in failed ({response.status_code})"

    def url(self, name: str) -> str | None:
        """The path of one of ``RULES`` for the seeded project, None when not routed."""
        rule, method = RULES[name]
        for found in self.app.url_map.iter_rules():
            if found.rule == rule and method in (found.methods or ()):
                path = rule
                for key, value in self.ids.items():
                    path = path.replace(f"<{key}>", value)
                return path
        return None

    def figure(self, name: str, value: float | str, unit: str = "ms") -> Figure:
        full = f"{name}_{self.backend}"
        if isinstance(value, str):
            return Missing(full, 0.0, unit, TARGETS[name], reason=value)
        return Figure(full, value, unit, TARGETS[name])


def _analyze(database_url: str) -> None:
    """Planner statistics and visibility map as autovacuum keeps them on a live database
    (a freshly bulk-loaded table has no visibility map: no index-only scans)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _timed(request: Callable[[], Any], *, runs: int, warmup: int = 3,
           prepare: Callable[[], None] | None = None) -> float | str:
    """p50 of ``request`` in ms (``prepare`` runs untimed before each); a reason on error."""
    samples = []
    for n in range(warmup + runs):
        if prepare is not None:
            prepare()
        start = time.perf_counter()
        response = request()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            return f"answered HTTP {response.status_code}"
        if n >= warmup:
            samples.append(elapsed)
    return statistics.median(samples)


def _get(bench: Bench, name: str, query: str = "", expect: int = 1,
         runs: int = 30) -> float | str:
    """p50 of a GET; warns on stderr when the page shows fewer than ``expect`` item keys."""
    path = bench.url(name)
    if path is None:
        return f"no route {RULES[name][0]} yet"
    target = f"{path}?{query}" if query else path
    value = _timed(lambda: bench.client.get(target), runs=runs)
    body = bench.client.get(target).get_data(as_text=True)
    keys = set(re.findall(r"\bWEB-\d+\b", body))
    if len(keys) < expect:
        print(f"# {bench.backend}: {name} shows {len(keys)} item keys, expected {expect}+",
              file=sys.stderr)
    return value


class Mover:
    """Moves a fresh card to the top of a column its workflow lets the owner reach."""

    def __init__(self, bench: Bench, path: str) -> None:
        from webapp.features.workflows.engine import board_columns

        self.bench, self.path = bench, path
        self.store = bench.runtime.store
        self.project = self.store.get("projects", bench.ids["project_id"])
        self.columns = [c.key for c in board_columns(self.store, self.project)]
        self.form: dict[str, Any] = {}
        self.sprint = ""  # what the board page sends back with a move (board.js)

    def _cards(self, status: str, n: int) -> list[dict[str, Any]]:
        from webapp.storage.query import Query as Q

        return list(self.store.list("work_items", [
            Q.equal("project_id", self.bench.ids["project_id"]), Q.equal("status", status),
            Q.order_asc("position"), Q.limit(n)]))

    def _allowed(self, item: dict[str, Any], to_key: str) -> bool:
        from webapp.authz.roles import ProjectRole
        from webapp.features.workflows.engine import check_transition

        return check_transition(self.store, self.project, item, to_key,
                                user_id=self.bench.seeded_owner_id,
                                project_role=ProjectRole.PROJECT_OWNER, team_ids=()).allowed

    def prepare(self) -> None:
        for source, target in itertools.permutations(self.columns, 2):
            cards = self._cards(source, 1)
            if cards and self._allowed(cards[0], target):
                top = self._cards(target, 1)
                self.form = {"item_id": cards[0]["$id"], "to_status": target,
                             "version": cards[0]["version"],
                             "before_id": top[0]["$id"] if top else ""}
                if self.sprint:
                    self.form["sprint"] = self.sprint
                return
        raise RuntimeError("no card can move anywhere on the seeded board")

    def post(self) -> Any:
        return self.bench.client.post(self.path, data=self.form, headers={
            "HX-Request": "true", "X-CSRFToken": self.bench.csrf})


def _move_figures(bench: Bench) -> list[Figure]:
    path = bench.url("move")
    if path is None:
        reason = f"no route {RULES['move'][0]} yet"
        return [bench.figure("card_move_ms", reason),
                bench.figure("card_move_queries", reason, "queries")]
    board = bench.url("board")
    page = bench.client.get(board).get_data(as_text=True) if board else ""
    token = _CSRF.search(page)
    if token is None:
        reason = "no CSRF token on the board page"
        return [bench.figure("card_move_ms", reason),
                bench.figure("card_move_queries", reason, "queries")]
    bench.csrf = token.group(1)
    mover = Mover(bench, path)
    sprint = re.search(r'data-sprint="([^"]*)"', page)
    mover.sprint = sprint.group(1) if sprint else ""
    value = _timed(mover.post, runs=30, prepare=mover.prepare)
    counting = CountingStore(bench.runtime.store)
    mover.prepare()
    bench.runtime.__dict__["store"] = counting
    try:
        response = mover.post()
    finally:
        bench.runtime.__dict__["store"] = counting._inner
    queries: float | str = float(len(counting.calls))
    if response.status_code != 200:
        queries = f"answered HTTP {response.status_code}"
    else:
        print(f"# {bench.backend}: one move = {', '.join(counting.calls)}", file=sys.stderr)
    return [bench.figure("card_move_ms", value),
            bench.figure("card_move_queries", queries, "queries")]


def _figures(backend: str, folder: str, database_url: str) -> list[Figure]:
    bench = Bench(backend, folder, database_url)
    try:
        return [
            bench.figure("board_first_page_ms", _get(bench, "board", expect=100)),
            *_move_figures(bench),
            bench.figure("table_page_ms", _get(bench, "table", TABLE_FILTERS, expect=50)),
            bench.figure("search_ms", _get(bench, "search", f"q={SEARCH_WORD}", expect=5)),
        ]
    finally:
        bench.close()


@contextmanager
def _sqlite() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="keel-bench-") as folder:
        yield folder, f"sqlite:///{Path(folder) / 'keel.db'}"


def run() -> list[Figure]:
    from bench.bench_foundation import _postgres_database

    figures = []
    with _sqlite() as (folder, url):
        figures += _figures("sqlite", folder, url)
    with _postgres_database() as pg_url, tempfile.TemporaryDirectory(
            prefix="keel-bench-") as folder:
        if pg_url is not None:
            figures += _figures("postgres", folder, pg_url)
    return figures
