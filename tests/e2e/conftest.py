"""Browser tests: a real Keel server in a thread, a real RQ worker, headless Chromium.

Fixtures
- ``live_server`` (session): ``LiveServer`` with ``.url`` (``http://127.0.0.1:<port>``),
  ``.app``, ``.settings``, ``.redis_url``, ``.env`` (environment for subprocesses) and
  ``.make_user(email, password, name=..., verified=True)``. Jobs are queued (RQ_ASYNC on).
- ``rq_worker`` (session): a running ``python -m jobs.worker`` subprocess for the live server.
- ``browser`` (session): Playwright Chromium (``/usr/bin/chromium``, headless).
- ``page`` (test): a fresh context + page with ``base_url`` set to the live server, so
  ``page.goto("/login")`` works; a screenshot lands in ``test-artifacts/`` when the test fails.
- ``console`` (test): ``ConsoleLog`` of the ``page``: ``.messages``, ``.errors`` (console
  errors + uncaught exceptions), ``.csp_violations``.
- ``snap(page, name)``: full-page screenshot to ``test-artifacts/<name>.png``.
- ``axe(page)``: runs axe-core (WCAG 2.x A/AA + best practices) on the current page and
  fails with a readable list of violations.

Chromium comes from the system (``apt-get install chromium``); set ``CHROMIUM`` to use
another binary. Without one the tests are skipped, unless ``KEEL_REQUIRE_E2E=1`` (CI).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from werkzeug.serving import BaseWSGIServer, make_server

from webapp import create_app
from webapp.config import Settings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _require(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("KEEL_REQUIRE_E2E"):
        pytest.fail(f"{what} is required for the browser tests (KEEL_REQUIRE_E2E is set)")
    pytest.skip(f"{what} is not available on this machine")


def _redis_db(worker_id: str) -> int:
    # Unit tests use databases 1.. (flushed per test); the live server gets its own.
    match = re.search(r"(\d+)$", worker_id)
    return 10 + (int(match.group(1)) if match else 0)


# -- the server ----------------------------------------------------------------------------
class _Deferred:
    """A WSGI app that forwards to the real one, set once the port is known."""

    app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


@dataclass
class LiveServer:
    url: str
    app: Any
    settings: Settings
    redis_url: str
    env: dict[str, str] = field(default_factory=dict)

    def make_user(self, email: str, password: str, *, name: str = "Ada Lovelace",
                  verified: bool = True, workspace: str | None = None,
                  **changes: Any) -> dict[str, Any]:
        """An account created through the identity service (verified unless told otherwise).

        With ``workspace``, a personal account that owns a workspace of that name (active in the
        lifecycle, so it lands on the home dashboard instead of onboarding)."""
        from datetime import UTC, datetime

        from webapp.identity import service

        store = self.app.extensions["keel.runtime"].store
        user = service.signup(store, name=name, email=email, password=password,
                              accept_terms=True, accept_dpa=True)
        if verified:
            changes.setdefault("email_verified_at", datetime.now(UTC))
        if workspace:
            changes.setdefault("account_type", "PERSONAL")
        if changes:
            user = store.update("users", user["$id"], changes)
        if workspace:
            from webapp.audit import Acting
            from webapp.features.workspaces.service import create_workspace

            create_workspace(store, Acting.of(user), owner_id=user["$id"], name=workspace)
            user = store.get("users", user["$id"])
        return dict(user)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[LiveServer]:
    redis_url = f"{REDIS_BASE.rstrip('/')}/{_redis_db(worker_id)}"
    try:
        Redis.from_url(redis_url, socket_connect_timeout=1).flushdb()
    except Exception:
        _require(f"Redis at {redis_url}", False)
    instance = tmp_path_factory.mktemp("live") / "instance"
    wsgi = _Deferred()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, wsgi, threaded=True)
    url = f"http://127.0.0.1:{server.port}"
    env = {
        "KEEL_ENV": "test",
        "KEEL_TESTING": "1",
        "KEEL_INSTANCE": str(instance),
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "REDIS_URL": redis_url,
        "BASE_URL": url,
        "RQ_ASYNC": "1",
        # every browser test signs in from 127.0.0.1, many within one minute; the limit
        # itself is tested in tests/identity
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }
    settings = Settings(**{k: v for k, v in env.items()})  # type: ignore[arg-type]
    app = create_app(settings)
    wsgi.app = app
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=url, app=app, settings=settings, redis_url=redis_url,
                     env={**os.environ, **env, "PYTHONPATH": str(ROOT)})
    server.shutdown()
    thread.join(5)
    app.extensions["keel.runtime"].close()


@pytest.fixture(scope="session")
def rq_worker(live_server: LiveServer) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker process on the live server's Redis; stopped at the end of the session."""
    from rq import Worker

    if (ROOT / "jobs" / "worker.py").exists():
        argv = [sys.executable, "-m", "jobs.worker"]
    else:
        argv = [str(Path(sys.executable).parent / "rq"), "worker", "--url", live_server.redis_url,
                "mail", "default", "low", "--with-scheduler"]
    log = (ARTIFACTS / "rq-worker.log")
    ARTIFACTS.mkdir(exist_ok=True)
    out = log.open("wb")
    proc = subprocess.Popen(argv, cwd=ROOT, env=live_server.env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    conn = Redis.from_url(live_server.redis_url)
    deadline = time.monotonic() + 20
    while not Worker.all(connection=conn):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out.close()
            pytest.fail(f"the RQ worker did not start; see {log}:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
    yield proc
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    out.close()
    conn.close()


# -- the browser ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require(f"Chromium at {CHROMIUM}", bool(shutil.which(CHROMIUM)))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("the playwright Python package", False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class ConsoleLog:
    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.messages + self.errors if "Content Security Policy" in m]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:120]


@pytest.fixture
def _page_and_console(browser: Any, live_server: LiveServer,
                      request: pytest.FixtureRequest) -> Iterator[tuple[Any, ConsoleLog]]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log = ConsoleLog()
    page.on("console", lambda msg: (log.errors if msg.type == "error" else log.messages).append(
        f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"))
    yield page, log
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # the page may be gone; the failure matters more
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{_safe(request.node.nodeid)}.png"),
                            full_page=True)
    context.close()


@pytest.fixture
def page(_page_and_console: tuple[Any, ConsoleLog]) -> Any:
    return _page_and_console[0]


@pytest.fixture
def console(_page_and_console: tuple[Any, ConsoleLog]) -> ConsoleLog:
    return _page_and_console[1]


_SETTLE_JS = """async () => {
  const finite = document.getAnimations().filter(
    (a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  await Promise.race([
    Promise.allSettled(finite.map((a) => a.finished)),
    new Promise((resolve) => setTimeout(resolve, 2000)),
  ]);
}"""


def snap(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of ``page`` as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{_safe(name)}.png"
    page.evaluate(_SETTLE_JS)
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(name="snap")
def snap_fixture() -> Callable[..., Path]:
    return snap


# -- accessibility -------------------------------------------------------------------------
def _format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
            lines.append(f"       {node['html'][:200]}")
    return "\n".join(lines)


def run_axe(page: Any, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe-core's violations on the current page (see ``axe`` for the asserting version).

    The script is evaluated through the DevTools protocol, which the page's CSP does not
    govern, so the page keeps its real policy (no ``bypass_csp``) while axe runs.
    """
    _require(f"axe-core ({AXE_JS}; run `npm ci`)", AXE_JS.is_file())
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    # Let transitions settle (a theme switch fades colours), or axe measures mid-fade.
    page.evaluate(_SETTLE_JS)
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    result = page.evaluate(
        "async (options) => JSON.stringify((await window.axe.run(document, options)).violations)",
        options,
    )
    return list(json.loads(result))


def axe(page: Any, *, disable: tuple[str, ...] = ()) -> None:
    """Fail with a readable report when axe-core finds accessibility violations."""
    violations = run_axe(page, disable=disable)
    assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n" + (
        _format_violations(violations)
    )


@pytest.fixture(name="axe")
def axe_fixture() -> Callable[..., None]:
    return axe
