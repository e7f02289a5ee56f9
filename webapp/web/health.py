"""Health checks for ``/healthz``: database, Redis, RQ workers.

Each check runs in its own thread with a short deadline and reports, never raises: a
load balancer polls this and must get an answer even when a dependency hangs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from webapp import __version__
from webapp.runtime import Runtime

log = logging.getLogger(__name__)

TIMEOUT = 2.0  # seconds per check
# An idle RQ worker refreshes its heartbeat every ``worker_ttl - 15`` seconds (405 s by
# default) and its registry entry expires ``worker_ttl + 60`` seconds after the last one.
WORKER_STALE_AFTER = timedelta(seconds=420 + 60)


def _with_deadline(check: Callable[[], dict[str, Any]], fallback: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result.update(check())
        except Exception as exc:
            log.warning("health check %s failed: %s", check.__name__, exc)
            result.update(fallback)

    thread = threading.Thread(target=run, name=f"healthz-{check.__name__}", daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    if thread.is_alive() or not result:
        log.warning("health check %s timed out after %.1fs", check.__name__, TIMEOUT)
        return dict(fallback)
    return result


def _redis_client(runtime: Runtime) -> Any:
    """A short-lived client with short timeouts (the app's own client waits longer)."""
    from redis import Redis

    return Redis.from_url(
        runtime.redis_url, socket_connect_timeout=1, socket_timeout=1, retry_on_timeout=False
    )


def check_database(runtime: Runtime) -> dict[str, Any]:
    def database() -> dict[str, Any]:
        store = runtime.store
        ok = bool(store.ping())
        return {"ok": ok, "schema_version": store.schema_version() if ok else None}

    return _with_deadline(database, {"ok": False, "schema_version": None})


def check_redis(runtime: Runtime) -> dict[str, Any]:
    def redis() -> dict[str, Any]:
        with _redis_client(runtime) as client:
            return {"ok": bool(client.ping())}

    return _with_deadline(redis, {"ok": False})


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_worker(runtime: Runtime, redis_ok: bool) -> dict[str, Any]:
    inline = not runtime.settings.rq_async
    if inline:  # jobs run inside the request: no worker is needed
        return {"ok": True, "last_heartbeat": None, "inline": True}
    if not redis_ok:
        return {"ok": False, "last_heartbeat": None}

    def worker() -> dict[str, Any]:
        from rq import Worker

        with _redis_client(runtime) as client:
            beats = [
                _aware(w.last_heartbeat)
                for w in Worker.all(connection=client)
                if w.last_heartbeat is not None
            ]
        last = max(beats, default=None)
        fresh = last is not None and datetime.now(UTC) - last <= WORKER_STALE_AFTER
        return {"ok": fresh, "last_heartbeat": last.isoformat() if last else None}

    return _with_deadline(worker, {"ok": False, "last_heartbeat": None})


def report(runtime: Runtime) -> tuple[dict[str, Any], int]:
    """The health document and its HTTP status (503 only when the database is down)."""
    results: dict[str, dict[str, Any]] = {}
    threads = [
        threading.Thread(target=lambda: results.__setitem__("database", check_database(runtime))),
        threading.Thread(target=lambda: results.__setitem__("redis", check_redis(runtime))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results["worker"] = check_worker(runtime, results["redis"]["ok"])
    healthy = all(part["ok"] for part in results.values())
    body = {"status": "ok" if healthy else "degraded", "version": __version__, **results}
    return body, 200 if results["database"]["ok"] else 503
